"""Shared pytest fixtures.

``real_store``: the store built from the real raw data, once per test session.

    def test_something(real_store):
        result = api.duty("9403.60.80.81", entered="2019-06-20", store=real_store)

It returns the path of the built DuckDB file (``<tmp>/tradewar.duckdb``); its parent
directory can be used as ``TRADEWAR_HOME`` for the CLI. The fixture never touches the
user's own store or ``TRADEWAR_HOME``: tests must pass the path explicitly
(``store=real_store``). The build takes about 15 s and is skipped, with the reason,
when the raw data directory (``tradewar.config.raw_dir()``, ``TRADEWAR_RAW``) is absent.
Treat the store as read-only: it is shared by every test in the session. Read it
through the process's handle (``tradewar.data.store.open_store(real_store)``, or
``attach_path(real_store)`` to ATTACH it in a DuckDB of your own): DuckDB refuses a
second ATTACH of a file the process already holds.

Under ``pytest -n N`` (pytest-xdist, as ``make test`` runs) the workers share one build:
the first worker to ask builds it under an exclusive lock in the run's common temporary
directory, and the others wait for it, then open the same file read-only.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

import pytest

from tradewar import api
from tradewar.config import STORE_NAME, raw_dir


@pytest.fixture(scope="session")
def real_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Path of a store built from the real raw data (built once per session)."""
    raw = raw_dir()
    if not raw.is_dir():
        pytest.skip(f"raw data directory {raw} not found (set TRADEWAR_RAW): no real store")
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent  # the run's directory, common to every worker
    home = base / "real_store"
    home.mkdir(exist_ok=True)
    target = home / STORE_NAME
    with (base / "real_store.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not target.exists():  # the build renames a complete file into place
            api.build(raw=raw, target=target)
    return target
