"""The article checker and the timeline over HTTP, through ``tradewar.api.news`` (issue 5).

Wired only when the news pipeline imports (``available()``); otherwise ``pending.py``
answers 501 for them. An article is posted as JSON (``text``, optional ``date``) or
uploaded as a file (plain text or HTML, size-limited like bulk uploads); the answer is
the CheckedArticle (``article``, ``claims`` with verdicts and evidence, ``events``,
``summary``), the same dict ``api_news.check_text`` returns. The store is read under
the shared side of the service's lock.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Body, File, Query, UploadFile
from pydantic import BaseModel, Field

from ...api import news as api_news
from ...errors import CoverageError, InputError
from .errors import FieldError
from .fields import IsoDate
from .render import JSON, Rendered
from .routes import ERRORS, _error
from .service import Service

CHECK_PATH = "/api/articles/check"
UPLOAD_PATH = "/api/articles/check/file"
DATE_HELP = "the article's date, YYYY-MM-DD (else taken from the metadata or inferred)"


def available() -> bool:
    """Whether the article checker (reader, extraction, events, verification) imports."""
    try:
        from ...news import events, pipeline, verify  # noqa: F401
    except ImportError:
        return False
    return True


def timeline_available() -> bool:
    """Whether the merged timeline imports."""
    try:
        from ...news import timeline  # noqa: F401
    except ImportError:
        return False
    return True


class ArticleCheck(BaseModel):
    """An article to check."""

    text: str = Field(min_length=1, max_length=50_000, description="the article's text or HTML")
    date: str | None = Field(default=None, min_length=10, max_length=10, description=DATE_HELP)


def _date(value: str | None, loc: tuple[str, ...]) -> str | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value).isoformat()
    except ValueError:
        raise FieldError(loc, InputError(f"date {value!r} is not YYYY-MM-DD")) from None


def _check(
    service: Service, data: str | bytes, date: str | None, source: str, loc: tuple[str, ...]
) -> dict[str, Any]:
    try:
        with service.file_lock.shared():
            return api_news.check_text(data, date=date, source=source, store=service.store)
    except (InputError, CoverageError) as exc:
        if isinstance(exc, FieldError):
            raise
        raise FieldError(loc, exc) from None


def build_router(service: Service, check: bool = True, timeline: bool = True) -> APIRouter:
    """The article checker (``check``) and the timeline (``timeline``) endpoints."""
    router = APIRouter(prefix="/api", tags=["news"], responses=ERRORS, default_response_class=JSON)
    if check:
        _check_routes(router, service)
    if timeline:
        _timeline_route(router, service)
    return router


def _check_routes(router: APIRouter, service: Service) -> None:
    @router.post(
        "/articles/check",
        summary="Check an article's claims: verdicts, evidence, events",
        description=(
            "Reads the text (plain or HTML), extracts its claims and events and gives each "
            "claim a verdict (supported, partly, contradicted, not_checkable) with the "
            "evidence, and the readings as of the article's date and as it turned out."
        ),
    )
    async def check_article(request: Annotated[ArticleCheck, Body()]) -> JSON:
        date = _date(request.date, ("body", "date"))
        text = request.text
        return JSON(
            await service.run(lambda: _check(service, text, date, "<request>", ("body", "text")))
        )

    @router.post(
        "/articles/check/file",
        summary="Check an uploaded article (plain text or HTML)",
        responses={413: _error("The upload is over the size limit")},
    )
    async def check_article_file(
        file: Annotated[UploadFile, File(description="the article: plain text or HTML")],
        date: Annotated[
            str | None, Query(min_length=10, max_length=10, description=DATE_HELP)
        ] = None,
    ) -> JSON:
        day = _date(date, ("query", "date"))
        data = await file.read()
        if not data:
            raise FieldError(("body", "file"), InputError("the uploaded file is empty"))
        name = file.filename or "<upload>"
        return JSON(await service.run(lambda: _check(service, data, day, name, ("body", "file"))))


def _timeline_route(router: APIRouter, service: Service) -> None:
    @router.get("/timeline", summary="The schedule's dated measures and the events, merged")
    async def timeline(
        start: Annotated[IsoDate | None, Query(alias="from")] = None,
        end: Annotated[IsoDate | None, Query(alias="to")] = None,
    ) -> JSON:
        if start and end and end < start:
            raise FieldError(("query", "to"), InputError(f"to {end} is before from {start}"))

        def work() -> Rendered:
            with service.file_lock.shared():
                return service.memo.get(
                    ("timeline", start, end),
                    lambda: api_news.timeline(
                        start.isoformat() if start else None,
                        end.isoformat() if end else None,
                        store=service.store,
                    ),
                )

        try:
            return JSON(await service.run(work))
        except (InputError, CoverageError) as exc:
            if isinstance(exc, FieldError):
                raise
            raise FieldError(("query", "from"), exc) from None
