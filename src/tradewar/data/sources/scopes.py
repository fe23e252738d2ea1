"""Product scopes written in measure files: codes and code ranges, expanded
against the product lines of the importer's nomenclature."""

from __future__ import annotations

import pandas as pd

from ...model.measures import Scope
from ..report import ValidationReport


def expand_scope(scope: Scope, lines: pd.DataFrame, source: str, report: ValidationReport):
    """Return a frame (code, condition, source) for a scope written in a measure file.

    Listed codes are kept at their own level. A range ``[lo, hi]`` becomes every
    distinct prefix of the known lines, at the length of its ends, that falls in it.
    Listed codes that match no known line are reported.
    """
    known = pd.Series(lines["code"].unique())
    rows: list[tuple[str, str | None]] = []
    for code in scope.codes:
        if not known.str.startswith(code).any():
            report.warn(source, None, code, "scope code matches no HTS line loaded")
        rows.append((code, scope.conditional.get(code)))
    for lo, hi in scope.ranges:
        if len(lo) != len(hi):
            report.reject(source, None, f"{lo}-{hi}", "range ends differ in length")
            continue
        prefixes = known[known.str.len() >= len(lo)].str[: len(lo)].drop_duplicates()
        inside = sorted(prefixes[(prefixes >= lo) & (prefixes <= hi)])
        if not inside:
            report.warn(source, None, f"{lo}-{hi}", "range matches no HTS line loaded")
        rows += [(code, scope.conditional.get(code)) for code in inside]
    frame = pd.DataFrame(rows, columns=["code", "condition"]).drop_duplicates("code")
    frame["source"] = source
    return frame
