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
"""

from __future__ import annotations

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
    target = tmp_path_factory.mktemp("real_store") / STORE_NAME
    result = api.build(raw=raw, target=target)
    return result.path
