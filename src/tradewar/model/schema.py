"""Canonical tables of the store. Every loader produces rows in these shapes.

``layers`` is the schedule of truth: one row per (measure, product code, step).
A row says that from ``valid_from`` (inclusive) until ``valid_until`` (exclusive,
NULL = to the end of coverage) goods of ``origin`` ('*' = every origin) entering
``importer`` under ``code`` (a prefix at the level the source gives) bear
``rate`` (an ad valorem fraction) and, for specific duties, ``spec_amount`` USD per
``spec_unit``. ``rate`` NULL with ``rate_kind`` 'unknown' means the source does not
say: it is never read as 0.

Rows with the same ``override_group`` compete: for a product, only the matches at
the most specific ``code_level`` apply (an HTS10 entry overrides its HTS8).
Rows with ``export_from``/``export_until`` apply only when the export date falls in
that window (the List 3 transit rule). Rows with a ``condition`` are shown but not
added to the total, because the condition cannot be read from the code.
"""

from __future__ import annotations

import pandas as pd

AUTHORITIES = ("MFN", "Section 301", "Section 232", "Retaliation", "IEEPA", "Section 122")

LAYER_COLUMNS: dict[str, str] = {
    "importer": "VARCHAR",  # US | CN
    "origin": "VARCHAR",  # ISO2 of the origin, or '*' for every origin
    "authority": "VARCHAR",  # one of AUTHORITIES
    "measure_id": "VARCHAR",  # e.g. us.s301.list3
    "measure_name": "VARCHAR",
    "override_group": "VARCHAR",
    "code": "VARCHAR",  # digits (China: may end in A/B)
    "code_level": "INTEGER",  # number of characters of code
    "valid_from": "DATE",
    "valid_until": "DATE",  # exclusive; NULL = open
    "export_from": "DATE",  # inclusive; NULL = no lower bound
    "export_until": "DATE",  # exclusive; NULL = no upper bound
    "governs": "VARCHAR",  # entry | export+entry
    "rate": "DOUBLE",  # ad valorem part, fraction; NULL when unknown
    # ad_valorem | specific | compound | unknown | other | content_value | claim
    "rate_kind": "VARCHAR",
    "spec_amount": "DOUBLE",  # USD per spec_unit (specific part), NULL if none
    "spec_unit": "VARCHAR",
    "rate_text": "VARCHAR",  # the source's own wording
    "status": "VARCHAR",  # in_force | suspended | pending
    "condition": "VARCHAR",  # NULL, or why the layer may not apply
    "heading": "VARCHAR",  # Chapter 99 heading or Chinese announcement
    "citation": "VARCHAR",  # Federal Register notice / MOF announcement
    "precision": "VARCHAR",  # exact | hs6-approximation | inferred-date
    "source": "VARCHAR",  # raw file (relative to TRADEWAR_RAW) or authored file
    "source_row": "INTEGER",  # 1-based row in the source, when known
    "note": "VARCHAR",
}

LINE_COLUMNS: dict[str, str] = {
    "importer": "VARCHAR",
    "code": "VARCHAR",  # a leaf or parent code as the source gives it
    "code_level": "INTEGER",
    "description": "VARCHAR",
    "valid_from": "DATE",
    "valid_until": "DATE",  # exclusive; NULL = open
    "source": "VARCHAR",
}

_DEFAULTS = {
    "export_from": None,
    "export_until": None,
    "governs": "entry",
    "spec_amount": None,
    "spec_unit": None,
    "status": "in_force",
    "condition": None,
    "precision": "exact",
    "source_row": None,
    "note": None,
}


def enforce(frame: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    """Return ``frame`` with exactly ``columns``, in order, defaults filled.

    Missing columns with a default get it; any other missing column is an error.
    """
    out = frame.copy()
    for name in columns:
        if name not in out.columns:
            if name in _DEFAULTS:
                out[name] = _DEFAULTS[name]
            elif name == "code_level" and "code" in out.columns:
                out[name] = out["code"].str.len()
            else:
                raise ValueError(f"missing column {name!r}")
    for name, kind in columns.items():
        if kind == "DATE":
            out[name] = pd.to_datetime(out[name]).dt.date
        elif kind == "DOUBLE":
            out[name] = pd.to_numeric(out[name]).astype("float64")
        elif kind == "INTEGER":
            out[name] = pd.to_numeric(out[name]).astype("Int64")
        else:
            out[name] = out[name].astype("object").where(out[name].notna(), None)
    return out[list(columns)]
