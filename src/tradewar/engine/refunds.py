"""IEEPA refunds: the duty each entry paid under IEEPA headings, as one relational plan.

The entries file is the bulk input (``code, importer, origin, entered, value`` and
optionally ``exported``, ``claims``) plus an optional ``entry_number``. It runs through
the bulk plan unchanged (``plan.shipments_sql`` and ``plan.rated_sql`` on DuckDB), so
each entry gets the same panel row ``duty`` and ``bulk`` give it; the IEEPA part is the
panel's ``ieepa_rate`` and ``ieepa_heading``. Where two IEEPA headings stack (fentanyl
and reciprocal), each heading's rate on the entry (and export) date is read from the
``layers`` of that heading; when those rates do not add up to the panel's IEEPA rate the
entry keeps one part under the joined headings, never a guessed split.

Rows the plan rejects keep its reason; an entry with no value, or not a US entry, is
rejected too (the IEEPA duty is a share of the entered value). No Python touches rows.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from ..config import authored_dir
from ..data.yamlload import load_yaml
from ..errors import InputError, StoreError
from ..guards import check_output
from .backends import DuckDBBackend, quote
from .inputs import bulk_input
from .plan import REQUIRED, rated_sql, shipments_sql

REFUNDS_FILE = "refunds/ieepa.yaml"
OUTPUT_SUFFIXES = (".csv", ".parquet")
ID_COLUMN = "entry_number"
ENTRY_COLUMNS = (
    "entry_number", "code", "importer", "origin", "entered", "exported", "value",
    "heading", "rate", "amount", "ieepa_rate", "ieepa_duty", "split",
)  # fmt: skip

# each IEEPA heading's rate over each window of entry (and export) dates
_HEADING_RATES = """
CREATE OR REPLACE TEMP TABLE ieepa_heading_rates AS
SELECT DISTINCT heading, valid_from, valid_until, export_from, export_until, rate
FROM s.layers
WHERE importer = 'US' AND authority = 'IEEPA' AND condition IS NULL AND rate > 0
"""

# the good entries, numbered; the rejected ones with their reason
_ENTRIES = """
CREATE OR REPLACE TEMP TABLE refund_good AS
SELECT row_number() OVER (ORDER BY entered, code, value, {id}) AS eid, {id} AS entry_number,
       code, importer, origin, entered, exported, value,
       coalesce(ieepa_rate, 0.0) AS ieepa_rate, ieepa_heading
FROM rated
WHERE reason IS NULL AND importer = 'US' AND value IS NOT NULL;

CREATE OR REPLACE TEMP TABLE refund_rejected AS
SELECT {id} AS entry_number, code_input AS code, importer, origin,
       entered_input AS entered, exported_input AS exported, value_input AS value,
       coalesce(reason, CASE
           WHEN importer <> 'US' THEN 'not a US entry: IEEPA duties are US duties'
           WHEN value IS NULL THEN 'value missing: the IEEPA duty is a share of the value'
       END) AS reason
FROM rated
WHERE reason IS NOT NULL OR importer <> 'US' OR value IS NULL;
"""

# one row per entry and IEEPA heading (or one row with no heading)
_PARTS = """
CREATE OR REPLACE TEMP TABLE refund_parts AS
WITH split AS (
    SELECT g.eid, trim(h.heading) AS heading
    FROM refund_good g,
         LATERAL (SELECT unnest(string_split(g.ieepa_heading, ';')) AS heading) h
    WHERE g.ieepa_rate > 0
),
-- a heading's rate on the entry (and export) date; several layers of one heading may
-- overlap (scope versions), and must then agree
rated_parts AS (
    SELECT s.eid, s.heading, min(r.rate) AS rate, count(DISTINCT r.rate) AS n_rates
    FROM split s JOIN refund_good g USING (eid)
    LEFT JOIN ieepa_heading_rates r
      ON r.heading = s.heading AND g.entered >= r.valid_from
     AND (r.valid_until IS NULL OR g.entered < r.valid_until)
     AND (r.export_from IS NULL OR coalesce(g.exported, g.entered) >= r.export_from)
     AND (r.export_until IS NULL OR coalesce(g.exported, g.entered) < r.export_until)
    GROUP BY s.eid, s.heading
),
checked AS (
    SELECT eid, count(*) AS parts, count(rate) AS known, max(n_rates) AS n_rates,
           sum(rate) AS rate_sum
    FROM rated_parts GROUP BY eid
),
separable AS (
    SELECT c.eid FROM checked c JOIN refund_good g USING (eid)
    WHERE c.parts = c.known AND c.n_rates = 1
      AND abs(c.rate_sum - g.ieepa_rate) <= 1e-9
)
SELECT g.*, p.heading, p.rate, TRUE AS split
FROM refund_good g JOIN rated_parts p USING (eid)
WHERE g.eid IN (SELECT eid FROM separable)
UNION ALL BY NAME
SELECT g.*, g.ieepa_heading AS heading, g.ieepa_rate AS rate, FALSE AS split
FROM refund_good g
WHERE g.ieepa_rate > 0 AND g.eid NOT IN (SELECT eid FROM separable)
UNION ALL BY NAME
SELECT g.*, NULL AS heading, 0.0 AS rate, TRUE AS split
FROM refund_good g WHERE g.ieepa_rate = 0
"""

_ENTRY_ROWS = f"""
SELECT {
    ", ".join(
        c if c != "amount" else "value * rate AS amount" for c in ENTRY_COLUMNS if c != "ieepa_duty"
    )
},
       value * ieepa_rate AS ieepa_duty
FROM refund_parts ORDER BY eid, heading NULLS LAST
"""

_BY_MONTH = """
SELECT strftime(entered, '%Y-%m') AS month, count(DISTINCT eid) AS entries,
       sum(value * rate) AS ieepa_duty
FROM refund_parts GROUP BY 1 ORDER BY 1
"""
_BY_HEADING = """
SELECT heading, count(DISTINCT eid) AS entries, sum(value * rate) AS ieepa_duty
FROM refund_parts WHERE rate > 0 GROUP BY 1 ORDER BY 1
"""
_TOTALS = """
SELECT count(*) AS entries, coalesce(sum(value), 0) AS value,
       coalesce(sum(value * ieepa_rate), 0) AS ieepa_duty,
       count(*) FILTER (ieepa_rate > 0) AS entries_with_ieepa
FROM refund_good
"""


@dataclass(frozen=True)
class RefundText:
    """The legal basis and caveats stated with every answer (``data/refunds/ieepa.yaml``)."""

    headings: dict[str, str]
    legal_basis: list[dict[str, Any]]
    caveats: list[str]


def refund_text() -> RefundText:
    """Read the cited legal basis and caveats."""
    doc = load_yaml(authored_dir() / REFUNDS_FILE)
    return RefundText(
        {str(k): " ".join(str(v).split()) for k, v in doc["headings"].items()},
        [
            {k: " ".join(str(v).split()) if isinstance(v, str) else v for k, v in b.items()}
            for b in doc["legal_basis"]
        ],
        [" ".join(str(c).split()) for c in doc["caveats"]],
    )


def _records(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict[str, Any]]:
    cur = con.execute(sql)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def _check_store(con: duckdb.DuckDBPyConnection) -> None:
    have = {
        r[0]
        for r in con.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_catalog = 's' AND table_name = 'panel'"
        ).fetchall()
    }
    if not {"ieepa_rate", "ieepa_heading"} <= have:
        raise StoreError(
            "the store's panel has no IEEPA columns: it predates the IEEPA measures; "
            "rebuild it ('tradewar data build')"
        )


def rejects_path(output: Path) -> Path:
    """Where the rejected rows of a refunds run go: beside ``output``."""
    return output.with_name(output.stem + ".rejects.csv")


def _check_output(output: Path | None, inputs: list[Path], overwrite: bool) -> None:
    """A new .csv/.parquet file (or ``overwrite``), never an input or the store."""
    if output is None:
        return
    if output.suffix.lower() not in OUTPUT_SUFFIXES:
        raise InputError(f"--output {output}: give a .csv or .parquet file")
    if output.is_dir():
        raise InputError(f"--output {output} is a directory: give a file name")
    check_output(output, inputs, overwrite, "--output")
    check_output(rejects_path(output), [*inputs, output], overwrite, "rejects file")


def _write(con: duckdb.DuckDBPyConnection, sql: str, target: Path) -> None:
    """COPY ``sql`` to ``target`` (CSV or Parquet by suffix) through a temporary name."""
    fmt = "parquet" if target.suffix.lower() == ".parquet" else "csv, HEADER"
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex[:12]}")
    try:
        con.execute(f"COPY ({sql}) TO '{quote(tmp)}' (FORMAT {fmt})")
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def refunds(
    store: Path,
    input_path: Path,
    output: Path | None = None,
    overwrite: bool = False,
    memory_limit: str = "1500MB",
) -> dict[str, Any]:
    """Rate the entries in ``input_path`` and sum the duty attributable to IEEPA.

    Writes the per-entry parts (one row per entry and heading) to ``output`` (CSV or
    Parquet) and the rejected rows beside it (``<name>.rejects.csv``) when given; an
    existing file is replaced only with ``overwrite``. ``input_path`` is literal, as in
    bulk (``engine.inputs.bulk_input``).
    """
    with bulk_input(input_path) as source:
        _check_output(output, source.files, overwrite)
        return _refunds(store, source.path, input_path, output, memory_limit)


def _refunds(
    store: Path, path: Path, input_path: Path, output: Path | None, memory_limit: str
) -> dict[str, Any]:
    backend = DuckDBBackend(store, memory_limit=memory_limit)
    try:
        con = backend.con
        cuts, spans = backend.load_schedule()
        _check_store(con)
        columns = backend.read_input(path)
        missing = [c for c in REQUIRED if c not in columns]
        if missing:
            raise InputError(f"input {input_path} lacks column(s): {', '.join(missing)}")
        d = backend.dialect
        ident = next((c for c in columns if c.lower() == ID_COLUMN), None)
        entry_id = f"CAST({d.ident(ident)} AS VARCHAR)" if ident else "CAST(NULL AS VARCHAR)"
        backend.define("shipments", shipments_sql(d, columns, cuts, spans))
        backend.define("rated", rated_sql(d, columns))
        try:
            con.execute(_HEADING_RATES)
            con.execute(_ENTRIES.format(id=entry_id))
            con.execute(_PARTS)
        except duckdb.ConversionException as exc:
            raise InputError(f"cannot rate {input_path}: {str(exc).splitlines()[0]}") from None
        totals = _records(con, _TOTALS)[0]
        result = {
            "input": str(input_path),
            "total_ieepa_duty": round(float(totals["ieepa_duty"]), 2),
            "entries_rated": totals["entries"],
            "entries_with_ieepa": totals["entries_with_ieepa"],
            "value_rated": round(float(totals["value"]), 2),
            "by_month": [_money(r) for r in _records(con, _BY_MONTH)],
            "by_heading": [_money(r) for r in _records(con, _BY_HEADING)],
            "entries": [_entry(r) for r in _records(con, _ENTRY_ROWS)],
            "rejected": _records(con, "SELECT * FROM refund_rejected ORDER BY ALL"),
        }
        if output is not None:
            rejects = rejects_path(output)
            _write(con, _ENTRY_ROWS, output)
            _write(con, "SELECT * FROM refund_rejected ORDER BY ALL", rejects)
            result["output"] = str(output)
            result["rejects_file"] = str(rejects)
    finally:
        backend.close()
    text = refund_text()
    names = text.headings
    for row in result["by_heading"]:
        row["name"] = names.get(row["heading"] or "", None)
    result["headings"] = names
    result["legal_basis"] = text.legal_basis
    result["caveats"] = text.caveats
    return result


def _money(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "ieepa_duty": round(float(row["ieepa_duty"] or 0.0), 2)}


def _entry(row: dict[str, Any]) -> dict[str, Any]:
    out = dict(row)
    for key in ("entered", "exported"):
        out[key] = out[key].isoformat() if out[key] is not None else None
    out["amount"] = round(float(out["amount"]), 2)
    out["ieepa_duty"] = round(float(out["ieepa_duty"]), 2)
    return out
