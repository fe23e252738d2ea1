"""Purchase commitments as cited records, and their attainment from the trade flows.

A commitment file (``data/commitments/*.yaml``) gives an agreement's categories, the
increments over the baseline year per calendar year, and where its product list comes
from; or, for a pledge with no schedule, says so. Attainment is computed in DuckDB:

1. **Product mapping.** The Annex 6.1 list (raw CSV, read in place) maps each trade code
   to the most specific annex line it falls under (a line is a prefix of the code; lines
   longer than the code's level match at that level, an approximation). Every annex
   line is either mapped to a category of the agreement or reported, and annex lines
   that match no trade code are listed.
2. **Purchases.** Basis ``us-exports``: Census US exports to China from the store's
   ``flows`` (HS6 by month; December 2020 only at HS4, used where the month has no HS6
   row under that heading, matched to the annex line whose description it carries).
   Basis ``china-imports`` is not in the data: it is refused, never substituted.
3. **Targets.** The annual target of a category is the baseline-year value plus the
   year's increment. Monthly targets pro-rate it, ``seasonal-2017`` (default) by the
   category's 2017 monthly pattern (the share of 2017 purchases made by the end of each
   month), or ``straight-line`` (m/12). Cumulative from January of the first year.
4. **Attainment** = cumulative purchases / cumulative pro-rated target, in percent.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Literal

import duckdb
from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..charts import save_figure
from ..config import authored_dir, raw_dir
from ..data.sources.flows import HS6_EXPORTS
from ..errors import CoverageError, InputError, SourceError
from ..model.measures import Reference
from . import PolicyFileError, load_model

PRORATE = {
    "seasonal-2017": (
        "each month's cumulative target is the annual target times the share of the "
        "category's baseline-year (2017) purchases made by the end of that month"
    ),
    "straight-line": "each month's cumulative target is the annual target times m/12",
}
DEFAULT_PRORATE = "seasonal-2017"
BN = 1e9
GOODS_TOTAL = "Goods (manufactured, agriculture, energy)"
GOALS_FILES = {
    "goals.parquet": "tradewartracker__us-china-overview/data/goals.parquet",
    "phaseone-goals-C-november.parquet": (
        "tradewartracker__us-china-overview/data/phaseone-goals-C-november.parquet"
    ),
    "phaseone-goals.csv": "mwaugh0328__tradewar-tracker/data/phaseone-goals.csv",
}
# Tolerances of the comparison with the tracker's files (tests/test_commitments.py).
BASELINE_TOLERANCE_USD = 0.01 * BN  # same source, same mapping: agree to $10m
ACTUAL_TOLERANCE_SHARE = 0.01  # later Census vintage, December detail: within 1%


class Category(BaseModel):
    """A category of an agreement and its increments over the baseline year."""

    model_config = ConfigDict(extra="forbid")
    id: str
    name: str
    annex_categories: list[str] = []
    goods: bool = True
    increments_usd_bn: dict[int, float]
    citation: str
    note: str | None = None

    @model_validator(mode="after")
    def _check(self) -> Category:
        if self.goods and not self.annex_categories:
            raise ValueError(f"goods category {self.id} needs annex_categories")
        return self


class Supplement(BaseModel):
    """A trade code that measures an annex line the statistics do not report under the
    annex's own code (e.g. Census reports civil aircraft under Schedule B 8800.00)."""

    model_config = ConfigDict(extra="forbid")
    code: str = Field(pattern=r"^[0-9]{4,10}$")
    category: str
    annex_line: str
    reason: str


class ProductMapping(BaseModel):
    """Where the agreement's product list comes from (a raw file read in place)."""

    model_config = ConfigDict(extra="forbid")
    source: str
    code_column: str
    category_column: str
    subcategory_column: str | None = None
    description_column: str | None = None
    supplements: list[Supplement] = []
    note: str | None = None


class Basis(BaseModel):
    """A statistic that can measure purchases, and whether the data holds it."""

    model_config = ConfigDict(extra="forbid")
    available: bool
    description: str | None = None
    first_month: str | None = None
    last_month: str | None = None
    reason: str | None = None


class Commitment(BaseModel):
    """An agreement with a schedule, or a pledge without one."""

    model_config = ConfigDict(extra="forbid")
    id: str
    kind: Literal["agreement", "pledge"]
    name: str
    signed: dt.date | None = None
    in_force: dt.date | None = None
    reported: str | None = None
    citation: str
    references: list[Reference] = []
    baseline_year: int | None = None
    years: list[int] = []
    total_increment_usd_bn: float | None = None
    amount_usd_bn: float | None = None
    verifiable: bool = True
    schedule: None = None
    note: str | None = None
    categories: list[Category] = []
    product_mapping: ProductMapping | None = None
    bases: dict[str, Basis] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _check(self) -> Commitment:
        if self.kind == "agreement":
            if not self.categories or self.baseline_year is None or not self.years:
                raise ValueError("an agreement needs categories, baseline_year and years")
            for c in self.categories:
                missing = set(self.years) - set(c.increments_usd_bn)
                if missing:
                    raise ValueError(f"category {c.id} has no increment for {sorted(missing)}")
            ids = {c.id for c in self.categories if c.goods}
            for extra in self.product_mapping.supplements if self.product_mapping else []:
                if extra.category not in ids:
                    raise ValueError(f"supplement {extra.code}: unknown category {extra.category}")
            if self.total_increment_usd_bn is not None:
                total = sum(sum(c.increments_usd_bn.values()) for c in self.categories)
                if abs(total - self.total_increment_usd_bn) > 0.05:
                    raise ValueError(
                        f"increments add up to {total:.1f}bn, not the stated "
                        f"{self.total_increment_usd_bn}bn"
                    )
        elif self.verifiable:
            raise ValueError("a pledge without a schedule cannot be verifiable")
        return self


# --- loading --------------------------------------------------------------------------


def commitments_dir() -> Path:
    return authored_dir() / "commitments"


def load_commitment(path: Path) -> Commitment:
    """One commitment file, validated (errors name the file and line)."""
    return load_model(Commitment, path, "commitment file")


def catalog(directory: Path | None = None) -> dict[str, tuple[Path, Commitment]]:
    """Every commitment file by its id."""
    folder = directory or commitments_dir()
    out: dict[str, tuple[Path, Commitment]] = {}
    for path in sorted(folder.glob("*.yaml")):
        record = load_commitment(path)
        if record.id in out:
            other = out[record.id][0]
            raise PolicyFileError(f"{path}: commitment id {record.id!r} also in {other}")
        out[record.id] = (path, record)
    return out


def get(agreement: str, directory: Path | None = None) -> tuple[Path, Commitment]:
    """The commitment named ``agreement`` (its id), or an ``InputError`` listing them."""
    known = catalog(directory)
    key = agreement.strip().lower()
    if key not in known:
        raise InputError(f"unknown agreement {agreement!r}: known are {', '.join(sorted(known))}")
    return known[key]


def _month(text: str, what: str) -> dt.date:
    try:
        return dt.datetime.strptime(text.strip(), "%Y-%m").date()
    except ValueError:
        raise InputError(f"{what} {text!r} is not a month (YYYY-MM)") from None


# --- the annex mapping ------------------------------------------------------------------


def _annex_table(
    con: duckdb.DuckDBPyConnection, record: Commitment, raw: Path, supplements: bool = True
) -> str:
    """Create ``_annex`` (one row per annex line, with its category id, plus the
    commitment file's supplementary codes unless ``supplements`` is off) and return the
    raw file's relative path."""
    mapping = record.product_mapping
    if mapping is None:
        raise InputError(f"{record.id}: no product mapping")
    path = raw / mapping.source
    if not path.is_file():
        raise SourceError(f"{mapping.source}: annex product list not found in {raw}")
    cats = [(a, c.id) for c in record.categories for a in c.annex_categories]
    values = ", ".join(f"('{a.replace(chr(39), chr(39) * 2)}', '{c}')" for a, c in cats)
    sub = mapping.subcategory_column or "NULL"
    desc = mapping.description_column or "NULL"
    try:
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE _annex_raw AS
            SELECT row_number() OVER () + 1 AS source_row, *
            FROM read_csv('{str(path).replace("'", "''")}', all_varchar = true,
                          header = true);
            CREATE OR REPLACE TEMP TABLE _annex AS
            WITH a AS (
                SELECT source_row, trim("{mapping.code_column}") AS code,
                       trim("{mapping.category_column}") AS annex_category,
                       trim({f'"{sub}"' if mapping.subcategory_column else sub})
                           AS subcategory,
                       {f'"{desc}"' if mapping.description_column else desc} AS description
                FROM _annex_raw
            ), cats(annex_category, category) AS (VALUES {values})
            SELECT a.*, c.category,
                   CASE WHEN a.code IS NULL OR NOT regexp_full_match(a.code, '[0-9]{{4,10}}')
                            THEN 'code is not 4 to 10 digits'
                        WHEN c.category IS NULL
                            THEN 'category ' || coalesce(a.annex_category, 'NULL')
                                 || ' is not a category of the agreement file'
                        WHEN count(*) OVER (PARTITION BY a.code) > 1
                            THEN 'code listed more than once'
                   END AS problem
            FROM a LEFT JOIN cats c USING (annex_category);
            ALTER TABLE _annex ADD COLUMN supplement BOOLEAN DEFAULT FALSE;
        """)
    except duckdb.Error as exc:
        raise SourceError(f"{mapping.source}: cannot read the annex list ({exc})") from None
    extras = mapping.supplements if supplements else []
    for extra in extras:
        con.execute(
            """INSERT INTO _annex (source_row, code, annex_category, subcategory, description,
                                   category, problem, supplement)
               VALUES (NULL, ?, NULL, ?, ?, ?, NULL, TRUE)""",
            [
                extra.code,
                f"supplement for annex line {extra.annex_line}",
                " ".join(extra.reason.split()),
                extra.category,
            ],
        )
    return mapping.source


_TRADE_SQL = """
CREATE OR REPLACE TEMP TABLE _trade AS
WITH t AS (
    SELECT code, product_level, period_start AS month, value_usd, description, source_row
    FROM flows
    WHERE source = $source AND reporter = 'US' AND partner = 'CN' AND flow = 'export'
      AND granularity = 'month' AND product_level IN ('HS6', 'HS4')
),
-- an HS4 row is used only in a month with no HS6 row under its heading (December 2020:
-- the energy lines are given at HS6 and again at HS4)
used AS (
    SELECT t.*, product_level = 'HS6' OR NOT EXISTS (
               SELECT 1 FROM t h WHERE h.product_level = 'HS6' AND h.month = t.month
                 AND left(h.code, 4) = t.code) AS used
    FROM t
),
codes AS (SELECT DISTINCT code, product_level, description FROM used),
cand AS (
    SELECT u.code, u.product_level, u.description, a.code AS annex_code, a.category,
           CASE WHEN u.product_level = 'HS4' AND a.description = u.description THEN 0
                ELSE 1 END AS pref, -length(a.code) AS len
    FROM codes u JOIN (SELECT unnest([4, 5, 6]) AS n) lv ON length(u.code) >= lv.n
    JOIN _annex a ON a.problem IS NULL AND a.code = left(u.code, lv.n)
    UNION ALL
    SELECT u.code, u.product_level, u.description, a.code, a.category,
           CASE WHEN u.product_level = 'HS4' AND a.description = u.description THEN 0
                ELSE 2 END, length(a.code)
    FROM codes u JOIN _annex a ON a.problem IS NULL AND u.product_level = 'HS6'
     AND length(a.code) > 6 AND left(a.code, 6) = u.code
    UNION ALL
    SELECT u.code, u.product_level, u.description, a.code, a.category,
           CASE WHEN a.description = u.description THEN 0 ELSE 2 END, length(a.code)
    FROM codes u JOIN _annex a ON a.problem IS NULL AND u.product_level = 'HS4'
     AND length(a.code) > 4 AND left(a.code, 4) = u.code
),
best AS (
    SELECT *, CASE WHEN pref = 2 THEN 'approximation' ELSE 'exact' END AS precision
    FROM cand
    QUALIFY row_number() OVER (PARTITION BY code, product_level, description
                               ORDER BY pref, len, annex_code) = 1
)
SELECT u.*, c.annex_code, c.category, c.precision,
       CASE WHEN c.pref = 0 THEN 'annex description' END AS matched_on
FROM used u LEFT JOIN best c ON c.code = u.code AND c.product_level = u.product_level
 AND c.description IS NOT DISTINCT FROM u.description
"""


def _prepare(
    con: duckdb.DuckDBPyConnection,
    record: Commitment,
    raw: Path | None,
    supplements: bool = True,
) -> dict[str, Any]:
    source = _annex_table(con, record, raw or raw_dir(), supplements)
    con.execute(_TRADE_SQL, {"source": HS6_EXPORTS})
    return {"annex_source": source}


def mapping_report(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Every annex line mapped or reported, and how trade codes met annex lines."""
    counts = con.execute(
        """SELECT count(*), count(*) FILTER (problem IS NULL),
                  count(DISTINCT category) FILTER (problem IS NULL)
           FROM _annex WHERE NOT supplement"""
    ).fetchone()
    unmapped = _dicts(
        con,
        """SELECT source_row, code, annex_category, problem AS reason FROM _annex
           WHERE problem IS NOT NULL ORDER BY source_row""",
    )
    no_trade = _dicts(
        con,
        """SELECT a.source_row, a.code, a.category, a.subcategory FROM _annex a
           WHERE a.problem IS NULL AND NOT a.supplement AND NOT EXISTS (
               SELECT 1 FROM _trade t WHERE t.annex_code = a.code)
           ORDER BY a.code""",
    )
    approx = _dicts(
        con,
        """SELECT annex_code, list(DISTINCT code ORDER BY code) AS trade_codes,
                  any_value(category) AS category, sum(value_usd) AS value_usd_2013_2020
           FROM _trade WHERE precision = 'approximation' AND used GROUP BY annex_code
           ORDER BY annex_code""",
    )
    levels = _dicts(
        con,
        """SELECT product_level, min(month) AS first_month, max(month) AS last_month,
                  count(*) AS rows, count(*) FILTER (used) AS rows_used,
                  sum(value_usd) FILTER (NOT used) AS value_not_used,
                  count(*) FILTER (matched_on = 'annex description') AS matched_on_description
           FROM _trade GROUP BY product_level ORDER BY product_level""",
    )
    for row in levels:
        for key in ("first_month", "last_month"):
            row[key] = row[key].isoformat()[:7]
    supplements = _dicts(
        con,
        """SELECT a.code, a.category, a.subcategory AS measures, a.description AS reason,
                  sum(t.value_usd) FILTER (year(t.month) = 2017) AS value_2017,
                  min(t.month) AS first_month, max(t.month) AS last_month
           FROM _annex a LEFT JOIN _trade t ON t.annex_code = a.code AND t.used
           WHERE a.supplement GROUP BY ALL ORDER BY a.code""",
    )
    for row in supplements:
        for key in ("first_month", "last_month"):
            row[key] = row[key].isoformat()[:7] if row[key] else None
    return {
        "annex_lines": counts[0],
        "mapped": counts[1],
        "categories": counts[2],
        "unmapped": unmapped,
        "annex_lines_without_trade": no_trade,
        "approximations": approx,
        "supplements": supplements,
        "trade_rows": levels,
        "rule": (
            "a trade code takes the most specific annex line that is a prefix of it; annex "
            "lines longer than the code's level match at that level (approximation); a "
            "December-2020 HS4 row takes the annex line whose description it carries"
        ),
    }


def _rejected_annex_rows(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """December-2020 rows the build rejected (annex code only, level unknown), by the
    category their annex code falls in: left out of the purchases, reported."""
    rows = _dicts(
        con,
        """WITH r AS (
               SELECT row, regexp_extract(reason, 'hs4_o ([0-9]+)', 1) AS annex_code,
                      TRY_CAST(split_part(value, ' ', 3) AS DOUBLE) AS value_usd
               FROM issues WHERE source = $source AND severity = 'rejected'
                 AND reason LIKE '%Phase One annex code%'
           ), m AS (
               SELECT r.*, a.category FROM r LEFT JOIN _annex a
                 ON a.problem IS NULL AND starts_with(r.annex_code, a.code)
               QUALIFY row_number() OVER (PARTITION BY r.row ORDER BY length(a.code) DESC) = 1
           )
           SELECT coalesce(category, 'not in the annex') AS category, count(*) AS rows,
                  sum(value_usd) AS value_usd, list(CAST(row AS INTEGER) ORDER BY row)
                      AS source_rows
           FROM m GROUP BY ALL ORDER BY category""",
        {"source": HS6_EXPORTS},
    )
    return {
        "source": HS6_EXPORTS,
        "reason": (
            "rejected at build: December-2020 rows with only a Phase One annex code "
            "(hs4_o), no HS6 or HS4 code; not counted in the purchases"
        ),
        "by_category": rows,
    }


# --- attainment -----------------------------------------------------------------------

_MONTHLY_SQL = """
WITH cats AS (SELECT unnest($cats) AS category),
months AS (
    SELECT unnest(generate_series($first::TIMESTAMP, $through::TIMESTAMP,
                                  INTERVAL 1 MONTH))::DATE AS month
),
base_m AS (
    SELECT category, month(month) AS m, sum(value_usd) AS value
    FROM _trade WHERE used AND category IS NOT NULL AND year(month) = $base_year
    GROUP BY ALL
),
base AS (
    SELECT c.category, coalesce(sum(b.value), 0) AS annual
    FROM cats c LEFT JOIN base_m b USING (category) GROUP BY ALL
),
base_cum AS (
    SELECT c.category, g.m,
           coalesce(sum(b.value) FILTER (b.m <= g.m), 0) AS cum
    FROM cats c CROSS JOIN (SELECT unnest(range(1, 13)) AS m) g
    LEFT JOIN base_m b ON b.category = c.category
    GROUP BY ALL
),
actual_m AS (
    SELECT category, month, sum(value_usd) AS value
    FROM _trade WHERE used AND category IS NOT NULL AND month >= $first
      AND month <= $through GROUP BY ALL
),
incr(category, year, increment) AS (SELECT * FROM (VALUES __INCR__)),
grid AS (
    SELECT c.category, mo.month, coalesce(a.value, 0) AS value
    FROM cats c CROSS JOIN months mo
    LEFT JOIN actual_m a ON a.category = c.category AND a.month = mo.month
),
g AS (
    SELECT g.*, year(g.month) AS year, month(g.month) AS m,
           sum(g.value) OVER (PARTITION BY g.category ORDER BY g.month) AS actual_cum
    FROM grid g
),
t AS (
    SELECT g.*, b.annual AS baseline, i.increment,
           b.annual + i.increment AS annual_target,
           CASE WHEN $method = 'straight-line' THEN g.m::DOUBLE / 12
                ELSE bc.cum / nullif(b.annual, 0) END AS share
    FROM g JOIN base b USING (category)
    JOIN base_cum bc ON bc.category = g.category AND bc.m = g.m
    JOIN incr i ON i.category = g.category AND i.year = g.year
),
prior AS (  -- full targets of the earlier years of the period
    SELECT t1.category, t1.month,
           coalesce(sum(b.annual + i.increment) FILTER (i.year < t1.year), 0) AS earlier
    FROM t t1 JOIN base b USING (category) JOIN incr i ON i.category = t1.category
    GROUP BY ALL
)
SELECT t.category, t.month, t.value, t.actual_cum, t.baseline, t.increment,
       t.annual_target, t.share, p.earlier + t.annual_target * t.share AS target_cum
FROM t JOIN prior p USING (category, month)
ORDER BY t.category, t.month
"""


def attainment(
    con: duckdb.DuckDBPyConnection,
    agreement: str = "phase-one",
    basis: str = "us-exports",
    through: str | None = None,
    prorate: str = DEFAULT_PRORATE,
    raw: Path | None = None,
    directory: Path | None = None,
    compare: bool = False,
    supplements: bool = True,
) -> dict[str, Any]:
    """Cumulative purchases against the pro-rated target, by category and month.

    ``supplements`` off: the annex list alone (the tracker's mapping), without the
    commitment file's supplementary codes (civil aircraft, Schedule B 8800.00).
    """
    path, record = get(agreement, directory)
    head = _head(path, record)
    if record.kind == "pledge" or not record.verifiable:
        return {
            **head,
            "verifiable": False,
            "schedule": None,
            "categories": [],
            "total": None,
            "message": (
                f"{record.id} has no verifiable schedule: no years, baseline, categories or "
                "statistic are given, so no target can be computed (none is invented)"
            ),
        }
    spec = record.bases.get(basis.strip().lower())
    if spec is None:
        raise InputError(
            f"unknown basis {basis!r} for {record.id}: known are {', '.join(record.bases)}"
        )
    if not spec.available:
        raise CoverageError(
            f"basis {basis} is not available for {record.id}: {' '.join(spec.reason.split())}"
            if spec.reason
            else f"basis {basis} is not available for {record.id}"
        )
    if prorate not in PRORATE:
        raise InputError(f"unknown pro-rating {prorate!r}: use {', '.join(PRORATE)}")
    first = _month(spec.first_month or f"{record.years[0]}-01", "first month")
    last = _month(spec.last_month or f"{record.years[-1]}-12", "last month")
    month = _month(through, "--through") if through else last
    period_end = dt.date(record.years[-1], 12, 1)
    if not first <= month <= period_end:
        raise CoverageError(
            f"--through {month:%Y-%m} is outside the commitment period of {record.id} "
            f"({first:%Y-%m} to {period_end:%Y-%m})"
        )
    if month > last:
        raise CoverageError(
            f"--through {month:%Y-%m}: basis {basis} is in the data only through {last:%Y-%m} "
            f"({' '.join((spec.description or '').split())}); no later purchases are known"
        )
    extra = _prepare(con, record, raw, supplements)
    goods = [c for c in record.categories if c.goods]
    incr = ", ".join(
        f"('{c.id}', {y}, {v * BN!r}::DOUBLE)"
        for c in goods
        for y, v in sorted(c.increments_usd_bn.items())
    )
    rows = _dicts(
        con,
        _MONTHLY_SQL.replace("__INCR__", incr),
        {
            "cats": [c.id for c in goods],
            "first": first,
            "through": month,
            "base_year": record.baseline_year,
            "method": prorate,
        },
    )
    categories = []
    for c in record.categories:
        if not c.goods:
            categories.append(_not_checkable(c, record, month))
            continue
        mine = [r for r in rows if r["category"] == c.id]
        categories.append(_category(c, record, mine))
    checked = [x for x in categories if x["checkable"]]
    total = _sum_total(checked, [x["id"] for x in categories if not x["checkable"]], rows)
    out = {
        **head,
        "verifiable": True,
        "basis": {
            "id": basis,
            "description": " ".join((spec.description or "").split()),
            "source": HS6_EXPORTS,
            "table": "flows",
        },
        "through": f"{month:%Y-%m}",
        "prorate": {"method": prorate, "description": PRORATE[prorate]},
        "units": "USD (attainment in percent)",
        "categories": categories,
        "total": total,
        "outside_annex": _outside(con, record, first, month),
        "mapping": {
            **mapping_report(con),
            "source": extra["annex_source"],
            "supplements_applied": supplements,
        },
        "data_gaps": _gaps(con, record, first, month),
        "rejected_rows": _rejected_annex_rows(con),
    }
    by_cat = _supplement_values(con, record.baseline_year, first, month)
    for cat in out["categories"]:
        if cat["checkable"]:
            cat["from_supplements"] = by_cat.get(cat["id"], {"baseline_2017": 0.0, "actual": 0.0})
    if compare:
        out["comparison"] = compare_goals(out, raw or raw_dir())
    return out


def _head(path: Path, record: Commitment) -> dict[str, Any]:
    return {
        "agreement": record.id,
        "kind": record.kind,
        "name": " ".join(record.name.split()),
        "file": f"data/commitments/{path.name}",
        "citation": " ".join(record.citation.split()),
        "signed": record.signed.isoformat() if record.signed else None,
        "in_force": record.in_force.isoformat() if record.in_force else None,
        "reported": record.reported,
        "amount_usd_bn": record.amount_usd_bn,
        "note": " ".join((record.note or "").split()) or None,
    }


def _category(c: Category, record: Commitment, mine: list[dict[str, Any]]) -> dict[str, Any]:
    last = mine[-1]
    return {
        "id": c.id,
        "name": c.name,
        "checkable": True,
        "citation": c.citation,
        "baseline_2017": last["baseline"],
        "increment": last["increment"],
        "annual_target": last["annual_target"],
        "target": last["target_cum"],
        "actual": last["actual_cum"],
        "attainment_pct": _pct(last["actual_cum"], last["target_cum"]),
        "monthly": [
            {
                "month": f"{r['month']:%Y-%m}",
                "actual": r["value"],
                "actual_cum": r["actual_cum"],
                "target_cum": r["target_cum"],
                "attainment_pct": _pct(r["actual_cum"], r["target_cum"]),
            }
            for r in mine
        ],
    }


def _not_checkable(c: Category, record: Commitment, month: dt.date) -> dict[str, Any]:
    return {
        "id": c.id,
        "name": c.name,
        "checkable": False,
        "citation": c.citation,
        "baseline_2017": None,
        "increment": c.increments_usd_bn.get(month.year, 0.0) * BN,
        "annual_target": None,
        "target": None,
        "actual": None,
        "attainment_pct": None,
        "status": "not_available",
        "reason": " ".join((c.note or "not checkable from goods trade data").split()),
        "monthly": [],
    }


def _sum_total(
    checked: list[dict[str, Any]], excluded: list[str], rows: list[dict[str, Any]]
) -> dict[str, Any]:
    months: dict[str, dict[str, float]] = {}
    for r in rows:
        key = f"{r['month']:%Y-%m}"
        m = months.setdefault(key, {"actual": 0.0, "actual_cum": 0.0, "target_cum": 0.0})
        for field in ("actual_cum", "target_cum"):
            m[field] += r[field]
        m["actual"] += r["value"]
    baseline = sum(x["baseline_2017"] for x in checked)
    target = sum(x["target"] for x in checked)
    actual = sum(x["actual"] for x in checked)
    return {
        "id": "goods",
        "name": GOODS_TOTAL,
        "checkable": True,
        "baseline_2017": baseline,
        "increment": sum(x["increment"] for x in checked),
        "annual_target": sum(x["annual_target"] for x in checked),
        "target": target,
        "actual": actual,
        "attainment_pct": _pct(actual, target),
        "excludes": excluded,
        "monthly": [
            {"month": k, **v, "attainment_pct": _pct(v["actual_cum"], v["target_cum"])}
            for k, v in sorted(months.items())
        ],
    }


def _outside(
    con: duckdb.DuckDBPyConnection, record: Commitment, first: dt.date, month: dt.date
) -> dict[str, Any]:
    row = con.execute(
        """SELECT sum(value_usd) FILTER (year(month) = ?),
                  sum(value_usd) FILTER (month >= ? AND month <= ?)
           FROM _trade WHERE used AND category IS NULL""",
        [record.baseline_year, first, month],
    ).fetchone()
    return {
        "baseline_2017": row[0],
        "actual": row[1],
        "note": "US exports to China of products outside Annex 6.1 (not part of any target)",
    }


def _supplement_values(
    con: duckdb.DuckDBPyConnection, base_year: int | None, first: dt.date, month: dt.date
) -> dict[str, dict[str, float]]:
    rows = con.execute(
        """SELECT t.category, coalesce(sum(t.value_usd) FILTER (year(t.month) = ?), 0),
                  coalesce(sum(t.value_usd) FILTER (t.month >= ? AND t.month <= ?), 0)
           FROM _trade t JOIN _annex a ON a.code = t.annex_code AND a.supplement
           WHERE t.used GROUP BY t.category""",
        [base_year, first, month],
    ).fetchall()
    return {c: {"baseline_2017": b, "actual": v} for c, b, v in rows}


def _gaps(
    con: duckdb.DuckDBPyConnection, record: Commitment, first: dt.date, month: dt.date
) -> dict[str, Any]:
    """Months given only for the annex lines, supplementary codes missing in a month,
    and baseline-year chapters where the HS6 file falls short of the HS2 file."""
    partial = _dicts(
        con,
        """SELECT month, count(*) FILTER (product_level = 'HS4') AS hs4_rows,
                  count(*) FILTER (product_level = 'HS6') AS hs6_rows
           FROM _trade WHERE used AND month >= $first AND month <= $month
           GROUP BY month HAVING count(*) FILTER (product_level = 'HS4') > 0
           ORDER BY month""",
        {"first": first, "month": month},
    )
    missing = _dicts(
        con,
        """WITH months AS (
               SELECT unnest(generate_series($first::TIMESTAMP, $month::TIMESTAMP,
                                             INTERVAL 1 MONTH))::DATE AS month
           )
           SELECT a.code, list(m.month ORDER BY m.month) AS months
           FROM _annex a CROSS JOIN months m
           WHERE a.supplement AND NOT EXISTS (
               SELECT 1 FROM _trade t WHERE t.used AND t.annex_code = a.code
                 AND t.month = m.month)
           GROUP BY a.code ORDER BY a.code""",
        {"first": first, "month": month},
    )
    chapters = _dicts(
        con,
        """WITH a AS (
               SELECT left(code, 2) AS chapter, sum(value_usd) AS hs6_file FROM _trade
               WHERE used AND year(month) = $year GROUP BY ALL
           ), b AS (
               SELECT code AS chapter, sum(value_usd) AS hs2_file FROM flows
               WHERE reporter = 'US' AND partner = 'CN' AND flow = 'export'
                 AND product_level = 'HS2' AND year(period_start) = $year GROUP BY ALL
           )
           SELECT chapter, hs6_file, hs2_file, hs6_file - hs2_file AS difference
           FROM a JOIN b USING (chapter)
           WHERE abs(hs6_file - hs2_file) > 1e8 ORDER BY chapter""",
        {"year": record.baseline_year},
    )
    return {
        "partial_months": [
            {
                "month": f"{r['month']:%Y-%m}",
                "hs4_rows": r["hs4_rows"],
                "hs6_rows": r["hs6_rows"],
                "note": "given at HS4 for the Annex 6.1 lines only (energy also at HS6): "
                "products outside the annex and the supplementary codes are not in the "
                "data for this month",
            }
            for r in partial
        ],
        "supplements_missing_months": [
            {"code": r["code"], "months": [f"{m:%Y-%m}" for m in r["months"]]} for r in missing
        ],
        "baseline_chapters_short": {
            "note": (
                f"{record.baseline_year} chapters where the HS6 file and the Census HS2 file "
                "(flows, same statistic) differ by more than USD 0.1bn: lines missing from "
                "the HS6 file (e.g. HS 2905 except methanol)"
            ),
            "rows": chapters,
        },
    }


def _pct(actual: float | None, target: float | None) -> float | None:
    if actual is None or not target:
        return None
    return round(100.0 * actual / target, 4)


def _dicts(
    con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    cur = con.execute(sql, params or {})
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


# --- comparison with the tracker's goals files ------------------------------------------

_GOALS_NAMES = {"manufactured": "Manufactures", "agriculture": "Agriculture", "energy": "Energy"}
_CSV_NAMES = {
    "manufactured": "1. Manufactured Goods",
    "agriculture": "2. Agriculture",
    "energy": "3. Energy",
}


def compare_goals(result: dict[str, Any], raw: Path) -> dict[str, Any]:
    """Our 2017 baselines, 2020 targets and 2020 purchases against the tracker's files.

    Meaningful only for the full year (``through`` 2020-12). Each difference is given in
    USD and as a share of the file's value, with the reason we know of.
    """
    files = {}
    con = duckdb.connect()
    try:
        for label, rel in GOALS_FILES.items():
            path = raw / rel
            if not path.is_file():
                files[label] = {"source": rel, "error": "file not found"}
                continue
            reader = "read_csv" if rel.endswith(".csv") else "read_parquet"
            table = con.execute(f"SELECT * FROM {reader}('{path}')").df()
            files[label] = {"source": rel, "values": _goals_values(label, table)}
    finally:
        con.close()
    ours = {c["id"]: c for c in result["categories"] if c["checkable"]}
    full_year = result["through"].endswith("-12")
    rows = []
    for label, spec in files.items():
        for cat, theirs in spec.get("values", {}).items():
            mine = ours.get(cat)
            if mine is None:
                continue
            extra = mine.get("from_supplements") or {"baseline_2017": 0.0, "actual": 0.0}
            fields = [
                ("baseline_2017", mine["baseline_2017"], extra["baseline_2017"]),
                ("target_2020", mine["annual_target"], extra["baseline_2017"]),
            ]
            if full_year and result["through"].startswith("2020"):
                fields.append(("actual_2020", mine["actual"], extra["actual"]))
            for name, ours_value, supplement in fields:
                value = theirs.get(name)
                if value is None or ours_value is None:
                    continue
                annex_only = ours_value - supplement
                rows.append(
                    {
                        "file": label,
                        "category": cat,
                        "field": name,
                        "theirs": value,
                        "ours": ours_value,
                        "from_supplements": supplement,
                        "ours_annex_only": annex_only,
                        "difference": annex_only - value,
                        "difference_share": (annex_only - value) / value if value else None,
                    }
                )
    return {
        "files": {k: v["source"] for k, v in files.items()},
        "rows": rows,
        "explanation": COMPARISON_NOTES,
    }


def _goals_values(label: str, table: Any) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    if label == "goals.parquet":
        rows = {str(r["__index_level_0__"]): r for _, r in table.iterrows()}
        for cat, col in _GOALS_NAMES.items():
            out[cat] = {
                "baseline_2017": float(rows["2017 Values"][col]),
                "target_2020": float(rows["2020 Goals"][col]),
                "actual_2020": float(rows["2020 Values"][col]),
            }
    elif label == "phaseone-goals-C-november.parquet":
        for _, r in table.iterrows():
            cat = next((k for k, v in _GOALS_NAMES.items() if v == r["high_catagory"]), None)
            if cat:
                out[cat] = {
                    "baseline_2017": float(r["2017 Values"]),
                    "target_2020": float(r["2017 Values"]) + float(r["2020 Goals"]),
                    "actual_2020": float(r["2020 Values"]),
                }
    else:
        for _, r in table.iterrows():
            cat = next((k for k, v in _CSV_NAMES.items() if v == r["high_catagory"]), None)
            if cat:
                out[cat] = {
                    "baseline_2017": float(r["2017 Values"]),
                    "target_2020": float(r["2017 Values"]) + float(r["Goals"]),
                    "actual_2020": float(r["2020 Values"]),
                }
    return out


COMPARISON_NOTES = [
    "ours includes the supplementary code 880000 (civil aircraft, engines and parts, "
    "Schedule B 8800.00) in manufactured goods; the tracker's files count it outside the "
    "agreement. difference compares ours_annex_only (ours less the supplement) with theirs; "
    "the supplement adds USD 16.26bn to the 2017 manufactured baseline and USD 4.01bn to "
    "2020 purchases (January to November: December 2020 is given for annex lines only).",
    "baseline_2017 and target_2020: the same Census file and the same Annex 6.1 list; "
    "our run-time mapping from annex-6-1.csv reproduces the tracker's 2017 category values "
    "to the dollar, and so the 2020 targets (baseline plus increment).",
    "actual_2020 vs phaseone-goals.csv: manufactured goods and agriculture agree to the "
    "dollar; energy is lower in the file by November 2020's energy exports (USD 0.94bn): "
    "that vintage lacked November's energy lines (SOURCES.md calls it partial-year).",
    "actual_2020 vs goals.parquet and phaseone-goals-C-november.parquet (same values): "
    "ours is 0.4% higher for manufactured goods, 0.3% higher for agriculture and 0.7% lower "
    "for energy. Those files were computed from a later Census download (with 2021 data "
    "through November 2021), after Census revised the 2020 monthly values; they hold only "
    "category totals, so the difference cannot be traced line by line here.",
    "December 2020 energy is in the raw file twice (HS6 rows and HS4 rows of the same "
    "lines); we count it once (HS6) and leave the HS4 rows out.",
    "December-2020 rows rejected at build (annex code only; see rejected_rows) are not "
    "counted: chiefly HS 2905 sub-lines of manufactured goods (USD 42.6m).",
]


def plot(result: dict[str, Any], path: str | Path) -> Path:
    """Cumulative purchases against the pro-rated target, one panel per category."""
    target = Path(path)
    if target.suffix.lower() not in (".png", ".svg"):
        raise InputError(f"--plot {target}: give a .png or .svg file")
    if not result.get("verifiable"):
        raise InputError(f"--plot: {result['agreement']} has no schedule to plot")
    from matplotlib.figure import Figure

    panels = [c for c in result["categories"] if c["checkable"]] + [result["total"]]
    fig = Figure(figsize=(11, 7.5))
    for index, cat in enumerate(panels):
        ax = fig.add_subplot(2, (len(panels) + 1) // 2, index + 1)
        months = [dt.date.fromisoformat(m["month"] + "-01") for m in cat["monthly"]]
        ax.plot(
            months,
            [m["actual_cum"] / BN for m in cat["monthly"]],
            marker="o",
            markersize=3,
            color="#c0392b",
            label="purchases (cumulative)",
        )
        ax.plot(
            months,
            [m["target_cum"] / BN for m in cat["monthly"]],
            linestyle="--",
            color="#1f4e99",
            label="pro-rated target",
        )
        ax.set_title(
            f"{cat['name']}: {cat['attainment_pct']:.1f}% by {result['through']}", fontsize=9
        )
        ax.set_ylabel("USD bn", fontsize=8)
        ax.tick_params(labelsize=7)
        for tick in ax.get_xticklabels():
            tick.set_rotation(30)
        ax.grid(alpha=0.3)
        if index == 0:
            ax.legend(fontsize=7, frameon=False)
    fig.suptitle(
        f"{result['agreement']}: purchases against the pro-rated targets "
        f"(basis {result['basis']['id']})",
        fontsize=10,
    )
    fig.text(
        0.01,
        0.005,
        f"Basis {result['basis']['id']}: {result['basis']['description']} "
        f"({result['basis']['source']}). Pro-rating: {result['prorate']['method']}. "
        "Services are not checkable from goods data.",
        fontsize=6.5,
        wrap=True,
    )
    fig.tight_layout(rect=(0, 0.04, 1, 0.96))
    return save_figure(fig, target)
