"""Modules loaded on first use, so that one command imports only what it runs.

``tradewar duty`` must answer in a blink: the commands of every capability are declared
up front, but a capability's modules (pandas, the policy engines, the news pipeline)
load only when a command touches them. ``lazy(name)`` finds nothing at import time (a
``LazyLoader`` would import a submodule's parent package to find it: ``tradewar.policy``
and pydantic, about 60 ms); the module is imported on the first attribute read.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any


class LazyModule:
    """Stands for the module ``name``; imports it on the first attribute read."""

    def __init__(self, name: str) -> None:
        self._name = name
        self._module: ModuleType | None = None

    def __getattr__(self, attr: str) -> Any:
        if self._module is None:
            self._module = importlib.import_module(self._name)
        return getattr(self._module, attr)


def lazy(name: str) -> Any:
    """The module ``name``, imported on its first attribute access."""
    return LazyModule(name)
