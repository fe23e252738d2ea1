"""Trade flows: every trade-flow source in the raw directory, in one table ``flows``.

One row per (statistic, reporter, partner, flow, product code, period) as the source
gives it, with its provenance (``source`` file relative to TRADEWAR_RAW and the
1-based ``source_row``: the Excel row, the CSV line, or the Parquet row). One
question can be answered from several statistics: "US exports to China" (Census,
reporter US) versus "China's imports from the US" (ITC Trade Map via PIIE, or UN
Comtrade, reporter CN).

Sources (SOURCES.md items 2, 3 and the addendum):

* PIIE (Bown, Jung & Zhang, June 2019), sheet "Imports Value": China's 2017 imports
  from the US by China HS8, USD thousands (ITC Trade Map) -> USD.
* Census, US exports to China by HS6 and month, 2013-2020 (phaseone-tradedata file);
  December 2020 is given mostly at HS4 (rows without an HS6 code), kept at HS4.
* Census, US imports for consumption from China (CON_VAL_MO, calculated duty
  CAL_DUT_MO) and US exports to China (ALL_VAL_MO) by HS2 and month, 2013-01..2020-10,
  and the same for all countries (partner "World").
* Census, US imports for consumption from China by HS10, calendar 2024 (CON_VAL_YR,
  calculated duty CAL_DUT_YR).
* UN Comtrade annual totals (cmdCode TOTAL) reported by the US and by China.

Validation is relational: each source is staged in DuckDB with a ``problem`` column
(bad code, bad period, a value that is not a non-negative number, a duplicate key);
rows with a problem are rejected into the report with file, row and value. Totals
are cross-checked against SOURCES.md's sanity numbers (``report.check``), each with
its tolerance stated in the note.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from ...errors import SourceError
from ..report import ValidationReport

PIIE_FILE = "mwaugh0328__consumption_and_tradewar/data/bown-jung-zhang-2019-06-12.xlsx"
PIIE_SHEET = "Imports Value"
HS6_EXPORTS = "tradewartracker__us-china-overview/data/phaseone-tradedata-C-december.parquet"
AWS = "mwaugh0328__tradewar-tracker-aws-product-level/data"
HS2_FILES = {
    # file: (flow, partner, value column, duty column, statistic)
    f"{AWS}/imports/5700data.parquet": (
        "import", "CN", "CON_VAL_MO", "CAL_DUT_MO",
        "Census US imports for consumption from China, CON_VAL_MO (calculated duty "
        "CAL_DUT_MO)",
    ),
    f"{AWS}/exports/5700data.parquet": (
        "export", "CN", "ALL_VAL_MO", None, "Census US exports to China, ALL_VAL_MO",
    ),
    f"{AWS}/imports/TOTALdata.parquet": (
        "import", "World", "CON_VAL_MO", "CAL_DUT_MO",
        "Census US imports for consumption from all countries, CON_VAL_MO (calculated "
        "duty CAL_DUT_MO)",
    ),
    f"{AWS}/exports/TOTALdata.parquet": (
        "export", "World", "ALL_VAL_MO", None,
        "Census US exports to all countries, ALL_VAL_MO",
    ),
}  # fmt: skip
HS10_2024 = "tradewartracker__trade-war-redux-2025/data/2024-hs10-imports5700.parquet"
COMTRADE_DIR = "DMK041218__3009GroupProject/Data/Bilateral Trade Data"
COMTRADE_FILES = (
    f"{COMTRADE_DIR}/TradeData_USA_China.csv",
    f"{COMTRADE_DIR}/TradeData_China_USA.csv",
)
CENSUS_CHINA = "5700"
ISO3 = {"USA": "US", "CHN": "CN"}

FLOW_COLUMNS: dict[str, str] = {
    "reporter": "VARCHAR",  # who reports the statistic: US | CN
    "partner": "VARCHAR",  # ISO2 of the partner, or 'World'
    "flow": "VARCHAR",  # import | export (as seen by the reporter)
    "product_level": "VARCHAR",  # HS2 | HS4 | HS6 | HS8 | HS10 | TOTAL
    "code": "VARCHAR",  # digits of the reporter's nomenclature, or 'TOTAL'
    "description": "VARCHAR",
    "period_start": "DATE",
    "period_end": "DATE",  # exclusive
    "granularity": "VARCHAR",  # year | month
    "value_usd": "DOUBLE",
    "duty_usd": "DOUBLE",  # calculated duty where the source gives it, else NULL
    "quantity": "DOUBLE",
    "unit": "VARCHAR",
    "valuation": "VARCHAR",  # how the value is measured (CIF, customs value, ...)
    "statistic": "VARCHAR",  # which statistic the row belongs to
    "source": "VARCHAR",  # raw file, relative to TRADEWAR_RAW
    "source_row": "INTEGER",  # 1-based row (Excel row, CSV line, Parquet row)
}
_SELECT = ", ".join(f"CAST({c} AS {t}) AS {c}" for c, t in FLOW_COLUMNS.items())
_NUMBER = r"^\s*[0-9]+(\.[0-9]+)?\s*$"  # non-negative decimal as text
MAX_REJECTS_REPORTED = 200

# Sanity numbers of SOURCES.md (USD bn, rounded to 0.1): (name, SQL filter, expected).
BN = 1e9
TOTAL_CHECKS: tuple[tuple[str, str, float], ...] = (
    ("flows_piie_cn_imports_us_2017", f"source = '{PIIE_FILE}'", 154.8),
    *(
        (f"flows_census_us_imports_cn_hs2_{y}",
         f"source = '{AWS}/imports/5700data.parquet' AND year(period_start) = {y}", v)
        for y, v in ((2017, 503.7), (2018, 544.0), (2019, 455.4))
    ),
    ("flows_census_us_exports_cn_hs2_2017",
     f"source = '{AWS}/exports/5700data.parquet' AND year(period_start) = 2017", 130.0),
    *(
        (f"flows_census_us_exports_cn_hs6_{y}",
         f"source = '{HS6_EXPORTS}' AND year(period_start) = {y}", v)
        for y, v in ((2017, 129.0), (2018, 119.6), (2019, 106.0), (2020, 122.5))
    ),
    ("flows_census_us_imports_cn_hs10_2024", f"source = '{HS10_2024}'", 429.4),
    *(
        (f"flows_comtrade_us_imports_cn_{y}",
         f"reporter = 'US' AND flow = 'import' AND product_level = 'TOTAL' "
         f"AND year(period_start) = {y}", v)
        for y, v in ((2017, 525.8), (2018, 563.2), (2019, 472.5), (2020, 457.2))
    ),
    ("flows_comtrade_us_exports_cn_2017",
     "reporter = 'US' AND flow = 'export' AND product_level = 'TOTAL' "
     "AND year(period_start) = 2017", 129.8),
    ("flows_comtrade_cn_imports_us_2017",
     "reporter = 'CN' AND flow = 'import' AND product_level = 'TOTAL' "
     "AND year(period_start) = 2017", 154.4),
)  # fmt: skip
TOTAL_TOLERANCE_BN = 0.05  # SOURCES.md rounds to 0.1bn
# Implied duty rate of US imports from China, HS2 Census (SOURCES.md), in percent.
DUTY_RATE_CHECKS = ((2017, 2.68), (2018, 4.14), (2019, 9.73), (2020, 9.96))
DUTY_RATE_TOLERANCE_PP = 0.005  # SOURCES.md rounds to 0.01 points


def load_flows(raw: Path, report: ValidationReport) -> dict[str, pd.DataFrame]:
    """The ``flows`` table from every trade-flow source in ``raw``."""
    con = duckdb.connect()
    try:
        con.execute("SET TimeZone = 'UTC'")
        parts = [
            _piie(con, raw, report),
            _hs6_exports(con, raw, report),
            *(_hs2(con, raw, path, spec, report) for path, spec in HS2_FILES.items()),
            _hs10_2024(con, raw, report),
            *(_comtrade(con, raw, path, report) for path in COMTRADE_FILES),
        ]
        con.execute(
            "CREATE TABLE flows AS "
            + " UNION ALL ".join(f"SELECT {_SELECT} FROM {p}" for p in parts)
            + " ORDER BY source, source_row"
        )
        _checks(con, report)
        # through Arrow, so that dates stay dates (DATE in the store, not TIMESTAMP)
        return {"flows": con.execute("SELECT * FROM flows").fetch_arrow_table().to_pandas()}
    finally:
        con.close()


# --- staging and rejection ----------------------------------------------------------


def _path(raw: Path, rel: str) -> str:
    path = raw / rel
    if not path.is_file():
        raise SourceError(f"{rel}: trade-flow source not found in {raw}")
    return str(path).replace("'", "''")


def _keep(
    con: duckdb.DuckDBPyConnection, staged: str, source: str, report: ValidationReport
) -> str:
    """Reject the staged rows that have a ``problem``; return the name of the rest."""
    n, bad = con.execute(
        f"SELECT count(*), count(*) FILTER (problem IS NOT NULL) FROM {staged}"
    ).fetchone()
    rejects = con.execute(
        f"SELECT source_row, bad_value, problem FROM {staged} WHERE problem IS NOT NULL "
        f"ORDER BY source_row LIMIT {MAX_REJECTS_REPORTED}"
    ).fetchall()
    for row, value, problem in rejects:
        report.reject(source, row, value, problem)
    if bad > len(rejects):
        report.reject(source, None, bad - len(rejects), "more rejected rows (not listed)")
    report.read(source, n, n - bad)
    kept = f"{staged}_kept"
    con.execute(f"CREATE TABLE {kept} AS SELECT * FROM {staged} WHERE problem IS NULL")
    return kept


def _dup_problem(key: str) -> str:
    """SQL: 'repeats row N' when an earlier row has the same key."""
    return (
        f"CASE WHEN count(*) OVER (PARTITION BY {key} ORDER BY source_row) > 1 THEN "
        f"'same key as row ' || first(source_row) OVER (PARTITION BY {key} "
        f"ORDER BY source_row) END"
    )


# --- sources ------------------------------------------------------------------------


def _piie(con: duckdb.DuckDBPyConnection, raw: Path, report: ValidationReport) -> str:
    _path(raw, PIIE_FILE)
    try:
        sheet = pd.read_excel(raw / PIIE_FILE, sheet_name=PIIE_SHEET, header=None, dtype=str)
    except Exception as exc:
        raise SourceError(f"{PIIE_FILE}: cannot read sheet {PIIE_SHEET!r} ({exc})") from None
    header = [str(c).strip() for c in sheet.iloc[0, :3]]
    if header != ["hs08", "ProductDescription", "2017 China's Imports from US (000USD)"]:
        raise SourceError(f"{PIIE_FILE} sheet {PIIE_SHEET!r}: unexpected header {header}")
    body = sheet.iloc[1:, :3].copy()
    body.columns = ["code", "description", "value"]
    body.insert(0, "source_row", range(2, len(body) + 2))  # Excel rows (header is row 1)
    con.register("piie_df", body)
    con.execute(f"""
        CREATE TABLE piie AS
        WITH s AS (
            SELECT source_row, trim(code) AS code, trim(description) AS description,
                   trim(value) AS value_text FROM piie_df
        ), p AS (
            SELECT *, CASE
                WHEN code IS NULL OR NOT regexp_full_match(code, '[0-9]{{8}}')
                    THEN 'not an 8-digit China HS code'
                WHEN value_text IS NULL THEN 'no import value'
                WHEN NOT regexp_matches(value_text, '{_NUMBER}')
                    THEN 'import value is not a non-negative number'
                END AS problem
            FROM s
        )
        SELECT * EXCLUDE (problem), coalesce(problem, {_dup_problem("code")}) AS problem,
               coalesce(code, '?') || ' ' || coalesce(value_text, 'NULL') AS bad_value
        FROM p
    """)
    kept = _keep(con, "piie", PIIE_FILE, report)
    return f"""(SELECT 'CN' AS reporter, 'US' AS partner, 'import' AS flow,
        'HS8' AS product_level, code, description, DATE '2017-01-01' AS period_start,
        DATE '2018-01-01' AS period_end, 'year' AS granularity,
        CAST(value_text AS DOUBLE) * 1000 AS value_usd, NULL AS duty_usd,
        NULL AS quantity, NULL AS unit, 'CIF (ITC Trade Map, USD thousands x 1000)'
            AS valuation,
        'China imports from US, ITC Trade Map via PIIE' AS statistic,
        '{PIIE_FILE}' AS source, source_row FROM {kept})"""


def _hs6_exports(con: duckdb.DuckDBPyConnection, raw: Path, report: ValidationReport) -> str:
    path = _path(raw, HS6_EXPORTS)
    con.execute(f"""
        CREATE TABLE hs6x AS
        WITH s AS (
            SELECT file_row_number + 1 AS source_row, CTY_CODE AS cty,
                   coalesce(hs6, hs4) AS code,
                   CASE WHEN hs6 IS NOT NULL THEN 'HS6' ELSE 'HS4' END AS product_level,
                   description, china_exports AS value, china_exports_quant AS quantity,
                   nullif(quant_type, '-') AS unit, CAST(time AS DATE) AS period_start,
                   hs4_o AS annex_code
            FROM read_parquet('{path}', file_row_number = true)
        )
        SELECT *, CASE
            WHEN cty IS NOT NULL AND cty <> '{CENSUS_CHINA}'
                THEN 'CTY_CODE is not 5700 (China)'
            WHEN code IS NULL AND annex_code IS NOT NULL
                THEN 'no HS6 or HS4 code, only the Phase One annex code hs4_o '
                     || annex_code || ' (level unknown)'
            WHEN code IS NULL OR NOT regexp_full_match(code,
                 CASE product_level WHEN 'HS6' THEN '[0-9]{{6}}' ELSE '[0-9]{{4}}' END)
                THEN 'not a ' || product_level || ' code'
            WHEN period_start IS NULL OR day(period_start) <> 1
                 OR period_start < DATE '2013-01-01' OR period_start >= DATE '2021-01-01'
                THEN 'month not first of a month in 2013-2020'
            WHEN value IS NULL OR isnan(value) OR value < 0
                THEN 'export value missing or negative'
            WHEN quantity < 0 THEN 'negative quantity'
            END AS problem,
            coalesce(code, '?') || ' ' || coalesce(CAST(period_start AS VARCHAR), '?') || ' '
                || coalesce(CAST(value AS VARCHAR), 'NULL') AS bad_value
        FROM s
    """)
    kept = _keep(con, "hs6x", HS6_EXPORTS, report)
    # Rows that repeat (month, code): energy lines split in several Census records
    # (same unit, different values) that add up towards the HS2 chapter total; kept.
    repeats = con.execute(f"""
        SELECT code, count(*) AS n, count(DISTINCT period_start) AS months,
               min(source_row) AS first_row
        FROM (SELECT * FROM {kept} QUALIFY count(*) OVER (
                PARTITION BY code, period_start, product_level) > 1)
        GROUP BY code ORDER BY code
    """).fetchall()
    for code, n, months, first in repeats:
        report.warn(
            HS6_EXPORTS, first, code,
            f"{n} rows over {months} months share (month, code): separate Census records "
            "of one product (their sum approaches the HS2 total), all kept; add them up",
        )  # fmt: skip
    hs4 = con.execute(
        f"SELECT count(*), min(source_row), sum(value), list(DISTINCT period_start) "
        f"FROM {kept} WHERE product_level = 'HS4'"
    ).fetchone()
    if hs4[0]:
        report.warn(
            HS6_EXPORTS, hs4[1], f"{hs4[0]} rows, USD {hs4[2]:,.0f}",
            f"rows with no HS6 code and no CTY_CODE in {sorted(map(str, hs4[3]))}: kept as "
            "HS4 flows of US exports to China (the month is given at HS4)",
        )  # fmt: skip
    return f"""(SELECT 'US' AS reporter, 'CN' AS partner, 'export' AS flow, product_level,
        code, description, period_start, period_start + INTERVAL 1 MONTH AS period_end,
        'month' AS granularity, value AS value_usd, NULL AS duty_usd, quantity, unit,
        'FAS (Census)' AS valuation,
        'Census US exports to China, ALL_VAL_MO (HS6 file, phase-one tracker)' AS statistic,
        '{HS6_EXPORTS}' AS source, source_row FROM {kept})"""


def _hs2(
    con: duckdb.DuckDBPyConnection,
    raw: Path,
    rel: str,
    spec: tuple[str, str, str, str | None, str],
    report: ValidationReport,
) -> str:
    flow, partner, value_col, duty_col, statistic = spec
    path = _path(raw, rel)
    prefix = "I" if flow == "import" else "E"
    name = f"hs2_{flow}_{partner.lower()}"
    duty = duty_col or "NULL"
    duty_bad = (
        "FALSE"
        if duty_col is None
        else f"duty_text IS NULL OR NOT regexp_matches(duty_text, '{_NUMBER}')"
    )
    country = (
        f"CTY_CODE <> '{CENSUS_CHINA}' OR CTY_CODE IS NULL"
        if partner == "CN"
        else "CTY_NAME <> 'TOTAL FOR ALL COUNTRIES'"
    )
    con.execute(f"""
        CREATE TABLE {name} AS
        WITH s AS (
            SELECT file_row_number + 1 AS source_row, {prefix}_COMMODITY AS code,
                   {prefix}_COMMODITY_SDESC AS description, COMM_LVL AS level,
                   time AS month, trim({value_col}) AS value_text,
                   trim({duty}) AS duty_text, ({country}) AS wrong_country
            FROM read_parquet('{path}', file_row_number = true)
        ), p AS (
            SELECT *, try_strptime(month, '%Y-%m')::DATE AS period_start, CASE
                WHEN wrong_country THEN 'not the expected country ({partner})'
                WHEN level IS DISTINCT FROM 'HS2' THEN 'COMM_LVL is not HS2'
                WHEN code IS NULL OR NOT regexp_full_match(code, '[0-9]{{2}}')
                    THEN 'not an HS2 code'
                WHEN try_strptime(month, '%Y-%m') IS NULL THEN 'time is not YYYY-MM'
                WHEN value_text IS NULL OR NOT regexp_matches(value_text, '{_NUMBER}')
                    THEN '{value_col} is not a non-negative number'
                WHEN {duty_bad}
                    THEN '{duty_col} is not a non-negative number'
                END AS problem
            FROM s
        )
        SELECT * EXCLUDE (problem),
               coalesce(problem, {_dup_problem("code, month")}) AS problem,
               coalesce(code, '?') || ' ' || coalesce(month, '?') || ' '
                   || coalesce(value_text, 'NULL') || ' ' || coalesce(duty_text, '')
                   AS bad_value
        FROM p
    """)
    kept = _keep(con, name, rel, report)
    valuation = (
        "customs value, imports for consumption (Census)" if flow == "import" else "FAS (Census)"
    )
    return f"""(SELECT 'US' AS reporter, '{partner}' AS partner, '{flow}' AS flow,
        'HS2' AS product_level, code, description, period_start,
        period_start + INTERVAL 1 MONTH AS period_end, 'month' AS granularity,
        CAST(value_text AS DOUBLE) AS value_usd, CAST(duty_text AS DOUBLE) AS duty_usd,
        NULL AS quantity, NULL AS unit, '{valuation}' AS valuation,
        '{statistic}' AS statistic, '{rel}' AS source, source_row FROM {kept})"""


def _hs10_2024(con: duckdb.DuckDBPyConnection, raw: Path, report: ValidationReport) -> str:
    path = _path(raw, HS10_2024)
    con.execute(f"""
        CREATE TABLE hs10 AS
        WITH s AS (
            SELECT file_row_number + 1 AS source_row, I_COMMODITY AS code,
                   I_COMMODITY_SDESC AS description, COMM_LVL AS level, CTY_CODE AS cty,
                   CAST(time AS DATE) AS t, trim(CON_VAL_YR) AS value_text,
                   trim(CAL_DUT_YR) AS duty_text, imports, duty
            FROM read_parquet('{path}', file_row_number = true)
        ), p AS (
            SELECT *, CASE
                WHEN cty IS DISTINCT FROM '{CENSUS_CHINA}' THEN 'CTY_CODE is not 5700 (China)'
                WHEN level IS DISTINCT FROM 'HS10' THEN 'COMM_LVL is not HS10'
                WHEN code IS NULL OR NOT regexp_full_match(code, '[0-9]{{10}}')
                    THEN 'not an HTS10 code'
                WHEN t IS DISTINCT FROM DATE '2024-12-01'
                    THEN 'time is not 2024-12 (the year-to-date of calendar 2024)'
                WHEN value_text IS NULL OR NOT regexp_matches(value_text, '{_NUMBER}')
                    THEN 'CON_VAL_YR is not a non-negative number'
                WHEN duty_text IS NULL OR NOT regexp_matches(duty_text, '{_NUMBER}')
                    THEN 'CAL_DUT_YR is not a non-negative number'
                END AS problem
            FROM s
        )
        SELECT * EXCLUDE (problem), coalesce(problem, {_dup_problem("code")}) AS problem,
               coalesce(code, '?') || ' ' || coalesce(value_text, 'NULL') || ' '
                   || coalesce(duty_text, 'NULL') AS bad_value
        FROM p
    """)
    kept = _keep(con, "hs10", HS10_2024, report)
    odd = con.execute(f"""
        SELECT source_row, code, value_text, imports, duty_text, duty FROM {kept}
        WHERE imports IS DISTINCT FROM CAST(value_text AS DOUBLE)
           OR duty IS DISTINCT FROM CAST(duty_text AS DOUBLE)
        ORDER BY source_row
    """).fetchall()
    for row, code, value, imports, duty_text, duty in odd[:MAX_REJECTS_REPORTED]:
        report.warn(
            HS10_2024, row, code,
            f"derived columns imports={imports} duty={duty} differ from CON_VAL_YR={value} "
            f"CAL_DUT_YR={duty_text}; the Census strings are kept",
        )  # fmt: skip
    report.check(
        "flows_hs10_2024_derived_columns",
        0,
        len(odd),
        not odd,
        "rows whose float columns imports/duty differ from the Census strings",
    )
    return f"""(SELECT 'US' AS reporter, 'CN' AS partner, 'import' AS flow,
        'HS10' AS product_level, code, description, DATE '2024-01-01' AS period_start,
        DATE '2025-01-01' AS period_end, 'year' AS granularity,
        CAST(value_text AS DOUBLE) AS value_usd, CAST(duty_text AS DOUBLE) AS duty_usd,
        NULL AS quantity, NULL AS unit,
        'customs value, imports for consumption (Census)' AS valuation,
        'Census US imports for consumption from China, CON_VAL_YR (calculated duty '
            || 'CAL_DUT_YR), HTS10 2024' AS statistic,
        '{HS10_2024}' AS source, source_row FROM {kept})"""


def _comtrade(con: duckdb.DuckDBPyConnection, raw: Path, rel: str, report: ValidationReport) -> str:
    _path(raw, rel)
    try:
        frame = pd.read_csv(raw / rel, index_col=False, dtype=str)
    except Exception as exc:
        raise SourceError(f"{rel}: cannot read ({exc})") from None
    needed = [
        "refYear",
        "freqCode",
        "reporterISO",
        "partnerISO",
        "partner2ISO",
        "flowCode",
        "cmdCode",
        "customsCode",
        "motCode",
        "primaryValue",
        "cifvalue",
        "fobvalue",
    ]
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise SourceError(f"{rel}: columns {missing} missing")
    frame = frame[needed].copy()
    frame.insert(0, "source_row", range(2, len(frame) + 2))  # CSV lines (header is line 1)
    name = "comtrade_" + Path(rel).stem.lower()
    con.register(f"{name}_df", frame)
    iso = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in ISO3.items())
    con.execute(f"""
        CREATE TABLE {name} AS
        WITH s AS (
            SELECT *, CASE reporterISO {iso} END AS reporter,
                   CASE partnerISO {iso} END AS partner,
                   CASE flowCode WHEN 'M' THEN 'import' WHEN 'X' THEN 'export' END AS flow,
                   try_cast(refYear AS INTEGER) AS year,
                   trim(primaryValue) AS value_text
            FROM {name}_df
        ), p AS (
            SELECT *, CASE
                WHEN reporter IS NULL OR partner IS NULL
                    THEN 'reporter or partner is not USA/CHN'
                WHEN flow IS NULL THEN 'flowCode is not M or X'
                WHEN freqCode IS DISTINCT FROM 'A' THEN 'not annual (freqCode A)'
                WHEN cmdCode IS DISTINCT FROM 'TOTAL' OR partner2ISO IS DISTINCT FROM 'W00'
                     OR customsCode IS DISTINCT FROM 'C00' OR motCode IS DISTINCT FROM '0'
                    THEN 'not the all-commodities, all-procedures total'
                WHEN year IS NULL OR year NOT BETWEEN 1990 AND 2030 THEN 'bad refYear'
                WHEN value_text IS NULL OR NOT regexp_matches(value_text, '{_NUMBER}')
                    THEN 'primaryValue is not a non-negative number'
                END AS problem
            FROM s
        )
        SELECT * EXCLUDE (problem),
               coalesce(problem, {_dup_problem("reporter, partner, flow, year")}) AS problem,
               coalesce(reporterISO, '?') || ' ' || coalesce(flowCode, '?') || ' '
                   || coalesce(refYear, '?') || ' ' || coalesce(value_text, 'NULL')
                   AS bad_value
        FROM p
    """)
    kept = _keep(con, name, rel, report)
    return f"""(SELECT reporter, partner, flow, 'TOTAL' AS product_level, 'TOTAL' AS code,
        'All commodities' AS description, make_date(year, 1, 1) AS period_start,
        make_date(year + 1, 1, 1) AS period_end, 'year' AS granularity,
        CAST(value_text AS DOUBLE) AS value_usd, NULL AS duty_usd, NULL AS quantity,
        NULL AS unit,
        CASE flow WHEN 'import' THEN 'CIF' ELSE 'FOB' END || ' (UN Comtrade primaryValue)'
            AS valuation,
        CASE reporter WHEN 'US' THEN 'UN Comtrade, US-reported ' ELSE
            'UN Comtrade, China-reported ' END || flow || 's, total' AS statistic,
        '{rel}' AS source, source_row FROM {kept})"""


# --- cross-checks -------------------------------------------------------------------


def _checks(con: duckdb.DuckDBPyConnection, report: ValidationReport) -> None:
    for name, where, expected in TOTAL_CHECKS:
        observed = con.execute(f"SELECT sum(value_usd) / {BN} FROM flows WHERE {where}").fetchone()[
            0
        ]
        observed = round(observed or 0.0, 3)
        report.check(
            name,
            expected,
            observed,
            abs(observed - expected) <= TOTAL_TOLERANCE_BN,
            f"USD bn; SOURCES.md sanity number, tolerance ±{TOTAL_TOLERANCE_BN} bn "
            "(it rounds to 0.1 bn)",
        )
    imports = f"{AWS}/imports/5700data.parquet"
    for year, expected in DUTY_RATE_CHECKS:
        observed = con.execute(
            "SELECT 100 * sum(duty_usd) / sum(value_usd) FROM flows "
            "WHERE source = ? AND year(period_start) = ?",
            [imports, year],
        ).fetchone()[0]
        observed = round(observed or 0.0, 4)
        report.check(
            f"flows_census_us_duty_rate_cn_{year}",
            expected,
            observed,
            abs(observed - expected) <= DUTY_RATE_TOLERANCE_PP,
            f"percent: calculated duty / customs value, HS2 Census"
            f"{' (Jan-Oct)' if year == 2020 else ''}; tolerance ±{DUTY_RATE_TOLERANCE_PP} "
            "points (SOURCES.md rounds to 0.01)",
        )
    _cross_statistic(con, report)
    _partner_within_world(con, report)


def _cross_statistic(con: duckdb.DuckDBPyConnection, report: ValidationReport) -> None:
    """One question, several statistics: how far apart they are (stated tolerances)."""
    pairs = (
        (
            "flows_cn_imports_us_2017_piie_vs_comtrade",
            f"source = '{PIIE_FILE}'",
            "reporter = 'CN' AND flow = 'import' AND product_level = 'TOTAL' "
            "AND year(period_start) = 2017",
            0.01,
            "China's 2017 imports from the US: ITC Trade Map HS8 sum (PIIE) vs UN Comtrade "
            "total; tolerance 1%",
        ),
        (
            "flows_us_exports_cn_2017_hs6_vs_hs2",
            f"source = '{HS6_EXPORTS}' AND year(period_start) = 2017",
            f"source = '{AWS}/exports/5700data.parquet' AND year(period_start) = 2017",
            0.02,
            "US exports to China 2017: Census HS6 file vs Census HS2 file (different "
            "vintages; the HS6 file misses some records); tolerance 2%",
        ),
        (
            "flows_us_exports_cn_2017_census_vs_cn_imports_us",
            f"source = '{AWS}/exports/5700data.parquet' AND year(period_start) = 2017",
            f"source = '{PIIE_FILE}'",
            0.25,
            "mirror statistics: US-reported exports to China (FAS) vs China-reported "
            "imports from the US (CIF, by origin); they differ by valuation, timing and "
            "re-exports via third countries: informational, tolerance 25%",
        ),
        (
            "flows_us_imports_cn_2017_census_vs_comtrade",
            f"source = '{AWS}/imports/5700data.parquet' AND year(period_start) = 2017",
            "reporter = 'US' AND flow = 'import' AND product_level = 'TOTAL' "
            "AND year(period_start) = 2017",
            0.06,
            "US imports from China 2017: Census imports for consumption (customs value) vs "
            "UN Comtrade general imports (CIF); tolerance 6%",
        ),
    )
    for name, left, right, tolerance, note in pairs:
        a, b = con.execute(
            f"SELECT (SELECT sum(value_usd) FROM flows WHERE {left}) / {BN}, "
            f"(SELECT sum(value_usd) FROM flows WHERE {right}) / {BN}"
        ).fetchone()
        ok = a is not None and b is not None and abs(a / b - 1) <= tolerance
        report.check(name, round(b, 3), round(a, 3), ok, f"USD bn; {note}")


def _partner_within_world(con: duckdb.DuckDBPyConnection, report: ValidationReport) -> None:
    """China's HS2-month value or duty never exceeds the all-countries figure."""
    rows = con.execute("""
        SELECT c.flow, c.code, c.period_start, c.value_usd, w.value_usd, c.duty_usd,
               w.duty_usd, c.source, c.source_row
        FROM flows c JOIN flows w
          ON c.reporter = 'US' AND w.reporter = 'US' AND c.product_level = 'HS2'
         AND w.product_level = 'HS2' AND c.partner = 'CN' AND w.partner = 'World'
         AND c.flow = w.flow AND c.code = w.code AND c.period_start = w.period_start
        WHERE c.value_usd > w.value_usd OR c.duty_usd > w.duty_usd
        ORDER BY c.source, c.source_row
    """).fetchall()
    for flow, code, month, cv, wv, cd, wd, source, row in rows[:MAX_REJECTS_REPORTED]:
        report.warn(
            source, row, f"{code} {month:%Y-%m}",
            f"China {flow} value {cv:,.0f} / duty {cd} exceeds all countries' "
            f"{wv:,.0f} / {wd}",
        )  # fmt: skip
    unmatched = con.execute("""
        SELECT count(*) FROM flows c
        WHERE c.reporter = 'US' AND c.product_level = 'HS2' AND c.partner = 'CN'
          AND NOT EXISTS (SELECT 1 FROM flows w WHERE w.partner = 'World'
              AND w.product_level = 'HS2' AND w.flow = c.flow AND w.code = c.code
              AND w.period_start = c.period_start)
    """).fetchone()[0]
    report.check(
        "flows_census_hs2_china_within_world",
        0,
        len(rows) + unmatched,
        not rows and not unmatched,
        f"HS2-month rows where China's value or duty exceeds all countries' ({len(rows)}) "
        f"or has no all-countries row ({unmatched})",
    )
