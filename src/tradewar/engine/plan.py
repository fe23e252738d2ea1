"""The bulk relational plan, written once and run on DuckDB or Spark SQL.

The plan is SQL text over named relations that each backend binds
(``engine/backends.py``):

* ``source``: the shipments as read (CSV as text, or Parquet with its own types);
* ``keyed_panel``: the stacked rate panel keyed by export-date class ``cls`` (one row
  per importer, origin group, code, interval and class), built from the store; the plan
  joins its two compiled forms: ``panel_keys`` (per row: the key packed into one
  integer, :func:`key_sql`, the interval and ``pid``) and ``payloads`` (the distinct
  rate rows, by ``pid``: ~40,000 rows instead of ~800,000);
* ``coverage``: the dates each importer's schedule covers.

``shipments_sql`` normalises and validates each row, ``rated_sql`` joins it to the
panel (hash join on the integer key, entry date inside the row's interval; the
intervals of one key are disjoint; then the payload by id), ``output_sql`` and
``rejects_sql`` split the result, and
``aggregate_sql`` sums a rated dataset into trade-weighted rates by month, importer and
origin. The two SQL dialects differ only in the few spellings of :class:`Dialect`; the
export-date classes are a ``CASE`` over the schedule's cut dates, known before the plan
is written, so no lambda, list function or Python UDF is on the hot path.

``SCHEDULE_SQL`` builds the keyed panel from the store; it runs in DuckDB, where the
store lives, and its tables travel to Spark as Parquet (:data:`SCHEDULE_TABLES`). On
DuckDB the text columns of ``payloads`` and ``panel_keys`` (and the country codes) are
ENUMs of their own values: joins gather one byte or two per row, and the Parquet writer
writes their dictionary as it is instead of hashing every value (it writes them as
plain strings, so the output's schema is the same; on Spark they are strings).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pycountry

from ..formats import CODE_PATTERN, CODE_SEPARATORS, DATE_PATTERN, MAX_NUMBER, NUMBER_PATTERN

REQUIRED = ("code", "importer", "origin", "entered", "value")
PANEL_COLUMNS = (
    "mfn_rate", "mfn_text", "mfn_heading", "s301_rate", "s301_heading",
    "s232_rate", "s232_heading", "ret_rate", "ret_heading", "ieepa_rate", "ieepa_heading",
    "s122_rate", "s122_heading", "cv_rate", "cv_heading", "claim_headings", "claim_rate",
    "adval_rate", "total_rate",
)  # fmt: skip
# optional input columns the plan reads: claimed exclusion headings ('9903.88.69', several
# separated by ';') and the value of the content a content-value rate is charged on
OPTIONAL = ("claims", "content_value")
OUTPUT_COLUMNS = (*PANEL_COLUMNS, "claims_applied", "duty", "approx")
# the output columns the plan takes, for rated rows, from the schedule's own spelling of
# the same value (the panel's code, importer and group, the countries table's origin):
# equal to the shipment's normalised text, and typed as an ENUM on DuckDB (cheap to write)
OUT_SOURCES = {
    "code": "plan_out_code", "importer": "plan_out_importer", "origin": "plan_out_origin",
    "origin_group": "plan_out_origin_group",
}  # fmt: skip
# names the plan gives its own columns: an input column so named is not passed through
RESERVED = frozenset((
    *OUTPUT_COLUMNS, *OPTIONAL, "exported", "origin_group", "cls", "reason", "note",
    "code_input", "entered_input", "exported_input", "value_input", "panel_total",
    "plan_code_ok", "plan_code_clean", "plan_panel_key", "plan_country", "plan_exported_given",
    "plan_value_given",
    *OUT_SOURCES.values(),
))  # fmt: skip
INPUT_TEXT = ("code_input", "entered_input", "exported_input", "value_input")
# the schedule tables the plan reads, as the store's DuckDB builds them
SCHEDULE_TABLES = ("panel_keys", "payloads", "coverage", "cuts", "spans", "countries")
# the columns of a distinct rate row (``payloads``) and those of them that are text
PAYLOAD_COLUMNS = (*PANEL_COLUMNS, "approx", "expressible")
PAYLOAD_TEXT = tuple(c for c in PAYLOAD_COLUMNS if c.endswith(("_text", "_heading", "_headings")))
# the export-date class is packed into the integer key below this bound
MAX_CLASSES = 1024
Span = tuple[dt.date, dt.date]
AGGREGATE_KEYS = ("month", "importer", "origin")
# input column types whose values the plan takes as they are, without the text checks
# (the text of such a value always passes them unless the range checks below fail):
# DATE, and DOUBLE or integers (not FLOAT: its text reads back as another double)
DATE_TYPES = frozenset(("date",))
NUMBER_TYPES = frozenset((
    "double", "bigint", "integer", "int", "smallint", "tinyint", "long", "short", "byte",
))  # fmt: skip


@dataclass(frozen=True)
class Dialect:
    """The spellings that differ between DuckDB SQL and Spark SQL."""

    name: str

    @property
    def spark(self) -> bool:
        return self.name == "spark"

    def ident(self, name: str) -> str:
        """A quoted column name."""
        if self.spark:
            return "`" + name.replace("`", "``") + "`"
        return '"' + name.replace('"', '""') + '"'

    def text(self, value: str) -> str:
        """A string literal (Spark SQL reads backslash escapes in literals)."""
        value = value.replace("\\", "\\\\") if self.spark else value
        return "'" + value.replace("'", "\\'" if self.spark else "''") + "'"

    def strip_all(self, expr: str, pattern: str) -> str:
        """``expr`` with every match of ``pattern`` removed."""
        flags = "" if self.spark else ", 'g'"
        return f"regexp_replace({expr}, {self.text(pattern)}, ''{flags})"

    def full_match(self, expr: str, pattern: str) -> str:
        """Whether the whole of ``expr`` matches ``pattern`` (anchored with ^ and $).

        A final ``$`` becomes ``\\z``: Java's ``$`` also matches before a final newline."""
        if pattern.endswith("$"):
            pattern = pattern[:-1] + r"\z"
        if self.spark:
            return f"({expr} RLIKE {self.text(pattern)})"
        return f"regexp_full_match({expr}, {self.text(pattern)})"

    def broadcast(self, *aliases: str) -> str:
        """A hint to ship small relations to every worker (a comment to DuckDB)."""
        return f"/*+ BROADCAST({', '.join(aliases)}) */" if self.spark else ""


DUCKDB = Dialect("duckdb")
SPARK = Dialect("spark")
DIALECTS = {"duckdb": DUCKDB, "spark": SPARK}


_SCHEDULE_SQL = f"""
CREATE OR REPLACE TEMP TABLE cuts AS
    SELECT DISTINCT d AS cut FROM (
        SELECT export_from AS d FROM s.panel WHERE export_from IS NOT NULL
        UNION SELECT export_until FROM s.panel WHERE export_until IS NOT NULL);
-- entry-date spans in which some row has an export window: only there does the
-- export date matter, so only rows overlapping a span are repeated for every class
CREATE OR REPLACE TEMP TABLE spans AS
    SELECT DISTINCT valid_from AS span_from, valid_until AS span_until FROM s.panel
    WHERE export_from IS NOT NULL OR export_until IS NOT NULL;
-- a shipment's class is the number of cut dates on or before its export date (or
-- entry date), or 0 when its entry date is in no span; a panel row is repeated for
-- every class its export window spans (rows outside every span: class 0 only)
CREATE OR REPLACE TEMP TABLE keyed_panel AS
    SELECT * FROM (
    WITH ranked AS (SELECT cut, row_number() OVER (ORDER BY cut) AS pos FROM cuts),
    classes AS (SELECT 0 AS cls UNION ALL SELECT pos FROM ranked),
    placed AS (
        SELECT p.*, rf.pos AS from_pos, ru.pos AS until_pos,
               EXISTS (SELECT 1 FROM spans w WHERE w.span_from < p.valid_until
                                               AND w.span_until > p.valid_from) AS in_span
        FROM s.panel p
        LEFT JOIN ranked rf ON rf.cut = p.export_from
        LEFT JOIN ranked ru ON ru.cut = p.export_until
        WHERE {{starts_in_time}}
    )
    SELECT importer, origin_group, code, CAST(c.cls AS INTEGER) AS cls, valid_from, valid_until,
           {", ".join(PANEL_COLUMNS)}, approx, ambiguous, expressible
    FROM placed p JOIN classes c ON c.cls = 0 OR p.in_span
    WHERE (export_from IS NULL OR c.cls >= from_pos)
      AND (export_until IS NULL OR c.cls < until_pos)
    -- a parent code can have overlapping rows (lines with and without an export
    -- window); keep one per key, the ambiguous one first, as duty.py does
    QUALIFY row_number() OVER (
        PARTITION BY importer, origin_group, code, valid_from, cls
        ORDER BY ambiguous DESC, export_from NULLS LAST, export_until NULLS LAST
    ) = 1
    -- (rows ending before the first entry date go only after the choice of one per key)
    ) WHERE {{ends_in_time}};
CREATE OR REPLACE TEMP TABLE coverage AS SELECT importer, cov_from, cov_until FROM s.coverage;
{{compiled}}
"""

# The keyed panel compiled for the join (DuckDB, after ``keyed_panel``): the distinct rate
# rows by id, a hash of the row checked free of collisions (``payloads``), and per keyed
# row its integer key, interval and rate-row id (``panel_keys``). Text columns become
# ENUMs of their own values (see the docstring).
# ``countries``: a hash join on this small table checks origins (an IN list of 249 codes
# is slow); ``plan_country`` is the same code as an ENUM.
_COMPILED_SQL = """
DROP TABLE IF EXISTS panel_keys; DROP TABLE IF EXISTS payloads; DROP TABLE IF EXISTS countries;
{drop_types}
CREATE OR REPLACE TEMP TABLE rate_rows AS SELECT DISTINCT {pid} AS pid, {payload} FROM keyed_panel;
-- the id is a hash of the rate row: two distinct rows with one id stop the build
SELECT CASE WHEN count(*) > count(DISTINCT pid) THEN error('rate rows share a hash id') END
FROM rate_rows;
{create_types}
CREATE TEMP TABLE panel_keys AS
    SELECT {key} AS plan_panel_key, k.valid_from, k.valid_until, {pid} AS pid, k.ambiguous,
           CAST(k.code AS tw_code) AS code, CAST(k.importer AS tw_importer) AS importer,
           CAST(k.origin_group AS tw_origin_group) AS origin_group
    FROM keyed_panel k;
CREATE TEMP TABLE payloads AS SELECT pid, {typed_payload} FROM rate_rows;
DROP TABLE rate_rows;
CREATE TEMP TABLE countries AS
    SELECT alpha2, CAST(alpha2 AS tw_country) AS plan_country FROM (VALUES {countries}) t(alpha2);
"""
# the ENUM types of the compiled tables: name -> the query of their values
_ENUMS = {
    "tw_code": "SELECT DISTINCT code FROM keyed_panel WHERE code IS NOT NULL",
    "tw_importer": "SELECT DISTINCT importer FROM keyed_panel WHERE importer IS NOT NULL",
    "tw_origin_group": (
        "SELECT DISTINCT origin_group FROM keyed_panel WHERE origin_group IS NOT NULL"
    ),
    # (the distinct rate rows, built first, hold every value of the payload's texts)
    **{
        f"tw_{c}": f"SELECT DISTINCT {c} FROM rate_rows WHERE {c} IS NOT NULL" for c in PAYLOAD_TEXT
    },
}


def _class_case(expr: str, cuts: Sequence[dt.date]) -> str:
    """The export-date class of ``expr``: how many cut dates are on or before it."""
    if not cuts:
        return "0"
    arms = " ".join(
        f"WHEN {expr} < DATE '{cut.isoformat()}' THEN {i}" for i, cut in enumerate(sorted(cuts))
    )
    return f"CASE {arms} ELSE {len(cuts)} END"


def _countries() -> str:
    """The ISO alpha-2 codes as a VALUES list (the relation ``countries``)."""
    return ", ".join(f"('{c.alpha_2}')" for c in pycountry.countries)


def schedule_sql(entries: Span | None = None) -> str:
    """The SQL building the schedule tables from the store attached as ``s``.

    ``entries``: the first and last entry date of the input, if known; the keyed panel
    then holds only rows in force at some date between them (a smaller hash table and
    fewer intervals per key; every match the plan can make is kept)."""
    starts, ends = "TRUE", "TRUE"
    if entries is not None:
        starts = f"p.valid_from <= DATE '{entries[1].isoformat()}'"
        ends = f"valid_until > DATE '{entries[0].isoformat()}'"
    return (
        _SCHEDULE_SQL.replace("{compiled}", _compiled_sql())
        .replace("{starts_in_time}", starts)
        .replace("{ends_in_time}", ends)
    )


def _compiled_sql() -> str:
    """The SQL compiling ``keyed_panel`` into ``panel_keys`` and ``payloads``."""
    countries = _countries()
    enums = {**_ENUMS, "tw_country": f"SELECT * FROM (VALUES {countries})"}
    typed = {c: f"CAST({c} AS tw_{c}) AS {c}" for c in PAYLOAD_TEXT}
    key = key_sql("k.importer", "k.origin_group", "k.code", "k.cls",
                  DUCKDB.full_match("k.code", CODE_PATTERN))  # fmt: skip
    return _COMPILED_SQL.format(
        drop_types="".join(f"DROP TYPE IF EXISTS {t}; " for t in enums),
        create_types="\n".join(f"CREATE TYPE {t} AS ENUM ({q});" for t, q in enums.items()),
        payload=", ".join(PAYLOAD_COLUMNS),
        pid=f"CAST(hash({', '.join(PAYLOAD_COLUMNS)}) >> 1 AS BIGINT)",
        key=key,
        typed_payload=", ".join(typed.get(c, c) for c in PAYLOAD_COLUMNS),
        countries=countries,
    )


def key_sql(importer: str, group: str, code: str, cls: str, code_ok: str) -> str:
    """The panel key as one BIGINT, spelled the same on both engines.

    A code that matches ``CODE_PATTERN`` is 6, 8 or 10 digits, or 10 and an A or B: its
    first ten characters as a number, its length and whether it ends in B give it back,
    so the packing (then the export-date class below :data:`MAX_CLASSES`, the origin
    group and the importer) has no collisions. The key is NULL unless ``code_ok`` (the
    code matches) and the importer and group are known."""
    code_no = (
        f"CASE WHEN length({code}) <= 10 THEN CAST({code} AS BIGINT) * 32 + length({code}) * 2"
        f" ELSE CAST(substr({code}, 1, 10) AS BIGINT) * 32 + 22"
        f" + CASE WHEN substr({code}, 11, 1) = 'B' THEN 1 ELSE 0 END END"
    )
    group_no = f"CASE {group} WHEN '*' THEN 0 WHEN 'CN' THEN 1 WHEN 'US' THEN 2 END"
    importer_no = f"CASE {importer} WHEN 'US' THEN 0 WHEN 'CN' THEN 1 END"
    return (
        f"CASE WHEN {code_ok} THEN (({code_no}) * {MAX_CLASSES} + {cls}) * 8"
        f" + {group_no} * 2 + {importer_no} END"
    )


SCHEDULE_SQL = schedule_sql()


def entry_bounds_sql(d: Dialect, kinds: Mapping[str, str]) -> str | None:
    """A query of the first and last ``entered`` of ``source`` when that column is typed
    DATE (a text column would need the whole normalisation first): None otherwise."""
    if kinds.get("entered") != "date":
        return None
    return "SELECT min(entered) AS first, max(entered) AS last FROM source"


def passed_columns(columns: Sequence[str]) -> list[str]:
    """Input columns carried through to the output unchanged."""
    return [c for c in columns if c.lower() not in (*REQUIRED, *RESERVED)]


def _date(d: Dialect, text: str, typed: str | None = None) -> str:
    """The date ``text`` names under ``formats.DATE_PATTERN`` (its first 10 characters),
    else NULL: the same rule on both engines and for single shipments. ``typed``: a DATE
    column, whose text matches the pattern exactly when its year is 1000-2999."""
    if typed is not None:
        return (
            f"CASE WHEN {typed} >= DATE '1000-01-01' AND {typed} < DATE '3000-01-01' "
            f"THEN {typed} END"
        )
    return (
        f"CASE WHEN {d.full_match(text, DATE_PATTERN)} "
        f"THEN TRY_CAST(substr({text}, 1, 10) AS DATE) END"
    )


def _number(d: Dialect, text: str, typed: str | None = None) -> str:
    """The finite number ``text`` is under ``formats.NUMBER_PATTERN``, else NULL.
    ``typed``: a DOUBLE or integer column, whose finite values' text always matches."""
    if typed is not None:
        value = f"CAST({typed} AS DOUBLE)"
        return f"CASE WHEN NOT isnan({value}) AND abs({value}) <= {MAX_NUMBER:.0e} THEN {value} END"
    value = f"TRY_CAST({text} AS DOUBLE)"
    return (
        f"CASE WHEN {d.full_match(text, NUMBER_PATTERN)} AND abs({value}) <= {MAX_NUMBER:.0e} "
        f"THEN {value} END"
    )


def _in_spans(expr: str, spans: Sequence[Span] | None) -> str:
    """Whether the date ``expr`` is in one of ``spans`` (None: every date is)."""
    if spans is None:
        return "TRUE"
    if not spans:
        return "FALSE"
    merged: list[list[dt.date]] = []
    for a, b in sorted(spans):
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    return (
        "("
        + " OR ".join(
            f"({expr} >= DATE '{a.isoformat()}' AND {expr} < DATE '{b.isoformat()}')"
            for a, b in merged
        )
        + ")"
    )


def column_kind(type_name: str) -> str:
    """``date``, ``number`` or ``text``: how the plan reads a column of this SQL type
    (a DuckDB or Spark type name); only ``text`` columns go through the text checks."""
    name = type_name.strip().lower()
    if name in DATE_TYPES:
        return "date"
    return "number" if name in NUMBER_TYPES else "text"


def _typed(
    columns: Sequence[str], kinds: Mapping[str, str] | None, name: str, kind: str
) -> str | None:
    """The column ``name`` if the input has it with type ``kind``, else None."""
    if name in columns and kinds and kinds.get(name) == kind:
        return name
    return None


def _strip_separators(d: Dialect, expr: str) -> str:
    """``expr`` without ``formats.CODE_SEPARATORS``: ``replace`` per character when the
    pattern is a class of plain characters (several times faster than a regex)."""
    inner = CODE_SEPARATORS[1:-1]
    plain = CODE_SEPARATORS.startswith("[") and CODE_SEPARATORS.endswith("]")
    if not plain or not inner or any(ch in "\\^-[]'" for ch in inner):
        return d.strip_all(expr, CODE_SEPARATORS)
    for ch in inner:
        expr = f"replace({expr}, {d.text(ch)}, '')"
    return expr


def shipments_sql(
    d: Dialect,
    columns: Sequence[str],
    cuts: Sequence[dt.date],
    spans: Sequence[Span] | None = None,
    kinds: Mapping[str, str] | None = None,
) -> str:
    """Normalise and validate each row of ``source``; ``reason`` is NULL on good rows.

    ``spans``: the entry-date spans where the export date matters (``load_schedule``);
    outside them the class is 0. None classifies every row (a keyed panel without spans).
    ``kinds``: the input columns' :func:`column_kind`; typed dates and numbers skip the
    text checks (same results, a fraction of the work). ``plan_panel_key`` is the row's
    :func:`key_sql`, and ``plan_country`` the origin as the ``countries`` table spells it.
    """
    if len(cuts) >= MAX_CLASSES:
        raise ValueError(f"{len(cuts)} export-date cuts: the panel key packs < {MAX_CLASSES}")
    exported_typed = _typed(columns, kinds, "exported", "date")
    value_typed = _typed(columns, kinds, "value", "number")
    exported = "exported" if "exported" in columns else "CAST(NULL AS STRING)"
    claims = "CAST(claims AS STRING)" if "claims" in columns else "CAST(NULL AS STRING)"
    content = "content_value" if "content_value" in columns else "CAST(NULL AS STRING)"
    extra = "".join(f", {d.ident(c)}" for c in passed_columns(columns))
    day = "coalesce(n.exported, n.entered)"
    code = _strip_separators(d, "trim(CAST(code AS STRING))")
    return f"""
    WITH texts AS (
        SELECT *,
            {d.full_match("CAST(code AS STRING)", CODE_PATTERN)} AS plan_code_clean,
            trim(CAST(entered AS STRING)) AS entered_text,
            trim(CAST({exported} AS STRING)) AS exported_text,
            trim(CAST(value AS STRING)) AS value_text,
            trim(CAST({content} AS STRING)) AS content_text
        FROM source
    ),
    norm AS (
        SELECT
            code AS code_input,
            -- a code already in the pattern is its own normal form (most rows)
            CASE WHEN plan_code_clean THEN CAST(code AS STRING) ELSE upper({code}) END AS code,
            plan_code_clean,
            upper(trim(CAST(importer AS STRING))) AS importer,
            upper(trim(CAST(origin AS STRING))) AS origin,
            entered AS entered_input,
            {_date(d, "entered_text", _typed(columns, kinds, "entered", "date"))} AS entered,
            {_date(d, "exported_text", exported_typed)} AS exported,
            {exported} AS exported_input,
            {_given("exported_text", exported_typed)} AS plan_exported_given,
            value AS value_input,
            {_number(d, "value_text", value_typed)} AS value,
            {_given("value_text", value_typed)} AS plan_value_given,
            {claims} AS claims,
            {_number(d, "content_text", _typed(columns, kinds, "content_value", "number"))}
                AS content_value{extra}
        FROM texts
    ),
    keyed AS (
        SELECT n.*,
            CASE n.importer WHEN 'US' THEN (CASE WHEN n.origin = 'CN' THEN 'CN' ELSE '*' END)
                            WHEN 'CN' THEN (CASE WHEN n.origin = 'US' THEN 'US' ELSE '*' END)
            END AS origin_group,
            CASE WHEN {_in_spans("n.entered", spans)} THEN {_class_case(day, cuts)} ELSE 0 END
                AS cls,
            CASE WHEN n.plan_code_clean THEN TRUE ELSE {d.full_match("n.code", CODE_PATTERN)} END
                AS plan_code_ok
        FROM norm n
    )
    SELECT n.*,
        {key_sql("n.importer", "n.origin_group", "n.code", "n.cls", "n.plan_code_ok")}
            AS plan_panel_key,
        ct.plan_country,
        CASE
            WHEN n.code IS NULL OR NOT n.plan_code_ok
                THEN 'malformed code: expected HS6, HTS8 or HTS10 digits'
            WHEN n.importer IS NULL OR n.importer NOT IN ('US', 'CN')
                THEN 'unknown importer: expected US or CN'
            WHEN n.origin IS NULL OR ct.alpha2 IS NULL
                THEN 'unknown origin country: expected an ISO alpha-2 code'
            WHEN n.origin = n.importer THEN 'origin equals importer'
            WHEN n.entered IS NULL THEN 'entry date missing or not YYYY-MM-DD'
            WHEN n.plan_exported_given AND n.exported IS NULL THEN 'export date not YYYY-MM-DD'
            WHEN n.exported > n.entered THEN 'export date after entry date'
            WHEN n.plan_value_given AND (n.value IS NULL OR n.value < 0)
                THEN 'value is not a non-negative number'
            WHEN n.content_value < 0 OR n.content_value > n.value
                THEN 'content_value is not between 0 and the value'
            WHEN n.entered < cv.cov_from OR n.entered >= cv.cov_until
                THEN 'entry date outside the schedule coverage'
        END AS reason
    FROM keyed n
    LEFT JOIN coverage cv ON cv.importer = n.importer
    LEFT JOIN countries ct ON ct.alpha2 = n.origin
    """


def _given(text: str, typed: str | None) -> str:
    """Whether a value was given (its text not empty): any non-NULL typed value is."""
    if typed is not None:
        return f"({typed} IS NOT NULL)"
    return f"({text} IS NOT NULL AND {text} <> '')"


def rated_sql(d: Dialect, columns: Sequence[str]) -> str:
    """Every row of ``shipments`` with its panel row (if any), duty, reason and note.

    The row's key finds its keyed row (``panel_keys``: integer key, interval), whose
    ``pid`` gives the rate row (``payloads``). The ``out_*`` columns
    (:data:`OUT_SOURCES`) are the code, importer, group and origin as the schedule
    spells them, for the output's rated rows."""
    head = ["code", "importer", "origin", "entered", "exported", "value", *OPTIONAL]
    carried = [*INPUT_TEXT, *head, *passed_columns(columns), "origin_group"]
    # the input as given (its text is made here, for the few rows the rejects keep)
    ship = ", ".join(
        f"CAST(sh.{c} AS STRING) AS {c}" if c in INPUT_TEXT[1:] else f"sh.{d.ident(c)}"
        for c in carried
    )
    panel = ", ".join(f"p.{c}" for c in PANEL_COLUMNS if c != "total_rate")
    # a claim applies when the row claims the product's exclusion heading
    claimed = (
        "(p.claim_headings IS NOT NULL AND sh.claims IS NOT NULL"
        " AND instr(sh.claims, substr(p.claim_headings, 1, 10)) > 0)"
    )
    less = f"CASE WHEN {claimed} THEN p.claim_rate ELSE 0.0 END"
    # a content-value rate needs the content value: without it, no total (never a guess)
    total = f"""CASE WHEN p.cv_rate > 0 THEN (CASE WHEN p.expressible
                     AND sh.content_value IS NOT NULL AND sh.value > 0
                     THEN p.adval_rate - {less} + p.cv_rate * sh.content_value / sh.value END)
                ELSE p.total_rate - {less} END"""
    return f"""
    SELECT {d.broadcast("k", "p")} {ship}, {panel},
        {total} AS total_rate,
        CASE WHEN {claimed} THEN substr(p.claim_headings, 1, 10) END AS claims_applied,
        sh.value * ({total}) AS duty, p.approx,
        coalesce(sh.reason, CASE
            WHEN k.pid IS NULL THEN 'code not in the schedule on the entry date'
            WHEN k.ambiguous
                THEN 'parent code whose lines differ in duty: give the full line'
        END) AS reason,
        CASE WHEN k.pid IS NOT NULL AND NOT p.expressible
             THEN 'MFN rate ' || coalesce(p.mfn_text, 'missing')
                  || ' is not ad valorem: total and duty need a quantity'
             WHEN p.cv_rate > 0 AND (sh.content_value IS NULL OR NOT sh.value > 0)
             THEN p.cv_heading || ' is charged on a content value: give content_value'
                  || ' and value'
        END AS note,
        k.code AS plan_out_code, k.importer AS plan_out_importer,
        sh.plan_country AS plan_out_origin, k.origin_group AS plan_out_origin_group
    FROM shipments sh
    LEFT JOIN panel_keys k
      ON k.plan_panel_key = sh.plan_panel_key
     AND sh.entered >= k.valid_from AND sh.entered < k.valid_until
    LEFT JOIN payloads p ON p.pid = k.pid
    """


def output_columns(columns: Sequence[str]) -> list[str]:
    """The columns of the rated output, in order."""
    head = ["code", "importer", "origin", "entered", "exported", "value", *OPTIONAL]
    return [*head, *passed_columns(columns), "origin_group", *OUTPUT_COLUMNS, "note"]


def output_sql(d: Dialect, columns: Sequence[str], partition_by: Sequence[str] = ()) -> str:
    """The rated rows of ``rated``, partition columns last (as hive writers want them).
    Code, importer, origin and group come from their ``out_*`` columns (the same text)."""
    names = [c for c in output_columns(columns) if c not in partition_by] + list(partition_by)
    picked = ", ".join(
        f"{OUT_SOURCES[c]} AS {d.ident(c)}" if c in OUT_SOURCES else d.ident(c) for c in names
    )
    return f"SELECT {picked} FROM rated WHERE reason IS NULL"


def rejects_sql(d: Dialect) -> str:
    """The rejected rows of ``rated`` as they were written, with the reason."""
    return """
    SELECT code_input AS code, importer, origin, entered_input AS entered,
           exported_input AS exported, value_input AS value, reason
    FROM rated WHERE reason IS NOT NULL
    """


def aggregate_sql(d: Dialect) -> str:
    """Sum a rated dataset (relation ``rated_out``) by entry month, importer and origin.

    ``tw_rate`` is the trade-weighted total rate: duty over the value of the rows that
    have a duty (a rate and a value); ``avg_rate`` the simple average over rated rows.
    Rows with no rate (not ad valorem) or no value are counted, never taken as 0.
    """
    return """
    SELECT substr(CAST(entered AS STRING), 1, 7) AS month, importer, origin,
           count(*) AS shipments,
           count(total_rate) AS with_rate,
           sum(value) AS value,
           sum(CASE WHEN duty IS NOT NULL THEN value END) AS dutiable_value,
           sum(duty) AS duty,
           sum(duty) / sum(CASE WHEN duty IS NOT NULL THEN value END) AS tw_rate,
           avg(total_rate) AS avg_rate
    FROM rated_out
    GROUP BY substr(CAST(entered AS STRING), 1, 7), importer, origin
    ORDER BY month, importer, origin
    """
