"""The Python facade: one function per capability, plain dicts and frames out.

The CLI, the tour report and the HTTP service call these functions only. All of them
read the store through the process's one ``Engine`` (``engine()``). Capabilities live
in submodules: ``core`` (build, duty, bulk, schedules, lists, re-exported here),
``series``, ``check``, ``policy``, ``news`` and ``refunds``.
"""

from __future__ import annotations

from .core import (
    build,
    bulk,
    check_bulk_input,
    duty,
    duty_frame,
    lists,
    lists_frame,
    schedule,
    schedule_frame,
)
from .engine import Engine, engine, pin, reload

__all__ = [
    "Engine", "build", "bulk", "check_bulk_input", "duty", "duty_frame", "engine", "lists",
    "lists_frame", "pin", "reload", "schedule", "schedule_frame",
]  # fmt: skip
