"""Scenarios: amendments of the schedule as data, compared with the baseline.

A scenario file (``scenarios/*.yaml``) names a period and a list of changes to the
measures; each change is one operation on a measure's dated steps:

``set_rate``       a rate over ``[from, until)`` (open-ended without ``until``): the steps
                   it covers are cut, the old steps resume after ``until``;
``enact_history``  an announced step that never took effect (the measure's ``history``)
                   takes effect as announced, from ``planned_from``;
``postpone`` / ``advance``
                   the steps starting on ``step`` start on ``to`` instead (the previous
                   step is extended or cut; export-date bounds on that date move too);
``remove_step``    the steps starting on ``step`` are dropped; the previous rate continues;
``remove_measure`` a list is dropped; ``add_measure`` adds one (file context of ``like``,
                   products of ``products_of`` measures or its own ``scope`` codes);
``exclude``        product codes of a measure bear 0 over ``[from, until)``.

``rules`` lists enforcement rule files: their triggered actions are applied as further
changes (``policy/enforcement.py``).

How a scenario runs: the authored measures are rebuilt as pydantic objects from the
store's ``measures`` table, amended, and only the amended measures are recompiled
(``data/compile.py``) against their product lists, taken from the store's ``layers``
rows of those measures. An in-memory DuckDB attaches the store read-only; schema
``main`` sees the store (the baseline), schema ``scen`` holds the importer's lines, its
layers with the amended ones replaced, and the panel rebuilt by ``model/panel.py``. The
same series plan (``engine/series.py``) and the impact model (``policy/impact.py``) run
on both.
"""

from __future__ import annotations

import datetime as dt
import decimal
import itertools
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

import duckdb
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ..charts import save_figure
from ..config import store_path
from ..data.compile import compile_measure, step_until
from ..data.report import ValidationReport
from ..data.sources.scopes import expand_scope
from ..data.sources.us_programs import CARRIED, supersede
from ..data.store import attach_path
from ..engine import series as engine
from ..errors import InputError, StoreError
from ..model.measures import HistoryEntry, Measure, MeasureFile, Reference, Scope, Step
from ..model.panel import build_panel
from ..model.schema import LAYER_COLUMNS, enforce
from . import PolicyFileError, line_of, load_model_lines
from . import impact as pe

PARTNER = {"US": "CN", "CN": "US"}
FALLBACK_WEIGHTS = {"US": "census-hs2-2017"}
STEP_FIELDS = (
    "from",
    "until",
    "rate",
    "rate_column",
    "export_from",
    "export_until",
    "citation",
    "note",
)
SIGNIFICANT = 10  # digits kept in the JSON, so that runs give identical bytes


# --- the file format ------------------------------------------------------------------


def check_rate(value: float | None) -> float | None:
    """A rate is an ad valorem fraction: 0.25 means 25%."""
    if value is not None and not 0 <= value <= 5:
        raise ValueError(f"rate {value} is not a fraction (0.25 means 25%)")
    return value


class _Change(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    measure: str
    note: str | None = None


class SetRate(_Change):
    """A rate over ``[from, until)``; open-ended without ``until``."""

    op: Literal["set_rate"]
    valid_from: dt.date = Field(alias="from")
    until: dt.date | None = None
    rate: float
    citation: str
    heading: str | None = None
    status: Literal["in_force", "suspended"] = "in_force"

    _rate = field_validator("rate")(check_rate)

    @model_validator(mode="after")
    def _check(self) -> SetRate:
        if self.until is not None and self.until <= self.valid_from:
            raise ValueError(f"until {self.until} is not after from {self.valid_from}")
        return self


class EnactHistory(_Change):
    """An announced step of the measure's ``history`` takes effect as announced."""

    op: Literal["enact_history"]
    planned_from: dt.date
    until: dt.date | None = None
    rate: float | None = None
    citation: str | None = None  # the announcement, when the history cites the outcome

    _rate = field_validator("rate")(check_rate)


class Postpone(_Change):
    """The steps starting on ``step`` start later, on ``to``."""

    op: Literal["postpone"]
    step: dt.date
    to: dt.date

    @model_validator(mode="after")
    def _check(self) -> Postpone:
        if self.to <= self.step:
            raise ValueError(f"postpone: to {self.to} is not after step {self.step}")
        return self


class Advance(_Change):
    """The steps starting on ``step`` start earlier, on ``to``."""

    op: Literal["advance"]
    step: dt.date
    to: dt.date

    @model_validator(mode="after")
    def _check(self) -> Advance:
        if self.to >= self.step:
            raise ValueError(f"advance: to {self.to} is not before step {self.step}")
        return self


class RemoveStep(_Change):
    """The steps starting on ``step`` are dropped; the previous rate continues."""

    op: Literal["remove_step"]
    step: dt.date


class RemoveMeasure(_Change):
    """The measure (a list or round) is dropped."""

    op: Literal["remove_measure"]


class AddMeasure(BaseModel):
    """A new measure, sharing the file context (authority, origin, override group) of
    ``like``; its products are those of ``products_of`` or its own scope codes."""

    model_config = ConfigDict(extra="forbid")
    op: Literal["add_measure"]
    like: str
    products_of: list[str] = []
    measure: Measure
    note: str | None = None

    @model_validator(mode="after")
    def _check(self) -> AddMeasure:
        scope = self.measure.scope
        if not self.products_of and not (scope.codes or scope.ranges):
            raise ValueError("add_measure needs products_of or scope codes/ranges")
        for step in self.measure.steps:
            if step.rate is None:
                raise ValueError("steps of an added measure need a rate")
        return self


class Exclude(_Change):
    """Codes of a measure bear 0 over ``[from, until)`` (open-ended without until)."""

    op: Literal["exclude"]
    codes: list[str] = Field(min_length=1)
    valid_from: dt.date = Field(alias="from")
    until: dt.date | None = None
    citation: str

    @model_validator(mode="after")
    def _check(self) -> Exclude:
        for code in self.codes:
            if not code.isdigit() or not 4 <= len(code) <= 10:
                raise ValueError(f"exclusion code {code!r} is not 4 to 10 digits")
        if self.until is not None and self.until <= self.valid_from:
            raise ValueError(f"until {self.until} is not after from {self.valid_from}")
        return self


Change = Annotated[
    SetRate | EnactHistory | Postpone | Advance | RemoveStep | RemoveMeasure | AddMeasure | Exclude,
    Field(discriminator="op"),
]


class Period(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    valid_from: dt.date = Field(alias="from")
    to: dt.date

    @model_validator(mode="after")
    def _check(self) -> Period:
        if self.to < self.valid_from:
            raise ValueError(f"period to {self.to} is before from {self.valid_from}")
        return self


class ScenarioFile(BaseModel):
    """A scenario: a stated period, changes, and optional rules and parameters."""

    model_config = ConfigDict(extra="forbid")
    name: str
    description: str | None = None
    period: Period
    weights: str | None = None
    parameters: dict[str, float] = {}
    references: list[Reference] = []
    changes: list[Change] = []
    rules: list[str] = []

    @model_validator(mode="after")
    def _check(self) -> ScenarioFile:
        if not self.changes and not self.rules:
            raise ValueError("a scenario needs changes or rules")
        return self


@dataclass
class Source:
    """Where a change comes from, for error messages: file, line, and the entry's path in
    the file (to name the line of one of its fields)."""

    path: Path
    line: int
    lines: dict[tuple[Any, ...], int] = field(default_factory=dict, repr=False)
    where: tuple[Any, ...] = ()

    @classmethod
    def of(cls, path: Path, lines: dict[tuple[Any, ...], int], *where: Any) -> Source:
        return cls(path, line_of(where, lines), lines, where)

    def fail(self, message: str, key: str | None = None) -> PolicyFileError:
        line = line_of((*self.where, key), self.lines) if key and self.lines else self.line
        return PolicyFileError(f"{self.path}:{line}: {message}")


def load_scenario(path: Path) -> tuple[ScenarioFile, dict[tuple[Any, ...], int]]:
    """The scenario file, validated; errors name the file and line."""
    return load_model_lines(ScenarioFile, path, "scenario file")


# --- measures as pydantic objects, from the store -----------------------------------------


@dataclass
class StoredMeasure:
    """A measure as the store holds it, with its file context."""

    mfile: MeasureFile
    measure: Measure
    file: str


def stored_measures(con: duckdb.DuckDBPyConnection) -> dict[str, StoredMeasure]:
    """Every measure of the store's ``measures`` table as pydantic objects."""
    cur = con.execute(
        """SELECT m.*, g.override_group FROM measures m
           LEFT JOIN (SELECT measure_id, min(override_group) AS override_group
                      FROM layers GROUP BY measure_id) g USING (measure_id)
           ORDER BY m.measure_id"""
    )
    names = [d[0] for d in cur.description]
    out: dict[str, StoredMeasure] = {}
    for values in cur.fetchall():
        row = dict(zip(names, values, strict=True))
        steps = []
        for s in json.loads(row["steps"]):
            data = {k: s.get(k) for k in STEP_FIELDS}
            data["status"] = s.get("status") or "in_force"
            if s.get("heading") != row["heading"]:
                data["heading"] = s.get("heading")
            steps.append(Step.model_validate(data))
        measure = Measure(
            id=row["measure_id"],
            name=row["name"],
            heading=row["heading"],
            scope=Scope(note=row.get("scope_note")),
            steps=steps,
            history=[HistoryEntry.model_validate(h) for h in json.loads(row["history"] or "[]")],
            note=row.get("note"),
        )
        mfile = MeasureFile(
            authority=row["authority"],
            importer=row["importer"],
            origin=row["origin"],
            override_group=row["override_group"] or row["measure_id"],
            measures=[measure],
        )
        out[measure.id] = StoredMeasure(mfile, measure, row["file"])
    return out


# --- amending steps -----------------------------------------------------------------------


def _key(step: Step) -> tuple[dt.date, dt.date, dt.date]:
    return (step.valid_from, step.export_from or dt.date.min, step.export_until or dt.date.max)


def explicit_steps(measure: Measure) -> list[Step]:
    """The steps with their end dates written out (``compile.step_until``)."""
    return [
        s.model_copy(update={"until": step_until(measure, i)}) for i, s in enumerate(measure.steps)
    ]


def splice(steps: list[Step], new: Step) -> list[Step]:
    """Insert ``new`` over ``[new.from, new.until)``: steps it covers are cut or dropped."""
    start, end = new.valid_from, new.until
    out = []
    for s in steps:
        overlaps = (end is None or s.valid_from < end) and (s.until is None or s.until > start)
        if not overlaps:
            out.append(s)
            continue
        if s.valid_from < start:
            out.append(s.model_copy(update={"until": start}))
        if end is not None and (s.until is None or s.until > end):
            out.append(s.model_copy(update={"valid_from": end}))
    out.append(new)
    return sorted(out, key=_key)


def move(steps: list[Step], day: dt.date, to: dt.date, where: Source) -> list[Step]:
    """The steps starting on ``day`` start on ``to``; bounds on ``day`` move with them."""
    if not any(s.valid_from == day for s in steps):
        raise where.fail(f"no step starts on {day} (steps start on {_starts(steps)})", "step")
    out = []
    for s in steps:
        update = {}
        for name in ("valid_from", "until", "export_from", "export_until"):
            if getattr(s, name) == day:
                update[name] = to
        moved = s.model_copy(update=update)
        if moved.until is not None and moved.until <= moved.valid_from:
            continue  # covered by the moved step
        out.append(moved)
    _check_overlaps(out, where)
    return sorted(out, key=_key)


def remove_step(steps: list[Step], day: dt.date, where: Source) -> list[Step]:
    """Drop the steps starting on ``day``; the step ending on ``day`` runs on."""
    removed = [s for s in steps if s.valid_from == day]
    if not removed:
        raise where.fail(f"no step starts on {day} (steps start on {_starts(steps)})", "step")
    until = None if any(s.until is None for s in removed) else max(s.until for s in removed)
    out = []
    for s in steps:
        if s.valid_from == day:
            continue
        out.append(s.model_copy(update={"until": until}) if s.until == day else s)
    return out


def _check_overlaps(steps: list[Step], where: Source) -> None:
    plain = sorted((s for s in steps if s.governs == "entry"), key=_key)
    for a, b in itertools.pairwise(plain):
        if a.until is None or a.until > b.valid_from:
            raise where.fail(
                f"the amended steps overlap: {a.valid_from}..{a.until or 'open'} and "
                f"{b.valid_from}: use set_rate"
            )


def _starts(steps: list[Step]) -> str:
    return ", ".join(sorted({str(s.valid_from) for s in steps}))


@dataclass
class Amendment:
    """The amended, added and removed measures, with a log of what each change did."""

    measures: dict[str, StoredMeasure]
    amended: dict[str, Measure] = field(default_factory=dict)
    added: dict[str, tuple[AddMeasure, StoredMeasure]] = field(default_factory=dict)
    removed: set[str] = field(default_factory=set)
    exclusions: dict[str, list[tuple[Exclude, Source]]] = field(default_factory=dict)
    log: list[dict[str, Any]] = field(default_factory=list)

    def current(self, measure_id: str) -> Measure:
        if measure_id in self.amended:
            return self.amended[measure_id]
        if measure_id in self.added:
            return self.added[measure_id][0].measure
        return self.measures[measure_id].measure

    @property
    def touched(self) -> list[str]:
        return sorted(set(self.amended) | set(self.added) | self.removed | set(self.exclusions))

    def importers(self) -> set[str]:
        out = set()
        for mid in self.touched:
            if mid in self.added:
                out.add(self.added[mid][1].mfile.importer)
            else:
                out.add(self.measures[mid].mfile.importer)
        return out

    def schedule(self) -> list[dict[str, Any]]:
        """The amended measures' steps, as data."""
        out = []
        for mid in self.touched:
            if mid in self.removed:
                out.append({"measure_id": mid, "removed": True, "steps": []})
                continue
            m = self.current(mid)
            out.append(
                {
                    "measure_id": mid,
                    "name": m.name,
                    "removed": False,
                    "added": mid in self.added,
                    "steps": [_step_dict(s) for s in m.steps],
                    "exclusions": [
                        {
                            "codes": e.codes,
                            "from": e.valid_from.isoformat(),
                            "until": e.until.isoformat() if e.until else None,
                            "citation": e.citation,
                        }
                        for e, _where in self.exclusions.get(mid, [])
                    ],
                }
            )
        return out


def _step_dict(s: Step) -> dict[str, Any]:
    return {
        "from": s.valid_from.isoformat(),
        "until": s.until.isoformat() if s.until else None,
        "rate": s.rate,
        "rate_column": s.rate_column,
        "heading": s.heading,
        "export_from": s.export_from.isoformat() if s.export_from else None,
        "export_until": s.export_until.isoformat() if s.export_until else None,
        "status": s.status,
        "citation": " ".join(s.citation.split()),
        "note": " ".join(s.note.split()) if s.note else None,
    }


def apply_changes(amendment: Amendment, changes: list[tuple[Any, Source]]) -> Amendment:
    """Apply each change, in order, to the measures (as pydantic objects)."""
    for change, where in changes:
        _apply(amendment, change, where)
    return amendment


def _apply(a: Amendment, change: Any, where: Source) -> None:
    if isinstance(change, AddMeasure):
        _add(a, change, where)
        return
    mid = change.measure
    if mid not in a.measures and mid not in a.added:
        known = ", ".join(sorted(a.measures))
        raise where.fail(f"unknown measure {mid!r}: known are {known}", "measure")
    if mid in a.removed:
        raise where.fail(f"measure {mid!r} was removed by an earlier change", "measure")
    stored = a.measures.get(mid)
    if stored is not None and stored.mfile.authority == "MFN":
        raise where.fail(
            f"{mid} is an MFN schedule (rates from the tariff revisions, specific rates "
            "included): scenarios amend additional measures only"
        )
    if isinstance(change, RemoveMeasure):
        a.removed.add(mid)
        a.log.append({"op": "remove_measure", "measure": mid, "line": where.line})
        return
    if isinstance(change, Exclude):
        a.exclusions.setdefault(mid, []).append((change, where))
        a.log.append(
            {
                "op": "exclude",
                "measure": mid,
                "codes": change.codes,
                "from": change.valid_from.isoformat(),
                "line": where.line,
            }
        )
        return
    measure = a.current(mid)
    steps = explicit_steps(measure)
    entry: dict[str, Any] = {"op": change.op, "measure": mid, "line": where.line}
    if isinstance(change, SetRate):
        new = Step(
            valid_from=change.valid_from,
            until=change.until,
            rate=change.rate,
            heading=change.heading,
            status=change.status,
            citation=change.citation,
            note=change.note,
        )
        steps = splice(steps, new)
        entry.update(rate=change.rate, **{"from": change.valid_from.isoformat()})
    elif isinstance(change, EnactHistory):
        hist = next((h for h in measure.history if h.planned_from == change.planned_from), None)
        if hist is None:
            planned = ", ".join(str(h.planned_from) for h in measure.history if h.planned_from)
            raise where.fail(
                f"{mid} has no announced step planned from {change.planned_from} "
                f"(its history plans: {planned or 'none'})",
                "planned_from",
            )
        rate = change.rate if change.rate is not None else hist.rate
        if rate is None:
            raise where.fail(f"the announced step of {mid} on {change.planned_from} has no rate")
        citation = (
            f"{hist.citation}; announced {hist.announced} for {hist.planned_from}, enacted "
            f"here as announced (in fact: {' '.join(hist.outcome.split())})"
        )
        if change.citation:
            citation = f"{' '.join(change.citation.split())}; history: {citation}"
        steps = splice(
            steps,
            Step(
                valid_from=change.planned_from,
                until=change.until,
                rate=rate,
                citation=citation,
                note=change.note,
            ),
        )
        entry.update(rate=rate, citation=citation, **{"from": change.planned_from.isoformat()})
    elif isinstance(change, Postpone | Advance):
        steps = move(steps, change.step, change.to, where)
        entry.update(step=change.step.isoformat(), to=change.to.isoformat())
    elif isinstance(change, RemoveStep):
        steps = remove_step(steps, change.step, where)
        entry.update(step=change.step.isoformat())
    else:  # pragma: no cover - the union is closed
        raise where.fail(f"unsupported change {change!r}")
    if not steps:
        raise where.fail(f"the change leaves {mid} without steps: use remove_measure")
    updated = measure.model_copy(update={"steps": steps})
    if mid in a.added:
        spec, stored_new = a.added[mid]
        a.added[mid] = (spec.model_copy(update={"measure": updated}), stored_new)
    else:
        a.amended[mid] = updated
    a.log.append(entry)


def _add(a: Amendment, change: AddMeasure, where: Source) -> None:
    like = a.measures.get(change.like)
    if like is None:
        raise where.fail(f"like: unknown measure {change.like!r}", "like")
    mid = change.measure.id
    if mid in a.measures or mid in a.added:
        raise where.fail(f"measure {mid!r} already exists")
    for other in change.products_of:
        if other not in a.measures:
            raise where.fail(f"products_of: unknown measure {other!r}", "products_of")
    mfile = like.mfile.model_copy(update={"measures": [change.measure]})
    a.added[mid] = (change, StoredMeasure(mfile, change.measure, str(where.path)))
    a.log.append({"op": "add_measure", "measure": mid, "like": change.like, "line": where.line})


# --- recompiling the amended measures ---------------------------------------------------

_PRODUCTS_SQL = f"""
SELECT code, heading, source_row, precision, condition, note, source
FROM layers WHERE measure_id = ? AND coalesce(note, '') <> '{CARRIED}'
QUALIFY row_number() OVER (PARTITION BY code
    ORDER BY valid_from, export_from NULLS FIRST, export_until NULLS FIRST) = 1
ORDER BY code
"""
_RATE_AT_SQL = """
SELECT code, max(rate) AS rate, TRUE AS present FROM layers
WHERE measure_id = ? AND valid_from <= ? AND (valid_until IS NULL OR valid_until > ?)
  AND export_from IS NULL AND export_until IS NULL
GROUP BY code
"""


def recompile(con: duckdb.DuckDBPyConnection, a: Amendment) -> pd.DataFrame:
    """Layer rows of every amended or added measure, from the store's product lists."""
    frames = []
    for mid in a.touched:
        if mid in a.removed:
            continue
        if mid in a.added:
            spec, stored = a.added[mid]
            products = _added_products(con, spec, stored)
            measure, mfile = spec.measure, stored.mfile
        else:
            stored = a.measures[mid]
            mfile = stored.mfile
            products = con.execute(_PRODUCTS_SQL, [mid]).df()
            measure = a.current(mid)
        measure, products, columns = _rate_columns(con, a, mid, measure, products)
        rows = _compile_groups(con, a, mfile, measure, products, columns)
        frames.append(_replaced(con, mid, rows))
    if not frames:
        return enforce(pd.DataFrame(columns=list(LAYER_COLUMNS)), LAYER_COLUMNS)
    return enforce(pd.concat(frames, ignore_index=True), LAYER_COLUMNS)


def _replaced(con: duckdb.DuckDBPyConnection, mid: str, rows: list[pd.DataFrame]) -> pd.DataFrame:
    """The recompiled rows of ``mid`` with the stored measures that replace it applied
    (as the build does: ``replaces`` in the measure files)."""
    frame = enforce(pd.concat(rows, ignore_index=True), LAYER_COLUMNS) if rows else None
    if frame is None or frame.empty:
        return enforce(pd.DataFrame(columns=list(LAYER_COLUMNS)), LAYER_COLUMNS)
    replacers = con.execute(
        "SELECT measure_id, exemption FROM measures WHERE list_contains("
        "list_transform(string_split(coalesce(replaces, ''), ','), x -> trim(x)), ?)",
        [mid],
    ).fetchall()
    for rid, exemption in replacers:
        new = con.execute("SELECT * FROM layers WHERE measure_id = ?", [rid]).df()
        merged = supersede(frame, enforce(new, LAYER_COLUMNS), bool(exemption))
        frame = enforce(merged[merged.measure_id == mid], LAYER_COLUMNS)
    return frame


def _added_products(
    con: duckdb.DuckDBPyConnection, spec: AddMeasure, stored: StoredMeasure
) -> pd.DataFrame:
    if spec.products_of:
        frames = [con.execute(_PRODUCTS_SQL, [m]).df() for m in spec.products_of]
        products = pd.concat(frames, ignore_index=True).drop_duplicates("code")
        # the new measure's own heading, not the products' old lists
        return products.drop(columns=["heading"]).reset_index(drop=True)
    lines = con.execute("SELECT code FROM lines WHERE importer = ?", [stored.mfile.importer]).df()
    report = ValidationReport()
    products = expand_scope(spec.measure.scope, lines, stored.file, report)
    return products.reset_index(drop=True)


def _rate_columns(
    con: duckdb.DuckDBPyConnection,
    a: Amendment,
    mid: str,
    measure: Measure,
    products: pd.DataFrame,
) -> tuple[Measure, pd.DataFrame, dict[str, str]]:
    """Steps whose rates come per line from a raw source (``rate_column``): the rate of
    each product in force on the original step's first day, from the store's layers.

    Returns the measure with those steps pointing at reconstructed columns, the products
    with the columns, and for each column the presence column (lines the store had).
    """
    if not any(s.rate_column for s in measure.steps):
        return measure, products, {}
    original = a.measures[mid].measure if mid in a.measures else measure
    names: dict[str, str] = {}
    for index, step in enumerate(original.steps):
        if not step.rate_column or step.rate_column in names:
            continue
        col = f"_rate_{index}"
        rates = con.execute(_RATE_AT_SQL, [mid, step.valid_from, step.valid_from]).df()
        rates = rates.rename(columns={"rate": col, "present": f"{col}_present"})
        products = products.merge(rates, on="code", how="left")
        products[f"{col}_present"] = products[f"{col}_present"].fillna(False).astype(bool)
        names[step.rate_column] = col
    steps = [
        s.model_copy(update={"rate_column": names[s.rate_column]}) if s.rate_column else s
        for s in measure.steps
    ]
    return (
        measure.model_copy(update={"steps": steps}),
        products,
        {v: f"{v}_present" for v in names.values()},
    )


def _compile_groups(
    con: duckdb.DuckDBPyConnection,
    a: Amendment,
    mfile: MeasureFile,
    measure: Measure,
    products: pd.DataFrame,
    columns: dict[str, str],
) -> list[pd.DataFrame]:
    """Compile the measure; products under an exclusion get their own spliced steps
    (leaf lines beneath a product code, when the exclusion is narrower)."""
    exclusions = a.exclusions.get(measure.id, [])
    groups = _exclusion_groups(con, mfile, measure, products, exclusions)
    out = []
    for m, prods in groups:
        if prods.empty:
            continue
        prods = prods.reset_index(drop=True)
        for step in m.steps:  # rates written as fractions; reconstructed columns kept
            if step.rate_column and step.rate_column not in prods:
                raise StoreError(f"{m.id}: no per-line rates for {step.rate_column}")
        frame = compile_measure(mfile, m, prods, "")
        if columns:
            keep = pd.concat(
                [
                    prods[columns[s.rate_column]]
                    if s.rate_column in columns
                    else pd.Series(True, index=prods.index)
                    for s in m.steps
                ],
                ignore_index=True,
            )
            frame = frame[keep.to_numpy()].reset_index(drop=True)
        out.append(frame)
    return out


def _exclusion_groups(
    con: duckdb.DuckDBPyConnection,
    mfile: MeasureFile,
    measure: Measure,
    products: pd.DataFrame,
    exclusions: list[tuple[Exclude, Source]],
) -> list[tuple[Measure, pd.DataFrame]]:
    """Products grouped by the exclusions that cover them, each group with its steps.

    An exclusion narrower than a product code (an HTS10 under a listed HTS8) adds rows
    for the leaf lines beneath it, copied from the product; at the more specific level
    they override the product's row within the override group.
    """
    if not exclusions:
        return [(measure, products)]
    codes = products["code"].astype(str)
    extra_rows = []
    for ex, where in exclusions:
        for prefix in ex.codes:
            parents = products[codes.isin([prefix[:k] for k in range(4, len(prefix))])]
            leaves = pd.DataFrame(columns=["code"])
            if not parents.empty:
                leaves = con.execute(
                    """SELECT DISTINCT code FROM lines WHERE importer = ?
                       AND starts_with(code, ?) AND code_level >= 10 ORDER BY code""",
                    [mfile.importer, prefix],
                ).df()
            if not codes.str.startswith(prefix).any() and leaves.empty:
                raise where.fail(
                    f"exclude: code {prefix} is not on {measure.id} and has no line under "
                    "its products",
                    "codes",
                )
            if not leaves.empty:
                parent = parents.sort_values("code").iloc[-1]
                rows = pd.DataFrame([parent.to_dict()] * len(leaves))
                rows["code"] = leaves["code"].to_numpy()
                extra_rows.append(rows)
    rows = pd.concat([products, *extra_rows], ignore_index=True)
    rows = rows.drop_duplicates("code", keep="last").reset_index(drop=True)
    all_codes = rows["code"].astype(str)
    key = pd.Series("", index=rows.index)
    for k, (ex, _where) in enumerate(exclusions):
        hit = pd.Series(False, index=rows.index)
        for prefix in ex.codes:
            hit |= all_codes.str.startswith(prefix)
        key = key.where(~hit, key + f"{k},")
    groups = []
    for value in sorted(key.unique()):
        members = rows[key == value].reset_index(drop=True)
        steps = explicit_steps(measure)
        for k in (int(x) for x in value.split(",") if x):
            ex = exclusions[k][0]
            steps = splice(
                steps,
                Step(
                    valid_from=ex.valid_from,
                    until=ex.until,
                    rate=0.0,
                    citation=ex.citation,
                    note=ex.note or "excluded (scenario)",
                ),
            )
        groups.append(
            (measure if not value else measure.model_copy(update={"steps": steps}), members)
        )
    return groups


# --- running a scenario -------------------------------------------------------------------


@dataclass
class World:
    """An in-memory DuckDB with the store attached: schema ``main`` is the baseline,
    schema ``scen`` the scenario (once ``build`` ran)."""

    con: duckdb.DuckDBPyConnection
    importer: str | None = None

    @classmethod
    def open(cls, store: Path) -> World:
        link = attach_path(store)  # version and readability, with the usual errors
        con = duckdb.connect()
        con.execute(f"ATTACH '{str(link).replace(chr(39), chr(39) * 2)}' AS s (READ_ONLY)")
        tables = [
            r[0]
            for r in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE database_name = 's' "
                "ORDER BY table_name"
            ).fetchall()
        ]
        for t in tables:
            con.execute(f'CREATE VIEW main."{t}" AS SELECT * FROM s."{t}"')
        con.execute("CREATE SCHEMA scen")
        world = cls(con)
        world.baseline()
        return world

    def baseline(self) -> None:
        self.con.execute("SET schema = 'main'")
        self.con.execute("SET search_path = 'main'")

    def scenario(self) -> None:
        self.con.execute("SET schema = 'scen'")
        self.con.execute("SET search_path = 'scen,main'")

    def build(self, importer: str, layers: pd.DataFrame, replaced: list[str]) -> None:
        """The importer's lines and layers (``replaced`` measures swapped) and panel."""
        self.importer = importer
        self.scenario()
        con = self.con
        con.execute(
            "CREATE TABLE scen.lines AS SELECT * FROM s.lines WHERE importer = ?", [importer]
        )
        con.execute(
            "CREATE TABLE scen.layers AS SELECT * FROM s.layers WHERE importer = ? "
            "AND NOT list_contains(?, measure_id)",
            [importer, replaced],
        )
        if not layers.empty:
            con.register("_new_layers", layers)
            con.execute("INSERT INTO scen.layers BY NAME SELECT * FROM _new_layers")
            con.unregister("_new_layers")
        # the stacking rules between programs, as the store has them
        con.execute("CREATE TABLE scen.stack_rules AS SELECT * FROM s.stack_rules")
        build_panel(con)
        self.baseline()

    def close(self) -> None:
        self.con.close()


def _weights(importer: str, name: str | None) -> tuple[engine.Weights, list[str]]:
    warnings = []
    try:
        spec = engine.resolve_weights(importer, name)
    except InputError:
        if name is not None or importer not in FALLBACK_WEIGHTS:
            raise
        spec = engine.resolve_weights(importer, FALLBACK_WEIGHTS[importer])
        warnings.append(
            f"no product-level weights for importer {importer} in this version: "
            f"{spec.name} ({spec.level}) used, so each chapter counts as one product line "
            "in the impact model"
        )
    if not spec.product_level:
        warnings.append(
            f"weights {spec.name} are at {spec.level}: the impact model treats each weight "
            "code as one product line at the simple average rate of its tariff lines"
        )
    return spec, warnings


def resolve_path(base: Path, name: str) -> Path:
    """A file named in a scenario: relative to the scenario's folder, else to the
    current directory."""
    candidate = Path(name)
    if candidate.is_absolute():
        return candidate
    for root in (base.parent, base.parent.parent, Path.cwd()):
        if (root / candidate).is_file():
            return root / candidate
    return base.parent / candidate


def run(
    path: Path,
    store: Path | None = None,
    overrides: dict[str, float] | None = None,
    top: int = 15,
    lines_out: Path | None = None,
) -> dict[str, Any]:
    """Run a scenario against the baseline (see the module docstring)."""
    from .enforcement import evaluate_rules, load_rules

    path = Path(path)
    scenario, lines = load_scenario(path)
    params = pe.resolve({**scenario.parameters, **(overrides or {})})
    world = World.open(store or store_path())
    try:
        con = world.con
        measures = stored_measures(con)
        changes: list[tuple[Any, Source]] = [
            (c, Source.of(path, lines, "changes", i)) for i, c in enumerate(scenario.changes)
        ]
        rules_out = []
        for i, name in enumerate(scenario.rules):
            rule_path = resolve_path(path, name)
            if not rule_path.is_file():
                raise Source.of(path, lines, "rules", i).fail(f"rules file {name} not found")
            rulefile, rule_lines = load_rules(rule_path)
            evaluation = evaluate_rules(con, rulefile, rule_path, rule_lines, measures)
            rules_out.append(evaluation["summary"])
            changes.extend(evaluation["changes"])
        amendment = apply_changes(Amendment(measures), changes)
        importers = amendment.importers()
        if not importers:
            raise PolicyFileError(f"{path}: the scenario changes nothing (no rule triggered)")
        if len(importers) > 1:
            raise PolicyFileError(
                f"{path}: the changes touch both importers' schedules "
                f"({', '.join(sorted(importers))}); a scenario compares one importer's schedule"
            )
        importer = importers.pop()
        group = PARTNER[importer]
        start, end = scenario.period.valid_from, scenario.period.to
        try:
            engine.check_range(con, importer, start, end)
        except InputError as exc:
            raise Source.of(path, lines, "period").fail(f"period: {exc}") from None
        spec, warnings = _weights(importer, scenario.weights)
        base_dates = engine.change_dates(con, importer, group, start, end)
        layers = recompile(con, amendment)
        world.build(importer, layers, amendment.touched)
        world.scenario()
        scen_dates = engine.change_dates(con, importer, group, start, end)
        dates = sorted(set(base_dates) | set(scen_dates))
        world.baseline()
        base = engine.trade_weighted(con, importer, group, dates, spec)
        base_codes = engine.weight_codes(con, importer, group, dates, spec)
        world.scenario()
        scen = engine.trade_weighted(con, importer, group, dates, spec)
        scen_codes = engine.weight_codes(con, importer, group, dates, spec)
        world.baseline()
        days = _intervals(dates, end)
        impact = _impact(con, base_codes, scen_codes, days, params, importer, top, lines_out)
        delta = _delta(base, scen, days, impact)
        result = {
            "name": scenario.name,
            "file": str(path),
            "description": " ".join((scenario.description or "").split()) or None,
            "importer": importer,
            "origin": group,
            "period": {
                "from": start.isoformat(),
                "to": end.isoformat(),
                "days": sum(d for _, d in days),
            },
            "changes": amendment.log,
            "rules": rules_out,
            "amended_schedule": amendment.schedule(),
            "weights": base[0]["weights"] if base else None,
            "baseline": [_point(p) for p in base],
            "scenario": [_point(p) for p in scen],
            "delta": delta,
            "impact": impact,
            "parameters": params.as_dict(),
            "warnings": sorted({*warnings, *(w for p in base + scen for w in p["warnings"])}),
        }
        return stable(result)
    finally:
        world.close()


def _intervals(dates: list[dt.date], end: dt.date) -> list[tuple[dt.date, int]]:
    bounds = [*dates, end + dt.timedelta(days=1)]
    return [(d, (bounds[i + 1] - d).days) for i, d in enumerate(dates)]


def _point(p: dict[str, Any]) -> dict[str, Any]:
    return {
        "date": p["date"],
        "avg_trade_weighted": p["avg_trade_weighted"],
        "avg_mfn": p["avg_mfn"],
        "avg_additional": p["avg_additional"],
        "covered_value": p["covered_value"],
        "covered_share": p["covered_share"],
        "matched_value": p["matched"]["value_usd"],
        "by_measure": [
            {"measure_id": m["measure_id"], "contribution": m["contribution"]}
            for m in p["by_measure"]
        ],
    }


def _delta(
    base: list[dict[str, Any]],
    scen: list[dict[str, Any]],
    days: list[tuple[dt.date, int]],
    impact: dict[str, Any],
) -> dict[str, Any]:
    total = sum(d for _, d in days)
    points = []
    tariff = covered = 0.0
    for (day, n), b, s in zip(days, base, scen, strict=True):
        # rounded: sums over thousands of codes differ in the last bits between plans
        dp = round((s["avg_trade_weighted"] or 0.0) - (b["avg_trade_weighted"] or 0.0), 9)
        dc = round((s["covered_value"] or 0.0) - (b["covered_value"] or 0.0), 2)
        tariff += n * dp
        covered += n * dc
        points.append(
            {"date": day.isoformat(), "days": n, "avg_tariff_pp": dp, "covered_value": dc}
        )
    return {
        "period_days": total,
        "avg_tariff_pp": round(tariff / total, 9),
        "covered_value": round(covered / total, 2),
        "import_change": impact["import_change"],
        "revenue": impact["revenue_change"],
        "consumer_cost": impact["consumer_cost"],
        "deadweight_loss": impact["deadweight_loss"],
        "exporter_loss": impact["exporter_loss"],
        "importer_net_welfare": impact["importer_net_welfare"],
        "definitions": {
            "avg_tariff_pp": "day-weighted mean over the period of scenario minus baseline "
            "trade-weighted average tariff, percentage points",
            "covered_value": "day-weighted mean over the period of scenario minus baseline "
            "covered value (weight-year USD)",
            "import_change, revenue, consumer_cost, deadweight_loss": (
                "impact model totals over the period, USD: annual effects at weight-year "
                "import values times days / year_days"
            ),
        },
        "points": points,
    }


def _impact(
    con: duckdb.DuckDBPyConnection,
    base_codes: list[dict[str, Any]],
    scen_codes: list[dict[str, Any]],
    days: list[tuple[dt.date, int]],
    params: pe.Params,
    importer: str,
    top: int,
    lines_out: Path | None,
) -> dict[str, Any]:
    keep = ["date", "code", "value_usd", "rate"]
    con.register("_b", pd.DataFrame(base_codes, columns=keep))
    con.register("_s", pd.DataFrame(scen_codes, columns=keep))
    con.register(
        "_d",
        pd.DataFrame([(d.isoformat(), n) for d, n in days], columns=["date", "days"]),
    )
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _impact_in AS
            SELECT CAST(d.date AS DATE) AS day, d.days, d.days / {params.year_days}.0 AS share,
                   b.code, b.value_usd AS value, b.rate / 100 AS t0, s.rate / 100 AS t1,
                   ln.description
            FROM _d d JOIN _b b ON b.date = d.date
            LEFT JOIN _s s ON s.date = b.date AND s.code = b.code
            LEFT JOIN (SELECT code, arg_max(description, valid_from) AS description
                       FROM main.lines WHERE importer = '{importer}' GROUP BY code) ln
              ON ln.code = b.code"""
    )
    for name in ("_b", "_s", "_d"):
        con.unregister(name)
    result = pe.evaluate(con, "_impact_in", params, top)
    if lines_out is not None:
        _write_lines(con, lines_out)
        result["lines_file"] = str(lines_out)
    result["model"] = (
        "Armington partial equilibrium per weight code (product line) at weight-year import "
        "values, WITS-SMART style: no trade diversion to other origins, no domestic supply"
    )
    return result


def _write_lines(con: duckdb.DuckDBPyConnection, target: Path) -> None:
    suffix = target.suffix.lower()
    if suffix not in (".csv", ".parquet"):
        raise InputError(f"--lines {target}: give a .csv or .parquet file")
    fmt = "(FORMAT csv, HEADER)" if suffix == ".csv" else "(FORMAT parquet)"
    target.parent.mkdir(parents=True, exist_ok=True)
    quoted = str(target).replace("'", "''")
    con.execute(
        f"COPY (SELECT * FROM _impact_lines WHERE affected ORDER BY code) TO '{quoted}' {fmt}"
    )


def stable(obj: Any) -> Any:
    """Floats rounded to ``SIGNIFICANT`` digits (parallel sums differ in the last bits)."""
    if isinstance(obj, float):
        if math.isnan(obj) or math.isinf(obj) or obj == 0:
            return 0.0 if obj == 0 else obj
        return float(f"{obj:.{SIGNIFICANT}g}")
    if isinstance(obj, dict):
        return {k: stable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [stable(v) for v in obj]
    if isinstance(obj, dt.date):
        return obj.isoformat()
    if isinstance(obj, decimal.Decimal):
        return stable(float(obj))
    if hasattr(obj, "item") and not isinstance(obj, str):  # numpy scalars
        try:
            return stable(float(obj))
        except (TypeError, ValueError):
            return obj
    return obj


def plot(result: dict[str, Any], path: str | Path) -> Path:
    """Baseline and scenario trade-weighted averages, and the impact totals."""
    target = Path(path)
    if target.suffix.lower() not in (".png", ".svg"):
        raise InputError(f"--plot {target}: give a .png or .svg file")
    from matplotlib.figure import Figure

    fig = Figure(figsize=(11, 5.5))
    ax = fig.add_subplot(1, 2, 1)
    end = dt.date.fromisoformat(result["period"]["to"])
    for label, points, color in (
        ("baseline", result["baseline"], "#1f4e99"),
        (result["name"], result["scenario"], "#c0392b"),
    ):
        xs = [dt.date.fromisoformat(p["date"]) for p in points] + [end]
        ys = [p["avg_trade_weighted"] for p in points]
        ax.step(xs, [*ys, ys[-1]], where="post", color=color, linewidth=2, label=label)
    ax.set_ylabel("trade-weighted average tariff, percent")
    ax.legend(fontsize=8, frameon=False)
    ax.grid(alpha=0.3)
    for tick in ax.get_xticklabels():
        tick.set_rotation(30)
    bx = fig.add_subplot(1, 2, 2)
    names = ["import_change", "revenue", "consumer_cost", "deadweight_loss"]
    values = [result["delta"][n] / 1e9 for n in names]
    bx.bar(names, values, color=["#7f8c8d", "#16a085", "#c0392b", "#8e44ad"])
    bx.set_ylabel(f"USD bn over {result['period']['from']} to {result['period']['to']}")
    bx.tick_params(axis="x", labelsize=7, rotation=20)
    bx.grid(axis="y", alpha=0.3)
    p = result["parameters"]
    fig.suptitle(f"Scenario {result['name']} vs baseline ({result['importer']})")
    fig.text(
        0.01,
        0.005,
        f"Weights: {result['weights']['name']} ({result['weights']['description']}). "
        f"Impact: Armington PE, sigma={p['import_demand_elasticity']}, "
        f"pass-through={p['pass_through']}.",
        fontsize=6.5,
        wrap=True,
    )
    fig.tight_layout(rect=(0, 0.05, 1, 0.95))
    return save_figure(fig, target)
