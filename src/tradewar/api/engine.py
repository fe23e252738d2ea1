"""One engine per process and store: the store handle, the compiled index, the caches.

``engine(store)`` returns the process's engine for a store path. The CLI, the Python
API, the report and the service all go through it, so the store is opened once and a
lookup reuses everything that does not depend on the request.

An engine reads one *generation* of the store (``build_id``). Outside the service an
engine follows the file: after a rebuild the next ``engine()`` call opens the new one.
The service pins its engine (``pin=True``) and swaps it only when told to reload
(``reload``), so every answer, and every cache entry, comes from one generation.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import duckdb

from ..data.store import StoreHandle, handle, no_pandas_probe, reopen
from ..engine.duty import compute_duty
from ..engine.shipment import Shipment

# after this many single-shipment lookups an engine compiles the schedule index
# (a one-off cost of about a second that pays back within a few hundred lookups)
INDEX_AFTER = 64


class Engine:
    """The store generation, its compiled schedule index and per-thread cursors."""

    def __init__(self, store: StoreHandle) -> None:
        self.store = store
        self._local = threading.local()
        self._index: Any = None
        self._index_lock = threading.Lock()
        self._lookups = 0

    @property
    def path(self) -> Path:
        return self.store.path

    @property
    def build_id(self) -> str:
        """The build this engine reads (every answer names it)."""
        return self.store.build_id

    @property
    def info(self) -> dict[str, str]:
        """The store's ``build_info`` (built_at, versions, sources)."""
        return self.store.info

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """This thread's cursor on the store (DuckDB cursors are per thread)."""
        cur = getattr(self._local, "cursor", None)
        if cur is None:
            cur = self.store.cursor()
            self._local.cursor = cur
        return cur

    def index(self) -> Any:
        """The compiled schedule index (built on first use; None where not available)."""
        if self._index is None:
            with self._index_lock:
                if self._index is None:
                    self._index = _compile_index(self.store.cursor())
        return self._index or None

    def compiled(self) -> Any:
        """The index if it is compiled already, else None (never compiles it)."""
        return self._index or None

    def warm(self) -> Engine:
        """Compile the index now (the service does this at startup)."""
        self.index()
        return self

    def duty(self, shipment: Shipment) -> dict[str, Any]:
        """The explained duty on one shipment (see ``engine.duty.compute_duty``)."""
        self._lookups += 1
        index = None
        if self._index is not None or self._lookups >= INDEX_AFTER:
            index = self.index()
        if index is None:
            with no_pandas_probe():  # a one-off lookup: 0.3 s less (no_pandas_probe)
                return compute_duty(self.cursor(), shipment)
        return compute_duty(self.cursor(), shipment, index=index)


def _compile_index(con: duckdb.DuckDBPyConnection) -> Any:
    """``engine.index.ScheduleIndex`` of the store, or False where it is not built."""
    try:
        from ..engine.index import ScheduleIndex
    except ImportError:
        return False
    try:
        return ScheduleIndex.load(con)
    finally:
        con.close()


_engines: dict[Path, Engine] = {}
_lock = threading.Lock()


def engine(store: Path | None = None) -> Engine:
    """The process's engine for the store at ``store`` (default: TRADEWAR_HOME's)."""
    current = handle(store)
    with _lock:
        found = _engines.get(current.path)
        if found is None or found.store is not current:
            found = Engine(current)
            _engines[current.path] = found
        return found


def reload(store: Path | None = None) -> Engine:
    """Open the file now at ``store`` as a new pinned generation and return its engine,
    warmed. A broken new file raises ``StoreError`` and the old engine stays."""
    fresh = Engine(reopen(store, pin=True)).warm()
    with _lock:
        _engines[fresh.path] = fresh
    return fresh


def pin(store: Path | None = None) -> Engine:
    """The engine for ``store``, pinned to its current generation (the service's)."""
    current = handle(store)
    current.pinned = True
    return engine(store)
