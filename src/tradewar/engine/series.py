"""Trade-weighted tariff series and coverage, computed in DuckDB over the store.

For an importer, an origin group (the partner, or '*' for every other origin) and a
list of dates, one SQL plan joins the stacked ``panel`` (leaf lines in force on each
date, goods taken as exported on the entry date) to a weight table drawn from
``flows`` (directly, or carried back through a code map: ``census-hs10-2024``, the 2024
US HS10 imports from China on the 2018-2020 HTS10 lines through ``us_code_map``), and
returns per date:

* ``avg_trade_weighted``: sum over weight codes of value x rate / matched value, in
  percent, where a weight code's rate is the **simple average of the leaf tariff lines
  beneath it** (HS10 lines under a China HS8 code, for PIIE's 2017 HS8 imports);
* ``avg_simple``: the simple average of the leaf lines' total rates, in percent;
* ``covered_value`` / ``covered_share``: weight value of the codes with at least one
  line bearing a non-MFN measure (rate > 0), and its share of all weight value; this
  "any line" rule reproduces PIIE's covered values (Figure 2 of the June 2019 file);
* ``by_measure``: each additional measure's contribution in percentage points (the
  same line averages, per measure), summing to ``avg_additional``;
* matched and unmatched weight value: weight codes with no line in the schedule on
  that date, weight codes whose lines have no expressible rate, and lines with no
  weight, each reported with value (or line count);
* ``drift`` (mapped weights only): the weight value by mapping method on that date,
  identity vs changed codes (per rule of ``us_code_map``) vs unmatched (2024 codes with
  no 2018-2020 predecessor, codes outside the map, predecessors not in force, no rate).

The per-measure rates come from ``layers`` with the panel's stacking rule (within an
override group only the most specific code level applies; conditional layers are not
counted); their sum is checked against the panel's additional rate on every date.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import duckdb

from ..data.store import coverage
from ..errors import CoverageError, InputError
from ..model.panel import AUTHORITY_PREFIX, PREFIX_LEVELS
from .lookups import rows as _rows

PARTNER = {"US": "CN", "CN": "US"}
STEPS = ("event", "day", "month")
TOP_UNMATCHED = 5
TOP_PREDECESSORS = 10
DECOMPOSITION_TOLERANCE_PP = 1e-6


@dataclass(frozen=True)
class Weights:
    """A weight table: which flows, at which product level, for which schedule."""

    name: str
    importer: str  # the schedule it weights
    level: str  # product level of the flows (HS10, HS8, HS6, HS2)
    digits: int  # leaf lines map to weight codes by their first ``digits`` characters
    year: int
    where: str  # SQL filter on ``flows``: the statistic the weights are drawn from
    description: str
    # Optional SQL yielding (ed, wcode, value, method, from_code) instead of the flows
    # filter's (code, value_usd): it may use the plan's ``days`` (ed) and ``lines_at``
    # (leaf lines in force on each ed) and ``__WHERE__`` (``where``). The rows of one
    # ``ed`` must add up to the flows' total (unmatched value under a code with no line).
    source: str | None = None
    rule: str | None = None  # how the source maps the flows' codes to weight codes

    @property
    def product_level(self) -> bool:
        """Fine enough to say which products a measure covers (HS6 or finer)."""
        return self.digits >= 6


def _year(year: int) -> str:
    return f"period_start >= DATE '{year}-01-01' AND period_end <= DATE '{year + 1}-01-01'"


# The 2024 HS10 imports carried to the lines in force on each date. Before 2021-01-01
# (the 2018-2020 nomenclature) a 2024 code's value is split evenly over its predecessors
# (``us_code_map``) that are leaf lines on that date; from 2021-01-01 it goes to the code
# itself when it is a line then, else is split evenly over the lines of its HTS8, else of
# its HS6. Value with no such line stays under '2024:<code>', which no line matches
# (unmatched, with its reason as the method). ``__IMPORTS__`` is the (code, value) table.
MAP_UNTIL = "2021-01-01"  # us_code_map links 2018-2020 lines to 2024 codes
_CARRY = f"""
    links AS (
        SELECT DISTINCT old_code, new_code, method FROM us_code_map
        WHERE old_code IS NOT NULL AND new_code IS NOT NULL
    ),
    live AS (SELECT DISTINCT ed, code FROM lines_at),
    back AS (
        SELECT v.ed, k.old_code, k.new_code, k.method, 0 AS pri
        FROM links k JOIN live v ON v.code = k.old_code AND v.ed < DATE '{MAP_UNTIL}'
    ),
    later AS (
        SELECT v.ed, v.code AS old_code, i.code AS new_code,
               CASE WHEN v.code = i.code THEN 'identity'
                    WHEN left(v.code, 8) = left(i.code, 8) THEN 'later_same_hts8'
                    ELSE 'later_same_hs6' END AS method,
               CASE WHEN v.code = i.code THEN 1
                    WHEN left(v.code, 8) = left(i.code, 8) THEN 2 ELSE 3 END AS pri
        FROM imports i JOIN live v
          ON left(v.code, 6) = left(i.code, 6) AND v.ed >= DATE '{MAP_UNTIL}'
    ),
    reach AS (
        SELECT * FROM (SELECT * FROM back UNION ALL SELECT * FROM later)
        QUALIFY pri = min(pri) OVER (PARTITION BY ed, new_code)
    ),
    carried AS (
        SELECT d.ed, i.code AS from_code,
               coalesce(r.old_code, '2024:' || i.code) AS wcode,
               i.value / greatest(count(r.old_code) OVER (PARTITION BY d.ed, i.code), 1)
                   AS value,
               coalesce(r.method, CASE
                   WHEN d.ed >= DATE '{MAP_UNTIL}' THEN 'no_line_in_force'
                   WHEN i.code IN (SELECT new_code FROM links) THEN 'no_line_in_force'
                   WHEN i.code IN (SELECT new_code FROM us_code_map)
                       THEN 'no_2018_2020_predecessor'
                   ELSE 'not_in_code_map' END) AS method
        FROM days d CROSS JOIN imports i
        LEFT JOIN reach r ON r.ed = d.ed AND r.new_code = i.code
    )
"""
_US_CARRY_BACK = f"""
WITH imports AS (
        SELECT code, sum(value_usd) AS value FROM flows WHERE __WHERE__ GROUP BY code
    ),
    {_CARRY}
SELECT ed, from_code, wcode, value, method FROM carried
"""
US_CARRY_BACK_RULE = (
    "2024 HS10 codes carried to the lines in force on each date: before 2021-01-01 back "
    "to the 2018-2020 HTS10 lines through us_code_map (USITC revisions 2020 rev. 10 to "
    "2024), a 2024 code's value split evenly over its predecessors that are leaf lines in "
    "force on that date (all of it to the code itself where unchanged); from 2021-01-01 "
    "to the code itself where it is a line then, else split evenly over the lines of its "
    "HTS8, else of its HS6. Each 2024 dollar is counted once per date; 2024 codes with no "
    "such line, no 2018-2020 predecessor, or outside the map (Census-only codes, 9999.95 "
    "low-value estimate) are unmatched"
)
_HS10_2024 = (
    "reporter = 'US' AND partner = 'CN' AND flow = 'import' "
    "AND product_level = 'HS10' AND period_start >= DATE '2024-01-01' "
    "AND period_end <= DATE '2025-01-01'"
)


def _chapter_weights(spread: str) -> str:
    """The carried 2017-chapter weights, plus each chapter not among ``spread`` (a query
    of the chapters that have 2024 HS10 lines to spread over) as one weight of its own."""
    return f"""SELECT ed, from_code, wcode, value, method FROM carried
UNION ALL
SELECT d.ed, '2017:' || c.ch AS from_code, '2017:' || c.ch AS wcode, c.value,
       'no_2024_hs10_in_chapter' AS method
FROM days d, ch17 c
WHERE c.ch NOT IN ({spread})"""


# 2017 chapter totals (Census HS2) spread within each chapter by the 2024 HS10 shares,
# then carried as above; a 2017 chapter with no 2024 HS10 value stays unmatched
_US_BLEND = f"""
WITH ch17 AS (
        SELECT code AS ch, sum(value_usd) AS value FROM flows WHERE __WHERE__ GROUP BY code
    ),
    hs10 AS (
        SELECT code, sum(value_usd) AS value FROM flows WHERE {_HS10_2024} GROUP BY code
    ),
    ch24 AS (SELECT left(code, 2) AS ch, sum(value) AS value FROM hs10 GROUP BY 1),
    imports AS (
        SELECT i.code, i.value * c17.value / c24.value AS value
        FROM hs10 i JOIN ch24 c24 ON c24.ch = left(i.code, 2)
        JOIN ch17 c17 ON c17.ch = c24.ch
        WHERE c24.value > 0
    ),
    {_CARRY}
{_chapter_weights("SELECT ch FROM ch24 WHERE value > 0")}"""
US_BLEND_RULE = (
    "2017 US imports from China by HS2 chapter (Census) spread within each chapter by "
    "the 2024 HTS10 shares of that chapter (Census), then carried to the lines in force "
    "as census-hs10-2024 is; a 2017 chapter with no 2024 HTS10 imports is unmatched"
)
# The blend above, raked to a second margin: the trade value USTR announced for each
# Section 301 list in force on LIST_REFERENCE_DATE (the measures' cited
# ``announced_value_usd_bn``: List 1 $34bn, List 2 $16bn, List 3 $200bn, List 4A $120bn).
# Each 2024 HTS10 code's 2024 value goes to the list of its 2018-2020 predecessors on the
# reference date (split evenly over those in force, as the carry-back splits it; 'other'
# when none is on a list); the chapter x list table of those values is fitted to the 2017
# chapter totals and to the list values by iterative proportional fitting (IPF_ROUNDS
# rounds of scaling rows then columns; it converges to machine precision in about 40),
# the rest of the chapters' total ('other') being the column of everything not listed.
# Each code then takes its cells' 2024 values times their cell's fitted factor, and is
# carried as census-hs10-2024 is. Within a chapter and list the 2024 shares stand.
LIST_REFERENCE_DATE = "2019-09-01"
IPF_ROUNDS = 60
_US_BLEND_LISTS = f"""
WITH RECURSIVE ch17 AS (
        SELECT code AS ch, sum(value_usd) AS value FROM flows WHERE __WHERE__ GROUP BY code
    ),
    hs10 AS (
        SELECT code, sum(value_usd) AS value FROM flows WHERE {_HS10_2024} GROUP BY code
    ),
    announced AS (
        SELECT measure_id AS grp, announced_value_usd_bn * 1e9 AS target FROM measures
        WHERE importer = 'US' AND authority = 'Section 301'
          AND announced_value_usd_bn IS NOT NULL
    ),
    ref_lines AS (
        SELECT code, measures FROM panel
        WHERE importer = 'US' AND origin_group = 'CN' AND is_leaf
          AND valid_from <= DATE '{LIST_REFERENCE_DATE}'
          AND coalesce(valid_until, DATE '9999-12-31') > DATE '{LIST_REFERENCE_DATE}'
          AND coalesce(export_from, DATE '{LIST_REFERENCE_DATE}')
              <= DATE '{LIST_REFERENCE_DATE}'
          AND coalesce(export_until, DATE '9999-12-31') > DATE '{LIST_REFERENCE_DATE}'
    ),
    ref AS (
        SELECT r.code, min(a.grp) AS grp
        FROM ref_lines r
        LEFT JOIN (SELECT code, unnest(measures) AS m FROM ref_lines) u USING (code)
        LEFT JOIN announced a ON a.grp = u.m
        GROUP BY r.code
    ),
    pred AS (
        SELECT DISTINCT k.new_code AS code, r.code AS old_code, r.grp
        FROM us_code_map k JOIN ref r ON r.code = k.old_code
        WHERE k.new_code IS NOT NULL
    ),
    split AS (
        SELECT i.code, left(i.code, 2) AS ch, coalesce(p.grp, 'other') AS grp,
               i.value / greatest(count(p.old_code) OVER (PARTITION BY i.code), 1) AS v
        FROM hs10 i LEFT JOIN pred p ON p.code = i.code
        WHERE left(i.code, 2) IN (SELECT ch FROM ch17)
    ),
    seed AS (SELECT ch, grp, sum(v) AS v FROM split GROUP BY ALL HAVING sum(v) > 0),
    mc AS (
        SELECT ch, value AS target FROM ch17 WHERE ch IN (SELECT ch FROM seed)
    ),
    mg AS (
        SELECT grp, target FROM announced WHERE grp IN (SELECT grp FROM seed)
        UNION ALL
        SELECT 'other', (SELECT sum(target) FROM mc)
               - (SELECT coalesce(sum(target), 0) FROM announced
                  WHERE grp IN (SELECT grp FROM seed))
    ),
    ipf(round, ch, grp, v) AS (
        SELECT 0, ch, grp, CAST(v AS DOUBLE) FROM seed
        UNION ALL
        SELECT round + 1, ch, grp, v * mg.target / sum(v) OVER (PARTITION BY grp)
        FROM (
            SELECT f.round, f.ch, f.grp,
                   f.v * mc.target / sum(f.v) OVER (PARTITION BY f.ch) AS v
            FROM ipf f JOIN mc USING (ch) WHERE f.round < {IPF_ROUNDS}
        ) r JOIN mg USING (grp)
    ),
    factor AS (
        SELECT f.ch, f.grp, f.v / s.v AS factor
        FROM ipf f JOIN seed s USING (ch, grp) WHERE f.round = {IPF_ROUNDS}
    ),
    imports AS (
        SELECT s.code, sum(s.v * f.factor) AS value
        FROM split s JOIN factor f USING (ch, grp) GROUP BY s.code
    ),
    {_CARRY}
{_chapter_weights("SELECT ch FROM seed")}"""
US_BLEND_LISTS_RULE = (
    "2017 US imports from China by HS2 chapter (Census) and the trade value USTR "
    "announced for each Section 301 list in force on "
    f"{LIST_REFERENCE_DATE} (measures' announced_value_usd_bn, cited to the Federal "
    "Register notices): the chapter x list table of 2024 HTS10 values (a code's list is "
    "that of its 2018-2020 predecessors on that date) fitted to both margins by "
    f"iterative proportional fitting ({IPF_ROUNDS} rounds); each code keeps its 2024 "
    "share within its chapter and list, then is carried to the lines in force as "
    "census-hs10-2024 is; a 2017 chapter with no 2024 HTS10 imports is unmatched"
)
# China's 2017 HS8 imports (2018 nomenclature) on the lines in force on each date: to the
# code itself where it is the HS8 of lines then; from 2020-01-01 (China's 2025 HS8 lines)
# else split evenly over the lines of its HS6; else unmatched ('no_line_in_force').
CN_MAP_FROM = "2020-01-01"
_CN_CARRY = f"""
WITH imports AS (
        SELECT code, sum(value_usd) AS value FROM flows WHERE __WHERE__ GROUP BY code
    ),
    live AS (SELECT DISTINCT ed, wcode FROM lines_at),
    reach AS (
        SELECT v.ed, i.code AS from_code, v.wcode,
               CASE WHEN v.wcode = i.code THEN 'identity' ELSE 'later_same_hs6' END AS method
        FROM imports i JOIN live v ON left(v.wcode, 6) = left(i.code, 6)
         AND (v.wcode = i.code OR v.ed >= DATE '{CN_MAP_FROM}')
        QUALIFY (v.wcode = i.code) = bool_or(v.wcode = i.code) OVER (PARTITION BY v.ed, i.code)
    )
SELECT d.ed, i.code AS from_code, coalesce(r.wcode, i.code) AS wcode,
       i.value / greatest(count(r.wcode) OVER (PARTITION BY d.ed, i.code), 1) AS value,
       coalesce(r.method, 'no_line_in_force') AS method
FROM days d CROSS JOIN imports i
LEFT JOIN reach r ON r.ed = d.ed AND r.from_code = i.code
"""
CN_CARRY_RULE = (
    "China's 2017 HS8 imports (2018 nomenclature) go to the code itself where it is the "
    "HS8 of lines in force; from 2020-01-01, when China's lines are the HS8 lines of its "
    "2025 schedule, a code that is not a line then is split evenly over the lines of its "
    "HS6; codes with no such line are unmatched"
)
# methods of source rows that reach no line (the rest are link methods)
UNMATCHED_METHODS = (
    "no_line_in_force", "no_2018_2020_predecessor", "not_in_code_map",
    "no_2024_hs10_in_chapter",
)  # fmt: skip
DRIFT_TOLERANCE_USD = 1.0  # float sums over ~14,000 codes


WEIGHTS: dict[str, Weights] = {
    w.name: w
    for w in (
        Weights(
            "piie-2017", "CN", "HS8", 8, 2017,
            "reporter = 'CN' AND partner = 'US' AND flow = 'import' "
            f"AND product_level = 'HS8' AND {_year(2017)}",
            "China's 2017 imports from the US by China HS8 (ITC Trade Map, via the PIIE "
            "file of Bown, Jung & Zhang, June 2019); from 2020 carried to China's 2025 HS8 "
            "lines (same code, else same HS6)",
            _CN_CARRY, CN_CARRY_RULE,
        ),
        Weights(
            "census-exports-hs6-2017", "CN", "HS6", 6, 2017,
            "reporter = 'US' AND partner = 'CN' AND flow = 'export' "
            f"AND product_level = 'HS6' AND {_year(2017)}",
            "US exports to China in 2017 by HS6 (Census, mirror statistic of China's "
            "imports from the US)",
        ),
        Weights(
            "census-world-exports-hs2-2017", "CN", "HS2", 2, 2017,
            "reporter = 'US' AND partner = 'World' AND flow = 'export' "
            f"AND product_level = 'HS2' AND {_year(2017)}",
            "US exports to the world in 2017 by HS2 chapter (Census): the basis PIIE's "
            "Figure 1 names, available here at chapter level only",
        ),
        Weights(
            "census-hs10-2024", "US", "HS10", 10, 2024,
            "reporter = 'US' AND partner = 'CN' AND flow = 'import' "
            f"AND product_level = 'HS10' AND {_year(2024)}",
            "US imports for consumption from China in 2024 by HTS10 (Census), carried back "
            "to the 2018-2020 HTS10 lines through the HTS revisions (us_code_map)",
            _US_CARRY_BACK, US_CARRY_BACK_RULE,
        ),
        Weights(
            "census-hs2-2017-hs10-2024", "US", "HS10", 10, 2017,
            "reporter = 'US' AND partner = 'CN' AND flow = 'import' "
            f"AND product_level = 'HS2' AND {_year(2017)}",
            "US imports for consumption from China in 2017 by HS2 chapter (Census), spread "
            "within each chapter by the 2024 HTS10 shares (Census): the nearest stand-in "
            "for PIIE's 2017 product weights, as no 2017 product-level file is in the data",
            _US_BLEND, US_BLEND_RULE,
        ),
        Weights(
            "census-hs2-2017-lists", "US", "HS10", 10, 2017,
            "reporter = 'US' AND partner = 'CN' AND flow = 'import' "
            f"AND product_level = 'HS2' AND {_year(2017)}",
            "US imports for consumption from China in 2017 by HS2 chapter (Census) with "
            "each Section 301 list at the trade value USTR announced for it (List 1 $34bn, "
            "List 2 $16bn, List 3 $200bn, List 4A $120bn), spread over the 2024 HTS10 "
            "codes by their 2024 values (iterative proportional fitting of the chapter x "
            "list table): the 2017 stand-in calibrated on the lists' announced values",
            _US_BLEND_LISTS, US_BLEND_LISTS_RULE,
        ),
        Weights(
            "census-hs2-2017", "US", "HS2", 2, 2017,
            "reporter = 'US' AND partner = 'CN' AND flow = 'import' "
            f"AND product_level = 'HS2' AND {_year(2017)}",
            "US imports for consumption from China in 2017 by HS2 chapter (Census): "
            "chapter-level weights (no product-level US import data for 2017-2020)",
        ),
    )
}  # fmt: skip
DEFAULT_WEIGHTS = {"CN": "piie-2017", "US": "census-hs10-2024"}


def resolve_weights(importer: str, name: str | None) -> Weights:
    """The weight table for ``importer``: ``name``, or the importer's default."""
    if name is None:
        if importer not in DEFAULT_WEIGHTS:
            raise InputError(f"no default weights for importer {importer}: give --weights")
        name = DEFAULT_WEIGHTS[importer]
    spec = WEIGHTS.get(name.strip().lower())
    if spec is None:
        known = ", ".join(f"{k} ({w.importer})" for k, w in WEIGHTS.items())
        raise InputError(f"unknown weights {name!r}: known weights are {known}")
    if spec.importer != importer:
        ours = [k for k, w in WEIGHTS.items() if w.importer == importer]
        raise InputError(
            f"weights {spec.name!r} weight the {spec.importer} schedule, not {importer}'s"
            + (f" (use {', '.join(ours)})" if ours else "")
        )
    return spec


def origin_group(importer: str, origin: str) -> str:
    """'US'/'CN' (the partner) or '*' ('other': every other origin)."""
    text = origin.strip().upper()
    if text in ("OTHER", "*", "OTHERS", "WORLD"):
        return "*"
    if text == PARTNER[importer]:
        return text
    raise InputError(f"origin {origin!r} for importer {importer}: use {PARTNER[importer]} or other")


# --- dates --------------------------------------------------------------------------


def check_range(
    con: duckdb.DuckDBPyConnection, importer: str, start: dt.date, end: dt.date
) -> None:
    """Both ends inside the importer's coverage, in order."""
    cov_from, cov_until, _basis = coverage(con, importer)
    last = cov_until - dt.timedelta(days=1)
    for what, day in (("--from", start), ("--to", end)):
        if not cov_from <= day <= last:
            raise CoverageError(
                f"{what} {day} is outside the {importer} schedule's coverage "
                f"({cov_from} to {last}): not covered"
            )
    if end < start:
        raise InputError(f"--to {end} is before --from {start}")


def change_dates(
    con: duckdb.DuckDBPyConnection, importer: str, group: str, start: dt.date, end: dt.date
) -> list[dt.date]:
    """``start`` and every later date up to ``end`` on which a leaf line's rate changes.

    With goods taken as exported on the entry date, the bounds of export-date windows
    (the List 3 transit rule) are changes too.
    """
    rows = con.execute(
        """SELECT DISTINCT d FROM (
               SELECT unnest([valid_from, export_from, export_until]) AS d FROM panel
               WHERE importer = ? AND origin_group = ? AND is_leaf)
           WHERE d > ? AND d <= ? ORDER BY d""",
        [importer, group, start, end],
    ).fetchall()
    return [start, *(r[0] for r in rows)]


def step_dates(
    con: duckdb.DuckDBPyConnection,
    importer: str,
    group: str,
    start: dt.date,
    end: dt.date,
    step: str,
) -> list[dt.date]:
    """The dates of a series: every change (event) and the end date, every day, or every
    month's 1st."""
    if step == "event":
        dates = change_dates(con, importer, group, start, end)
        return dates if dates[-1] >= end else [*dates, end]
    if step == "day":
        return [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
    if step == "month":
        out, day = [start], dt.date(start.year, start.month, 1)
        while True:
            day = dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)
            if day > end:
                return out
            out.append(day)
    raise InputError(f"unknown step {step!r}: use {', '.join(STEPS)}")


# --- the plan -----------------------------------------------------------------------

# Leaf lines in force on each evaluation date (``ed``), with the weight code they map to.
_LINES = """
    lines_at AS (
        SELECT d.ed, p.code, left(p.code, $digits) AS wcode, p.total_rate,
               p.mfn_rate, ADDITIONAL_SUM AS add_rate
        FROM days d JOIN panel p
          ON p.importer = $importer AND p.origin_group = $grp AND p.is_leaf
         AND p.valid_from <= d.ed AND p.valid_until > d.ed
         AND (p.export_from IS NULL OR p.export_from <= d.ed)
         AND (p.export_until IS NULL OR p.export_until > d.ed)
    ),
    -- every code prefix of each line, at the levels layers are given at
    prefixes AS (
        SELECT DISTINCT code, left(code, n) AS prefix, n
        FROM (SELECT DISTINCT code FROM lines_at), (SELECT unnest(PREFIX_LEVELS) AS n)
        WHERE length(code) >= n
    ),
    -- the layers that reach each line during its life: within an override group only
    -- the most specific code level (as model/panel.py)
    eligible AS (
        SELECT x.code AS leaf, y.measure_id, y.authority, y.override_group, y.rate,
               y.rate_kind, y.condition, y.valid_from, y.valid_until, y.export_from,
               y.export_until
        FROM prefixes x
        JOIN layers y ON y.importer = $importer AND y.code = x.prefix AND y.code_level = x.n
         AND (y.origin = '*' OR y.origin = $grp)
        WHERE EXISTS (
            SELECT 1 FROM lines lf WHERE lf.importer = $importer AND lf.code = x.code
              AND y.valid_from < coalesce(lf.valid_until, DATE '9999-12-31')
              AND (y.valid_until IS NULL OR y.valid_until > lf.valid_from))
        QUALIFY y.code_level = max(y.code_level) OVER (PARTITION BY x.code, y.override_group)
    ),
    -- the additional layers in force on each line and day
    active_m AS (
        SELECT l.ed, l.code, l.wcode, e.measure_id, e.authority, e.override_group, e.rate,
               e.rate_kind
        FROM lines_at l
        JOIN eligible e ON e.leaf = l.code AND e.authority <> 'MFN' AND e.condition IS NULL
         AND e.valid_from <= l.ed AND (e.valid_until IS NULL OR e.valid_until > l.ed)
         AND (e.export_from IS NULL OR e.export_from <= l.ed)
         AND (e.export_until IS NULL OR e.export_until > l.ed)
    ),
    -- each additional measure's rate on each line and day: content-value layers are not
    -- ad valorem, and a program is off while a program it yields to bears a full-value
    -- rate (stack_rules, as model/panel.py)
    measure_rates AS (
        SELECT a.ed, a.code, a.wcode, a.measure_id, sum(a.rate) AS rate
        FROM active_m a
        WHERE coalesce(a.rate_kind, 'ad_valorem') <> 'content_value'
          AND NOT EXISTS (
              SELECT 1 FROM stack_rules r JOIN active_m b ON b.ed = a.ed AND b.code = a.code
              WHERE r.kind = 'excluded_while' AND r.importer = $importer
                AND a.override_group = r.target_group AND r.valid_from <= a.ed
                AND (r.valid_until IS NULL OR r.valid_until > a.ed)
                AND (b.rate > 0 AND b.rate_kind = 'ad_valorem' OR b.rate_kind = 'unknown')
                AND (b.authority = r.by_authority OR b.override_group = r.by_group))
        GROUP BY ALL
    )
"""

_LINES = _LINES.replace("PREFIX_LEVELS", str(list(PREFIX_LEVELS))).replace(
    "ADDITIONAL_SUM", " + ".join(f"p.{p}_rate" for a, p in AUTHORITY_PREFIX.items() if a != "MFN")
)

_SERIES_WITH = f"""
WITH req AS (SELECT unnest($dates::DATE[]) AS day),
    changes AS (
        SELECT DISTINCT d FROM (
            SELECT unnest([valid_from, export_from, export_until]) AS d FROM panel
            WHERE importer = $importer AND origin_group = $grp AND is_leaf)
        WHERE d IS NOT NULL
    ),
    -- each requested day is evaluated on the last change on or before it
    keyed AS (
        SELECT r.day, greatest(coalesce(max(c.d), r.day), $cov_from) AS ed
        FROM req r LEFT JOIN changes c ON c.d <= r.day GROUP BY r.day
    ),
    days AS (SELECT DISTINCT ed FROM keyed),
    {_LINES},
    wsrc AS (__SOURCE__),
    w AS (SELECT ed, wcode, sum(value) AS value FROM wsrc GROUP BY ALL),
    per_w AS (
        SELECT ed, wcode, count(*) AS n_lines, count(total_rate) AS n_known,
               avg(total_rate) AS rate,
               avg(mfn_rate) FILTER (total_rate IS NOT NULL) AS mfn,
               avg(add_rate) FILTER (total_rate IS NOT NULL) AS additional,
               bool_or(add_rate > 0) AS covered
        FROM lines_at GROUP BY ALL
    ),
    grid AS (
        SELECT w.ed, w.wcode, w.value, p.n_lines, p.n_known, p.rate, p.mfn, p.additional,
               coalesce(p.covered, FALSE) AS covered
        FROM w LEFT JOIN per_w p ON p.ed = w.ed AND p.wcode = w.wcode
    )"""

_SERIES_SQL = (
    _SERIES_WITH
    + f""",
    per_m AS (
        -- per weight code: the measure's average over the lines with a known total
        SELECT m.ed, m.wcode, m.measure_id,
               sum(m.rate) FILTER (l.total_rate IS NOT NULL) / any_value(p.n_known)
                   AS rate,
               bool_or(m.rate > 0) AS covered
        FROM measure_rates m
        JOIN lines_at l ON l.ed = m.ed AND l.code = m.code
        JOIN per_w p ON p.ed = m.ed AND p.wcode = m.wcode
        GROUP BY ALL
    ),
    by_m AS (
        SELECT m.ed, m.measure_id,
               sum(w.value * coalesce(m.rate, 0)) AS value_rate,
               sum(w.value) FILTER (m.covered) AS covered_value
        FROM per_m m JOIN w USING (ed, wcode) GROUP BY ALL
    ),
    totals AS (
        SELECT ed,
               sum(value) AS weight_value,
               sum(value) FILTER (rate IS NOT NULL) AS matched_value,
               sum(value * rate) FILTER (rate IS NOT NULL) AS value_rate,
               sum(value * mfn) FILTER (rate IS NOT NULL) AS value_mfn,
               sum(value * additional) FILTER (rate IS NOT NULL) AS value_additional,
               sum(value) FILTER (covered) AS covered_value,
               count(*) FILTER (covered) AS covered_codes,
               count(*) FILTER (rate IS NOT NULL) AS matched_codes,
               sum(value) FILTER (n_lines IS NULL) AS no_line_value,
               count(*) FILTER (n_lines IS NULL) AS no_line_codes,
               list({{'code': wcode, 'value_usd': value}} ORDER BY value DESC)
                   FILTER (n_lines IS NULL AND value > 0)[1:{TOP_UNMATCHED}] AS no_line_top,
               sum(value) FILTER (n_lines IS NOT NULL AND rate IS NULL) AS unrated_value,
               count(*) FILTER (n_lines IS NOT NULL AND rate IS NULL) AS unrated_codes
        FROM grid GROUP BY ed
    ),
    lines_stats AS (
        SELECT l.ed, count(*) AS lines, count(l.total_rate) AS lines_known,
               avg(l.total_rate) AS avg_simple,
               count(*) FILTER (w.wcode IS NULL) AS lines_without_weight
        FROM lines_at l LEFT JOIN w ON w.ed = l.ed AND w.wcode = l.wcode GROUP BY l.ed
    ),
    -- mapped weights: value by mapping method, and how much of it has a rate
    drift AS (
        SELECT s.ed, s.method, sum(s.value) AS value,
               coalesce(sum(s.value) FILTER (g.rate IS NOT NULL), 0) AS matched,
               count(DISTINCT s.from_code) AS codes
        FROM wsrc s JOIN grid g ON g.ed = s.ed AND g.wcode = s.wcode
        WHERE s.method IS NOT NULL GROUP BY ALL
    ),
    drift_at AS (
        SELECT ed, list({{'method': method, 'value_usd': value, 'matched_value_usd': matched,
                          'codes_2024': codes}} ORDER BY value DESC) AS drift
        FROM drift GROUP BY ed
    ),
    -- the 2024 codes with most value carried back through a changed code
    drift_codes AS (
        SELECT ed, from_code, sum(value) AS value, count(*) AS n,
               list(DISTINCT method ORDER BY method) AS methods,
               list(wcode ORDER BY wcode)[1:{TOP_PREDECESSORS}] AS predecessors
        FROM wsrc
        WHERE method IS NOT NULL AND method <> 'identity'
          AND method NOT IN {UNMATCHED_METHODS}
        GROUP BY ALL
    ),
    drift_top AS (
        SELECT ed, list({{'code': from_code, 'value_usd': value, 'methods': methods,
                          'n_predecessors': n, 'predecessors': predecessors}}
                        ORDER BY value DESC, from_code)[1:{TOP_UNMATCHED}] AS top
        FROM drift_codes GROUP BY ed
    ),
    measures_at AS (
        SELECT b.ed, list({{'measure_id': b.measure_id, 'name': ms.name,
                            'heading': ms.heading,
                            'contribution': 100 * b.value_rate / t.matched_value,
                            'covered_value': coalesce(b.covered_value, 0)}}
                          ORDER BY b.measure_id) AS by_measure,
               100 * sum(b.value_rate) / any_value(t.matched_value) AS sum_contributions
        FROM by_m b JOIN totals t USING (ed)
        LEFT JOIN measures ms ON ms.importer = $importer AND ms.measure_id = b.measure_id
        GROUP BY b.ed
    )
SELECT k.day AS date, k.ed AS effective_from,
       100 * t.value_rate / t.matched_value AS avg_trade_weighted,
       100 * t.value_mfn / t.matched_value AS avg_mfn,
       100 * t.value_additional / t.matched_value AS avg_additional,
       100 * s.avg_simple AS avg_simple,
       coalesce(t.covered_value, 0) / t.weight_value AS covered_share,
       coalesce(t.covered_value, 0) AS covered_value,
       t.covered_codes, t.weight_value, t.matched_value, t.matched_codes,
       coalesce(t.no_line_value, 0) AS no_line_value, t.no_line_codes, t.no_line_top,
       coalesce(t.unrated_value, 0) AS unrated_value, t.unrated_codes,
       s.lines, s.lines_known, s.lines_without_weight,
       coalesce(m.by_measure, []) AS by_measure,
       coalesce(m.sum_contributions, 0) AS sum_contributions, dr.drift,
       dt.top AS drift_top
FROM keyed k JOIN totals t ON t.ed = k.ed
LEFT JOIN lines_stats s ON s.ed = k.ed
LEFT JOIN measures_at m ON m.ed = k.ed
LEFT JOIN drift_at dr ON dr.ed = k.ed
LEFT JOIN drift_top dt ON dt.ed = k.ed
ORDER BY k.day
"""
)


_CODES_SQL = (
    _SERIES_WITH
    + """
,
    mapped AS (
        SELECT ed, wcode, list(DISTINCT method ORDER BY method) AS methods,
               list({'code': from_code, 'method': method, 'value_usd': value}
                    ORDER BY value DESC, from_code) AS sources
        FROM wsrc GROUP BY ALL
    )
SELECT k.day AS date, g.wcode AS code, g.value AS value_usd, g.n_lines AS lines,
       g.n_known AS lines_with_rate, 100 * g.rate AS rate, 100 * g.mfn AS mfn,
       100 * g.additional AS additional, g.covered, m.methods, m.sources
FROM keyed k JOIN grid g ON g.ed = k.ed
LEFT JOIN mapped m ON m.ed = g.ed AND m.wcode = g.wcode
ORDER BY k.day, g.wcode
"""
)


def _source(spec: Weights) -> str:
    """The SQL of the plan's ``wsrc``: (ed, wcode, value, method, from_code) per date."""
    if spec.source is not None:
        return spec.source.replace("__WHERE__", spec.where)
    return (
        "SELECT d.ed, code AS wcode, value_usd AS value, NULL::VARCHAR AS method, "
        f"code AS from_code FROM days d, flows WHERE {spec.where}"
    )


def _plan(sql: str, spec: Weights) -> str:
    return sql.replace("__SOURCE__", _source(spec))


def weight_info(con: duckdb.DuckDBPyConnection, spec: Weights) -> dict[str, Any]:
    """What a weight table is: name, statistic, source files, year, level, total."""
    row = con.execute(
        f"""SELECT count(*), sum(value_usd), list(DISTINCT statistic), list(DISTINCT source)
            FROM flows WHERE {spec.where}"""
    ).fetchone()
    if not row[0]:
        raise InputError(
            f"weights {spec.name!r}: no rows in the store's flows table ({spec.description}); "
            "rebuild the store with 'tradewar data build'"
        )
    return {
        "name": spec.name,
        "year": spec.year,
        "level": spec.level,
        "description": spec.description,
        "statistic": "; ".join(sorted(row[2])),
        "source": "; ".join(sorted(row[3])),
        "rows": row[0],
        "total_value_usd": row[1],
        "aggregation": (
            f"leaf tariff lines map to the {spec.level} weight code by their first "
            f"{spec.digits} digits; a weight code's rate is the simple average of its lines"
        ),
        "mapping": spec.rule,
    }


def _plan_params(
    con: duckdb.DuckDBPyConnection,
    importer: str,
    group: str,
    dates: list[dt.date],
    spec: Weights,
) -> dict[str, Any]:
    """The named parameters the series and weight-code plans share."""
    cov_from, _until, _basis = coverage(con, importer)
    return {
        "dates": dates,
        "importer": importer,
        "grp": group,
        "digits": spec.digits,
        "cov_from": cov_from,
    }


def trade_weighted(
    con: duckdb.DuckDBPyConnection,
    importer: str,
    group: str,
    dates: list[dt.date],
    spec: Weights,
) -> list[dict[str, Any]]:
    """One point per date (see the module docstring); percent for averages."""
    info = weight_info(con, spec)
    params = _plan_params(con, importer, group, dates, spec)
    rows = _rows(con, _plan(_SERIES_SQL, spec), params)
    out = []
    for r in rows:
        warnings = []
        drift = None
        if spec.source is not None:
            drift = _drift(r["drift"] or [], r["drift_top"] or [], spec)
            gap = drift["total_value_usd"] - info["total_value_usd"]
            if abs(gap) > DRIFT_TOLERANCE_USD:
                warnings.append(f"the mapped weights add up to {gap:+,.0f} USD off the flows")
        residual = r["sum_contributions"] - (r["avg_additional"] or 0.0)
        if abs(residual) > DECOMPOSITION_TOLERANCE_PP:
            warnings.append(
                f"the measures' contributions differ from the panel's additional rate by "
                f"{residual:.6f} points"
            )
        if not spec.product_level:
            warnings.append(
                f"{spec.level} weights: each chapter's rate is the simple average of its "
                "lines; coverage at chapter level counts a whole chapter as covered when "
                "any line is"
            )
        out.append(
            {
                "date": r["date"].isoformat(),
                "importer": importer,
                "origin": "other" if group == "*" else group,
                "effective_from": r["effective_from"].isoformat(),
                "avg_trade_weighted": _r(r["avg_trade_weighted"]),
                "avg_mfn": _r(r["avg_mfn"]),
                "avg_additional": _r(r["avg_additional"]),
                "avg_simple": _r(r["avg_simple"]),
                "covered_share": _r(r["covered_share"], 8),
                "covered_value": r["covered_value"],
                "covered_codes": r["covered_codes"],
                "weights": info,
                "by_measure": [
                    {**m, "contribution": _r(m["contribution"])} for m in r["by_measure"]
                ],
                "matched": {"value_usd": r["matched_value"], "codes": r["matched_codes"]},
                "unmatched": {
                    "value_usd": r["no_line_value"] + r["unrated_value"],
                    "no_line": {
                        "value_usd": r["no_line_value"],
                        "codes": r["no_line_codes"],
                        "top": r["no_line_top"] or [],
                    },
                    "no_rate": {"value_usd": r["unrated_value"], "codes": r["unrated_codes"]},
                    "lines_without_weight": r["lines_without_weight"],
                },
                "lines": {"total": r["lines"], "with_rate": r["lines_known"]},
                "drift": drift,
                "warnings": warnings,
            }
        )
    return out


def weight_codes(
    con: duckdb.DuckDBPyConnection,
    importer: str,
    group: str,
    dates: list[dt.date],
    spec: Weights,
) -> list[dict[str, Any]]:
    """Per date and weight code: value, lines, rate (percent, simple average of the
    lines; NULL when no line or no rate) and whether any line bears a non-MFN measure."""
    params = _plan_params(con, importer, group, dates, spec)
    rows = _rows(con, _plan(_CODES_SQL, spec), params)
    if spec.source is None:  # direct weights: the code is the flows' code
        return [
            {**{k: v for k, v in r.items() if k not in ("methods", "sources")},
             "date": r["date"].isoformat()}
            for r in rows
        ]  # fmt: skip
    return [{**r, "date": r["date"].isoformat()} for r in rows]


def _drift(rows: list[dict[str, Any]], top: list[dict[str, Any]], spec: Weights) -> dict[str, Any]:
    """Mapped weights on one date: value by mapping method (identity, changed, unmatched).

    ``rows``: per method, the 2024 value it carries, the part on lines with a rate, and
    the 2024 codes contributing; ``top``: the 2024 codes with most value carried through
    changed codes. Identity + changed = the point's matched value; + unmatched = the
    weight table's total.
    """
    by = {r["method"]: r for r in rows}
    mapped = [r for m, r in by.items() if m not in UNMATCHED_METHODS]
    changed = [r for r in mapped if r["method"] != "identity"]
    identity = by.get("identity", {"matched_value_usd": 0.0, "codes_2024": 0})
    unmatched = {
        m: {"value_usd": by[m]["value_usd"] if m in by else 0.0,
            "codes_2024": by[m]["codes_2024"] if m in by else 0}
        for m in UNMATCHED_METHODS
    }  # fmt: skip
    unmatched["no_rate"] = {
        "value_usd": sum(r["value_usd"] - r["matched_value_usd"] for r in mapped),
        "codes_2024": None,
    }
    total = sum(r["value_usd"] for r in rows)
    identity_value = identity["matched_value_usd"]
    changed_value = sum(r["matched_value_usd"] for r in changed)
    unmatched_value = sum(u["value_usd"] for u in unmatched.values())
    return {
        "rule": spec.rule,
        "total_value_usd": total,
        "identity": {
            "value_usd": identity_value,
            "share": identity_value / total if total else None,
            "codes_2024": identity["codes_2024"],
        },
        "changed": {
            "value_usd": changed_value,
            "share": changed_value / total if total else None,
            "by_method": [
                {
                    "method": r["method"],
                    "value_usd": r["matched_value_usd"],
                    "codes_2024": r["codes_2024"],
                }
                for r in sorted(changed, key=lambda r: -r["matched_value_usd"])
            ],
            "top": top,
        },
        "unmatched": {
            "value_usd": unmatched_value,
            "share": unmatched_value / total if total else None,
            **unmatched,
        },
    }


def _r(value: float | None, digits: int = 6) -> float | None:
    return None if value is None else round(value, digits)


def _number(value: Any) -> float | None:
    """A float, or None for NULL and NaN (pandas-written missing values)."""
    if value is None or value != value:
        return None
    return float(value)


# --- coverage of each measure ---------------------------------------------------------

WHY_NOT_ANNOUNCED = {
    "census-hs10-2024": [
        "USTR's $34B/$16B/$200B/~$120B (~$160B for 4B) are the import values of the listed "
        "products in the year before each list (2017-2018 trade); these are 2024 values of "
        "the same 2018-2020 lines: US imports from China fell from $505bn (2017) to $429bn "
        "(2024), most on the tariffed lists (trade diversion to other origins), and prices "
        "and product mix moved for six years.",
        "Renumbering: 2024 codes are carried back to the 2018-2020 lines through "
        "us_code_map; where a 2024 code has several predecessors its value is split evenly, "
        "so a split or merge across lists moves value between lists: smartphones "
        "(8517.13, $40.7bn, new in 2022) are linked at heading level to 8517.12.00.80 "
        "(List 4B) and 8517.70.00.00 (parts, List 4A), which puts $20.3bn on List 4A; "
        "2024 codes with no 2018-2020 predecessor are left out.",
        "List 4B (9903.88.16) never applied: it was suspended before 2019-12-15, so it "
        "covers nothing here.",
        "api_check.list_coverage assigns each 2024 line the list it is on in 2024 (one list "
        "per line); here a 2018-2020 line counts when the measure is in force on it at its "
        "first date, with the 2024 value carried back to it.",
    ],
}

_COVERAGE_SQL = f"""
WITH steps AS (
        SELECT DISTINCT measure_id, valid_from AS ed FROM layers
        WHERE importer = $importer AND authority <> 'MFN' AND origin = $grp
    ),
    days AS (SELECT DISTINCT ed FROM steps),
    {_LINES},
    wsrc AS (__SOURCE__),
    started AS (
        -- lines whose layer of the measure starts on the step date (a new rate)
        SELECT DISTINCT e.measure_id, e.valid_from AS ed, l.code, l.wcode
        FROM lines_at l
        JOIN eligible e ON e.leaf = l.code AND e.authority <> 'MFN' AND e.valid_from = l.ed
         AND e.condition IS NULL
    ),
    in_force AS (
        SELECT s.measure_id, s.ed, m.wcode, count(DISTINCT m.code) AS lines
        FROM steps s JOIN measure_rates m ON m.ed = s.ed AND m.measure_id = s.measure_id
         AND m.rate > 0
        GROUP BY ALL
    ),
    w AS (
        SELECT ed, wcode, sum(value) AS value,
               sum(value) FILTER (method = 'identity') AS value_identity
        FROM wsrc GROUP BY ALL
    ),
    f AS (
        SELECT i.measure_id, i.ed, sum(i.lines) AS lines, count(*) AS codes,
               count(w.wcode) AS codes_with_weight, coalesce(sum(w.value), 0) AS value,
               coalesce(sum(w.value_identity), 0) AS value_identity
        FROM in_force i LEFT JOIN w ON w.ed = i.ed AND w.wcode = i.wcode GROUP BY ALL
    ),
    changed AS (
        SELECT measure_id, ed, wcode, count(DISTINCT code) AS lines FROM started GROUP BY ALL
    ),
    c AS (
        SELECT i.measure_id, i.ed, sum(i.lines) AS lines, coalesce(sum(w.value), 0) AS value
        FROM changed i LEFT JOIN w ON w.ed = i.ed AND w.wcode = i.wcode GROUP BY ALL
    )
SELECT s.measure_id, s.ed,
       coalesce(f.lines, 0) AS lines_in_force, coalesce(f.value, 0) AS value_in_force,
       coalesce(f.codes, 0) AS codes_in_force,
       coalesce(f.codes_with_weight, 0) AS codes_with_weight,
       coalesce(c.lines, 0) AS lines_changed, coalesce(c.value, 0) AS value_changed,
       coalesce(f.value_identity, 0) AS value_identity
FROM steps s
LEFT JOIN f USING (measure_id, ed)
LEFT JOIN c USING (measure_id, ed)
ORDER BY s.measure_id, s.ed
"""


def measure_coverage(
    con: duckdb.DuckDBPyConnection, importer: str, spec: Weights
) -> dict[str, Any]:
    """Weight-year value covered by each additional measure, at each of its steps.

    A weight code is covered by a measure on a date when at least one of its lines
    bears the measure at a rate above 0 (suspended lines do not count).
    """
    if not spec.product_level:
        ours = [k for k, w in WEIGHTS.items() if w.importer == importer and w.product_level]
        missing = f" (use {', '.join(ours)})" if ours else ""
        raise InputError(
            f"coverage needs product-level weights (HS6 or finer); {spec.name!r} is "
            f"{spec.level}, which would count whole chapters as covered{missing}"
        )
    info = weight_info(con, spec)
    cov_from, _until, _basis = coverage(con, importer)
    params = {"importer": importer, "grp": PARTNER[importer], "digits": spec.digits}
    rows = _rows(con, _plan(_COVERAGE_SQL, spec), params)
    measures = _rows(
        con,
        """SELECT measure_id, name, heading, announced_value_usd_bn FROM measures
           WHERE importer = $importer AND authority <> 'MFN' ORDER BY measure_id""",
        {"importer": importer},
    )
    precision = dict(
        con.execute(
            """SELECT measure_id, string_agg(DISTINCT precision, ', ' ORDER BY precision)
               FROM layers WHERE importer = ? GROUP BY 1""",
            [importer],
        ).fetchall()
    )
    out = []
    for m in measures:
        steps = [r for r in rows if r["measure_id"] == m["measure_id"]]
        first = next((s for s in steps if s["lines_in_force"] > 0), None)
        announced = _number(m["announced_value_usd_bn"])
        covered = first["value_in_force"] if first else 0.0
        out.append(
            {
                "measure_id": m["measure_id"],
                "name": m["name"],
                "heading": m["heading"],
                "announced_value_usd_bn": announced,
                "first_date": first["ed"].isoformat() if first else None,
                "lines": first["lines_in_force"] if first else 0,
                "weight_codes": first["codes_in_force"] if first else 0,
                "weight_codes_with_trade": first["codes_with_weight"] if first else 0,
                "covered_value_usd": covered,
                "covered_share": covered / info["total_value_usd"],
                "covered_vs_announced": covered / (announced * 1e9) if announced else None,
                "covered_by_mapping": (
                    {
                        "identity_usd": first["value_identity"] if first else 0.0,
                        "changed_usd": covered - (first["value_identity"] if first else 0.0),
                    }
                    if spec.source is not None
                    else None
                ),
                "precision": precision.get(m["measure_id"]),
                "steps": [
                    {
                        "date": s["ed"].isoformat(),
                        "lines_in_force": s["lines_in_force"],
                        "value_in_force_usd": s["value_in_force"],
                        "lines_changed": s["lines_changed"],
                        "value_changed_usd": s["value_changed"],
                    }
                    for s in steps
                    if s["ed"] >= cov_from
                ],
            }
        )
    return {
        "importer": importer,
        "origin": PARTNER[importer],
        "weights": info,
        "measures": out,
        "why_not_announced": WHY_NOT_ANNOUNCED.get(spec.name),
    }


# --- collected duty -------------------------------------------------------------------


def collected_duty(
    con: duckdb.DuckDBPyConnection, start: dt.date | None = None, end: dt.date | None = None
) -> list[dict[str, Any]]:
    """Monthly duty collected on US imports from China: calculated duty / customs value.

    From the Census HS2 monthly file (all chapters summed); percent. This is the
    collected rate, below the statutory rate where exclusions, duty drawback, special
    programmes and specific duties apply.
    """
    return _rows(
        con,
        """SELECT period_start AS month, sum(value_usd) AS value_usd,
                  sum(duty_usd) AS duty_usd, 100 * sum(duty_usd) / sum(value_usd) AS rate,
                  any_value(statistic) AS statistic, any_value(source) AS source
           FROM flows
           WHERE reporter = 'US' AND partner = 'CN' AND flow = 'import'
             AND product_level = 'HS2' AND granularity = 'month'
             AND ($start IS NULL OR period_end > $start)
             AND ($end IS NULL OR period_start <= $end)
           GROUP BY period_start ORDER BY period_start""",
        {"start": start, "end": end},
    )
