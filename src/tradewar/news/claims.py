"""Checkable claims in an article: tariff rates and changes, goods values, trade-flow
changes, deadlines and purchase pledges.

Extraction is rule-based over spaCy sentences (so each claim has a sentence span and
a story), with amounts from :mod:`amounts` and dates from :mod:`dates`. Rules are
strict on purpose: a claim is emitted only when its defining parts are present (a
rate next to a tariff word, a money amount with the goods it covers, a percentage
change with a named flow, a pledge with an amount), so every claim is one an analyst
would want checked. Countries are ISO2 ('US', 'CN'); rates are fractions; values USD.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from . import amounts as _amounts
from . import clauses as _clauses
from . import dates as _dates
from .nlp import offset as _offset
from .nlp import span_text
from .nlp import story as _story
from .schema import Article, Claim, Span

if TYPE_CHECKING:
    from spacy.tokens import Doc

_TARIFF = re.compile(r"\b(tariffs?|duty|duties|levy|levies)\b", re.I)
_CHANGE_UP = (
    r"rise|rises|rising|rose|risen|raise|raised|raising|increase|increased|go up|hike|hiked|lift|"
    r"jump|climb"
)
_CHANGE_DOWN = r"cut|lower|lowered|reduce|reduced|fall|drop|halve"
_CHANGE_TO = re.compile(rf"\b(?:{_CHANGE_UP}|{_CHANGE_DOWN})\w*\b[^.;]{{0,40}}?\bto\s*$", re.I)
_CN = r"(?:Chinese|China['’]s|China)"
_US = r"(?:U\.S\.|US|American|America['’]s|United States['’]?)"
_GOODS = r"(?:goods|imports|products|exports|merchandise|items|shipments)"
_REFERENT = re.compile(
    rf"^\s*(?:worth\s+)?of\s+(?:(?:annual|yearly)\s+)?(?P<who>{_CN}|{_US})\s+(?P<what>(?:\w+\s){{0,2}}?{_GOODS})\b",
    re.I,
)
_FLOW = re.compile(
    rf"(?P<rep>{_CN}|{_US})\s+(?P<dir>imports|exports|purchases|sales|shipments)\s+"
    rf"(?P<prep>of|from|to)\s+(?:the\s+)?(?P<part>{_CN}|{_US})(?:\s+{_GOODS})?",
    re.I,
)
_PERIOD = re.compile(
    rf"\b(?:in|for|during)\s+(?P<when>{_dates._MONTH_RE}(?:\s+(?:19|20)\d\d)?|(?:19|20)\d\d)\b"
)
_YOY = re.compile(
    r"year[- ]on[- ]year|from a year (?:earlier|ago|before)|y/y|compared with (?:the same|a year)"
    r"|over the same (?:month|period) (?:a|last) year",
    re.I,
)
_MOM = re.compile(r"month[- ]on[- ]month|from the previous month|from (?:December|a month)", re.I)
_TRUCE = re.compile(r"\b(truce|ceasefire|cease-fire|pause|standstill)\b", re.I)
_DEADLINE_DATE = re.compile(
    rf"(?P<a>(?P<d1>{_dates._MONTH_RE}\s+\d{{1,2}})\s+deadline)"
    rf"|(?P<b>deadline\s+(?:of|on|for)\s+(?P<d2>{_dates._MONTH_RE}\s+\d{{1,2}}))"
    rf"|(?P<c>\b(?:had|has|have|given)\s+until\s+(?P<d3>{_dates._MONTH_RE}\s+\d{{1,2}})\s+to\b)",
)
_PURCHASE = re.compile(r"\b(purchas\w*|buy\w*|bought|import more)\b", re.I)
_PLEDGE = re.compile(
    r"\b(commit\w*|pledg\w*|promis\w*|offer\w*|agree\w*|will|would|vow\w*|propos\w*)\b", re.I
)
_SCOPE = re.compile(
    rf"{_US}\s+(?P<scope>goods and services|agricultural products|farm products|farm goods|"
    r"energy products|energy|goods|products|services|manufactured goods)",
    re.I,
)
_HORIZON = re.compile(
    r"\b(?:over|in|within|during)\s+(?:the\s+)?(?:next|coming|following)?\s*"
    r"(?P<n>\d+|two|three|four|five|six|several|few)\s+years\b"
    r"|\bby\s+(?:the\s+end\s+of\s+)?(?P<year>20\d\d)\b",
    re.I,
)


def _country(word: str | None) -> str | None:
    if not word:
        return None
    return "CN" if re.match(_CN, word, re.I) else "US" if re.match(_US, word, re.I) else None


def _other(code: str | None) -> str | None:
    return {"CN": "US", "US": "CN"}.get(code or "")


class _Sentence:
    """One sentence: its text, article offset, story and spaCy span."""

    def __init__(self, sent: Any, base: int, story: int) -> None:
        self.span = sent
        self.text: str = span_text(sent)
        self.start = base + sent.start_char
        self.end = self.start + len(self.text)
        self.story = story

    def claim(
        self,
        kind: str,
        s: int,
        e: int,
        fields: dict[str, Any],
        confidence: float,
    ) -> Claim:
        """A claim for the sentence-relative span [s, e)."""
        return Claim(
            kind=kind,  # type: ignore[arg-type]
            text=self.text[s:e],
            start=self.start + s,
            end=self.start + e,
            story=self.story,
            sentence=Span(text=self.text, start=self.start, end=self.end),
            fields=fields,
            confidence=round(confidence, 2),
        )


def _dates_in(sent: _Sentence) -> list[tuple[int, int, str]]:
    """Date expressions (relative offsets, text): DATE entities where the Doc has them,
    the date rules (``dates.find_dates``) and month-days."""
    found: dict[tuple[int, int], str] = {}
    for ent in sent.span.ents:
        if ent.label_ == "DATE":
            s = ent.start_char - sent.span.start_char
            found[(s, s + len(ent.text))] = ent.text
    for s, e, words in _dates.find_dates(sent.text):
        if not any(fs < e and s < fe for fs, fe in found):
            found[(s, e)] = words
    for m in _dates.MONTH_DAY_RE.finditer(sent.text):
        if not any(s <= m.start() < e for s, e in found):
            found[(m.start(), m.end())] = m.group(0)
    return sorted((s, e, t) for (s, e), t in found.items())


def _resolve(sent: _Sentence, s: int, e: int, text: str, ref: str | None) -> _dates.Resolved | None:
    before = sent.text[max(0, s - 50) : s]
    when = _dates.tense(before) or _dates.tense(sent.text)
    return _dates.resolve(text, ref, when)


def _period_value(r: _dates.Resolved | None) -> str | None:
    if r is None or r.date is None:
        return None
    if r.grain == "month":
        return r.date[:7]
    if r.grain == "year":
        return r.date[:4]
    return r.date


# --------------------------------------------------------------------------- tariffs


def _tariff_claims(sent: _Sentence, ref: str | None) -> list[Claim]:
    text = sent.text
    if not _TARIFF.search(text):
        return []
    percents = _amounts.find_percents(text)
    moneys = [m for m in _amounts.find_money(text) if m.value_usd]
    if not percents:
        return []
    out: list[Claim] = []
    # who: the goods named after a money amount, or "on Chinese goods"
    origin = importer = None
    scope = None
    referent = None
    for money in moneys:
        m = _REFERENT.match(text[money.end :])
        if m:
            origin = _country(m["who"])
            referent = f"{m['who']} {m['what']}"
            scope = (money, money.end + m.end())
            break
    if origin is None:
        m = re.search(rf"\b(?:on|against)\s+(?:all\s+)?(?P<who>{_CN}|{_US})\s+{_GOODS}", text, re.I)
        if m:
            origin = _country(m["who"])
    importer = _other(origin)
    if origin is None:  # the clause rules' reading of the sides (actor, destination, ...)
        importer, origin = _clauses.parties(text, text)
    dates = _dates_in(sent)
    # rate changes: "from X to Y", "to Y from X", "X percent ... rise to Y"
    frm = to = None
    m = re.search(
        r"\bfrom\s+(?P<a>[\d.]+)\s?(?:percent|%)\s+to\s+(?P<b>[\d.]+)\s?(?:percent|%)", text, re.I
    )
    m2 = re.search(
        r"\bto\s+(?P<b>[\d.]+)\s?(?:percent|%)\s+from\s+(?P<a>[\d.]+)\s?(?:percent|%)", text, re.I
    )
    if m or m2:
        mm = m or m2
        assert mm is not None
        frm = next(p for p in percents if p.start >= mm.start("a") - 1 and p.start <= mm.end("a"))
        to = next(p for p in percents if p.start >= mm.start("b") - 1 and p.start <= mm.end("b"))
    else:
        for p in percents:
            if _CHANGE_TO.search(text[max(0, p.start - 60) : p.start]):
                to = p
                earlier = [q for q in percents if q.end <= p.start]
                frm = earlier[-1] if earlier else None
                break
    if to is not None:
        parts = [to.start, to.end] + ([frm.start, frm.end] if frm else [])
        fields: dict[str, Any] = {
            "importer": importer,
            "origin": origin,
            "from_rate": frm.value if frm else None,
            "to_rate": to.value,
        }
        eff = next(((s, e, t) for s, e, t in dates if s >= to.end and s - to.end <= 12), None)
        if eff is None:  # "on March 2" before the rate: "from March 2, to 25 percent"
            eff = next(
                ((s, e, t) for s, e, t in dates if e <= to.start and to.start - e <= 25), None
            )
        fields["effective_date"] = None
        if eff:
            r = _resolve(sent, *eff, ref)
            fields["effective_date"] = r.date if r else None
            fields["effective_text"] = eff[2]
            fields["effective_basis"] = r.basis if r else "no article date to resolve it"
            parts += [eff[0], eff[1]]
        imposed = re.search(
            r"\bimposed\s+(?P<when>(?:in|on|since|last)\s+[^,;]{2,25}?)(?=\s+(?:on|of|against|and|is|was|,)|\s*$)",
            text,
        )
        if imposed:
            r = _dates.resolve(imposed["when"], ref, "past")
            fields["imposed_text"] = imposed["when"]
            fields["imposed_date"] = _period_value(r)
            parts += [imposed.start(), imposed.end()]
        if scope is not None:
            fields["scope_value_usd"] = scope[0].value_usd
            fields["scope_text"] = text[scope[0].start : scope[1]]
            parts += [scope[0].start, scope[1]]
        s, e = min(parts), max(parts)
        conf = 0.6 + 0.1 * (frm is not None) + 0.1 * (origin is not None) + 0.1 * bool(eff)
        out.append(sent.claim("tariff_rate_change", s, e, fields, conf))
    else:
        # a rate stated next to the tariff word: "a 25 percent tariff", "tariffs of 25%"
        for p in percents:
            after = text[p.end : p.end + 30]
            before = text[max(0, p.start - 25) : p.start]
            if re.match(
                r"\s*(?:additional\s+|punitive\s+|retaliatory\s+)?(?:tariffs?|duty|duties)\b",
                after,
                re.I,
            ) or re.search(
                r"\b(?:tariffs?|duty|duties)\s+(?:rate\s+)?of\s+(?:up to\s+)?$", before, re.I
            ):
                e = p.end + len(
                    re.match(r"\s*(?:\w+\s+)?(?:tariffs?|duty|duties)?", after).group(0)
                )  # type: ignore[union-attr]
                s = p.start
                fields = {"importer": importer, "origin": origin, "rate": p.value}
                if scope is not None:
                    fields["scope_value_usd"] = scope[0].value_usd
                    fields["scope_text"] = text[scope[0].start : scope[1]]
                    s, e = min(s, scope[0].start), max(e, scope[1])
                conf = 0.6 + 0.15 * (origin is not None) + 0.1 * (scope is not None)
                out.append(sent.claim("tariff_rate", s, e, fields, conf))
                break
    if scope is not None:
        money, end = scope
        fields = {
            "value_usd": money.value_usd,
            "importer": importer,
            "origin": origin,
            "referent": referent,
            "context": "tariffs",
        }
        out.append(sent.claim("goods_value_covered", money.start, end, fields, 0.8))
    return out


# --------------------------------------------------------------------------- flows


def _flow_claims(sent: _Sentence, ref: str | None) -> list[Claim]:
    text = sent.text
    m = _FLOW.search(text)
    if not m:
        return []
    rep, part = _country(m["rep"]), _country(m["part"])
    if rep is None or part is None or rep == part:
        return []
    direction = m["dir"].lower()
    if direction in ("imports", "purchases"):
        flow = (
            f"{'china' if rep == 'CN' else 'us'}_imports_from_{'us' if part == 'US' else 'china'}"
        )
    else:
        flow = f"{'china' if rep == 'CN' else 'us'}_exports_to_{'us' if part == 'US' else 'china'}"
    best = None
    for p in _amounts.find_percents(text):
        change = _amounts.signed_change(p, text)
        if change is not None and abs(p.start - m.start()) < 80:
            best = (p, change)
            break
    if best is None:
        return []
    p, change = best
    fields: dict[str, Any] = {
        "flow": flow,
        "reporter_basis": "china_customs" if rep == "CN" else "us_census",
        "change": change,
        "period": None,
    }
    parts = [p.start, p.end, m.start(), m.end()]
    per = _PERIOD.search(text, m.end())
    if per:
        r = _dates.resolve(per["when"], ref, "past")
        fields["period"] = _period_value(r)
        fields["period_text"] = per["when"]
        parts += [per.start(), per.end()]
    if _YOY.search(text):
        fields["comparison"], fields["comparison_stated"] = "yoy", True
    elif _MOM.search(text):
        fields["comparison"], fields["comparison_stated"] = "mom", True
    else:  # a monthly change in trade news is year on year unless said otherwise
        fields["comparison"], fields["comparison_stated"] = "yoy", False
    s, e = min(parts), max(parts)
    conf = 0.65 + 0.15 * (fields["period"] is not None) + 0.1 * fields["comparison_stated"]
    return [sent.claim("trade_flow_change", s, e, fields, conf)]


# --------------------------------------------------------------------------- deadlines


def _truce_starts(sentences: list[_Sentence], ref: str | None) -> list[tuple[str, str]]:
    """Start dates of a truce stated anywhere: "agreed to the trade truce on Dec. 1"."""
    out = []
    for sent in sentences:
        for m in _TRUCE.finditer(sent.text):
            window = sent.text[m.end() : m.end() + 30]
            d = re.match(
                rf"\s+(?:on|from|since|starting)\s+(?P<d>{_dates._MONTH_RE}\s+\d{{1,2}}(?:,\s+\d{{4}})?)",
                window,
            )
            if d:
                r = _dates.resolve(d["d"], ref, "past")
                if r and r.date:
                    out.append((r.date, d["d"]))
    return out


def _deadline_claims(
    sent: _Sentence, ref: str | None, truce_starts: list[tuple[str, str]]
) -> list[Claim]:
    text = sent.text
    out: list[Claim] = []
    for d in _amounts.find_durations(text):
        m = re.match(
            r"\s*(?:\w+\s+){0,2}?(?P<what>truce|ceasefire|cease-fire|pause|deadline|window|"
            r"negotiating period|reprieve)\b",
            text[d.end :],
            re.I,
        )
        if not m or d.unit not in ("day", "week", "month"):
            continue
        fields: dict[str, Any] = {
            "what": m["what"].lower(),
            "duration_days": d.days,
            "start_date": None,
            "date": None,
        }
        e = d.end + m.end()
        own = re.match(
            rf"[^.;]{{0,40}}?\b(?:on|from|since|starting)\s+(?P<d>{_dates._MONTH_RE}\s+\d{{1,2}})",
            text[e:],
        )
        if own:
            r = _dates.resolve(own["d"], ref, "past")
            start = (r.date, own["d"]) if r and r.date else None
            e += own.end()
        else:
            start = truce_starts[0] if truce_starts else None
        if start:
            fields["start_date"] = start[0]
            fields["start_text"] = start[1]
            fields["date"] = _dates.add_days(start[0], d.days)
        s = d.start - (2 if text[max(0, d.start - 2) : d.start] == "a " else 0)
        conf = 0.75 + 0.15 * (start is not None)
        out.append(sent.claim("deadline", s, e, fields, conf))
    for m in _DEADLINE_DATE.finditer(text):
        raw = m["d1"] or m["d2"] or m["d3"]
        r = _dates.resolve(raw, ref, "future")
        agreement = re.search(r"\b(agreement|deal|pact|talks|negotiat\w*|truce)\b", text, re.I)
        fields = {
            "what": "agreement" if agreement else "deadline",
            "date": r.date if r else None,
            "date_text": raw,
            "date_basis": r.basis if r else "no article date to resolve it",
        }
        grp = "a" if m["a"] else "b" if m["b"] else "c"
        s, e = m.start(grp), m.end(grp)
        if grp == "c":  # "had until March 1 to reach an agreement"
            tail = re.match(r"[^.;,]{0,60}", text[e:])
            e += tail.end() if tail else 0
        out.append(sent.claim("deadline", s, e, fields, 0.85 if r else 0.6))
    return out


# --------------------------------------------------------------------------- purchases


def _purchase_claims(sent: _Sentence, ref: str | None) -> list[Claim]:
    text = sent.text
    pm = _PURCHASE.search(text)
    if not pm or not _PLEDGE.search(text):
        return []
    moneys = [m for m in _amounts.find_money(text) if m.value_usd]
    money = next((m for m in moneys if abs(m.start - pm.start()) < 90), None)
    if money is None:
        return []
    scope_m = _SCOPE.search(text, max(0, pm.start() - 5))
    seller = "US" if scope_m else None
    head = text[: pm.start()]
    buyer = None
    if re.search(rf"\bby\s+{_CN}\b|{_CN}\b|\bBeijing\b", head):
        buyer = "CN"
    elif re.search(rf"\b{_US}\b|\bWashington\b", head):
        buyer = "US"
    if seller is None and buyer is not None:
        seller = _other(buyer)
    fields: dict[str, Any] = {
        "buyer": buyer,
        "seller": seller,
        "amount_usd": money.value_usd,
        "scope": scope_m["scope"].lower() if scope_m else None,
        "increase": bool(
            re.search(r"\bincreas\w*|additional|more\b", text[pm.start() - 30 : money.start], re.I)
        ),
        "horizon": None,
        "horizon_years": None,
    }
    parts = [pm.start(), money.end]
    if scope_m:
        parts += [scope_m.start(), scope_m.end()]
    hm = _HORIZON.search(text, money.end)
    if hm and hm.start() - money.end < 60:
        fields["horizon"] = hm.group(0)
        if hm["n"]:
            n = hm["n"].lower()
            fields["horizon_years"] = int(n) if n.isdigit() else _amounts.WORD_NUMBERS.get(n)
        elif hm["year"]:
            fields["horizon_end_year"] = int(hm["year"])
        parts.append(hm.end())
    # start at the verb phrase: "increase purchases", "buy"
    s = pm.start()
    lead = re.search(r"\b(increase|boost|raise|step up)\s+$", text[:s], re.I)
    if lead:
        s = lead.start()
    conf = 0.6 + 0.1 * (buyer is not None) + 0.1 * (scope_m is not None) + 0.1 * (hm is not None)
    return [sent.claim("purchase_commitment", min(s, *parts), max(parts), fields, conf)]


# --------------------------------------------------------------------------- main


def _sentences(docs: Iterable[Doc]) -> list[_Sentence]:
    return [_Sentence(sent, _offset(doc), _story(doc)) for doc in docs for sent in doc.sents]


_FAMILY = {"tariff_rate_change": "tariff", "tariff_rate": "tariff"}
_ADDED = (
    "value_usd", "status", "speaker", "quoted", "adjustment", "list", "product", "importer",
    "origin",
)  # fmt: skip
_PARTIES_KINDS = ("tariff_rate_change", "tariff_rate", "deadline", "goods_value_covered")


def _flow_context(
    claim: Claim,
    adjusted: bool,
    china_customs: bool,
    last: dict[int, Any],
    flows: dict[int, dict[str, Any]],
) -> None:
    """Fill a trade figure's context from the article: a release quoted as seasonally
    adjusted, China's customs as the source, the period of the story's previous figure."""
    f = claim.fields
    if adjusted:
        f.setdefault("release_adjusted", True)
    if china_customs and f.get("reporter") == "US" and f.get("partner") == "WORLD":
        f.update(reporter="CN", reporter_basis="china_customs", basis_from="the article")
    if not f.get("period") and last.get(claim.story):
        f["period"] = last[claim.story]
        f["period_text"] = "from an earlier sentence"
    prev = flows.get(claim.story)
    if prev and f.get("partner") == "WORLD" and prev.get("partner") not in (None, "WORLD"):
        sentence = claim.sentence.text if claim.sentence else claim.text
        if not re.search(r"\b(?:total|overall|world|global|all countries)\b", sentence, re.I):
            f["partner"] = prev["partner"]  # the story's partner, not named again
            f["partner_basis"] = "from an earlier sentence"


# a sentence that refers back to the previous one's measure ("Currently the tariff is
# 40%", "this date has now been postponed") and names no country of its own
_ANAPHOR = re.compile(
    r"\b(?:the|this|that|these|those|such)\s+(?:tariffs?|dut(?:y|ies)|rates?|levy|levies|"
    r"date|deadline|increase|list)\b",
    re.I,
)
_ANY_COUNTRY = re.compile(
    rf"{_CN}|{_US}|\b(?:Mexic|Canad|Europe|EU\b|Japan|Korea|India|Brazil|Taiwan|Brit|U\.?K\b|"
    r"mutual|reciprocal|both|global|all countries|trading partners)",
    re.I,
)


def _story_parties(claim: Claim, sentence: str, previous: str | None) -> None:
    """A rate, date or value in a sentence that names no country and refers back to the
    previous sentence's measure: that sentence's importer and origin, marked so."""
    f = claim.fields
    if claim.kind not in _PARTIES_KINDS or f.get("importer") or f.get("origin") or not previous:
        return
    if _ANY_COUNTRY.search(sentence) or not _ANAPHOR.search(sentence):
        return
    importer, origin = _clauses.parties(previous, previous)
    if importer and origin:
        f.update(importer=importer, origin=origin, parties_basis="from an earlier sentence")


def _table_context(claim: Claim, lead: str) -> None:
    """A table row's sides and status from the table's lead-in sentence and header
    ("The USTR is proposing the following increases ...", "| Proposed Tariff |")."""
    f = claim.fields
    if not f.get("importer") and not f.get("origin"):
        importer, origin = _clauses.parties(lead, lead)
        if importer and origin:
            f.update(importer=importer, origin=origin, parties_basis="from the table's lead-in")
    if not f.get("status") and (st := _clauses.status(lead, lead)):
        f["status"] = st


def _fuller(g: Claim, over: list[Claim]) -> bool:
    """Whether the clause reading ``g`` replaces the rule claims ``over``: a trade figure
    the rule found without a period, or a plain rate where the clause states a change."""
    if g.kind == "trade_flow_change":
        return all(c.kind == g.kind and not c.fields.get("period") for c in over)
    return g.kind == "tariff_rate_change" and all(c.kind == "tariff_rate" for c in over)


def _merge(rules: list[Claim], generic: list[Claim]) -> list[Claim]:
    """The specific rules' claims, plus each generic (per-quantity) claim that no rule
    claim of its family overlaps; a generic rate *change* replaces a rule's plain rate
    on the same words (the rule saw no change cue; the clause has one)."""
    out = list(rules)
    for g in generic:
        over = [
            c
            for c in out
            if any(c is r for r in rules)
            and _FAMILY.get(c.kind, c.kind) == _FAMILY.get(g.kind, g.kind)
            and c.start < g.end
            and g.start < c.end
        ]
        if not over:
            out.append(g)
            continue
        for c in over:  # the rule's claim keeps its fields; the clause reading adds to them
            for key in _ADDED:
                if key in g.fields and c.fields.get(key) is None:
                    c.fields[key] = g.fields[key]
        if _fuller(g, over):
            out = [c for c in out if c not in over] + [g]
    return out


def _key(claim: Claim) -> tuple[Any, ...]:
    sides = ("importer", "origin") if claim.kind == "deadline" else ()  # a date recapped
    keep = {
        k: v
        for k, v in claim.fields.items()
        if not k.endswith(("_text", "_basis")) and k not in sides
    }
    return (claim.kind, tuple(sorted((k, repr(v)) for k, v in keep.items())))


def extract_claims(article: Article, docs: Iterable[Doc]) -> list[Claim]:
    """Every checkable claim in ``docs`` (the article's parsed segments), in text order.

    Relative dates resolve against ``article.date``; without one, date fields are None
    and the claim's ``reason`` says so. A claim repeated with the same normalized
    fields (a caption or a recap) is kept once, at its first occurrence.
    """
    ref = article.date
    sentences = _sentences(docs)
    truce_starts = _truce_starts(sentences, ref)
    # a release quoted as seasonally adjusted anywhere in the article
    adjusted = bool(re.search(r"(?<!not )seasonally adjusted", article.text, re.I))
    # an article built on China's customs release, not on the US one
    china_customs = bool(
        re.search(r"\bcustoms\b|General Administration of Customs", article.text, re.I)
        and not re.search(r"Commerce Department|Census|Department of Commerce", article.text)
    )
    last_period: dict[int, Any] = {}
    last_flow: dict[int, dict[str, Any]] = {}
    claims: list[Claim] = []
    seen: set[tuple[Any, ...]] = set()
    previous: dict[int, str] = {}
    lead: dict[int, str] = {}  # the story's last prose sentence and table header
    for sent in sentences:
        found = (
            _tariff_claims(sent, ref)
            + _flow_claims(sent, ref)
            + _deadline_claims(sent, ref, truce_starts)
            + _purchase_claims(sent, ref)
        )
        generic = _clauses.sentence_claims(
            sent, ref, last_flow.get(sent.story)
        ) + _clauses.event_claims(sent, ref)
        for claim in _merge(found, generic):
            _clauses.annotate(claim, sent.text, claim.start - sent.start)
            _story_parties(claim, sent.text, previous.get(sent.story))
            if claim.fields.get("table_row"):
                _table_context(claim, lead.get(sent.story, ""))
            if claim.kind == "trade_flow_change" and "measure" in claim.fields:
                _flow_context(claim, adjusted, china_customs, last_period, last_flow)
                last_period[claim.story] = claim.fields.get("period")
                last_flow[claim.story] = claim.fields
            key = _key(claim)
            if key in seen:
                continue
            seen.add(key)
            if ref is None:
                claim.reason = "the article has no date: relative dates are not resolved"
            claims.append(claim)
        previous[sent.story] = sent.text  # the sentence just before, in its story
        if sent.text.count("|") < 2:  # prose: the lead-in of a table that may follow
            lead[sent.story] = sent.text
        elif not _amounts.find_percents(sent.text):  # a header row ("| Proposed Tariff |")
            lead[sent.story] = lead.get(sent.story, "") + " " + sent.text
    claims.sort(key=lambda c: (c.start, c.end))
    return claims
