"""The duty on one shipment on one day: every layer, its legal basis, and the total.

The total comes from the stacked ``panel`` (the same rows the bulk engine joins);
the layers shown beside it come from the ``layers`` schedule, so each rate carries
its heading, citation and source row.
"""

from __future__ import annotations

from typing import Any

import duckdb

from ..codes import format_code
from ..data.store import check_date
from ..errors import CoverageError, InputError
from .expressions import evaluate, parse_rate
from .shipment import Shipment

PANEL_LOOKUP = """
    SELECT * FROM panel
    WHERE importer = $importer AND origin_group = $group AND code = $code
      AND valid_from <= $entered AND valid_until > $entered
      AND (export_from IS NULL OR export_from <= $exported)
      AND (export_until IS NULL OR export_until > $exported)
    ORDER BY ambiguous DESC, export_from NULLS LAST, export_until NULLS LAST
"""

LAYERS_LOOKUP = """
    SELECT * FROM layers
    WHERE importer = $importer AND (origin = '*' OR origin = $origin)
      AND code BETWEEN $lowest AND $code AND list_contains($prefixes, code)
      AND valid_from <= $entered AND (valid_until IS NULL OR valid_until > $entered)
      AND (export_from IS NULL OR export_from <= $exported)
      AND (export_until IS NULL OR export_until > $exported)
    QUALIFY code_level = max(code_level) OVER (PARTITION BY override_group)
    ORDER BY CASE authority WHEN 'MFN' THEN 0 WHEN 'Section 232' THEN 1
             WHEN 'Section 301' THEN 2 ELSE 3 END, measure_id
"""

EXCLUSIONS_WARNING = (
    "Section 301 product exclusions (headings 9903.88.05 and later) are not modelled "
    "except 9903.88.69 and 9903.88.70 (claimable with --claim); "
    "check USTR's exclusion notices for this product"
)

MFN_CARRIED_WARNING = (
    "China's MFN rate after 2019 is not in the sources: the 2019 rate is carried forward "
    "(precision mfn-carried-forward), so the MFN part of the total is an estimate"
)


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any]) -> list[dict]:
    cur = con.execute(sql, params)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def describe(con: duckdb.DuckDBPyConnection, importer: str, code: str) -> str | None:
    """The newest description of a code in the importer's nomenclature."""
    row = con.execute(
        "SELECT description FROM lines WHERE importer = ? AND code = ? "
        "ORDER BY valid_from DESC LIMIT 1",
        [importer, code],
    ).fetchone()
    return row[0] if row else None


def _missing_code(con: duckdb.DuckDBPyConnection, s: Shipment) -> Exception:
    """Explain why a code has no panel row on the entry date."""
    known = con.execute(
        "SELECT min(valid_from), max(valid_until) FROM panel "
        "WHERE importer = ? AND code = ? AND origin_group = ?",
        [s.importer, s.code, s.origin_group],
    ).fetchone()
    if known is None or known[0] is None:
        return InputError(
            f"code {format_code(s.code)} is not in the {s.importer} schedule "
            f"(no such {len(s.code)}-digit line in the sources)"
        )
    return CoverageError(
        f"code {format_code(s.code)} does not exist in the {s.importer} schedule on "
        f"{s.entered} (it is a line from {known[0]} to {known[1]}){_successors(con, s)}"
    )


def _successors(con: duckdb.DuckDBPyConnection, s: Shipment) -> str:
    """China's 2025 lines that a 2018 code links to (table ``cn_code_links``), as a hint."""
    if s.importer != "CN":
        return ""
    try:
        rows = con.execute(
            "SELECT DISTINCT new_code, method FROM cn_code_links "
            "WHERE starts_with(old_code, ?) ORDER BY new_code LIMIT 12",
            [s.code],
        ).fetchall()
    except duckdb.Error:  # a store built before the table existed
        return ""
    if not rows:
        return ""
    codes = ", ".join(f"{format_code(code)} ({method})" for code, method in rows)
    return f"; from 2020 use China's 2025 lines linked to it: {codes}"


def compute_duty(con: duckdb.DuckDBPyConnection, s: Shipment) -> dict[str, Any]:
    """The explained duty on shipment ``s``; raises ``TradewarError`` on bad input."""
    check_date(con, s.importer, s.entered, "entry")
    exported = s.exported or s.entered
    params = {
        "importer": s.importer,
        "group": s.origin_group,
        "code": s.code,
        "entered": s.entered,
        "exported": exported,
    }
    panel = _rows(con, PANEL_LOOKUP, params)
    if not panel:
        raise _missing_code(con, s)
    row = panel[0]
    warnings: list[str] = []
    result: dict[str, Any] = {
        "code": s.code,
        "code_formatted": format_code(s.code),
        "description": describe(con, s.importer, s.code),
        "importer": s.importer,
        "origin": s.origin,
        "entered": s.entered.isoformat(),
        "exported": s.exported.isoformat() if s.exported else None,
        "value": s.value,
    }
    if row["ambiguous"]:
        result.update(_ambiguous(con, s, params))
        result["warnings"] = [
            f"{format_code(s.code)} is a parent code whose lines differ in duty on "
            f"{s.entered}; give one of the lines listed to get a single rate"
        ]
        return result
    explain_code = s.code if row["is_leaf"] else _representative(con, params)
    layers = _layers(con, s, explain_code, exported)
    row = dict(row)
    claimed = _apply_claims(con, s, row, layers, warnings)
    _mark_excluded(con, row, layers)
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
    result["precision"] = "hs6-approximation" if row["approx"] else "exact"
    result["warnings"] = warnings
    return result


def _layers(
    con: duckdb.DuckDBPyConnection, s: Shipment, code: str, exported: Any
) -> list[dict[str, Any]]:
    prefixes = sorted({code[:n] for n in (4, 6, 8, 10, 11) if len(code) >= n})
    params = {
        "importer": s.importer,
        "origin": s.origin,
        "prefixes": prefixes,
        "lowest": prefixes[0],
        "code": code,
        "entered": s.entered,
        "exported": exported,
    }
    out = []
    for y in _rows(con, LAYERS_LOOKUP, params):
        out.append(
            {
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
                "source": y["source"],
                "source_row": y["source_row"],
                "in_total": y["condition"] is None,
                "override_group": y["override_group"],
            }
        )
    return out


def _apply_claims(
    con: duckdb.DuckDBPyConnection,
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
    groups = {
        g
        for (g,) in con.execute(
            "SELECT target_group FROM stack_rules WHERE kind = 'claim_removes' "
            "AND list_contains($h, heading)",
            {"h": claimed},
        ).fetchall()
    }
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


def _mark_excluded(
    con: duckdb.DuckDBPyConnection, row: dict[str, Any], layers: list[dict[str, Any]]
) -> None:
    """Layers that a stacking rule took off (not among the panel row's measures)."""
    applied = set(row.get("measures") or [])
    for y in layers:
        if y["measure_id"] in applied or not y["in_total"]:
            continue
        rule = con.execute(
            "SELECT rule_id, citation FROM stack_rules WHERE kind = 'excluded_while' "
            "AND target_group = ? ORDER BY rule_id LIMIT 1",
            [y.get("override_group")],
        ).fetchone()
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


def _representative(con: duckdb.DuckDBPyConnection, params: dict[str, Any]) -> str:
    row = con.execute(
        """SELECT min(code) FROM panel
           WHERE is_leaf AND importer = $importer AND origin_group = $group
             AND starts_with(code, $code) AND valid_from <= $entered AND valid_until > $entered
             AND (export_from IS NULL OR export_from <= $exported)
             AND (export_until IS NULL OR export_until > $exported)""",
        params,
    ).fetchone()
    return row[0]


def _ambiguous(
    con: duckdb.DuckDBPyConnection, s: Shipment, params: dict[str, Any]
) -> dict[str, Any]:
    rows = _rows(
        con,
        """SELECT p.code, p.total_rate, p.adval_rate, p.mfn_text, p.s301_heading,
                  p.s232_heading, p.ret_heading
           FROM panel p
           WHERE p.is_leaf AND p.importer = $importer AND p.origin_group = $group
             AND starts_with(p.code, $code) AND p.valid_from <= $entered
             AND p.valid_until > $entered
             AND (p.export_from IS NULL OR p.export_from <= $exported)
             AND (p.export_until IS NULL OR p.export_until > $exported)
           ORDER BY p.code""",
        params,
    )
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
