"""The build is idempotent: a second build of the same inputs gives the same tables."""

from __future__ import annotations

import duckdb

from tradewar import api
from tradewar.config import raw_dir
from tradewar.data.store import attach_path, open_store

TABLES = ("layers", "lines", "panel", "measures", "coverage", "issues", "checks", "flows")


def test_rebuild_gives_identical_tables(real_store, tmp_path):
    again = api.build(raw=raw_dir(), target=tmp_path / "tradewar.duckdb").path
    con = duckdb.connect()
    con.execute(f"ATTACH '{attach_path(real_store)}' AS a (READ_ONLY)")
    con.execute(f"ATTACH '{attach_path(again)}' AS b (READ_ONLY)")
    try:
        _compare(con)
    finally:
        con.close()


def _compare(con: duckdb.DuckDBPyConnection) -> None:
    for table in TABLES:
        n = con.execute(f"SELECT count(*) FROM a.{table}").fetchone()[0]
        assert n > 0, table
        assert con.execute(f"SELECT count(*) FROM b.{table}").fetchone()[0] == n, table
        diff = con.execute(
            f"SELECT count(*) FROM (SELECT * FROM a.{table} EXCEPT ALL SELECT * FROM b.{table})"
        ).fetchone()[0]
        assert diff == 0, f"{table}: {diff} rows differ between two builds"


def test_store_records_its_provenance(real_store):
    con = open_store(real_store)
    info = dict(con.execute("SELECT key, value FROM build_info").fetchall())
    sources = {r[0] for r in con.execute("SELECT DISTINCT source FROM layers").fetchall()}
    untraced = con.execute(
        "SELECT count(*) FROM layers WHERE source IS NULL OR citation IS NULL OR heading IS NULL"
    ).fetchone()[0]
    con.close()
    assert info["raw_dir"] == str(raw_dir())
    assert untraced == 0
    assert "mwaugh0328__tradewar-tracker/data/China-Tariffs.xlsx" in sources
    assert any(s.startswith("data/measures/us/section_232") for s in sources)
