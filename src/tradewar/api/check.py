"""Python facade of the 2024 engine check (``tradewar check-engine``).

``check_engine`` rates 2024 US imports from China through the panel (as ``duty`` and
bulk do) and compares the duty with what Census calculated, line by line and in
aggregate, with the residual by named cause; ``list_coverage`` gives each Section 301
list's covered value at 2024 weights against SOURCES.md and USTR's announced values;
``lines_2024`` returns the per-line table and ``code_map`` the store's 2018-2020 to 2024
code map.
See ``engine/check_engine.py`` and ``docs/check_engine.md``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from ..config import raw_dir, store_path
from ..data.store import open_store
from ..engine import check_engine as _check
from ..errors import StoreError


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


def lines_2024(store: Path | None = None, raw: Path | None = None) -> pd.DataFrame:
    """Each 2024 Census line with its panel rates (time-weighted over 2024), Census rate,
    gap and category: the per-line table of the check."""
    return _check.lines_2024(store or store_path(), raw or raw_dir())


def code_map(store: Path | None = None) -> pd.DataFrame:
    """The ``us_code_map`` table: 2018-2020 HTS10 codes to 2024 codes, with the method."""
    return _table("us_code_map", store)
