"""The rows one duty answer reads, fetched by SQL from the store.

``RowSource`` is what ``duty.compute_duty`` asks for: the stacked panel row, the layer
rows, a description, coverage, the stacking rules and the lines under a parent code.
``SqlSource`` answers each with a query on the store; ``index.ScheduleIndex`` answers
the same questions from a compiled, in-memory form of the same tables.
"""

from __future__ import annotations

import datetime as dt
from contextlib import suppress
from typing import Any, Protocol

import duckdb

from ..codes import format_code
from ..data.store import check_date
from ..errors import CoverageError, InputError
from .shipment import Shipment

PANEL_LOOKUP = """
    SELECT * FROM panel
    WHERE importer = $importer AND origin_group = $group AND code = $code
      AND valid_from <= $entered AND valid_until > $entered
      AND (export_from IS NULL OR export_from <= $exported)
      AND (export_until IS NULL OR export_until > $exported)
    ORDER BY ambiguous DESC, export_from NULLS LAST, export_until NULLS LAST
"""

# rowid last: layers equal on authority and measure (a measure's rows at several code
# levels or export windows) keep the store's order, so every source lists them alike
LAYERS_LOOKUP = """
    SELECT * FROM layers
    WHERE importer = $importer AND (origin = '*' OR origin = $origin)
      AND code BETWEEN $lowest AND $code AND list_contains($prefixes, code)
      AND valid_from <= $entered AND (valid_until IS NULL OR valid_until > $entered)
      AND (export_from IS NULL OR export_from <= $exported)
      AND (export_until IS NULL OR export_until > $exported)
    QUALIFY code_level = max(code_level) OVER (PARTITION BY override_group)
    ORDER BY CASE authority WHEN 'MFN' THEN 0 WHEN 'Section 232' THEN 1
             WHEN 'Section 301' THEN 2 ELSE 3 END, measure_id, rowid
"""

LEAF_LINES = """
    SELECT p.code, p.total_rate, p.adval_rate, p.mfn_text, p.s301_heading,
           p.s232_heading, p.ret_heading
    FROM panel p
    WHERE p.is_leaf AND p.importer = $importer AND p.origin_group = $group
      AND starts_with(p.code, $code) AND p.valid_from <= $entered
      AND p.valid_until > $entered
      AND (p.export_from IS NULL OR p.export_from <= $exported)
      AND (p.export_until IS NULL OR p.export_until > $exported)
    ORDER BY p.code
"""

LAYER_PREFIXES = (4, 6, 8, 10, 11)


class RowSource(Protocol):
    """The rows and facts one duty answer needs (SQL on the store, or the index)."""

    def check_date(self, importer: str, day: dt.date, what: str) -> None:
        """Raise ``CoverageError`` when ``day`` is outside the importer's coverage."""

    def panel_row(self, s: Shipment, exported: dt.date) -> dict[str, Any] | None:
        """The first stacked panel row of the shipment (``PANEL_LOOKUP``), or None."""

    def layer_rows(self, s: Shipment, code: str, exported: dt.date) -> list[dict[str, Any]]:
        """The layer rows of ``code`` for the shipment, in ``LAYERS_LOOKUP`` order."""

    def description(self, importer: str, code: str) -> str | None:
        """The newest description of a code in the importer's nomenclature."""

    def representative(self, s: Shipment, exported: dt.date) -> str | None:
        """The lowest leaf line under the shipment's parent code on the date."""

    def leaf_lines(self, s: Shipment, exported: dt.date) -> list[dict[str, Any]]:
        """The leaf lines under the shipment's parent code (``LEAF_LINES``)."""

    def claim_groups(self, claimed: list[str]) -> set[str]:
        """The override groups that the claimed exclusion headings take off."""

    def excluded_rule(self, group: str | None) -> tuple[str, str] | None:
        """(rule id, citation) of the first rule that takes layers of ``group`` off."""

    def missing_code(self, s: Shipment) -> Exception:
        """The error for a shipment whose code has no panel row on the dates."""


def rows(con: duckdb.DuckDBPyConnection, sql: str, params: Any) -> list[dict]:
    """The result of ``sql`` as one dict per row."""
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


def layer_prefixes(code: str) -> list[str]:
    """The code prefixes a layer row may be keyed on, shortest first."""
    return sorted({code[:n] for n in LAYER_PREFIXES if len(code) >= n})


def _params(s: Shipment, exported: dt.date) -> dict[str, Any]:
    return {
        "importer": s.importer,
        "group": s.origin_group,
        "code": s.code,
        "entered": s.entered,
        "exported": exported,
    }


class SqlSource:
    """The rows of one duty answer, each fetched by a query on the store."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con

    def check_date(self, importer: str, day: dt.date, what: str) -> None:
        check_date(self.con, importer, day, what)

    def panel_row(self, s: Shipment, exported: dt.date) -> dict[str, Any] | None:
        found = rows(self.con, PANEL_LOOKUP, _params(s, exported))
        return found[0] if found else None

    def layer_rows(self, s: Shipment, code: str, exported: dt.date) -> list[dict[str, Any]]:
        prefixes = layer_prefixes(code)
        params = {
            "importer": s.importer,
            "origin": s.origin,
            "prefixes": prefixes,
            "lowest": prefixes[0],
            "code": code,
            "entered": s.entered,
            "exported": exported,
        }
        return rows(self.con, LAYERS_LOOKUP, params)

    def description(self, importer: str, code: str) -> str | None:
        return describe(self.con, importer, code)

    def representative(self, s: Shipment, exported: dt.date) -> str | None:
        row = self.con.execute(
            """SELECT min(code) FROM panel
               WHERE is_leaf AND importer = $importer AND origin_group = $group
                 AND starts_with(code, $code) AND valid_from <= $entered
                 AND valid_until > $entered
                 AND (export_from IS NULL OR export_from <= $exported)
                 AND (export_until IS NULL OR export_until > $exported)""",
            _params(s, exported),
        ).fetchone()
        return row[0]

    def leaf_lines(self, s: Shipment, exported: dt.date) -> list[dict[str, Any]]:
        return rows(self.con, LEAF_LINES, _params(s, exported))

    def claim_groups(self, claimed: list[str]) -> set[str]:
        found = self.con.execute(
            "SELECT target_group FROM stack_rules WHERE kind = 'claim_removes' "
            "AND list_contains($h, heading)",
            {"h": claimed},
        ).fetchall()
        return {g for (g,) in found}

    def excluded_rule(self, group: str | None) -> tuple[str, str] | None:
        return self.con.execute(
            "SELECT rule_id, citation FROM stack_rules WHERE kind = 'excluded_while' "
            "AND target_group = ? ORDER BY rule_id LIMIT 1",
            [group],
        ).fetchone()

    def missing_code(self, s: Shipment) -> Exception:
        known = self.con.execute(
            "SELECT min(valid_from), max(valid_until) FROM panel "
            "WHERE importer = ? AND code = ? AND origin_group = ?",
            [s.importer, s.code, s.origin_group],
        ).fetchone()
        successors: list[tuple[str, str]] = []
        if s.importer == "CN" and known is not None and known[0] is not None:
            with suppress(duckdb.Error):  # a store built before the table existed
                successors = self.con.execute(
                    "SELECT DISTINCT new_code, method FROM cn_code_links "
                    "WHERE starts_with(old_code, ?) ORDER BY new_code, method LIMIT 12",
                    [s.code],
                ).fetchall()
        return missing_code_error(s, known, successors)


def missing_code_error(
    s: Shipment, known: tuple[Any, Any] | None, successors: list[tuple[str, str]]
) -> Exception:
    """Explain why a code has no panel row on the entry date: ``known`` is the first and
    last day of its rows (None: no row), ``successors`` China's linked 2025 lines."""
    if known is None or known[0] is None:
        return InputError(
            f"code {format_code(s.code)} is not in the {s.importer} schedule "
            f"(no such {len(s.code)}-digit line in the sources)"
        )
    hint = ""
    if s.importer == "CN" and successors:
        codes = ", ".join(f"{format_code(code)} ({method})" for code, method in successors)
        hint = f"; from 2020 use China's 2025 lines linked to it: {codes}"
    return CoverageError(
        f"code {format_code(s.code)} does not exist in the {s.importer} schedule on "
        f"{s.entered} (it is a line from {known[0]} to {known[1]}){hint}"
    )
