"""Measure lists and rounds: heading, lines per code level, dated steps."""

from __future__ import annotations

import json
from typing import Any

import duckdb

from ..data.sources.us_programs import CARRIED
from .lookups import rows as _rows


def schedule_coverage(con: duckdb.DuckDBPyConnection, importer: str) -> dict[str, Any]:
    """The dates the importer's schedule covers: first day, last day, and the basis."""
    row = con.execute(
        "SELECT cov_from, cov_until - INTERVAL 1 DAY, basis FROM coverage WHERE importer = ?",
        [importer],
    ).fetchone()
    if row is None:
        return {}
    return {
        "from": row[0].isoformat(),
        "until": row[1].date().isoformat() if hasattr(row[1], "date") else row[1].isoformat(),
        "basis": row[2],
    }


def measure_lists(con: duckdb.DuckDBPyConnection, importer: str | None) -> list[dict[str, Any]]:
    """Each measure other than MFN, with its line counts and steps."""
    measures = _rows(
        con,
        """SELECT * FROM measures WHERE authority <> 'MFN'
             AND ($importer IS NULL OR importer = $importer)
           ORDER BY importer, authority, measure_id""",
        {"importer": importer},
    )
    counts = _rows(
        con,
        """SELECT measure_id, code_level, count(DISTINCT code) AS n FROM layers
           WHERE authority <> 'MFN' AND NOT coalesce(note = $carried, FALSE)
             AND NOT (source LIKE '%.json.gz' AND measure_id LIKE 'us.s301.list%')
           GROUP BY ALL""",
        {"carried": CARRIED},
    )
    rates = _rows(
        con,
        """SELECT measure_id, valid_from, rate, count(DISTINCT code) AS n FROM layers
           WHERE authority <> 'MFN' GROUP BY ALL ORDER BY rate""",
        {},
    )
    renumbered = dict(
        con.execute(
            """SELECT measure_id, count(DISTINCT code) FROM layers
               WHERE source LIKE '%.json.gz' AND measure_id LIKE 'us.s301.list%'
               GROUP BY ALL"""
        ).fetchall()
    )
    out = []
    covered = {i: schedule_coverage(con, i) for i in ("US", "CN")}
    for m in measures:
        lines = {
            f"level_{c['code_level']}": c["n"] for c in counts if c["measure_id"] == m["measure_id"]
        }
        steps = []
        for step in json.loads(m["steps"]):
            dist = {
                f"{r['rate']:g}" if r["rate"] is not None else "unknown": r["n"]
                for r in rates
                if r["measure_id"] == m["measure_id"]
                and r["valid_from"].isoformat() == step["from"]
            }
            rate = step["rate"]
            if rate is None:
                known = sorted(float(k) for k in dist if k != "unknown")
                rate = known[0] if len(known) == 1 else known
            steps.append({**step, "rate": rate, "rates": dist})
        out.append(
            {
                "importer": m["importer"],
                "origin": m["origin"],
                "authority": m["authority"],
                "measure_id": m["measure_id"],
                "name": m["name"],
                "heading": m["heading"],
                "lines": {**lines, "total": sum(lines.values())},
                "lines_renumbered": renumbered.get(m["measure_id"], 0),
                "published_lines": m["published_lines"],
                "announced_value_usd_bn": m["announced_value_usd_bn"],
                "steps": steps,
                "history": json.loads(m["history"]),
                "note": m["note"],
                "scope_note": m["scope_note"],
                "pending": [h for h in json.loads(m["history"]) if h.get("pending")],
                "coverage": covered.get(m["importer"], {}),
            }
        )
    return out
