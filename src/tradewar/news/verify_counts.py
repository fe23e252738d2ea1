"""Verdicts on counts of listed goods ("545 products", "1,333 tariff lines").

A count is compared with the number of lines each list or round published
(``published_lines`` of the measures in the schedule), among the measures of the
claim's importer known by the article's date. When the claim also names the list's
value ("the US$34 billion list"), the measure with that announced value is the one
compared; otherwise the nearest count. Within 5 % ``supported``, within 25 %
``partly``; further off ``contradicted`` only when the list is identified by its
value, else ``not_checkable`` (the count may be of something else: exclusions,
requests, product descriptions).

The curated announced lists of ``data/news/events.yaml`` (proposals such as the 1,333
lines of 2018-04-03, exclusion lists with their item counts) are compared the same way;
a count of excluded goods only with an exclusion list made public in the
``EXCLUSION_DAYS`` before the article, and exactly (the whole list or one of its parts).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from .schema import Claim, Evidence

SUPPORTED = 0.05
PARTLY = 0.25
TOLERANCE = f"within {SUPPORTED:.0%} supported, within {PARTLY:.0%} partly"
EXCLUSION_DAYS = 90


@dataclass(frozen=True)
class _Listed:
    """A list with a published count: a measure of the schedule or a curated list."""

    id: str
    name: str
    lines: int
    value_usd: float | None
    source: str
    citation: str | None


def _measure_lists(rec: Any, importer: Any, article_day: dt.date | None) -> list[_Listed]:
    return [
        _Listed(
            m.id,
            m.name,
            int(m.raw["published_lines"]),
            m.announced_usd,
            m.source,
            (m.first_step() or {}).get("citation"),
        )
        for m in rec.measures
        if m.raw.get("published_lines")
        and (importer is None or m.raw["importer"] == importer)
        and (article_day is None or m.known_on(article_day))
    ]


def _curated(e: dict[str, Any]) -> _Listed:
    bn = e.get("value_usd_bn")
    return _Listed(
        str(e["id"]),
        str(e.get("title")),
        int(e["items"]),
        None if bn is None else bn * 1e9,
        f"data/news/events.yaml ({e['id']}); {e.get('source')}",
        e.get("citation"),
    )


def _as_day(value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def curated_lists(
    rec: Any, article_day: dt.date | None, importer: str | None, origin: str | None
) -> list[dict[str, Any]]:
    """Curated announced lists (proposals, threats, exclusion lists: events with a value or
    an item count) of ``importer`` on ``origin``, made public by ``article_day`` and not
    yet superseded then."""
    out = []
    for e in rec.known_events():
        if e.get("value_usd_bn") is None and e.get("items") is None:
            continue
        if importer is not None and e.get("importer") not in (None, importer):
            continue
        if origin is not None and e.get("origin") not in (None, origin):
            continue
        public = _as_day(e.get("announced")) or _as_day(e.get("date"))
        if article_day is not None and (public is None or public > article_day):
            continue
        gone = _as_day(e.get("superseded"))
        if article_day is not None and gone is not None and gone <= article_day:
            continue  # replaced by a later act by the article's date
        out.append(e)
    return out


def _exclusion_count(
    claim: Claim, count: float, lists: list[dict[str, Any]], article_day: dt.date | None
) -> Claim:
    """A count of excluded goods against the exclusion lists made public shortly before."""
    recent = [
        e
        for e in lists
        if e.get("exclusion")
        and (
            article_day is None
            or (article_day - (_as_day(e.get("announced")) or _as_day(e["date"]))).days
            <= EXCLUSION_DAYS
        )
    ]
    for e in recent:
        counts = [e["items"], *e.get("item_parts", [])]
        if count in counts:
            lst = _curated(e)
            ev = Evidence(
                statistic=f"{lst.id}: items listed",
                value=counts,
                unit="items",
                source=lst.source,
                citation=lst.citation,
                tolerance="exact",
                note=f"claimed {count:,.0f}; {lst.name}",
            )
            done = {"verdict": "supported", "reason": None, "evidence": [ev]}
            return claim.model_copy(update=done)
    return claim.model_copy(
        update={
            "verdict": "not_checkable",
            "reason": "a count of excluded products matching no exclusion list in the record "
            "(the item counts of most exclusion lists are not in the data)",
        }
    )


def check_count(claim: Claim, rec: Any, article_day: dt.date | None) -> Claim | None:
    """A count of listed goods against the published line counts; None without a count."""
    count = claim.fields.get("count")
    if not isinstance(count, int | float) or count <= 0:
        return None
    importer = claim.fields.get("importer")
    curated = [
        e
        for e in curated_lists(rec, article_day, importer, claim.fields.get("origin"))
        if e.get("items")
    ]
    if claim.fields.get("action") == "exclusion":
        return _exclusion_count(claim, count, curated, article_day)
    options = _measure_lists(rec, importer, article_day)
    options += [_curated(e) for e in curated if not e.get("exclusion")]
    if not options:
        return None
    value = claim.fields.get("list_value_usd")
    named = [
        m
        for m in options
        if isinstance(value, int | float) and m.value_usd and abs(value / m.value_usd - 1) <= 0.1
    ]
    if not named and importer is None:
        return claim.model_copy(
            update={
                "verdict": "not_checkable",
                "reason": "a count of lines with neither the importer nor the list's value "
                "named: which list it counts is not known",
            }
        )
    pool = named or options
    best = min(pool, key=lambda m: abs(count / m.lines - 1))
    lines = best.lines
    dev = count / lines - 1
    ev = [
        Evidence(
            statistic=f"{best.id}: lines published",
            value=lines,
            unit="lines",
            source=best.source,
            citation=best.citation,
            tolerance=TOLERANCE,
            note=f"claimed {count:,.0f} ({dev:+.1%}); {best.name}",
        )
    ]
    if abs(dev) <= SUPPORTED:
        return claim.model_copy(update={"verdict": "supported", "reason": None, "evidence": ev})
    if abs(dev) <= PARTLY and named:
        reason = f"{count:,.0f} is {dev:+.0%} from the {lines:,} lines of {best.id}"
        return claim.model_copy(update={"verdict": "partly", "reason": reason, "evidence": ev})
    if named:
        reason = f"{count:,.0f} is not the {lines:,} lines the list published ({best.id})"
        return claim.model_copy(
            update={"verdict": "contradicted", "reason": reason, "evidence": ev}
        )
    return claim.model_copy(
        update={
            "verdict": "not_checkable",
            "reason": f"no list or round of {count:,.0f} lines; the nearest is {best.id} "
            f"({lines:,})",
            "evidence": ev,
        }
    )
