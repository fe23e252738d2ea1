"""Money, percentages and durations in news text, normalized: USD, fractions, days.

Every library tried misses money written as "USD200 billion", so money is found by
regular expressions here: ``$1.2 trillion``, ``USD200 billion``, ``US$34bn``,
``200 billion dollars``. Words without a figure ("multibillion-dollar") give no amount.
Only US dollars are valued; other currencies are reported with ``value_usd=None``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

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
_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_SCALE_RE = r"trillion|billion|million|thousand|bn|tn|mn|mln|[bmk](?![a-z])"
_USD_PREFIX = r"US\s?\$|USD\s?|U\.S\.\s?\$|\$"
_MONEY_RE = re.compile(
    rf"(?P<cur>{_USD_PREFIX})\s?(?P<num>{_NUM})(?:\s?(?P<scale>{_SCALE_RE}))?\b"
    rf"|(?<![\w.])(?P<num2>{_NUM})\s?(?P<scale2>{_SCALE_RE})?\s+"
    r"(?P<cur2>(?:U\.?S\.? )?dollars|yuan|renminbi|euros?)\b",
    re.IGNORECASE,
)
_PERCENT_RE = re.compile(
    rf"(?<![\w.])(?P<num>{_NUM})\s?(?:-\s?)?(?:percent|per cent|%|pct)(?:age points?)?",
    re.IGNORECASE,
)
WORD_NUMBERS = {  # number words, shared by the date and claim rules
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
    "thirty": 30,
    "sixty": 60,
    "ninety": 90,
    "hundred": 100,
}
_UNIT_DAYS = {"day": 1, "week": 7, "month": 30, "year": 365}
_DURATION_RE = re.compile(
    r"(?<![\w.])(?P<num>\d+|" + "|".join(WORD_NUMBERS) + r")[- ](?P<unit>day|week|month|year)s?\b",
    re.IGNORECASE,
)
_DOWN = re.compile(
    r"\b(drop|dropp|fall|fell|falling|declin|decrease|plunge|plummet|slump|slid|slide|"
    r"down|lower|shrank|shrink|contract|tumbl|sank|sink|cut|reduc)\w*",
    re.IGNORECASE,
)
_UP = re.compile(
    r"\b(rise|rose|rising|risen|increas|jump|surge|soar|climb|grew|grow|gain|up|higher|"
    r"boost|expand|rais)\w*",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Money:
    """A money amount: its value in USD (None for other currencies) and its span."""

    text: str
    start: int
    end: int
    value: float
    currency: str  # 'USD', 'CNY', 'EUR'
    value_usd: float | None


@dataclass(frozen=True)
class Percent:
    """A percentage as a fraction (0.25 for "25 percent") and its span."""

    text: str
    start: int
    end: int
    value: float


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
    return float(text.replace(",", ""))


def find_money(text: str) -> list[Money]:
    """Every money amount with a figure in ``text`` (offsets into ``text``)."""
    found: list[Money] = []
    for m in _MONEY_RE.finditer(text):
        if m.group("num") is not None:
            value = _number(m.group("num"))
            scale = (m.group("scale") or "").lower()
            currency = "USD"
        else:
            value = _number(m.group("num2"))
            scale = (m.group("scale2") or "").lower()
            cur = m.group("cur2").lower()
            currency = "USD" if "dollar" in cur else "CNY" if cur in ("yuan", "renminbi") else "EUR"
        value *= _SCALE.get(scale, 1.0)
        found.append(
            Money(
                text=m.group(0),
                start=m.start(),
                end=m.end(),
                value=value,
                currency=currency,
                value_usd=value if currency == "USD" else None,
            )
        )
    return found


def parse_money(text: str) -> float | None:
    """The USD value of the first money amount in ``text``, or None."""
    for money in find_money(text):
        if money.value_usd is not None:
            return money.value_usd
    return None


def find_percents(text: str) -> list[Percent]:
    """Every percentage in ``text`` as a fraction."""
    return [
        Percent(m.group(0), m.start(), m.end(), round(_number(m.group("num")) / 100, 10))
        for m in _PERCENT_RE.finditer(text)
    ]


def parse_percent(text: str) -> float | None:
    """The first percentage in ``text`` as a fraction, or None."""
    found = find_percents(text)
    return found[0].value if found else None


def find_durations(text: str) -> list[Duration]:
    """Durations such as "90-day", "three-month" (a month counts 30 days, a year 365)."""
    out: list[Duration] = []
    for m in _DURATION_RE.finditer(text):
        raw = m.group("num").lower()
        count = int(raw) if raw.isdigit() else WORD_NUMBERS[raw]
        unit = m.group("unit").lower()
        out.append(Duration(m.group(0), m.start(), m.end(), count * _UNIT_DAYS[unit], unit, count))
    return out


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
