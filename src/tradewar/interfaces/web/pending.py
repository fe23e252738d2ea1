"""Endpoints whose capability has not landed: they validate their input and answer 501.

The article checker and the timeline of events have no engine in tradewar yet (nor
commitments and scenarios when ``tradewar.api.policy`` does not import). Their
endpoints exist so the interface is visible, and each answers ``501 Not Implemented``
with a JSON error that says so plainly: no placeholder figures, no fake data.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Query
from pydantic import BaseModel, Field

from .errors import ERROR_SCHEMA, NotYetAvailable
from .render import JSON

TAG = "not yet available"
PENDING = {
    "commitments": "the Phase One commitments tracker has not landed: purchases and targets "
    "are not yet modelled",
    "scenarios": "scenario runs have not landed: no scenario is shipped yet",
    "article_check": "the article checker has not landed: no claims, verdicts or evidence yet",
    "timeline": "the timeline of events has not landed",
}
NOT_YET = {501: {"description": "Not yet available", "content": {"application/json": {
    "schema": ERROR_SCHEMA}}}}  # fmt: skip


class ScenarioRun(BaseModel):
    """A scenario run request."""

    scenario: str = Field(min_length=1, max_length=100, description="a shipped scenario's name")


class ArticleCheck(BaseModel):
    """An article to check."""

    text: str = Field(min_length=1, max_length=50_000, description="the article's text")


def not_yet(what: str) -> NotYetAvailable:
    return NotYetAvailable(f"not yet available: {PENDING[what]}")


def build_router(policy: bool, check: bool = False, timeline: bool = False) -> APIRouter:
    """The 501 endpoints; ``policy``: commitments and scenarios are wired elsewhere;
    ``check``, ``timeline``: the article checker, the timeline are (``news_routes``)."""
    router = APIRouter(prefix="/api", tags=[TAG], responses=NOT_YET, default_response_class=JSON)

    if not policy:

        @router.get("/commitments", summary="Phase One purchases against targets (not yet)")
        async def commitments(
            agreement: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
        ) -> JSON:
            raise not_yet("commitments")

        @router.get("/scenarios", summary="The shipped scenarios (not yet)")
        async def scenarios() -> JSON:
            raise not_yet("scenarios")

        @router.post("/scenarios/run", summary="Run a scenario against the baseline (not yet)")
        async def run_scenario(request: Annotated[ScenarioRun, Body()]) -> JSON:
            raise not_yet("scenarios")

    if not check:

        @router.post("/articles/check", summary="Check an article's claims (not yet)")
        async def check_article(request: Annotated[ArticleCheck, Body()]) -> JSON:
            raise not_yet("article_check")

    if not timeline:

        @router.get("/timeline", summary="The dated events of the trade war (not yet)")
        async def timeline() -> JSON:
            raise not_yet("timeline")

    return router
