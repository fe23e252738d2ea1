"""Input and output guards shared by every interface (issue 15).

One place decides what a user may name as a file to read or write, and what counts as
a number: the CLI, the HTTP service and the bulk engines call these, so a rule holds
everywhere or nowhere. Every failure is an ``InputError`` (one line, exit 2).

* ``readable_file``: a regular file (never a FIFO, device or directory: reading one
  could hang or never end), under a size cap.
* ``check_output``: an output may not be an input or the store, and replaces an
  existing file or non-empty directory only when the user said ``--overwrite``.
* ``write_atomic``: write a sibling temporary file, then rename it into place.
* ``finite``: a number the user typed is finite (``inf``, ``1e309``, ``nan`` are not).
"""

from __future__ import annotations

import math
import os
import stat
import uuid
from collections.abc import Iterable
from pathlib import Path

from .errors import InputError

MAX_TEXT_BYTES = 50_000_000


def _resolved(path: Path) -> Path:
    try:
        return Path(path).expanduser().resolve()
    except (OSError, RuntimeError):  # a symlink loop
        return Path(os.path.abspath(path))


def readable_file(path: Path | str, what: str = "input", max_bytes: int | None = None) -> Path:
    """``path`` if it is a regular, readable file no larger than ``max_bytes``."""
    p = Path(path)
    try:
        info = p.stat()
    except FileNotFoundError:
        raise InputError(f"{what} {p} does not exist (no such file)") from None
    except OSError as exc:
        raise InputError(f"{what} {p}: cannot read ({exc.strerror or exc})") from None
    if stat.S_ISDIR(info.st_mode):
        raise InputError(f"{what} {p} is a directory: give a file")
    if not stat.S_ISREG(info.st_mode):
        raise InputError(f"{what} {p} is not a regular file (a pipe or device): give a file")
    if max_bytes is not None and info.st_size > max_bytes:
        raise InputError(f"{what} {p} is larger than {max_bytes // 1_000_000} MB")
    if not os.access(p, os.R_OK):
        raise InputError(f"{what} {p}: permission denied")
    return p


def read_text(path: Path | str, what: str = "input", max_bytes: int = MAX_TEXT_BYTES) -> str:
    """The UTF-8 text of a regular file (``readable_file``); bad bytes are an error."""
    p = readable_file(path, what, max_bytes)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise InputError(f"{what} {p}: cannot read ({exc.strerror or exc})") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{what} {p}: not UTF-8 text (byte {data[exc.start]:#04x} at offset {exc.start})"
        ) from None


def input_files(path: Path) -> list[Path]:
    """Every regular file a (file or directory) input names, resolved."""
    p = _resolved(path)
    if p.is_dir():
        return [f for f in p.rglob("*") if f.is_file()]
    return [p]


def check_output(
    output: Path | str,
    inputs: Iterable[Path | str] = (),
    overwrite: bool = False,
    what: str = "output",
) -> Path:
    """Refuse an ``output`` that is an input, the store, or holds data, unless allowed.

    Always refused: ``output`` equal to (or a directory holding) any input, or the store.
    Refused without ``overwrite``: an existing file or a non-empty directory.
    """
    from .config import home_dir, store_path

    out = Path(output)
    target = _resolved(out)
    protected = [_resolved(store_path())]
    for item in inputs:
        protected += input_files(Path(item)) if Path(item).exists() else [_resolved(Path(item))]
    for p in protected:
        if target == p or (out.is_dir() and p.is_relative_to(target)):
            raise InputError(f"{what} {out} is an input or the store: refusing to replace it")
    if target == _resolved(home_dir()):
        raise InputError(f"{what} {out} is the store's directory: refusing to replace it")
    if out.is_symlink() or out.is_file() or (out.exists() and not out.is_dir()):
        if not overwrite:
            raise InputError(f"{what} {out} exists: give --overwrite to replace it")
        if not (out.is_file() or out.is_symlink()):
            raise InputError(f"{what} {out} is not a regular file: refusing to replace it")
    elif out.is_dir() and any(out.iterdir()) and not overwrite:
        raise InputError(f"{what} {out} is a non-empty directory: give --overwrite to replace it")
    if not out.parent.is_dir():
        raise InputError(f"{what} directory {out.parent} does not exist")
    return out


def write_atomic(path: Path, data: str | bytes) -> Path:
    """Write ``data`` to a temporary sibling of ``path``, then rename it into place."""
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:12]}.tmp")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data.encode("utf-8") if isinstance(data, str) else data)
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise InputError(f"cannot write {path}: {exc.strerror or exc}") from None
    return path


def finite(value: float | None, name: str) -> float | None:
    """``value`` if it is a finite number (or None); ``inf`` and ``nan`` are errors."""
    if value is not None and not math.isfinite(value):
        raise InputError(f"{name} must be a finite number, got {value}")
    return value


def user_number(text: str | None, name: str) -> float | None:
    """The finite number ``text`` is (``formats.number``: the bulk engines' rule too)."""
    from .formats import number

    if text is None:
        return None
    value = number(text)
    if value is None:
        raise InputError(f"{name} {text!r} is not a finite number (digits, point, exponent)")
    return value


def writable_home(home: Path) -> Path:
    """``home`` exists or can be made, and is a writable directory (checked before work)."""
    try:
        home.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(
            f"cannot create the store directory {home} ({exc.strerror or exc}): "
            "set TRADEWAR_HOME to a writable directory"
        ) from None
    if not home.is_dir() or not os.access(home, os.W_OK | os.X_OK):
        raise InputError(
            f"the store directory {home} is not writable: set TRADEWAR_HOME to a writable directory"
        )
    return home
