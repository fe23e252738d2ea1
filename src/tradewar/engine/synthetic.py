"""Synthetic shipments from real codes, and an order-free checksum of rated output.

Used by the benchmarks (``bench/bulk_duty.py``, ``bench/engines.py``) and by the tour's
engine comparison: both engines rate the same generated dataset and their outputs are
compared by :func:`output_checksum`, which does not depend on row order or on how the
rows are split into files.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from ..data.store import attach_path

PARTITION_KEYS = {"year": "year(entered)", "month": "year(entered) * 100 + month(entered)"}
CHECKSUM_COLUMNS = (
    "code", "importer", "origin", "entered", "exported", "value", "origin_group",
    "mfn_rate", "s301_rate", "s232_rate", "ret_rate", "total_rate", "duty",
)  # fmt: skip


def generate_shipments(store: Path, rows: int, out: Path, seed: int = 7) -> None:
    """Write ``rows`` shipments to ``out`` (one Parquet file): real leaf codes of both
    schedules, 80 % from the other side of the war, entry dates over 2018-2019."""
    con = duckdb.connect()
    try:
        con.execute(f"ATTACH '{attach_path(store)}' AS s (READ_ONLY)")
        con.execute(f"SELECT setseed({1 / seed})")
        con.execute("""
            CREATE TEMP TABLE codes AS
            SELECT row_number() OVER () - 1 AS i, importer, code FROM (
                SELECT DISTINCT importer, code FROM s.panel
                WHERE is_leaf AND valid_from <= DATE '2019-06-01'
                  AND valid_until > DATE '2019-06-01')
        """)
        n_codes = con.execute("SELECT count(*) FROM codes").fetchone()[0]
        con.execute(f"""
            COPY (
                SELECT c.code, c.importer,
                       CASE WHEN random() < 0.8
                            THEN (CASE c.importer WHEN 'US' THEN 'CN' ELSE 'US' END)
                            ELSE (['DE', 'JP', 'MX', 'VN', 'KR'])[1 + (g.i % 5)::INT]
                       END AS origin,
                       DATE '2018-01-01' + CAST(floor(random() * 730) AS INTEGER) AS entered,
                       round(100 + random() * 100000, 2) AS value
                -- the random code index is drawn per row in a subquery: inside the join
                -- condition DuckDB drew it once, and every row had the same code
                FROM (SELECT i, CAST(floor(random() * {n_codes}) AS BIGINT) AS k
                      FROM range({rows}) r(i)) g
                JOIN codes c ON c.i = g.k
            ) TO '{out}' (FORMAT parquet)
        """)
    finally:
        con.close()


def partitioned_shipments(store: Path, rows: int, root: Path, key: str = "year") -> None:
    """``rows`` shipments as a hive-partitioned Parquet dataset under ``root``."""
    flat = root.with_suffix(".flat.parquet")
    generate_shipments(store, rows, flat)
    con = duckdb.connect()
    try:
        con.execute("SET preserve_insertion_order = false")
        con.execute(
            f"COPY (SELECT *, {PARTITION_KEYS[key]} AS {key} FROM read_parquet('{flat}')) "
            f"TO '{root}' (FORMAT parquet, PARTITION_BY ({key}))"
        )
    finally:
        con.close()
        flat.unlink()


def output_checksum(output: Path) -> dict[str, Any]:
    """Row count, wrapped hash sum and duty sum of a rated file or dataset."""
    glob = f"{output}/**/*.parquet" if output.is_dir() else str(output)
    columns = ", ".join(CHECKSUM_COLUMNS)
    con = duckdb.connect()
    try:
        count, hashes, duty = con.execute(
            f"""SELECT count(*), sum(hash({columns})::HUGEINT) % 18446744073709551616,
                       sum(round(duty, 6))
                FROM read_parquet('{glob}', hive_partitioning = true)"""
        ).fetchone()
    finally:
        con.close()
    return {"checksum": f"{count}:{int(hashes or 0):x}", "duty_sum": round(float(duty or 0), 2)}
