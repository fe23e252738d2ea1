"""Bad input: one line on stderr, exit code 2, no traceback; nothing stored lost."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).with_name("tradewar")


def run(args, home, **env):
    full = {**os.environ, "TRADEWAR_HOME": str(home), **env}
    return subprocess.run([str(BIN), *args], capture_output=True, text=True, env=full)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["duty", "12345", "--entered", "2019-01-01"], "malformed product code"),
        (["duty", "9403.60.80.8X", "--entered", "2019-01-01"], "malformed product code"),
        (["duty", "9999999999", "--entered", "2019-01-01"], "not in the US schedule"),
        (["duty", "4401110000", "--entered", "2018-06-01"], "does not exist in the US schedule on"),
        (["duty", "9403608081", "--entered", "2019-01-01", "--origin", "XX"], "unknown country"),
        (["duty", "9403608081", "--entered", "2016-05-01"], "outside the US schedule"),
        (["duty", "1201901000", "--importer", "CN", "--entered", "2026-11-02"], "not covered"),
        (["duty", "9403608081", "--entered", "2019-02-30"], "not a date"),
        (["duty", "9403608081", "--importer", "JP", "--entered", "2019-01-01"], "no schedule"),
        (["duty", "--input", "/nonexistent.csv", "--output", "/tmp/x.parquet"], "does not exist"),
        (["schedule", "12"], "malformed product code"),
        (["lists", "--importer", "ZZ"], "unknown country"),
    ],
)
def test_bad_input_exits_2_with_one_line(real_store, args, message):
    proc = run(args, real_store.parent)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("error: ") and message in lines[0]
    assert "Traceback" not in proc.stderr


def test_missing_store(tmp_path):
    proc = run(["duty", "9403608081", "--entered", "2019-01-01"], tmp_path / "empty")
    assert proc.returncode == 2
    assert "no store" in proc.stderr and "tradewar data build" in proc.stderr


def test_corrupt_store_is_a_clear_error(tmp_path):
    (tmp_path / "tradewar.duckdb").write_bytes(b"not a database at all" * 100)
    proc = run(["lists"], tmp_path)
    assert proc.returncode == 2
    assert "unreadable" in proc.stderr and "Traceback" not in proc.stderr


def test_unreadable_bulk_input(real_store, tmp_path):
    garbage = tmp_path / "garbage.parquet"
    garbage.write_bytes(os.urandom(2000))
    proc = run(["duty", "--input", str(garbage), "--output", str(tmp_path / "o.parquet")],
               real_store.parent)  # fmt: skip
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.strip().splitlines()[-1].startswith("error: ")


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_failed_build_keeps_the_previous_store(real_store, tmp_path):
    """A corrupt source makes the build fail with exit 2; the old store is untouched."""
    home = tmp_path / "home"
    home.mkdir()
    store = home / "tradewar.duckdb"
    shutil.copy(real_store, store)
    before = _digest(store)
    from tradewar.config import raw_dir

    broken = tmp_path / "raw"
    shutil.copytree(raw_dir(), broken, symlinks=True)
    (broken / "mwaugh0328__tradewar-tracker/data/China-Tariffs.xlsx").write_bytes(b"corrupt")
    proc = run(["data", "build"], home, TRADEWAR_RAW=str(broken))
    assert proc.returncode == 2, proc.stderr
    assert "China-Tariffs.xlsx" in proc.stderr.strip().splitlines()[-1]
    assert _digest(store) == before
    assert sorted(p.name for p in home.iterdir()) == ["tradewar.duckdb"]


def test_missing_raw_dir_is_a_clear_error(tmp_path):
    proc = run(["data", "build"], tmp_path, TRADEWAR_RAW=str(tmp_path / "nowhere"))
    assert proc.returncode == 2
    assert "raw data directory" in proc.stderr and "Traceback" not in proc.stderr
