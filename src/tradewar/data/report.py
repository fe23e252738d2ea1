"""The build's validation report: rows read, rows rejected with reasons, checks."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Issue:
    """One problem found in a source: where it is and what is wrong."""

    source: str
    row: int | None
    value: str
    reason: str
    severity: str = "rejected"  # rejected | warning | difference


@dataclass
class Check:
    """A cross-check against a published or independent figure."""

    name: str
    expected: Any
    observed: Any
    ok: bool
    note: str = ""


@dataclass
class ValidationReport:
    """Collects what every loader read, rejected and cross-checked."""

    rows_read: dict[str, int] = field(default_factory=dict)
    rows_kept: dict[str, int] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)

    def read(self, source: str, rows: int, kept: int | None = None) -> None:
        """Record how many rows a source had and how many were kept."""
        self.rows_read[source] = self.rows_read.get(source, 0) + rows
        self.rows_kept[source] = self.rows_kept.get(source, 0) + (rows if kept is None else kept)

    def reject(self, source: str, row: int | None, value: Any, reason: str) -> None:
        """A row that was not loaded."""
        self.issues.append(Issue(source, row, _text(value), reason, "rejected"))

    def warn(self, source: str, row: int | None, value: Any, reason: str) -> None:
        """A row that was loaded but needs attention (an unknown kept as unknown)."""
        self.issues.append(Issue(source, row, _text(value), reason, "warning"))

    def difference(self, source: str, value: Any, reason: str) -> None:
        """A difference between two sources found by a cross-check."""
        self.issues.append(Issue(source, None, _text(value), reason, "difference"))

    def check(self, name: str, expected: Any, observed: Any, ok: bool, note: str = "") -> None:
        """Record a cross-check result."""
        self.checks.append(Check(name, expected, observed, bool(ok), note))

    def issue_rows(self) -> list[dict[str, Any]]:
        """Issues as plain dicts (for the store and JSON)."""
        return [asdict(i) for i in self.issues]

    def check_rows(self) -> list[dict[str, Any]]:
        """Checks as plain dicts with JSON-safe values."""
        return [
            {**asdict(c), "expected": _text(c.expected), "observed": _text(c.observed)}
            for c in self.checks
        ]


def _text(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 200 else text[:197] + "..."
