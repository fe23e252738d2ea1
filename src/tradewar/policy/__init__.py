"""Commitments, enforcement rules, scenarios and the impact model (issue 4).

* ``commitments``: purchase commitments as cited records (``data/commitments``) and
  their attainment from the trade flows in the store;
* ``enforcement``: rules (a condition over commitments, schedules or dates, and an action
  that amends the schedule) evaluated over time;
* ``scenarios``: amendments of the authored measures, recompiled into layers and a panel
  in memory, compared with the baseline;
* ``impact``: the partial-equilibrium (Armington, WITS-SMART style) model per product line.

Every authored file here is YAML validated with pydantic; ``load_model`` turns a
validation error into one line that names the file and the line of the offending entry.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from ..data.yamlload import load_yaml_lines
from ..errors import InputError

M = TypeVar("M", bound=BaseModel)


class PolicyFileError(InputError):
    """An authored policy file (commitment, rule, scenario, parameters) is invalid."""


def load_model(model: type[M], path: Path, what: str) -> M:
    """Load ``path`` and validate it as ``model``; errors name the file and line."""
    return load_model_lines(model, path, what)[0]


def load_model_lines(model: type[M], path: Path, what: str) -> tuple[M, dict[tuple[Any, ...], int]]:
    """``load_model``, also returning the line of each entry (``load_yaml_lines``)."""
    path = Path(path)
    if not path.is_file():
        raise PolicyFileError(f"{path}: {what} not found")
    data, lines = load_yaml_lines(path)
    if not isinstance(data, dict):
        raise PolicyFileError(f"{path}:{lines.get((), 1)}: invalid {what}: not a mapping")
    try:
        return model.model_validate(data), lines
    except ValidationError as exc:
        raise PolicyFileError(format_errors(path, exc, lines, what)) from None


def format_errors(
    path: Path, exc: ValidationError, lines: dict[tuple[Any, ...], int], what: str
) -> str:
    """One line: ``FILE:LINE: invalid WHAT: field: message`` for the first error, and
    the line and field of the others."""
    parts = []
    for error in exc.errors():
        loc = tuple(error.get("loc", ()))
        line = line_of(loc, lines)
        field = ".".join(str(p) for p in loc) or "(document)"
        message = " ".join(str(error.get("msg", "invalid")).split())
        parts.append((line, f"{field}: {message}"))
    parts.sort(key=lambda p: p[0])
    first_line, first = parts[0]
    rest = "; ".join(f"line {ln}: {text}" for ln, text in parts[1:])
    return f"{path}:{first_line}: invalid {what}: {first}" + (f"; also {rest}" if rest else "")


def line_of(loc: tuple[Any, ...], lines: dict[tuple[Any, ...], int]) -> int:
    """The line of the deepest part of ``loc`` present in the file.

    Parts that are not in the file (a union member's tag, a missing field) are skipped,
    so a missing field points at its parent entry.
    """
    where: tuple[Any, ...] = ()
    for part in loc:
        for key in (part, str(part)):
            if (*where, key) in lines:
                where = (*where, key)
                break
    return lines.get(where, lines.get((), 1))
