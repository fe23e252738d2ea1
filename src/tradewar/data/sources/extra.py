"""Loaders of extra store tables beyond the schedule (trade flows, reference rates).

Each loader takes the raw directory and the validation report and returns a dict of
table name to DataFrame; the build writes every table as given. Add a loader by
appending it to ``EXTRA_LOADERS``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

from ..report import ValidationReport

ExtraLoader = Callable[[Path, ValidationReport], dict[str, pd.DataFrame]]

EXTRA_LOADERS: list[tuple[str, ExtraLoader]] = []
