"""Verdicts on dates and periods stated by the clause rules ("take effect on May 14",
"for 90 days", "postponed to March 2, 2019").

The date (or the end of the period: its start, stated or the article's date, plus the
days) is compared with the schedule's dated acts: a step of a measure starting that
day or the next, a step announced for that day in a measure's history (announced by
the article's date, or within a week after it: a Federal Register notice is often
published days after the announcement), a curated event starting or ending then.
Exact for stated dates; within 3 days for a period counted from an approximate
start. Supported when one is found; otherwise not checkable (comment deadlines,
hearings and other procedural dates are not in the data).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from .schema import Claim, Evidence

NOTICE_LAG = dt.timedelta(days=7)


def iso_day(value: Any) -> dt.date | None:
    """The ISO date at the start of a string, or None."""
    if not isinstance(value, str):
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


def _target(claim: Claim, article_day: dt.date | None) -> tuple[dt.date, int, str] | None:
    """(date, tolerance in days, how it was found)."""
    f = claim.fields
    day = iso_day(f.get("date"))
    if day is not None:
        return day, 0, f"the date stated ({f.get('date_text') or day})"
    days = f.get("duration_days")
    if not isinstance(days, int | float):
        return None
    start = iso_day(f.get("start_date"))
    if start is not None:
        return start + dt.timedelta(days=int(days)), 1, f"{start} + {int(days)} days"
    if article_day is None:
        return None
    return (
        article_day + dt.timedelta(days=int(days)),
        3,
        f"the article's date {article_day} + {int(days)} days (no start stated)",
    )


def check_date(claim: Claim, rec: Any, article_day: dt.date | None) -> Claim | None:
    """A deadline or period of the clause rules against the record; None if no date."""
    got = _target(claim, article_day)
    if got is None:
        return None
    day, pad, how = got
    importer = claim.fields.get("importer")
    lo, hi = day - dt.timedelta(days=pad), day + dt.timedelta(days=pad + 1)
    evidence: list[Evidence] = []
    for m in rec.measures:
        if importer in ("US", "CN") and m.raw["importer"] != importer:
            continue
        for st in m.steps:
            if lo <= st["_from"] <= hi:
                evidence.append(
                    Evidence(
                        statistic=f"{m.id}: step of {st['from']}",
                        value={"rate": st.get("rate"), "from": st["from"]},
                        unit="date",
                        source=m.source,
                        citation=st.get("citation"),
                        tolerance=f"within {pad} days" if pad else "exact (or the day after)",
                    )
                )
        for h in m.history:
            planned, announced = iso_day(h.get("planned_from")), iso_day(h.get("announced"))
            if planned is None or not lo <= planned <= hi:
                continue
            if article_day and announced and announced > article_day + NOTICE_LAG:
                continue
            evidence.append(
                Evidence(
                    statistic=f"{m.id}: step announced {h.get('announced')} for {planned}",
                    value={"rate": h.get("rate"), "planned_from": str(planned)},
                    unit="date",
                    source=f"{m.source}, history",
                    citation=h.get("citation"),
                    note=str(h.get("outcome") or "") or None,
                )
            )
    for e in rec.known_events():
        for key in ("date", "date_end"):
            d = iso_day(str(e.get(key) or ""))
            if d is not None and lo <= d <= hi:
                evidence.append(
                    Evidence(
                        statistic=f"curated event {e.get('id')} ({key})",
                        value=str(d),
                        unit="date",
                        source="data/news/events.yaml",
                        citation=e.get("citation"),
                    )
                )
    if not evidence:
        return claim.model_copy(
            update={
                "verdict": "not_checkable",
                "reason": f"{day} ({how}): no step, announced step or curated event then; "
                "procedural dates (comments, hearings) are not in the data",
            }
        )
    return claim.model_copy(
        update={
            "verdict": "supported",
            "reason": None,
            "evidence": [
                Evidence(
                    statistic="date checked",
                    value=str(day),
                    unit="date",
                    source="the claim",
                    note=how,
                ),
                *evidence[:5],
            ],
        }
    )
