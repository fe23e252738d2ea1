"""Request field types shared by the routes: the same rules as the CLI (``formats``).

Pydantic reads query fields leniently (a date ``0`` or ``172800`` as seconds since 1970,
a number ``1_000``); ``IsoDate`` accepts only ``YYYY-MM-DD`` (``formats.iso_date``) and
``Number`` only plain decimal text (``formats.number``).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import BeforeValidator, Field

from ...formats import iso_date, number


def _iso(value: Any) -> Any:
    if value is None or isinstance(value, dt.date):
        return value
    day = iso_date(value) if isinstance(value, str) else None
    if day is None:
        raise ValueError(f"{value!r} is not a date: use YYYY-MM-DD")
    return day


IsoDate = Annotated[dt.date, BeforeValidator(_iso)]


def _number(value: Any) -> Any:
    if isinstance(value, str):
        parsed = number(value)
        if parsed is None:
            raise ValueError(f"{value!r} is not a finite number: digits, point, exponent")
        return parsed
    return value


# pydantic reads '1_000' as 1000; the bulk engines and the CLI do not (formats.number)
# a non-negative amount up to 1e15 (USD or a quantity)
Number = Annotated[float, Field(ge=0, le=1e15, allow_inf_nan=False), BeforeValidator(_number)]
