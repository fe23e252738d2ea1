"""Verdicts on purchase pledges stated for one product category ("about $77 billion in
industrial goods", "$40-50 billion of farm products a year").

The category is the one the claim's words name (manufactured/industrial, farm or
agricultural, energy, services); its amount is compared with the category's increment
over the baseline in each commitment record, summed over the agreement's years or, for
a claim stated per year, with each year's. Within ``PLEDGE_MATCH`` ``supported``, within
``PLEDGE_PARTLY`` ``partly`` (a range counts by its nearer end); further off the claim is
left to the caller (it may be a figure of something else).
"""

from __future__ import annotations

import re
from typing import Any

from .schema import Claim, Evidence

PLEDGE_MATCH = 0.10
PLEDGE_PARTLY = 0.30
CATEGORY_WORDS = {
    "manufactured": re.compile(r"\b(?:manufactur\w*|industrial)\b", re.I),
    "agriculture": re.compile(r"\b(?:agricultur\w*|farm|food)\b", re.I),
    "energy": re.compile(r"\b(?:energy|LNG|oil|gas|coal)\b", re.I),
    "services": re.compile(r"\bservices\b", re.I),
}
_PER_YEAR = re.compile(r"\b(?:a|per|each|every)\s+year\b|\bannual(?:ly)?\b|\byearly\b", re.I)


def _named_category(claim: Claim) -> str | None:
    """The category named right after the claim ("$77 billion in industrial goods"), else
    the one its words name, else the one its sentence names."""
    sentence = claim.sentence.text if claim.sentence else ""
    after = sentence[claim.end - claim.sentence.start :][:40] if claim.sentence else ""
    own = f"{claim.fields.get('scope') or ''} {claim.text}"
    for words in (after, own, sentence):
        found = [cid for cid, rx in CATEGORY_WORDS.items() if rx.search(words)]
        if found:
            return found[0] if len(found) == 1 else None
    return None


def check_category(claim: Claim, catalog: dict[str, tuple[Any, Any]]) -> Claim | None:
    """The pledge against the named category's increments; None when no category is
    named or no record has it within ``PLEDGE_PARTLY``."""
    amount = claim.fields.get("amount_usd")
    if not isinstance(amount, int | float) or amount <= 0:
        return None
    cid = _named_category(claim)
    if cid is None:
        return None
    high = claim.fields.get("amount_usd_high")
    claimed = [amount] + ([high] if isinstance(high, int | float) else [])
    sentence = claim.sentence.text if claim.sentence else claim.text
    per_year = bool(_PER_YEAR.search(sentence))
    best: tuple[float, str, Any, Any, float, str] | None = None
    for key, (path, c) in catalog.items():
        for cat in getattr(c, "categories", []):
            if cat.id != cid or not cat.increments_usd_bn:
                continue
            targets = (
                [(v * 1e9, f"{y}") for y, v in cat.increments_usd_bn.items()]
                if per_year
                else [(sum(cat.increments_usd_bn.values()) * 1e9, "all years")]
            )
            for target, when in targets:
                dev = min(abs(x / target - 1) for x in claimed)
                if best is None or dev < best[0]:
                    best = (dev, key, path, cat, target, when)
    if best is None or best[0] > PLEDGE_PARTLY:
        return None
    dev, key, path, cat, target, when = best
    verdict = "supported" if dev <= PLEDGE_MATCH else "partly"
    ev = [
        Evidence(
            statistic=f"{key}: {cat.name} increment over the baseline ({when})",
            value=target,
            unit="USD",
            source=f"data/commitments/{path.name}",
            citation=" ".join((cat.citation or "").split()) or None,
            tolerance=f"within {PLEDGE_MATCH:.0%} supported, within {PLEDGE_PARTLY:.0%} partly",
            note=f"claimed {amount / 1e9:,.1f}bn ({dev:.0%} off)",
        )
    ]
    reason = (
        None
        if verdict == "supported"
        else f"{amount / 1e9:,.1f}bn is {dev:.0%} from the {cat.name.lower()} increment "
        f"({target / 1e9:,.1f}bn, {when})"
    )
    return claim.model_copy(update={"verdict": verdict, "reason": reason, "evidence": ev})
