"""Enforcement rules: a condition over commitments, schedules or dates, and an action
that amends the schedule.

A rule file (``rules/*.yaml``) lists rules. Each rule has a condition (``when``):

``attainment``       cumulative purchases of some categories of an agreement (default:
                     all goods categories) below ``below_pct`` percent of the pro-rated
                     target at a review date (purchases through the last complete month);
``no_agreement_by``  the agreement was not signed by ``deadline``;
``rate_on``          a measure's rate in force on a date is at least / below a value;

and actions (``then``): ``set_rate`` (from a date, or ``after_days`` after the trigger),
``enact_history`` (an announced step takes effect), ``remove_step``. The rules are
evaluated over time against the data; a rule fires once, on the first date its
condition holds. The actions become scenario changes (``policy/scenarios.py``), applied
in the order of their effective dates, and give the amended schedule.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any, Literal

import duckdb
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ..model.measures import Reference
from . import commitments, load_model_lines
from .scenarios import (
    Amendment,
    EnactHistory,
    RemoveStep,
    SetRate,
    Source,
    StoredMeasure,
    apply_changes,
    check_rate,
    explicit_steps,
    stored_measures,
)


class Attainment(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["attainment"]
    agreement: str = "phase-one"
    categories: list[str] = []  # empty: every goods category
    basis: str = "us-exports"
    prorate: str = commitments.DEFAULT_PRORATE
    below_pct: float = Field(gt=0)
    review_dates: list[dt.date] = Field(min_length=1)


class NoAgreementBy(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["no_agreement_by"]
    agreement: str
    deadline: dt.date


class RateOn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["rate_on"]
    measure: str
    on: dt.date
    at_least: float | None = None
    below: float | None = None

    @model_validator(mode="after")
    def _check(self) -> RateOn:
        if (self.at_least is None) == (self.below is None):
            raise ValueError("rate_on needs exactly one of at_least, below")
        return self


Condition = Annotated[Attainment | NoAgreementBy | RateOn, Field(discriminator="kind")]


class Action(BaseModel):
    """What a triggered rule does to the schedule."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    op: Literal["set_rate", "enact_history", "remove_step"]
    measure: str
    rate: float | None = None
    valid_from: dt.date | None = Field(default=None, alias="from")
    after_days: int | None = Field(default=None, ge=0)
    until: dt.date | None = None
    planned_from: dt.date | None = None
    step: dt.date | None = None
    citation: str | None = None

    _rate = field_validator("rate")(check_rate)

    @model_validator(mode="after")
    def _check(self) -> Action:
        if self.op == "set_rate":
            if self.rate is None or not self.citation:
                raise ValueError("set_rate needs rate and citation")
            if (self.valid_from is None) == (self.after_days is None):
                raise ValueError("set_rate needs exactly one of from, after_days")
        if self.op == "enact_history" and self.planned_from is None:
            raise ValueError("enact_history needs planned_from")
        if self.op == "remove_step" and self.step is None:
            raise ValueError("remove_step needs step")
        return self


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    description: str
    citation: str
    when: Condition
    then: list[Action] = Field(min_length=1)


class RuleFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    description: str | None = None
    references: list[Reference] = []
    rules: list[Rule] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> RuleFile:
        ids = [r.id for r in self.rules]
        if len(ids) != len(set(ids)):
            raise ValueError("rule ids must be unique")
        return self


def load_rules(path: Path) -> tuple[RuleFile, dict[tuple[Any, ...], int]]:
    """A rule file, validated; errors name the file and line."""
    return load_model_lines(RuleFile, path, "rule file")


# --- evaluation -----------------------------------------------------------------------


def _through(review: dt.date) -> dt.date:
    """The last complete month on a review date (its first day)."""
    nxt = review + dt.timedelta(days=1)
    first = dt.date(nxt.year, nxt.month, 1)
    return (first - dt.timedelta(days=1)).replace(day=1)


def _attainment(
    con: duckdb.DuckDBPyConnection, cond: Attainment, where: Source
) -> list[dict[str, Any]]:
    _path, record = commitments.get(cond.agreement)
    goods = {c.id for c in record.categories if c.goods}
    chosen = set(cond.categories) or goods
    unknown = chosen - goods
    if unknown:
        raise where.fail(
            f"categories {', '.join(sorted(unknown))} are not goods categories of "
            f"{record.id} (known: {', '.join(sorted(goods))})",
            "categories",
        )
    spec = record.bases.get(cond.basis)
    if spec is None or not spec.available:
        reason = spec.reason if spec is not None and spec.reason else "unknown basis"
        raise where.fail(
            f"basis {cond.basis} is not available: {' '.join(reason.split())}", "basis"
        )
    first = dt.datetime.strptime(spec.first_month or "2020-01", "%Y-%m").date()
    last = dt.datetime.strptime(spec.last_month or "2020-12", "%Y-%m").date()
    out = []
    for review in sorted(cond.review_dates):
        month = _through(review)
        entry: dict[str, Any] = {
            "date": review.isoformat(),
            "through": f"{month:%Y-%m}",
            "threshold_pct": cond.below_pct,
        }
        if month < first:
            reason = f"no complete month of the commitment period ({first:%Y-%m})"
            out.append({**entry, "status": "not_evaluable", "reason": reason})
            continue
        if month > last:
            reason = f"basis {cond.basis} is in the data through {last:%Y-%m}"
            out.append({**entry, "status": "not_evaluable", "reason": reason})
            continue
        result = commitments.attainment(con, record.id, cond.basis, f"{month:%Y-%m}", cond.prorate)
        cats = [c for c in result["categories"] if c["id"] in chosen]
        actual = sum(c["actual"] for c in cats)
        target = sum(c["target"] for c in cats)
        value = 100.0 * actual / target if target else None
        out.append(
            {
                **entry,
                "status": "evaluated",
                "categories": sorted(chosen),
                "actual": actual,
                "target": target,
                "value_pct": value,
                "holds": value is not None and value < cond.below_pct,
            }
        )
    return out


def _deadline(cond: NoAgreementBy) -> list[dict[str, Any]]:
    _path, record = commitments.get(cond.agreement)
    signed = record.signed
    holds = signed is None or signed > cond.deadline
    return [
        {
            "date": cond.deadline.isoformat(),
            "status": "evaluated",
            "agreement": record.id,
            "signed": signed.isoformat() if signed else None,
            "holds": holds,
        }
    ]


def _rate_on(cond: RateOn, measures: dict[str, StoredMeasure], where: Source) -> list[dict]:
    stored = measures.get(cond.measure)
    if stored is None:
        raise where.fail(f"unknown measure {cond.measure!r}", "measure")
    rate = None
    for s in explicit_steps(stored.measure):
        if s.governs != "entry" or s.rate is None:
            continue
        if s.valid_from <= cond.on and (s.until is None or s.until > cond.on):
            rate = s.rate
    if rate is None:
        holds = False
    elif cond.at_least is not None:
        holds = rate >= cond.at_least
    else:
        holds = rate < cond.below
    return [
        {
            "date": cond.on.isoformat(),
            "status": "evaluated" if rate is not None else "not_evaluable",
            "measure": cond.measure,
            "rate": rate,
            "holds": holds,
        }
    ]


def _change(action: Action, rule: Rule, trigger: dt.date) -> Any:
    note = f"enforcement rule {rule.id}, triggered {trigger}"
    if action.op == "set_rate":
        start = action.valid_from or trigger + dt.timedelta(days=action.after_days or 0)
        return SetRate(
            op="set_rate",
            measure=action.measure,
            valid_from=start,
            until=action.until,
            rate=action.rate,
            citation=f"{action.citation} ({note})",
            note=note,
        )
    if action.op == "enact_history":
        return EnactHistory(
            op="enact_history",
            measure=action.measure,
            planned_from=action.planned_from,
            until=action.until,
            rate=action.rate,
            note=note,
        )
    return RemoveStep(op="remove_step", measure=action.measure, step=action.step, note=note)


def _effective(change: Any) -> dt.date:
    for name in ("valid_from", "planned_from", "step"):
        value = getattr(change, name, None)
        if value is not None:
            return value
    return dt.date.max


def evaluate_rules(
    con: duckdb.DuckDBPyConnection,
    rulefile: RuleFile,
    path: Path,
    lines: dict[tuple[Any, ...], int],
    measures: dict[str, StoredMeasure],
) -> dict[str, Any]:
    """Evaluate every rule over time; return what triggered, the evaluations, and the
    triggered actions as scenario changes (with the rule file's lines)."""
    triggered, evaluations, changes = [], [], []
    for i, rule in enumerate(rulefile.rules):
        where = Source.of(path, lines, "rules", i, "when")
        cond = rule.when
        if isinstance(cond, Attainment):
            evals = _attainment(con, cond, where)
        elif isinstance(cond, NoAgreementBy):
            evals = _deadline(cond)
        else:
            evals = _rate_on(cond, measures, where)
        fired = next((e for e in evals if e.get("holds")), None)
        evaluations.append(
            {
                "rule": rule.id,
                "kind": cond.kind,
                "evaluations": evals,
                "triggered": fired is not None,
            }
        )
        if fired is None:
            continue
        trigger = dt.date.fromisoformat(fired["date"])
        for j, action in enumerate(rule.then):
            change = _change(action, rule, trigger)
            source = Source.of(path, lines, "rules", i, "then", j)
            changes.append((change, source))
            triggered.append(
                {
                    "rule": rule.id,
                    "description": " ".join(rule.description.split()),
                    "condition": cond.kind,
                    "date": trigger.isoformat(),
                    "evaluation": fired,
                    "action": {
                        "op": action.op,
                        "measure": action.measure,
                        "rate": getattr(change, "rate", None),
                        "effective": _effective(change).isoformat(),
                        "citation": " ".join((getattr(change, "citation", None) or "").split())
                        or None,
                    },
                    "rule_citation": " ".join(rule.citation.split()),
                    "line": source.line,
                }
            )
    order = sorted(range(len(changes)), key=lambda k: (_effective(changes[k][0]), k))
    return {
        "triggered": [triggered[k] for k in order],
        "evaluations": evaluations,
        "changes": [changes[k] for k in order],
        "summary": {
            "file": str(path),
            "name": rulefile.name,
            "triggered": [
                {
                    "rule": triggered[k]["rule"],
                    "date": triggered[k]["date"],
                    "effective": triggered[k]["action"]["effective"],
                }
                for k in order
            ],
        },
    }


def enforce(con: duckdb.DuckDBPyConnection, path: Path) -> dict[str, Any]:
    """Evaluate a rule file against the data; the triggered actions and the amended
    schedule of the measures they touch."""
    path = Path(path)
    rulefile, lines = load_rules(path)
    measures = stored_measures(con)
    result = evaluate_rules(con, rulefile, path, lines, measures)
    amendment = apply_changes(Amendment(measures), result["changes"])
    return {
        "rules_file": str(path),
        "name": rulefile.name,
        "description": " ".join((rulefile.description or "").split()) or None,
        "triggered": result["triggered"],
        "evaluations": result["evaluations"],
        "amended_schedule": amendment.schedule(),
        "changes": amendment.log,
    }
