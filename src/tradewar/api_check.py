"""Python facade of the 2024 engine check (``tradewar check-engine``).

``check_engine`` compares the duty our 2024 rates imply on 2024 US imports from China
with the duty Census calculated, line by line and in aggregate; ``list_coverage`` gives
each Section 301 list's covered value at 2024 weights against SOURCES.md and USTR's
announced values; ``rates_2024`` and ``code_map`` return the two store tables behind it.
See ``engine/check_engine.py`` and ``docs/check_engine.md``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from .config import raw_dir, store_path
from .data.store import open_store
from .engine import check_engine as _check
from .errors import StoreError


def check_engine(
    year: int = 2024, store: Path | None = None, raw: Path | None = None, top: int = 25
) -> dict[str, Any]:
    """The 2024 comparison: computed vs Census duty, agreement, gaps explained, lists."""
    _check.check_year(year)
    return _check.check_engine(store or store_path(), raw or raw_dir(), year, top)


def list_coverage(
    year: int = 2024, store: Path | None = None, raw: Path | None = None
) -> dict[str, Any]:
    """Each list's (9903.88.01/.02/.03/.04/.15/.16) 2024 import value, and why it is not
    USTR's 2017-based figure."""
    _check.check_year(year)
    return _check.lists_covered(store or store_path(), raw or raw_dir(), year)


def _table(name: str, store: Path | None) -> pd.DataFrame:
    con = open_store(store)
    try:
        found = con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]
        ).fetchone()
        if not found or not found[0]:
            raise StoreError(f"the store has no {name} table: rebuild it ('tradewar data build')")
        return con.execute(f"SELECT * FROM {name}").df()
    finally:
        con.close()


def rates_2024(store: Path | None = None) -> pd.DataFrame:
    """The ``us_rates_2024`` table: 2024 MFN, Section 301 and 232 rates per HTS10 line."""
    return _table("us_rates_2024", store)


def code_map(store: Path | None = None) -> pd.DataFrame:
    """The ``us_code_map`` table: 2018-2020 HTS10 codes to 2024 codes, with the method."""
    return _table("us_code_map", store)
