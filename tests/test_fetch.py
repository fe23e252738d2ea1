"""Tests for tradewar.data.fetch: manifest loading, verify and offline fetch (file:// URLs)."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import sys
import types
from pathlib import Path

import pytest

from tradewar.config import authored_dir, raw_dir
from tradewar.data.fetch import (
    FetchResult,
    ManifestEntry,
    Status,
    fetch,
    load_manifest,
    verify,
)
from tradewar.errors import InputError

COMMIT = "0123456789abcdef0123456789abcdef01234567"


def _entry(path: str, content: bytes, url: str | None, **extra: str) -> ManifestEntry:
    return ManifestEntry(
        path=path,
        sha256=hashlib.sha256(content).hexdigest(),
        bytes=len(content),
        repo="owner/repo",
        commit=COMMIT,
        url=url,
        **extra,
    )


@pytest.fixture
def upstream(tmp_path: Path) -> tuple[Path, list[ManifestEntry]]:
    """A few source files served by file:// URLs, and their manifest entries."""
    src = tmp_path / "upstream"
    files = {
        "owner__repo/data/a.csv": b"hs8,rate\n01012100,25\n",
        "owner__repo/data/sub dir/b.txt": b"hello\n" * 1000,
        "owner__repo/c.bin": bytes(range(256)) * 10,
    }
    entries = []
    for rel, content in files.items():
        path = src / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        entries.append(_entry(rel, content, path.as_uri()))
    return src, entries


def _write_manifest(path: Path, entries: list[ManifestEntry]) -> None:
    files = [{k: v for k, v in vars(e).items() if v is not None or k == "url"} for e in entries]
    path.write_text(json.dumps({"version": 1, "files": files}), encoding="utf-8")


def test_load_manifest_round_trip(tmp_path: Path, upstream: tuple[Path, list[ManifestEntry]]):
    _, entries = upstream
    manifest = tmp_path / "manifest.json"
    _write_manifest(manifest, entries)
    assert load_manifest(manifest) == entries
    assert entries[0].path_in_repo == "data/a.csv"
    assert entries[0].origin == f"owner/repo@{COMMIT}:data/a.csv"


@pytest.mark.parametrize(
    "bad",
    [
        {"path": "../x", "sha256": "0" * 64, "bytes": 1, "repo": "o/r", "commit": "c", "url": "u"},
        {"path": "o__r/x", "sha256": "abc", "bytes": 1, "repo": "o/r", "commit": "c", "url": "u"},
        {"path": "o__r/x", "sha256": "0" * 64, "bytes": 1, "repo": "o/r", "commit": "c"},
        {"path": "o__r/x", "sha256": "0" * 64, "repo": "o/r", "commit": "c", "url": "u"},
    ],
)
def test_load_manifest_rejects_bad_entries(tmp_path: Path, bad: dict[str, object]):
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps({"files": [bad]}), encoding="utf-8")
    with pytest.raises(InputError):
        load_manifest(manifest)


def test_load_manifest_missing_file(tmp_path: Path):
    with pytest.raises(InputError, match="not found"):
        load_manifest(tmp_path / "nope.json")


def test_fetch_into_empty_dir(tmp_path: Path, upstream: tuple[Path, list[ManifestEntry]]):
    src, entries = upstream
    dest = tmp_path / "raw"
    calls: list[tuple[str, int, int]] = []

    def progress(entry: ManifestEntry, done: int, total: int) -> None:
        calls.append((entry.path, done, total))

    result = fetch(dest, entries, progress=progress)
    assert result.ok and result.exit_code == 0
    assert [f.action for f in result.files] == ["downloaded"] * 3
    for entry in entries:
        assert entry.target(dest).read_bytes() == entry.target(src).read_bytes()
    assert all(s.status is Status.OK for s in verify(dest, entries))
    for entry in entries:
        assert (entry.path, entry.bytes, entry.bytes) in calls
    assert not list(dest.rglob("*.part"))
    assert result.summary() == "3 files: 3 ok (3 fetched), 0 missing, 0 mismatch"


def test_corrupted_source_is_reported_and_not_written(
    tmp_path: Path, upstream: tuple[Path, list[ManifestEntry]]
):
    src, entries = upstream
    entries[0].target(src).write_bytes(b"hs8,rate\n01012100,99\n")  # same size, other bytes
    dest = tmp_path / "raw"
    result = fetch(dest, entries)
    bad = result.files[0]
    assert bad.status is Status.MISMATCH
    assert bad.expected_sha256 == entries[0].sha256
    assert bad.actual_sha256 == hashlib.sha256(b"hs8,rate\n01012100,99\n").hexdigest()
    assert "nothing was written" in bad.message
    assert not entries[0].target(dest).exists()
    assert not list(dest.rglob("*.part"))
    assert [f.status for f in result.files[1:]] == [Status.OK, Status.OK]
    assert result.exit_code == 2


def test_bad_download_never_replaces_existing_file(
    tmp_path: Path, upstream: tuple[Path, list[ManifestEntry]]
):
    src, entries = upstream
    dest = tmp_path / "raw"
    local = entries[0].target(dest)
    local.parent.mkdir(parents=True)
    local.write_bytes(b"my local edit\n")
    entries[0].target(src).write_bytes(b"corrupt upstream\n")
    result = fetch(dest, entries[:1])
    assert result.files[0].status is Status.MISMATCH
    assert local.read_bytes() == b"my local edit\n"


def test_good_download_repairs_mismatched_file_unless_told_not_to(
    tmp_path: Path, upstream: tuple[Path, list[ManifestEntry]]
):
    src, entries = upstream
    dest = tmp_path / "raw"
    local = entries[0].target(dest)
    local.parent.mkdir(parents=True)
    local.write_bytes(b"stale\n")
    kept = fetch(dest, entries[:1], replace_mismatched=False)
    assert kept.files[0].status is Status.MISMATCH
    assert local.read_bytes() == b"stale\n"
    repaired = fetch(dest, entries[:1])
    assert repaired.ok
    assert local.read_bytes() == entries[0].target(src).read_bytes()


def test_present_file_is_not_downloaded_again(
    tmp_path: Path, upstream: tuple[Path, list[ManifestEntry]]
):
    _, entries = upstream
    dest = tmp_path / "raw"
    assert fetch(dest, entries).ok

    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("should not download a verified file")

    again = fetch(dest, entries, opener=no_network)
    assert again.ok
    assert [f.action for f in again.files] == ["present"] * 3


@pytest.mark.parametrize("url", ["file:///nonexistent/tradewar/x.csv", "http://127.0.0.1:9/x.csv"])
def test_unreachable_url_is_reported_missing(tmp_path: Path, url: str):
    entry = _entry("owner__repo/data/x.csv", b"x\n", url)
    result = fetch(tmp_path / "raw", [entry], timeout=5)
    (status,) = result.files
    assert status.status is Status.MISSING
    assert status.action == "failed"
    assert url in status.message
    assert f"owner/repo@{COMMIT}:data/x.csv" in status.message
    assert str(entry.target(tmp_path / "raw")) in status.message
    assert result.exit_code == 2
    assert result.summary() == "1 files: 0 ok, 1 missing, 0 mismatch"
    assert not list((tmp_path / "raw").rglob("*.part"))


def test_oversized_download_is_rejected(tmp_path: Path):
    src = tmp_path / "big.bin"
    src.write_bytes(b"y" * 100)
    entry = _entry("owner__repo/big.bin", b"y" * 10, src.as_uri())
    (status,) = fetch(tmp_path / "raw", [entry]).files
    assert status.status is Status.MISMATCH
    assert "larger" in status.message
    assert not entry.target(tmp_path / "raw").exists()


def test_verify_reports_ok_missing_and_mismatch(
    tmp_path: Path, upstream: tuple[Path, list[ManifestEntry]]
):
    _, entries = upstream
    dest = tmp_path / "raw"
    fetch(dest, entries)
    entries[1].target(dest).unlink()
    entries[2].target(dest).write_bytes(b"tampered")
    ok, missing, mismatch = verify(dest, entries)
    assert ok.status is Status.OK
    assert missing.status is Status.MISSING
    assert entries[1].url is not None and entries[1].url in missing.message
    assert mismatch.status is Status.MISMATCH
    assert mismatch.expected_sha256 == entries[2].sha256
    assert mismatch.actual_sha256 == hashlib.sha256(b"tampered").hexdigest()
    assert mismatch.line().startswith("mismatch")
    assert FetchResult([ok, missing, mismatch]).exit_code == 2


# ----------------------------------------------------------------- derived (pyreadr)

RDATA_OBJECTS = {"df_list_34b": ["99038801", "28459000"], "df_list_16b": ["02032920"]}
CONVERTED = b"list_object,hs8\ndf_list_34b,99038801\ndf_list_34b,28459000\ndf_list_16b,02032920\n"


@pytest.fixture
def derived(tmp_path: Path) -> tuple[Path, list[ManifestEntry]]:
    """An .rdata stand-in served by file:// and a derived CSV entry made from it."""
    src = tmp_path / "upstream" / "tariff_list.rdata"
    src.parent.mkdir(parents=True)
    src.write_bytes(b"RDX3 stand-in")
    rdata = _entry("owner__repo/data/tariff_list.rdata", b"RDX3 stand-in", src.as_uri())
    csv_entry = _entry(
        "owner__repo/data/tariff_list_rdata_converted.csv",
        CONVERTED,
        None,
        derived_from=rdata.path,
        note="made locally with pyreadr",
    )
    return tmp_path / "raw", [csv_entry, rdata]


def test_derived_without_pyreadr_says_how_to_make_it(
    monkeypatch: pytest.MonkeyPatch, derived: tuple[Path, list[ManifestEntry]]
):
    dest, entries = derived
    monkeypatch.setitem(sys.modules, "pyreadr", None)  # makes `import pyreadr` fail
    result = fetch(dest, entries)
    csv_status, rdata_status = result.files  # reported in manifest order
    assert rdata_status.ok and rdata_status.action == "downloaded"
    assert csv_status.status is Status.MISSING
    assert "pyreadr" in csv_status.message
    assert "tariff_list.rdata" in csv_status.message
    assert result.exit_code == 2


def test_derived_is_converted_with_pyreadr(
    monkeypatch: pytest.MonkeyPatch, derived: tuple[Path, list[ManifestEntry]]
):
    pd = pytest.importorskip("pandas")
    dest, entries = derived
    fake = types.ModuleType("pyreadr")
    fake.read_r = lambda path: {  # type: ignore[attr-defined]
        name: pd.DataFrame({"trf": [True] * len(codes), "hs8": codes})
        for name, codes in RDATA_OBJECTS.items()
    }
    monkeypatch.setitem(sys.modules, "pyreadr", fake)
    result = fetch(dest, entries)
    assert result.ok, [f.message for f in result.files]
    assert result.files[0].action == "converted"
    assert entries[0].target(dest).read_bytes() == CONVERTED


def test_derived_waits_for_a_verified_source(
    monkeypatch: pytest.MonkeyPatch, derived: tuple[Path, list[ManifestEntry]]
):
    dest, entries = derived
    Path(entries[1].url.removeprefix("file://")).write_bytes(b"corrupt")  # type: ignore[union-attr]
    monkeypatch.setitem(sys.modules, "pyreadr", types.ModuleType("pyreadr"))
    csv_status, rdata_status = fetch(dest, entries).files
    assert rdata_status.status is Status.MISMATCH
    assert csv_status.status is Status.MISSING
    assert "tariff_list.rdata is not verified (mismatch)" in csv_status.message
    assert not entries[0].target(dest).exists()


# ----------------------------------------------------------------- make_manifest.py


def _make_manifest_module() -> types.ModuleType:
    path = Path(__file__).resolve().parents[1] / "scripts" / "make_manifest.py"
    spec = importlib.util.spec_from_file_location("make_manifest", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_make_manifest_resolves_commits_and_quotes_urls(tmp_path: Path):
    mm = _make_manifest_module()
    raw = tmp_path / "raw"
    files = {
        "alice__tools/data/a b.csv": b"1\n",
        "alice__tools/x.csv": b"2\n",
        "bob__misc/y.txt": b"3\n",
    }
    for rel, content in files.items():
        (raw / rel).parent.mkdir(parents=True, exist_ok=True)
        (raw / rel).write_bytes(content)
    (raw / "SOURCES.md").write_text(
        f"| alice__tools/data/a b.csv | tools @ {COMMIT[:8]}… |\n"
        f"| alice__tools/x.csv | alice/tools @ {COMMIT} |\n"
        "| bob__misc/y.txt | bob/misc @ 1234abcd |\n",
        encoding="utf-8",
    )
    manifest, warnings = mm.build_manifest(raw)
    by_path = {f["path"]: f for f in manifest["files"]}
    assert set(by_path) == set(files)
    a = by_path["alice__tools/data/a b.csv"]
    assert a["commit"] == COMMIT
    assert a["url"] == f"https://raw.githubusercontent.com/alice/tools/{COMMIT}/data/a%20b.csv"
    assert a["sha256"] == hashlib.sha256(b"1\n").hexdigest() and a["bytes"] == 2
    y = by_path["bob__misc/y.txt"]
    assert y["commit"] == "1234abcd" and "full commit is unknown" in y["note"]
    assert any("bob__misc/y.txt" in w for w in warnings)


def test_make_manifest_reproduces_committed_manifest():
    manifest = authored_dir() / "manifest.json"
    root = raw_dir()
    if not manifest.is_file() or not (root / "SOURCES.md").is_file():
        pytest.skip(f"needs {manifest} and {root / 'SOURCES.md'}")
    built, _ = _make_manifest_module().build_manifest(root)
    assert built == json.loads(manifest.read_text(encoding="utf-8"))


# ----------------------------------------------------------------- the real manifest


def test_committed_manifest_verifies_against_raw_dir():
    manifest = authored_dir() / "manifest.json"
    if not manifest.is_file():
        pytest.skip(f"no manifest at {manifest}")
    entries = load_manifest(manifest)
    assert entries, "manifest is empty"
    for entry in entries:
        assert entry.url is not None or entry.derived_from is not None
        if entry.url is not None:
            assert entry.url.startswith(f"https://raw.githubusercontent.com/{entry.repo}/")
    root = raw_dir()
    if not root.is_dir():
        pytest.skip(f"raw dir {root} does not exist")
    problems = [s.line() for s in verify(root, entries) if not s.ok]
    assert not problems, "\n".join(problems)
    listed = {e.path for e in entries}
    on_disk = {
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if p.is_file() and p.name != "SOURCES.md" and not p.name.startswith(".")
    }
    assert on_disk == listed
