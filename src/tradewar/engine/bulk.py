"""Bulk duty: a file of shipments joined to the stacked rate panel in DuckDB.

The plan is relational from end to end: read (CSV or Parquet, a file or a
directory of files), normalise and validate each row in SQL, hash-join it to the
panel on (importer, origin group, code, export-date class) with the entry date
inside the panel row's interval (the intervals of one key are disjoint), then
write the rated rows to Parquet and the rejected rows, with their reason, to a
CSV beside it. No Python touches individual rows.

Input columns other than the shipment's are passed through to the output, except
those named like a column the engine computes (``reason``, ``total_rate``, ...):
those are recomputed, so a rejects file or an earlier output can be fed back in.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pycountry

from ..errors import InputError

REQUIRED = ("code", "importer", "origin", "entered", "value")
CODE_PATTERN = r"^\d{6}(\d{2}(\d{2}[AB]?)?)?$"
OUTPUT_COLUMNS = (
    "mfn_rate", "mfn_text", "mfn_heading", "s301_rate", "s301_heading",
    "s232_rate", "s232_heading", "ret_rate", "ret_heading", "adval_rate",
    "total_rate", "duty", "approx",
)  # fmt: skip
# names the plan gives its own columns: an input column so named is not passed through
RESERVED = frozenset((
    *OUTPUT_COLUMNS, "exported", "origin_group", "cls", "reason", "note",
    "code_input", "entered_input", "exported_input", "value_input",
))  # fmt: skip
# DuckDB errors that are bugs in the plan, not a problem with the input or output file
_PLAN_ERRORS = (
    duckdb.BinderException, duckdb.CatalogException, duckdb.ParserException,
    duckdb.InternalException,
)  # fmt: skip


@dataclass
class BulkResult:
    """Counts and paths of a bulk run."""

    rows: int
    rated: int
    rejected: int
    output: Path
    rejects: Path
    seconds: float


def input_relation(path: Path) -> str:
    """A DuckDB table function reading ``path`` (file or directory, CSV or Parquet)."""
    if not path.exists():
        raise InputError(f"input {path} does not exist")
    if path.is_dir():
        parquet = list(path.rglob("*.parquet"))
        csv = list(path.rglob("*.csv"))
        if parquet:
            return (
                f"read_parquet('{_quote(path)}/**/*.parquet', hive_partitioning = true, "
                "union_by_name = true)"
            )
        if csv:
            return f"read_csv('{_quote(path)}/**/*.csv', all_varchar = true, header = true)"
        raise InputError(f"input directory {path} holds no .csv or .parquet files")
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        return f"read_parquet('{_quote(path)}')"
    if suffix in (".csv", ".txt"):
        return f"read_csv('{_quote(path)}', all_varchar = true, header = true)"
    raise InputError(f"input {path}: expected a .csv or .parquet file")


def _quote(path: Path) -> str:
    return str(path).replace("'", "''")


def _countries_sql() -> str:
    codes = ", ".join(f"'{c.alpha_2}'" for c in pycountry.countries)
    return f"[{codes}]"


def bulk_duty(
    store: Path,
    input_path: Path,
    output: Path,
    rejects: Path | None = None,
    progress: Callable[[float], None] | None = None,
    threads: int | None = None,
    memory_limit: str = "1500MB",
) -> BulkResult:
    """Rate every shipment in ``input_path`` and write ``output`` (Parquet)."""
    started = time.perf_counter()
    rejects = rejects or output.with_name(output.stem + ".rejects.csv")
    source = input_relation(input_path)
    con = duckdb.connect()
    try:
        con.execute(f"SET memory_limit = '{memory_limit}'")
        con.execute("SET preserve_insertion_order = false")
        con.execute("SET enable_progress_bar = false")
        if threads:
            con.execute(f"SET threads = {int(threads)}")
        con.execute(f"ATTACH '{_quote(store)}' AS s (READ_ONLY)")
        try:
            columns = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()]
        except duckdb.Error as exc:
            raise InputError(f"cannot read {input_path}: {str(exc).splitlines()[0]}") from None
        missing = [c for c in REQUIRED if c not in columns]
        if missing:
            raise InputError(f"input {input_path} lacks column(s): {', '.join(missing)}")
        exported = "exported" if "exported" in columns else "NULL"
        con.execute(_plan_sql(source, exported, columns))
        try:
            _run(con, _copy_sql(output, rejects), progress)
        except duckdb.Error as exc:
            if isinstance(exc, _PLAN_ERRORS):
                raise
            output.unlink(missing_ok=True)  # no half-written files left behind
            rejects.unlink(missing_ok=True)
            first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise InputError(f"cannot rate {input_path}: {first}") from None
        rated = con.execute(f"SELECT count(*) FROM read_parquet('{_quote(output)}')").fetchone()[0]
        rejected = con.execute(
            f"SELECT count(*) FROM read_csv('{_quote(rejects)}', all_varchar = true)"
        ).fetchone()[0]
    finally:
        con.close()
    return BulkResult(
        rated + rejected, rated, rejected, output, rejects, time.perf_counter() - started
    )


def _plan_sql(source: str, exported: str, columns: list[str]) -> str:
    """The relational plan: normalise, validate, classify export dates, join."""
    passed = [c for c in columns if c.lower() not in (*REQUIRED, *RESERVED)]
    extra = ", ".join('"' + c.replace('"', '""') + '"' for c in passed)
    keep = f", {extra}" if extra else ""
    return f"""
    CREATE OR REPLACE TEMP TABLE cuts AS
        SELECT list_sort(list_distinct(list(d))) AS cuts FROM (
            SELECT export_from AS d FROM s.panel WHERE export_from IS NOT NULL
            UNION SELECT export_until FROM s.panel WHERE export_until IS NOT NULL);
    CREATE OR REPLACE TEMP TABLE keyed_panel AS
        WITH classes AS (SELECT generate_series(0, len(cuts)) AS cls FROM cuts),
        bounded AS (
            SELECT p.*, unnest(c.cls) AS cls FROM s.panel p, classes c
        )
        SELECT b.* FROM bounded b, cuts
        WHERE (b.export_from IS NULL OR b.cls >= list_position(cuts.cuts, b.export_from))
          AND (b.export_until IS NULL OR b.cls < list_position(cuts.cuts, b.export_until))
        -- a parent code can have overlapping rows (lines with and without an export
        -- window); keep one per key, the ambiguous one first, as duty.py does
        QUALIFY row_number() OVER (
            PARTITION BY b.importer, b.origin_group, b.code, b.valid_from, b.cls
            ORDER BY b.ambiguous DESC, b.export_from NULLS LAST, b.export_until NULLS LAST
        ) = 1;
    CREATE OR REPLACE TEMP TABLE coverage AS SELECT * FROM s.coverage;
    CREATE OR REPLACE TEMP VIEW shipments AS
        WITH src AS (SELECT * FROM {source}),
        norm AS (
            SELECT
                code AS code_input,
                upper(regexp_replace(trim(CAST(code AS VARCHAR)), '[.\\s-]', '', 'g')) AS code,
                upper(trim(CAST(importer AS VARCHAR))) AS importer,
                upper(trim(CAST(origin AS VARCHAR))) AS origin,
                CAST(entered AS VARCHAR) AS entered_input,
                TRY_CAST(entered AS DATE) AS entered,
                TRY_CAST({exported} AS DATE) AS exported,
                CAST({exported} AS VARCHAR) AS exported_input,
                CAST(value AS VARCHAR) AS value_input,
                TRY_CAST(value AS DOUBLE) AS value{keep}
            FROM src
        )
        SELECT n.*,
            CASE n.importer WHEN 'US' THEN (CASE WHEN n.origin = 'CN' THEN 'CN' ELSE '*' END)
                            WHEN 'CN' THEN (CASE WHEN n.origin = 'US' THEN 'US' ELSE '*' END)
            END AS origin_group,
            len(list_filter(cuts.cuts, c -> c <= coalesce(n.exported, n.entered))) AS cls,
            CASE
                WHEN n.code IS NULL OR NOT regexp_full_match(n.code, '{CODE_PATTERN}')
                    THEN 'malformed code: expected HS6, HTS8 or HTS10 digits'
                WHEN n.importer IS NULL OR n.importer NOT IN ('US', 'CN')
                    THEN 'unknown importer: expected US or CN'
                WHEN n.origin IS NULL OR NOT list_contains({_countries_sql()}, n.origin)
                    THEN 'unknown origin country: expected an ISO alpha-2 code'
                WHEN n.origin = n.importer THEN 'origin equals importer'
                WHEN n.entered IS NULL THEN 'entry date missing or not YYYY-MM-DD'
                WHEN n.exported_input IS NOT NULL AND trim(n.exported_input) <> ''
                     AND n.exported IS NULL THEN 'export date not YYYY-MM-DD'
                WHEN n.exported > n.entered THEN 'export date after entry date'
                WHEN n.value_input IS NOT NULL AND trim(n.value_input) <> ''
                     AND (n.value IS NULL OR isnan(n.value) OR n.value < 0)
                    THEN 'value is not a non-negative number'
                WHEN n.entered < cv.cov_from OR n.entered >= cv.cov_until
                    THEN 'entry date outside the schedule coverage'
            END AS reason
        FROM norm n
        CROSS JOIN cuts
        LEFT JOIN coverage cv ON cv.importer = n.importer;
    """


def _copy_sql(output: Path, rejects: Path) -> str:
    """Rate the shipments, then write good rows to Parquet and rejects to CSV."""
    return f"""
    CREATE OR REPLACE TEMP VIEW rated AS
        SELECT sh.* EXCLUDE (cls, reason),
            p.mfn_rate, p.mfn_text, p.mfn_heading, p.s301_rate, p.s301_heading,
            p.s232_rate, p.s232_heading, p.ret_rate, p.ret_heading, p.adval_rate,
            p.total_rate, sh.value * p.total_rate AS duty, p.approx,
            coalesce(sh.reason, CASE
                WHEN p.code IS NULL THEN 'code not in the schedule on the entry date'
                WHEN p.ambiguous
                    THEN 'parent code whose lines differ in duty: give the full line'
            END) AS reason,
            CASE WHEN p.code IS NOT NULL AND NOT p.expressible
                 THEN 'MFN rate ' || coalesce(p.mfn_text, 'missing')
                      || ' is not ad valorem: total and duty need a quantity'
            END AS note
        FROM shipments sh
        LEFT JOIN keyed_panel p
          ON p.importer = sh.importer AND p.origin_group = sh.origin_group
         AND p.code = sh.code AND p.cls = sh.cls
         AND sh.entered >= p.valid_from AND sh.entered < p.valid_until;
    COPY (SELECT * EXCLUDE (reason, code_input, entered_input, exported_input, value_input)
          FROM rated WHERE reason IS NULL)
        TO '{_quote(output)}' (FORMAT parquet);
    COPY (SELECT code_input AS code, importer, origin, entered_input AS entered,
                 exported_input AS exported, value_input AS value, reason
          FROM rated WHERE reason IS NOT NULL)
        TO '{_quote(rejects)}' (FORMAT csv, HEADER);
    """


def _run(
    con: duckdb.DuckDBPyConnection, sql: str, progress: Callable[[float], None] | None
) -> None:
    """Run ``sql``, reporting DuckDB's query progress to ``progress`` from a thread."""
    if progress is None:
        con.execute(sql)
        return
    done = threading.Event()
    errors: list[BaseException] = []

    def work() -> None:
        try:
            con.execute(sql)
        except BaseException as exc:  # re-raised in the caller's thread
            errors.append(exc)
        finally:
            done.set()

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    while not done.wait(0.2):
        try:
            value = con.query_progress()
        except duckdb.Error:
            value = -1
        if value >= 0:
            progress(min(value, 100.0))
    thread.join()
    if errors:
        raise errors[0]
    progress(100.0)
