"""A product's full dated history of layers, and the stacked total over time."""

from __future__ import annotations

import json
from typing import Any

import duckdb

from ..codes import format_code
from ..errors import InputError
from .lookups import describe
from .lookups import rows as _rows


def product_schedule(
    con: duckdb.DuckDBPyConnection, code: str, importer: str, origin_group: str
) -> dict[str, Any]:
    """Every layer that ever applied to ``code`` and the total rate per interval."""
    prefixes = sorted({code[:n] for n in (4, 6, 8, 10, 11) if len(code) >= n})
    layers = _rows(
        con,
        """SELECT * FROM layers
           WHERE importer = $importer AND (origin = '*' OR origin = $group)
             AND (list_contains($prefixes, code) OR starts_with(code, $code))
           ORDER BY CASE authority WHEN 'MFN' THEN 0 WHEN 'Section 232' THEN 1
                    WHEN 'Section 301' THEN 2 ELSE 3 END, valid_from, code""",
        {"importer": importer, "group": origin_group, "prefixes": prefixes, "code": code},
    )
    timeline = _rows(
        con,
        """SELECT valid_from, valid_until, export_from, export_until, mfn_text, mfn_rate,
                  s301_rate, s301_heading, s232_rate, s232_heading, ret_rate, ret_heading,
                  ieepa_rate, ieepa_heading, s122_rate, s122_heading, cv_rate, cv_heading,
                  claim_headings, claim_rate, adval_rate, total_rate, ambiguous, approx
           FROM panel WHERE importer = $importer AND origin_group = $group AND code = $code
           ORDER BY valid_from, export_from NULLS FIRST""",
        {"importer": importer, "group": origin_group, "code": code},
    )
    if not timeline:
        raise InputError(f"code {format_code(code)} is not in the {importer} schedule")
    ids = sorted({y["measure_id"] for y in layers})
    pending = [
        {"measure_id": mid, **h}
        for mid, history in con.execute(
            "SELECT measure_id, history FROM measures WHERE list_contains(?, measure_id)",
            [ids],
        ).fetchall()
        for h in json.loads(history)
        if h.get("pending")
    ]
    return {
        "code": code,
        "code_formatted": format_code(code),
        "description": describe(con, importer, code),
        "importer": importer,
        "origin": origin_group,
        "layers": [
            {
                "authority": y["authority"],
                "measure_id": y["measure_id"],
                "measure": y["measure_name"],
                "code": y["code"],
                "heading": y["heading"],
                "from": y["valid_from"].isoformat(),
                "until": y["valid_until"].isoformat() if y["valid_until"] else None,
                "export_from": y["export_from"].isoformat() if y["export_from"] else None,
                "export_until": y["export_until"].isoformat() if y["export_until"] else None,
                "governs": y["governs"],
                "rate": y["rate"],
                "rate_text": y["rate_text"],
                "status": y["status"],
                "citation": y["citation"],
                "precision": y["precision"],
                "source": y["source"],
                "source_row": y["source_row"],
                "applies_to": "this code" if len(y["code"]) <= len(code) else "a line beneath",
            }
            for y in layers
        ],
        "pending": pending,
        "timeline": [
            {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in t.items()}
            for t in timeline
        ],
    }
