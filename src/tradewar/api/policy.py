"""Python facade for commitments, enforcement rules, scenarios and the impact model
(issue 4): plain dicts out.

    from tradewar.api import policy as api_policy
    api_policy.commitments("phase-one", basis="us-exports", through="2020-12")
    api_policy.enforce("rules/phase-one-review.yaml")
    api_policy.scenario_run("scenarios/no-deal-march-2019.yaml")
    api_policy.impact_single(100.0, 0.10, 0.25, {"import_demand_elasticity": 2})

Values are USD, rates fractions in inputs and percent in series; see docs/policy.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..data.store import open_store
from ..policy import commitments as _commitments
from ..policy import enforcement as _enforcement
from ..policy import impact as _impact
from ..policy import scenarios as _scenarios


def agreements() -> list[dict[str, Any]]:
    """The commitment records (``data/commitments``): id, kind, name, whether checkable."""
    return [
        {
            "id": record.id,
            "kind": record.kind,
            "name": " ".join(record.name.split()),
            "verifiable": record.verifiable,
            "years": record.years,
            "bases": {k: b.available for k, b in record.bases.items()},
            "file": f"data/commitments/{path.name}",
        }
        for path, record in _commitments.catalog().values()
    ]


def commitments(
    agreement: str = "phase-one",
    basis: str = "us-exports",
    through: str | None = None,
    prorate: str = _commitments.DEFAULT_PRORATE,
    compare: bool = False,
    store: Path | None = None,
    annex_only: bool = False,
) -> dict[str, Any]:
    """Cumulative purchases against the pro-rated targets, by category and month.

    ``annex_only``: the annex list alone, without the supplementary codes of the
    commitment file (civil aircraft, Schedule B 8800.00), as the tracker's files count.
    """
    con = open_store(store)
    try:
        return _commitments.attainment(
            con, agreement, basis, through, prorate, compare=compare, supplements=not annex_only
        )
    finally:
        con.close()


def plot_commitments(result: dict[str, Any], path: str | Path) -> Path:
    """Chart of ``commitments()``: purchases against target per category (PNG or SVG)."""
    return _commitments.plot(result, path)


def enforce(rules: str | Path, store: Path | None = None) -> dict[str, Any]:
    """Evaluate a rule file over time: triggered actions and the amended schedule."""
    con = open_store(store)
    try:
        return _enforcement.enforce(con, Path(rules))
    finally:
        con.close()


def scenario_run(
    path: str | Path,
    store: Path | None = None,
    parameters: dict[str, float] | None = None,
    lines_out: str | Path | None = None,
    top: int = 15,
) -> dict[str, Any]:
    """A scenario against the baseline: series, deltas, impact and parameters."""
    return _scenarios.run(
        Path(path),
        store=store,
        overrides=parameters,
        top=top,
        lines_out=Path(lines_out) if lines_out else None,
    )


def plot_scenario(result: dict[str, Any], path: str | Path) -> Path:
    """Chart of ``scenario_run()``: both series and the impact totals (PNG or SVG)."""
    return _scenarios.plot(result, path)


def impact_parameters(parameters: dict[str, float] | None = None) -> dict[str, Any]:
    """The impact model's parameters (defaults with their sources, overrides applied)."""
    return _impact.resolve(parameters).as_dict()


def impact_single(
    value: float, t0: float, t1: float, parameters: dict[str, float] | None = None
) -> dict[str, Any]:
    """The impact model on one product line for one year (rates as fractions)."""
    return _impact.single(value, t0, t1, _impact.resolve(parameters))
