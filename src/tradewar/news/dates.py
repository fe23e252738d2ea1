"""Resolve date expressions in news text against the article date.

The rules are explicit and explained in the ``basis`` of each result:

- a month and day without a year ("March 2", "Dec. 1") is the next such day on or
  after the article date in a future or deadline context ("due", "deadline", "by",
  "until", "ahead of", "will"), the latest one on or before it in a past context
  ("imposed", "said", "agreed"), and the nearest one otherwise;
- a month alone ("in July", "January") is the latest such month that has begun by
  the article date in a past context, the next one in a future context;
- a weekday ("on Tuesday", "as early as Wednesday") is within the week before (past)
  or after (future) the article date; "last Friday" is the latest Friday before it;
- "yesterday", "this week", "last week", "next month", "last year", ... are relative;
- "early next year" is a range (early = January-April, mid = May-August,
  late = September-December); "the next several years" is an open horizon.

Unusual expressions fall back to Microsoft Recognizers-Text (slow, so only on
short spans and cached per (text, reference)).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Literal

from .amounts import WORD_NUMBERS

Tense = Literal["past", "future"] | None

MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name} | {
    name.lower(): i for i, name in enumerate(calendar.month_abbr) if name
}
MONTHS["sept"] = 9
WEEKDAYS = {name.lower(): i for i, name in enumerate(calendar.day_name)}
_MONTH_RE = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|"
    r"December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.?"
)
_WEEKDAY_RE = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"

MONTH_DAY_RE = re.compile(
    rf"\b(?P<month>{_MONTH_RE})\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(?P<year>(?:19|20)\d\d)\b)?"
)
DAY_MONTH_RE = re.compile(
    rf"\b(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<month>{_MONTH_RE})(?:,?\s+(?P<year>(?:19|20)\d\d)\b)?"
)
MONTH_YEAR_RE = re.compile(rf"\b(?P<month>{_MONTH_RE})(?:\s+(?P<year>(?:19|20)\d\d))?\b")
YEAR_RE = re.compile(r"\b(?P<year>(?:19|20)\d\d)\b")
DAY_RANGE_RE = re.compile(
    rf"\b(?P<month>{_MONTH_RE})\s+(?P<day>\d{{1,2}})\s?[-–]\s?(?P<day2>\d{{1,2}}),?\s+(?P<year>(?:19|20)\d\d)\b"
)
ISO_RE = re.compile(r"\b(?P<year>(?:19|20)\d\d)-(?P<month>\d\d)-(?P<day>\d\d)\b")
WEEKDAY_RE = re.compile(rf"\b(?:(?P<mod>last|next|this)\s+)?(?P<weekday>{_WEEKDAY_RE})\b", re.I)
RELATIVE_RE = re.compile(
    r"\b(?P<mod>early|earlier|mid|late|later|end of|the end of)?\s*"
    r"(?P<which>this|last|next|past|coming)\s+(?P<unit>week|month|year)\b"
    r"|\b(?P<day>yesterday|today|tomorrow|tonight)\b",
    re.I,
)
HORIZON_RE = re.compile(
    r"\b(?:over|within|in|during)?\s*(?:the\s+)?(?:next|coming|following)\s+"
    r"(?P<n>\d+|two|three|four|five|six|seven|eight|nine|ten|several|few|many)\s+"
    r"(?P<unit>years|months|weeks|days)\b",
    re.I,
)

FUTURE_CUES = re.compile(
    r"\b(due|deadline|by|until|till|ahead of|before|will|would|shall|is to|are to|set to|"
    r"scheduled|expected|plans?|planned|planning|going to|could|may|might|next|upcoming|"
    r"threaten\w*|postpone\w*|delay\w*|extend\w*|push back)\b",
    re.I,
)
PAST_CUES = re.compile(
    r"\b(imposed|said|says|agreed|announced|reached|began|took|took effect|went into effect|"
    r"was|were|had|did|held|met|signed|released|reported|arrested|detained|since|ago|"
    r"last|earlier|fell|rose|dropped|increased|decreased|told|made|led|retaliated|started|"
    r"embarked|abandoned|negotiated|secured|reviewed|appeared|targeted|deployed|took part|"
    r"angered|focused|engaged|ago|yesterday|been|came|left|raised|hiked|cut)\b",
    re.I,
)


@dataclass(frozen=True)
class Resolved:
    """A resolved date: ``date`` (ISO), optional ``end`` (inclusive) and the rule used."""

    text: str
    date: str | None
    end: str | None
    basis: str
    grain: str  # 'day', 'week', 'month', 'year', 'range', 'open'

    @property
    def is_range(self) -> bool:
        return self.end is not None and self.end != self.date


def tense(context: str) -> Tense:
    """'future' or 'past' from the words around a date expression, else None.

    Future and deadline words win over past-tense verbs: "a tariff increase imposed in
    July ... is due to rise ... on March 2" is future for "March 2" (the caller gives
    the words nearest the expression).
    """
    if FUTURE_CUES.search(context):
        return "future"
    if PAST_CUES.search(context):
        return "past"
    return None


def to_date(value: str | date | datetime | None) -> date | None:
    """An ISO string, date or datetime as a ``date`` (None stays None)."""
    if value is None or (isinstance(value, date) and not isinstance(value, datetime)):
        return value  # type: ignore[return-value]
    if isinstance(value, datetime):
        return value.date()
    return date.fromisoformat(value[:10])


def _month(name: str) -> int:
    return MONTHS[name.lower().rstrip(".")]


def _safe(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def month_day(month: int, day: int, ref: date, when: Tense) -> tuple[date, str] | None:
    """The year for a month-day without one, by the tense rule (see module doc)."""
    candidates = [d for y in (ref.year - 1, ref.year, ref.year + 1) if (d := _safe(y, month, day))]
    if not candidates:
        return None
    if when == "future":
        after = [d for d in candidates if d >= ref]
        return min(after), "month-day, future context: next on or after the article date"
    if when == "past":
        before = [d for d in candidates if d <= ref]
        return max(before), "month-day, past context: latest on or before the article date"
    best = min(candidates, key=lambda d: abs((d - ref).days))
    return best, "month-day, no tense cue: nearest to the article date"


def month_only(month: int, ref: date, when: Tense) -> tuple[date, date, str]:
    """The month range for a month name without a year, by the tense rule."""
    if when == "future":
        year = ref.year if month >= ref.month else ref.year + 1
        basis = "month, future context: next such month"
    else:
        year = ref.year if month <= ref.month else ref.year - 1
        basis = (
            "month, past context: latest such month begun by the article date"
            if when == "past"
            else "month, no tense cue: latest such month begun by the article date"
        )
    return date(year, month, 1), _month_end(year, month), basis


def weekday(day: int, ref: date, when: Tense, mod: str | None) -> tuple[date, str]:
    """A weekday near the article date (see module doc)."""
    mod = (mod or "").lower()
    if mod == "last":
        delta = (ref.weekday() - day) % 7 or 7
        return ref - timedelta(days=delta), "'last <weekday>': latest such day before the date"
    if mod == "next" or when == "future":
        delta = (day - ref.weekday()) % 7
        return ref + timedelta(days=delta), "weekday, future context: on or after the date"
    delta = (ref.weekday() - day) % 7
    return ref - timedelta(days=delta), "weekday, past context: on or before the article date"


def _iso(d: date | None) -> str | None:
    return None if d is None else d.isoformat()


def _part(mod: str | None, start: date, end: date) -> tuple[date, date, str]:
    """Narrow a year (or month) to its early/mid/late part."""
    mod = (mod or "").lower()
    if not mod or start.month != 1 or end.month != 12:
        return start, end, ""
    if mod in ("early", "earlier"):
        return start, date(start.year, 4, 30), "early = January-April; "
    if mod == "mid":
        return date(start.year, 5, 1), date(start.year, 8, 31), "mid = May-August; "
    return date(start.year, 9, 1), end, "late = September-December; "


def _relative(m: re.Match[str], ref: date) -> Resolved:
    text = m.group(0).strip()
    if m.group("day"):
        word = m.group("day").lower()
        shift = {"yesterday": -1, "today": 0, "tonight": 0, "tomorrow": 1}[word]
        d = ref + timedelta(days=shift)
        return Resolved(text, d.isoformat(), None, f"'{word}' relative to the article date", "day")
    which, unit = m.group("which").lower(), m.group("unit").lower()
    step = {"this": 0, "last": -1, "past": -1, "next": 1, "coming": 1}[which]
    if unit == "week":
        monday = ref - timedelta(days=ref.weekday()) + timedelta(weeks=step)
        start, end = monday, monday + timedelta(days=6)
    elif unit == "month":
        y, mo = divmod(ref.year * 12 + ref.month - 1 + step, 12)
        start, end = date(y, mo + 1, 1), _month_end(y, mo + 1)
    else:
        start, end = date(ref.year + step, 1, 1), date(ref.year + step, 12, 31)
    start, end, note = _part(m.group("mod"), start, end)
    basis = f"'{which} {unit}' relative to the article date ({note}week = Monday-Sunday)"
    if unit != "week":
        basis = f"'{which} {unit}' relative to the article date" + (
            f" ({note[:-2]})" if note else ""
        )
    return Resolved(text, start.isoformat(), end.isoformat(), basis, unit)


def resolve(text: str, ref: str | date | None, when: Tense = None) -> Resolved | None:
    """Resolve one date expression (a short span) against the article date ``ref``.

    ``when`` is the tense of its context (see :func:`tense`). Explicit dates resolve
    without ``ref``; relative ones need it and give None without it.
    """
    refd = to_date(ref)
    if m := ISO_RE.search(text):
        d = _safe(int(m["year"]), int(m["month"]), int(m["day"]))
        if d:
            return Resolved(m.group(0), d.isoformat(), None, "explicit date", "day")
    if m := DAY_RANGE_RE.search(text):
        month, year = _month(m["month"]), int(m["year"])
        d1, d2 = _safe(year, month, int(m["day"])), _safe(year, month, int(m["day2"]))
        if d1 and d2 and d2 >= d1:
            return Resolved(m.group(0), d1.isoformat(), d2.isoformat(), "explicit days", "range")
    for rx in (MONTH_DAY_RE, DAY_MONTH_RE):
        if m := rx.search(text):
            month, day = _month(m["month"]), int(m["day"])
            if m["year"]:
                d = _safe(int(m["year"]), month, day)
                if d:
                    return Resolved(m.group(0), d.isoformat(), None, "explicit date", "day")
                continue
            if refd is None:
                return None
            got = month_day(month, day, refd, when)
            if got:
                return Resolved(m.group(0), got[0].isoformat(), None, got[1], "day")
    if m := HORIZON_RE.search(text):
        n = m["n"].lower()
        count = int(n) if n.isdigit() else WORD_NUMBERS.get(n)
        unit = m["unit"].lower()
        start = refd
        end = None
        if refd is not None and count is not None and unit == "years":
            end = _safe(refd.year + count, refd.month, refd.day) or refd + timedelta(365 * count)
        basis = "open horizon from the article date" + (
            f" ({count} {unit})" if count else f" ('{n} {unit}', length not stated)"
        )
        return Resolved(m.group(0).strip(), _iso(start), _iso(end), basis, "open")
    if m := RELATIVE_RE.search(text):
        if refd is None:
            return None
        return _relative(m, refd)
    if m := WEEKDAY_RE.search(text):
        if refd is None:
            return None
        d, basis = weekday(WEEKDAYS[m["weekday"].lower()], refd, when, m["mod"])
        return Resolved(m.group(0), d.isoformat(), None, basis, "day")
    if m := MONTH_YEAR_RE.search(text):
        month = _month(m["month"])
        if m["year"]:
            y = int(m["year"])
            return Resolved(
                m.group(0),
                date(y, month, 1).isoformat(),
                _month_end(y, month).isoformat(),
                "explicit month",
                "month",
            )
        if m["month"] == "May" and not re.search(r"\b(in|of|since|until|by|from)\s+May\b", text):
            return None  # the verb "may"
        if refd is None:
            return None
        start, end, basis = month_only(month, refd, when)
        return Resolved(m.group(0), start.isoformat(), end.isoformat(), basis, "month")
    if m := YEAR_RE.search(text):
        y = int(m["year"])
        return Resolved(m.group(0), f"{y}-01-01", f"{y}-12-31", "explicit year", "year")
    if refd is None:
        return None
    return _recognizers(text, refd.isoformat())


@lru_cache(maxsize=4096)
def _recognizers(text: str, ref: str) -> Resolved | None:
    """Fallback: Recognizers-Text on a short span (cached; ~5 ms a call)."""
    if len(text) > 80:
        return None
    try:
        from recognizers_date_time import Culture
    except ImportError:  # pragma: no cover - installed with the package
        return None
    model = _recognizer_model(Culture.English)
    results = model.parse(text, datetime.fromisoformat(ref))
    for result in results:
        values = (result.resolution or {}).get("values") or []
        if not values:
            continue
        value = values[-1]
        start = value.get("value") or value.get("start")
        if not start or ("X" in str(value.get("timex", "")) and len(values) > 1):
            continue
        end = value.get("end")
        if not _ISO_DAY.match(str(start)) or (end and not _ISO_DAY.match(str(end))):
            continue  # a duration ("48 hours" resolves to '172800' seconds), not a date
        if end:
            end = (date.fromisoformat(end[:10]) - timedelta(days=1)).isoformat()
        return Resolved(
            result.text, start[:10], end, "Recognizers-Text relative to the article date", "range"
        )
    return None


_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


@lru_cache(maxsize=1)
def _recognizer_model(culture: str):
    from recognizers_date_time import DateTimeRecognizer

    return DateTimeRecognizer(culture).get_datetime_model(culture)


def add_days(start: str, days: int) -> str:
    """``start`` plus ``days`` days, ISO."""
    return (date.fromisoformat(start) + timedelta(days=days)).isoformat()


_MID_RE = re.compile(
    rf"\b(?:mid|early|late)[- ](?P<month>{_MONTH_RE})(?:\s+(?P<year>(?:19|20)\d\d))?\b"
)
_BARE_MONTH_RE = re.compile(
    rf"\b(?:in|from|since|until|till|by|of|through|during|for|before|after|on)\s+"
    rf"(?P<month>{_MONTH_RE})(?!\s+\d)\b"
)
_DATE_FINDERS = (
    ISO_RE, DAY_RANGE_RE, MONTH_DAY_RE, DAY_MONTH_RE, _MID_RE, MONTH_YEAR_RE, WEEKDAY_RE,
    RELATIVE_RE,
)  # fmt: skip


def _find_dates(text: str) -> list[tuple[int, int, str]]:
    """The reading behind :func:`find_dates`."""
    found: list[tuple[int, int, str]] = []

    def add(s: int, e: int) -> None:
        if any(s < fe and fs < e for fs, fe, _ in found):
            return
        found.append((s, e, text[s:e].strip()))

    for rx in _DATE_FINDERS:
        for m in rx.finditer(text):
            if rx is MONTH_YEAR_RE and not m["year"]:
                continue  # a bare month: only after a preposition (below)
            if m.group(0).strip():
                add(m.start(), m.end())
    for m in _BARE_MONTH_RE.finditer(text):
        if m["month"] == "May" and not re.search(r"\b(?:in|of|since|until|by|from)\s+May", m[0]):
            continue
        add(m.start("month"), m.end("month"))
    return sorted(found)


@lru_cache(maxsize=4096)
def _find_dates_cached(text: str) -> tuple[tuple[int, int, str], ...]:
    return tuple(_find_dates(text))


def find_dates(text: str) -> list[tuple[int, int, str]]:
    """Date expressions in ``text`` as (start, end, words), longest first where they
    overlap: ISO dates, month-days (with or without year), mid/early/late months, months
    with a year, bare months after a preposition ("in July"), weekdays and relative
    expressions ("next week", "today"). Resolve each with :func:`resolve`.

    Remembered per text (the rules read one sentence several times).
    """
    return list(_find_dates_cached(text))
