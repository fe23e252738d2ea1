"""Python facade of IEEPA refunds (``tradewar refunds``, ``POST /api/refunds``).

    from tradewar.api import refunds as api_refunds
    r = api_refunds.refunds("entries.csv", "refunds.parquet")
    r["total_ieepa_duty"], r["by_month"], r["by_heading"], r["entries"], r["rejected"]

See ``engine/refunds.py`` and docs/refunds.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..config import store_path
from ..data.store import open_store
from ..engine.refunds import refunds as _refunds


def refunds(
    input_path: str | Path,
    output: str | Path | None = None,
    store: Path | None = None,
    overwrite: bool = False,
) -> dict[str, Any]:
    """The duty each entry paid under IEEPA headings, totals by month and heading,
    rejected rows with their reason, the legal basis and the caveats. An existing
    ``output`` is replaced only with ``overwrite``."""
    path = store or store_path()
    open_store(path).close()  # fail fast with a clear message on a missing store
    out = Path(output) if output is not None else None
    return _refunds(path, Path(input_path), out, overwrite)
