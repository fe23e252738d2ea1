"""The duty on one shipment on one day: every layer, its legal basis, and the total.

The total comes from the stacked ``panel`` (the same rows the bulk engine joins);
the layers shown beside it come from the ``layers`` schedule, so each rate carries
its heading, citation and source row.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import duckdb

from ..codes import format_code
from .expressions import evaluate, parse_rate
from .lookups import RowSource, SqlSource
from .shipment import Shipment

if TYPE_CHECKING:
    from .index import ScheduleIndex

EXCLUSIONS_WARNING = (
    "Section 301 product exclusions (headings 9903.88.05 and later) are not modelled "
    "except 9903.88.67 to 9903.88.70 (claimable with --claim); "
    "check USTR's exclusion notices for this product"
)

MFN_CARRIED_WARNING = (
    "China's MFN rate after 2019 is not in the sources: the 2019 rate is carried forward "
    "(precision mfn-carried-forward), so the MFN part of the total is an estimate"
)


def compute_duty(
    con: duckdb.DuckDBPyConnection, s: Shipment, index: ScheduleIndex | None = None
) -> dict[str, Any]:
    """The explained duty on shipment ``s``; raises ``TradewarError`` on bad input.

    With ``index`` (``index.ScheduleIndex.load(con)``) the rows come from the compiled
    index and no SQL runs; the answer (or the error) is the same either way.
    """
    source: RowSource = index if index is not None else SqlSource(con)
    source.check_date(s.importer, s.entered, "entry")
    exported = s.exported or s.entered
    row = source.panel_row(s, exported)
    if row is None:
        raise source.missing_code(s)
    warnings: list[str] = []
    result: dict[str, Any] = {
        "code": s.code,
        "code_formatted": format_code(s.code),
        "description": source.description(s.importer, s.code),
        "importer": s.importer,
        "origin": s.origin,
        "entered": s.entered.isoformat(),
        "exported": s.exported.isoformat() if s.exported else None,
        "value": s.value,
    }
    if row["ambiguous"]:
        result.update(_ambiguous(source.leaf_lines(s, exported)))
        result["warnings"] = [
            f"{format_code(s.code)} is a parent code whose lines differ in duty on "
            f"{s.entered}; give one of the lines listed to get a single rate"
        ]
        return result
    explain_code = s.code if row["is_leaf"] else source.representative(s, exported)
    layers = [_layer(s, y) for y in source.layer_rows(s, explain_code, exported)]
    row = dict(row)
    claimed = _apply_claims(source, s, row, layers, warnings)
    _mark_excluded(source, row, layers)
    if not row["is_leaf"]:
        warnings.append(
            f"{format_code(s.code)} is a parent code; all its lines bear the same layers "
            f"on {s.entered} (shown for line {format_code(explain_code)})"
        )
    result["layers"] = layers
    result["claims_available"] = (
        (row["claim_headings"] or "").split("; ") if row.get("claim_headings") else []
    )
    result["claims_applied"] = claimed
    _content_value(s, row, warnings)
    result["adval_rate"] = row["adval_rate"]
    result["total_rate"] = row["total_rate"]
    if row.get("cv_rate"):
        result["content_value_rate"] = row["cv_rate"]
        result["content_value"] = s.content_value
    result.update(_money(s, row, warnings))
    warnings += _layer_warnings(s, layers, row)
    result["precision"] = _precision(row, layers)
    result["warnings"] = warnings
    return result


# layer precisions that make the total itself an estimate, weakest first (a date inferred
# or a scope from a secondary list says how a layer was placed, not that its rate is not
# the one in force)
ESTIMATED = ("reconstructed", "mfn-carried-forward")


def _precision(row: dict[str, Any], layers: list[dict[str, Any]]) -> str:
    """The answer's precision: its weakest part ("exact" only when every part is)."""
    if row["approx"]:
        return "hs6-approximation"
    found = {y["precision"] for y in layers}
    return next((p for p in ESTIMATED if p in found), "exact")


def _layer(s: Shipment, y: dict[str, Any]) -> dict[str, Any]:
    """One layer row as shown: rate, legal basis, why it applies, and its source."""
    return {
        "authority": y["authority"],
        "measure_id": y["measure_id"],
        "measure": y["measure_name"],
        "heading": y["heading"],
        "rate": y["rate"],
        "rate_kind": y["rate_kind"],
        "rate_text": y["rate_text"],
        "status": y["status"],
        "citation": y["citation"],
        "why": _why(s, y),
        "effective_from": y["valid_from"].isoformat(),
        "effective_until": y["valid_until"].isoformat() if y["valid_until"] else None,
        "governs": y["governs"],
        "precision": y["precision"],
        "note": y.get("note"),
        "source": y["source"],
        "source_row": y["source_row"],
        "in_total": y["condition"] is None,
        "override_group": y["override_group"],
    }


def _apply_claims(
    source: RowSource,
    s: Shipment,
    row: dict[str, Any],
    layers: list[dict[str, Any]],
    warnings: list[str],
) -> list[str]:
    """Apply the claimed exclusions that the product has on the date; warn on the rest."""
    available = set((row.get("claim_headings") or "").split("; ")) - {""}
    for heading in sorted(available - set(s.claims)):
        warnings.append(
            f"exclusion {heading} is available for this product: claim it with "
            f"--claim {heading} (the list duty is charged unless it is claimed)"
        )
    claimed = [h for h in s.claims if h in available]
    for heading in s.claims:
        if heading not in available:
            warnings.append(
                f"claim {heading} is not available for this product on {s.entered}: not applied"
            )
    if not claimed:
        return []
    groups = source.claim_groups(claimed)
    for y in layers:
        if y["heading"] in claimed:
            y["claimed"] = True
            y["why"] += "; claimed by the importer"
        elif y.get("override_group") in groups and y["in_total"]:
            y["in_total"] = False
            y["why"] += f"; taken off by the claimed exclusion {', '.join(claimed)}"
    for key in ("adval_rate", "total_rate", "s301_rate"):
        if row[key] is not None:
            row[key] = round(row[key] - row["claim_rate"], 9)
    return claimed


def _mark_excluded(source: RowSource, row: dict[str, Any], layers: list[dict[str, Any]]) -> None:
    """Layers that a stacking rule took off (not among the panel row's measures)."""
    applied = set(row.get("measures") or [])
    for y in layers:
        if y["measure_id"] in applied or not y["in_total"]:
            continue
        rule = source.excluded_rule(y.get("override_group"))
        y["in_total"] = False
        y["why"] += (
            f"; not applied: rule {rule[0]} ({' '.join(rule[1].split())})"
            if rule
            else "; not applied on this date"
        )


def _content_value(s: Shipment, row: dict[str, Any], warnings: list[str]) -> None:
    """A content-value layer: its duty is rate x content value, never a guess."""
    rate = row.get("cv_rate") or 0.0
    if not rate:
        return
    heading = row.get("cv_heading")
    if s.content_value is None or s.value is None or not row["expressible"]:
        warnings.append(
            f"{heading} is charged at {rate:g} of the value of the content it names: "
            "give --value and --content-value to compute it; the total is not expressible"
        )
        row["total_rate"] = None
        return
    if s.value > 0:
        row["total_rate"] = round(row["adval_rate"] + rate * s.content_value / s.value, 9)
        row["total_rate_basis"] = "ad valorem equivalent at the given content value"


def _why(s: Shipment, y: dict[str, Any]) -> str:
    where = f"{y['source']}" + (f" row {y['source_row']}" if y["source_row"] else "")
    if y["authority"] == "MFN":
        text = f"{y['measure_name']} of line {format_code(y['code'])} ({where})"
    else:
        text = (
            f"{format_code(y['code'])} is covered by {y['measure_name']} ({where}); "
            f"goods of {s.origin} entered on or after {y['valid_from']}"
        )
    if y["export_from"]:
        text += f"; exported on or after {y['export_from']}"
    if y["export_until"]:
        text += f"; exported before {y['export_until']}"
    if y["valid_until"] and y["governs"] == "export+entry":
        text += f" and entered before {y['valid_until']}"
    if y["status"] == "suspended":
        text += "; suspended, so 0% in force"
    if y["precision"] == "hs6-approximation":
        text += "; HS6 approximation (max over the HS10 lines of the HS6)"
    if y["condition"]:
        text += f"; applies {y['condition']} (not in the total)"
    return text


def _money(s: Shipment, row: dict[str, Any], warnings: list[str]) -> dict[str, Any]:
    """Duty in USD when a value is given; specific MFN rates need a quantity."""
    out: dict[str, Any] = {}
    kind = row["mfn_kind"]
    if kind is None:
        warnings.append("no MFN rate in the sources for this line and date: total unknown")
        return out
    if kind in ("specific", "compound", "other"):
        parsed = parse_rate(row["mfn_text"])
        if s.value is None:
            warnings.append(
                f"MFN rate {row['mfn_text']!r} is {kind}: not expressible as an ad valorem "
                "rate without --value, --quantity and --unit"
            )
            return out
        ev = evaluate(parsed, s.value, s.quantity, s.unit)
        if not ev.expressible or ev.duty is None:
            warnings.append(
                f"MFN rate {row['mfn_text']!r} is {kind}: give --quantity and --unit "
                "to compute it; the total is not expressible"
            )
            return out
        extra = (row["adval_rate"] or 0.0) - (row["mfn_rate"] or 0.0)
        duty = ev.duty + extra * s.value
        out["duty"] = round(duty, 2)
        out["calculation"] = f"{ev.calculation} + {extra:.4g} × {s.value:,.2f}"
        if s.value > 0:
            out["total_rate"] = duty / s.value
            out["total_rate_basis"] = "ad valorem equivalent at the given value and quantity"
        return out
    if s.value is not None and row["total_rate"] is not None:
        out["duty"] = round(s.value * row["total_rate"], 2)
        out["calculation"] = f"{row['total_rate']:.4g} × {s.value:,.2f}"
    return out


def _layer_warnings(s: Shipment, layers: list[dict[str, Any]], row: dict[str, Any]) -> list[str]:
    out = []
    if any(y["authority"] == "Section 301" and (y["rate"] or 0) > 0 for y in layers):
        out.append(EXCLUSIONS_WARNING)
    if s.exported is None and (row["export_from"] or row["export_until"]):
        out.append(
            "the rate depends on the export date, which was not given; assumed exported "
            "on the entry date (give --exported)"
        )
    if row["approx"]:
        out.append("a layer is an HS6 approximation: the source gives the maximum over HS10")
    if s.importer == "US" and s.origin != "CN":
        out.append(
            "Section 301 applies only to goods of China; Section 232 is modelled for "
            "origin CN only (other origins had their own exemptions and quotas)"
        )
    if any(y["precision"] == "mfn-carried-forward" for y in layers):
        out.append(MFN_CARRIED_WARNING)
    rebuilt = sorted({y["measure_id"] for y in layers if y["precision"] == "reconstructed"})
    if rebuilt:
        out.append(
            f"reconstructed layers ({', '.join(rebuilt)}): derived from other records, "
            "not from an annex list; each layer's note gives the method"
        )
    if s.importer == "CN" and s.origin != "US":
        out.append("China's retaliatory duties apply only to goods of the United States")
    return out


def _ambiguous(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The answer for a parent code whose leaf lines ``rows`` differ in duty."""
    totals = [r["total_rate"] for r in rows if r["total_rate"] is not None]
    return {
        "layers": [],
        "total_rate": None,
        "ambiguous": True,
        "total_rate_range": [min(totals), max(totals)] if totals else None,
        "lines": [
            {
                "code": r["code"],
                "code_formatted": format_code(r["code"]),
                "total_rate": r["total_rate"],
                "mfn": r["mfn_text"],
                "headings": "; ".join(
                    h for h in (r["s232_heading"], r["s301_heading"], r["ret_heading"]) if h
                ),
            }
            for r in rows
        ],
    }
