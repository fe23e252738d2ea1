"""Open the compiled store read-only, and a few lookups every engine needs."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb

from ..config import STORE_VERSION, store_path
from ..errors import CoverageError, StoreError


def open_store(path: Path | None = None) -> duckdb.DuckDBPyConnection:
    """Open the store read-only; a missing or foreign store is a ``StoreError``."""
    path = path or store_path()
    if not path.exists():
        raise StoreError(f"no store at {path}: run 'tradewar data build' first")
    try:
        con = duckdb.connect(str(path), read_only=True)
        row = con.execute("SELECT value FROM build_info WHERE key = 'store_version'").fetchone()
    except duckdb.Error as exc:
        raise StoreError(f"store {path} is unreadable ({exc}); rebuild it") from None
    if row is None or row[0] != str(STORE_VERSION):
        con.close()
        raise StoreError(f"store {path} was built by another version; rebuild it")
    return con


def coverage(con: duckdb.DuckDBPyConnection, importer: str) -> tuple[dt.date, dt.date, str]:
    """(first day, first day not covered, basis) of an importer's schedule."""
    row = con.execute(
        "SELECT cov_from, cov_until, basis FROM coverage WHERE importer = ?", [importer]
    ).fetchone()
    if row is None:
        raise StoreError(f"the store has no coverage for importer {importer}")
    return row[0], row[1], row[2]


def check_date(con: duckdb.DuckDBPyConnection, importer: str, day: dt.date, what: str) -> None:
    """Raise ``CoverageError`` when ``day`` is outside the importer's coverage."""
    start, end, _basis = coverage(con, importer)
    check_span(importer, day, what, start, end)


def check_span(importer: str, day: dt.date, what: str, start: dt.date, end: dt.date) -> None:
    """Raise ``CoverageError`` when ``day`` is outside ``[start, end)`` (``check_date``)."""
    if not start <= day < end:
        last = end - dt.timedelta(days=1)
        raise CoverageError(
            f"{what} date {day} is outside the {importer} schedule's coverage "
            f"({start} to {last}): not covered"
        )
