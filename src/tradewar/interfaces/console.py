"""What the command modules print with: JSON on stdout, rich text and tables.

rich loads on the first text output (``out.print``, ``Table``), so a ``--json`` answer
never imports it (about 40 ms of the 0.3 s a ``tradewar duty`` may take, issue 14).
"""

from __future__ import annotations

import json
import math
from typing import Any


class LazyConsole:
    """A ``rich.console.Console`` made on first use (``stderr`` as for the Console)."""

    def __init__(self, stderr: bool = False) -> None:
        self._stderr = stderr
        self._console: Any = None

    @property
    def console(self) -> Any:
        """The Console itself (for ``rich.progress.Progress(console=...)``)."""
        if self._console is None:
            from rich.console import Console

            self._console = Console(stderr=self._stderr)
        return self._console

    def __getattr__(self, name: str) -> Any:
        return getattr(self.console, name)


out = LazyConsole()
err = LazyConsole(stderr=True)


def Table(*args: Any, **kwargs: Any) -> Any:  # stands for the class
    """A ``rich.table.Table`` (rich imported on first use)."""
    from rich.table import Table as RichTable

    return RichTable(*args, **kwargs)


def progress(label: str = "{task.description}") -> Any:
    """A transient ``rich.progress.Progress`` bar on stderr (rich imported here)."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(
        TextColumn(label), BarColumn(), TimeElapsedColumn(), console=err.console, transient=True
    )


def print_json(obj: Any) -> None:
    """Print ``obj`` as strict JSON: a non-finite number (never valid JSON) prints as null."""
    try:
        text = json.dumps(obj, indent=2, default=str, ensure_ascii=False, allow_nan=False)
    except ValueError:
        text = json.dumps(finite(obj), indent=2, default=str, ensure_ascii=False)
    print(text)


def finite(obj: Any) -> Any:
    """NaN and infinities become null (JSON has neither)."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: finite(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [finite(v) for v in obj]
    return obj


def pct(rate: float | None) -> str:
    """A rate (a fraction) as a percentage, 4 significant digits."""
    return "n/a" if rate is None else f"{rate * 100:.4g}%"
