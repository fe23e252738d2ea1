"""What is a date, a number and a product code: one rule for every input path.

Single shipments (``engine.shipment``), the HTTP service and the bulk plan on DuckDB
and on Spark (``engine.plan``) all decide with these patterns, so an input that one
accepts the others accept, and one they reject all reject (issue 15, item 3).

* A date is ``YYYY-MM-DD`` (year 1000-2999), optionally followed by a time of day
  without a zone (``2019-06-20 13:45:00``, ``T`` or space): the date part is the date.
  ``20190620``, ``2019/06/20``, ``2019-W25-4`` and ``2019-06-20 (BC)`` are not dates.
  A Parquet timestamp *with* a time zone is refused when the file is read
  (``engine.backends.check_parquet_types``): converting it would need a zone.
* A number is decimal text: optional sign, digits with at most one point, optional
  exponent; finite (``inf``, ``nan``, ``1e309`` and ``1_000`` are not numbers).
* A code is 6, 8 or 10 digits (China: 10 and a trailing A/B), dots allowed between;
  spaces around it are trimmed, and no other character is allowed.
"""

from __future__ import annotations

import datetime as dt
import math
import re

_TIME = r"([ T][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,9})?)?)?"
DATE_PATTERN = rf"^[12][0-9]{{3}}-[0-9]{{2}}-[0-9]{{2}}{_TIME}$"
NUMBER_PATTERN = r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]{1,3})?$"
CODE_PATTERN = r"^[0-9]{6}([0-9]{2}([0-9]{2}[AB]?)?)?$"
CODE_SEPARATORS = r"[.]"  # removed from codes before they are checked
MAX_NUMBER = 1e300  # above it (and inf) a number is not finite for our purposes

_DATE = re.compile(DATE_PATTERN)
_NUMBER = re.compile(NUMBER_PATTERN)


def iso_date(text: str) -> dt.date | None:
    """The date ``text`` names under the rule above, or None."""
    text = text.strip(" ")
    if not _DATE.fullmatch(text):
        return None
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        return None


def number(text: str) -> float | None:
    """The finite number ``text`` is under the rule above, or None."""
    text = text.strip(" ")
    if not _NUMBER.fullmatch(text):
        return None
    value = float(text)
    return value if math.isfinite(value) and abs(value) <= MAX_NUMBER else None
