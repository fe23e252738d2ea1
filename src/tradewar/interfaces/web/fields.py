"""Request field types shared by the routes: the same rules as the CLI (``formats``).

Pydantic reads a date query field leniently (``0`` or ``172800`` as seconds since
1970); ``IsoDate`` accepts only ``YYYY-MM-DD`` (``formats.iso_date``).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import BeforeValidator

from ...formats import iso_date


def _iso(value: Any) -> Any:
    if value is None or isinstance(value, dt.date):
        return value
    day = iso_date(value) if isinstance(value, str) else None
    if day is None:
        raise ValueError(f"{value!r} is not a date: use YYYY-MM-DD")
    return day


IsoDate = Annotated[dt.date, BeforeValidator(_iso)]
