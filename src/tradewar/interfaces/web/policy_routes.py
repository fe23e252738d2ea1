"""Commitments and scenarios over HTTP, through ``tradewar.api.policy`` (issue 4).

Wired only when ``api_policy`` imports; otherwise ``pending.py`` answers 501 for them.
A scenario is chosen by the name of a shipped file (``scenarios/<name>.yaml``), from a
catalogue read when the app is created: a request names an entry, never a path.
Scenario runs attach the store in a connection of their own, so they take the
exclusive side of the store lock, like bulk.
"""

# no ``from __future__ import annotations``: the request types are built per app from the
# catalogues, and FastAPI resolves annotations at route definition.
import datetime as dt
import re
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query
from pydantic import BaseModel, Field

from ...api import policy as api_policy
from ...config import REPO_ROOT
from ...errors import InputError, TradewarError
from ...policy import commitments as _commitments
from ...policy import impact as _impact
from ...policy import scenarios as _scenarios
from .errors import FieldError
from .render import JSON, Rendered
from .routes import ERRORS
from .service import Service

SCENARIOS_DIR = REPO_ROOT / "scenarios"
MONTH = re.compile(r"^\d{4}-\d{2}$")


def scenario_catalog(directory: Path = SCENARIOS_DIR) -> dict[str, Path]:
    """Shipped scenario files by name (file stem)."""
    if not directory.is_dir():
        return {}
    return {p.stem: p for p in sorted(directory.glob("*.yaml"))}


def build_router(service: Service) -> APIRouter:
    router = APIRouter(prefix="/api", responses=ERRORS, default_response_class=JSON)
    agreements = {a["id"]: a for a in api_policy.agreements()}
    catalog = scenario_catalog()
    Agreement = Literal[tuple(agreements)] if agreements else str  # type: ignore[valid-type]
    Prorate = Literal[tuple(_commitments.PRORATE)]  # type: ignore[valid-type]
    Parameter = Literal[tuple(_impact.NAMES)]  # type: ignore[valid-type]
    Scenario = Literal[tuple(catalog)] if catalog else str  # type: ignore[valid-type]

    class ScenarioRun(BaseModel):
        """A shipped scenario to run against the baseline."""

        scenario: Scenario = Field(description="a shipped scenario (GET /api/scenarios)")  # type: ignore[valid-type]
        parameters: dict[Parameter, float] = Field(  # type: ignore[valid-type]
            default_factory=dict,
            max_length=len(_impact.NAMES),
            description="impact parameter overrides, NAME: value",
        )
        top: int = Field(default=15, ge=1, le=100, description="lines listed in the impact")

    @router.get("/commitments/agreements", tags=["commitments"], summary="The commitments")
    async def commitment_list() -> JSON:
        return JSON(list(agreements.values()))

    @router.get(
        "/commitments",
        tags=["commitments"],
        summary="Cumulative purchases against the targets, by category and month",
    )
    async def commitments(
        agreement: Annotated[Agreement, Query()] = "phase-one",  # type: ignore[valid-type]
        basis: Annotated[Literal["us-exports", "china-imports"], Query()] = "us-exports",
        through: Annotated[
            str | None, Query(min_length=7, max_length=7, description="last month, YYYY-MM")
        ] = None,
        prorate: Annotated[Prorate, Query()] = _commitments.DEFAULT_PRORATE,  # type: ignore[valid-type]
        annex_only: Annotated[bool, Query(description="annex codes only")] = False,
    ) -> JSON:
        if through is not None:
            _month(through)

        def compute() -> dict[str, Any]:
            try:
                return api_policy.commitments(
                    agreement, basis, through, prorate, False, service.store, annex_only
                )
            except InputError as exc:  # name the field when it is the basis
                bases = agreements.get(agreement, {}).get("bases") or {}
                if bases and not bases.get(basis):
                    raise FieldError(("query", "basis"), exc) from None
                raise

        def work() -> Rendered:
            with service.file_lock.shared():
                return service.memo.get(
                    ("commitments", agreement, basis, through, prorate, annex_only), compute
                )

        return JSON(await service.run(work))

    @router.get("/scenarios", tags=["scenarios"], summary="The shipped scenarios")
    async def scenarios() -> JSON:
        out = []
        for name, path in catalog.items():
            try:
                scenario, _lines = _scenarios.load_scenario(path)
            except TradewarError as exc:
                out.append({"name": name, "file": f"scenarios/{path.name}", "error": str(exc)})
                continue
            out.append(
                {
                    "name": name,
                    "title": scenario.name,
                    "description": " ".join((scenario.description or "").split()) or None,
                    "period": {
                        "from": scenario.period.valid_from.isoformat(),
                        "to": scenario.period.to.isoformat(),
                    },
                    "file": f"scenarios/{path.name}",
                }
            )
        return JSON(out)

    @router.get("/scenarios/parameters", tags=["scenarios"], summary="Impact parameters")
    async def parameters() -> JSON:
        return JSON(_impact.resolve(None).as_dict())

    @router.post(
        "/scenarios/run",
        tags=["scenarios"],
        summary="Run a shipped scenario against the baseline (as `tradewar scenario run`)",
    )
    async def run_scenario(request: Annotated[ScenarioRun, Body()]) -> JSON:
        path = catalog.get(request.scenario)
        if path is None:
            raise FieldError(
                ("body", "scenario"), InputError(f"no shipped scenario {request.scenario!r}")
            )
        overrides = dict(sorted(request.parameters.items())) or None
        if overrides:
            try:
                _impact.resolve(overrides)
            except InputError as exc:
                raise FieldError(("body", "parameters"), exc) from None

        def work() -> Rendered:
            with service.file_lock.exclusive():
                return service.memo.get(
                    ("scenario", request.scenario, tuple((overrides or {}).items()), request.top),
                    lambda: {
                        **api_policy.scenario_run(
                            path, service.store, overrides, None, request.top
                        ),
                        "file": f"scenarios/{path.name}",
                    },
                )

        return JSON(await service.run(work))

    return router


def _month(text: str) -> None:
    if MONTH.match(text):
        try:
            dt.date.fromisoformat(f"{text}-01")
            return
        except ValueError:
            pass
    raise FieldError(("query", "through"), InputError(f"through {text!r} is not a YYYY-MM month"))
