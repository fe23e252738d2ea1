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

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.responses import HTMLResponse
from starlette.types import Message, Receive, Scope, Send

from ... import __version__
from ...config import store_path
from . import pending, routes
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


class SecurityHeaders:
    """Add the security headers (CSP: nothing loaded from another origin) to responses."""

    def __init__(self, app: object) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)  # type: ignore[operator]
            return

        async def add(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *SECURITY_HEADERS]
            await send(message)

        await self.app(scope, receive, add)  # type: ignore[operator]


class Generation:
    """Admit each request on one store generation and name it (``X-Tradewar-Build``)."""

    def __init__(self, app: object, service: Service) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)  # type: ignore[operator]
            return
        build = (await self.service.enter()).encode()

        async def add(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (b"x-tradewar-build", build)]
            await send(message)

        try:
            await self.app(scope, receive, add)  # type: ignore[operator]
        finally:
            self.service.leave()


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


def create_app(store: Path | None = None, limits: Limits | None = None) -> FastAPI:
    """The service on ``store`` (default: the store under TRADEWAR_HOME)."""
    from .errors import BodyLimit

    service = Service(store or store_path(), limits)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        service.close()

    app = FastAPI(
        title="tradewar",
        version=__version__,
        description=DESCRIPTION,
        openapi_url="/api/openapi.json",
        docs_url=None,  # FastAPI's docs pages load their scripts from a CDN
        redoc_url=None,
        lifespan=lifespan,
        default_response_class=JSON,
    )
    app.state.service = service
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
    app.add_middleware(SecurityHeaders)
    app.add_middleware(Generation, service=service)
    return app
