"""The 2024 engine check: the panel's rates against the duty Census calculated, line by line.

The only product-level US import data with duties here is the Census file of 2024 US
imports from China by HTS10 (``CON_VAL_YR`` consumption value, ``CAL_DUT_YR``
calculated duty, both USD). Every line it gives is rated through the same stacked
``panel`` that ``duty`` and bulk use (importer US, origin China, goods exported on the
entry date), at 2024 dates: each panel interval inside 2024 counts for its days, so the
four-year-review increases of 2024-09-27 weigh 96 of 366 days. The duty our rates imply
is ``value x`` the time-weighted ad valorem rate (``adval_rate``); the file gives no
quantities, so specific duty parts cannot be evaluated: such lines count with their ad
valorem part only.

Section 301 exclusions in force in 2024 (9903.88.67-.70) are claims in the panel. The
Census duty says importers claimed those that name a whole statistical reporting number
(about nine in ten dollars of the duty they take off), so the check applies them on
those lines; those that name a product described within a line were claimed for about
two in five dollars, so they stay unapplied and are a named cause of the residual at
their estimated claim shares (``exclusions_2024`` gives the evidence, measured on every
run; ``without_claims`` the figures with no claim applied). Codes of the file that are
not panel lines in 2024 (Census statistical splits, mid-2024 splits, 9999.95 low-value
estimates) take the rate of their HTS8 when its lines agree, else of the HTS8's first
line, else none.

The residual (Census minus computed duty) is decomposed by named cause
(``residual_by_cause``): the claimable exclusions on described products at their
estimated claim shares (``s301_exclusion_claim_shares*.csv``), the timing of entries
around the 2024-09-27 four-year-review step, specific and compound MFN rates, chapter 98
and lines without a rate. Everything is one SQL plan over
the store and the import lines (DuckDB); no rate is computed outside the panel.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from ..data.report import ValidationReport
from ..data.sources import us_301
from ..data.sources.us_2024 import (
    BL_LISTS,
    CLAIM_SHARES,
    CLAIM_SHARES_BY_HEADING,
    IMPORTS_2024,
    METHOD_RANK,
)
from ..data.sources.us_notes import CH99_NOTES, note_items
from ..errors import InputError, SourceError, StoreError
from ..model.panel import AUTHORITY_PREFIX

YEAR = 2024
YEAR_START = dt.date(YEAR, 1, 1)
YEAR_END = dt.date(YEAR + 1, 1, 1)
DAYS = (YEAR_END - YEAR_START).days  # 366
TOLERANCE = 0.01  # one percentage point
TOP = 25
EXPLAINED_TARGET = 0.80  # share of the absolute residual the named causes should explain
# the Section 301 exclusion notes in force for some of 2024 (9903.88.67, .68, .69, .70)
EXCLUSION_NOTES = ("ttt", "uuu", "vvv", "www")
# the heading whose value-weighted claim share stands in for a line without its own
# (9903.88.70 lines take their own heading's)
PROXY_HEADING = "9903.88.69"
ADDITIONAL = [p for a, p in AUTHORITY_PREFIX.items() if a != "MFN"]

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
    "no_rate_line": "no panel line in 2024 under the code or its HTS8 (9999.95 estimate of "
    "low-value transactions), no rate",
    "chapter_98": "chapter 98 special provision (US goods returned, repairs): duty on part "
    "of the value or none",
    "mfn_not_ad_valorem": "specific, compound or non-computable MFN rate: the file has no "
    "quantity, so only the ad valorem part is counted",
    "claimable_exclusion": "a Section 301 exclusion of a product described within the line "
    "(9903.88.67-.70) may be claimed and Census is below our rate (such claims are not "
    "applied)",
    "four_year_review_timing": "on a 9903.91 heading: Census lies between the 1 January and "
    "the 31 December rate (entries before and after 2024-09-27 in other proportions than "
    "days)",
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
    "claimable_exclusion",
    "four_year_review_timing",
)
CAUSES = {
    "claimable_exclusions": "Section 301 exclusions of products described within a line "
    "(9903.88.67-.70, U.S. notes 20(ttt)-(www)), which the panel offers as claims, at their "
    "estimated claim shares (line share, else the heading's value-weighted share of "
    f"{PROXY_HEADING} or 9903.88.70; calibrated on 2025-09 to 2026-03 entries) for the days "
    "of 2024 they were in force",
    "four_year_review_timing": "lines whose Section 301 heading changed on 2024-09-27 "
    "(9903.91.01-.03, FR 2024-21217): the part of the residual that lies between the "
    "1 January and the 31 December rate (entries spread over the year otherwise than by "
    "days; the file is annual)",
    "renumbered_list_gap": "lines renumbered since 2020 (HS 2022) that the panel leaves "
    "without a Section 301 list all 2024, although every 2018-2020 predecessor "
    "(us_code_map) bore one at the same rate on 2020-12-31: value x that rate (the "
    "2022-2024 text of U.S. note 20 that listed the new codes is not in the data; their "
    "2025 footnotes name only the four-year-review heading that replaced the list)",
    "specific_compound_mfn": "lines whose MFN rate is specific, compound or not computable: "
    "their whole residual (the file has no quantities)",
    "chapter_98": "chapter 98 special provisions: their whole residual",
    "no_rate": "lines with no panel rate in 2024: their whole residual (Census duty)",
}


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


def _check_panel(con: duckdb.DuckDBPyConnection) -> None:
    """The store's US schedule covers 2024 and its panel has the columns read here."""
    row = con.execute("SELECT cov_until FROM coverage WHERE importer = 'US'").fetchone()
    if row is None or row[0] < YEAR_END:
        raise StoreError(
            f"the store's US schedule ends before {YEAR_END - dt.timedelta(days=1)}: it was "
            "built by an older version; rebuild it ('tradewar data build')"
        )
    have = {
        r[0]
        for r in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'panel'"
        ).fetchall()
    }
    wanted = {f"{p}_rate" for p in ADDITIONAL} | {"claim_rate", "claim_headings"}
    if not wanted <= have:
        missing = ", ".join(sorted(wanted - have)[:3])
        raise StoreError(f"the store's panel lacks {missing}: rebuild it ('tradewar data build')")


def load_imports(con: duckdb.DuckDBPyConnection, raw: Path | None) -> dict[str, Any]:
    """Create temp table ``_imp`` (code, description, value, duty, source, source_row).

    The store's ``flows`` table is used when it holds the 2024 HS10 file's lines (one
    row per code); otherwise the raw file is read in place.
    """
    name = Path(IMPORTS_2024).name
    if _has_table(con, "flows"):
        stats = con.execute(
            """SELECT count(*), count(DISTINCT code), count(DISTINCT statistic)
               FROM flows WHERE source LIKE '%' || ? AND duty_usd IS NOT NULL""",
            [name],
        ).fetchone()
        if stats and stats[0] > 0 and stats[0] == stats[1] and stats[2] <= 1:
            con.execute(
                """CREATE OR REPLACE TEMP TABLE _imp AS
                   SELECT code, description, value_usd AS value, duty_usd AS duty,
                          source, source_row
                   FROM flows WHERE source LIKE '%' || ? AND duty_usd IS NOT NULL""",
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


def _panel_2024_sql() -> str:
    """Per code, the panel's 2024 rates weighted by the days of each interval."""
    per_authority = ",\n       ".join(f"sum(n * {p}_rate) / sum(n) AS {p}_2024" for p in ADDITIONAL)
    return f"""
CREATE OR REPLACE TEMP TABLE _p24 AS
SELECT code, is_leaf, ambiguous,
       greatest(valid_from, DATE '{YEAR_START}') AS d0,
       least(valid_until, DATE '{YEAR_END}') AS d1,
       least(valid_until, DATE '{YEAR_END}') - greatest(valid_from, DATE '{YEAR_START}') AS n,
       mfn_rate, mfn_kind, mfn_text, s301_rate, s301_heading, s232_rate, s232_heading,
       {", ".join(f"{p}_rate" for p in ADDITIONAL if p not in ("s301", "s232"))},
       adval_rate, total_rate, expressible, claim_rate, claim_headings
FROM panel
WHERE importer = 'US' AND origin_group = 'CN'
  AND valid_from < DATE '{YEAR_END}' AND valid_until > DATE '{YEAR_START}'
-- goods exported on the entry date: the row without an export window, else the one
-- whose window holds the interval's first day
QUALIFY row_number() OVER (
    PARTITION BY code, valid_from
    ORDER BY (export_from IS NULL AND export_until IS NULL) DESC,
             (coalesce(export_from, valid_from) <= valid_from
              AND coalesce(export_until, valid_until) > valid_from) DESC) = 1;

CREATE OR REPLACE TEMP TABLE _r24 AS
SELECT code, bool_or(is_leaf) AS is_leaf, bool_or(ambiguous) AS ambiguous,
       sum(n) AS days,
       round(sum(n * adval_rate) / sum(n), 9) AS adval_2024,
       round(sum(n * coalesce(mfn_rate, 0)) / sum(n), 9) AS mfn_2024,
       {per_authority},
       round(sum(n * claim_rate) FILTER (claim_headings IS NOT NULL) / {DAYS}, 9)
           AS claim_rate_2024,
       sum(n) FILTER (claim_headings IS NOT NULL) AS claim_days,
       arg_min(claim_rate, d0) AS claim_jan, arg_max(claim_rate, d0) AS claim_dec,
       nullif(array_to_string(list_sort(list_distinct(list(claim_headings))), '; '), '')
           AS claim_headings,
       bool_and(expressible) AS expressible,
       arg_min(adval_rate, d0) AS adval_jan, arg_max(adval_rate, d0) AS adval_dec,
       nullif(arg_min(coalesce(s301_heading, ''), d0), '') AS s301_heading_jan,
       nullif(arg_max(coalesce(s301_heading, ''), d0), '') AS s301_heading_dec,
       arg_min(s301_rate, d0) AS s301_rate_jan, arg_max(s301_rate, d0) AS s301_rate_dec,
       nullif(arg_max(coalesce(s232_heading, ''), d0), '') AS s232_heading,
       arg_max(mfn_text, d0) AS mfn_text, arg_max(mfn_kind, d0) AS mfn_kind
FROM _p24 GROUP BY code;
"""


_MATCH_SQL = """
CREATE OR REPLACE TEMP TABLE _m AS
WITH r8 AS (
    SELECT left(code, 8) AS hts8, min(code) AS code8, count(DISTINCT adval_2024) AS n_rates
    FROM _r24 WHERE is_leaf AND length(code) >= 10 GROUP BY 1
)
SELECT i.*,
       CASE WHEN r10.code IS NOT NULL THEN r10.code
            WHEN p8.code IS NOT NULL THEN p8.code ELSE r8.code8 END AS rate_code,
       CASE WHEN r10.code IS NOT NULL THEN 'hts10'
            WHEN p8.code IS NOT NULL OR r8.code8 IS NOT NULL THEN 'hts8'
            ELSE 'none' END AS matched_by,
       CASE WHEN r10.code IS NULL THEN r8.n_rates END AS hts8_rates
FROM _imp i
LEFT JOIN _r24 r10 ON r10.code = i.code AND NOT r10.ambiguous
LEFT JOIN _r24 p8 ON r10.code IS NULL AND p8.code = left(i.code, 8) AND NOT p8.ambiguous
LEFT JOIN r8 ON r10.code IS NULL AND r8.hts8 = left(i.code, 8)
WHERE i.value > 0
"""

LAYER_STEPS = (0.075, 0.10, 0.15, 0.25, 0.50, 1.00)
_EXTRA_LAYER = " OR ".join(
    f"abs(census_rate - adval_2024 - {x}) <= {TOLERANCE}" for x in LAYER_STEPS
)


def _lines_sql() -> str:
    """``_cmp``: each line with its rates; the whole-line exclusions applied as claimed.

    ``panel_2024`` is the panel's rate with no claim; ``adval_2024`` (and the Section 301
    rate) is less the claim where an exclusion note names the whole statistical
    reporting number (``claimed_whole``), as the Census duty shows importers claim them.
    """
    rates = ", ".join(f"r.{p}_2024" for p in ADDITIONAL if p != "s301")
    return f"""
CREATE OR REPLACE TEMP TABLE _cmp AS
WITH joined AS (
    SELECT m.*, r.*  EXCLUDE (code),
           coalesce(x.whole, false) AND coalesce(r.claim_rate_2024, 0) > 0 AS claimed_whole,
           x.notes AS exclusions_named
    FROM _m m LEFT JOIN _r24 r ON r.code = m.rate_code
    LEFT JOIN _excl x ON x.code = m.code
),
rated AS (
    SELECT code, description, value, duty, source, source_row, rate_code, matched_by,
           hts8_rates, mfn_text, mfn_kind, mfn_2024, {rates.replace("r.", "")},
           s301_2024 - CASE WHEN claimed_whole THEN claim_rate_2024 ELSE 0 END AS s301_2024,
           s301_heading_jan, s301_heading_dec, s301_rate_jan, s301_rate_dec,
           s232_heading, claim_headings, claim_rate_2024, claim_days, claimed_whole,
           adval_2024 AS panel_2024,
           adval_jan - CASE WHEN claimed_whole THEN claim_jan ELSE 0 END AS adval_jan,
           adval_dec - CASE WHEN claimed_whole THEN claim_dec ELSE 0 END AS adval_dec,
           adval_2024 - CASE WHEN claimed_whole THEN claim_rate_2024 ELSE 0 END
               AS adval_2024,
           coalesce(expressible, false) AS expressible,
           duty / value AS census_rate,
           exclusions_named
    FROM joined
)
SELECT *,
       value * panel_2024 AS computed_unclaimed,
       value * adval_2024 AS computed,
       value * adval_jan AS computed_jan,
       value * adval_dec AS computed_dec,
       value * mfn_2024 AS computed_mfn,
       census_rate - adval_2024 AS rate_gap,
       duty - coalesce(value * adval_2024, 0) AS gap,
       abs(census_rate - adval_2024) <= {TOLERANCE} + 1e-12 AS within,
       CASE
         WHEN abs(census_rate - adval_2024) <= {TOLERANCE} + 1e-12 THEN 'agrees'
         WHEN rate_code IS NULL THEN 'no_rate_line'
         WHEN code LIKE '98%' THEN 'chapter_98'
         WHEN NOT expressible THEN 'mfn_not_ad_valorem'
         WHEN claim_headings IS NOT NULL AND NOT claimed_whole AND claim_rate_2024 > 0
              AND census_rate < adval_2024 THEN 'claimable_exclusion'
         WHEN s301_heading_dec IS DISTINCT FROM s301_heading_jan
              AND census_rate BETWEEN least(adval_jan, adval_dec) - {TOLERANCE}
                                  AND greatest(adval_jan, adval_dec) + {TOLERANCE}
              THEN 'four_year_review_timing'
         WHEN s301_2024 > 0 AND abs(census_rate - (adval_2024 - s301_2024)) <= {TOLERANCE}
              THEN 'census_without_s301'
         WHEN s232_2024 > 0 AND abs(census_rate - (adval_2024 - s232_2024)) <= {TOLERANCE}
              THEN 'census_without_s232'
         WHEN ({_EXTRA_LAYER}) THEN 'census_extra_layer'
         WHEN census_rate < adval_2024 THEN 'census_lower_partial'
         ELSE 'census_higher_other'
       END AS category
FROM rated
"""


# The Section 301 rate every 2018-2020 predecessor of a renumbered 2024 line bore on
# 2020-12-31 (goods exported on the entry date), when they all bore the same rate > 0
PREDECESSOR_DATE = "2020-12-31"
_PREDECESSORS_SQL = f"""
CREATE OR REPLACE TEMP TABLE _pred AS
WITH old AS (
    SELECT code, coalesce(s301_rate, 0) AS rate, s301_heading FROM panel
    WHERE importer = 'US' AND origin_group = 'CN' AND is_leaf
      AND valid_from <= DATE '{PREDECESSOR_DATE}'
      AND coalesce(valid_until, DATE '9999-12-31') > DATE '{PREDECESSOR_DATE}'
      AND coalesce(export_from, DATE '{PREDECESSOR_DATE}') <= DATE '{PREDECESSOR_DATE}'
      AND coalesce(export_until, DATE '9999-12-31') > DATE '{PREDECESSOR_DATE}'
)
SELECT k.new_code AS code, min(o.rate) AS rate, count(DISTINCT o.code) AS predecessors,
       string_agg(DISTINCT o.s301_heading, ', ' ORDER BY o.s301_heading) AS headings
FROM us_code_map k JOIN old o ON o.code = k.old_code
WHERE k.new_code IS NOT NULL AND k.new_code <> k.old_code
GROUP BY k.new_code
HAVING min(o.rate) > 0 AND min(o.rate) = max(o.rate)
"""

# the residual of each line, and the part of it each named cause explains
_CAUSES_SQL = f"""
CREATE OR REPLACE TEMP TABLE _res AS
WITH shares AS (
    SELECT c.code, coalesce(l.claim_share, h.claim_share_vw) AS claim_share,
           CASE WHEN l.claim_share IS NOT NULL THEN 'line' ELSE 'heading' END AS share_from
    FROM _cmp c
    -- the line's own share (calibrated under 9903.88.69/.70), else the heading's: .70
    -- for lines claimable only under .70, else {PROXY_HEADING} (the exclusions it extends)
    LEFT JOIN (SELECT hts10, max(claim_share) AS claim_share FROM _claim_lines GROUP BY 1) l
      ON l.hts10 = c.code
    LEFT JOIN _claim_headings h
      ON h.ch99_code = CASE WHEN c.claim_headings = '9903.88.70' THEN '9903.88.70'
                            ELSE '{PROXY_HEADING}' END
    WHERE c.claim_headings IS NOT NULL AND NOT c.claimed_whole
)
SELECT c.code, c.value, c.gap AS residual, s.claim_share, s.share_from,
       CASE
         WHEN c.rate_code IS NULL THEN 'no_rate'
         WHEN c.code LIKE '98%' THEN 'chapter_98'
         WHEN NOT c.expressible THEN 'specific_compound_mfn'
         WHEN p.code IS NOT NULL THEN 'renumbered_list_gap'
         WHEN c.claim_headings IS NOT NULL AND NOT c.claimed_whole AND c.claim_rate_2024 > 0
             THEN 'claimable_exclusions'
         WHEN c.s301_heading_dec IS DISTINCT FROM c.s301_heading_jan
              AND c.adval_jan IS DISTINCT FROM c.adval_dec THEN 'four_year_review_timing'
       END AS cause,
       CASE
         WHEN c.rate_code IS NULL OR c.code LIKE '98%' OR NOT c.expressible THEN c.gap
         WHEN p.code IS NOT NULL THEN c.value * p.rate
         WHEN c.claim_headings IS NOT NULL AND NOT c.claimed_whole AND c.claim_rate_2024 > 0
             THEN -c.value * coalesce(s.claim_share, 0) * c.claim_rate_2024
         -- the part of the gap inside the bracket of the 1 January and 31 December rates
         WHEN c.s301_heading_dec IS DISTINCT FROM c.s301_heading_jan
              AND c.adval_jan IS DISTINCT FROM c.adval_dec
             THEN greatest(least(c.gap, c.value * (greatest(c.adval_jan, c.adval_dec)
                                                   - c.adval_2024)),
                           c.value * (least(c.adval_jan, c.adval_dec) - c.adval_2024))
         ELSE 0.0
       END AS explained
FROM _cmp c LEFT JOIN shares s USING (code)
-- a renumbered line with no Section 301 rate and no claim all 2024 (the panel's own
-- 2024 line, not an HTS8 stand-in)
LEFT JOIN _pred p ON p.code = c.rate_code AND c.matched_by = 'hts10'
    AND coalesce(c.s301_2024, 0) = 0 AND c.claim_headings IS NULL
"""


def _num(x: Any, digits: int = 6) -> Any:
    return None if x is None else round(float(x), digits)


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[dict]:
    cur = con.execute(sql, params or [])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def load_exclusions(con: duckdb.DuckDBPyConnection, raw: Path | None) -> None:
    """Temp tables of the exclusion notes' codes (``_excl``) and the claim shares.

    ``_excl``: each Census code a 2024 exclusion note (``CH99_NOTES``) names, and whether
    an item names the whole statistical reporting number (``whole``).
    """
    if raw is None:
        raise SourceError("the raw data directory is needed for the exclusion notes and shares")
    items = pd.concat([note_items(raw, note) for note in EXCLUSION_NOTES])
    con.register("_excl_codes", items[["note", "code", "whole_line"]])
    con.execute(
        """CREATE OR REPLACE TEMP TABLE _excl AS
           WITH hits AS (
               SELECT i.code, c.note, c.whole_line AND length(c.code) = 10 AS whole
               FROM _imp i JOIN _excl_codes c
                 ON c.code = i.code OR (length(c.code) = 8 AND c.code = left(i.code, 8))
           )
           SELECT code, string_agg(DISTINCT '20(' || note || ')', ',' ORDER BY
                      '20(' || note || ')') AS notes,
                  bool_or(whole) AS whole
           FROM hits GROUP BY code"""
    )
    con.unregister("_excl_codes")
    shares = (
        ("_claim_lines", CLAIM_SHARES, "claim_share"),
        ("_claim_headings", CLAIM_SHARES_BY_HEADING, "claim_share_vw"),
    )
    for table, file, column in shares:
        path = raw / file
        if not path.exists():
            raise SourceError(f"{file} not found under {raw} (set TRADEWAR_RAW)")
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE {table} AS
                SELECT * REPLACE (TRY_CAST({column} AS DOUBLE) AS {column})
                FROM read_csv(?, header = true, all_varchar = true)""",
            [str(path)],
        )


def compare(con: duckdb.DuckDBPyConnection, top: int = TOP) -> dict[str, Any]:
    """The comparison, from ``_m`` (``load_imports``, the panel tables, ``_MATCH_SQL``)."""
    con.execute(_lines_sql())
    additional = ", ".join(f"sum(value * {p}_2024) AS {p}" for p in ADDITIONAL)
    totals = _rows(
        con,
        f"""SELECT sum(value) AS value, sum(duty) AS census,
                  sum(computed) AS computed, sum(computed_jan) AS computed_jan,
                  sum(computed_dec) AS computed_dec,
                  sum(computed_mfn) AS mfn, {additional},
                  sum(computed_unclaimed) AS unclaimed,
                  sum(value) FILTER (abs(census_rate - panel_2024) <= {TOLERANCE} + 1e-12)
                      AS within_unclaimed,
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
                  mfn_kind, s301_heading_jan, s301_heading_dec, s301_2024,
                  s232_heading, s232_2024, claim_headings, exclusions_named, category,
                  source, source_row
           FROM _cmp
           WHERE category NOT IN ({", ".join(f"'{c}'" for c in (*EXPLAINED, "agrees"))})
           ORDER BY abs(gap) DESC, code LIMIT ?""",
        [top],
    )
    residual = residual_by_cause(con)
    claims = residual["causes"]["claimable_exclusions"]["explained_usd"] or 0.0
    with_claims = t["computed"] + claims
    return {
        "year": YEAR,
        "engine": "panel",
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
        "with_claim_shares": {
            "computed_duty": _num(with_claims, 2),
            "ratio": _num(with_claims / census if census else None),
            "note": "computed duty less the claimable exclusions on described products at "
            "their estimated claim shares (an expectation, not what duty gives without "
            "--claim)",
        },
        "without_claims": {
            **_figures(t["unclaimed"], t["within_unclaimed"], census, value),
            "note": "the panel's rates with no exclusion claimed (what duty gives without --claim)",
        },
        "exclusions_2024": exclusions_evidence(con),
        "targets": {
            "ratio": [0.95, 1.06],
            "share_value_within_1pp": 0.85,
            "explained_share_of_abs_residual": EXPLAINED_TARGET,
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
            **{_LAYER_NAMES.get(p, p): _num(t[p], 2) for p in ADDITIONAL},
        },
        "annual_rate": {
            "used": "time_weighted",
            "rule": "each panel interval inside 2024 weighs its days of 366 (the 9903.91.01-.03 "
            "increases of 2024-09-27 weigh 96 days); a line not in force all year is "
            "averaged over its own days",
            "as_of_2024_01_01": _figures(t["computed_jan"], t["within_jan"], census, value),
            "as_of_2024_12_31": _figures(t["computed_dec"], t["within_dec"], census, value),
        },
        "residual_by_cause": residual,
        "gap_summary": _gap_summary(explanations),
        "explanations": explanations,
        "membership_alternative": {
            "status": "not computed",
            "method": "the Budget Lab list at HTS8 as an alternative Section 301 membership "
            "was a second rate computation (data/sources/us_2024.py), removed: the check "
            "rates every line through the panel only; the lists' values by each membership "
            "are in 'lists'",
        },
        "four_year_review": _four_year_review(con),
        "code_map": mapping_coverage(con),
        "top_unexplained": [_clean(r) for r in top_rows],
    }


_LAYER_NAMES = {
    "s301": "section_301",
    "s232": "section_232",
    "ret": "retaliation",
    "ieepa": "ieepa",
    "s122": "section_122",
}


def _figures(computed: float, within: float, census: float, value: float) -> dict[str, Any]:
    """Computed duty, its ratio to Census and the value share within one point."""
    return {
        "computed_duty": _num(computed, 2),
        "ratio": _num(computed / census if census else None),
        "share_value_within_1pp": _num(within / value if value else None),
    }


def exclusions_evidence(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Did importers claim the 2024 exclusions? The Census duty's answer, by kind of item.

    On the lines a claim covers in 2024, the implied claimed share is (panel duty with no
    claim - Census duty) / (value x the rate the claim takes off, time-weighted): 1 when
    every entry claimed, 0 when none did.
    """
    rows = _rows(
        con,
        """SELECT claimed_whole AS whole, count(*) AS lines, sum(value) AS value,
                  sum(value * claim_rate_2024) AS removable,
                  sum(computed_unclaimed - duty) AS taken_off,
                  median((computed_unclaimed - duty) / (value * claim_rate_2024)) AS median
           FROM _cmp WHERE claim_headings IS NOT NULL AND claim_rate_2024 > 0
           GROUP BY 1 ORDER BY 1 DESC""",
    )
    kinds = {}
    for r in rows:
        kinds["whole_line" if r["whole"] else "described_product"] = {
            "lines": r["lines"],
            "value": _num(r["value"], 2),
            "duty_a_full_claim_takes_off": _num(r["removable"], 2),
            "implied_claimed_share": _num(r["taken_off"] / r["removable"]),
            "median_line_claimed_share": _num(r["median"]),
            "treatment": "applied (claimed) in the computed duty"
            if r["whole"]
            else "not applied; named cause 'claimable_exclusions' at the estimated claim shares",
        }
    return {
        "headings": ["9903.88.67", "9903.88.68", "9903.88.69", "9903.88.70"],
        "notes": [f"U.S. note 20({n})" for n in EXCLUSION_NOTES],
        "source": CH99_NOTES,
        "decision": "an exclusion that names a whole statistical reporting number is applied "
        "as claimed: the Census duty on those lines is what a claim on most entries gives; "
        "one that names a product described within a line is not: the line holds other "
        "products, and the Census duty shows a partial claim",
        "by_kind": kinds,
    }


def residual_by_cause(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Census minus computed duty, and the part each named cause explains.

    A line's residual is explained wholly by a cause that makes its rate unknowable here
    (no rate, chapter 98, a specific or compound MFN rate), and by an estimate for an
    exclusion (the rate it takes off x its claim share x its days). The explained share
    is one minus the absolute residual left after the causes over the absolute residual.
    """
    con.execute(_PREDECESSORS_SQL)
    con.execute(_CAUSES_SQL)
    rows = _rows(
        con,
        """SELECT cause, count(*) AS lines, sum(value) AS value, sum(residual) AS residual,
                  sum(abs(residual)) AS abs_residual, sum(explained) AS explained,
                  sum(abs(explained)) AS abs_explained,
                  sum(abs(residual - explained)) AS abs_left
           FROM _res GROUP BY cause""",
    )
    total = sum(r["abs_residual"] for r in rows)
    left = sum(r["abs_left"] for r in rows)
    causes: dict[str, Any] = {}
    for name, meaning in CAUSES.items():
        r = next((x for x in rows if x["cause"] == name), None)
        causes[name] = {
            "meaning": meaning,
            "lines": r["lines"] if r else 0,
            "value": _num(r["value"] if r else 0.0, 2),
            "residual_usd": _num(r["residual"] if r else 0.0, 2),
            "explained_usd": _num(r["explained"] if r else 0.0, 2),
            "share_of_abs_residual": _num(
                (r["abs_residual"] - r["abs_left"]) / total if r and total else 0.0
            ),
        }
    other = next((x for x in rows if x["cause"] is None), None)
    patterns = _rows(con, _UNEXPLAINED_SQL)
    for r in patterns:
        for k in (
            "value",
            "residual",
            "abs_residual",
            "statutory_s301",
            "statutory_s232",
            "largest_negative_residual",
        ):
            r[k] = _num(r[k], 2)
        r["census_paid_share_of_additional"] = _num(r["census_paid_share_of_additional"])
    shares = _rows(
        con,
        """SELECT share_from, count(*) AS lines FROM _res
           WHERE cause = 'claimable_exclusions' GROUP BY 1 ORDER BY 1""",
    )
    return {
        "residual_usd": _num(sum(r["residual"] for r in rows), 2),
        "abs_residual_usd": _num(total, 2),
        "abs_residual_left_usd": _num(left, 2),
        "explained_share": _num(1 - left / total if total else None),
        "target": EXPLAINED_TARGET,
        "met": bool(total) and (1 - left / total) >= EXPLAINED_TARGET,
        "causes": causes,
        "unexplained": {
            "lines": other["lines"] if other else 0,
            "residual_usd": _num(other["residual"] if other else 0.0, 2),
            "abs_residual_usd": _num(other["abs_residual"] if other else 0.0, 2),
            "meaning": "lines with no named cause: their whole residual (see 'explanations' "
            "for the patterns: a whole Section 301 or 232 layer absent in Census, partial "
            "claims, FTZ and special programmes)",
            "by_layer": patterns,
            "why_not_measurable": WHY_UNEXPLAINED,
        },
        "claim_shares": {
            "lines": {s["share_from"]: s["lines"] for s in shares},
            "sources": [CLAIM_SHARES, CLAIM_SHARES_BY_HEADING],
        },
    }


# The unexplained residual by the additional layers the panel puts on the line: each
# Section 301 heading (none: MFN only), with or without Section 232; the share of the
# statutory Section 301 and 232 duty that the Census duty shows paid, taking MFN as paid
# in full ((Census - computed + additional duty) / additional duty)
_UNEXPLAINED_SQL = """
SELECT coalesce(c.s301_heading_jan, 'none') AS s301_heading,
       c.s232_heading IS NOT NULL AS with_s232,
       count(*) AS lines, sum(c.value) AS value, sum(r.residual) AS residual,
       sum(abs(r.residual)) AS abs_residual,
       sum(c.value * c.s301_2024) AS statutory_s301,
       sum(c.value * c.s232_2024) AS statutory_s232,
       (sum(r.residual) + sum(c.value * (c.s301_2024 + c.s232_2024)))
           / nullif(sum(c.value * (c.s301_2024 + c.s232_2024)), 0)
           AS census_paid_share_of_additional,
       arg_min(c.code, r.residual) AS largest_negative_line,
       min(r.residual) AS largest_negative_residual
FROM _res r JOIN _cmp c USING (code)
WHERE r.cause IS NULL
GROUP BY ALL ORDER BY abs_residual DESC
"""
WHY_UNEXPLAINED = (
    "The Census file gives each line's consumption value and calculated duty only: no "
    "dutiable value, rate provision, entry type or month. Entries inside a line that pay "
    "less than its statutory rate (Chapter 98 secondary classifications such as 9802 and "
    "9817.00.96, foreign-trade-zone and warehouse withdrawals, Section 232 product "
    "exclusions, claims of exclusions outside the notes modelled here) lower its duty per "
    "dollar without a trace in the file, so no share of them can be measured per line; "
    "estimating it from the 2024 residual itself would explain the residual by itself."
)


def _gap_summary(explanations: list[dict[str, Any]]) -> dict[str, Any]:
    """Census minus computed duty, split into explained, whole-layer and other gaps."""
    layer_patterns = ("census_without_s301", "census_without_s232", "census_extra_layer")

    def total(cats: tuple[str, ...] | None = None) -> float:
        return sum(e["gap"] for e in explanations if cats is None or e["category"] in cats)

    rest = tuple(
        e["category"]
        for e in explanations
        if e["category"] not in (*EXPLAINED, *layer_patterns, "agrees")
    )
    return {
        "census_minus_computed": _num(total(), 2),
        "within_1pp_lines": _num(total(("agrees",)), 2),
        "explained": _num(total(EXPLAINED), 2),
        "whole_layer_patterns": _num(total(layer_patterns), 2),
        "unexplained": _num(total(rest), 2),
    }


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
    """Lines on the 9903.91 headings: which annual rate the Census duty supports."""
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
    for k in ("census_rate", "our_rate", "our_rate_jan", "our_rate_dec"):
        out[k] = _num(out[k])
    out["layers"] = {
        "mfn": out.pop("mfn_text"),
        "mfn_kind": out.pop("mfn_kind"),
        "section_301": {
            "heading_jan": out.pop("s301_heading_jan"),
            "heading_dec": out.pop("s301_heading_dec"),
            "rate_2024": _num(out.pop("s301_2024")),
        },
        "section_232": {"heading": out.pop("s232_heading"), "rate": _num(out.pop("s232_2024"))},
        "claimable_exclusions": out.pop("claim_headings"),
        "exclusions_named": out.pop("exclusions_named"),
    }
    return out


_LIST_SQL = """
WITH h(heading) AS (VALUES ('9903.88.01'), ('9903.88.02'), ('9903.88.03'),
                           ('9903.88.04'), ('9903.88.15'), ('9903.88.16')),
-- the USITC 2020 list's entries; HTS8 codes that read as dates were stored as Excel
-- dates in its xlsx (SOURCES.md left them out)
entries AS (
    SELECT DISTINCT code, heading,
           length(code) = 8 AND try_strptime(code, '%Y%m%d') IS NOT NULL
               AND code >= '19000101' AS is_date
    FROM _usitc WHERE heading IN (SELECT heading FROM h)
),
hits AS (
    SELECT m.code, e.heading, bool_and(e.is_date) AS only_dates
    FROM _m m JOIN entries e ON e.code = m.code OR e.code = left(m.code, 8)
    GROUP BY ALL
),
bl AS (SELECT DISTINCT hts8, ch99_code AS heading FROM _bl),
imp AS (
    SELECT m.code, m.value, r.s301_heading_jan, r.s301_heading_dec
    FROM _m m LEFT JOIN _r24 r ON r.code = m.rate_code
)
SELECT h.heading,
       sum(value) FILTER (contains(coalesce(s301_heading_jan, ''), h.heading)) AS ours,
       count(*) FILTER (contains(coalesce(s301_heading_jan, ''), h.heading)) AS ours_lines,
       sum(value) FILTER (EXISTS (SELECT 1 FROM hits x WHERE x.code = imp.code
                                  AND x.heading = h.heading)) AS usitc_2020_identity,
       sum(value) FILTER (EXISTS (SELECT 1 FROM hits x WHERE x.code = imp.code
                                  AND x.heading = h.heading AND NOT x.only_dates))
           AS sources_md_method,
       sum(value) FILTER (EXISTS (SELECT 1 FROM bl WHERE bl.hts8 = left(imp.code, 8)
                                  AND bl.heading = h.heading)) AS budget_lab_2026,
       sum(value) FILTER (contains(coalesce(s301_heading_jan, ''), h.heading)
                          AND s301_heading_dec LIKE '%9903.91%') AS moved_to_9903_91
FROM h, imp GROUP BY h.heading ORDER BY h.heading
"""


def list_values(con: duckdb.DuckDBPyConnection, raw: Path | None) -> dict[str, Any]:
    """Each 2018-2019 list's 2024 import value, three ways, against SOURCES.md and USTR.

    ``ours``: the lines whose panel Section 301 heading on 2024-01-01 is the list's (the
    panel names a heading only where it bears a rate, so List 4B, suspended, has none).
    ``usitc_2020_identity``: lines matching a 2018-2020 list entry (the USITC 2020 list,
    as the layers hold it) at HTS10 or HTS8, the method of SOURCES.md;
    ``sources_md_method``: the same leaving out the codes the list's xlsx stores as Excel
    dates, which reproduces SOURCES.md; ``budget_lab_2026``: lines whose HTS8 the
    Budget Lab list (2026 nomenclature) puts on the list.
    """
    if raw is None or not (raw / BL_LISTS).exists():
        raise SourceError(f"{BL_LISTS} not found under {raw} (set TRADEWAR_RAW)")
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _bl AS SELECT * FROM read_csv(?, all_varchar = true)",
        [str(raw / BL_LISTS)],
    )
    con.register("_usitc", us_301.load_usitc_list(raw, ValidationReport())[["code", "heading"]])
    rows = _rows(con, _LIST_SQL)
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


def _prepare(con: duckdb.DuckDBPyConnection, raw: Path | None) -> dict[str, Any]:
    con.execute("SET enable_progress_bar = false")
    _check_panel(con)
    weights = load_imports(con, raw)
    con.execute(_panel_2024_sql())
    con.execute(_MATCH_SQL)
    return weights


def check_engine(store: Path, raw: Path | None, year: int = YEAR, top: int = TOP) -> dict[str, Any]:
    """Run the comparison and the per-list values on a store (read-only)."""
    from ..data.store import open_store

    check_year(year)
    con = open_store(store)
    try:
        con.execute("SET enable_progress_bar = false")
        weights = _prepare(con, raw)
        load_exclusions(con, raw)
        result = compare(con, top)
        result["weights"] = weights
        result["lists"] = list_values(con, raw)
    finally:
        con.close()
    return result


def lists_covered(store: Path, raw: Path | None, year: int = YEAR) -> dict[str, Any]:
    """Only the per-list values (task 3 of the check)."""
    from ..data.store import open_store

    check_year(year)
    con = open_store(store)
    try:
        weights = _prepare(con, raw)
        result = list_values(con, raw)
        result["weights"] = weights
    finally:
        con.close()
    return result


def lines_2024(store: Path, raw: Path | None) -> Any:
    """The per-line table: each 2024 Census line with its panel rates and category."""
    from ..data.store import open_store

    con = open_store(store)
    try:
        _prepare(con, raw)
        load_exclusions(con, raw)
        con.execute(_lines_sql())
        return con.execute("SELECT * FROM _cmp ORDER BY code").df()
    finally:
        con.close()
