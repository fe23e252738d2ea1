#!/usr/bin/env python
"""DuckDB and Spark on a hostile CSV of N rows: equal sorted rows and equal rejects?

The file repeats the hostile rows of tests/test_engines.py (dates, numbers and codes
the engines' own parsers read differently: ``2019-06-20 (BC)``, ``2019/06/20``,
``1_000``, ``inf``, a narrow no-break space in a code, ...) mixed with real shipments,
each row with an ``id``. Both engines rate it; the rated rows (sorted by id) and the
rejects (sorted) are compared column by column. Prints a JSON report: rows, rated,
rejected, seconds per engine, and ``equal_rows`` / ``equal_rejects``.

    python bench/hostile_engines.py --rows 1000000
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from test_engines import HOSTILE

from tradewar import api
from tradewar.config import store_path


def write_hostile(path: Path, rows: int) -> None:
    """``rows`` lines: the hostile rows over and over, ids unique."""
    body = "\n".join(HOSTILE[1:]).encode().decode("unicode_escape").encode("latin-1").decode()
    lines = [line.split(",", 1)[1] for line in body.split("\n")]
    with path.open("w", encoding="utf-8") as out:
        out.write(HOSTILE[0] + "\n")
        for i in range(rows):
            out.write(f"{i},{lines[i % len(lines)]}\n")


def compare(a: Path, b: Path, rej_a: Path, rej_b: Path) -> dict[str, bool]:
    con = duckdb.connect()
    try:
        glob = lambda p: f"{p}/**/*.parquet" if p.is_dir() else str(p)  # noqa: E731
        rows = con.execute(
            f"""SELECT count(*) FROM (
                (SELECT * EXCLUDE (id), CAST(id AS BIGINT) AS id FROM read_parquet('{glob(a)}')
                 EXCEPT ALL
                 SELECT * EXCLUDE (id), CAST(id AS BIGINT) AS id FROM read_parquet('{glob(b)}'))
                UNION ALL
                (SELECT * EXCLUDE (id), CAST(id AS BIGINT) AS id FROM read_parquet('{glob(b)}')
                 EXCEPT ALL
                 SELECT * EXCLUDE (id), CAST(id AS BIGINT) AS id FROM read_parquet('{glob(a)}')))"""
        ).fetchone()[0]
        rejects = con.execute(
            f"""SELECT count(*) FROM (
                (SELECT * FROM read_csv('{rej_a}', all_varchar=true) EXCEPT ALL
                 SELECT * FROM read_csv('{rej_b}', all_varchar=true)) UNION ALL
                (SELECT * FROM read_csv('{rej_b}', all_varchar=true) EXCEPT ALL
                 SELECT * FROM read_csv('{rej_a}', all_varchar=true)))"""
        ).fetchone()[0]
    finally:
        con.close()
    return {"equal_rows": rows == 0, "equal_rejects": rejects == 0,
            "rows_differing": rows, "rejects_differing": rejects}  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    report: dict = {"rows": args.rows}
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "hostile.csv"
        write_hostile(source, args.rows)
        results = {}
        for engine in ("duckdb", "spark"):
            started = time.perf_counter()
            r = api.bulk(source, Path(tmp) / f"{engine}.parquet", store=store_path(), engine=engine)
            results[engine] = r
            report[engine] = {"rated": r.rated, "rejected": r.rejected,
                              "seconds": round(time.perf_counter() - started, 1)}  # fmt: skip
        d, s = results["duckdb"], results["spark"]
        report.update(compare(d.output, s.output, d.rejects, s.rejects))
    print(json.dumps(report, indent=2))
    return 0 if report["equal_rows"] and report["equal_rejects"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
