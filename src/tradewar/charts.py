"""Small helpers shared by the modules that draw charts with matplotlib."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .errors import InputError


def save_figure(fig: Any, target: Path, dpi: int = 160) -> Path:
    """Save ``fig`` to ``target`` in the format its suffix names; a user error if unwritable."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(target, format=target.suffix[1:].lower(), dpi=dpi)
    except OSError as exc:
        raise InputError(f"cannot write {target}: {exc.strerror}") from None
    return target
