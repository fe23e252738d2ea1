"""The HTTP API over the capabilities that exist: duty, bulk, schedule, lists, products,
series, coverage, collected duty, weights and the 2024 engine check.

Every parameter is validated before any work: by FastAPI's types (422 with the field in
``loc``), then by tradewar's own parsers, whose ``InputError``/``CoverageError`` is
reported on the field it concerns. User input is only ever a bound SQL parameter or an
argument of a ``tradewar.api*`` function; an upload is written to a fresh temporary
directory under a fixed name.
"""

from __future__ import annotations

import csv
import datetime as dt
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

import duckdb
import pyarrow.parquet as pq
from fastapi import APIRouter, File, Query, UploadFile

from ... import api
from ...api import refunds as api_refunds
from ...api import series as api_series
from ...codes import normalize_code
from ...countries import normalize_country
from ...engine import series as series_engine
from ...engine.shipment import Shipment, make_shipment
from ...errors import CoverageError, InputError, TradewarError
from .errors import ERROR_SCHEMA, FieldError
from .fields import IsoDate, Number
from .render import JSON, Rendered
from .service import Service

try:  # the 2024 engine check (issue 5); the service works without it
    from ...api import check as api_check
except ImportError:  # pragma: no cover - depends on what has landed
    api_check = None  # type: ignore[assignment]

T = TypeVar("T")
Importer = Literal["US", "CN"]
PARTNER = {"US": "CN", "CN": "US"}
CODE_HELP = "HS6, HTS8 or HTS10 code, dots allowed (e.g. 9403.60.80.81)"
WEIGHT_NAMES = tuple(series_engine.WEIGHTS)
Weights = Literal[WEIGHT_NAMES]  # type: ignore[valid-type]


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": ERROR_SCHEMA}}}


ERRORS: dict[int | str, dict[str, Any]] = {
    400: _error("Malformed request (e.g. a multipart body that cannot be parsed)"),
    422: _error("Invalid input: the field is named in detail[].loc"),
    503: _error("The store is unavailable or the request ran past the time limit"),
}


def field(loc: str, fn: Callable[..., T], *args: Any) -> T:
    """Run a parser; its ``InputError``/``CoverageError`` names the request field."""
    try:
        return fn(*args)
    except (InputError, CoverageError) as exc:
        where = "body" if loc == "file" else "query"
        raise FieldError((where, loc), exc) from None


def duty_shipment(
    code: str,
    entered: dt.date,
    importer: str = "US",
    origin: str | None = None,
    exported: dt.date | None = None,
    value: float | None = None,
    quantity: float | None = None,
    unit: str | None = None,
    claim: list[str] | None = None,
    content_value: float | None = None,
) -> Shipment:
    """The shipment of a ``/api/duty`` request (fields already typed); a bad field is a
    ``FieldError`` on that field. The route and the fast path (``fast.py``) share it."""
    field("code", normalize_code, code)
    org = field("origin", normalize_country, origin or PARTNER[importer])
    if org == importer:
        raise FieldError(
            ("query", "origin"),
            InputError(f"origin {org} is the importer itself: no import duty applies"),
        )
    if exported is not None and exported > entered:
        raise FieldError(
            ("query", "exported"),
            InputError(f"export date {exported} is after the entry date {entered}"),
        )
    if (quantity is None) != (unit is None):
        raise FieldError(
            ("query", "unit" if unit is None else "quantity"),
            InputError("give quantity and unit together"),
        )
    return field(
        "claim", make_shipment, code, importer, org, entered, exported, value, quantity,
        unit, claim, content_value,
    )  # fmt: skip


def build_router(service: Service) -> APIRouter:
    router = APIRouter(prefix="/api", responses=ERRORS, default_response_class=JSON)

    @router.get("/health", tags=["service"], summary="Liveness")
    async def health() -> JSON:
        return JSON({"status": "ok"})

    @router.get("/info", tags=["service"], summary="The store's as-of date, coverage, features")
    async def info() -> JSON:
        from .service import about

        body = about(service)
        body["capabilities"] = capabilities()
        body["limits"] = {
            "time_s": service.limits.time_s,
            "max_body_bytes": service.limits.max_body,
            "max_upload_bytes": service.limits.max_upload,
        }
        return JSON(body)

    @router.post(
        "/reload", tags=["service"],
        summary="Serve the store file now on disk (after a rebuild), swapping the whole engine",
    )  # fmt: skip
    async def reload() -> JSON:
        return JSON(await service.reload())

    # --- duty -------------------------------------------------------------------------

    @router.get(
        "/duty",
        tags=["duty"],
        summary="The explained duty on one shipment (as `tradewar duty ... --json`)",
    )
    async def duty(
        code: Annotated[str, Query(min_length=1, max_length=32, description=CODE_HELP)],
        entered: Annotated[IsoDate, Query(description="entry date, YYYY-MM-DD")],
        importer: Annotated[Importer, Query(description="whose schedule")] = "US",
        origin: Annotated[
            str | None,
            Query(min_length=1, max_length=64, description="ISO country (default: the partner)"),
        ] = None,
        exported: Annotated[IsoDate | None, Query(description="export date, YYYY-MM-DD")] = None,
        value: Annotated[Number | None, Query(description="USD")] = None,
        quantity: Annotated[Number | None, Query(description="specific rates")] = None,
        unit: Annotated[
            str | None, Query(min_length=1, max_length=16, description="unit of the quantity")
        ] = None,
        claim: Annotated[
            list[str] | None,
            Query(max_length=16, description="claimed exclusion heading, e.g. 9903.88.69"),
        ] = None,
        content_value: Annotated[
            float | None,
            Query(ge=0, le=1e15, allow_inf_nan=False, description="content value, USD"),
        ] = None,
    ) -> JSON:
        shipment = duty_shipment(
            code, entered, importer, origin, exported, value, quantity, unit, claim,
            content_value,
        )  # fmt: skip
        field("entered", service.check_entry, shipment)  # the coverage in memory: no SQL
        cursors: list[Any] = []

        def work() -> dict[str, Any]:
            cursors.append(service.cursor())
            return field("code", service.duty, shipment)

        def interrupt() -> None:
            for cur in cursors:
                cur.interrupt()

        return JSON(await service.run(work, interrupt))

    @router.post(
        "/duty/bulk",
        tags=["duty"],
        summary="Rate an uploaded CSV or Parquet file of shipments",
        description=(
            "Columns `code, importer, origin, entered, [exported], value`, as "
            "`tradewar duty --input`. Returns the counts, the rated rows (input columns plus "
            "a rate and heading per authority, `adval_rate`, `total_rate`, `duty`) and the "
            "rejected rows with their reason, each up to `rows` rows. The upload is limited "
            "in size (see /api/info)."
        ),
        responses={413: _error("The upload is over the size limit")},
    )
    async def bulk(
        file: Annotated[UploadFile, File(description="CSV (with header) or Parquet")],
        rows: Annotated[int, Query(ge=0, le=100_000, description="rows to return")] = 1000,
    ) -> JSON:
        data = await file.read()
        if not data:
            raise FieldError(("body", "file"), InputError("the uploaded file is empty"))
        limit = min(rows, service.limits.max_rows)
        return JSON(await service.run(lambda: _bulk(service, data, limit)))

    @router.post(
        "/refunds",
        tags=["duty"],
        summary="IEEPA duty paid on an uploaded file of entries (`tradewar refunds`)",
        description=(
            "Columns as `/duty/bulk` plus an optional `entry_number`. Returns "
            "`total_ieepa_duty` (USD), `by_month`, `by_heading`, `entries` (one row per entry "
            "and IEEPA heading: heading, rate, amount; up to `rows` rows), `rejected` (with "
            "the reason), `legal_basis` and `caveats`. The upload is limited in size."
        ),
        responses={413: _error("The upload is over the size limit")},
    )
    async def refunds(
        file: Annotated[UploadFile, File(description="CSV (with header) or Parquet")],
        rows: Annotated[int, Query(ge=0, le=100_000, description="entry rows to return")] = 1000,
    ) -> JSON:
        data = await file.read()
        if not data:
            raise FieldError(("body", "file"), InputError("the uploaded file is empty"))
        limit = min(rows, service.limits.max_rows)
        return JSON(await service.run(lambda: _refunds(service, data, limit)))

    # --- schedule, lists, products ----------------------------------------------------

    @router.get("/schedule", tags=["products"], summary="A product's full dated history")
    async def schedule(
        code: Annotated[str, Query(min_length=1, max_length=32, description=CODE_HELP)],
        importer: Annotated[Importer, Query()] = "US",
        origin: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
    ) -> JSON:
        norm = field("code", normalize_code, code)
        org = field("origin", normalize_country, origin or PARTNER[importer])

        def work() -> Rendered:
            with service.file_lock.shared():
                return service.memo.get(
                    ("schedule", norm, importer, org),
                    lambda: field("code", api.schedule, norm, importer, org, service.store),
                )

        return JSON(await service.run(work))

    @router.get("/lists", tags=["products"], summary="Every list or round, with dated steps")
    async def lists(importer: Annotated[Importer | None, Query()] = None) -> JSON:
        def work() -> Rendered:
            with service.file_lock.shared():
                return service.memo.get(
                    ("lists", importer), lambda: api.lists(importer, service.store)
                )

        return JSON(await service.run(work))

    @router.get(
        "/products",
        tags=["products"],
        summary="Search tariff lines by code prefix or description",
    )
    async def products(
        q: Annotated[str, Query(min_length=2, max_length=100, description="code or words")],
        importer: Annotated[Importer | None, Query()] = None,
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
    ) -> JSON:
        if not q.strip():
            raise FieldError(("query", "q"), InputError("give a code or some words"))
        return JSON(await service.run(lambda: service.products(q, importer, limit)))

    # --- averages and coverage ---------------------------------------------------------

    @router.get(
        "/series",
        tags=["series"],
        summary="Trade-weighted average tariff by date (as `tradewar series --json`)",
    )
    async def series(
        importer: Annotated[Importer, Query(description="whose tariff")] = "CN",
        origin: Annotated[
            str | None, Query(min_length=1, max_length=16, description="the partner or 'other'")
        ] = None,
        start: Annotated[IsoDate | None, Query(alias="from")] = None,
        end: Annotated[IsoDate | None, Query(alias="to")] = None,
        step: Annotated[Literal["event", "day", "month"], Query()] = "event",
        weights: Annotated[Weights | None, Query()] = None,  # type: ignore[valid-type]
    ) -> JSON:
        org = origin or PARTNER[importer]
        field("origin", series_engine.origin_group, importer, org)
        field("weights", series_engine.resolve_weights, importer, weights)
        _check_range(service, importer, start, end)

        def work() -> Rendered:
            with service.file_lock.shared():
                return service.memo.get(
                    ("series", importer, org, start, end, step, weights),
                    lambda: api_series.series(
                        importer, org, start, end, step, weights, service.store
                    ),
                )

        return JSON(await service.run(work))

    @router.get(
        "/series/collected",
        tags=["series"],
        summary="Monthly collected duty rate on US imports from China (Census), percent",
    )
    async def collected(
        start: Annotated[IsoDate | None, Query(alias="from")] = None,
        end: Annotated[IsoDate | None, Query(alias="to")] = None,
    ) -> JSON:
        if start and end and end < start:
            raise FieldError(("query", "to"), InputError(f"to {end} is before from {start}"))

        def work() -> Rendered:
            with service.file_lock.shared():
                return service.memo.get(
                    ("collected", start, end),
                    lambda: api_series.collected_duty(start, end, service.store),
                )

        return JSON(await service.run(work))

    @router.get(
        "/coverage",
        tags=["series"],
        summary="Weight-year trade covered by each list or round (as `tradewar coverage`)",
    )
    async def coverage(
        importer: Annotated[Importer, Query()] = "CN",
        weights: Annotated[Weights | None, Query()] = None,  # type: ignore[valid-type]
    ) -> JSON:
        field("weights", series_engine.resolve_weights, importer, weights)

        def work() -> Rendered:
            with service.file_lock.shared():
                return service.memo.get(
                    ("coverage", importer, weights),
                    lambda: field("weights", api_series.coverage, importer, weights, service.store),
                )

        return JSON(await service.run(work))

    @router.get("/weights", tags=["series"], summary="The weight tables a series can use")
    async def weights() -> JSON:
        return JSON(api_series.weights_catalog())

    # --- the 2024 engine check -------------------------------------------------------

    if api_check is not None:
        check = api_check

        @router.get(
            "/check-engine",
            tags=["check"],
            summary="2024: duty our rates imply vs Census calculated duty (`check-engine`)",
        )
        async def check_engine(
            year: Annotated[int, Query(ge=1900, le=2100)] = 2024,
            top: Annotated[int, Query(ge=1, le=500)] = 25,
        ) -> JSON:
            field("year", _check_year, year)

            def work() -> Rendered:
                with service.file_lock.shared():
                    return service.memo.get(
                        ("check", year, top),
                        lambda: check.check_engine(year, service.store, None, top),
                    )

            return JSON(await service.run(work))

        @router.get(
            "/check-engine/lists",
            tags=["check"],
            summary="Each Section 301 list's 2024 import value, and why it is not USTR's",
        )
        async def check_lists(year: Annotated[int, Query(ge=1900, le=2100)] = 2024) -> JSON:
            field("year", _check_year, year)

            def work() -> Rendered:
                with service.file_lock.shared():
                    return service.memo.get(
                        ("check-lists", year),
                        lambda: check.list_coverage(year, service.store, None),
                    )

            return JSON(await service.run(work))

    return router


def capabilities() -> dict[str, bool]:
    """Which pages and endpoints have an engine behind them."""
    try:
        from . import policy_routes  # noqa: F401
    except ImportError:
        policy = False
    else:
        policy = True
    from .news_routes import available, timeline_available

    return {
        "duty": True,
        "bulk": True,
        "refunds": True,
        "schedule": True,
        "lists": True,
        "products": True,
        "series": True,
        "coverage": True,
        "check_engine": api_check is not None,
        "commitments": policy,
        "scenarios": policy,
        "article_check": available(),
        "timeline": timeline_available(),
    }


def _check_year(year: int) -> None:
    from ...engine.check_engine import check_year

    check_year(year)


def _check_range(
    service: Service, importer: str, start: dt.date | None, end: dt.date | None
) -> None:
    cov = next(c for c in service.coverage if c["importer"] == importer)
    first, last = dt.date.fromisoformat(cov["from"]), dt.date.fromisoformat(cov["until"])
    for name, day in (("from", start), ("to", end)):
        if day is not None and not first <= day <= last:
            raise FieldError(
                ("query", name),
                CoverageError(
                    f"{name} {day} is outside the {importer} schedule's coverage "
                    f"({first} to {last}): not covered"
                ),
            )
    if start and end and end < start:
        raise FieldError(("query", "to"), InputError(f"to {end} is before from {start}"))


def _refunds(service: Service, data: bytes, limit: int) -> dict[str, Any]:
    """IEEPA refunds on an upload, written under a fixed name in a fresh directory."""
    kind = "parquet" if data[:4] == b"PAR1" else "csv"
    with tempfile.TemporaryDirectory(prefix="tradewar-refunds-") as tmp:
        src = Path(tmp) / f"upload.{kind}"
        src.write_bytes(data)
        try:
            with service.file_lock.shared():
                result = api_refunds.refunds(src, store=service.store)
        except (TradewarError, duckdb.Error) as exc:
            first = (str(exc).splitlines() or [type(exc).__name__])[0]
            message = first.replace(str(src), "upload").replace(tmp, "")
            raise FieldError(("body", "file"), InputError(message)) from None
    result["input"] = kind
    result["truncated"] = len(result["entries"]) > limit or len(result["rejected"]) > limit
    result["entries"] = result["entries"][:limit]
    result["rejected"] = result["rejected"][:limit]
    return result


def _bulk(service: Service, data: bytes, limit: int) -> dict[str, Any]:
    """Rate an upload: written under a fixed name in a fresh temporary directory."""
    kind = "parquet" if data[:4] == b"PAR1" else "csv"
    with tempfile.TemporaryDirectory(prefix="tradewar-bulk-") as tmp:
        src = Path(tmp) / f"upload.{kind}"
        src.write_bytes(data)
        out = Path(tmp) / "rated.parquet"
        try:
            with service.file_lock.exclusive():
                result = api.bulk(src, out, store=service.store)
        except (TradewarError, duckdb.Error) as exc:
            # a file DuckDB cannot plan (odd column types) is the upload's fault too
            first = (str(exc).splitlines() or [type(exc).__name__])[0]
            message = first.replace(str(src), "upload").replace(tmp, "")
            raise FieldError(("body", "file"), InputError(message)) from None
        rated = pq.read_table(out)
        shown = rated.slice(0, limit).to_pylist()
        with result.rejects.open(newline="", encoding="utf-8") as handle:
            rejects = [
                {k: (v if v != "" else None) for k, v in row.items()}
                for _, row in zip(range(limit), csv.DictReader(handle), strict=False)
            ]
    return {
        "input": kind,
        "rows": result.rows,
        "rated": result.rated,
        "rejected": result.rejected,
        "seconds": round(result.seconds, 3),
        "rated_rows": shown,
        "rejected_rows": rejects,
        "truncated": result.rated > len(shown) or result.rejected > len(rejects),
    }
