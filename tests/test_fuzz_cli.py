"""Fuzz the command line (issue 15): every command, hostile arguments and hostile files.

Each case runs ``tradewar`` in process (``interfaces.cli.main``, as the console script
does) in a scratch directory, with a store that must stay untouched. Invariants:

* exit 0 with valid JSON on stdout (every case asks for ``--json`` where it exists),
  or exit 2 with exactly one line ``error: ...`` on stderr; never a traceback, never
  ``internal error`` (exit 1);
* no file changes except the outputs the case names (and their rejects file);
* no case runs longer than ``CASE_S`` (a hang); the process's resident memory grows by
  at most ``MAX_GROWTH_MB`` over what it held when the fuzzing began (the pytest process
  also ran the rest of the suite, so its lifetime peak says nothing about these cases).

In CI it is bounded to ``BUDGET_S`` seconds. A full run, with the figures for
docs/reliability.md::

    TRADEWAR_FUZZ_CASES=600 TRADEWAR_FUZZ_BUDGET=1800 TRADEWAR_FUZZ_RECORD_ONLY=1 \
    TRADEWAR_FUZZ_REPORT=fuzz-cli.json pytest -q -k fuzz_cli
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import resource
import shutil
import signal
import sys
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.realdata
CASES = int(os.environ.get("TRADEWAR_FUZZ_CASES", "150"))
BUDGET_S = float(os.environ.get("TRADEWAR_FUZZ_BUDGET", "45"))
CASE_S = 60
RECORD_ONLY = os.environ.get("TRADEWAR_FUZZ_RECORD_ONLY") == "1"
MAX_GROWTH_MB = 1500
HEAD = "code,importer,origin,entered,exported,value\n"

texts = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=24
)
codes = st.one_of(
    st.sampled_from([
        "9403608081", "9403.60.80.81", "940360", "12", "", "9403\u202f608081",
        "\uff19403608081", "0" * 200, "1201901000", "'; DROP TABLE layers;--", "../../x",
    ]),
    texts,
)  # fmt: skip
dates = st.one_of(
    st.sampled_from([
        "2019-06-20", "2019-02-30", "0", "172800", "2019-06-20 (BC)", "9999-12-31",
        "1000-01-01", "", "2019-06-20T10:00", "-1", "2019/06/20", "2020-01-01",
    ]),
    texts,
)  # fmt: skip
numbers = st.one_of(
    st.sampled_from(["1000", "inf", "-inf", "nan", "1e309", "-1", "1_000", "0x10", "", "0"]),
    st.floats().map(repr),
    texts,
)
countries = st.one_of(st.sampled_from(["US", "CN", "DE", "XX", "us", "", "other"]), texts)
FILES = [
    "good.csv", "hostile.csv", "binary.bin", "latin1.yaml", "deep.yaml", "laughs.yaml",
    "fifo.csv", "adir", "missing.csv", "zoned.parquet", "mixed", "empty.csv", "rule.yaml",
    "/dev/zero", "STORE", "ship[1].csv", "article.txt", "baddate.yaml",
]  # fmt: skip
files = st.sampled_from(FILES)
outputs = st.sampled_from(["out.parquet", "outdir", "good.csv", "STORE", "adir", "new/x.parquet",
                           "hostile.csv", "o.txt", "report.html", "chart.svg"])  # fmt: skip
extras = st.lists(
    st.sampled_from(["--bogus", "--top", "-1", "--json", "--overwrite", "--glob", "--", "-"]),
    max_size=2,
)


@st.composite
def argv(draw) -> tuple[list[str], list[str]]:
    """A command line and the outputs it names."""
    kind = draw(st.sampled_from([
        "duty", "bulk", "schedule", "lists", "timeline", "enforce", "scenario", "check",
        "issues", "check_engine", "series", "coverage", "commitments", "random",
    ]))  # fmt: skip
    out: list[str] = []
    if kind == "duty":
        args = ["duty", draw(codes), "--entered", draw(dates), "--importer", draw(countries),
                "--origin", draw(countries), "--value", draw(numbers), "--json"]  # fmt: skip
        if draw(st.booleans()):
            args += ["--exported", draw(dates), "--quantity", draw(numbers), "--unit", "kg"]
    elif kind == "bulk":
        target = draw(outputs)
        out = [target]
        args = ["duty", "--input", draw(files), "--output", target, "--json"]
        if draw(st.booleans()):
            aggregate = draw(outputs)
            out.append(aggregate)
            args += ["--aggregate", aggregate]
    elif kind == "schedule":
        args = ["schedule", draw(codes), "--importer", draw(countries), "--origin",
                draw(countries), "--json"]  # fmt: skip
    elif kind == "lists":
        args = ["lists", "--importer", draw(countries), "--json"]
    elif kind == "timeline":
        args = ["timeline", "--from", draw(dates), "--to", draw(dates), "--json"]
    elif kind == "enforce":
        args = ["enforce", draw(files), "--json"]
    elif kind == "scenario":
        args = ["scenario", "run", draw(files), "--json", "--top", draw(numbers)]
    elif kind == "check":  # the article checker on hostile files (language model: slow)
        bad = ["fifo.csv", "adir", "missing.csv", "/dev/zero", "binary.bin"]
        args = ["check", draw(st.sampled_from(bad)), "--no-record", "--json"]
        if draw(st.booleans()):
            target = draw(outputs)
            out = [target]
            args += ["--html", target]
    elif kind == "issues":
        args = ["data", "issues", "--severity", draw(texts), "--json"]
    elif kind == "check_engine":
        args = ["check-engine", "--top", draw(numbers), "--year", draw(numbers), "--json"]
    elif kind == "series":
        args = ["series", "--importer", draw(countries), "--from", draw(dates), "--to",
                draw(dates), "--step", draw(st.sampled_from(["event", "month", "x", ""])),
                "--json"]  # fmt: skip
    elif kind == "coverage":
        args = ["coverage", "--importer", draw(countries), "--weights", draw(texts), "--json"]
    elif kind == "commitments":
        args = ["commitments", "--through", draw(dates), "--basis", draw(texts), "--json"]
    else:
        args = draw(st.lists(texts, min_size=1, max_size=4))
    args += draw(extras)
    if "--overwrite" in args:
        out = []  # an overwrite may replace any file it names: then only inputs are checked
    return args, out


def _hostile_files(work: Path, store: Path) -> None:
    (work / "good.csv").write_text(HEAD + "9403608081,US,CN,2019-06-20,,1000\n")
    (work / "ship[1].csv").write_text(HEAD + "9403608081,US,CN,2019-06-20,,1\n")
    (work / "hostile.csv").write_text(
        HEAD + '9403\u202f608081,us,cn,2019-06-20 (BC),,inf\n\x00,,,,,\n"a\n,b,1_000\n'
    )
    (work / "binary.bin").write_bytes(os.urandom(4096))
    (work / "latin1.yaml").write_bytes("name: caf\xe9\n".encode("latin-1"))
    (work / "deep.yaml").write_text("[" * 20000 + "]" * 20000)
    (work / "laughs.yaml").write_text(
        "a: &a [l, l, l, l, l, l, l, l, l]\n"
        + "".join(
            f"{c}: &{c} [{', '.join([f'*{p}'] * 9)}]\n"
            for p, c in zip("abcdefg", "bcdefgh", strict=True)
        )
    )
    (work / "rule.yaml").write_text("name: x\nrules: [{when: 1}]\nunknown: 2\n")
    (work / "baddate.yaml").write_text("name: x\ndate: 2019-02-30\nrules: [{when: 2019-13-45}]\n")
    (work / "article.txt").write_text("Tariffs rose to 25% on $200 billion of goods.\n")
    (work / "empty.csv").write_text("")
    os.mkfifo(work / "fifo.csv")
    (work / "adir").mkdir()
    (work / "adir" / "keep.txt").write_text("keep")
    (work / "mixed").mkdir()
    (work / "mixed" / "a.csv").write_text(HEAD)
    zoned = pa.table({
        "code": ["9403608081"], "importer": ["US"], "origin": ["CN"], "value": [1.0],
        "entered": pa.array([1_557_446_400_000_000], pa.timestamp("us", tz="Asia/Shanghai")),
    })  # fmt: skip
    pq.write_table(zoned, work / "zoned.parquet")
    pq.write_table(zoned, work / "mixed" / "b.parquet")


def _snapshot(*roots: Path) -> dict[str, tuple[int, int]]:
    seen = {}
    for root in roots:
        for dirpath, dirnames, filenames in os.walk(root):
            for name in filenames + dirnames:
                p = Path(dirpath) / name
                try:
                    info = p.lstat()
                except OSError:
                    continue
                seen[str(p)] = (info.st_size, info.st_mtime_ns)
    return seen


class _Hang(Exception):
    pass


def _invoke(args: list[str]) -> tuple[int, str, str]:
    """Run the CLI in process as the console script does; (exit code, stdout, stderr)."""
    from tradewar.interfaces.cli import main

    stdout, stderr = io.StringIO(), io.StringIO()
    saved = sys.argv
    sys.argv = ["tradewar", *args]

    def alarm(*_):
        raise _Hang(f"no answer after {CASE_S} s")

    old = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(CASE_S)
    code = 0
    try:
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            try:
                main()
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
        sys.argv = saved
    return code, stdout.getvalue(), stderr.getvalue()


@pytest.fixture(scope="module")
def fuzz_env(real_store, tmp_path_factory):
    work = tmp_path_factory.mktemp("fuzz_cli")
    home = work / "home"
    home.mkdir()
    store = home / "tradewar.duckdb"
    shutil.copy(real_store, store)
    _hostile_files(work, store)
    saved = {k: os.environ.get(k) for k in ("TRADEWAR_HOME", "COLUMNS")}
    os.environ["TRADEWAR_HOME"] = str(home)
    os.environ["COLUMNS"] = "200"
    cwd = os.getcwd()
    os.chdir(work)
    stats = {"cases": 0, "exit0": 0, "exit2": 0, "failures": [], "commands": {}}
    yield work, store, stats
    os.chdir(cwd)
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    report = os.environ.get("TRADEWAR_FUZZ_REPORT")
    if report:
        stats["max_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
        Path(report).write_text(json.dumps(stats, indent=2))


def _check_case(
    work: Path, store: Path, args: list[str], outputs: list[str], stats: dict
) -> str | None:
    """The first invariant this case breaks, or None."""
    resolved = [a if a != "STORE" else str(store) for a in args]
    before = _snapshot(work)
    started = time.monotonic()
    try:
        code, stdout, stderr = _invoke(resolved)
    except _Hang as exc:
        return f"hang: {exc}"
    except BaseException as exc:
        return f"escaped main(): {type(exc).__name__}: {exc}"
    seconds = time.monotonic() - started
    stats[f"exit{code}"] = stats.get(f"exit{code}", 0) + 1
    if code == 0:
        if "--json" in args and "--help" not in args:
            try:
                json.loads(stdout, parse_constant=lambda c: (_ for _ in ()).throw(ValueError(c)))
            except ValueError as exc:
                return f"exit 0 without valid JSON ({exc}): {stdout[:200]!r}"
    elif code == 2:
        lines = stderr.strip().splitlines()
        if len(lines) != 1 or not lines[0].startswith("error: "):
            return f"exit 2 with {len(lines)} lines: {stderr[:300]!r}"
    else:
        return f"exit {code}: {stderr[:300]!r}"
    if "Traceback" in stderr:
        return "traceback"
    allowed = set()
    for name in outputs:
        path = (work / name) if name != "STORE" else store
        stem = path.with_name(path.stem + ".rejects.csv")
        allowed |= {str(path), str(stem)}
    after = _snapshot(work)
    changed = [
        p for p in set(before) | set(after)
        if before.get(p) != after.get(p)
        and not any(p == a or p.startswith(a + "/") for a in allowed)
    ]  # fmt: skip
    if "--overwrite" in args:  # any named file may be replaced, never an input or the store
        named = {str(work / a) for a in args if a not in ("STORE",)}
        changed = [p for p in changed if not any(p == n or p.startswith(n + "/") for n in named)]
    if store.stat().st_mtime_ns != before.get(str(store), (0, 0))[1] and str(store) in before:
        return "the store changed"
    if changed:
        return f"files changed that were not named as outputs: {sorted(changed)[:5]}"
    if seconds > CASE_S:
        return f"took {seconds:.0f} s"
    return None


_clock: list[float] = []
_rss_start: list[int] = []


def _resident_mb() -> int:
    """This process's resident memory now (Linux /proc), in MB."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * resource.getpagesize() // 2**20


KNOWN = {"duty", "schedule", "lists", "timeline", "enforce", "scenario", "check", "data",
         "check-engine", "series", "coverage", "commitments"}  # fmt: skip


@settings(
    max_examples=CASES,
    deadline=None,
    database=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
@given(case=argv())
def test_fuzz_cli(fuzz_env, case):
    work, store, stats = fuzz_env
    if not _clock:
        _clock.append(time.monotonic())
        _rss_start.append(_resident_mb())
    if time.monotonic() - _clock[0] > BUDGET_S:
        return  # the budget is spent: the remaining examples pass without running
    args, outputs = case
    failure = _check_case(work, store, args, outputs, stats)
    stats["cases"] += 1
    command = args[0] if args and args[0] in KNOWN else "(random)"
    stats["commands"][command] = stats["commands"].get(command, 0) + 1
    if failure is None:
        grown = _resident_mb() - _rss_start[0]
        if grown > MAX_GROWTH_MB:
            failure = f"resident memory grew by {grown} MB (over {MAX_GROWTH_MB} MB)"
    if failure is not None:
        stats["failures"].append({"args": args, "failure": failure})
    if not RECORD_ONLY:  # a full run records every failure instead of stopping at one
        assert failure is None, f"{args}: {failure}"
