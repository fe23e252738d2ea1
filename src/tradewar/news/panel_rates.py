"""Rates stated in news checked against the panel: every layer and total on a date.

A news rate can be one layer ("an additional 25 percent"), the sum of the layers
("145%": reciprocal plus fentanyl duties), or the whole duty with MFN ("62% on pork").
So a claimed rate is compared with every rate the schedule gives the importer's lines
from that origin on the day: each authority's layer (Section 301, 232, China's
retaliation, IEEPA, Section 122, content-value), the additional total (total minus
MFN), the total and the MFN rate. A product named in the claim ("pork", "steel")
narrows the lines to its HS headings (``data/news/products.yaml``).

``rates_on`` answers "which rates were in force on day D, on how many lines, under
which layer"; ``first_day`` answers "when did a rate first apply". Both read the
store's ``panel`` table (one row per line and dated window). The schedule covers
US-China trade only: other pairs are not in it.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import duckdb

from ..data.yamlload import load_yaml
from .entities import news_data_dir

TOL = 0.0005
LAYERS = {
    "s301_rate": "Section 301",
    "s232_rate": "Section 232",
    "ret_rate": "China's retaliatory duty",
    "ieepa_rate": "IEEPA",
    "s122_rate": "Section 122",
    "cv_rate": "content-value layer",
}
PAIRS = {("US", "CN"), ("CN", "US")}


@dataclass(frozen=True)
class Seen:
    """One rate in force: its value, what it is (layer, additional total, total, MFN),
    how many lines carry it and one example line."""

    rate: float
    what: str
    lines: int
    example: str


@lru_cache(maxsize=1)
def products() -> dict[str, tuple[str, ...]]:
    """Product word (lower case) -> HS prefixes (digits only), from products.yaml."""
    data = load_yaml(news_data_dir() / "products.yaml") or {}
    return {
        str(k).lower(): tuple(re.sub(r"\D", "", str(p)) for p in v)
        for k, v in (data.get("products") or {}).items()
    }


@lru_cache(maxsize=1)
def _product_re() -> re.Pattern[str]:
    words = sorted(products(), key=len, reverse=True)
    return re.compile(r"\b(" + "|".join(re.escape(w) for w in words) + r")(?:s|es)?\b", re.I)


def product_in(text: str) -> tuple[str, tuple[str, ...]] | None:
    """The first product word of ``text`` and its HS prefixes, or None."""
    m = _product_re().search(text)
    if m is None:
        return None
    word = m.group(1).lower()
    return word, products()[word]


def _where(importer: str, origin: str, prefixes: tuple[str, ...] | None) -> tuple[str, list]:
    sql = "importer = ? AND origin_group = ? AND is_leaf"
    args: list[Any] = [importer, origin]
    if prefixes:
        sql += " AND (" + " OR ".join("starts_with(code, ?)" for _ in prefixes) + ")"
        args += list(prefixes)
    return sql, args


def rates_on(
    con: duckdb.DuckDBPyConnection,
    importer: str,
    origin: str,
    day: dt.date,
    prefixes: tuple[str, ...] | None = None,
) -> list[Seen]:
    """Every rate in force on ``day`` on the importer's lines from ``origin``: each
    layer and the additional total; with a product named (``prefixes``) also the
    total with MFN and the MFN rate (without one, some line's MFN-inclusive total
    would match almost any figure)."""
    where, args = _where(importer, origin, prefixes)
    cols = ", ".join(LAYERS)
    rows = con.execute(
        f"""SELECT code, mfn_rate, total_rate, {cols} FROM panel
            WHERE {where} AND valid_from <= ? AND ? < valid_until
              AND (export_from IS NULL OR export_from <= ?)""",
        [*args, day, day, day],
    ).fetchall()
    seen: dict[tuple[float, str], list[Any]] = {}

    def add(rate: float | None, what: str, code: str) -> None:
        if rate is None or rate <= 0:
            return
        key = (round(rate, 4), what)
        entry = seen.setdefault(key, [0, code])
        entry[0] += 1

    for code, mfn, total, *layers in rows:
        for name, value in zip(LAYERS, layers, strict=True):
            add(value, LAYERS[name], code)
        if total is not None and mfn is not None:
            add(total - mfn, "additional duties (total minus MFN)", code)
        if prefixes:
            add(total, "total duty with MFN", code)
            add(mfn, "MFN", code)
    out = [Seen(r, what, n, ex) for (r, what), (n, ex) in seen.items()]
    return sorted(out, key=lambda s: (-s.lines, s.rate))


def lines_exist(
    con: duckdb.DuckDBPyConnection, importer: str, origin: str, prefixes: tuple[str, ...] | None
) -> bool:
    """Whether the panel has any line for the pair (and product)."""
    where, args = _where(importer, origin, prefixes)
    return bool(con.execute(f"SELECT count(*) FROM panel WHERE {where}", args).fetchone()[0])


def first_day(
    con: duckdb.DuckDBPyConnection,
    importer: str,
    origin: str,
    rate: float,
    prefixes: tuple[str, ...] | None = None,
    after: dt.date | None = None,
    near: dt.date | None = None,
) -> tuple[dt.date, str] | None:
    """The first day (on or after ``after``) on which ``rate`` applied as a layer or as
    the additional total, with what it was; None if never. With ``near``, only a
    window of a year either side of that day counts (a rate years away is another
    measure, not a misdated one)."""
    where, args = _where(importer, origin, prefixes)
    if near is not None:
        where += " AND valid_from <= ? AND valid_until > ?"
        args += [near + dt.timedelta(days=365), near - dt.timedelta(days=365)]
    tests = [f"abs(coalesce({c}, -1) - ?) <= {TOL}" for c in LAYERS]
    tests.append(f"abs(coalesce(total_rate - mfn_rate, -1) - ?) <= {TOL}")
    if prefixes:
        tests.append(f"abs(coalesce(total_rate, -1) - ?) <= {TOL}")
    row = con.execute(
        f"""SELECT min(valid_from) FROM panel WHERE {where}
            AND valid_until > ? AND ({" OR ".join(tests)})""",
        [*args, after or dt.date(1900, 1, 1), *([rate] * len(tests))],
    ).fetchone()
    if row is None or row[0] is None:
        return None
    return max(row[0], after) if after else row[0], "layer or total"


def measure_on(con: duckdb.DuckDBPyConnection, measure_id: str, prefixes: tuple[str, ...]) -> bool:
    """Whether measure ``measure_id`` ever applied to a line under ``prefixes``.

    No module-level cache: a cache keyed on the connection would keep the store attached
    for the life of the process (and an id reused by a later connection would be stale).
    """
    where = " OR ".join("starts_with(code, ?)" for _ in prefixes)
    row = con.execute(
        f"SELECT count(*) FROM panel WHERE list_contains(measures, ?) AND ({where})",
        [measure_id, *prefixes],
    ).fetchone()
    return bool(row and row[0])


def matching(seen: list[Seen], rate: float | None) -> list[Seen]:
    """The rates of ``seen`` equal to ``rate`` within the tolerance."""
    if rate is None:
        return []
    return [s for s in seen if abs(s.rate - rate) <= TOL]


def describe(seen: list[Seen], limit: int = 6) -> str:
    """'25% Section 301 (5,140 lines), ...' for the most common rates."""
    return ", ".join(
        f"{s.rate * 100:g}% {s.what} ({s.lines:,} line{'s' if s.lines != 1 else ''})"
        for s in seen[:limit]
    )


def connect(path: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the store (the panel is read many times per article)."""
    from ..data.store import open_store

    return open_store(path)
