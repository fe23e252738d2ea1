"""The fast path of ``GET /api/duty``: a plain duty query answered beneath the framework.

The hottest request of the service (a broker rating every line of every entry) costs
little to answer (an index lookup, about 0.1 ms) but about 1 ms to route through the
framework: middleware, dependency solving, a thread hop. ``DutyApp`` (the service's
FastAPI application) hands a query to ``answer`` first. A query it takes is a plain one
(only ``code``, ``entered``, ``importer``, ``origin``, ``exported``, ``value``, each
once, each valid as the route would read it, no request body) on a warm engine; it is
answered by the route's own code (``routes.duty_shipment``, ``Service.check_entry``,
``Service.duty``) and rendered as the route renders it, with the same headers.
Everything else — an invalid field, an error of any kind, a claim or a quantity, a
lookup that ran past the time limit — goes the full way, so errors come from one place.
"""

from __future__ import annotations

import math
import time
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import Scope, Send

from ...formats import iso_date, number
from .render import dumps
from .routes import duty_shipment
from .service import Service

PLAIN = frozenset({"code", "entered", "importer", "origin", "exported", "value"})
BODY_HEADERS = (b"content-length", b"transfer-encoding")


def plain_query(scope: Scope) -> dict[str, Any] | None:
    """The typed fields of a plain duty query, or None where the route must read it."""
    if any(name in BODY_HEADERS for name, _v in scope["headers"]):
        return None  # a body: the body limit and the framework decide
    pairs = parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True)
    raw = dict(pairs)
    if len(raw) != len(pairs) or not raw.keys() <= PLAIN:
        return None
    code, origin = raw.get("code"), raw.get("origin")
    if code is None or not 1 <= len(code) <= 32:
        return None
    if origin is not None and not 1 <= len(origin) <= 64:
        return None
    importer = raw.get("importer", "US")
    entered = iso_date(raw.get("entered", ""))
    if importer not in ("US", "CN") or entered is None:
        return None
    fields: dict[str, Any] = {"code": code, "entered": entered, "importer": importer,
                              "origin": origin}  # fmt: skip
    if "exported" in raw:
        fields["exported"] = iso_date(raw["exported"])
        if fields["exported"] is None:
            return None
    if "value" in raw:
        fields["value"] = value = number(raw["value"])
        if value is None or not (math.isfinite(value) and 0 <= value <= 1e15):
            return None
    return fields


def answer(service: Service, scope: Scope) -> bytes | None:
    """The JSON body for a plain query on a warm engine, or None (the route answers)."""
    if service.engine.compiled() is None:
        return None
    fields = plain_query(scope)
    if fields is None:
        return None
    start = time.perf_counter()
    try:
        shipment = duty_shipment(**fields)
        service.check_entry(shipment)
        result = service.duty(shipment)
    except Exception:  # every error is the route's to report
        return None
    if time.perf_counter() - start > service.limits.time_s:
        return None  # the route answers under the time limit
    return dumps(result)


async def send_json(send: Send, body: bytes, headers: list[tuple[bytes, bytes]]) -> None:
    """A 200 ``application/json`` response, as ``render.JSON`` sends it, plus ``headers``."""
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [
                (b"content-length", str(len(body)).encode()),
                (b"content-type", b"application/json"),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
