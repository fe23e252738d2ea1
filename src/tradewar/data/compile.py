"""Compile a measure (authored steps) and its product list (raw) into layer rows."""

from __future__ import annotations

import pandas as pd

from ..model.measures import Measure, MeasureFile, Step
from ..model.schema import LAYER_COLUMNS, enforce


def step_until(measure: Measure, index: int) -> object:
    """A step's exclusive end: its own ``until``, else the next step's start.

    Steps with an export-date window overlap others on entry dates, so they must
    state ``until`` themselves or run open-ended.
    """
    step = measure.steps[index]
    if step.until is not None:
        return step.until
    if index + 1 < len(measure.steps) and step.governs == "entry":
        nxt = measure.steps[index + 1]
        if nxt.governs == "entry":
            return nxt.valid_from
    return None


def compile_measure(
    mfile: MeasureFile,
    measure: Measure,
    products: pd.DataFrame,
    source: str,
) -> pd.DataFrame:
    """Layer rows for every product of ``measure`` and every step.

    ``products`` has ``code`` and optionally ``heading``, ``source_row``,
    ``precision``, ``condition``, ``note`` and the rate columns that steps name
    (already fractions). A fixed step rate applies to every product; a
    ``rate_column`` gives each product its own rate (NULL = unknown, kept), and a
    ``<rate_column>_status`` column, where present, its own status (NULL = the step's).
    """
    frames = []
    for index, step in enumerate(measure.steps):
        frame = _step_frame(mfile, measure, step, products, source)
        frame["valid_until"] = step_until(measure, index)
        frames.append(frame)
    if not frames:
        return enforce(pd.DataFrame(columns=list(LAYER_COLUMNS)), LAYER_COLUMNS)
    return enforce(pd.concat(frames, ignore_index=True), LAYER_COLUMNS)


def _step_frame(
    mfile: MeasureFile,
    measure: Measure,
    step: Step,
    products: pd.DataFrame,
    source: str,
) -> pd.DataFrame:
    out = pd.DataFrame({"code": products["code"].astype(str)})
    out["importer"] = mfile.importer
    out["origin"] = mfile.origin
    out["authority"] = mfile.authority
    out["measure_id"] = measure.id
    out["measure_name"] = measure.name
    out["override_group"] = measure.override_group or mfile.override_group
    out["code_level"] = out["code"].str.len()
    out["valid_from"] = step.valid_from
    out["export_from"] = step.export_from
    out["export_until"] = step.export_until
    out["governs"] = step.governs
    if step.rate_column is not None:
        out["rate"] = products[step.rate_column].to_numpy()
    else:
        out["rate"] = float("nan") if step.rate is None else step.rate
    out["rate_kind"] = out["rate"].map(lambda r: "unknown" if pd.isna(r) else step.kind)
    pct = (out["rate"] * 100).map(lambda r: "" if pd.isna(r) else f"{r:g}%")
    out["rate_text"] = pct.map(lambda p: f"+{p}" if p else "rate not given in source")
    if step.kind == "content_value":
        out["rate_text"] = pct.map(lambda p: f"+{p} of the content value")
    out["status"] = step.status
    status_column = f"{step.rate_column}_status" if step.rate_column else None
    if status_column in products:  # a per-line status (e.g. suspended lines) wins
        out["status"] = products[status_column].fillna(step.status).to_numpy()
    default_heading = step.heading or measure.heading
    if "heading" in products and step.heading is None:
        out["heading"] = products["heading"].fillna(default_heading).to_numpy()
    else:
        out["heading"] = default_heading
    out["citation"] = step.citation
    for column in ("precision", "condition", "note", "source_row"):
        if column in products:
            out[column] = products[column].to_numpy()
    if step.kind == "claim":
        out["rate_text"] = "exclusion: the list duty does not apply when claimed"
        out["condition"] = f"only when the importer claims {default_heading} (--claim)"
    if step.status == "not_modelled":
        out["rate_text"] = "not modelled from this date: " + (step.note or "see the citation")
    if step.status == "pending":
        out["condition"] = "announced, not yet in force on this date (pending)"
    if "precision" not in products:
        out["precision"] = step.precision or "exact"
    out["note"] = _join_notes(out.get("note"), step.note)
    if step.method:
        out["note"] = _join_notes(out["note"], f"method: {' '.join(step.method.split())}")
    out["source"] = source if "source" not in products else products["source"].to_numpy()
    return out


def _join_notes(existing: pd.Series | None, extra: str | None) -> object:
    if extra is None:
        return existing if existing is not None else None
    if existing is None:
        return extra
    return existing.map(lambda n: extra if n is None or pd.isna(n) else f"{n}; {extra}")
