"""The service's hold on the store: a read-only serving copy, locks, caches, limits.

At startup the store is opened read-only (``open_store``: a missing, unreadable or
foreign store fails fast with a ``StoreError``) and the four tables that the duty of
one shipment reads (``coverage``, ``panel``, ``layers``, ``lines``, plus
``build_info``) are copied into an in-memory DuckDB database, the panel sorted by its
lookup key so a point lookup skips most of it. The file is then detached: the
service holds no handle on it between requests, so the bulk engine, which ATTACHes
the store in a connection of its own, can run (DuckDB refuses to attach a file that
another connection of the same process holds).

The duty of one shipment runs ``engine.duty.compute_duty`` (what ``api.duty`` runs)
on a per-thread cursor of the serving copy: same queries, same rows, same JSON,
without opening the file per request. Every other capability goes through the
``tradewar.api*`` facades with the store path, under a shared lock; bulk runs under
the exclusive side of that lock. Results of pure lookups are memoised: the store is
read-only and a rebuild replaces the file, which a running service never sees.
"""

from __future__ import annotations

import datetime as dt
import threading
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
from ...data.store import open_store
from ...engine.duty import compute_duty
from ...engine.shipment import Shipment
from ...errors import StoreError, TradewarError

T = TypeVar("T")

# table -> ORDER BY of its serving copy (None: the store's own row order)
SERVING_TABLES: dict[str, str | None] = {
    "build_info": None,
    "coverage": None,
    "lines": None,
    "layers": None,
    "panel": "importer, origin_group, code, valid_from",
}


@dataclass(frozen=True)
class Limits:
    """Request limits: wall time per request, body bytes, upload bytes, rows shown."""

    time_s: float = 60.0
    max_body: int = 64 * 1024
    max_upload: int = 10 * 1024 * 1024
    max_rows: int = 100_000


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

    def __init__(self, store: Path, limits: Limits | None = None) -> None:
        self.store = store
        self.limits = limits or Limits()
        open_store(store).close()  # missing, unreadable or foreign store: StoreError
        self.db = duckdb.connect(":memory:", config={"threads": 1})
        quoted = str(store).replace("'", "''")
        try:
            self.db.execute(f"ATTACH '{quoted}' AS s (READ_ONLY)")
        except duckdb.Error as exc:
            self.db.close()
            raise StoreError(f"store {store} cannot be opened for serving: {exc}") from None
        try:
            for table, order in SERVING_TABLES.items():
                sort = f" ORDER BY {order}" if order else ""
                self.db.execute(f"CREATE TABLE {table} AS SELECT * FROM s.{table}{sort}")
        finally:
            self.db.execute("DETACH s")
        self.build_info = dict(self.db.execute("SELECT key, value FROM build_info").fetchall())
        self.coverage = [
            {"importer": i, "from": f.isoformat(), "until": (u - dt.timedelta(days=1)).isoformat(),
             "basis": b}
            for i, f, u, b in self.db.execute(
                "SELECT importer, cov_from, cov_until, basis FROM coverage ORDER BY importer"
            ).fetchall()
        ]  # fmt: skip
        self.file_lock = RWLock()
        self._local = threading.local()
        self._cursors: list[duckdb.DuckDBPyConnection] = []
        self._cursors_lock = threading.Lock()
        self.duty = lru_cache(maxsize=8192)(self._duty)
        self.memo = _Memo()

    # --- the serving copy ----------------------------------------------------------

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """This thread's cursor on the serving copy (DuckDB cursors are per thread)."""
        cur = getattr(self._local, "cursor", None)
        if cur is None:
            cur = self.db.cursor()
            self._local.cursor = cur
            with self._cursors_lock:
                self._cursors.append(cur)
        return cur

    def _duty(self, shipment: Shipment) -> dict[str, Any]:
        return compute_duty(self.cursor(), shipment)

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
        with self._cursors_lock:
            for cur in self._cursors:
                cur.close()
            self._cursors.clear()
        self.db.close()

    # --- running work under the limits ---------------------------------------------

    async def run(self, fn: Callable[[], T], interrupt: Callable[[], None] | None = None) -> T:
        """Run ``fn`` in a worker thread under the time limit.

        On timeout the request gets a ``TimeLimitError``; ``interrupt`` (if given)
        stops the query the worker is running, otherwise the worker finishes in the
        background and its result is dropped.
        """
        try:
            with anyio.fail_after(self.limits.time_s):
                return await anyio.to_thread.run_sync(fn, abandon_on_cancel=True)
        except TimeoutError:
            if interrupt is not None:
                interrupt()
            raise TimeLimitError(
                f"the request ran past the service's time limit of {self.limits.time_s:g} s"
            ) from None


class _Memo:
    """A small per-service memo of pure lookups on the store (bounded, thread-safe)."""

    def __init__(self, size: int = 256) -> None:
        self._size = size
        self._data: dict[tuple, Any] = {}
        self._lock = threading.Lock()

    def get(self, key: tuple, make: Callable[[], T]) -> T:
        with self._lock:
            if key in self._data:
                value = self._data.pop(key)
                self._data[key] = value  # most recent last
                return value
        value = make()
        with self._lock:
            self._data[key] = value
            while len(self._data) > self._size:
                self._data.pop(next(iter(self._data)))
        return value


def about(service: Service) -> dict[str, Any]:
    """What the store is, its as-of date and coverage."""
    return {
        "tradewar_version": __version__,
        "store": {
            "built_at": service.build_info.get("built_at"),
            "tradewar_version": service.build_info.get("tradewar_version"),
            "store_version": service.build_info.get("store_version"),
        },
        "coverage": service.coverage,
    }
