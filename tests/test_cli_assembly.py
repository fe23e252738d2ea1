"""Issue 14 items 2 and 4: the CLI assembled without circular imports, and a one-off
``tradewar duty --json`` that imports only what a lookup needs.

The command modules declare their commands on a Typer of their own and never import
``interfaces.cli``, which gathers them. A lookup in a fresh process imports neither
pandas (DuckDB's parameter binding would: ``data.store.no_pandas_probe``) nor rich nor
the policy package, and its answers are the same as with pandas loaded.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tradewar.data.store import open_store
from tradewar.engine.duty import compute_duty
from tradewar.engine.samples import panel_shipments
from tradewar.engine.shipment import make_shipment
from tradewar.errors import TradewarError

COMMAND_MODULES = ["cli_check", "cli_data", "cli_duty", "cli_news", "cli_policy",
                   "cli_refunds", "cli_series", "cli_serve", "cli_timeline"]  # fmt: skip
SRC = str(Path(__file__).resolve().parents[1] / "src")


def _python(code: str, env_home: Path | None = None) -> str:
    import os

    env = {**os.environ, "PYTHONPATH": SRC}
    if env_home is not None:
        env["TRADEWAR_HOME"] = str(env_home)
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_command_modules_do_not_import_the_app():
    code = (
        "import importlib, sys\n"
        f"for name in {COMMAND_MODULES!r}:\n"
        "    importlib.import_module('tradewar.interfaces.' + name)\n"
        "    assert 'tradewar.interfaces.cli' not in sys.modules, name\n"
        "import tradewar.interfaces.cli as cli\n"
        "print(sorted(c.name or c.callback.__name__ for c in cli.app.registered_commands))\n"
        "print(sorted(g.name for g in cli.app.registered_groups))\n"
    )
    commands, groups = _python(code).splitlines()
    assert "'duty'" in commands and "'serve'" in commands and "'refunds'" in commands
    assert groups == "['data', 'scenario']"


SHIPMENT = ("code", "importer", "origin", "entered", "exported")


@pytest.mark.realdata
def test_one_off_lookups_load_little_and_answer_the_same(real_store):
    with open_store(real_store) as con:
        sample = [
            {k: str(s[k]) if s[k] is not None else None for k in SHIPMENT}
            for s in panel_shipments(con, 150, seed=21)
        ]
        expected = []
        for s in sample:  # this process has pandas loaded: DuckDB probes for it
            try:
                expected.append(compute_duty(con, make_shipment(**s)))
            except TradewarError as exc:
                expected.append({"error": str(exc)})
    code = (
        "import json, sys\n"
        "from tradewar.interfaces.cli import main\n"
        "from tradewar.errors import TradewarError\n"
        "from tradewar import api\n"
        "e = sys.modules['tradewar.api.engine']  # (tradewar.api.engine is the function)\n"
        "e.INDEX_AFTER = 10**9  # the SQL path throughout, as a one-off lookup\n"
        "out = []\n"
        f"for s in json.loads({json.dumps(json.dumps(sample))}):\n"
        "    try:\n"
        "        out.append(api.duty(**s))\n"
        "    except TradewarError as exc:\n"
        "        out.append({'error': str(exc)})\n"
        "heavy = sorted(m for m in ('pandas', 'rich', 'tradewar.policy', 'pydantic',\n"
        "               'fastapi') if m in sys.modules)\n"
        "print(json.dumps({'answers': out, 'heavy': heavy}, default=str))\n"
    )
    got = json.loads(_python(code, real_store.parent))
    assert got["heavy"] == []
    assert got["answers"] == json.loads(json.dumps(expected, default=str))
    assert sum("error" not in a for a in got["answers"]) > 60
