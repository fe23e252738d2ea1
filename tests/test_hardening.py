"""Issue 15: every reproduction exits 2 with one line (or answers correctly) and touches
no file it was not asked to write. One test per defect; each failed before its fix."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tradewar.data.build import remove_stale_temps, verify_sources
from tradewar.data.yamlload import load_yaml
from tradewar.errors import SourceError

BIN = Path(sys.executable).with_name("tradewar")
ROW = "9403608081,US,CN,2019-06-20,1000\n"
HEAD = "code,importer,origin,entered,value\n"


def run(args, home, timeout=120, **env):
    full = {**os.environ, "TRADEWAR_HOME": str(home), **env}
    return subprocess.run(
        [str(BIN), *map(str, args)], capture_output=True, text=True, env=full, timeout=timeout
    )


def one_line_error(proc, words: str = "") -> None:
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr
    assert words in lines[0], lines[0]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def home(real_store, tmp_path):
    """A TRADEWAR_HOME holding a link to the session's store (never written)."""
    h = tmp_path / "home"
    h.mkdir()
    (h / "tradewar.duckdb").symlink_to(real_store)
    return h


# --- 1. outputs never replace an input, the store, or an existing file ---------------


def test_bulk_output_never_replaces_input_or_store(home, real_store, tmp_path):
    src = tmp_path / "s.csv"
    src.write_text(HEAD + ROW)
    before, store_before = digest(src), digest(real_store)
    one_line_error(run(["duty", "--input", src, "--output", src], home), "is an input")
    one_line_error(run(["duty", "--input", src, "--output", src, "--overwrite"], home), "input")
    one_line_error(run(["duty", "--input", src, "--output", real_store, "--overwrite"], home))
    one_line_error(run(["duty", "--input", src, "--output", home / "tradewar.duckdb"], home))
    rej = tmp_path / "X.rejects.csv"
    rej.write_text(HEAD + ROW)
    one_line_error(run(["duty", "--input", rej, "--output", tmp_path / "X.parquet"], home))
    one_line_error(
        run(["duty", "--input", src, "--output", tmp_path / "o.parquet", "--aggregate", src],
            home), "input",
    )  # fmt: skip
    assert digest(src) == before and digest(real_store) == store_before
    assert rej.read_text() == HEAD + ROW
    assert sorted(p.name for p in tmp_path.iterdir()) == ["X.rejects.csv", "home", "s.csv"]


def test_bulk_output_replaces_an_existing_file_only_with_overwrite(home, tmp_path):
    src = tmp_path / "s.csv"
    src.write_text(HEAD + ROW)
    out = tmp_path / "old.txt"
    out.write_text("precious")
    one_line_error(run(["duty", "--input", src, "--output", out], home), "--overwrite")
    assert out.read_text() == "precious"
    full = tmp_path / "full"
    full.mkdir()
    (full / "keep.parquet").write_bytes(b"x")
    one_line_error(run(["duty", "--input", src, "--output", full], home), "non-empty directory")
    assert (full / "keep.parquet").read_bytes() == b"x"
    done = run(["duty", "--input", src, "--output", tmp_path / "r.parquet", "--json"], home)
    assert done.returncode == 0, done.stderr
    again = run(["duty", "--input", src, "--output", tmp_path / "r.parquet"], home)
    one_line_error(again, "exists")
    ok = run(["duty", "--input", src, "--output", tmp_path / "r.parquet", "--overwrite"], home)
    assert ok.returncode == 0, ok.stderr
    assert pq.read_table(tmp_path / "r.parquet").num_rows == 1


def test_check_html_never_replaces_the_article(home, tmp_path):
    article = tmp_path / "a.txt"
    article.write_text("The United States raised tariffs on $200 billion of goods to 25%.")
    before = digest(article)
    one_line_error(run(["check", article, "--html", article, "--overwrite"], home), "input")
    assert digest(article) == before


# --- 2. the build checks the raw files against the manifest --------------------------


def _linked_raw(tmp_path: Path) -> Path:
    from tradewar.config import raw_dir

    real = raw_dir()
    raw = tmp_path / "raw"
    for f in real.rglob("*"):
        if f.is_file():
            link = raw / f.relative_to(real)
            link.parent.mkdir(parents=True, exist_ok=True)
            link.symlink_to(f)
    return raw


def test_build_refuses_a_damaged_raw_file_and_keeps_the_store(real_store, tmp_path):
    raw = _linked_raw(tmp_path)
    name = "new_tariff_list_2020.csv"
    damaged = next(raw.rglob(name))
    text = damaged.read_bytes()
    damaged.unlink()
    damaged.write_bytes(text[: len(text) // 2])
    home = tmp_path / "h"
    home.mkdir()
    (home / "tradewar.duckdb").write_bytes(real_store.read_bytes())
    before = digest(home / "tradewar.duckdb")
    proc = run(["data", "build"], home, TRADEWAR_RAW=str(raw))
    one_line_error(proc, name)
    assert "--allow-changed-sources" in proc.stderr
    assert digest(home / "tradewar.duckdb") == before
    answer = run(["duty", "5513111000", "--importer", "CN", "--origin", "US", "--entered",
                  "2019-09-01", "--json"], home)  # fmt: skip
    assert answer.returncode == 0, answer.stderr
    assert json.loads(answer.stdout)["total_rate"] == pytest.approx(0.18)
    damaged.unlink()
    with pytest.raises(SourceError, match="missing"):
        verify_sources(raw, Path(__file__).parents[1] / "data/manifest.json")
    damaged.write_bytes(text[:100])
    count, changed = verify_sources(raw, Path(__file__).parents[1] / "data/manifest.json", True)
    assert count >= 50 and len(changed) == 1 and changed[0].endswith(name)


# --- 3. literal input paths, explicit globs, one format, dated columns ---------------


def test_input_paths_are_literal_and_globs_explicit(home, tmp_path):
    (tmp_path / "ship[1].csv").write_text(HEAD + ROW)
    (tmp_path / "ship1.csv").write_text(HEAD + ROW + ROW)
    out = tmp_path / "o.parquet"
    proc = run(["duty", "--input", tmp_path / "ship[1].csv", "--output", out], home)
    assert proc.returncode == 0, proc.stderr
    assert pq.read_table(out).num_rows == 1  # the literal file, not ship1.csv
    both = tmp_path / "both"
    proc = run(["duty", "--glob", "--input", tmp_path / "ship*.csv", "--output", both], home)
    assert proc.returncode == 0, proc.stderr
    assert pq.read_table(both).num_rows == 3


def test_zoned_timestamps_and_mixed_folders_are_refused(home, tmp_path):
    zoned = tmp_path / "zoned.parquet"
    table = pa.table({
        "code": ["9403608081"], "importer": ["US"], "origin": ["CN"], "value": [1000.0],
        "entered": pa.array([1_557_446_400_000_000], pa.timestamp("us", tz="UTC")),
    })  # fmt: skip
    pq.write_table(table, zoned)
    one_line_error(
        run(["duty", "--input", zoned, "--output", tmp_path / "z.parquet"], home), "time zone"
    )
    mixed = tmp_path / "mixed"
    mixed.mkdir()
    (mixed / "a.csv").write_text(HEAD + ROW)
    pq.write_table(table.drop(["entered"]), mixed / "b.parquet")
    one_line_error(
        run(["duty", "--input", mixed, "--output", tmp_path / "m.parquet"], home), "mixes CSV"
    )


# --- 5. YAML: no aliases, bounded depth --------------------------------------------


def test_yaml_refuses_aliases_and_deep_nesting(tmp_path):
    laughs = tmp_path / "laughs.yaml"
    laughs.write_text("a: &a [lol, lol, lol]\nb: &b [*a, *a, *a]\nc: [*b, *b, *b]\n")
    with pytest.raises(SourceError, match="not allowed"):
        load_yaml(laughs)
    deep = tmp_path / "deep.yaml"
    deep.write_text("[" * 5000 + "]" * 5000)
    with pytest.raises(SourceError, match="nested deeper"):
        load_yaml(deep)
    binary = tmp_path / "bin.yaml"
    binary.write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(SourceError, match="not UTF-8"):
        load_yaml(binary)


# --- 6, 7, 8, 10. one line and exit 2 for every user error ---------------------------


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["check-engine", "--top", "-1"], "--top"),
        (["duty", "--bogus"], "No such option"),
        (["check-engine", "--top", "abc"], "not a valid integer"),
        (["duty", "9403608081", "--entered", "2019-06-20", "--value", "1_000"], "finite"),
        (["duty", "9403608081", "--entered", "2019-06-20", "--value", "inf"], "finite"),
        (["duty", "9403608081", "--entered", "2019-06-20", "--value", "1e309"], "finite"),
        (
            ["duty", "9403608081", "--entered", "2019-06-20", "--quantity", "inf", "--unit", "kg"],
            "finite",
        ),
        (["duty", "9403\u202f608081", "--entered", "2019-06-20"], "malformed product code"),
        (["duty", "9403608081", "--entered", "20190620"], "not a date"),
        (["schedule", "9403608081", "--importer", "US", "--origin", "US"], "importer itself"),
        (["timeline", "--from", "0"], "not a date"),
    ],
)
def test_user_errors_are_one_line(home, args, words):
    one_line_error(run(args, home), words)


@pytest.mark.parametrize(
    ("command", "content"),
    [
        ("enforce", b"\xff\xfe\x00bad"),
        ("scenario run", b"[" * 5000 + b"]" * 5000),
        ("scenario run", b"name: x\nunknown_key: 1\n"),
    ],
)
def test_bad_rule_and_scenario_files_are_one_line(home, tmp_path, command, content):
    path = tmp_path / "f.yaml"
    path.write_bytes(content)
    one_line_error(run([*command.split(), path], home))


def test_unwritable_home_is_refused_before_building(tmp_path):
    proc = run(["data", "build"], "/proc/x", timeout=20)
    one_line_error(proc, "/proc/x")


def test_fifos_are_refused_not_read(home, tmp_path):
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    one_line_error(run(["duty", "--input", fifo, "--output", tmp_path / "o.parquet"], home,
                       timeout=30), "not a regular file")  # fmt: skip
    one_line_error(run(["check", fifo], home, timeout=30), "not a regular file")


def test_api_refuses_lenient_dates_and_same_origin(real_store):
    from fastapi.testclient import TestClient

    from tradewar.interfaces.web import create_app

    client = TestClient(create_app(real_store))
    assert client.get("/api/timeline", params={"to": "0"}).status_code == 422
    assert client.get("/api/duty", params={"code": "9403608081", "entered": "172800"}
                      ).status_code == 422  # fmt: skip
    duty = {"code": "9403608081", "entered": "2019-06-20"}
    assert client.get("/api/duty", params={**duty, "value": "1_000"}).status_code == 422
    assert client.get("/api/duty", params={**duty, "value": "1000"}).status_code == 200
    assert client.get("/api/schedule", params={"code": "9403608081", "origin": "US"}
                      ).status_code == 422  # fmt: skip


def test_a_duration_is_not_read_as_a_date():
    from tradewar.news.dates import _recognizers

    assert _recognizers("within 48 hours", "2019-05-10") is None


# --- 9. stale build temporaries -------------------------------------------------------


def test_stale_build_temporaries_are_removed(tmp_path):
    store = tmp_path / "tradewar.duckdb"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True).stdout.strip()  # fmt: skip
    stale = [
        tmp_path / f".tradewar.duckdb.{dead}.tmp",
        tmp_path / f".tradewar.duckdb.{dead}.tmp.wal",
    ]
    for p in stale:
        p.write_bytes(b"x" * 1000)
    live = tmp_path / f".tradewar.duckdb.{os.getppid()}.tmp"
    live.write_bytes(b"y")
    assert sorted(remove_stale_temps(store)) == sorted(stale)
    assert live.exists() and not any(p.exists() for p in stale)


def test_yaml_with_control_characters_is_one_line(home, tmp_path):
    path = tmp_path / "nul.yaml"
    path.write_text("name: x\x00\n")
    one_line_error(run(["enforce", path], home), "invalid YAML")


@pytest.mark.parametrize("text", ["name: x\ndate: 2019-02-30\n", "rules:\n  - when: 2019-13-45\n"])
def test_impossible_yaml_dates_are_one_line(home, tmp_path, text):
    path = tmp_path / "dates.yaml"
    path.write_text(text)
    for command in (["enforce"], ["scenario", "run"]):
        one_line_error(run([*command, path], home), "is not a date")
