"""The service's hold on the store: one pinned engine generation, locks, caches, limits.

At startup the service takes the process's engine for its store (``api.pin``: a
missing, unreadable or foreign store fails fast with a ``StoreError``), pinned to the
generation on disk then, and compiles its schedule index. Every request reads that
engine: the duty of one shipment through the index, every other capability through
the ``tradewar.api`` facades, which use the same engine. A rebuild replaces the file,
which a running service does not see until it is told to reload (``POST
/api/reload``): the reload waits for the requests in flight, opens the new file as a
new engine and swaps it whole; requests that arrive meanwhile wait for the swap. So
every answer comes from one generation, named by the ``X-Tradewar-Build`` header and
``build_id`` in ``/api/info``, and the caches, which belong to a generation, start
empty after a swap. The memo of larger results is bounded by bytes.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

import anyio
import anyio.to_thread
import duckdb

from ... import __version__
from ...api.engine import Engine, pin
from ...api.engine import reload as reload_engine
from ...data.store import check_span
from ...engine.shipment import Shipment
from ...errors import StoreError, TradewarError
from .render import Rendered, dumps

T = TypeVar("T")
# a served process's DuckDB hands its allocator's memory back after any query that
# peaked over this (measured: after a dozen day-step series a process held 561 MB with
# DuckDB's defaults, 361 MB with this and a 512 MB limit)
DUCKDB_FLUSH = "32MB"
# a query that ran longer than this has likely filled DuckDB's block cache: the service
# trims it afterwards (``StoreHandle.trim_buffers``)
HEAVY_S = 0.05
log = logging.getLogger("tradewar.web")


@dataclass(frozen=True)
class Limits:
    """Request limits: wall time per request, body bytes, upload bytes, rows shown."""

    time_s: float = 60.0
    max_body: int = 64 * 1024
    max_upload: int = 10 * 1024 * 1024
    max_rows: int = 100_000
    # a served process's DuckDB buffers (None: DuckDB's default, 80% of the machine's
    # memory); ``tradewar serve`` sets it, an app made in a test or a script does not
    duckdb_memory: str | None = None


class TimeLimitError(TradewarError):
    """A request ran past the service's time limit."""


class RWLock:
    """Many readers or one writer; a waiting writer blocks new readers."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._readers = 0
        self._writer = False
        self._waiting = 0

    @contextmanager
    def shared(self) -> Iterator[None]:
        with self._cond:
            self._cond.wait_for(lambda: not self._writer and not self._waiting)
            self._readers += 1
        try:
            yield
        finally:
            with self._cond:
                self._readers -= 1
                self._cond.notify_all()

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        with self._cond:
            self._waiting += 1
            self._cond.wait_for(lambda: not self._writer and not self._readers)
            self._waiting -= 1
            self._writer = True
        try:
            yield
        finally:
            with self._cond:
                self._writer = False
                self._cond.notify_all()


class Service:
    """What the routes share: the store path, the serving copy, locks and caches."""

    def __init__(
        self, store: Path, limits: Limits | None = None, peers: Path | None = None
    ) -> None:
        self.store = store
        self.limits = limits or Limits()
        self.file_lock = RWLock()
        self.query_lock = threading.Lock()  # see ``run``
        # where a bounded DuckDB spills larger work
        self._spill = (
            tempfile.mkdtemp(prefix="tradewar-spill-") if self.limits.duckdb_memory else ""
        )
        self._inflight = 0
        self._reloading = False
        self.peers = peers  # the reload epoch file shared by the workers of one service
        self.epoch = _epoch(peers)
        self._use(pin(store).warm())

    def _use(self, engine: Engine) -> None:
        """Serve ``engine``'s generation, with caches of its own."""
        if self.limits.duckdb_memory:
            engine.store.limit_memory(self.limits.duckdb_memory, DUCKDB_FLUSH, self._spill)
        self.engine = engine
        self.build_info = engine.info
        rows = (
            engine.cursor()
            .execute("SELECT importer, cov_from, cov_until, basis FROM coverage ORDER BY importer")
            .fetchall()
        )
        self.coverage = [
            {"importer": i, "from": f.isoformat(), "until": (u - dt.timedelta(days=1)).isoformat(),
             "basis": b}
            for i, f, u, b in rows
        ]  # fmt: skip
        self.spans = {i: (f, u) for i, f, u, _b in rows}
        self.duty = lru_cache(maxsize=8192)(engine.duty)
        self.memo = _Memo()

    @property
    def build_id(self) -> str:
        return self.engine.build_id

    def check_entry(self, shipment: Shipment) -> None:
        """``CoverageError`` when the entry date is outside the importer's coverage (held
        in memory: ``data.store.check_date`` without the query)."""
        span = self.spans.get(shipment.importer)
        if span is None:
            raise StoreError(f"the store has no coverage for importer {shipment.importer}")
        check_span(shipment.importer, shipment.entered, "entry", *span)

    # --- one generation per answer -------------------------------------------------

    async def enter(self) -> str:
        """Admit a request (waiting while a reload swaps the engine); its generation."""
        while self._reloading:
            await anyio.sleep(0.005)
        self._inflight += 1
        return self.engine.build_id

    def leave(self) -> None:
        self._inflight -= 1

    async def reload(self) -> dict[str, Any]:
        """Wait for the requests in flight, then serve the file now on disk (a broken or
        missing file raises ``StoreError`` and the old generation stays)."""
        if self._reloading:
            raise TradewarError("a reload is already running")
        self._reloading = True
        try:
            while self._inflight > 1:  # this request is in flight too
                await anyio.sleep(0.005)
            old = self.engine.build_id
            fresh = await anyio.to_thread.run_sync(reload_engine, self.store)
            self._use(fresh)
        finally:
            self._reloading = False
        if self.peers is not None:  # the other workers follow (``follow``)
            self.epoch = self.epoch + 1
            _write_epoch(self.peers, self.epoch)
        return {
            "previous_build_id": old,
            "build_id": fresh.build_id,
            "changed": old != fresh.build_id,
        }

    async def follow(self, every_s: float = 0.2) -> None:
        """Reload whenever another worker of the service has (its epoch in ``peers``
        moved); runs for the worker's life. A failed reload keeps this generation."""
        assert self.peers is not None
        while True:
            await anyio.sleep(every_s)
            epoch = _epoch(self.peers)
            if epoch != self.epoch and not self._reloading:
                self.epoch = epoch
                try:
                    peers, self.peers = self.peers, None  # do not signal back
                    try:
                        await self.reload()
                    finally:
                        self.peers = peers
                except TradewarError as exc:
                    log.warning("reload signalled by another worker failed: %s", exc)

    # --- the store -----------------------------------------------------------------

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """This thread's cursor on the served generation."""
        return self.engine.cursor()

    def products(self, query: str, importer: str | None, limit: int) -> list[dict[str, Any]]:
        """Lines whose code starts with ``query`` (digits) or whose description holds it."""
        digits = "".join(ch for ch in query if ch.isdigit())
        by_code = bool(digits) and all(ch.isdigit() or ch in ". -" for ch in query.strip())
        where = "starts_with(code, $q)" if by_code else "contains(lower(description), $q)"
        rows = self.cursor().execute(
            f"""SELECT importer, code, code_level,
                       arg_max(description, valid_from) AS description, min(valid_from) AS first,
                       max(coalesce(valid_until, DATE '9999-12-31')) AS last
                FROM lines
                WHERE ($importer IS NULL OR importer = $importer) AND {where}
                GROUP BY importer, code, code_level
                ORDER BY code, importer LIMIT $limit""",
            {"q": digits if by_code else query.strip().lower(), "importer": importer,
             "limit": limit},
        ).fetchall()  # fmt: skip
        return [
            {
                "importer": imp,
                "code": code,
                "level": level,
                "description": desc,
                "from": first.isoformat(),
                "until": None if last.year == 9999 else last.isoformat(),
            }
            for imp, code, level, desc, first, last in rows
        ]

    def close(self) -> None:
        """Unpin the generation (the engine itself belongs to the process)."""
        self.engine.store.pinned = False

    # --- running work under the limits ---------------------------------------------

    async def run(self, fn: Callable[[], T], interrupt: Callable[[], None] | None = None) -> T:
        """Run ``fn`` in a worker thread under the time limit, one at a time.

        On timeout the request gets a ``TimeLimitError``; ``interrupt`` (if given)
        stops the query the worker is running, otherwise the worker finishes in the
        background and its result is dropped.
        """
        deadline = time.monotonic() + self.limits.time_s

        def serialised() -> T:
            # one store query at a time in a process: DuckDB runs each on every core,
            # and concurrent heavy queries on one database crashed the Python client
            # (SIGSEGV in TupleDataCollection::Combine, duckdb 1.4.1; none in 1.4.5) and multiplied
            # the peak memory
            if not self.query_lock.acquire(timeout=max(0.0, deadline - time.monotonic())):
                raise TimeoutError
            began = time.monotonic()
            try:
                return fn()
            finally:
                if time.monotonic() - began > HEAVY_S:
                    self.engine.store.trim_buffers()  # nothing else queries meanwhile
                self.query_lock.release()

        try:
            with anyio.fail_after(self.limits.time_s):
                return await anyio.to_thread.run_sync(serialised, abandon_on_cancel=True)
        except TimeoutError:
            if interrupt is not None:
                interrupt()
            raise TimeLimitError(
                f"the request ran past the service's time limit of {self.limits.time_s:g} s"
            ) from None


def _epoch(peers: Path | None) -> int:
    """The reload epoch the workers share (0 when there is none yet)."""
    try:
        return int(peers.read_text()) if peers is not None else 0
    except (OSError, ValueError):
        return 0


def _write_epoch(peers: Path, epoch: int) -> None:
    tmp = peers.with_name(f"{peers.name}.{os.getpid()}.tmp")
    tmp.write_text(str(epoch))
    os.replace(tmp, peers)  # atomic: a reader sees the old epoch or the new one


class _Memo:
    """A memo of pure lookups on one generation, bounded by bytes (thread-safe).

    It keeps each result as its rendered JSON body (``render.Rendered``), so a result
    costs its length and nothing more: kept as Python objects, a day-step series took
    about 3.4 times its JSON (2.3 MB for 0.67 MB), per worker. Results over
    ``item_bytes`` are not kept, and the least recently used go once the total passes
    ``total_bytes``."""

    def __init__(self, total_bytes: int = 16 * 2**20, item_bytes: int = 2 * 2**20) -> None:
        self.total_bytes = total_bytes
        self.item_bytes = item_bytes
        self.bytes = 0
        self._data: dict[tuple, Rendered] = {}
        self._lock = threading.Lock()

    def get(self, key: tuple, make: Callable[[], Any]) -> Rendered:
        """The rendered result of ``make()`` for ``key``, from the memo if it is there."""
        with self._lock:
            if key in self._data:
                body = self._data.pop(key)
                self._data[key] = body  # most recent last
                return body
        body = Rendered(dumps(make()))
        if len(body) > self.item_bytes:
            return body
        with self._lock:
            if key not in self._data:
                self._data[key] = body
                self.bytes += len(body)
            while self.bytes > self.total_bytes and self._data:
                self.bytes -= len(self._data.pop(next(iter(self._data))))
        return body


def about(service: Service) -> dict[str, Any]:
    """What the store is, its as-of date and coverage."""
    return {
        "tradewar_version": __version__,
        "store": {
            "build_id": service.build_id,
            "built_at": service.build_info.get("built_at"),
            "tradewar_version": service.build_info.get("tradewar_version"),
            "store_version": service.build_info.get("store_version"),
        },
        "coverage": service.coverage,
    }
