"""Verdicts on counts of listed goods ("545 products", "1,333 tariff lines").

A count is compared with the number of lines each list or round published
(``published_lines`` of the measures in the schedule), among the measures of the
claim's importer known by the article's date. When the claim also names the list's
value ("the US$34 billion list"), the measure with that announced value is the one
compared; otherwise the nearest count. Within 5 % ``supported``, within 25 %
``partly``; further off ``contradicted`` only when the list is identified by its
value, else ``not_checkable`` (the count may be of something else: exclusions,
requests, product descriptions).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from .schema import Claim, Evidence

SUPPORTED = 0.05
PARTLY = 0.25
TOLERANCE = f"within {SUPPORTED:.0%} supported, within {PARTLY:.0%} partly"


def check_count(claim: Claim, rec: Any, article_day: dt.date | None) -> Claim | None:
    """A count of listed goods against the published line counts; None without a count."""
    count = claim.fields.get("count")
    if not isinstance(count, int | float) or count <= 0:
        return None
    importer = claim.fields.get("importer")
    options = [
        m
        for m in rec.measures
        if m.raw.get("published_lines")
        and (importer is None or m.raw["importer"] == importer)
        and (article_day is None or m.known_on(article_day))
    ]
    if claim.fields.get("action") == "exclusion":
        return claim.model_copy(
            update={
                "verdict": "not_checkable",
                "reason": "a count of excluded products: the exclusion lists' item counts are "
                "not in the data",
            }
        )
    if not options:
        return None
    value = claim.fields.get("list_value_usd")
    named = [
        m
        for m in options
        if isinstance(value, int | float)
        and m.announced_usd
        and abs(value / m.announced_usd - 1) <= 0.1
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
    best = min(pool, key=lambda m: abs(count / m.raw["published_lines"] - 1))
    lines = best.raw["published_lines"]
    dev = count / lines - 1
    ev = [
        Evidence(
            statistic=f"{best.id}: lines published",
            value=lines,
            unit="lines",
            source=best.source,
            citation=(best.first_step() or {}).get("citation"),
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
