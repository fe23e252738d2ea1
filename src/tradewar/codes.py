"""HS / HTS product codes: parsing, normalisation and formatting."""

from __future__ import annotations

import re

from .errors import InputError
from .formats import CODE_PATTERN, CODE_SEPARATORS

_CODE = re.compile(CODE_PATTERN)
_SEPARATORS = re.compile(CODE_SEPARATORS)


def normalize_code(raw: str) -> str:
    """Return the digits of an HS6, HTS8 or HTS10 code given with or without dots

    China's PIIE file has a few value-split lines with a trailing ``A``/``B``
    (11 characters); those are accepted too.
    """
    text = _SEPARATORS.sub("", str(raw).strip(" ")).upper()
    if not _CODE.fullmatch(text):
        raise InputError(
            f"malformed product code {raw!r}: expected 6, 8 or 10 digits "
            "(HS6, HTS8, HTS10), digits with or without dots"
        )
    return text


def format_code(code: str) -> str:
    """Format digits the HTS way: ``9403.60.80.81``."""
    parts = [code[:4], code[4:6], code[6:8], code[8:]]
    return ".".join(p for p in parts if p)
