"""The FastAPI application: the HTTP API under /api and the dashboard at /.

    from tradewar.interfaces.web import create_app
    app = create_app()                       # the store at TRADEWAR_HOME
    app = create_app(Path("x/tradewar.duckdb"), Limits(time_s=5))

``create_app`` opens the store read-only and fails fast (``StoreError``) when there is
none. The dashboard is static HTML, CSS and vanilla JavaScript bundled in the package
(``static/``); it draws its charts as inline SVG and loads nothing from elsewhere (the
Content-Security-Policy forbids it).
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.responses import HTMLResponse
from starlette.types import Message, Receive, Scope, Send

from ... import __version__
from ...config import SERVE_WORKER_ENV, store_path
from . import fast, pending, routes
from .errors import install_handlers
from .render import JSON
from .service import Limits, Service

STATIC = Path(__file__).resolve().parent / "static"
UPLOAD_PATHS = frozenset({"/api/duty/bulk", "/api/articles/check/file"})
SECURITY_HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
        b"frame-ancestors 'none'; form-action 'self'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
]
DESCRIPTION = """The US-China trade war, 2018 to today, as dated, sourced, computable data.

Every endpoint answers JSON. Errors are JSON too: `{"error", "type", "detail": [{"loc",
"msg", "type"}]}`, with 422 for invalid input (the field in `loc`), 413 for a body over
the limit, 501 for a capability that has not landed yet, 503 when the request ran past
the time limit. The store is opened read-only.
"""


class Generation:
    """Admit each request on one store generation and name it (``X-Tradewar-Build``),
    with the security headers (CSP: nothing loaded from another origin); one pure ASGI
    layer for both."""

    def __init__(self, app: object, service: Service) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)  # type: ignore[operator]
            return
        headers = [*SECURITY_HEADERS, (b"x-tradewar-build", (await self.service.enter()).encode())]

        async def add(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *headers]
            await send(message)

        try:
            await self.app(scope, receive, add)  # type: ignore[operator]
        finally:
            self.service.leave()


class DutyApp(FastAPI):
    """The service's application: a plain ``GET /api/duty`` is answered before the
    framework's stack (``fast.py``), every other request goes through it."""

    service: Service
    fast_path = os.environ.get("TRADEWAR_FAST_PATH", "1") != "0"  # 0: for comparison

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["path"] == "/api/duty"
            and scope["method"] == "GET"
            and self.fast_path
        ):
            service = self.service
            build = await service.enter()
            try:
                body = fast.answer(service, scope)
                if body is not None:
                    headers = [*SECURITY_HEADERS, (b"x-tradewar-build", build.encode())]
                    await fast.send_json(send, body, headers)
                    return
            finally:
                service.leave()
        await super().__call__(scope, receive, send)


def policy_router(service: Service) -> APIRouter | None:
    """Commitments and scenarios, when ``tradewar.api.policy`` (issue 4) imports."""
    try:
        from . import policy_routes
    except ImportError:
        return None
    return policy_routes.build_router(service)


def news_router(service: Service) -> tuple[APIRouter, bool, bool]:
    """The article checker and the timeline (issue 5), each when its modules import."""
    from . import news_routes

    check, timeline = news_routes.available(), news_routes.timeline_available()
    return news_routes.build_router(service, check, timeline), check, timeline


def create_app(
    store: Path | None = None, limits: Limits | None = None, peers: Path | None = None
) -> FastAPI:
    """The service on ``store`` (default: the store under TRADEWAR_HOME). ``peers``: the
    reload epoch file of a service run as several workers (``worker_app``)."""
    from .errors import BodyLimit

    service = Service(store or store_path(), limits, peers)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with anyio.create_task_group() as tasks:
            if service.peers is not None:
                tasks.start_soon(service.follow)
            yield
            tasks.cancel_scope.cancel()
        service.close()

    app = DutyApp(
        title="tradewar",
        version=__version__,
        description=DESCRIPTION,
        openapi_url="/api/openapi.json",
        docs_url=None,  # FastAPI's docs pages load their scripts from a CDN
        redoc_url=None,
        lifespan=lifespan,
        default_response_class=JSON,
    )
    app.state.service = app.service = service
    install_handlers(app)
    app.include_router(routes.build_router(service))
    policy = policy_router(service)
    if policy is not None:
        app.include_router(policy)
    news, check, timeline = news_router(service)
    app.include_router(news)
    app.include_router(pending.build_router(policy is not None, check, timeline))

    @app.get("/openapi.json", include_in_schema=False)
    async def openapi_alias() -> JSON:
        return JSON(app.openapi())

    index = (STATIC / "index.html").read_text(encoding="utf-8")

    @app.api_route("/", methods=["GET", "HEAD"], include_in_schema=False)
    async def dashboard() -> HTMLResponse:
        return HTMLResponse(index)

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    limits = service.limits
    app.add_middleware(
        BodyLimit,
        max_body=limits.max_body,
        max_upload=limits.max_upload,
        upload_paths=UPLOAD_PATHS,
    )
    app.add_middleware(Generation, service=service)
    return app


# ``tradewar serve --workers N`` (N > 1): each worker process builds its app here
WORKER_ENV = SERVE_WORKER_ENV


def worker_app() -> FastAPI:
    """The app of one worker of a service of several (uvicorn ``factory``): the store,
    limits and reload epoch file come from ``TRADEWAR_SERVE_WORKER`` (JSON)."""
    spec = json.loads(os.environ[WORKER_ENV])
    limits = Limits(**spec["limits"])
    peers = Path(spec["peers"]) if spec.get("peers") else None
    return create_app(Path(spec["store"]), limits, peers)
