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

from .flows import load_flows  # noqa: E402

EXTRA_LOADERS.append(("trade flows (PIIE, Census, UN Comtrade)", load_flows))

from .us_2024 import load_us_2024  # noqa: E402

EXTRA_LOADERS.append(("US 2024 rates on China, 2018-2020 to 2024 code map", load_us_2024))
