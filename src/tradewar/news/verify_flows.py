"""Verdicts on trade figures: levels, changes and balances, with the basis named.

The data hold US Census goods trade with China and the world by month (exports, and
imports *for consumption*, not seasonally adjusted, 2013 to late 2020) and annual
totals reported by each side (UN Comtrade, 2013-2024). So:

- a seasonally adjusted figure, a goods-and-services or current-account total (the
  FT-900 release), or China's customs figure for a month are ``not_checkable``, with
  the reason and, where there is one, the nearest statistic the data hold;
- a level is compared within 3 % (``supported``) or 10 % (``partly``); a percentage
  change within 2 and 5 points; a change in dollars within 5 % and 15 %; a balance
  (deficit, surplus) is exports minus imports of the same reporter;
- year-to-date figures sum the months from January; "from a year earlier" is the
  same month a year before, "month on month" the month before.

The basis of the figure compared is named in the evidence: Census imports for
consumption (news quotes general imports; they differ by about 1-2 %), Comtrade
annual totals as each side reports them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from .schema import Claim, Evidence, Verdict

LEVEL = (0.03, 0.10)
CHANGE_PP = (0.02, 0.05)
CHANGE_USD = (0.05, 0.15)
TOLERANCE = (
    "level within 3% supported, 10% partly; change within 2 pp supported, 5 pp partly; "
    "change in dollars within 5% supported, 15% partly"
)


def _nc(claim: Claim, reason: str, ev: list[Evidence] | None = None) -> Claim:
    return claim.model_copy(
        update={"verdict": "not_checkable", "reason": reason, "evidence": ev or []}
    )


def _period(value: Any) -> tuple[dt.date, str] | None:
    if not isinstance(value, str):
        return None
    v = value.strip()
    try:
        if len(v) == 7:
            return dt.date(int(v[:4]), int(v[5:7]), 1), "month"
        if len(v) == 4:
            return dt.date(int(v), 1, 1), "year"
    except ValueError:
        return None
    return None


def _months(start: dt.date, n: int) -> list[dt.date]:
    out = []
    y, m = start.year, start.month
    for _ in range(n):
        out.append(dt.date(y, m, 1))
        m += 1
        if m > 12:
            y, m = y + 1, 1
    return out


def _value(
    rec: Any, reporter: str, partner: str, flow: str, months: list[dt.date], gran: str
) -> tuple[float, str] | None:
    """Sum of a flow over ``months`` (or one year), with the statistic; None if absent."""
    total, stat = 0.0, ""
    for start in months:
        got = rec.flow_value(reporter, partner, flow, start, gran)
        if got is None or got.get("value") is None:
            return None
        total += float(got["value"])
        stat = f"{got['statistic']} ({got['level']}, {got['source']})"
    return total, stat


def _series(rec: Any, fields: dict[str, Any], months: list[dt.date], gran: str):
    """The claimed statistic over ``months``: (value, statistic) or None."""
    reporter = fields.get("reporter") or "US"
    partner = fields.get("partner") or "CN"
    partner = "World" if partner == "WORLD" else partner
    measure = fields.get("measure")
    if measure == "balance":
        ex = _value(rec, reporter, partner, "export", months, gran)
        im = _value(rec, reporter, partner, "import", months, gran)
        if ex is None or im is None:
            return None
        return ex[0] - im[0], f"exports minus imports: {ex[1]}; {im[1]}"
    if measure in ("exports", "imports"):
        return _value(rec, reporter, partner, measure[:-1], months, gran)
    return None


def check_flow(claim: Claim, rec: Any, article_day: dt.date | None) -> Claim | None:
    """A trade figure stated by the clause rules; None to leave it to the older rule."""
    f = claim.fields
    if "measure" not in f:
        return None
    if f.get("adjustment") == "seasonally_adjusted":
        return _nc(claim, "a seasonally adjusted figure: the data are not seasonally adjusted")
    reporter, partner = f.get("reporter"), f.get("partner")
    if f.get("scope") == "goods_and_services" or (
        partner == "WORLD"
        and f.get("measure") in ("balance", "trade")
        and f.get("scope") != "goods"
    ):
        return _nc(
            claim,
            "a goods-and-services or world total (the FT-900 release): not in the data, "
            "which hold goods trade only",
        )
    per = _period(f.get("period"))
    if per is None:
        return _nc(claim, "no period stated (a month or a year) to compare with")
    start, gran = per
    if f.get("measure") not in ("exports", "imports", "balance"):
        return _nc(claim, "not a flow the data hold (exports, imports or their balance)")
    if f.get("share") is not None or f.get("quantity") is not None:
        return _nc(claim, "a share or a quantity: the data hold values only")
    if partner not in ("US", "CN", "WORLD"):
        return _nc(claim, f"trade with {partner}: the data hold US-China and US-world trade")
    if f.get("product_scope"):
        return _nc(claim, "the trade of a product group: the data's totals are not split to it")
    months = [start]
    if f.get("comparison") == "ytd":
        last = start.month if gran == "month" else None
        if last is None and article_day is not None and article_day.year == start.year:
            last = max(1, article_day.month - 2)  # the release lags about five weeks
        if last is None:
            return _nc(claim, "year to date, but through which month is not stated")
        months, gran = _months(dt.date(start.year, 1, 1), last), "month"
    if reporter == "CN" and gran == "month":
        return _nc(
            claim,
            "China's customs figure for a month: China's monthly statistics are "
            "not in the data (only annual totals)",
        )
    if gran == "year" and reporter == "US":  # Census months summed, else annual totals
        yearly = _months(start, 12)
        if _series(rec, f, yearly, "month") is not None:
            months, gran = yearly, "month"
    now = _series(rec, f, months, gran)
    if now is None:
        return _nc(
            claim,
            f"{reporter}-reported {f.get('measure')} with {partner} for "
            f"{f.get('period')} are not in the data",
        )
    comparison = f.get("comparison") or "yoy"
    if comparison == "mom" and gran == "month" and len(months) == 1:
        prev_months = _months(
            dt.date(start.year - (start.month == 1), (start.month - 2) % 12 + 1, 1), 1
        )
    else:
        prev_months = [dt.date(m.year - 1, m.month, 1) for m in months]
    before = _series(rec, f, prev_months, gran)
    parts: list[Verdict] = []
    notes: list[str] = []
    value, stat = now
    sign = -1 if f.get("measure") == "balance" and reporter == "US" else 1
    ev = [
        Evidence(
            statistic=f"{reporter}-reported {f['measure']} with {partner}, "
            f"{months[0]:%Y-%m}" + (f"..{months[-1]:%Y-%m}" if len(months) > 1 else ""),
            value=value,
            unit="USD",
            source=f"store table flows: {stat}",
            tolerance=TOLERANCE,
            note="Census imports are for consumption; news usually quotes general imports",
        )
    ]
    claimed = f.get("value_usd")
    if isinstance(claimed, int | float) and claimed:
        dev = abs(abs(claimed) / abs(value) - 1) if value else 1.0
        parts.append(_band(dev, LEVEL))
        notes.append(
            f"level {abs(value) / 1e9:,.1f}bn against the claimed "
            f"{abs(claimed) / 1e9:,.1f}bn ({dev:.1%} off)"
        )
    change = f.get("change")
    if isinstance(change, int | float) and before is not None and before[0]:
        actual = (value - before[0]) / abs(before[0]) * sign
        if f.get("measure") == "balance":
            actual = (abs(value) - abs(before[0])) / abs(before[0])
        parts.append(_band(abs(actual - change), CHANGE_PP))
        notes.append(f"change {actual:+.1%} against the claimed {change:+.1%}")
    change_usd = f.get("change_usd")
    if isinstance(change_usd, int | float) and before is not None:
        actual_usd = abs(value) - abs(before[0])
        dev = abs(abs(actual_usd) / abs(change_usd) - 1) if change_usd else 1.0
        parts.append(_band(dev, CHANGE_USD))
        notes.append(f"change {actual_usd / 1e9:+,.1f}bn against {change_usd / 1e9:+,.1f}bn")
    if not parts:
        return _nc(claim, "the claim states no level or change the data can compare", ev)
    verdict: Verdict = (
        "supported"
        if all(p == "supported" for p in parts)
        else "contradicted"
        if all(p == "contradicted" for p in parts)
        else "partly"
    )
    ev[0] = ev[0].model_copy(update={"note": "; ".join(notes) + "; " + (ev[0].note or "")})
    if verdict != "supported" and gran == "month" and len(months) == 1 and reporter == "US":
        return _nc(
            claim,
            "a monthly figure of the Census release, which states country and total figures "
            "seasonally adjusted (the article says so)"
            if f.get("release_adjusted")
            else "a monthly figure of the Census release, which states country and total "
            "figures seasonally adjusted; the data are not seasonally adjusted: "
            + "; ".join(notes),
            ev,
        )
    reason = None if verdict == "supported" else "; ".join(notes)
    return claim.model_copy(update={"verdict": verdict, "reason": reason, "evidence": ev})


def _band(dev: float, bounds: tuple[float, float]) -> Verdict:
    if dev <= bounds[0] + 1e-9:
        return "supported"
    return "partly" if dev <= bounds[1] + 1e-9 else "contradicted"
