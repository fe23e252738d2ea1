"""Money, percentages and durations in news text, normalized: USD, fractions, days.

Every library tried misses money written as "USD200 billion", so money is found by
regular expressions here: ``$1.2 trillion``, ``USD200 billion``, ``US$34bn``,
``200 billion dollars``. Words without a figure ("multibillion-dollar") give no amount.
Only US dollars are valued; other currencies are reported with ``value_usd=None``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

_SCALE = {
    "trillion": 1e12,
    "tn": 1e12,
    "tr": 1e12,
    "billion": 1e9,
    "bn": 1e9,
    "b": 1e9,
    "million": 1e6,
    "mn": 1e6,
    "mln": 1e6,
    "m": 1e6,
    "thousand": 1e3,
    "k": 1e3,
}
WORD_NUMBERS = {  # number words, shared by the date, quantity and claim rules
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "fifteen": 15,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "ninety": 90,
    "hundred": 100,
}
_WORD_NUM = r"(?:" + "|".join(sorted(WORD_NUMBERS, key=len, reverse=True)) + r")"
_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_SCALE_RE = r"trillion|billion|million|thousand|bn|tn|mn|mln|[bmk](?![a-z])"
# A currency before the figure: "$", "$$" (a typo seen in wire copy), "US$", "USD", "£", ...
_PREFIX = (
    r"(?<![A-Za-z])(?-i:US\s?\$|U\.S\.\s?\$|HK\$|C\$|A\$|NZ\$|S\$|USD\s?|EUR\s?|GBP\s?|"
    r"CNY\s?|RMB\s?|JPY\s?|Rs\.?\s?)|\$+|[£€¥￥]"
)
_PREFIX_CURRENCY = (
    ("HK", "HKD"), ("C", "CAD"), ("A", "AUD"), ("NZ", "NZD"), ("S", "SGD"), ("US", "USD"),
    ("U.S.", "USD"), ("$", "USD"), ("USD", "USD"), ("EUR", "EUR"), ("€", "EUR"),
    ("GBP", "GBP"), ("£", "GBP"), ("CNY", "CNY"), ("RMB", "CNY"), ("¥", "CNY"), ("￥", "CNY"),
    ("JPY", "JPY"), ("Rs", "INR"),
)  # fmt: skip
_SUFFIX = (
    r"(?:U\.?S\.?\s|American\s)?dollars|yuan|renminbi|RMB|euros?|pounds?(?:\s+sterling)?|yen|"
    r"rupees"
)
_MONEY_RE = re.compile(
    rf"(?P<cur>{_PREFIX})\s?(?P<num>{_NUM})(?:\s?(?P<scale>{_SCALE_RE}))?\b"
    rf"|(?<![\w.])(?P<num2>{_NUM})\s?(?P<scale2>{_SCALE_RE})?\s+(?P<cur2>{_SUFFIX})\b",
    re.IGNORECASE,
)
# "$40-50 billion", "$16 or $17 billion", "$40 billion to $50 billion": the upper figure
_MONEY_TAIL_RE = re.compile(
    rf"\s?(?P<sep>-|–|—|or|and|to)\s?(?:{_PREFIX})?\s?(?P<num>{_NUM})\s?(?P<scale>{_SCALE_RE})\b",
    re.IGNORECASE,
)
_BETWEEN_RE = re.compile(r"\bbetween\s+$", re.IGNORECASE)
_PERCENT_UNIT = (
    r"(?:\s?-?\s?(?:percent|per\s?cent|%|pct)|\s?(?:percentage|per\s?cent(?:age)?)\s+points?)"
)
_PERCENT_RE = re.compile(
    rf"(?<![\w.$£€¥])(?P<num>{_NUM}|{_WORD_NUM})(?P<unit>\s?-?\s?(?:percentage|per\s?centage)\s+points?"
    r"|\s?-?\s?(?:percent|per\s?cent|%|pct)(?:age\s+points?)?)",
    re.IGNORECASE,
)
# "15 and ten percent", "25%, 20%, 10% and 5%", "10-25%": figures that share a unit
_SHARED_UNIT_RE = re.compile(
    rf"(?<![\w.$£€¥])(?P<num>{_NUM}|{_WORD_NUM})(?P<sep>\s?(?:-|–|—|to)\s?|\s(?:and|or)\s|,\s)"
    rf"(?=(?:{_NUM}|{_WORD_NUM})(?:{_PERCENT_UNIT}))",
    re.IGNORECASE,
)
_COUNT_NOUNS = (
    r"products|product\s+lines|items|goods|commodities|(?:tariff\s+)?lines|codes|subheadings|"
    r"headings|categories|types|kinds|descriptions|entries|requests|applications|companies|firms|"
    r"entities|(?:metric\s+)?(?:tons|tonnes)|bushels|aircraft|airplanes|planes|jets"
)
COUNT_RE = re.compile(
    rf"(?<![\w.$£€¥,])(?P<num>{_NUM}|{_WORD_NUM})(?P<scale>\s+(?:million|billion|thousand))?"
    rf"(?P<mods>(?:\s+(?!of\b|and\b|or\b|to\b|in\b|on\b|for\b)[\w.\-’']+){{0,4}}?)\s+"
    rf"(?P<noun>{_COUNT_NOUNS})\b",
    re.IGNORECASE,
)
_UNIT_DAYS = {"day": 1, "week": 7, "month": 30, "year": 365}
_DURATION_RE = re.compile(
    r"(?<![\w.])(?P<num>\d+|" + "|".join(WORD_NUMBERS) + r")[- ](?P<unit>day|week|month|year)s?\b",
    re.IGNORECASE,
)


_DOWN = re.compile(
    r"\b(drop|dropp|fall|fell|falling|declin|decrease|plunge|plummet|slump|slid|slide|dip|"
    r"down|lower|shrank|shrink|contract|tumbl|sank|sink|cut|reduc|narrow|slash|halv|shed)\w*",
    re.IGNORECASE,
)
_UP = re.compile(
    r"\b(rise|rose|rising|risen|increas|jump|surge|soar|climb|grew|grow|gain|up|higher|"
    r"boost|expand|rais|widen|balloon|swell|swoll)\w*",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Money:
    """A money amount: its value in USD (None for other currencies) and its span.

    ``high`` is the upper figure of a range ("$40-50 billion", "$16 or $17 billion"),
    else None; ``value`` is then the lower one.
    """

    text: str
    start: int
    end: int
    value: float
    currency: str  # ISO 4217: 'USD', 'CNY', 'EUR', 'GBP', ...
    value_usd: float | None
    high: float | None = None


@dataclass(frozen=True)
class Percent:
    """A percentage as a fraction (0.25 for "25 percent") and its span; ``points`` for
    "percentage points" (a difference of rates, not a rate)."""

    text: str
    start: int
    end: int
    value: float
    points: bool = False


@dataclass(frozen=True)
class Count:
    """A count of things: "545 products", "almost 6,000 items", "12 million metric tons"."""

    text: str
    start: int
    end: int
    value: float
    noun: str  # the counted noun, lower case: 'products', 'tariff lines', 'tons', ...


@dataclass(frozen=True)
class Duration:
    """A duration such as "90-day": its length in days and its span."""

    text: str
    start: int
    end: int
    days: int
    unit: str
    count: int


def _number(text: str) -> float:
    word = text.lower()
    if word in WORD_NUMBERS:
        return float(WORD_NUMBERS[word])
    return float(text.replace(",", ""))


def _prefix_currency(prefix: str) -> str:
    p = prefix.strip().rstrip("$").strip() or "$"
    p = p.rstrip(".") if p.startswith("Rs") else p
    for key, code in _PREFIX_CURRENCY:
        if p.upper() == key.upper():
            return code
    return "USD" if "$" in prefix else "OTHER"


def _suffix_currency(word: str) -> str:
    w = word.lower()
    if "dollar" in w:
        return "USD"
    if w in ("yuan", "renminbi", "rmb"):
        return "CNY"
    if w.startswith("euro"):
        return "EUR"
    if w.startswith("pound"):
        return "GBP"
    return "JPY" if w == "yen" else "INR"


def _find_money(text: str) -> list[Money]:
    """The reading behind :func:`find_money`."""
    found: list[Money] = []
    for m in _MONEY_RE.finditer(text):
        if m.group("num") is not None:
            value = _number(m.group("num"))
            scale = (m.group("scale") or "").lower()
            currency = _prefix_currency(m.group("cur"))
        else:
            value = _number(m.group("num2"))
            scale = (m.group("scale2") or "").lower()
            currency = _suffix_currency(m.group("cur2"))
        end, high = m.end(), None
        tail = _MONEY_TAIL_RE.match(text, end)
        if tail and tail["sep"].lower() == "and" and not _BETWEEN_RE.search(text[: m.start()]):
            tail = None  # "$77 billion and $32 billion" are two amounts, not a range
        if tail and tail["sep"].lower() == "to" and (m.group("scale") or m.group("num") is None):
            tail = None  # "from $40 billion to $50 billion" is a change; "$40 to $50bn" a range
        if tail and m.group("num") is not None:
            top = _number(tail["num"]) * _SCALE.get(tail["scale"].lower(), 1.0)
            if not scale:
                scale = tail["scale"].lower()
            high, end = top, tail.end()
        value *= _SCALE.get(scale, 1.0)
        if high is not None and high <= value:
            high, end = None, m.end()
        if found and found[-1].end > m.start():
            continue  # the upper figure of a range already read
        found.append(
            Money(
                text=text[m.start() : end],
                start=m.start(),
                end=end,
                value=value,
                currency=currency,
                value_usd=value if currency == "USD" else None,
                high=high,
            )
        )
    return found


@lru_cache(maxsize=4096)
def _find_money_cached(text: str) -> tuple[Money, ...]:
    return tuple(_find_money(text))


def find_money(text: str) -> list[Money]:
    """Every money amount with a figure in ``text`` (offsets into ``text``), in any
    currency; only US dollars get a ``value_usd``. A figure without a scale borrows the
    scale of a range's upper figure ("$16 or $17 billion").

    Remembered per text (the rules read one sentence several times).
    """
    return list(_find_money_cached(text))


def parse_money(text: str) -> float | None:
    """The USD value of the first money amount in ``text``, or None."""
    for money in find_money(text):
        if money.value_usd is not None:
            return money.value_usd
    return None


def _find_percents(text: str) -> list[Percent]:
    """The reading behind :func:`find_percents`."""
    out: list[Percent] = []
    for m in _PERCENT_RE.finditer(text):
        points = "point" in m.group("unit").lower()
        out.append(
            Percent(m.group(0), m.start(), m.end(), round(_number(m["num"]) / 100, 10), points)
        )
    for m in _SHARED_UNIT_RE.finditer(text):
        if any(p.start <= m.start() < p.end for p in out):
            continue
        nxt = next((p for p in out if p.start >= m.end()), None)
        if nxt is None:
            continue
        value = round(_number(m["num"]) / 100, 10)
        if value > 5:  # "2018 and 25%": not a shared unit
            continue
        out.append(Percent(m["num"], m.start(), m.start() + len(m["num"]), value, nxt.points))
    return sorted(out, key=lambda p: p.start)


@lru_cache(maxsize=4096)
def _find_percents_cached(text: str) -> tuple[Percent, ...]:
    return tuple(_find_percents(text))


def find_percents(text: str) -> list[Percent]:
    """Every percentage in ``text`` as a fraction, with figures that share a unit
    ("15 and ten percent", "25%, 20%, 10% and 5%", "10-25%") read one by one.

    Remembered per text (the rules read one sentence several times).
    """
    return list(_find_percents_cached(text))


def parse_percent(text: str) -> float | None:
    """The first percentage in ``text`` as a fraction, or None."""
    found = find_percents(text)
    return found[0].value if found else None


def find_counts(text: str) -> list[Count]:
    """Counts of products, lines, items, companies, tons ...: "128 US goods", "5,207 US
    products", "8 individual 10 digit HTS codes", "12 and four types". Years are not
    counts ("2018 products" is a year)."""
    out: list[Count] = []
    for m in COUNT_RE.finditer(text):
        raw = m["num"]
        if re.fullmatch(r"(?:19|20)\d\d", raw):
            continue
        if re.search(r"[%$£€¥]|percent|\b(?:19|20)\d\d\b", m["mods"] or "", re.I):
            continue
        value = _number(raw) * _SCALE.get((m["scale"] or "").strip().lower(), 1.0)
        noun = " ".join(m["noun"].lower().split())
        out.append(Count(m.group(0), m.start(), m.end(), value, noun))
        lead = re.search(
            rf"(?<![\w.$£€¥,])(?P<num>{_NUM}|{_WORD_NUM})\s+(?:and|or)\s+$", text[: m.start()]
        )
        if lead:  # "12 and four types"
            out.append(
                Count(lead["num"], lead.start(), lead.start() + len(lead["num"]),
                      _number(lead["num"]), noun)
            )  # fmt: skip
    return sorted(out, key=lambda c: c.start)


def _find_durations(text: str) -> list[Duration]:
    """The reading behind :func:`find_durations`."""
    out: list[Duration] = []
    for m in _DURATION_RE.finditer(text):
        raw = m.group("num").lower()
        count = int(raw) if raw.isdigit() else WORD_NUMBERS[raw]
        unit = m.group("unit").lower()
        out.append(Duration(m.group(0), m.start(), m.end(), count * _UNIT_DAYS[unit], unit, count))
    return out


@lru_cache(maxsize=4096)
def _find_durations_cached(text: str) -> tuple[Duration, ...]:
    return tuple(_find_durations(text))


def find_durations(text: str) -> list[Duration]:
    """Durations such as "90-day", "three-month" (a month counts 30 days, a year 365).

    Remembered per text (the rules read one sentence several times).
    """
    return list(_find_durations_cached(text))


def direction(text: str) -> int:
    """+1 if ``text`` (the words around a change) says up, -1 if down, 0 if unclear."""
    down, up = _DOWN.search(text), _UP.search(text)
    if down and not up:
        return -1
    if up and not down:
        return 1
    if up and down:  # the nearer word wins
        return -1 if down.start() < up.start() else 1
    return 0


def signed_change(percent: Percent, sentence: str, offset: int = 0) -> float | None:
    """The signed change a percentage states: "40 percent drop" -> -0.40.

    ``offset`` is the start of ``sentence`` in the same coordinates as the percent.
    The words right after the figure are read first ("40 percent drop"), then the
    words before it ("fell 40 percent"). None when no direction is stated.
    """
    after = sentence[percent.end - offset : percent.end - offset + 25]
    before = sentence[max(0, percent.start - offset - 25) : percent.start - offset]
    sign = direction(after.split(",")[0]) or direction(before.split(",")[-1])
    return None if sign == 0 else sign * percent.value
