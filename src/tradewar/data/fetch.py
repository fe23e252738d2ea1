"""Verify and download the raw source files listed in ``data/manifest.json``.

The manifest (made by ``scripts/make_manifest.py``) names every raw file with its
sha256, size, origin repository and commit, and a pinned ``raw.githubusercontent.com``
URL. It holds URLs and hashes only, never data.

Intended CLI behaviour of ``tradewar data fetch`` (wired by the CLI, not here):

* call :func:`fetch` on :func:`tradewar.config.raw_dir`, with a ``progress`` callback
  that drives a Rich progress bar for each download;
* print one line per file (:meth:`FileStatus.line`): ``ok``, ``missing`` or
  ``mismatch``, with what was done (already present, downloaded, converted) and, for
  a problem, what is missing and where to get it (URL and ``repo@commit:path``);
* end with one summary line (:meth:`FetchResult.summary`) and exit with
  :attr:`FetchResult.exit_code`: 0 if every file verified, 2 otherwise.

``tradewar data verify`` (if wired) does the same with :func:`verify` and no network.

Downloads go to a temporary file in the target's directory, are checked against the
manifest's sha256 and only then moved into place with :func:`os.replace`, so a failed
or corrupt download never leaves a partial file and never replaces an existing one.
Nothing here touches the network at import time.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import http.client
import json
import os
import re
import tempfile
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, BinaryIO, Literal

from tradewar.config import authored_dir
from tradewar.errors import InputError

MANIFEST_NAME = "manifest.json"
CHUNK_SIZE = 1 << 20
DEFAULT_TIMEOUT = 60.0

_SHA256 = re.compile(r"^[0-9a-f]{64}$")

Opener = Callable[..., Any]
"""Anything called like ``urllib.request.urlopen(url, timeout=...)`` returning a
readable, context-managed response."""

Progress = Callable[["ManifestEntry", int, int], None]
"""``progress(entry, bytes_done, bytes_total)``, called as a download advances."""

Action = Literal["checked", "present", "downloaded", "converted", "failed"]


@dataclass(frozen=True)
class ManifestEntry:
    """One raw file: where it lives under the raw dir, its hash and its origin."""

    path: str
    sha256: str
    bytes: int
    repo: str
    commit: str
    url: str | None
    derived_from: str | None = None
    note: str | None = None

    @property
    def path_in_repo(self) -> str:
        """The file's path inside its origin repository."""
        return self.path.split("/", 1)[1] if "/" in self.path else self.path

    @property
    def origin(self) -> str:
        """``owner/name@commit:path`` — where the file comes from."""
        return f"{self.repo}@{self.commit}:{self.path_in_repo}"

    def target(self, raw_dir: Path) -> Path:
        """The file's location under ``raw_dir``."""
        return Path(raw_dir).joinpath(*self.path.split("/"))


class Status(StrEnum):
    """The state of one raw file."""

    OK = "ok"
    MISSING = "missing"
    MISMATCH = "mismatch"


@dataclass
class FileStatus:
    """The outcome for one manifest entry.

    ``actual_sha256`` is the hash of the file on disk, or of the rejected download
    for a mismatch found while fetching; it is ``None`` when there is nothing to hash.
    """

    entry: ManifestEntry
    status: Status
    expected_sha256: str
    actual_sha256: str | None = None
    action: Action = "checked"
    message: str = ""

    @property
    def ok(self) -> bool:
        """True if the file is present and verified."""
        return self.status is Status.OK

    def line(self) -> str:
        """One human-readable line for the CLI."""
        text = f"{self.status.value:<8} {self.entry.path}"
        if self.ok and self.action in ("downloaded", "converted", "present"):
            text += f" ({'already present' if self.action == 'present' else self.action})"
        if self.message and not self.ok:
            text += f": {self.message}"
        return text


@dataclass
class FetchResult:
    """Per-file outcomes of :func:`fetch` (or :func:`verify`)."""

    files: list[FileStatus] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True if every file is present and verified."""
        return all(f.ok for f in self.files)

    @property
    def exit_code(self) -> int:
        """0 if every file verified, 2 otherwise."""
        return 0 if self.ok else 2

    @property
    def problems(self) -> list[FileStatus]:
        """The files that are missing or do not match."""
        return [f for f in self.files if not f.ok]

    def count(self, status: Status) -> int:
        """How many files have ``status``."""
        return sum(1 for f in self.files if f.status is status)

    def summary(self) -> str:
        """One summary line, e.g. ``54 files: 52 ok (3 downloaded), 1 missing, 1 mismatch``."""
        fetched = sum(1 for f in self.files if f.ok and f.action in ("downloaded", "converted"))
        text = f"{len(self.files)} files: {self.count(Status.OK)} ok"
        if fetched:
            text += f" ({fetched} fetched)"
        text += f", {self.count(Status.MISSING)} missing, {self.count(Status.MISMATCH)} mismatch"
        return text


# --------------------------------------------------------------------------- manifest


def default_manifest_path() -> Path:
    """``<authored dir>/manifest.json``."""
    return authored_dir() / MANIFEST_NAME


def _entry_from_json(raw: Any, where: str) -> ManifestEntry:
    if not isinstance(raw, dict):
        raise InputError(f"{where}: a manifest entry must be an object")
    try:
        entry = ManifestEntry(
            path=str(raw["path"]),
            sha256=str(raw["sha256"]).lower(),
            bytes=int(raw["bytes"]),
            repo=str(raw["repo"]),
            commit=str(raw["commit"]),
            url=None if raw.get("url") is None else str(raw["url"]),
            derived_from=None if raw.get("derived_from") is None else str(raw["derived_from"]),
            note=None if raw.get("note") is None else str(raw["note"]),
        )
    except KeyError as exc:
        raise InputError(f"{where}: manifest entry lacks field {exc.args[0]!r}") from None
    except (TypeError, ValueError) as exc:
        raise InputError(f"{where}: malformed manifest entry: {exc}") from None
    parts = entry.path.split("/")
    if entry.path.startswith("/") or "\\" in entry.path or any(p in ("", ".", "..") for p in parts):
        raise InputError(f"{where}: unsafe or malformed path {entry.path!r}")
    if not _SHA256.match(entry.sha256):
        raise InputError(f"{where}: {entry.path}: sha256 must be 64 hex digits")
    if entry.bytes < 0:
        raise InputError(f"{where}: {entry.path}: bytes must not be negative")
    if entry.url is None and entry.derived_from is None:
        raise InputError(f"{where}: {entry.path}: needs a url or derived_from")
    return entry


def load_manifest(path: Path | str | None = None) -> list[ManifestEntry]:
    """Read the manifest (default :func:`default_manifest_path`); raise InputError if bad."""
    manifest = Path(path) if path is not None else default_manifest_path()
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"manifest not found: {manifest}") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"cannot read manifest {manifest}: {exc}") from None
    files = data.get("files") if isinstance(data, dict) else data
    if not isinstance(files, list):
        raise InputError(f"{manifest}: expected a list of files under 'files'")
    entries = [_entry_from_json(item, f"{manifest} entry {i}") for i, item in enumerate(files)]
    seen: set[str] = set()
    for entry in entries:
        if entry.path in seen:
            raise InputError(f"{manifest}: duplicate path {entry.path}")
        seen.add(entry.path)
    return entries


# --------------------------------------------------------------------------- verify


def sha256_file(path: Path, chunk_size: int = CHUNK_SIZE) -> str:
    """The sha256 hex digest of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(chunk_size):
            digest.update(chunk)
    return digest.hexdigest()


def _where_to_get(entry: ManifestEntry, raw_dir: Path) -> str:
    target = entry.target(raw_dir)
    if entry.url is None:
        return (
            f"it is derived locally from {entry.derived_from} "
            f"(install pyreadr and rerun fetch to make it at {target})"
        )
    return f"download {entry.url} (from {entry.origin}) and save it as {target}"


def check_file(entry: ManifestEntry, raw_dir: Path) -> FileStatus:
    """Check one entry against the file under ``raw_dir``."""
    target = entry.target(raw_dir)
    if not target.is_file():
        return FileStatus(
            entry,
            Status.MISSING,
            entry.sha256,
            message=_where_to_get(entry, raw_dir),
        )
    try:
        actual = sha256_file(target)
    except OSError as exc:
        return FileStatus(
            entry,
            Status.MISSING,
            entry.sha256,
            message=f"unreadable ({exc}); {_where_to_get(entry, raw_dir)}",
        )
    if actual != entry.sha256:
        return FileStatus(
            entry,
            Status.MISMATCH,
            entry.sha256,
            actual,
            message=(
                f"sha256 {actual} but the manifest expects {entry.sha256}; "
                f"{_where_to_get(entry, raw_dir)}"
            ),
        )
    return FileStatus(entry, Status.OK, entry.sha256, actual)


def verify(raw_dir: Path | str, entries: Sequence[ManifestEntry] | None = None) -> list[FileStatus]:
    """Check every manifest entry against ``raw_dir``: ok, missing or mismatch."""
    root = Path(raw_dir)
    todo = load_manifest() if entries is None else entries
    return [check_file(entry, root) for entry in todo]


# --------------------------------------------------------------------------- fetch


def _temp_beside(target: Path) -> tuple[BinaryIO, Path]:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    return os.fdopen(fd, "wb"), Path(name)


def _download(
    entry: ManifestEntry,
    target: Path,
    opener: Opener,
    progress: Progress | None,
    timeout: float,
) -> tuple[bool, str, str]:
    """Download to a temp file, check it, and move it into place if it matches.

    Returns ``(matched, actual_sha256, message)``. Network errors propagate.
    """
    assert entry.url is not None
    out, tmp = _temp_beside(target)
    try:
        digest = hashlib.sha256()
        done = 0
        too_big = False
        with out, opener(entry.url, timeout=timeout) as response:
            if progress:
                progress(entry, 0, entry.bytes)
            while chunk := response.read(CHUNK_SIZE):
                done += len(chunk)
                if done > entry.bytes:
                    too_big = True
                    break
                digest.update(chunk)
                out.write(chunk)
                if progress:
                    progress(entry, done, entry.bytes)
        actual = digest.hexdigest()
        if too_big:
            return False, actual, f"download is larger than the expected {entry.bytes} bytes"
        if actual != entry.sha256:
            return False, actual, f"downloaded {done} bytes with sha256 {actual}"
        os.replace(tmp, target)
        return True, actual, ""
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def convert_rdata(source: Path, dest: Path) -> None:
    """Write the long ``list_object,hs8`` CSV of an R data file's objects (needs pyreadr).

    Reproduces ``tariff_list_rdata_converted.csv`` byte for byte: one row per ``hs8``
    value of each object, objects in file order, ``\\n`` line ends.
    """
    import pandas as pd
    import pyreadr

    objects = pyreadr.read_r(str(source))
    with open(dest, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["list_object", "hs8"])
        for name, frame in objects.items():
            for code in frame["hs8"]:
                writer.writerow([name, "" if pd.isna(code) else str(code)])


def _convert(entry: ManifestEntry, raw_dir: Path) -> tuple[bool, str, str]:
    """Make a derived entry in a temp file; move it into place if it matches."""
    assert entry.derived_from is not None
    source = Path(raw_dir).joinpath(*entry.derived_from.split("/"))
    target = entry.target(raw_dir)
    out, tmp = _temp_beside(target)
    out.close()
    try:
        convert_rdata(source, tmp)
        actual = sha256_file(tmp)
        if actual != entry.sha256:
            return False, actual, f"conversion gave sha256 {actual}"
        os.replace(tmp, target)
        return True, actual, ""
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def _pyreadr_available() -> bool:
    try:
        import pyreadr  # noqa: F401
    except ImportError:
        return False
    return True


def _fetch_derived(
    entry: ManifestEntry, root: Path, before: FileStatus, source_status: FileStatus | None
) -> FileStatus:
    """Convert a derived entry if its source verified (or, if unlisted, exists)."""
    assert entry.derived_from is not None
    source = root.joinpath(*entry.derived_from.split("/"))
    how = (
        f"it is made locally from {entry.derived_from}, not downloaded: install pyreadr "
        f"(pip install pyreadr) and rerun fetch, or convert it yourself into "
        f"{entry.target(root)} (columns list_object,hs8)"
    )

    def failed(message: str) -> FileStatus:
        return FileStatus(
            entry, before.status, entry.sha256, before.actual_sha256, "failed", message
        )

    if source_status is not None and not source_status.ok:
        return failed(
            f"its source {entry.derived_from} is not verified ({source_status.status.value}); "
            f"fetch that first; {how}"
        )
    if not source.is_file():
        return failed(f"its source {entry.derived_from} is missing; fetch that first; {how}")
    if not _pyreadr_available():
        return failed(how)
    try:
        matched, actual, why = _convert(entry, root)
    except Exception as exc:  # pyreadr raises its own error types for bad files
        error = f"{type(exc).__name__}: {exc}"
        return failed(f"converting {entry.derived_from} failed ({error}); {how}")
    if matched:
        return FileStatus(entry, Status.OK, entry.sha256, actual, "converted")
    return FileStatus(
        entry,
        Status.MISMATCH,
        entry.sha256,
        actual,
        "failed",
        f"{why}, expected {entry.sha256}; nothing was written; {how}",
    )


def fetch(
    raw_dir: Path | str,
    entries: Sequence[ManifestEntry] | None = None,
    opener: Opener = urllib.request.urlopen,
    progress: Progress | None = None,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    replace_mismatched: bool = True,
) -> FetchResult:
    """Download every entry that is not already present and verified into ``raw_dir``.

    Each download goes to a temp file beside its target, is checked against the
    manifest's sha256, and is moved into place with :func:`os.replace` only if it
    matches. A present file whose hash is wrong is replaced by a verified download
    unless ``replace_mismatched`` is false; a bad download never replaces anything.
    Network errors are caught per file and reported. Derived entries (no URL) are
    converted locally after their sources if the optional ``pyreadr`` is importable.
    """
    root = Path(raw_dir)
    todo = load_manifest() if entries is None else list(entries)
    ordered = sorted(todo, key=lambda e: e.url is None)  # derived files after sources
    index = {e.path: i for i, e in enumerate(todo)}
    results: dict[str, FileStatus] = {}
    for entry in ordered:
        before = check_file(entry, root)
        if before.ok:
            before.action = "present"
            results[entry.path] = before
        elif before.status is Status.MISMATCH and not replace_mismatched:
            before.action = "failed"
            results[entry.path] = before
        elif entry.url is None:
            source_status = results.get(entry.derived_from or "")
            results[entry.path] = _fetch_derived(entry, root, before, source_status)
        else:
            results[entry.path] = _fetch_one(entry, root, before, opener, progress, timeout)
    return FetchResult([results[p] for p in sorted(results, key=index.__getitem__)])


def _fetch_one(
    entry: ManifestEntry,
    root: Path,
    before: FileStatus,
    opener: Opener,
    progress: Progress | None,
    timeout: float,
) -> FileStatus:
    target = entry.target(root)
    kept = " The existing file was kept." if before.status is Status.MISMATCH else ""
    try:
        matched, actual, why = _download(entry, target, opener, progress, timeout)
    except (OSError, http.client.HTTPException, ValueError) as exc:
        # OSError covers URLError, HTTPError and timeouts; ValueError an unknown URL type.
        reason = getattr(exc, "reason", None) or exc
        return FileStatus(
            entry,
            before.status,
            entry.sha256,
            before.actual_sha256,
            "failed",
            (
                f"could not download {entry.url} ({type(exc).__name__}: {reason}); "
                f"get {entry.origin} and save it as {target}.{kept}"
            ),
        )
    if matched:
        return FileStatus(entry, Status.OK, entry.sha256, actual, "downloaded")
    return FileStatus(
        entry,
        Status.MISMATCH,
        entry.sha256,
        actual,
        "failed",
        (
            f"{why} from {entry.url}, expected {entry.sha256}; nothing was written "
            f"(source: {entry.origin}).{kept}"
        ),
    )
