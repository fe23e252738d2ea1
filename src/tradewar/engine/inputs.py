"""Name the bulk input exactly: literal paths, explicit globs, one format, dated columns.

Both engines expand glob characters in the paths they read (DuckDB ``[1]``, Hadoop
``{a,b}``), so a literal ``ship[1].csv`` would read ``ship1.csv``. ``bulk_input`` hands
them a path with no special characters instead: the input itself when it has none,
else a private directory of symbolic links to exactly the named regular files. An
explicit pattern (``glob=True``) is expanded here, in Python, the same way for both.

It also refuses, before any engine runs (one line, exit 2): a missing input, a pipe or
device (reading one can hang), a directory or pattern mixing CSV and Parquet, and a
Parquet ``entered``/``exported`` column that is a timestamp with a time zone (its date
depends on a zone; tradewar never uses the host's; give dates).
"""

from __future__ import annotations

import glob as globbing
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError
from ..guards import readable_file

SUFFIXES = (".csv", ".txt", ".parquet")
_SPECIAL = set("*?[]{}\\,")
DATE_COLUMNS = ("entered", "exported")


@dataclass(frozen=True)
class BulkInput:
    """What the engines read (``path``) and the user's files it stands for."""

    path: Path
    files: list[Path]


def _data_entries(root: Path) -> list[Path]:
    """Entries under ``root`` with a data suffix, hidden and ``_`` parts skipped."""
    return sorted(
        p
        for p in root.rglob("*")
        if p.suffix.lower() in SUFFIXES
        and not any(part.startswith((".", "_")) for part in p.relative_to(root).parts)
    )


def _one_format(files: list[Path], what: str) -> None:
    kinds = {"parquet" if f.suffix.lower() == ".parquet" else "csv" for f in files}
    if len(kinds) > 1:
        raise InputError(f"{what} mixes CSV and Parquet files: give one format")


def _check_types(files: list[Path]) -> None:
    """A zoned timestamp in a date column is refused (see the module's note)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    for f in files:
        if f.suffix.lower() != ".parquet":
            continue
        try:
            schema = pq.read_schema(f)
        except (OSError, pa.ArrowException):
            continue  # unreadable: the engine says so in its own words
        for name in DATE_COLUMNS:
            index = schema.get_field_index(name)
            if index < 0:
                continue
            kind = schema.field(index).type
            if pa.types.is_timestamp(kind) and kind.tz is not None:
                raise InputError(
                    f"input {f}: column {name} is a timestamp with time zone {kind.tz}: its "
                    "date depends on a zone; give dates (DATE or text YYYY-MM-DD)"
                )


def _link(files: list[Path], root: Path, base: Path | None, tmp: Path) -> Path:
    """A directory (or file) under ``tmp`` of links to ``files`` (relative to ``base``)."""
    if base is None:
        if len(files) == 1 and root.is_file():
            link = tmp / f"input{files[0].suffix.lower()}"
            link.symlink_to(files[0].resolve())
            return link
        for i, f in enumerate(files):
            (tmp / "input").mkdir(exist_ok=True)
            (tmp / "input" / f"part-{i:05d}{f.suffix.lower()}").symlink_to(f.resolve())
        return tmp / "input"
    for f in files:
        target = tmp / "input" / f.relative_to(base)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.symlink_to(f.resolve())
    return tmp / "input"


@contextmanager
def bulk_input(path: Path, glob: bool = False) -> Iterator[BulkInput]:
    """The input to read for ``path`` (a literal file or directory, or with ``glob`` a
    pattern), checked; private links live until the block ends."""
    if glob:
        names = sorted(globbing.glob(str(path), recursive=True))
        files = [Path(n) for n in names if Path(n).suffix.lower() in SUFFIXES]
        if not files:
            raise InputError(f"--glob {path}: no .csv or .parquet file matches")
        root, base = path, None
    elif path.is_dir():
        files, root, base = _data_entries(path), path, path
        if not files:
            raise InputError(f"input directory {path} holds no .csv or .parquet files")
    else:
        files, root, base = [readable_file(path)], path, None
    for f in files:
        readable_file(f)
    _one_format(files, f"input {path}")
    _check_types(files)
    plain = not glob and not (_SPECIAL & set(str(path.resolve())))
    if plain:
        yield BulkInput(path, files)
        return
    tmp = Path(tempfile.mkdtemp(prefix="tradewar-input-"))
    try:
        yield BulkInput(_link(files, root, base, tmp), files)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


__all__ = ["BulkInput", "bulk_input"]
