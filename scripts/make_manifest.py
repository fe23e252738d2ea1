"""Regenerate data/manifest.json from a raw dir and its SOURCES.md.

Usage: python scripts/make_manifest.py [--raw DIR] [--out FILE] [--add PATH ...]

``tradewar data build`` checks every listed file's SHA-256 before reading it, so a raw
file a new loader reads must be listed: ``--add <owner>__<repo>/<path>`` adds (or
updates) just those entries and keeps the rest of the manifest as it is.

Every file under the raw dir except SOURCES.md (and hidden files such as fetch's
``.part`` temp files) gets an entry: path, sha256, bytes, repo, commit and a pinned
raw.githubusercontent.com URL. The directory ``<owner>__<repo>`` names the repository;
the rest of the path is the path inside it. The commit is the full 40-hex commit that
SOURCES.md states for that repository anywhere (rows often abbreviate it); when it
states none, the abbreviation or "HEAD" is kept and a note says so. Derived files
(made locally, not downloadable) are listed in ``DERIVED`` below.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any
from urllib.parse import quote

try:
    from tradewar.config import authored_dir, raw_dir
    from tradewar.data.fetch import MANIFEST_NAME, sha256_file
except ModuleNotFoundError:  # run from a checkout where tradewar is not installed
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    from tradewar.config import authored_dir, raw_dir
    from tradewar.data.fetch import MANIFEST_NAME, sha256_file

SOURCES = "SOURCES.md"
RAW_BASE = "https://raw.githubusercontent.com"

DERIVED: dict[str, tuple[str, str]] = {
    "mitsuoxv__us-tariffs-on-china/data/tariff_list_rdata_converted.csv": (
        "mitsuoxv__us-tariffs-on-china/data/tariff_list.rdata",
        "Made locally, not in any repository: the R objects of tariff_list.rdata "
        "(df_list_34b, df_list_16b, df_list_200b, df_list_300b_a, df_list_300b_c) read with "
        "pyreadr and written in long format with columns list_object,hs8. fetch cannot "
        "download it; it converts it after fetching the .rdata if pyreadr is installed.",
    ),
}

_REPO_AT = re.compile(r"([A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+) @ ([0-9a-f]{7,40}|HEAD)\b")
_NAME_AT = re.compile(r"(?<![/\w.-])([A-Za-z0-9_.-]+) @ ([0-9a-f]{7,40})\b")


def stated_commits(sources_text: str) -> dict[str, set[str]]:
    """Map ``owner/name`` to every commit (full, abbreviated or HEAD) SOURCES.md gives."""
    commits: dict[str, set[str]] = {}
    for repo, commit in _REPO_AT.findall(sources_text):
        commits.setdefault(repo, set()).add(commit)
    return commits


def resolve_commit(repo: str, commits: dict[str, set[str]], text: str) -> tuple[str, str | None]:
    """The full commit for ``repo``, or the stated abbreviation/HEAD with a note."""
    stated = set(commits.get(repo, set()))
    name = repo.split("/", 1)[1]
    stated |= {c for n, c in _NAME_AT.findall(text) if n == name}
    full = sorted(c for c in stated if len(c) == 40)
    if len(full) == 1:
        stray = sorted(c for c in stated if c != "HEAD" and not full[0].startswith(c))
        if stray:
            raise SystemExit(f"SOURCES.md: {repo} abbreviations {stray} do not match {full[0]}")
        return full[0], None
    if len(full) > 1:
        raise SystemExit(f"SOURCES.md gives several full commits for {repo}: {full}")
    if stated:
        short = sorted(stated, key=lambda c: (c == "HEAD", c))[0]
        return short, f"SOURCES.md gives only '{short}' for {repo}; the full commit is unknown."
    if "git show HEAD:" in text:
        return "HEAD", f"SOURCES.md gives no commit for {repo}; copied from HEAD."
    return "HEAD", f"SOURCES.md gives no commit for {repo}."


def build_manifest(raw: Path, only: list[str] | None = None) -> tuple[dict[str, Any], list[str]]:
    """The manifest for ``raw`` (or just the files ``only``) and a list of warnings."""
    text = (raw / SOURCES).read_text(encoding="utf-8")
    commits = stated_commits(text)
    warnings: list[str] = []
    files: list[dict[str, object]] = []
    paths = sorted(
        p
        for p in raw.rglob("*")
        if p.is_file()
        and p.relative_to(raw).as_posix() != SOURCES
        and not any(part.startswith(".") for part in p.relative_to(raw).parts)
    )
    if only is not None:
        missing = [p for p in only if not (raw / p).is_file()]
        if missing:
            raise SystemExit(f"not a file under {raw}: {', '.join(missing)}")
        paths = [raw / p for p in only]
    for path in paths:
        rel = path.relative_to(raw).as_posix()
        top, _, inner = rel.partition("/")
        if "__" not in top or not inner:
            raise SystemExit(f"{rel}: expected <owner>__<repo>/<path in repo>")
        owner, repo_name = top.split("__", 1)
        repo = f"{owner}/{repo_name}"
        if path.name not in text:
            warnings.append(f"{rel}: file name not mentioned in {SOURCES}")
        commit, note = resolve_commit(repo, commits, text)
        if note:
            warnings.append(f"{rel}: {note}")
        entry: dict[str, object] = {
            "path": rel,
            "sha256": sha256_file(path),
            "bytes": path.stat().st_size,
            "repo": repo,
            "commit": commit,
        }
        if rel in DERIVED:
            source, derived_note = DERIVED[rel]
            if not (raw / source).is_file():
                raise SystemExit(f"{rel}: derived from {source}, which is not in {raw}")
            entry["url"] = None
            entry["derived_from"] = source
            note = derived_note if note is None else f"{derived_note} {note}"
        else:
            entry["url"] = f"{RAW_BASE}/{owner}/{repo_name}/{commit}/{quote(inner, safe='/')}"
        if note:
            entry["note"] = note
        files.append(entry)
    for rel in DERIVED if only is None else ():
        if not (raw / rel).is_file():
            warnings.append(f"{rel}: listed as derived but not in {raw}")
    manifest = {
        "description": (
            "Raw source files of tradewar: where each comes from (repository, commit, "
            "pinned URL) and its sha256. Regenerate with scripts/make_manifest.py."
        ),
        "version": 1,
        "files": files,
    }
    return manifest, warnings


def main(argv: list[str] | None = None) -> int:
    """Write the manifest and print warnings to stderr."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--raw", type=Path, default=raw_dir(), help="raw dir (default: %(default)s)"
    )
    parser.add_argument(
        "--out", type=Path, default=authored_dir() / MANIFEST_NAME, help="output (%(default)s)"
    )
    parser.add_argument(
        "--add", nargs="+", metavar="PATH", help="add or update only these raw-relative files"
    )
    args = parser.parse_args(argv)
    manifest, warnings = build_manifest(args.raw, args.add)
    if args.add:
        old = json.loads(args.out.read_text(encoding="utf-8"))
        new = {e["path"]: e for e in manifest["files"]}
        kept = [e for e in old["files"] if e["path"] not in new]
        old["files"] = sorted([*kept, *new.values()], key=lambda e: Path(e["path"]))
        manifest = old
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(f"wrote {len(manifest['files'])} entries to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
