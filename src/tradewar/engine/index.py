"""The compiled schedule index: the store's duty tables in memory, for fast lookups.

``ScheduleIndex.load(con)`` reads the stacked ``panel``, the ``layers`` schedule, the
newest ``lines`` descriptions, ``coverage`` and ``stack_rules`` once and keeps them
columnar: every column dictionary-encoded (small integer keys into its distinct Python
values) and the date columns as day numbers. It is immutable and answers the
questions of ``lookups.RowSource`` exactly as the SQL of ``lookups.SqlSource`` does
(same filters, NULL handling, order and first-row rule), so ``duty.compute_duty`` with
an index returns the same dicts without running SQL. It compiles the panel; it never
re-derives a rate: stacking stays defined once, in ``model/panel.py``.

Panel rows are sorted by (importer, origin group, code, then the lookup's order:
ambiguous first, export window bounds NULLS LAST); a code is a slice of rows and a
parent code a contiguous range of codes (``np.searchsorted`` on the sorted codes).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..data.store import check_span
from ..errors import StoreError
from .lookups import LEAF_LINES, layer_prefixes, missing_code_error
from .shipment import Shipment

EPOCH = dt.date(1970, 1, 1).toordinal()
LOW = np.iinfo(np.int32).min  # a NULL lower bound: every day is on or after it
HIGH = np.iinfo(np.int32).max  # a NULL upper bound: every day is before it
AUTHORITY_RANK = {"MFN": 0, "Section 232": 1, "Section 301": 2}  # else 3 (LAYERS_LOOKUP)
LEAF_COLUMNS = ("code", "total_rate", "adval_rate", "mfn_text", "s301_heading",
                "s232_heading", "ret_heading")  # fmt: skip
# the panel's row order: a code's rows in PANEL_LOOKUP's order ('-': descending; NULLS
# LAST throughout; the table's rowid breaks remaining ties, for every table)
PANEL_ORDER = ("importer", "origin_group", "code", "-ambiguous", "export_from", "export_until",
               "valid_from")  # fmt: skip
LAYERS_ORDER = ("importer", "origin", "code")
assert "ORDER BY p.code" in LEAF_LINES  # leaf lines come out in code order, as here


def _day(day: dt.date) -> int:
    return day.toordinal() - EPOCH


def _date(day: int) -> dt.date:
    return dt.date.fromordinal(day + EPOCH)


class Columns:
    """A table's rows, each column dictionary-encoded: integer keys into its values.

    Read in batches in the store's order and then sorted by ``order`` (column names,
    '-' for descending, NULLS LAST, then rowid) on the keys, so the build never holds
    the decoded table nor has DuckDB sort it.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, table: str, order: tuple[str, ...]) -> None:
        described = con.execute(f"DESCRIBE {table}").fetchall()
        self.names = tuple(name for name, *_ in described)
        lists = {name for name, kind, *_ in described if kind.endswith("[]")}
        cols = ", ".join(
            f'CAST(to_json("{n}") AS VARCHAR) AS "{n}"' if n in lists else f'"{n}"'
            for n in self.names
        )
        codes: dict[str, dict[Any, int]] = {n: {} for n in self.names}
        values: dict[str, list[Any]] = {n: [] for n in self.names}
        parts: dict[str, list[np.ndarray]] = {n: [] for n in ("_rowid", *self.names)}
        reader = con.execute(f"SELECT rowid AS _rowid, {cols} FROM {table}").fetch_record_batch(
            50_000
        )
        for batch in reader:
            parts["_rowid"].append(batch.column(0).to_numpy().astype(np.int64))
            for n in self.names:
                parts[n].append(_encode(batch.column(n), codes[n], values[n]))
        sort_keys = [_join(parts.pop("_rowid"), np.int64)]  # lexsort: the last key leads
        for spec in reversed(order):
            name = spec.lstrip("-")
            rank = _ranks(values[name])[_join(parts[name], np.uint8)]
            sort_keys.append(-rank if spec.startswith("-") else rank)
        ordered = np.lexsort(sort_keys)
        self.rowid = sort_keys[0][ordered]  # row i is the table's rowid[i]
        del sort_keys
        self.keys = {}
        for n in self.names:  # one column at a time: the build holds little at once
            self.keys[n] = _narrow(_join(parts.pop(n), np.uint8)[ordered], len(values[n]))
        self.values = {
            n: [None if v is None else json.loads(v) for v in values[n]] if n in lists
            else values[n]
            for n in self.names
        }  # fmt: skip
        self.views = {n: memoryview(k) for n, k in self.keys.items()}
        self._cols = [(n, self.views[n], self.values[n]) for n in self.names]

    def row(self, i: int) -> dict[str, Any]:
        """Row ``i`` as the dict DuckDB's fetch would give (same keys, order and types)."""
        return {name: values[keys[i]] for name, keys, values in self._cols}

    def pick(self, i: int, names: tuple[str, ...]) -> dict[str, Any]:
        """Some columns of row ``i``."""
        return {n: self.values[n][self.views[n][i]] for n in names}

    def value(self, name: str, i: int) -> Any:
        return self.values[name][self.views[name][i]]

    def array(self, name: str, null: Any = None, dtype: Any = None) -> np.ndarray:
        """A column decoded to a numpy array (dates as day numbers), NULL as ``null``."""
        per_value = [
            null if v is None else _day(v) if isinstance(v, dt.date) else v
            for v in self.values[name]
        ]
        return np.asarray(per_value, dtype)[self.keys[name]]

    def nbytes(self) -> int:
        return sum(k.nbytes for k in self.keys.values())


def _encode(array: pa.Array, codes: dict[Any, int], values: list[Any]) -> np.ndarray:
    """The keys of a batch's column into ``values`` (grown with its new distinct values)."""
    encoded = pc.dictionary_encode(array, null_encoding="encode")
    ids = []
    for v in encoded.dictionary.to_pylist():
        key = repr(v) if isinstance(v, float) else v  # keeps -0.0 and nan apart
        if key not in codes:
            codes[key] = len(values)
            values.append(v)
        ids.append(codes[key])
    width = _width(len(values))
    return np.asarray(ids, width)[encoded.indices.to_numpy(zero_copy_only=False)]


def _join(parts: list[np.ndarray], empty: type) -> np.ndarray:
    return np.concatenate(parts) if parts else np.empty(0, empty)


def _ranks(values: list[Any]) -> np.ndarray:
    """Each distinct value's place in SQL order (NULLS LAST; strings by code point,
    which is DuckDB's byte order of UTF-8)."""
    order = sorted(
        range(len(values)), key=lambda k: (True,) if values[k] is None else (False, values[k])
    )
    rank = np.empty(len(values), np.int64)
    rank[order] = np.arange(len(values))
    return rank


def _width(distinct: int) -> type:
    """The narrowest integer type for keys into ``distinct`` values."""
    return np.uint8 if distinct <= 256 else np.uint16 if distinct <= 65536 else np.int32


def _narrow(keys: np.ndarray, distinct: int) -> np.ndarray:
    return keys.astype(_width(distinct), copy=False)


def _runs(*keys: np.ndarray) -> np.ndarray:
    """Starts of the runs of equal keys (and the end): rows sorted by ``keys``."""
    n = len(keys[0])
    change = np.zeros(max(n - 1, 0), bool)
    for k in keys:
        change |= k[1:] != k[:-1]
    return np.concatenate([[0], np.flatnonzero(change) + 1, [n]]).astype(np.int64)


@dataclass(frozen=True)
class CodeSlices:
    """One (importer, origin group)'s sorted codes and the panel rows of each (arrays:
    a dict of code to position took about 8 MB more per process, for a lookup 1 µs
    faster)."""

    codes: np.ndarray  # sorted distinct codes
    starts: np.ndarray  # rows of codes[j] are starts[j] .. starts[j + 1]

    def rows(self, code: str) -> tuple[int, int] | None:
        """The rows of exactly ``code``, or None where the group has no such code."""
        j = int(np.searchsorted(self.codes, code, "left"))
        if j == len(self.codes) or self.codes[j] != code:
            return None
        return int(self.starts[j]), int(self.starts[j + 1])

    def prefix_rows(self, prefix: str) -> tuple[int, int]:
        """The rows of every code starting with ``prefix`` (codes are digits)."""
        lo = int(np.searchsorted(self.codes, prefix, "left"))
        hi = int(np.searchsorted(self.codes, prefix + "~", "left"))
        return int(self.starts[lo]), int(self.starts[hi])


class ScheduleIndex:
    """The store's duty tables compiled for lookups; a ``lookups.RowSource``."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self._load_panel(con)
        self._load_layers(con)
        self._descriptions = {
            (imp, code): text
            for imp, code, text in con.execute(
                "SELECT importer, code, description FROM lines QUALIFY row_number() "
                "OVER (PARTITION BY importer, code ORDER BY valid_from DESC) = 1"
            ).fetchall()
        }
        self._coverage = {
            imp: (start, end)
            for imp, start, end in con.execute(
                "SELECT importer, cov_from, cov_until FROM coverage"
            ).fetchall()
        }
        try:
            links = con.execute(
                "SELECT old_code, new_code, method FROM cn_code_links ORDER BY old_code"
            ).fetchall()
        except duckdb.Error:  # a store built before the table existed
            links = []
        self._old_codes = np.array([old for old, _n, _m in links], dtype=str)
        self._links = [(new, method) for _o, new, method in links]
        rules = con.execute(
            "SELECT kind, target_group, heading, rule_id, citation FROM stack_rules "
            "ORDER BY rule_id"
        ).fetchall()
        self._claim_rules = [(g, h) for kind, g, h, _r, _c in rules if kind == "claim_removes"]
        self._exclusions: dict[str, tuple[str, str]] = {}
        for kind, group, _h, rule_id, citation in rules:
            if kind == "excluded_while" and group is not None:
                self._exclusions.setdefault(group, (rule_id, citation))

    @classmethod
    def load(cls, con: duckdb.DuckDBPyConnection) -> ScheduleIndex:
        """Compile the index from an open store."""
        return cls(con)

    def _load_panel(self, con: duckdb.DuckDBPyConnection) -> None:
        self.panel = cols = Columns(con, "panel", PANEL_ORDER)
        self._pf = cols.array("valid_from", HIGH, np.int32)  # NULL: the row never matches
        self._pu = cols.array("valid_until", LOW, np.int32)
        self._pef = cols.array("export_from", LOW, np.int32)
        self._peu = cols.array("export_until", HIGH, np.int32)
        self._leaf = cols.array("is_leaf", False, bool)
        self._pviews = tuple(memoryview(a) for a in (self._pf, self._pu, self._pef, self._peu))
        self._slices: dict[tuple[str, str], CodeSlices] = {}
        names = ("importer", "origin_group", "code")
        runs = _runs(*(cols.keys[n] for n in names))
        groups = _runs(*(cols.keys[n] for n in names[:2]))
        for a, b in pairwise(groups):
            imp, group = cols.value("importer", int(a)), cols.value("origin_group", int(a))
            starts = runs[(runs >= a) & (runs <= b)]
            codes = [cols.value("code", int(i)) for i in starts[:-1]]
            self._slices[(imp, group)] = CodeSlices(np.array(codes), starts)

    def _load_layers(self, con: duckdb.DuckDBPyConnection) -> None:
        self.layers = cols = Columns(con, "layers", LAYERS_ORDER)
        self._lrowid = memoryview(cols.rowid)
        self._lviews = tuple(
            memoryview(cols.array(name, null, np.int32))
            for name, null in (
                ("valid_from", HIGH), ("valid_until", HIGH),
                ("export_from", LOW), ("export_until", HIGH),
            )
        )  # fmt: skip
        self._llevel = memoryview(cols.array("code_level", -1, np.int64))
        names = ("importer", "origin", "code")
        runs = _runs(*(cols.keys[n] for n in names))
        self._lspans: dict[tuple[str, str, str], tuple[int, int]] = {
            tuple(cols.value(n, int(a)) for n in names): (int(a), int(b))  # type: ignore[misc]
            for a, b in pairwise(runs)
        }

    # --- lookups.RowSource ---------------------------------------------------------

    def check_date(self, importer: str, day: dt.date, what: str) -> None:
        span = self._coverage.get(importer)
        if span is None:
            raise StoreError(f"the store has no coverage for importer {importer}")
        check_span(importer, day, what, *span)

    def panel_row(self, s: Shipment, exported: dt.date) -> dict[str, Any] | None:
        slices = self._slices.get((s.importer, s.origin_group))
        span = slices.rows(s.code) if slices else None
        if span is None:
            return None
        e, x = _day(s.entered), _day(exported)
        vf, vu, ef, eu = self._pviews
        for i in range(*span):
            if vf[i] <= e < vu[i] and ef[i] <= x < eu[i]:
                return self.panel.row(i)
        return None

    def layer_rows(self, s: Shipment, code: str, exported: dt.date) -> list[dict[str, Any]]:
        e, x = _day(s.entered), _day(exported)
        vf, vu, ef, eu = self._lviews
        found = []
        for prefix in layer_prefixes(code):
            for origin in ("*", s.origin):
                a, b = self._lspans.get((s.importer, origin, prefix), (0, 0))
                found += [i for i in range(a, b) if vf[i] <= e < vu[i] and ef[i] <= x < eu[i]]
        # QUALIFY code_level = max(code_level) OVER (PARTITION BY override_group)
        level, group = self._llevel, self.layers.views["override_group"]
        top: dict[int, int] = {}
        for i in found:
            top[group[i]] = max(top.get(group[i], level[i]), level[i])
        kept = [i for i in found if level[i] == top[group[i]]]
        kept.sort(key=self._layer_order)
        return [self.layers.row(i) for i in kept]

    def _layer_order(self, i: int) -> tuple[int, bool, str, int]:
        measure = self.layers.value("measure_id", i)
        rank = AUTHORITY_RANK.get(self.layers.value("authority", i), 3)
        return rank, measure is None, measure or "", self._lrowid[i]

    def description(self, importer: str, code: str) -> str | None:
        return self._descriptions.get((importer, code))

    def representative(self, s: Shipment, exported: dt.date) -> str | None:
        rows = self._leaf_rows(s, exported)
        return self.panel.value("code", int(rows[0])) if len(rows) else None

    def leaf_lines(self, s: Shipment, exported: dt.date) -> list[dict[str, Any]]:
        return [self.panel.pick(int(i), LEAF_COLUMNS) for i in self._leaf_rows(s, exported)]

    def _leaf_rows(self, s: Shipment, exported: dt.date) -> np.ndarray:
        """Rows of leaf lines under ``s.code`` in force on the dates, in code order."""
        slices = self._slices.get((s.importer, s.origin_group))
        if slices is None:
            return np.empty(0, np.int64)
        a, b = slices.prefix_rows(s.code)
        e, x = _day(s.entered), _day(exported)
        hit = (
            self._leaf[a:b]
            & (self._pf[a:b] <= e) & (self._pu[a:b] > e)
            & (self._pef[a:b] <= x) & (self._peu[a:b] > x)
        )  # fmt: skip
        return a + np.flatnonzero(hit)

    def claim_groups(self, claimed: list[str]) -> set[str]:
        return {group for group, heading in self._claim_rules if heading in claimed}

    def excluded_rule(self, group: str | None) -> tuple[str, str] | None:
        return self._exclusions.get(group) if group is not None else None

    def missing_code(self, s: Shipment) -> Exception:
        slices = self._slices.get((s.importer, s.origin_group))
        span = slices.rows(s.code) if slices else None
        if span is None:
            return missing_code_error(s, None, [])
        a, b = span
        first, last = self._pf[a:b], self._pu[a:b]
        first, last = first[first != HIGH], last[last != LOW]  # min and max skip NULL
        known = (
            _date(int(first.min())) if len(first) else None,
            _date(int(last.max())) if len(last) else None,
        )
        return missing_code_error(s, known, self._successors(s.code))

    def _successors(self, code: str) -> list[tuple[str, str]]:
        """China's 2025 lines linked to the lines under ``code`` (``cn_code_links``)."""
        lo = int(np.searchsorted(self._old_codes, code, "left"))
        hi = int(np.searchsorted(self._old_codes, code + "~", "left"))
        return sorted(set(self._links[lo:hi]))[:12]

    def nbytes(self) -> int:
        """Bytes held by the index's arrays (the Python values and dicts come on top)."""
        arrays = (self._pf, self._pu, self._pef, self._peu, self._leaf)
        return self.panel.nbytes() + self.layers.nbytes() + sum(a.nbytes for a in arrays)
