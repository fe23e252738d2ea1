"""Claims from every quantity in a sentence: the kind and fields come from its clause.

Every money amount (any currency), percentage (ranges, shared units, percentage
points), count of products, lines or tons, duration and date is a candidate. Its
*clause* (the stretch of the sentence between clause breaks: ";", dashes, ", while",
", which", " but ", ...) decides the kind, by the words it holds:

- a rate next to a tariff word is a ``tariff_rate``, or a ``tariff_rate_change`` when the
  clause says it changes ("from 10% to 25%", "raise ... to", "additional", "extra",
  "will be subject to", "percentage points");
- money or a count with the goods a tariff or list covers ("on $50 billion of Chinese
  goods", "a $60 billion list", "545 products") is ``goods_value_covered``;
- a figure with exports, imports, a deficit or a surplus is a ``trade_flow_change``;
- money, tons or aircraft a party agrees or commits to buy is a ``purchase_commitment``;
- a date or duration with a deadline or start word ("take effect", "due", "by",
  "until", "for 90 days", "hearing", "comments") is a ``deadline``.

A quantity whose clause has none of these cues is not a claim (stock indices, GDP,
an exchange rate, page furniture). Fields come from the clause and then the
sentence: importer and origin ("on Chinese goods", "China will impose"), the list or
round, rates before and after, the effective date, the flow, its reporter, period
and comparison, and ``status`` (``threatened``, ``proposed``, ``announced``,
``postponed``) for hypotheticals, plans and negations. A quantity inside quoted
speech carries ``speaker`` (and ``quoted``). Countries are ISO2; rates fractions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Protocol

from . import amounts as _amounts
from . import dates as _dates
from . import panel_rates as _panel_rates
from .schema import Claim

# --------------------------------------------------------------------------- lexicon

_CN = r"(?:Chinese|China['’]?s?|Beijing|PRC)"
_US = r"(?:U\.S\.A?\.?|US|USA|American|America['’]?s?|United States['’]?|Washington)"
_COUNTRY_WORDS = {
    "CN": re.compile(rf"\b{_CN}(?![\w.])", re.I),
    "US": re.compile(rf"(?<![\w.]){_US}(?![\w])", re.I),
}
_OTHER = {
    "MX": r"Mexic\w*",
    "CA": r"Canad\w*",
    "EU": r"(?:European Union|EU|Europe\w*)",
    "GB": r"(?:United Kingdom|UK|U\.K\.|Britain|British)",
    "JP": r"(?:Japan\w*)",
    "KR": r"(?:South Korea\w*|Korea\w*)",
    "IN": r"(?:India\w*)",
    "BR": r"(?:Brazil\w*)",
    "TW": r"(?:Taiwan\w*)",
}
_OTHER_RE = {k: re.compile(rf"\b{v}\b") for k, v in _OTHER.items()}
_OTHER_ANY = re.compile(r"\b(?:" + "|".join(_OTHER.values()) + r")\b")
TARIFF = re.compile(
    r"\b(?:tariffs?|duty|duties|levy|levies|surcharges?|(?:import|border|punitive|retaliatory)"
    r"\s+tax(?:es)?|tax(?:es)?\s+(?:hike|rate)s?|countermeasures?|ad valorem)\b",
    re.I,
)
_TAX = re.compile(r"\btax(?:es|ed|ing)?\b", re.I)
CHANGE = re.compile(
    r"\b(?:rais\w*|increas\w*|hik\w*|lift\w*|boost\w*|doubl\w*|lower\w*|cut|cuts|cutting|"
    r"reduc\w*|slash\w*|halv\w*|drop\w*|go(?:es)? up|rise|rises|rising|rose|additional|"
    r"extra|new|fresh|retaliat\w*|will face|subject to|add|adds|added|adding|"
    r"will (?:impose|levy|slap|put)|"
    r"take effect|go into effect|went into effect|took effect|from \S+ to|suspend\w*|"
    r"cancel\w*|remov\w*|eliminat\w*|lift(?:ed|ing)? )",
    re.I,
)
FLOW = re.compile(
    r"\b(?:exports?|exported|imports?|imported|deficits?|surplus(?:es)?|trade (?:gap|balance)|"
    r"shipments?|shipped|sent to|sells?|sold|buys? abroad|what (?:it|America|the U\.?S\.?) "
    r"(?:sells|buys)|trade (?:goods|worth|between)|bilateral trade|purchased \d|"
    r"imported)\b",
    re.I,
)
PURCHASE = re.compile(r"\b(?:purchas\w*|buy\w*|bought|procure\w*)\b", re.I)
PLEDGE = re.compile(
    r"\b(?:commit\w*|pledg\w*|promis\w*|agree\w*|agreement|deal|vow\w*|target\w*|goal|"
    r"phase one|will|would|to buy|to purchase|offer\w*)\b",
    re.I,
)
COVER = re.compile(
    r"\b(?:list|lists|tranche|round|worth|covering|covers?|cover|target\w*|hit\w*|affect\w*|"
    r"goods|imports|products|exports|merchandise|items|exempt\w*|exclu\w*|tax)\b",
    re.I,
)
LIST = re.compile(
    r"\b(?P<list>List\s*(?:[1-4][AB]?|One|Two|Three|Four)|Tranche\s*\d|"
    r"(?:first|second|third|fourth)\s+(?:tranche|round|batch|list))\b",
    re.I,
)
DEADLINE = re.compile(
    r"\b(?:deadline|due|by|until|till|through|expires?|expir\w*|take effect|takes effect|"
    r"took effect|go into effect|goes into effect|went into effect|come into effect|"
    r"effective|starting|beginning|from|as of|hearing|comments?|filed|apply|applies|"
    r"extend\w*|postpon\w*|delay\w*|suspen\w*|paus\w*|truce|cease-?fire|window|period|"
    r"scheduled|slated|set to|in force|implement\w*|run|last)\b",
    re.I,
)
NOT_CLAIM = re.compile(
    r"\b(?:Dow|S&P|Nasdaq|FTSE|Nikkei|Hang Seng|Shanghai Composite|index|indices|stocks?|"
    r"shares|points?\b(?! of)|GDP|growth|inflation|unemployment|poll\w*|survey\w*|"
    r"approval|odds|probability|chance|yield|interest rates?|per dollar|exchange rate)\b",
    re.I,
)  # whole words: "down" is not the Dow
THREAT = re.compile(
    r"\b(?:threat\w*|could|would|might|may|if|unless|without|consider\w*|warn\w*|"
    r"possibl\w*|potential\w*|mull\w*|weigh\w*)\b",
    re.I,
)
PROPOSED = re.compile(r"\b(?:propos\w*|draft|comment\w*|plan\w*)\b", re.I)
PLANNED = re.compile(
    r"\b(?:will|shall|set to|due to|scheduled|slated|to take effect|announc\w*|plans? to|"
    r"is to|are to|going to)\b",
    re.I,
)
POSTPONED = re.compile(r"\b(?:postpon\w*|delay\w*|suspend\w*|pause\w*|put off)\b", re.I)
NEGATED = re.compile(r"\b(?:not|no|never|won['’]t|didn['’]t|wouldn['’]t)\b", re.I)
_BREAK = re.compile(
    r";|\s[—–]\s|\s--\s|,\s(?=(?:while|whereas|which|but|although|though|after|as|with|"
    r"and\s+(?:the|its|it|a|an|China|Beijing|the\s+U)|according)\b)"
    r"|\s(?=(?:while|whereas|but)\s)|\s(?=and\s+(?:is|are|was|were|has|have)\s)",
    re.I,
)
_SPEAKER_AFTER = re.compile(
    r"[,”\"’]\s*(?:said|says|tweeted|wrote|told\s+\w+)\s+(?P<who>(?:[A-Z][\w.’'-]+\s?){1,4})"
    r"|[,”\"’]\s*(?P<who2>(?:[A-Z][\w.’'-]+\s?){1,4})\s+(?:said|says|tweeted|wrote)\b"
)
_SPEAKER_BEFORE = re.compile(
    r"(?P<who>(?:President\s+)?(?:[A-Z][\w.’'-]+\s?){1,3})\s+(?:said|says|tweeted|wrote|told)\b"
)
# the period of a trade figure ("in October", "for March 2020"); "from March 2019" and
# "compared with" name the base of a change, not its period
_PERIOD = re.compile(
    rf"\b(?:in|for|during|of|on)\s+(?P<when>(?:the\s+)?(?:{_dates._MONTH_RE})(?:\s+(?:19|20)\d\d)?"
    r"|(?:19|20)\d\d)\b|\b(?P<rel>last year|this year|last month|so far this year|"
    r"year[- ]to[- ]date|the year before|a year earlier)\b",
)
_YOY = re.compile(
    r"year[- ]on[- ]year|year[- ]over[- ]year|on[- ]year|from a year (?:earlier|ago|before)|"
    r"y/y|compared with (?:the same|a year)|over the same (?:month|period) (?:a|last) year|"
    r"from the year before|from \w+ (?:19|20)\d\d",
    re.I,
)
_MOM = re.compile(
    r"month[- ]on[- ]month|from the previous month|\(revised\)|from \w+ \(revised\)", re.I
)
_YTD = re.compile(r"so far (?:this year|in (?:19|20)\d\d)|year[- ]to[- ]date|through \w+", re.I)


class Sentence(Protocol):
    """What the rules read of a sentence (``claims._Sentence``)."""

    text: str
    start: int
    end: int

    def claim(
        self, kind: str, s: int, e: int, fields: dict[str, Any], confidence: float
    ) -> Claim: ...


@dataclass(frozen=True)
class Anchor:
    """One quantity in a sentence (offsets relative to the sentence)."""

    kind: str  # 'money', 'percent', 'count', 'duration', 'date'
    start: int
    end: int
    value: Any
    extra: Any = None


# --------------------------------------------------------------------------- finding


def anchors(text: str) -> list[Anchor]:
    """Every quantity in ``text``: money, percentages, counts, durations and dates."""
    out = [
        Anchor("money", m.start, m.end, m.value_usd, m)
        for m in _amounts.find_money(text)
        if m.currency == "USD"
    ]
    out += [Anchor("percent", p.start, p.end, p.value, p) for p in _amounts.find_percents(text)]
    taken = [(a.start, a.end) for a in out]
    out += [
        Anchor("count", c.start, c.end, c.value, c)
        for c in _amounts.find_counts(text)
        if not any(s <= c.start < e for s, e in taken)
    ]
    out += [
        Anchor("duration", d.start, d.end, d.days, d)
        for d in _amounts.find_durations(text)
        if not any(s <= d.start < e for s, e in taken)
    ]
    out += [Anchor("date", s, e, t) for s, e, t in _dates.find_dates(text)]
    return sorted(out, key=lambda a: (a.start, a.end))


def clause_bounds(text: str, pos: int) -> tuple[int, int]:
    """The clause of ``text`` around ``pos`` (between clause breaks)."""
    start, end = 0, len(text)
    for m in _BREAK.finditer(text):
        if m.end() <= pos:
            start = m.end()
        elif m.start() >= pos:
            end = m.start()
            break
    return start, end


# --------------------------------------------------------------------------- fields


def _country_near(text: str, pos: int) -> str | None:
    """The country word nearest before ``pos`` (else after)."""
    best: tuple[int, str] | None = None
    for code, rx in _COUNTRY_WORDS.items():
        for m in rx.finditer(text):
            d = pos - m.end() if m.end() <= pos else m.start() - pos + 1000
            if best is None or d < best[0]:
                best = (d, code)
    return best[1] if best else None


def _other(code: str | None) -> str | None:
    return {"CN": "US", "US": "CN"}.get(code or "")


_GOODS = r"(?:goods|imports|products|exports|merchandise|items|shipments|steel|aluminum|cars|autos)"
_ORIGIN_RES = [
    re.compile(rf"\b(?:on|of|against|to)\s+(?:all\s+|most\s+|some\s+|key\s+)?(?P<c>{_CN}|{_US})"
               rf"(?:[- ](?:made|origin|grown|sourced))?\s+(?:\w+\s+){{0,2}}?{_GOODS}", re.I),
    re.compile(rf"\b(?P<c>{_CN}|{_US})(?:[- ](?:made|origin|grown|sourced))?\s+(?:\w+\s+){{0,2}}?"
               rf"{_GOODS}", re.I),
    re.compile(rf"\b(?:imports?|{_GOODS})\s+(?:\w+\s+){{0,3}}?(?:from|of)\s+(?:the\s+)?"
               rf"(?P<c>{_CN}|{_US})", re.I),
]  # fmt: skip
# "exports to China", "shipments to the U.S.": the country named is the importer
_DEST_RE = re.compile(rf"\b(?:exports?|shipments?|sales)\s+(?:\w+\s+){{0,2}}?to\s+(?:the\s+)?"
                      rf"(?P<c>{_CN}|{_US})", re.I)  # fmt: skip
_ACTOR_RE = re.compile(
    rf"(?P<c>{_CN}|{_US}|Trump|Xi|USTR|Lighthizer|Mnuchin|Bessent|Commerce Ministry|"
    r"Ministry of Commerce|MOFCOM|State Council|Tariff Commission|White House|"
    r"Trump administration)\b[^.;]{0,60}?\b(?:will|would|could|has|have|had|is|was|plans?|"
    r"announc\w*|impos\w*|rais\w*|retaliat\w*|slap\w*|levi\w*|cut|lower\w*|reduc\w*|"
    r"increas\w*|put|hit|agreed|said|vow\w*|threat\w*|listed|issued|released|added|"
    r"target\w*|fir\w*|respond\w*)",
    re.I,
)
# "negotiations with China", "a deal between": the country is the counterpart, not the actor
_COUNTERPART = re.compile(r"\b(?:with|against|between|from|and|versus)\s+(?:the\s+)?$", re.I)
# a third country as the one that imposes: "Mexico also has a punitive tariff on ..."
_OTHER_IMPOSES = {
    k: re.compile(rf"\b{v}\b[^.;]{{0,40}}?\b(?:has|have|had|impos\w*|rais\w*|slap\w*|levi\w*|"
                  r"put|retaliat\w*|increas\w*|hik\w*)\b[^.;]{0,40}?\b(?:tariffs?|dut(?:y|ies))\s+on\s+"
                  rf"(?:\w+\s+)?{_US}")
    for k, v in _OTHER.items()
}  # fmt: skip
_ACTOR_CODE = {
    "trump": "US", "ustr": "US", "lighthizer": "US", "mnuchin": "US", "bessent": "US",
    "white house": "US", "trump administration": "US", "xi": "CN", "commerce ministry": "CN",
    "ministry of commerce": "CN", "mofcom": "CN", "state council": "CN",
    "tariff commission": "CN",
}  # fmt: skip


def _code(word: str) -> str | None:
    w = re.sub(r"^(?:the|a)\s+", "", word.strip().lower())
    if w in _ACTOR_CODE:
        return _ACTOR_CODE[w]
    if _COUNTRY_WORDS["CN"].fullmatch(word):
        return "CN"
    if _COUNTRY_WORDS["US"].fullmatch(word):
        return "US"
    return None


def _actor(text: str) -> str | None:
    """The country of the first actor of ``text`` that is not a counterpart."""
    pos = 0
    while m := _ACTOR_RE.search(text, pos):
        if not _COUNTERPART.search(text[max(0, m.start() - 12) : m.start()]):
            return _code(m["c"])
        pos = m.end("c")
    return None


def parties(clause: str, sentence: str, near: str = "") -> tuple[str | None, str | None]:
    """(importer, origin) from the goods' origin named right after the figure (``near``),
    else in the clause, else the sentence, or the actor that imposes; the other side
    of a US-China pair is filled in."""
    origin = importer = None
    others = bool(_OTHER_ANY.search(sentence))  # a third country named at all
    for text in (near, clause, sentence):
        for rx in _ORIGIN_RES:
            m = rx.search(text)
            if m:
                origin = _code(m["c"])
                break
        if origin:
            break
        if m := _DEST_RE.search(text):
            origin = _other(_code(m["c"]))
            break
        for code, rx in _OTHER_RE.items() if others else ():
            if rx.search(clause) and re.search(rf"\b(?:on|from)\s+(?:\w+\s+)?{_OTHER[code]}",
                                               clause):  # fmt: skip
                return "US", code
    if others and origin in ("US", None):  # "Mexico also has a punitive tariff on U.S. pork"
        for code, rx in _OTHER_IMPOSES.items():
            if rx.search(clause) or rx.search(sentence):
                return code, "US"
    for text in (clause, sentence):
        if actor := _actor(text):
            importer = actor
            break
    if origin and importer == origin:
        importer = _other(origin)
    if origin is None and importer:
        origin = _other(importer)
    if importer is None and origin:
        importer = _other(origin)
    return importer, origin


def status(clause: str, sentence: str) -> str | None:
    """'threatened', 'proposed', 'postponed' or 'announced' from the clause, else None."""
    if POSTPONED.search(clause):
        return "postponed"
    if THREAT.search(clause) or NEGATED.search(clause):
        return "threatened"
    if PROPOSED.search(clause) or PROPOSED.search(sentence):
        return "proposed"
    if PLANNED.search(clause):
        return "announced"
    return None


def speaker(text: str, pos: int) -> str | None:
    """The speaker when ``pos`` is inside quoted speech (“...” or "...") or the sentence
    reports what a named person said or tweeted; else None."""
    quotes = [(m.start(), m.end()) for m in re.finditer(r"[“\"][^”\"]{3,}[”\"]", text)]
    inside = any(s < pos < e for s, e in quotes)
    m = _SPEAKER_AFTER.search(text) or _SPEAKER_BEFORE.search(text)
    if m is None:
        return None
    who = (m.groupdict().get("who") or m.groupdict().get("who2") or "").strip()
    if not who or who.lower() in ("it", "he", "she", "they", "the"):
        return None
    if inside or re.match(r"(?:President\s+)?(?:Donald\s+)?Trump|Xi|[A-Z]\w+\s+[A-Z]\w+", who):
        return who
    return None


def _date_field(
    text: str,
    lo: int,
    hi: int,
    ref: str | None,
    used: set[int] | None = None,
    near: int | None = None,
) -> tuple[str, str, str] | None:
    """(ISO date, words, basis) of the first date expression in text[lo:hi]; its start
    is added to ``used`` (it is then not a deadline of its own). With ``near``, the first
    one after that offset is preferred (the date of the new rate, not of the old one)."""
    found = _dates.find_dates(text[lo:hi])
    after = [x for x in found if lo + x[0] >= (near or 0)]
    for s, _e, words in after + [x for x in found if x not in after]:
        before = text[max(0, lo + s - 50) : lo + s]
        r = _dates.resolve(words, ref, _dates.tense(before) or _dates.tense(text))
        if r is not None and r.date is not None:
            if used is not None:
                used.add(lo + s)
            return r.date, words, r.basis
    return None


# --------------------------------------------------------------------------- kinds

_SECTOR = re.compile(r"\b(agricultural|farm|industrial|manufactured|energy)\b", re.I)
_SECTOR_GOODS = re.compile(
    r"\b(?:agricultural|industrial|manufactured|energy|farm)\s+(?:products|goods)|"
    r"\b(?:energy\s+)?sector\b|will come from",
    re.I,
)
_BOUGHT = re.compile(r"\bwere\s+purchasing|\bpurchased\b|\bhad\s+(?:bought|purchased)")


def is_pledge(clause: str, sentence: str) -> bool:
    """Whether money in ``clause`` is a purchase pledge: a buying word with a pledge word
    (or a sector named), not a past purchase; or a sector's share of an agreement."""
    if (
        PURCHASE.search(clause)
        and not _BOUGHT.search(clause)
        and (PLEDGE.search(sentence) or _SECTOR_GOODS.search(clause))
    ):
        return True
    return bool(_SECTOR_GOODS.search(clause)) and bool(
        re.search(r"phase one|agreement|deal|purchas", sentence, re.I)
    )


LEVEL = re.compile(
    r"\b(?:currently|already|still|remain\w*|keep\w*|kept|cap\w*|at most|up to|as high as|"
    r"total\w*|stands? at|stood at|is|are|was|were|pay|paid|faces|faced)\b",
    re.I,
)
_LEVEL_NEAR = re.compile(
    r"\b(?:up to|as high as|at|is|are|was|were|of|cap\w* at|remain\w* at|totaled|pay)\s+$", re.I
)
_NEW_DATED = re.compile(
    r"\b(?:(?:will|to|would|vow\w*\s+to)\s+(?:impose|levy|slap|put|add)|imposing|levying)\b[^.;]*"
    r"\b(?:from|beginning|starting|effective|as of|on)\s+\S|"
    r"\b(?:will|to)\s+(?:impose|levy|slap|put|add)\b",
    re.I,
)
_CHANGE_WORDS = re.compile(
    r"\b(?:rais\w*|increas\w*|hik\w*|lift\w*|boost\w*|doubl\w*|lower\w*|cut|cuts|cutting|"
    r"reduc\w*|slash\w*|halv\w*|go(?:es)? up|rise|rises|rising|rose|additional|extra|new|"
    r"fresh|retaliat(?:ed|es|e|ing)|will face|subject to|add|adds|added|adding|"
    r"tak(?:e|es|ing) effect|go(?:es)? into effect|went into effect|took effect|"
    r"cancel\w*|remov\w*|eliminat\w*|from \S+ to)\b",
    re.I,
)


def is_change(clause: str, s: int, e: int) -> bool:
    """Whether the rate at clause[s:e] is a change (new, raised, cut, taking effect) and
    not a level ("currently 40%", "capped at 10 percent", "up to 15%", "kept at 55%")."""
    if _LEVEL_NEAR.search(clause[max(0, s - 15) : s]) and re.search(
        r"\b(?:currently|already|still|remain|keep|kept|cap|up to|as high as|total)",
        clause,
        re.I,
    ):
        return False
    return bool(_CHANGE_WORDS.search(clause) or _NEW_DATED.search(clause))


def _rates_in(clause: str, percents: list[_amounts.Percent]) -> tuple[Any, Any]:
    """(from, to) percents of a change stated in ``clause`` (offsets relative to it)."""
    rates = [p for p in percents if not p.points]
    for i, p in enumerate(rates[:-1]):
        q = rates[i + 1]
        between = clause[p.end : q.start]
        before = clause[max(0, p.start - 8) : p.start].lower()
        if re.fullmatch(r"\s*(?:to|-|–)\s*(?:a\s+total\s+of\s+)?", between) and "from" in before:
            return p, q
        if re.fullmatch(r"\s*(?:from)\s*", between) and "to" in before:
            return q, p
        if (
            re.search(r"\bto\b", between)
            and len(between) < 40
            and re.search(r"\bfrom\b", before + clause[p.end - 1 : p.end])
        ):
            return p, q
    for p in rates:
        if re.search(
            r"\b(?:to|at|of)\s+(?:a\s+total\s+of\s+|as\s+high\s+as\s+|up\s+to\s+)?$",
            clause[max(0, p.start - 20) : p.start],
        ) and CHANGE.search(clause[: p.start]):
            earlier = [q for q in rates if q.end <= p.start]
            return (earlier[-1] if earlier else None), p
    return None, None


def _flow_fields(clause: str, sentence: str, a: Anchor, ref: str | None) -> dict[str, Any]:
    """Flow, reporter, partner, period, comparison of a trade figure."""
    low = clause.lower()
    if re.search(r"deficit|surplus|trade (?:gap|balance)|gap between", low):
        measure = "balance"
    elif re.search(r"\bexport|\bsells|\bsold|shipped|sent to", low):
        measure = "exports"
    elif re.search(r"\bimport|\bbuys|purchased", low):
        measure = "imports"
    elif re.search(r"\bexport", sentence.lower()):
        measure = "exports"
    elif re.search(r"\bimport", sentence.lower()):
        measure = "imports"
    else:
        measure = "trade"
    # reporter: whose statistic ("China's exports", "US imports", "according to China's
    # customs"); partner: the other country named with to/from/with
    rep = part = None
    via = re.search(
        rf"\b(?P<d>exports?|imports?|shipments?)\s+(?:\w+\s+){{0,3}}?from\s+(?:the\s+)?"
        rf"(?P<a>{_CN}|{_US})(?:\s+to\s+(?:the\s+)?(?P<b>{_CN}|{_US}))?",
        clause,
        re.I,
    )
    if via:  # "exports from China to the U.S.", "imports from the United States to China"
        one, two = _code(via["a"]), _code(via["b"]) if via["b"] else None
        if via["d"].lower().startswith("export"):
            rep, part = one, two or _other(one)
        else:
            rep, part = two or _other(one), one
    m = (
        None
        if via
        else re.search(
            rf"(?P<r>{_CN}|{_US})['’]?s?\s+(?:\w+\s+){{0,3}}?(?:exports?|imports?|deficits?|"
            rf"surplus|trade)",
            clause,
            re.I,
        )
    )
    if m:
        rep = _code(m["r"].rstrip("'’s") if m["r"].lower().endswith(("'s", "’s")) else m["r"])
    m2 = re.search(rf"\b(?:to|from|with|of)\s+(?:the\s+)?(?P<p>{_CN}|{_US})\b", clause, re.I)
    if m2 and part is None:
        part = _code(m2["p"])
    if rep is None and part is not None:
        rep = _other(part)
    if rep is None:
        rep = _code(_country_near(sentence, a.start) or "") or None
    if (
        re.search(r"\bcustoms\b|General Administration", sentence, re.I)
        and re.search(_CN, sentence)
    ) or rep == "CN":
        basis = "china_customs"
    else:
        basis = "us_census"
    if part == rep:
        part = None
    fields: dict[str, Any] = {
        "measure": measure,
        "reporter": "CN" if basis == "china_customs" else "US",
        "partner": part or ("WORLD" if not re.search(_CN, clause) or rep == "CN" else None),
        "reporter_basis": basis,
    }
    if fields["partner"] is None:
        fields["partner"] = "CN" if fields["reporter"] == "US" else "US"
    if measure in ("exports", "imports") and {fields["reporter"], fields["partner"]} == {
        "US",
        "CN",
    }:
        names = {"CN": "china", "US": "us"}
        direction = "exports_to" if measure == "exports" else "imports_from"
        other = {"CN": "china", "US": "us"}[fields["partner"]]
        fields["flow"] = f"{names[fields['reporter']]}_{direction}_{other}"
    if re.search(r"goods and services|goods & services", sentence, re.I):
        fields["scope"] = "goods_and_services"
    elif re.search(r"\bgoods\b", clause, re.I):
        fields["scope"] = "goods"
    if re.search(r"seasonally adjusted", sentence, re.I) and not re.search(
        r"not seasonally adjusted", sentence, re.I
    ):
        fields["adjustment"] = "seasonally_adjusted"
    per = None
    for m in _PERIOD.finditer(clause):
        per = m
        if m.start() >= a.end:
            break
    if per is None:
        for m in _PERIOD.finditer(sentence):
            per = m
            break
    if per is not None:
        words = per["when"] or per["rel"]
        if per["rel"] and re.search(r"so far|to[- ]date", per["rel"]):
            fields["comparison"] = "ytd"
            r = _dates.resolve("this year", ref, "past")
        else:
            r = _dates.resolve(words, ref, "past")
        if r is not None and r.date is not None:
            fields["period"] = (
                r.date[:7]
                if r.grain == "month"
                else r.date[:4]
                if r.grain in ("year",)
                else r.date[:7]
                if r.grain == "range"
                else r.date[:4]
            )
            if r.grain == "year" or (r.end and r.end[5:7] == "12" and r.date[5:7] == "01"):
                fields["period"] = r.date[:4]
            fields["period_text"] = words
    if "comparison" not in fields:
        # the words right after the figure first ("down 14.6% so far this year"), then
        # the clause, then the sentence
        near = _own_words(sentence, a)
        several = len(re.findall(r"%|percent|per cent", sentence)) > 1
        for text in (near, clause, sentence):
            if re.search(r"so far|to[- ]date", text, re.I) and not (
                several and text is not near  # another figure's "so far this year"
            ):
                fields["comparison"] = "ytd"
            elif _MOM.search(text):
                fields["comparison"] = "mom"
            elif _YOY.search(text):
                fields["comparison"] = "yoy"
            else:
                continue
            break
    if (
        fields.get("comparison") == "ytd"
        and not re.search(r"so far|to[- ]date", _own_words(sentence, a), re.I)
        and len(re.findall(r"%|percent|per cent", clause)) > 1
    ):
        fields.pop("comparison")  # another figure of the clause is the year-to-date one
    named = re.search(rf"\b(?:with|to|from)\s+(?:the\s+)?(?:{_CN}|{_US})", clause)
    for code, rx in _OTHER_RE.items():
        if (
            not named  # "deficit with China ... lower than our deficit with the EU"
            and rx.search(clause)
            and re.search(rf"\b(?:with|to|from)\s+(?:the\s+)?{_OTHER[code]}", clause)
        ):
            fields["partner"] = code
    if re.search(
        r"\b(?:covered|agricultur\w*|farm|soybeans?|pork|energy|manufactured|products?|"
        r"compounds?|minerals?|metals?|rare earths?|vehicles|cars|chips)\b",
        clause[: a.start - (len(sentence) - len(clause)) if False else len(clause)],
        re.I,
    ) or _panel_rates.product_in(clause):
        fields["product_scope"] = True
    return fields


def _own_words(sentence: str, a: Anchor) -> str:
    """The figure and the words after it up to the next figure ("1.1% to $31.3 billion in
    October" of "... and is down 14.6% so far this year"), at most 45 characters."""
    tail = sentence[a.end : a.end + 80]
    nxt = re.search(r"\d[\d.,]*\s?(?:%|percent|per cent)", tail)
    return sentence[a.start : a.end + min(45, nxt.start() if nxt else 45)]


def _continued(
    a: Anchor, text: str, clause: str, prev: dict[str, Any], ref: str | None
) -> tuple[str | None, dict[str, Any], float]:
    """A figure continuing the previous trade figure: its flow, reporter and partner."""
    keep = ("measure", "reporter", "partner", "reporter_basis", "flow", "scope", "adjustment",
            "product_scope")  # fmt: skip
    fields = {k: prev[k] for k in keep if k in prev}
    fields["continues"] = True
    if a.kind == "percent":
        change = _amounts.signed_change(a.extra, text)
        if change is None:
            return None, {}, 0
        fields["change"] = change
    else:
        fields["value_usd"] = a.value
    per = _dates.find_dates(clause)
    years = re.findall(r"\b(?:19|20)\d\d\b", clause)
    if re.search(r"so far|to[- ]date", clause, re.I):  # "and is down 14.6% so far this year"
        fields["comparison"] = "ytd"
        fields["period"] = years[0] if years else (ref or "")[:4] or prev.get("period")
    elif years:
        fields["period"] = years[0] if a.kind == "money" else prev.get("period")
    elif per:
        r = _dates.resolve(per[0][2], ref, "past")
        if r is not None and r.date is not None:
            fields["period"] = r.date[:7] if r.grain in ("month", "day") else r.date[:4]
    fields.setdefault("period", prev.get("period"))
    return "trade_flow_change", fields, 0.45


def _claim_span(text: str, a: Anchor, lo: int, hi: int) -> tuple[int, int]:
    """The claim's span: the anchor widened to the words of its clause around it (up to
    about 60 characters each side, cut at a comma)."""
    s = a.start
    left = text[max(lo, a.start - 70) : a.start]
    cut = max(left.rfind(", "), left.rfind("("), left.rfind("“"), left.rfind('"'))
    s = a.start - len(left) + (cut + 2 if cut >= 0 else 0)
    right = text[a.end : min(hi, a.end + 70)]
    stops = [i for i in (right.find(", "), right.find(" ("), right.find(". ")) if i >= 0]
    e = a.end + (min(stops) if stops else len(right))
    s = max(s, lo)
    while 0 < s < a.start and text[s - 1].isalnum():
        s += 1  # not from inside a word
    while s < a.start and text[s] in ' ,;:("“':
        s += 1
    while e > a.end and text[e - 1] in " ,;:":
        e -= 1
    return s, e


def annotate(claim: Claim, sentence: str, start: int) -> None:
    """Give a claim found by any rule the ``status`` of its clause and the ``speaker``
    of quoted speech (``start``: the claim's offset in ``sentence``), where unset."""
    if claim.kind == "event":
        return
    lo, hi = clause_bounds(sentence, start)
    st = status(sentence[lo:hi], sentence)
    if st and not claim.fields.get("status"):
        claim.fields["status"] = st
    who = speaker(sentence, start)
    if who and not claim.fields.get("speaker"):
        claim.fields["speaker"] = who
        claim.fields["quoted"] = True


_ROW_CELL = re.compile(r"\s*\|\s*")
_CONTINUES = re.compile(
    r"\b(?:increase|decrease|rise|drop|fall|rose|fell|up from|down from|stood at|hovered|"
    r"(?:is|was|are|were)\s+(?:up|down)|"
    r"marks|value|compared with|from \d{4}|in \d{4})\b",
    re.I,
)


def table_row_claims(sent: Sentence) -> list[Claim]:
    """A table row of rates ("Semiconductors | 25% | 50% in 2025 |"): a change from the
    first rate to the last, the first cell as the product, a year stated as the
    effective year."""
    text = sent.text
    if text.count("|") < 2:
        return []
    rates = [p for p in _amounts.find_percents(text) if not p.points]
    if len(rates) < 2:
        return []
    cells = [c for c in _ROW_CELL.split(text) if c.strip()]
    product = cells[0].strip() if cells and not _amounts.find_percents(cells[0]) else None
    fields: dict[str, Any] = {
        "importer": None,
        "origin": None,
        "from_rate": rates[0].value,
        "to_rate": rates[-1].value,
        "product": product,
        "table_row": True,
    }
    if y := re.search(r"\b(?:in|from|by)\s+((?:19|20)\d\d)\b", text[rates[-1].end :]):
        fields["effective_year"] = int(y[1])
    start = len(text) - len(text.lstrip(" |\n"))
    end = len(text.rstrip().rstrip(" |"))
    return [sent.claim("tariff_rate_change", start, max(end, rates[-1].end), fields, 0.6)]


def sentence_claims(
    sent: Sentence, ref: str | None, previous_flow: dict[str, Any] | None = None
) -> list[Claim]:
    """The claims of one sentence, one per quantity that has a kind (see module doc).
    ``previous_flow``: the fields of the story's last trade figure, for a sentence that
    continues it ("This marks a 17.2% increase from 2017 figures")."""
    text = sent.text
    rows = table_row_claims(sent)
    if rows:
        return rows
    found = anchors(text)
    if not found:
        return []
    out: list[Claim] = []
    percents_all = _amounts.find_percents(text)
    moneys = [a for a in found if a.kind == "money"]
    used_money: set[int] = set()
    used_dates: set[int] = set()
    tariff_done: set[tuple[int, int]] = set()
    for a in found:
        lo, hi = clause_bounds(text, a.start)
        clause = text[lo:hi]
        rel = a.start - lo
        local = clause[max(0, rel - 90) : rel + 90]
        if NOT_CLAIM.search(text[max(lo, a.start - 40) : min(hi, a.end + 25)]) and not (
            TARIFF.search(local) or FLOW.search(local)
        ):
            continue
        kind, fields, conf = _classify(
            a,
            text,
            clause,
            lo,
            hi,
            local,
            ref,
            percents_all,
            moneys,
            used_money,
            tariff_done,
            used_dates,
        )
        if (
            kind is None
            and previous_flow
            and a.kind in ("percent", "money")
            and a.start not in used_money
            and not TARIFF.search(clause)
            and _CONTINUES.search(clause)
        ):
            kind, fields, conf = _continued(a, text, clause, previous_flow, ref)
        if kind is None:
            continue
        if kind == "trade_flow_change" and "measure" in fields:
            previous_flow = fields  # a later clause may continue it ("and is down 14.6% ...")
        st = status(clause, text)
        if st and "status" not in fields:
            fields["status"] = st
        who = speaker(text, a.start)
        if who:
            fields["speaker"] = who
            fields["quoted"] = True
        s, e = fields.pop("_span", None) or _claim_span(text, a, lo, hi)
        out.append(sent.claim(kind, s, e, fields, conf))
    return out


def _classify(
    a: Anchor,
    text: str,
    clause: str,
    lo: int,
    hi: int,
    local: str,
    ref: str | None,
    percents_all: list[_amounts.Percent],
    moneys: list[Anchor],
    used_money: set[int],
    tariff_done: set[tuple[int, int]],
    used_dates: set[int],
) -> tuple[str | None, dict[str, Any], float]:
    has_tariff = bool(TARIFF.search(clause)) or bool(
        _TAX.search(clause) and re.search(r"\b(?:import|extra|additional|border|hike)\b", clause)
    )
    has_flow = bool(FLOW.search(local))
    importer, origin = parties(clause, text, text[a.start : a.end + 45])
    if a.kind == "percent":
        p: _amounts.Percent = a.extra
        after = text[a.end : a.end + 40]
        is_share = bool(
            re.match(
                r"\s+(?:of|share of)\s+(?:\w+\s+){0,4}?(?:exports|imports|trade|purchases|"
                r"shipments|sales|market|soybeans)",
                after,
                re.I,
            )
        ) or (bool(re.match(r"\s+(?:of|share)\b", after)) and not has_tariff)
        if has_tariff and not is_share:
            if (lo, hi) in tariff_done:
                return None, {}, 0
            rel = [
                _amounts.Percent(q.text, q.start - lo, q.end - lo, q.value, q.points)
                for q in percents_all
                if lo <= q.start < hi
            ]
            frm, to = _rates_in(clause, rel)
            fields: dict[str, Any] = {"importer": importer, "origin": origin}
            if prod := _panel_rates.product_in(clause):
                fields["product"] = prod[0]
            if m := LIST.search(clause):
                fields["list"] = " ".join(m["list"].split())
            scope = next(
                (
                    x
                    for x in moneys
                    if lo <= x.start < hi
                    and x.value
                    and re.search(
                        r"\b(?:on|of|covering|targeting|affecting)\s+(?:the\s+)?"
                        r"(?:remaining\s+|roughly\s+|about\s+|some\s+)?$",
                        text[max(lo, x.start - 25) : x.start],
                        re.I,
                    )
                ),
                None,
            )  # the value the rate applies to ("on $200 billion of goods")
            if scope is not None:
                fields["scope_value_usd"] = scope.value
                used_money.add(scope.start)
            near = lo + to.end if to is not None else a.end
            eff = _date_field(text, lo, hi, ref, used_dates, near)
            if p.points:
                sign = _amounts.direction(clause) or -1
                fields |= {"change": round(sign * p.value, 6)}
                kind = "tariff_rate_change"
                tariff_done.add((lo, hi))
            elif to is not None:
                fields |= {"from_rate": frm.value if frm else None, "to_rate": to.value}
                kind = "tariff_rate_change"
                tariff_done.add((lo, hi))
            elif is_change(clause, a.start - lo, a.end - lo):
                rates = [q.value for q in rel if not q.points]
                fields |= {"from_rate": None, "to_rate": p.value}
                if len(rates) > 1:
                    fields["rates"] = rates
                    tariff_done.add((lo, hi))
                kind = "tariff_rate_change"
            else:
                rates = [q.value for q in rel if not q.points]
                fields |= {"rate": p.value}
                if len(rates) > 1:
                    fields["rates"] = rates
                    tariff_done.add((lo, hi))
                if re.search(r"\bup to\b|as high as|\bcap\w*|\bmaximum|at most", local, re.I):
                    fields["rate_max"] = max(rates or [p.value])
                kind = "tariff_rate"
            if eff is not None:
                fields["effective_date"], fields["effective_text"], fields["effective_basis"] = eff
            conf = 0.55 + 0.15 * (origin is not None) + 0.1 * (eff is not None)
            return kind, fields, conf
        if has_flow or (is_share and FLOW.search(clause)):
            fields = _flow_fields(clause, text, a, ref)
            if is_share:
                fields["share"] = p.value
            else:
                change = _amounts.signed_change(p, text)
                if change is None:
                    return None, {}, 0
                fields["change"] = change
            money = next((x for x in moneys if lo <= x.start < hi and x.start > a.start), None)
            if money is not None and re.match(r"\s*to\s*$", text[a.end : money.start]):
                fields["value_usd"] = money.value
                used_money.add(money.start)
            return "trade_flow_change", fields, 0.6 + 0.1 * ("period" in fields)
        if PURCHASE.search(clause) or re.search(r"\btargets?\b", clause, re.I):
            return "purchase_commitment", {"progress": p.value, "buyer": "CN", "seller": "US"}, 0.5
        return None, {}, 0
    if a.kind == "money":
        if a.start in used_money or not a.value:
            return None, {}, 0
        m: _amounts.Money = a.extra
        if is_pledge(clause, text):
            fields = {
                "buyer": "CN" if re.search(_CN, text) else importer,
                "seller": "US",
                "amount_usd": m.value_usd,
            }
            if m.high:
                fields["amount_usd_high"] = m.high
            if sc := _SECTOR.search(clause):
                fields["scope"] = sc[1].lower()
            return "purchase_commitment", fields, 0.65
        cover_ctx = (
            has_tariff
            or bool(LIST.search(clause))
            or bool(re.search(r"\blist\b|\btax\b|\btarget\w*\b|\bfiring back\b", local, re.I))
        )
        after = text[a.end : a.end + 45]
        goods_after = re.match(
            rf"\s*(?:worth\s+)?(?:of|in)\s+(?:\w+\s+){{0,3}}?{_GOODS}|\s*(?:list|worth)",
            after,
            re.I,
        )
        if (
            cover_ctx
            and (goods_after or has_tariff)
            and not re.search(r"deficit|surplus|exports?\s+to|trade\s+(?:goods|worth)", local, re.I)
        ):
            fields = {"value_usd": m.value_usd, "importer": importer, "origin": origin}
            if m_ := LIST.search(clause):
                fields["list"] = " ".join(m_["list"].split())
            return "goods_value_covered", fields, 0.7
        if FLOW.search(clause) or re.search(r"\btrade\b", clause, re.I):
            fields = _flow_fields(clause, text, a, ref)
            fields["value_usd"] = m.value_usd
            if m.high:
                fields["value_usd_high"] = m.high
            before = text[max(lo, a.start - 30) : a.start]
            if re.search(r"\b(?:by|increased|decreased|rose|fell|down|up)\s+$", before, re.I) \
                    and re.search(r"\bto\s+\$", text[a.end : a.end + 12]):  # fmt: skip
                fields["change_usd"] = m.value_usd * (_amounts.direction(before) or 1)
                del fields["value_usd"]
            elif re.search(r"\bincrease of\s+$|\bdecrease of\s+$", before, re.I):
                fields["change_usd"] = m.value_usd
                del fields["value_usd"]
            return "trade_flow_change", fields, 0.6
        if goods_after and re.search(_CN + "|" + _US, after, re.I):
            fields = {"value_usd": m.value_usd, "importer": importer, "origin": origin}
            return "goods_value_covered", fields, 0.5
        return None, {}, 0
    if a.kind == "count":
        c: _amounts.Count = a.extra
        noun = c.noun
        if noun in ("companies", "firms", "entities", "requests", "applications"):
            return None, {}, 0  # events, not counts of goods
        if noun in ("tons", "tonnes", "metric tons", "metric tonnes", "bushels", "aircraft",
                    "airplanes", "planes", "jets"):  # fmt: skip
            if PURCHASE.search(clause) or re.search(r"\bannually|a year|per year", local):
                fields = {"buyer": "CN", "seller": "US", "quantity": c.value, "unit": noun}
                return "purchase_commitment", fields, 0.55
            if has_flow:
                fields = _flow_fields(clause, text, a, ref) | {"quantity": c.value, "unit": noun}
                return "trade_flow_change", fields, 0.5
            return None, {}, 0
        if has_tariff or re.search(
            r"\blist\w*|\bexempt\w*|\bexclu\w*|\btariff|\bsubject to|\bHTS\b|\bretaliat", text, re.I
        ):
            fields = {"count": c.value, "count_noun": noun, "importer": importer, "origin": origin}
            listed = next((x for x in moneys if x.value and lo <= x.start < hi), None)
            if listed is not None:
                fields["list_value_usd"] = listed.value
            elif re.search(r"\bexempt\w*|\bexclu\w*", clause, re.I):
                fields["action"] = "exclusion"
            return "goods_value_covered", fields, 0.55
        return None, {}, 0
    # dates and durations: deadlines
    if a.kind == "duration":
        d: _amounts.Duration = a.extra
        if not (re.search(r"truce|cease-?fire|pause|suspen\w*|extend\w*|period|window|"
                          r"deadline|effect|exclusion|for\s*$|within\s*$|in\s*$|another\s*$",
                          local, re.I)):  # fmt: skip
            return None, {}, 0
        fields = {"duration_days": d.days, "importer": importer, "origin": origin}
        start = _date_field(text, lo, hi, ref, used_dates, a.end)
        if start is not None:
            fields["start_date"], fields["start_text"], fields["start_basis"] = start
        return "deadline", fields, 0.55
    if a.start in used_dates and not re.search(
        r"\b(?:effect|effective)\s+(?:on|from)?\s*$", text[max(0, a.start - 25) : a.start], re.I
    ):
        return None, {}, 0
    before = text[max(lo, a.start - 45) : a.start]
    after = text[a.end : a.end + 40]
    if not (DEADLINE.search(before) or re.match(r"\s*(?:deadline|effective date)", after)):
        return None, {}, 0
    if re.search(
        r"\b(?:announced|said|signed|published|released|issued|met|agreed|began|"
        r"reached)\b",
        before,
        re.I,
    ) and not re.search(r"\b(?:effect|due|by|until|deadline|from|starting|expire)\b", before):
        return None, {}, 0
    r = _dates.resolve(a.value, ref, _dates.tense(before) or _dates.tense(clause))
    fields = {
        "date": r.date if r else None,
        "date_text": a.value,
        "date_basis": r.basis if r else "no article date to resolve it",
        "importer": importer,
        "origin": origin,
    }
    if r is not None and r.is_range:
        fields["date_end"] = r.end
    return "deadline", fields, 0.5 + 0.2 * (r is not None)


# --------------------------------------------------------------------------- events

_PERSON = (
    r"(?:(?:President|Vice\s+Premier|Premier|Secretary|Minister|Representative|Ambassador|"
    r"Commerce\s+Secretary|Treasury\s+Secretary|Trade\s+Representative)\s+)?(?:Donald\s+)?"
    r"(?:Trump|Biden|Xi(?:\s+Jinping)?|Liu\s+He|He\s+Lifeng|Lighthizer|Mnuchin|Ross|Navarro|"
    r"Kudlow|Bessent|Lutnick|Greer|Wang\s+Wentao|Wang\s+Yi|Li\s+Keqiang|Li\s+Qiang)"
)
_INSTITUTION = (
    r"(?:government|administration|Treasury(?:\s+Department)?|Commerce\s+Department|"
    r"Department\s+of\s+(?:Commerce|the\s+Treasury)|Commerce\s+Ministry|Ministry\s+of\s+"
    r"(?:Commerce|Finance)|Finance\s+Ministry|State\s+Council|Tariff\s+Commission|Customs|"
    r"Trade\s+Representative|Office\s+of\s+(?:the\s+)?(?:United\s+States|U\.S\.)\s+Trade\s+"
    r"Representative|USTR|White\s+House|Supreme\s+Court|Congress|Senate|MOFCOM|"
    r"People['’]s\s+Daily|newspaper|officials|negotiators|leaders)"
)
_EVENT_ACTOR = (
    rf"(?:(?:[Tt]he|[Aa])\s+)?(?:(?:U\.S\.|US|American|Chinese|China['’]?s?|Chinas)\s+)?"
    rf"(?:{_PERSON}(?:\s+and\s+(?:Chinese\s+)?{_PERSON})?|{_INSTITUTION}(?:\s+(?:of|in)\s+"
    rf"(?:the\s+)?[A-Z][\w.]+(?:\s+[A-Z][\w.]+){{0,3}})?)(?:\s*\([A-Z]+\))?"
    rf"|\b(?:China|Beijing|Washington(?:\s+and\s+Beijing)?|the\s+U\.?S\.?|"
    rf"the\s+United\s+States|[Bb]oth\s+sides|[Tt]he\s+two\s+sides|[Bb]oth\s+countries|"
    rf"Canada\s+and\s+Mexico)\b"
)
EVENT_VERBS: dict[str, str] = {
    "announced": "announcement", "published": "announcement", "released": "announcement",
    "issued": "announcement", "unveiled": "announcement", "submitted": "announcement",
    "signed": "agreement", "agreed": "agreement", "reached": "agreement",
    "concluded": "agreement", "struck": "agreement", "met": "talks", "visited": "talks",
    "held": "talks", "resumed": "talks", "postponed": "postponement", "delayed": "postponement",
    "suspended": "postponement", "paused": "postponement", "extended": "postponement",
    "designated": "designation", "named": "designation", "labeled": "designation",
    "labelled": "designation", "determined": "designation", "added": "designation",
    "removed": "designation", "dropped": "designation", "blacklisted": "designation",
    "granted": "exclusions", "exempted": "exclusions", "ruled": "ruling",
    "rejected": "ruling", "invalidated": "ruling", "warned": "warning",
    "threatened": "warning", "retaliated": "tariff_action", "imposed": "tariff_action",
    "slapped": "tariff_action", "let": "other", "ordered": "announcement",
    "launched": "announcement", "tweeted": "announcement", "declared": "announcement",
    "decided": "announcement", "approved": "agreement", "lifted": "tariff_action",
    "halted": "other", "stopped": "other", "discussed": "talks",
}  # fmt: skip
_EVENT_RE = re.compile(
    rf"(?P<actor>{_EVENT_ACTOR})(?:,?\s+[^,.;]{{0,40}}?,)?\s+(?:(?:has|have|had|also|later|"
    r"then|already|recently|officially|formally|today|on\s+\w+(?:\s+\d{1,2})?|"
    r"would\s+be|was|were)\s+){0,3}(?P<verb>"
    + "|".join(sorted(EVENT_VERBS, key=len, reverse=True))
    + r")\b|\b(?P<actor2>China|Beijing|Trump|the\s+U\.?S\.?|and)\s+(?:later\s+)?said\s+it\s+"
    r"would\s+(?P<verb2>stop|halt|suspend|impose|retaliate)\b"
    rf"|(?P<actor3>{_EVENT_ACTOR})['’]s?\s+(?:\w+\s+){{0,3}}?(?:investigation|report|review|"
    r"proclamation|order|announcement|decision|notice|list)\b[^.;]{0,120}?\b(?P<verb3>issued|"
    r"published|released|signed|announced)\s+(?:on\s+)?(?=[A-Z][a-z]+\.?\s+\d)",
)
EVENT_VERB_RE = re.compile(r"\b(?:" + "|".join(EVENT_VERBS) + r")\b", re.I)
_SAID_WOULD = re.compile(r"\bsaid\s+it\s+would\s+(?:stop|halt|suspend|impose|retaliate)\b")
_EVENT_BLOCK = re.compile(
    r"\b(?:[Ii]f|[Ww]hether|[Uu]nless|[Cc]ould|[Mm]ight|may)\b"
)  # not "May 14"


def event_claims(sent: Sentence, ref: str | None) -> list[Claim]:
    """Reported official actions: an actor (a government, its agencies or leaders) and an
    action verb ("USTR published", "China let the yuan weaken", "the U.S. Treasury had
    designated"), with the date of its clause (else the article's for perfect tenses).
    Hypotheticals ("if", "could") are skipped."""
    text = sent.text
    out: list[Claim] = []
    if not (EVENT_VERB_RE.search(text) or _SAID_WOULD.search(text)):
        return out  # every branch of the pattern needs one of these verbs
    for m in _EVENT_RE.finditer(text):
        verb = (m["verb"] or m["verb2"] or m["verb3"] or "").lower()
        name = "actor" if m["actor"] else "actor2" if m["actor2"] else "actor3"
        start = m.start(name)
        lo, hi = clause_bounds(text, start)
        if _EVENT_BLOCK.search(text[max(lo, start - 30) : m.end()]):
            continue
        head = re.search(r"(?:On|on|Also|Earlier)\s+[^,]{2,30},\s*$", text[lo:start])
        s = lo + head.start() if head else start
        tail = re.match(r"[^,;.()]{0,70}", text[m.end() : hi])
        e = m.end() + (tail.end() if tail else 0)
        while e > m.end() and text[e - 1] in " ,":
            e -= 1
        found = _dates.find_dates(text[lo:hi])
        date = date_text = None
        if found:
            vname = "verb" if m["verb"] else "verb2" if m["verb2"] else "verb3"
            _s, _e, words = min(found, key=lambda x: abs(lo + x[0] - m.end(vname)))
            r = _dates.resolve(words, ref, "past")
            if r is not None and r.date is not None:
                date, date_text = r.date, words
        elif ref and re.search(r"\b(?:has|have)\s+\w+$|\btoday\b", text[start : m.end()]):
            date, date_text = ref, "the article date (present perfect)"
        actor = (m[name] or "").strip()
        if actor == "and":  # "X let ... and later said it would ...": the sentence's subject
            actor = text[:start].split(" ", 1)[0]
        code = _code(actor) or (
            "US"
            if re.search(
                r"U\.?S\.?|United States|American|Trump|USTR|Treasury|White House|"
                r"Supreme Court|Washington|Lighthizer|Mnuchin|Bessent",
                actor,
            )
            else "CN"
            if re.search(
                r"Chin|Beijing|Xi\b|Liu He|State Council|MOFCOM|"
                r"Tariff Commission|People",
                actor,
            )
            else None
        )
        fields = {
            "actor": code or actor,
            "actor_text": actor,
            "action": EVENT_VERBS.get(verb, "announcement"),
            "verb": verb,
            "target": None,
            "date": date,
            "date_end": None,
            "date_text": date_text,
            "planned": False,
        }
        who = speaker(text, start)
        if who:
            fields["speaker"] = who
        out.append(sent.claim("event", s, e, fields, 0.5 + 0.2 * (date is not None)))
    return out
