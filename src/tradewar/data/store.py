"""The compiled store, opened once per process, and a few lookups every engine needs.

DuckDB lets a process attach a database file once: a second ``ATTACH`` or
``connect`` of the same file fails while the first is open. So the store is opened
in one place. A ``StoreHandle`` is an in-memory DuckDB database with the store
attached read-only as ``s``, plus a file descriptor on the same file:

* ``open_store(path)`` gives a cursor on it whose default catalog is the store (the
  lookups, series, checks and the article checker read its tables by name);
* ``attach_path(path)`` gives a plan that runs in a DuckDB of its own (bulk, scenarios)
  a fresh name for *the same file*, a link to the handle's descriptor, to ATTACH.

A handle is one *generation* of the store: its ``build_id`` names the build it reads,
and both ways read that build even after a rebuild replaced the file (a rename).
``handle`` reopens a path whose file changed, unless the handle is *pinned*: the
service pins its handle so that every answer comes from one generation until it is
told to reload.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sys
import tempfile
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from ..config import STORE_VERSION, store_path
from ..errors import CoverageError, StoreError

# what ``StoreHandle.trim_buffers`` leaves of DuckDB's block cache
TRIM_TO = "16MB"


def _quote(path: Path | str) -> str:
    return str(path).replace("'", "''")


def _identity(path: Path) -> tuple[int, int, int]:
    """What changes when a build replaces the file: inode, size and modification time."""
    st = os.stat(path)
    return st.st_ino, st.st_size, st.st_mtime_ns


@dataclass
class StoreHandle:
    """One generation of the store, attached read-only in an in-memory DuckDB."""

    path: Path
    db: duckdb.DuckDBPyConnection
    identity: tuple[int, int, int]
    info: dict[str, str]
    fd: int
    links: str
    pinned: bool = False
    memory_limit: str | None = None  # set by ``limit_memory``
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def build_id(self) -> str:
        """The build this handle reads (``built_at`` for stores built before build ids)."""
        return self.info.get("build_id") or self.info.get("built_at", "unknown")

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A cursor (its own DuckDB connection) reading the store's tables by name."""
        with self._lock:
            cur = self.db.cursor()
        cur.execute("USE s")
        return cur

    def limit_memory(self, limit: str, flush: str, temp_dir: str) -> None:
        """Bound this generation's DuckDB: at most ``limit`` of buffers (larger work
        spills to ``temp_dir``), the allocator handed back to the system after any
        query that peaked over ``flush``, and its background threads returning freed
        pages while the service is idle (a long-lived service; a one-off command keeps
        DuckDB's defaults). Without those threads a worker that ran one day-step series
        over 2025 stays at about 1.3 GB resident; with them it is back near 0.4 GB within
        seconds (issue 15, measured)."""
        with self._lock:
            self.db.execute(f"SET memory_limit = '{limit}'")
            self.db.execute(f"SET allocator_flush_threshold = '{flush}'")
            self.db.execute("SET allocator_background_threads = true")
            self.memory_limit = limit
            with suppress(duckdb.Error):  # DuckDB keeps a directory it has
                self.db.execute(f"SET temp_directory = '{_quote(temp_dir)}'")  # used

    def trim_buffers(self, keep: str = TRIM_TO) -> None:
        """Evict the store blocks DuckDB keeps cached between queries, down to ``keep``
        (the limit set by ``limit_memory`` is then restored). A served process calls it
        after a heavy query, with no other query running: the cache of a day-step
        series holds about 40 MB per process, which the next such query reads back from
        the page cache in a few milliseconds. A handle without a limit is left as is."""
        if self.memory_limit is None:
            return
        with self._lock:
            try:
                self.db.execute(f"SET memory_limit = '{keep}'")
            except duckdb.Error:
                pass  # more than ``keep`` is in use: nothing to trim now
            finally:
                self.db.execute(f"SET memory_limit = '{self.memory_limit}'")

    def attach_path(self) -> Path:
        """A new name for this generation's file (a link to the handle's descriptor),
        for a DuckDB of another connection to ATTACH read-only."""
        link = Path(self.links) / f"{uuid.uuid4().hex[:12]}.duckdb"
        target = f"/proc/self/fd/{self.fd}"
        link.symlink_to(target if os.path.exists(target) else self.path)
        return link

    def changed_on_disk(self) -> bool:
        """Whether the file at ``path`` is no longer the one this handle reads."""
        try:
            return _identity(self.path) != self.identity
        except OSError:
            return True

    def close(self) -> None:
        with self._lock:
            self.db.close()
        os.close(self.fd)
        shutil.rmtree(self.links, ignore_errors=True)


_handles: dict[Path, StoreHandle] = {}
_handles_lock = threading.Lock()


def _open(path: Path) -> StoreHandle:
    if not path.exists():
        raise StoreError(f"no store at {path}: run 'tradewar data build' first")
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError as exc:
        raise StoreError(f"store {path} is unreadable ({exc.strerror}); rebuild it") from None
    st = os.fstat(fd)
    identity = (st.st_ino, st.st_size, st.st_mtime_ns)
    db = duckdb.connect(":memory:")
    try:
        db.execute(f"ATTACH '{_quote(path)}' AS s (READ_ONLY)")
        info = dict(db.execute("SELECT key, value FROM s.build_info").fetchall())
    except duckdb.Error as exc:
        db.close()
        os.close(fd)
        raise StoreError(f"store {path} is unreadable ({exc}); rebuild it") from None
    if info.get("store_version") != str(STORE_VERSION):
        db.close()
        os.close(fd)
        raise StoreError(f"store {path} was built by another version; rebuild it")
    links = tempfile.mkdtemp(prefix="tradewar-store-")
    return StoreHandle(path, db, identity, info, fd, links)


def handle(path: Path | None = None) -> StoreHandle:
    """The process's handle on the store at ``path``; a file replaced since it was
    opened is reopened (a new generation), unless the handle is pinned."""
    key = Path(path or store_path()).absolute()
    with _handles_lock:
        current = _handles.get(key)
        if current is not None and (current.pinned or not current.changed_on_disk()):
            return current
        if current is not None:
            del _handles[key]
            current.close()
        fresh = _open(key)
        _handles[key] = fresh
        return fresh


def reopen(path: Path | None = None, pin: bool = False) -> StoreHandle:
    """Open the file now at ``path`` as a new generation and close the old handle.

    The new file is checked first, through a link of another name (DuckDB refuses a
    second attach of the same name): a missing or broken store raises ``StoreError``
    and the old generation stays open. The caller makes sure nothing still reads the
    old one when it is closed."""
    key = Path(path or store_path()).absolute()
    with tempfile.TemporaryDirectory(prefix="tradewar-reload-") as tmp:
        probe = Path(tmp) / key.name
        try:
            probe.symlink_to(key)
        except OSError as exc:
            raise StoreError(f"store {key} cannot be checked for reload ({exc})") from None
        _open(probe).close()
    with _handles_lock:
        old = _handles.pop(key, None)
        if old is not None:
            old.close()
        fresh = _open(key)
        fresh.pinned = pin
        _handles[key] = fresh
        return fresh


def forget(path: Path) -> None:
    """Close the handle on ``path`` before the file is replaced or removed in-process."""
    with _handles_lock:
        old = _handles.pop(Path(path).absolute(), None)
    if old is not None:
        old.close()


def open_store(path: Path | None = None) -> duckdb.DuckDBPyConnection:
    """A read-only cursor on the store; a missing or foreign store is a ``StoreError``."""
    return handle(path).cursor()


def attach_path(path: Path | None = None) -> Path:
    """A name under which a DuckDB of its own can ATTACH the store's current generation."""
    return handle(path).attach_path()


def coverage(con: duckdb.DuckDBPyConnection, importer: str) -> tuple[dt.date, dt.date, str]:
    """(first day, first day not covered, basis) of an importer's schedule."""
    row = con.execute(
        "SELECT cov_from, cov_until, basis FROM coverage WHERE importer = ?", [importer]
    ).fetchone()
    if row is None:
        raise StoreError(f"the store has no coverage for importer {importer}")
    return row[0], row[1], row[2]


def check_date(con: duckdb.DuckDBPyConnection, importer: str, day: dt.date, what: str) -> None:
    """Raise ``CoverageError`` when ``day`` is outside the importer's coverage."""
    start, end, _basis = coverage(con, importer)
    check_span(importer, day, what, start, end)


def check_span(importer: str, day: dt.date, what: str, start: dt.date, end: dt.date) -> None:
    """Raise ``CoverageError`` when ``day`` is outside ``[start, end)`` (``check_date``)."""
    if not start <= day < end:
        last = end - dt.timedelta(days=1)
        raise CoverageError(
            f"{what} date {day} is outside the {importer} schedule's coverage "
            f"({start} to {last}): not covered"
        )


@contextmanager
def no_pandas_probe() -> Iterator[None]:
    """Let DuckDB bind query parameters without importing pandas, in a one-thread
    process that has not imported it.

    DuckDB's Python binding imports pandas on the first query with parameters, to
    recognise pandas' NA and NaT among them: about 0.3 s, as much as the rest of a
    ``tradewar duty`` run (issue 14). Where pandas is not imported no parameter can be a
    pandas object, so the probe has nothing to find: for the duration its import fails
    (DuckDB then skips the probe, and imports pandas normally later, when it is there).
    With another thread running nothing is changed (its own imports must not fail).
    """
    if "pandas" in sys.modules or threading.active_count() > 1:
        yield
        return
    sys.modules["pandas"] = None  # type: ignore[assignment]
    try:
        yield
    finally:
        if sys.modules.get("pandas", False) is None:
            del sys.modules["pandas"]
