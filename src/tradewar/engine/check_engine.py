"""The 2024 engine check: our rates against the duty Census calculated, line by line.

The only product-level US import data with duties here is the Census file of 2024 US
imports from China by HTS10 (``CON_VAL_YR`` consumption value, ``CAL_DUT_YR``
calculated duty, both USD). For every line it gives, the duty our rates imply is
``value × adval_2024`` from the store table ``us_rates_2024``: the MFN ad valorem part
plus Section 301 and Section 232, with the four-year-review increases of 2024-09-27
time-weighted over the year (270/366 at the 1 January rate, 96/366 at the
31 December rate). The file gives no quantities, so specific duty parts cannot be
evaluated: such lines are counted with their ad valorem part only and put in their
own gap category. Codes of the file that are not HTS lines (Census statistical
splits of watch parts, 9999.95 low-value estimates) take the rates of their HTS8 when
it has lines, else none.

Everything is one SQL plan over the store and the import lines (DuckDB).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from ..data.sources.us_2024 import (
    DAYS_2024,
    DAYS_BEFORE,
    IMPORTS_2024,
    METHOD_RANK,
    RATE_COLUMNS,
)
from ..errors import InputError, SourceError, StoreError

YEAR = 2024
TOLERANCE = 0.01  # one percentage point
TOP = 25

# USTR's announced trade values (USD bn, 2017-2018 import values at announcement)
ANNOUNCED = {
    "9903.88.01": (34.0, "List 1", "83 FR 28710 (June 20, 2018): about $34 billion"),
    "9903.88.02": (16.0, "List 2", "83 FR 40823 (August 16, 2018): about $16 billion"),
    "9903.88.03": (200.0, "List 3", "83 FR 47974 (September 21, 2018): about $200 billion"),
    "9903.88.04": (None, "List 3 (HTS10 items)", "part of List 3's $200 billion"),
    "9903.88.15": (120.0, "List 4A", "84 FR 45821 (August 30, 2019): about $120 billion"),
    "9903.88.16": (160.0, "List 4B (suspended)", "84 FR 45821: List 4 about $300 billion"),
}
# SOURCES.md, "2024 US imports from China covered, matching the 2020 USITC list"
SOURCES_MD = {
    "9903.88.01": 23.9,
    "9903.88.02": 7.8,
    "9903.88.03": 83.4,
    "9903.88.04": 4.0,
    "9903.88.15": 88.4,
    "9903.88.16": 112.8,
}

CATEGORIES = {
    "agrees": "our rate and the Census implied rate agree within one percentage point",
    "no_rate_line": "not an HTS line (9999.95 estimate of low-value transactions), no rate",
    "chapter_98": "chapter 98 special provision (US goods returned, repairs): duty on part "
    "of the value or none",
    "mfn_not_ad_valorem": "specific, compound or non-computable MFN rate: the file has no "
    "quantity, so only the ad valorem part is counted",
    "exclusion_named": "a Section 301 exclusion in force in 2024 (U.S. notes 20(ttt), (uuu), "
    "(vvv), (www)) names the line and Census is below our rate",
    "ambiguous_301_membership": "line new since 2020 whose predecessors were on different "
    "lists: no Section 301 rate assigned",
    "four_year_review_timing": "on a 9903.91 list: Census lies between the 1 January and the "
    "31 December rate (entries before and after 2024-09-27 in other proportions than days)",
    "census_without_s301": "Census equals our rate less the Section 301 layer: exclusion, "
    "chapter 98 or FTZ entries, or the list entry is narrower than the line",
    "census_without_s232": "Census equals our rate less the Section 232 layer: Commerce "
    "product exclusions or a narrower scope",
    "census_extra_layer": "Census exceeds our rate by a whole additional layer (7.5, 10, 25, "
    "50 or 100 percentage points): a measure or list entry we lack",
    "census_lower_partial": "Census below our rate by no single layer: part of the entries "
    "excluded or under special programmes",
    "census_higher_other": "Census above our rate by no single layer",
}
EXPLAINED = (
    "no_rate_line",
    "chapter_98",
    "mfn_not_ad_valorem",
    "exclusion_named",
    "ambiguous_301_membership",
    "four_year_review_timing",
)


def check_year(year: int) -> None:
    """Only 2024 has HS10 import values with calculated duty."""
    if year != YEAR:
        raise InputError(
            f"check-engine covers {YEAR} only (the one year with HS10 US imports from China "
            f"and Census calculated duty), got {year}"
        )


def _has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    row = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]
    ).fetchone()
    return bool(row and row[0])


def _has_column(con: duckdb.DuckDBPyConnection, table: str, column: str) -> bool:
    row = con.execute(
        "SELECT count(*) FROM information_schema.columns WHERE table_name = ? AND column_name = ?",
        [table, column],
    ).fetchone()
    return bool(row and row[0])


def load_imports(con: duckdb.DuckDBPyConnection, raw: Path | None) -> dict[str, Any]:
    """Create temp table ``_imp`` (code, description, value, duty, source, source_row).

    The store's ``flows`` table is used when it holds the 2024 HS10 file's lines (one
    row per code); otherwise the raw file is read in place.
    """
    if not _has_table(con, "us_rates_2024"):
        raise StoreError("the store has no us_rates_2024 table: rebuild it ('tradewar data build')")
    missing = [c for c in RATE_COLUMNS if not _has_column(con, "us_rates_2024", c)]
    if missing:
        raise StoreError(
            f"the store's us_rates_2024 table lacks {', '.join(missing[:3])}: it was built by "
            "an older version; rebuild it ('tradewar data build')"
        )
    name = Path(IMPORTS_2024).name
    if _has_table(con, "flows"):
        stats = con.execute(
            """SELECT count(*), count(DISTINCT code), count(DISTINCT statistic)
               FROM flows WHERE source LIKE '%' || ? AND duty_usd IS NOT NULL""",
            [name],
        ).fetchone()
        if stats and stats[0] > 0 and stats[0] == stats[1] and stats[2] <= 1:
            census_text = "f.description, " if _has_column(con, "flows", "description") else ""
            con.execute(
                f"""CREATE OR REPLACE TEMP TABLE _imp AS
                   SELECT f.code,
                          coalesce({census_text}
                                   r.hts8_description || ': ' || r.description, r.description)
                              AS description,
                          f.value_usd AS value, f.duty_usd AS duty,
                          f.source, f.source_row
                   FROM flows f LEFT JOIN us_rates_2024 r USING (code)
                   WHERE f.source LIKE '%' || ? AND f.duty_usd IS NOT NULL""",
                [name],
            )
            return {"source": IMPORTS_2024, "via": "store table flows"}
    if raw is None or not (raw / IMPORTS_2024).exists():
        raise SourceError(
            f"2024 imports not found: neither the store's flows table nor {IMPORTS_2024} under "
            f"{raw} (set TRADEWAR_RAW)"
        )
    con.execute(
        """CREATE OR REPLACE TEMP TABLE _imp AS
           SELECT I_COMMODITY AS code, I_COMMODITY_SDESC AS description,
                  CAST(CON_VAL_YR AS DOUBLE) AS value, CAST(CAL_DUT_YR AS DOUBLE) AS duty,
                  ? AS source, CAST(file_row_number + 1 AS INTEGER) AS source_row
           FROM read_parquet(?, file_row_number = true)""",
        [IMPORTS_2024, str(raw / IMPORTS_2024)],
    )
    return {"source": IMPORTS_2024, "via": "raw file (TRADEWAR_RAW)"}


LAYER_STEPS = (0.075, 0.10, 0.15, 0.25, 0.50, 1.00)
_EXTRA_LAYER = " OR ".join(
    f"abs(census_rate - adval_2024 - {x}) <= {TOLERANCE}" for x in LAYER_STEPS
)

_MATCH_SQL = """
CREATE OR REPLACE TEMP TABLE _m AS
WITH r8 AS (
    SELECT hts8, min(code) AS code8, count(DISTINCT adval_2024) AS n_rates
    FROM us_rates_2024 GROUP BY hts8
)
SELECT i.*, coalesce(r10.code, r8.code8) AS rate_code,
       CASE WHEN r10.code IS NOT NULL THEN 'hts10'
            WHEN r8.code8 IS NOT NULL THEN 'hts8' ELSE 'none' END AS matched_by,
       CASE WHEN r10.code IS NULL THEN r8.n_rates END AS hts8_rates
FROM _imp i
LEFT JOIN us_rates_2024 r10 ON r10.code = i.code
LEFT JOIN r8 ON r10.code IS NULL AND r8.hts8 = left(i.code, 8)
WHERE i.value > 0
"""

_LINES_SQL = f"""
CREATE OR REPLACE TEMP TABLE _cmp AS
WITH matched AS (SELECT * FROM _m),
rated AS (
    SELECT m.*, r.mfn_text, r.mfn_kind, r.mfn_adval, r.mfn_specific,
           r.s301_heading_jan, r.s301_heading_dec, r.s301_rate_jan, r.s301_rate_dec,
           r.s301_rate_2024, r.s301_member_source, r.s232_heading, r.s232_rate,
           r.exclusions_named, r.adval_jan, r.adval_dec, r.adval_2024,
           r.adval_2024 - r.s301_rate_2024 + r.s301_rate_2024_budget_lab AS adval_2024_bl,
           coalesce(r.expressible, false) AS expressible,
           m.duty / m.value AS census_rate
    FROM matched m LEFT JOIN us_rates_2024 r ON r.code = m.rate_code
)
SELECT *,
       value * adval_2024 AS computed,
       value * adval_jan AS computed_jan,
       value * adval_dec AS computed_dec,
       value * coalesce(mfn_adval, 0) AS computed_mfn,
       value * s301_rate_2024 AS computed_s301,
       value * s232_rate AS computed_s232,
       census_rate - adval_2024 AS rate_gap,
       duty - coalesce(value * adval_2024, 0) AS gap,
       abs(census_rate - adval_2024) <= {TOLERANCE} + 1e-12 AS within,
       CASE
         WHEN abs(census_rate - adval_2024) <= {TOLERANCE} + 1e-12 THEN 'agrees'
         WHEN rate_code IS NULL THEN 'no_rate_line'
         WHEN code LIKE '98%' THEN 'chapter_98'
         WHEN NOT expressible THEN 'mfn_not_ad_valorem'
         WHEN exclusions_named IS NOT NULL AND census_rate < adval_2024 THEN 'exclusion_named'
         WHEN s301_member_source = 'ambiguous_via_code_map' THEN 'ambiguous_301_membership'
         WHEN s301_heading_dec IS DISTINCT FROM s301_heading_jan
              AND census_rate BETWEEN least(adval_jan, adval_dec) - {TOLERANCE}
                                  AND greatest(adval_jan, adval_dec) + {TOLERANCE}
              THEN 'four_year_review_timing'
         WHEN s301_rate_2024 > 0
              AND abs(census_rate - (adval_2024 - s301_rate_2024)) <= {TOLERANCE}
              THEN 'census_without_s301'
         WHEN s232_rate > 0 AND abs(census_rate - (adval_2024 - s232_rate)) <= {TOLERANCE}
              THEN 'census_without_s232'
         WHEN ({_EXTRA_LAYER}) THEN 'census_extra_layer'
         WHEN census_rate < adval_2024 THEN 'census_lower_partial'
         ELSE 'census_higher_other'
       END AS category
FROM rated
"""


def _num(x: Any, digits: int = 6) -> Any:
    return None if x is None else round(float(x), digits)


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[dict]:
    cur = con.execute(sql, params or [])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def compare(con: duckdb.DuckDBPyConnection, top: int = TOP) -> dict[str, Any]:
    """The comparison, from ``_m`` (``load_imports``, then ``_MATCH_SQL``) and the rates."""
    con.execute(_LINES_SQL)
    totals = _rows(
        con,
        """SELECT sum(value) AS value, sum(duty) AS census,
                  sum(computed) AS computed, sum(computed_jan) AS computed_jan,
                  sum(computed_dec) AS computed_dec,
                  sum(computed_mfn) AS mfn, sum(computed_s301) AS s301,
                  sum(computed_s232) AS s232,
                  sum(value) FILTER (within) AS value_within,
                  sum(value) FILTER (rate_code IS NOT NULL) AS value_rated,
                  sum(value) FILTER (expressible) AS value_expressible,
                  sum(value) FILTER (expressible AND within) AS value_expressible_within,
                  sum(duty) FILTER (expressible) AS census_expressible,
                  sum(computed) FILTER (expressible) AS computed_expressible,
                  sum(value) FILTER (abs(census_rate - adval_jan) <= 0.01 + 1e-12) AS within_jan,
                  sum(value) FILTER (abs(census_rate - adval_dec) <= 0.01 + 1e-12) AS within_dec,
                  count(*) AS lines, count(*) FILTER (within) AS lines_within,
                  count(*) FILTER (matched_by = 'hts10') AS matched_hts10,
                  count(*) FILTER (matched_by = 'hts8') AS matched_hts8,
                  count(*) FILTER (matched_by = 'none') AS unmatched,
                  count(*) FILTER (expressible) AS lines_expressible,
                  sum(value) FILTER (matched_by = 'hts8') AS value_hts8,
                  sum(value) FILTER (matched_by = 'none') AS value_unmatched
           FROM _cmp""",
    )[0]
    all_rows = con.execute("SELECT count(*), sum(value), sum(duty) FROM _imp").fetchone()
    assert all_rows is not None
    t = {k: (v or 0) for k, v in totals.items()}
    census, value = t["census"], t["value"]
    explanations = _rows(
        con,
        """SELECT category, count(*) AS lines, sum(value) AS value, sum(duty) AS census_duty,
                  sum(coalesce(computed, 0)) AS computed_duty,
                  sum(duty) - sum(coalesce(computed, 0)) AS gap
           FROM _cmp GROUP BY category ORDER BY abs(sum(duty) - sum(coalesce(computed, 0))) DESC""",
    )
    for e in explanations:
        e["meaning"] = CATEGORIES[e["category"]]
        e["explained"] = e["category"] in EXPLAINED or e["category"] == "agrees"
        for k in ("value", "census_duty", "computed_duty", "gap"):
            e[k] = _num(e[k], 2)
    top_rows = _rows(
        con,
        f"""SELECT code, description, matched_by, value, duty AS census_duty,
                  computed AS computed_duty, gap, census_rate, adval_2024 AS our_rate,
                  adval_jan AS our_rate_jan, adval_dec AS our_rate_dec, mfn_text,
                  mfn_kind, s301_heading_jan, s301_heading_dec, s301_rate_2024,
                  s301_member_source, s232_heading, s232_rate, exclusions_named, category,
                  source, source_row
           FROM _cmp
           WHERE category NOT IN ({", ".join(f"'{c}'" for c in (*EXPLAINED, "agrees"))})
           ORDER BY abs(gap) DESC, code LIMIT ?""",
        [top],
    )
    return {
        "year": YEAR,
        "computed_duty": _num(t["computed"], 2),
        "census_duty": _num(census, 2),
        "ratio": _num(t["computed"] / census if census else None),
        "share_value_within_1pp": _num(t["value_within"] / value if value else None),
        "share_value_within_1pp_of_expressible": _num(
            t["value_expressible_within"] / t["value_expressible"]
            if t["value_expressible"]
            else None
        ),
        "value_total": _num(value, 2),
        "value_covered": _num(t["value_rated"], 2),
        "value_expressible": _num(t["value_expressible"], 2),
        "value_matched_by_hts8": _num(t["value_hts8"], 2),
        "value_unmatched": _num(t["value_unmatched"], 2),
        "expressible_only": {
            "computed_duty": _num(t["computed_expressible"], 2),
            "census_duty": _num(t["census_expressible"], 2),
            "ratio": _num(
                t["computed_expressible"] / t["census_expressible"]
                if t["census_expressible"]
                else None
            ),
        },
        "counts": {
            "file_rows": all_rows[0],
            "lines_with_value": t["lines"],
            "matched_hts10": t["matched_hts10"],
            "matched_hts8": t["matched_hts8"],
            "unmatched": t["unmatched"],
            "expressible": t["lines_expressible"],
            "within_1pp": t["lines_within"],
        },
        "by_layer": {
            "mfn_ad_valorem": _num(t["mfn"], 2),
            "section_301": _num(t["s301"], 2),
            "section_232": _num(t["s232"], 2),
        },
        "annual_rate": {
            "used": "time_weighted",
            "rule": f"{DAYS_BEFORE}/{DAYS_2024} of the rate in force on 2024-01-01 plus "
            f"{DAYS_2024 - DAYS_BEFORE}/{DAYS_2024} of the rate in force on 2024-12-31 (the "
            "9903.91.01-.03 increases took effect on 2024-09-27)",
            "as_of_2024_01_01": {
                "computed_duty": _num(t["computed_jan"], 2),
                "ratio": _num(t["computed_jan"] / census if census else None),
                "share_value_within_1pp": _num(t["within_jan"] / value if value else None),
            },
            "as_of_2024_12_31": {
                "computed_duty": _num(t["computed_dec"], 2),
                "ratio": _num(t["computed_dec"] / census if census else None),
                "share_value_within_1pp": _num(t["within_dec"] / value if value else None),
            },
        },
        "gap_summary": _gap_summary(explanations),
        "explanations": explanations,
        "membership_alternative": _membership_alternative(con),
        "four_year_review": _four_year_review(con),
        "code_map": mapping_coverage(con),
        "top_unexplained": [_clean(r) for r in top_rows],
    }


LAYER_PATTERNS = ("census_without_s301", "census_without_s232", "census_extra_layer")


def _gap_summary(explanations: list[dict[str, Any]]) -> dict[str, Any]:
    """Census minus computed duty, split into explained, whole-layer and other gaps."""

    def total(cats: tuple[str, ...] | None = None) -> float:
        return sum(e["gap"] for e in explanations if cats is None or e["category"] in cats)

    rest = tuple(
        e["category"]
        for e in explanations
        if e["category"] not in (*EXPLAINED, *LAYER_PATTERNS, "agrees")
    )
    return {
        "census_minus_computed": _num(total(), 2),
        "within_1pp_lines": _num(total(("agrees",)), 2),
        "explained": _num(total(EXPLAINED), 2),
        "whole_layer_patterns": _num(total(LAYER_PATTERNS), 2),
        "unexplained": _num(total(rest), 2),
    }


def _membership_alternative(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """The same check with the Budget Lab list (2026 nomenclature, HTS8) for 9903.88."""
    row = _rows(
        con,
        f"""SELECT sum(value * adval_2024_bl) AS computed_duty,
                  sum(value * adval_2024_bl) / sum(duty) AS ratio,
                  sum(value) FILTER (abs(census_rate - adval_2024_bl) <= {TOLERANCE} + 1e-12)
                      / sum(value) AS share_value_within_1pp,
                  count(*) FILTER (abs(adval_2024_bl - adval_2024) > 1e-9) AS lines_differ,
                  sum(value) FILTER (abs(adval_2024_bl - adval_2024) > 1e-9) AS value_differ,
                  sum(duty) FILTER (abs(adval_2024_bl - adval_2024) > 1e-9) AS census_on_differ,
                  sum(computed) FILTER (abs(adval_2024_bl - adval_2024) > 1e-9) AS ours_on_differ,
                  sum(value * adval_2024_bl) FILTER (abs(adval_2024_bl - adval_2024) > 1e-9)
                      AS budget_lab_on_differ
           FROM _cmp WHERE adval_2024 IS NOT NULL""",
    )[0]
    out = {k: _num(v, 6 if k in ("ratio", "share_value_within_1pp") else 2) for k, v in row.items()}
    out["lines_differ"] = row["lines_differ"]
    out["method"] = (
        "Section 301 lists 1-4B from the Budget Lab list at HTS8 (highest rate when an HTS8 is "
        "on several lists) instead of the USITC 2020 list by code identity"
    )
    return out


def mapping_coverage(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """2024 import value by how its code links to 2018-2020 codes (``us_code_map``).

    Each 2024 code takes its closest link: ``identity`` (the code existed in 2018-2020),
    a changed-code method, ``no_2018_2020_predecessor``, or ``not_in_code_map`` (Census
    codes that are not HTS10 lines: watch and clock parts, 9999.95).
    """
    ranks = ", ".join(f"('{m}', {r})" for m, r in METHOD_RANK.items())
    rows = _rows(
        con,
        f"""WITH rank(method, r) AS (VALUES {ranks}),
           best AS (
               SELECT c.new_code, arg_min(c.method, coalesce(k.r, 99)) AS method
               FROM us_code_map c LEFT JOIN rank k USING (method)
               WHERE c.new_code IS NOT NULL GROUP BY c.new_code
           )
           SELECT coalesce(b.method, 'not_in_code_map') AS method, count(*) AS lines,
                  sum(m.value) AS value
           FROM _m m LEFT JOIN best b ON b.new_code = m.code
           GROUP BY ALL ORDER BY value DESC""",
    )
    unmatched = {"no_2018_2020_predecessor", "not_in_code_map"}
    matched = sum(r["value"] for r in rows if r["method"] not in unmatched)
    total = sum(r["value"] for r in rows)
    return {
        "matched_value": _num(matched, 2),
        "unmatched_value": _num(total - matched, 2),
        "matched_share": _num(matched / total if total else None),
        "identity_value": _num(sum(r["value"] for r in rows if r["method"] == "identity"), 2),
        "by_method": [{**r, "value": _num(r["value"], 2)} for r in rows],
    }


def _four_year_review(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Lines on the 9903.91 lists: which annual rate the Census duty supports."""
    row = _rows(
        con,
        """SELECT count(*) AS lines, sum(value) AS value, sum(duty) AS census_duty,
                  sum(duty) / sum(value) AS census_rate,
                  sum(computed_jan) / sum(value) AS our_rate_jan,
                  sum(computed_dec) / sum(value) AS our_rate_dec,
                  sum(computed) / sum(value) AS our_rate_2024,
                  sum(value * (adval_jan + s301_rate_dec)) / sum(value)
                      AS stacked_rate_dec
           FROM _cmp WHERE s301_heading_dec LIKE '9903.91%'""",
    )[0]
    out = {k: _num(v) for k, v in row.items()}
    out["note"] = (
        "stacked_rate_dec is what 31 December would give if 9903.91 were added on top of the "
        "9903.88 rate instead of replacing it; the 2026 notes list these products in note 31 "
        "and no longer in note 20"
    )
    return out


def _clean(row: dict[str, Any]) -> dict[str, Any]:
    out = dict(row)
    for k in ("value", "census_duty", "computed_duty", "gap"):
        out[k] = _num(out[k], 2)
    for k in ("census_rate", "our_rate", "our_rate_jan", "our_rate_dec", "s301_rate_2024"):
        out[k] = _num(out[k])
    out["layers"] = {
        "mfn": out.pop("mfn_text"),
        "mfn_kind": out.pop("mfn_kind"),
        "section_301": {
            "heading_jan": out.pop("s301_heading_jan"),
            "heading_dec": out.pop("s301_heading_dec"),
            "rate_2024": out.pop("s301_rate_2024"),
            "membership": out.pop("s301_member_source"),
        },
        "section_232": {"heading": out.pop("s232_heading"), "rate": out.pop("s232_rate")},
        "exclusions_named": out.pop("exclusions_named"),
    }
    return out


def list_values(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Each 2018-2019 list's 2024 import value, three ways, against SOURCES.md and USTR.

    Needs ``_m`` (import lines matched to rate lines). ``ours``: the list each line is
    on in our 2024 rates (one list per line). ``usitc_2020_identity``: lines matching the
    USITC 2020 list at HTS10 or HTS8 (any heading, no override), the method of
    SOURCES.md. ``sources_md_method``: the same leaving out the 375 codes the xlsx stores
    as Excel dates, which reproduces SOURCES.md. ``budget_lab_2026``: lines whose HTS8 the
    Budget Lab list (2026 nomenclature) puts on the list.
    """
    rows = _rows(
        con,
        """WITH h(heading) AS (VALUES ('9903.88.01'), ('9903.88.02'), ('9903.88.03'),
                                   ('9903.88.04'), ('9903.88.15'), ('9903.88.16')),
           imp AS (SELECT m.code, m.value, r.* EXCLUDE (code)
                   FROM _m m LEFT JOIN us_rates_2024 r ON r.code = m.rate_code)
           SELECT h.heading,
                  sum(value) FILTER (s301_heading_jan = h.heading) AS ours,
                  count(*) FILTER (s301_heading_jan = h.heading) AS ours_lines,
                  sum(value) FILTER (contains(s301_usitc2020_any, h.heading))
                      AS usitc_2020_identity,
                  sum(value) FILTER (contains(s301_usitc2020_any, h.heading)
                      AND NOT contains(coalesce(s301_usitc2020_dates, ''), h.heading))
                      AS sources_md_method,
                  sum(value) FILTER (contains(s301_budget_lab, h.heading)) AS budget_lab_2026,
                  sum(value) FILTER (s301_heading_jan = h.heading
                      AND s301_heading_dec LIKE '9903.91%') AS moved_to_9903_91
           FROM h, imp GROUP BY h.heading ORDER BY h.heading""",
    )
    total = con.execute("SELECT sum(value) FROM _imp").fetchone()
    out = []
    for r in rows:
        bn = {k: _num((r[k] or 0) / 1e9, 3) for k in r if k not in ("heading", "ours_lines")}
        announced, name, cite = ANNOUNCED[r["heading"]]
        out.append(
            {
                "heading": r["heading"],
                "list": name,
                "lines_2024": r["ours_lines"],
                "value_2024_usd_bn": bn,
                "sources_md_usd_bn": SOURCES_MD[r["heading"]],
                "sources_md_difference_usd_bn": _num(
                    bn["sources_md_method"] - SOURCES_MD[r["heading"]], 3
                ),
                "announced_usd_bn": announced,
                "announced_citation": cite,
                "share_of_announced": _num(bn["ours"] / announced) if announced else None,
            }
        )
    return {
        "total_2024_imports_usd_bn": _num((total[0] if total else 0) / 1e9, 3),
        "lists": out,
        "why_not_ustr": WHY_NOT_USTR,
    }


WHY_NOT_USTR = [
    "USTR's $34B/$16B/$200B/~$120B (and ~$160B for 4B) are the annual import values of the "
    "listed products when each list was announced (2017 or 2018 trade); these are 2024 values.",
    "Trade moved: US imports from China fell from about $505bn (2017) to $429bn (2024), and "
    "most on the tariffed lists, where importers switched to other origins; the untariffed "
    "and 4B goods (phones, laptops, toys) kept a larger share.",
    "Prices and product mix changed over seven years; values are nominal 2024 dollars.",
    "Nomenclature drift: the 2020 list is in 2020 codes; lines renumbered since (the 2022 HS "
    "amendments: smartphones moved from 8517.12 to 8517.13, flat panels to 8524, drones to "
    "8806) no longer match by code identity and drop out of the identity-based totals.",
    "The 2024 lists are not the 2018-2019 lists: exclusions (the 2024 ones name products "
    "within lines) and the products moved to 9903.91 by the four-year review.",
    "List 4B was suspended, so its 2024 value measures a list that never applied.",
]


def check_engine(store: Path, raw: Path | None, year: int = YEAR, top: int = TOP) -> dict[str, Any]:
    """Run the comparison and the per-list values on a store (read-only)."""
    from ..data.store import open_store

    check_year(year)
    con = open_store(store)
    try:
        weights = load_imports(con, raw)
        con.execute(_MATCH_SQL)
        result = compare(con, top)
        result["weights"] = weights
        result["lists"] = list_values(con)
    finally:
        con.close()
    return result


def lists_covered(store: Path, raw: Path | None, year: int = YEAR) -> dict[str, Any]:
    """Only the per-list values (task 3 of the check)."""
    from ..data.store import open_store

    check_year(year)
    con = open_store(store)
    try:
        weights = load_imports(con, raw)
        con.execute(_MATCH_SQL)
        result = list_values(con)
        result["weights"] = weights
    finally:
        con.close()
    return result
