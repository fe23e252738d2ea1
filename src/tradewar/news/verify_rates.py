"""Verdicts on tariff rates and rate changes against the panel (``panel_rates``).

Used where matching one measure of the schedule cannot decide (``verify.py`` tries
that first): the claimed rate is compared with every layer and total in force on the
importer's lines from the origin (a product named narrows the lines).

- ``tariff_rate``: in force on the claim's date (else the article's) ``supported``;
  announced in a measure's history, for a threat or plan, ``supported`` as announced;
  in force on the lines at another time ``partly``; never ``contradicted``.
- ``tariff_rate_change``: the new rate in force on the effective date and the old
  rate the day before ``supported``; the new rate in force but from another date
  ``partly``; never ``contradicted``. A change dated after the article is judged
  as of the article (the announced step) and as it turned out (the panel).
- Pairs other than US-China are not in the schedule: ``not_checkable``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from . import panel_rates as pr
from .schema import Claim, Evidence, Reading, Verdict
from .verify_dates import iso_day

TOLERANCE = "rates equal within 0.05 percentage points, layer, additional total or total"
SOURCE = "store table panel (every line's layers and totals by dated window)"


def _plan_evidence(m: Any, h: dict[str, Any]) -> Evidence:
    """The evidence of an announced (planned) step ``h`` of measure ``m``."""
    return Evidence(
        statistic=f"{m.id}: announced {h.get('announced')}",
        value={"rate": h.get("rate"), "planned_from": h.get("planned_from")},
        unit="fraction",
        source=m.source,
        citation=h.get("citation"),
        tolerance=TOLERANCE,
    )


def _pct(rate: float | None) -> str:
    return "?" if rate is None else f"{rate * 100:g}%"


def _pairs(claim: Claim) -> list[tuple[str, str]]:
    imp, org = claim.fields.get("importer"), claim.fields.get("origin")
    if imp and org:
        return [(imp, org)] if (imp, org) in pr.PAIRS else []
    if imp in ("US", "CN"):
        return [(imp, "CN" if imp == "US" else "US")]
    if org in ("US", "CN"):
        return [("CN" if org == "US" else "US", org)]
    if imp is None and org is None:
        return sorted(pr.PAIRS)
    return []


def _prefixes(claim: Claim) -> tuple[str, ...] | None:
    found = pr.product_in(str(claim.fields.get("product") or "")) or pr.product_in(
        claim.sentence.text if claim.sentence else claim.text
    )
    return found[1] if found else None


def _evidence(statistic: str, seen: list[pr.Seen], note: str | None = None) -> Evidence:
    return Evidence(
        statistic=statistic,
        value=[
            {"rate": s.rate, "what": s.what, "lines": s.lines, "example": s.example}
            for s in seen[:6]
        ],
        unit="fraction",
        source=SOURCE,
        tolerance=TOLERANCE,
        note=note,
    )


def _announced(
    rec: Any, importer: str, rate: float, by: dt.date | None, prefixes: Any = None
) -> list[Any]:
    """Measures of the importer whose history announces ``rate`` (by ``by``), on the
    product's lines when a product is named."""
    out = []
    for m in rec.measures:
        if m.raw["importer"] != importer:
            continue
        if prefixes and not pr.measure_on(rec.panel(), m.id, prefixes):
            continue
        hist = [
            h
            for h in m.history
            if any(abs(r - rate) <= pr.TOL for r in _rates(h.get("rate")))
            and (by is None or (iso_day(str(h.get("announced"))) or dt.date.max) <= by)
        ]
        if hist:
            out.append((m, hist[0]))
    return out


def _rates(value: Any) -> list[float]:
    if isinstance(value, list):
        return [float(v) for v in value if isinstance(v, int | float)]
    return [float(value)] if isinstance(value, int | float) else []


def _done(claim: Claim, verdict: Verdict, reason: str | None, ev: list[Evidence], **kw) -> Claim:
    return claim.model_copy(update={"verdict": verdict, "reason": reason, "evidence": ev, **kw})


def check_rate(claim: Claim, rec: Any, article_day: dt.date | None) -> Claim | None:
    """A rate level against the panel; None when the panel cannot say."""
    rate = claim.fields.get("rate")
    if not isinstance(rate, int | float):
        return None
    day = iso_day(claim.fields.get("effective_date")) or article_day
    pairs = _pairs(claim)
    if day is None or not pairs:
        return None
    prefixes = _prefixes(claim)
    con = rec.panel()
    for importer, origin in pairs:
        seen = pr.rates_on(con, importer, origin, day, prefixes)
        hit = pr.matching(seen, rate)
        what = f"{importer} duties on {origin} goods" + (" (product lines)" if prefixes else "")
        if hit:
            ev = [_evidence(f"{what} in force on {day}", hit)]
            summary = f"{_pct(rate)} in force on {day}: {pr.describe(hit, 2)}"
            return _done(
                claim,
                "supported",
                None,
                ev,
                as_of_article=Reading(verdict="supported", summary=summary, evidence=ev),
            )
    importer, origin = pairs[0]
    status = claim.fields.get("status")
    if status in ("threatened", "proposed", "announced", "postponed") or claim.fields.get(
        "rate_max"
    ):
        plans = _announced(rec, importer, float(rate), article_day, prefixes)
        if plans:
            m, h = plans[0]
            ev = [_plan_evidence(m, h)]
            return _done(claim, "supported", f"{_pct(rate)} as announced (a plan)", ev)
    when = pr.first_day(rec.panel(), importer, origin, float(rate), prefixes, near=day)
    seen = pr.rates_on(rec.panel(), importer, origin, day, prefixes)
    ev = [_evidence(f"{importer} duties on {origin} goods in force on {day}", seen)]
    if when is not None:
        return _done(
            claim, "partly", f"{_pct(rate)} applied on these lines from {when[0]}, not on {day}", ev
        )
    if not seen and not pr.lines_exist(con, importer, origin, prefixes):
        return None
    return _done(
        claim,
        "contradicted",
        f"no layer or total of {_pct(rate)} on these lines; in force on {day}: "
        f"{pr.describe(seen) or 'none'}",
        ev,
    )


def check_rate_change(claim: Claim, rec: Any, article_day: dt.date | None) -> Claim | None:
    """A rate change against the panel; None when the panel cannot say."""
    to = claim.fields.get("to_rate")
    frm = claim.fields.get("from_rate")
    change = claim.fields.get("change")
    pairs = _pairs(claim)
    if not pairs or (not isinstance(to, int | float) and not isinstance(change, int | float)):
        return None
    prefixes = _prefixes(claim)
    con = rec.panel()
    due = iso_day(claim.fields.get("effective_date"))
    status = claim.fields.get("status")
    for importer, origin in pairs:
        if not isinstance(to, int | float):
            got = _points(claim, con, importer, origin, due or article_day, prefixes)
            if got is not None:
                return got
            continue
        day = due or article_day
        if day is None:
            return None
        after = pr.rates_on(con, importer, origin, day, prefixes)
        hit = pr.matching(after, float(to))
        if not hit and due is None:  # undated: a change announced that took effect soon after
            when = pr.first_day(con, importer, origin, float(to), prefixes, after=day)
            if when and (when[0] - day).days <= 60:
                day = when[0]
                after = pr.rates_on(con, importer, origin, day, prefixes)
                hit = pr.matching(after, float(to))
        if not hit:
            continue
        ev = [_evidence(f"{importer} duties on {origin} goods in force on {day}", hit)]
        parts = []
        if isinstance(frm, int | float) and frm > 0:
            before = pr.rates_on(con, importer, origin, day - dt.timedelta(days=1), prefixes)
            ok = bool(pr.matching(before, float(frm)))
            parts.append(ok)
            ev.append(
                _evidence(
                    f"in force on {day - dt.timedelta(days=1)}",
                    pr.matching(before, float(frm)) or before,
                )
            )
        verdict: Verdict = "supported" if all(parts) else "partly"
        reason = None if verdict == "supported" else f"{_pct(frm)} was not in force before {day}"
        turned = Reading(verdict=verdict, summary=f"{_pct(to)} in force on {day}", evidence=ev)
        if due is not None and article_day is not None and due > article_day:
            plans = _announced(rec, importer, float(to), article_day, prefixes)
            as_of = Reading(
                verdict="supported" if plans else "not_checkable",
                summary=(
                    f"announced by {article_day}: {plans[0][0].id}"
                    if plans
                    else f"no step at {_pct(to)} announced by {article_day}"
                ),
            )
            return _done(claim, verdict, reason, ev, as_of_article=as_of, as_turned_out=turned)
        return _done(claim, verdict, reason, ev, as_turned_out=turned)
    importer, origin = pairs[0]
    if not isinstance(to, int | float):
        return None
    if status in ("threatened", "proposed", "announced", "postponed"):
        plans = _announced(rec, importer, float(to), article_day, prefixes)
        if plans:
            m, h = plans[0]
            ev = [_plan_evidence(m, h)]
            return _done(claim, "supported", f"{_pct(to)} as announced ({status})", ev)
    day = due or article_day
    when = pr.first_day(con, importer, origin, float(to), prefixes, near=day) if day else None
    if when is not None:
        ev = [
            Evidence(
                statistic=f"first day {_pct(to)} applied",
                value=str(when[0]),
                unit="date",
                source=SOURCE,
                tolerance=TOLERANCE,
            )
        ]
        if due is None and claim.fields.get("effective_year") == when[0].year:
            # "100% in 2024" (a proposal's table row): it took effect in the year stated
            return _done(claim, "supported", None, ev)
        what = f"on {due}" if due else "then"
        return _done(claim, "partly", f"{_pct(to)} applied from {when[0]}, not {what}", ev)
    if not pr.lines_exist(con, importer, origin, prefixes) or (due is None and not prefixes):
        return None  # an undated change on no named product: maybe a threat
    seen = pr.rates_on(con, importer, origin, day, prefixes) if day else []
    ev = [_evidence(f"{importer} duties on {origin} goods in force on {day}", seen)]
    return _done(claim, "contradicted", f"{_pct(to)} never applied on these lines", ev)


def _points(
    claim: Claim, con: Any, importer: str, origin: str, day: dt.date | None, prefixes: Any
) -> Claim | None:
    """'cut by 115 percentage points': a rate in force the day before minus one in force
    on the day equals the change."""
    change = claim.fields.get("change")
    if day is None or not isinstance(change, int | float):
        return None
    before = pr.rates_on(con, importer, origin, day - dt.timedelta(days=1), prefixes)
    after = pr.rates_on(con, importer, origin, day, prefixes)
    for b in before:
        for a in after:
            if b.what == a.what and abs((a.rate - b.rate) - change) <= pr.TOL:
                ev = [_evidence(f"{b.what} on {day - dt.timedelta(days=1)} and {day}", [b, a])]
                return _done(claim, "supported", None, ev)
    return None
