"""CLI command (issue 5), registered on the main app by import at the end of ``cli.py``."""

from __future__ import annotations
