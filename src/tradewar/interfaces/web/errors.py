"""JSON errors and request limits.

Every error the service returns is JSON: ``{"error": message, "type": kind,
"detail": [{"loc": [...], "msg": ..., "type": ...}]}``. Validation errors (FastAPI's and
tradewar's own ``InputError``/``CoverageError`` on one field) are 422 with the field in
``loc``; an oversized body is 413; the time limit is 503; a capability that has not
landed is 501. A bug is a 500 with a generic message, never a traceback.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ...errors import CoverageError, InputError, SourceError, StoreError, TradewarError
from .service import TimeLimitError

log = logging.getLogger("tradewar.web")


class FieldError(InputError):
    """An ``InputError`` or ``CoverageError`` about one request field."""

    def __init__(self, loc: tuple[str, ...], error: TradewarError) -> None:
        super().__init__(str(error))
        self.loc = loc
        self.kind = type(error).__name__


class NotYetAvailable(TradewarError):
    """A capability whose engine has not landed: answered with 501, never fake data."""


class BodyTooLarge(StarletteHTTPException):
    """A request body over the service's size limit (an HTTP error, so that FastAPI's
    body parsing passes it through as it is)."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body over the limit of {limit:,} bytes")


STATUS: list[tuple[type[Exception], int]] = [
    (NotYetAvailable, 501),
    (TimeLimitError, 503),
    (StoreError, 503),
    (SourceError, 503),
    (InputError, 422),
    (CoverageError, 422),
    (TradewarError, 400),
]

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error", "type"],
    "properties": {
        "error": {"type": "string"},
        "type": {"type": "string"},
        "detail": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["loc", "msg", "type"],
                "properties": {
                    "loc": {"type": "array", "items": {"anyOf": [{"type": "string"},
                                                                 {"type": "integer"}]}},
                    "msg": {"type": "string"},
                    "type": {"type": "string"},
                },
            },
        },
    },
}  # fmt: skip


def error_body(message: str, kind: str, detail: list[dict[str, Any]] | None = None) -> dict:
    body: dict[str, Any] = {"error": message, "type": kind}
    if detail is not None:
        body["detail"] = detail
    return body


def _tradewar_error(request: Request, exc: Exception) -> JSONResponse:
    status = next(code for cls, code in STATUS if isinstance(exc, cls))
    if isinstance(exc, FieldError):
        detail = [{"loc": list(exc.loc), "msg": str(exc), "type": exc.kind}]
        return JSONResponse(error_body(str(exc), exc.kind, detail), status_code=status)
    kind = type(exc).__name__
    headers = {"Retry-After": "5"} if isinstance(exc, TimeLimitError) else None
    detail = [{"loc": [], "msg": str(exc), "type": kind}]
    return JSONResponse(error_body(str(exc), kind, detail), status_code=status, headers=headers)


def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    detail = [
        {
            "loc": [str(p) if not isinstance(p, int) else p for p in e.get("loc", ())],
            "msg": str(e.get("msg", "invalid")),
            "type": str(e.get("type", "value_error")),
        }
        for e in exc.errors()
    ]
    fields = ", ".join(".".join(str(p) for p in d["loc"][1:]) or "body" for d in detail)
    message = f"invalid request: {fields}" if detail else "invalid request"
    return JSONResponse(error_body(message, "ValidationError", detail), status_code=422)


def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    message = str(exc.detail) if exc.detail else "error"
    kind = "BodyTooLarge" if isinstance(exc, BodyTooLarge) else "HTTPError"
    return JSONResponse(error_body(message, kind), status_code=exc.status_code, headers=exc.headers)


def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("internal error on %s %s", request.method, request.url.path)
    return JSONResponse(
        error_body(f"internal error ({type(exc).__name__}); see the service log", "InternalError"),
        status_code=500,
    )


def install_handlers(app: FastAPI) -> None:
    app.add_exception_handler(TradewarError, _tradewar_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)


class BodyLimit:
    """Pure ASGI middleware: refuse bodies over the limit with 413 (declared or streamed).

    ``upload_paths`` get ``max_upload`` bytes, every other path ``max_body``.
    """

    def __init__(
        self, app: ASGIApp, max_body: int, max_upload: int, upload_paths: frozenset[str]
    ) -> None:
        self.app = app
        self.max_body = max_body
        self.max_upload = max_upload
        self.upload_paths = upload_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.max_upload if scope["path"] in self.upload_paths else self.max_body
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None:
            try:
                size = int(declared)
            except ValueError:
                await _send_json(send, 400, error_body("bad Content-Length", "HTTPError"))
                return
            if size > limit:
                await _send_json(send, 413, _too_large(limit))
                return
        seen = 0
        started = False

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge(limit)
            return message

        async def tracked(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted, tracked)
        except BodyTooLarge:
            if not started:
                await _send_json(send, 413, _too_large(limit))


def _too_large(limit: int) -> dict[str, Any]:
    return error_body(str(BodyTooLarge(limit).detail), "BodyTooLarge")


async def _send_json(send: Send, status: int, body: dict[str, Any]) -> None:
    data = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(data)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": data})
