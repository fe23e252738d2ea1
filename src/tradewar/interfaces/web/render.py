"""The JSON response: what ``tradewar ... --json`` prints, as an HTTP body."""

from __future__ import annotations

import json
import math
from typing import Any

from starlette.responses import JSONResponse


def finite(obj: Any) -> Any:
    """NaN and infinities become null (JSON has neither)."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: finite(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [finite(v) for v in obj]
    return obj


class JSON(JSONResponse):
    """``application/json`` rendered as the CLI renders ``--json`` (``default=str``)."""

    def render(self, content: Any) -> bytes:
        return json.dumps(
            finite(content), default=str, ensure_ascii=False, allow_nan=False,
            separators=(",", ":"),
        ).encode("utf-8")  # fmt: skip
