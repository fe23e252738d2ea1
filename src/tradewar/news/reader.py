"""Read an article: decode, extract HTML text, mark boilerplate, split stories, date it.

For plain text ``Article.text`` is the input unchanged; boilerplate (repeated photo
captions, photo credits, bylines, category footers) is recorded in
``Article.removed`` and skipped by :func:`segments`, never cut out, so offsets index
the input. HTML is turned into text (one block a paragraph) with the standard
library's ``html.parser``; its title and date metadata are read on the way.

The date comes from ``date`` (basis 'option'), else the metadata ('metadata'), else
it is inferred from the text ('inferred', with ``date_note`` saying how), else
basis 'none'.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date as Date
from datetime import timedelta
from functools import lru_cache
from html.parser import HTMLParser

from ..errors import InputError
from . import dates as _dates
from .nlp import MAX_SEGMENT_CHARS, Segment
from .schema import Article, Span, Story

_AGENCY = r"(?:AP|AFP|Reuters|Bloomberg|Xinhua|dpa|Kyodo|Associated Press|The New York Times)"
_CREDIT_RE = re.compile(r"\s*\((?:[^()]{2,60}/[^()]{2,60}|(?:Photo|File|Getty)[^()]{0,60})\)\s*$")
_BYLINE_TAIL_RE = re.compile(
    rf"(?<=[.!?\"”’])\s+((?:[A-Z][\w.'’-]+\s){{1,3}}[A-Z][\w'’-]+,\s*[A-Z][\w .'’-]{{1,30}},\s*"
    rf"{_AGENCY}|{_AGENCY})\s*$"
)
_BYLINE_LINE_RE = re.compile(
    rf"^\s*(?:By\s+[A-Z][\w.'’-]+(?:\s+[A-Z][\w.'’-]+){{0,3}}(?:\s*(?:,|and)\s*.*)?|{_AGENCY}"
    rf"|(?:[A-Z][\w.'’-]+\s){{1,3}}[A-Z][\w'’-]+,\s*[A-Z][\w .'’-]{{1,30}},\s*{_AGENCY})\s*$"
)
_FOOTER_RE = re.compile(
    r"^\s*(?:Categories|Category|Tags?|Topics|Related(?: articles| stories)?|Share(?: this)?|"
    r"Advertisement|Read more|Copyright|©)\b.{0,200}$",
    re.I,
)
_PHOTO_RE = re.compile(r"\((?:right|left|center|centre|L|R|C|front|back|second from \w+)\)")
_SENT_END_RE = re.compile(r"[.!?][\"”’)]?\s*$")
_WORD_RE = re.compile(r"[A-Za-z]{2,}")
_BINARY_RE = re.compile("[\x00-\x08\x0b\x0e-\x1f\x80-\x9f\ufffd]")


def _decode(data: bytes | str) -> str:
    """Text from bytes (UTF-8, else Windows-1252); binary or empty input is refused."""
    if isinstance(data, bytes):
        if b"\x00" in data[:1_000_000]:
            raise InputError("input looks binary (NUL bytes): give plain text or HTML")
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = data.decode("cp1252")
            except UnicodeDecodeError as exc:
                raise InputError("input is not text: it cannot be decoded as UTF-8") from exc
    else:
        text = data
    if not text.strip():
        raise InputError("input is empty: give an article as plain text or HTML")
    if "\x00" in text[:1_000_000]:
        raise InputError("input looks binary (NUL bytes): give plain text or HTML")
    sample = text[:200_000]
    # control characters (not tab, line or form feed, carriage return), C1 codes, U+FFFD
    if len(_BINARY_RE.findall(sample)) > 0.02 * len(sample):
        raise InputError("input looks binary (control characters): give plain text or HTML")
    return text


# --------------------------------------------------------------------------- HTML


_BLOCK = {
    "p", "div", "br", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "section",
    "article", "header", "footer", "blockquote", "figcaption", "figure", "tr", "table",
    "pre", "hr", "dd", "dt", "main", "aside", "nav", "caption", "title",
}  # fmt: skip
_SKIP = {"script", "style", "noscript", "template", "svg", "nav", "form", "button", "select"}
_META_DATE_KEYS = (
    "article:published_time", "og:published_time", "datepublished", "date", "dc.date",
    "dc.date.issued", "pubdate", "publishdate", "publish-date", "sailthru.date",
    "parsely-pub-date", "article.published", "citation_publication_date",
)  # fmt: skip


class _HTMLText(HTMLParser):
    """Blocks of text with their tag, plus the title and date metadata."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[tuple[str, str]] = []  # (kind, text)
        self.buf: list[str] = []
        self.kind = "p"
        self.skip = 0
        self.in_title = False
        self.in_jsonld = False
        self.jsonld: list[str] = []
        self.title: str | None = None
        self.meta: dict[str, str] = {}
        self.times: list[str] = []

    def _flush(self) -> None:
        text = re.sub(r"\s+", " ", "".join(self.buf)).strip()
        if text:
            self.blocks.append((self.kind, text))
        self.buf = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k.lower(): (v or "") for k, v in attrs}
        if tag == "meta":
            key = (a.get("property") or a.get("name") or a.get("itemprop") or "").lower()
            if key and a.get("content"):
                self.meta.setdefault(key, a["content"])
            return
        if tag == "time" and a.get("datetime"):
            self.times.append(a["datetime"])
        if tag == "script" and "ld+json" in a.get("type", ""):
            self.in_jsonld = True
            return
        if tag == "title":
            self.in_title = True
            return
        if tag in _SKIP:
            self.skip += 1
            return
        if tag in _BLOCK:
            self._flush()
            self.kind = (
                "h"
                if tag in ("h1", "h2", "h3")
                else "caption"
                if tag in ("figcaption", "caption")
                else "footer"
                if tag in ("footer", "aside")
                else "p"
            )

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self.in_jsonld:
            self.in_jsonld = False
            return
        if tag == "title":
            self.in_title = False
            return
        if tag in _SKIP:
            self.skip = max(0, self.skip - 1)
            return
        if tag in _BLOCK:
            self._flush()
            self.kind = "p"

    def handle_data(self, data: str) -> None:
        if self.in_jsonld:
            self.jsonld.append(data)
        elif self.in_title:
            self.title = ((self.title or "") + data).strip() or None
        elif not self.skip:
            self.buf.append(data)

    def published(self) -> tuple[str, str] | None:
        """(ISO date, where it came from) from meta tags, JSON-LD or ``<time>``."""
        for key in _META_DATE_KEYS:
            if key in self.meta and (d := _iso_prefix(self.meta[key])):
                return d, f'<meta "{key}">'
        for raw in self.jsonld:
            try:
                data = json.loads(raw)
            except ValueError:
                continue
            for obj in data if isinstance(data, list) else [data]:
                items = obj.get("@graph", [obj]) if isinstance(obj, dict) else []
                for item in items:
                    if isinstance(item, dict) and (d := _iso_prefix(item.get("datePublished"))):
                        return d, "JSON-LD datePublished"
        for raw in self.times:
            if d := _iso_prefix(raw):
                return d, "<time datetime>"
        return None


def _iso_prefix(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    m = re.match(r"\s*((?:19|20)\d\d)-?(\d\d)-?(\d\d)", value)
    if not m:
        return None
    try:
        return Date(int(m[1]), int(m[2]), int(m[3])).isoformat()
    except ValueError:
        return None


def _looks_html(text: str) -> bool:
    head = text[:4096].lstrip().lower()
    if head.startswith(("<!doctype html", "<html", "<?xml", "<head", "<body")):
        return True
    return (
        len(re.findall(r"</?(?:p|div|br|h[1-6]|span|a|li|body|article)\b", text[:20000], re.I)) >= 3
    )


# --------------------------------------------------------------------------- paragraphs


@dataclass
class _Para:
    start: int
    end: int
    text: str
    kind: str = "p"  # from HTML: 'h', 'caption', 'footer', 'p'
    removed: list[tuple[int, int, str]] = field(default_factory=list)  # absolute spans
    headline: bool = False


_FUNCTION_WORDS = frozenset(
    {
        "the", "of", "and", "to", "in", "an", "is", "are", "was", "were", "that", "for", "on",
        "with", "as", "by", "at", "from", "it", "its", "has", "have", "had", "be", "will",
        "would", "said", "says", "this", "which", "not", "or", "but",
    }
)  # fmt: skip


def _english(words: list[str]) -> bool:
    """True when ``words`` read as English prose: at least one common function word, and
    at least 4 % of the words when there are 25 or more (news prose has ~40 %)."""
    hits = sum(w.lower() in _FUNCTION_WORDS for w in words)
    return hits >= 1 and (len(words) < 25 or hits >= 0.04 * len(words))


def _paragraphs(text: str) -> list[_Para]:
    """Non-empty lines as paragraphs; hard-wrapped blocks are joined into one."""
    paras: list[_Para] = []
    for block in re.finditer(r"(?:[^\n]*\S[^\n]*(?:\n|$))+", text):
        lines = [m for m in re.finditer(r"[^\n]*\S[^\n]*", block.group(0))]
        wrapped = len(lines) > 2 and sum(
            1
            for m in lines[:-1]
            if 40 <= len(m.group(0)) <= 90 and not _SENT_END_RE.search(m.group(0))
        ) > 0.6 * (len(lines) - 1)
        spans = (
            [(lines[0].start(), lines[-1].end())]
            if wrapped
            else [(m.start(), m.end()) for m in lines]
        )
        for s, e in spans:
            s0, e0 = block.start() + s, block.start() + e
            while s0 < e0 and text[s0].isspace():
                s0 += 1
            while e0 > s0 and text[e0 - 1].isspace():
                e0 -= 1
            if e0 > s0:
                paras.append(_Para(s0, e0, text[s0:e0]))
    return paras


def _norm(text: str) -> str:
    return re.sub(r"\W+", " ", _CREDIT_RE.sub("", text)).strip().lower()


def _headline_like(p: _Para) -> bool:
    words = p.text.split()
    return (
        0 < len(words) <= 16
        and not _SENT_END_RE.search(p.text)
        and p.text[:1].isupper()
        and not p.removed
    )


def _mark_boilerplate(paras: list[_Para]) -> None:
    """Record captions, credits, bylines and footers in each paragraph's ``removed``."""
    seen: dict[str, int] = {}
    for p in paras:
        key = _norm(p.text)
        if len(key) > 30:
            seen[key] = seen.get(key, 0) + 1
    for i, p in enumerate(paras):
        key = _norm(p.text)
        whole = (p.start, p.end)
        if p.kind == "caption" or (len(key) > 30 and seen.get(key, 0) > 1 and i < len(paras) - 1):
            p.removed.append((*whole, "caption"))
        elif p.kind == "footer" or (_FOOTER_RE.match(p.text) and len(p.text) < 200):
            p.removed.append((*whole, "footer"))
        elif _BYLINE_LINE_RE.match(p.text):
            p.removed.append((*whole, "byline"))
        elif (_PHOTO_RE.search(p.text) and not _SENT_END_RE.search(p.text)) or (
            _CREDIT_RE.search(p.text) and len(p.text.split()) < 60
        ):
            p.removed.append((*whole, "caption"))
        else:
            if m := _BYLINE_TAIL_RE.search(p.text):
                p.removed.append((p.start + m.start(1), p.start + m.end(1), "byline"))
            elif m := _CREDIT_RE.search(p.text):
                p.removed.append((p.start + m.start(), p.end, "credit"))
    # a repeated caption must be removed in every copy, also the first one that
    # the count above already covers; drop duplicates of the same span
    for p in paras:
        p.removed = sorted(set(p.removed))


def _stories(paras: list[_Para], html_title: str | None) -> list[tuple[int, str | None]]:
    """(index of the first paragraph, title) per story.

    A story starts at the top, and after a paragraph that ends with a byline or credit
    when the next kept paragraph looks like a headline (short, no final full stop)
    followed by body text. HTML ``h1``-``h3`` headings after body text also start one.
    """
    kept = [i for i, p in enumerate(paras) if not _fully_removed(p)]
    starts: list[tuple[int, str | None]] = []
    if kept:
        first = paras[kept[0]]
        if (first.kind == "h" or _headline_like(first)) and len(kept) > 1:
            first.headline = True
            starts.append((kept[0], first.text))
        else:
            starts.append((0, html_title))
    ended = False
    body_seen = False
    for n, i in enumerate(kept[1:], start=1):
        p = paras[i]
        nxt = paras[kept[n + 1]] if n + 1 < len(kept) else None
        if (
            (ended or (p.kind == "h" and body_seen))
            and (p.kind == "h" or _headline_like(p))
            and nxt is not None
            and not _headline_like(nxt)
        ):
            p.headline = True
            starts.append((i, p.text))
            ended = body_seen = False
            continue
        ended = any(kind in ("byline", "credit") and e == p.end for _, e, kind in p.removed) or any(
            paras[j].removed and paras[j].removed[0][2] == "byline"
            for j in range(kept[n - 1] + 1, i)
        )
        if not p.headline and _SENT_END_RE.search(p.text):
            body_seen = True
    return starts


def _fully_removed(p: _Para) -> bool:
    return any(s <= p.start and e >= p.end for s, e, _ in p.removed)


# --------------------------------------------------------------------------- date inference


@dataclass(frozen=True)
class Anchor:
    """A dated event of the curated record, recognised in a sentence.

    It matches when one of ``names`` (entity aliases of its actors or targets, not
    whole governments) occurs in the sentence or the one before, one of ``keywords``
    (the action's words) occurs in the sentence and, when the event has a place, the
    place is named in the sentence.
    """

    label: str
    date: str  # ISO, first day
    end: str  # ISO, last day
    names: tuple[str, ...]
    keywords: str  # regular expression
    place: str | None = None


_ACTION_WORDS = {
    "talks": r"talks|telephone call|phone call|met|meeting|negotiations",
    "truce": r"truce|ceasefire",
    "agreement": r"signed|agreement|deal",
    "arrest": r"arrest\w*",
    "detention": r"detain\w*|detention",
    "indictment": r"indict\w*|charged",
    "export_control": r"export controls?|entity list",
    "sanctions": r"sanction\w*",
    "cyber_report": r"report",
    "purchase": r"purchas\w*|bought",
    "tariff_action": r"postpone\w*|delay\w*",
}


def _anchors() -> list[Anchor]:
    """Anchors from the curated known events (``tradewar.news.entities``), if present."""
    try:
        from . import entities as _entities

        index = _entities.entity_index()
        known = _entities.known_events()
    except Exception:
        return []
    out = []
    for e in known:
        if not e.date_cue:
            continue
        names: list[str] = []
        for ref in e.actors + e.targets:
            ent = index.entities.get(ref)
            if ent is not None and ent.kind != "government":
                names.extend(ent.aliases)
        words = _ACTION_WORDS.get(e.action)
        if not names or not words:
            continue
        out.append(
            Anchor(
                label=e.title,
                date=e.date.isoformat(),
                end=(e.date_end or e.date).isoformat(),
                names=tuple(names),
                keywords=words,
                place=e.place,
            )
        )
    return out


@lru_cache(maxsize=256)
def _anchor_res(names: tuple[str, ...], keywords: str) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """One compiled pattern for an anchor's names and one for its keywords."""
    alts = "|".join(re.escape(n) for n in names) or "(?!)"
    return re.compile(rf"(?<![\w.])(?:{alts})(?!\w)"), re.compile(rf"\b(?:{keywords})\b", re.I)


def _anchor_cues(sentences: list[str], anchors: list[Anchor]) -> list[tuple[Date, str]]:
    """Lower bounds on the article date from known events reported as past.

    Near the event's words (40 characters), "yesterday" puts the article the day after
    the event, "last week" in the week after, "this week" in the same week; otherwise
    the article is on or after the event's last day. Events in a future context
    ("will hold talks") give no bound.
    """
    lows: list[tuple[Date, str]] = []
    whole = " ".join(sentences)  # an anchor whose names are nowhere cannot match
    anchors = [
        a
        for a in anchors
        if (not a.place or a.place in whole)
        and _anchor_res(tuple(a.names), a.keywords)[0].search(whole)
    ]
    for i, sent in enumerate(sentences):
        context = sent if i == 0 else sentences[i - 1] + " " + sent
        for a in anchors:
            if a.place and a.place not in sent:
                continue
            names, keywords = _anchor_res(tuple(a.names), a.keywords)
            m = keywords.search(sent)  # first: it is rarer than a name, and one sentence
            if not m or not names.search(context):
                continue
            near = sent[max(0, m.start() - 40) : m.end() + 40]
            first, last = Date.fromisoformat(a.date), Date.fromisoformat(a.end)
            if re.search(r"\byesterday\b", near, re.I):
                lows.append((last + timedelta(days=1), f"{a.label} ({a.end}) 'yesterday'"))
            elif re.search(r"\blast week\b", near, re.I):
                monday = last - timedelta(days=last.weekday()) + timedelta(weeks=1)
                lows.append((monday, f"{a.label} ({a.end}) 'last week'"))
            elif re.search(r"\bthis week\b", near, re.I):
                monday = first - timedelta(days=first.weekday())
                lows.append((monday, f"{a.label} ({a.date}) 'this week'"))
            elif _dates.tense(near) == "past":
                lows.append((last, f"{a.label} ({a.end}) is reported as past"))
    return lows


_SENTENCE_RE = re.compile(r"[^.!?\n]+(?:[.!?]+[\"”’]?|$)")


def infer_date(text: str, anchors: list[Anchor] | None = None) -> tuple[str | None, str]:
    """Infer the article date from cues in the text; (ISO date or None, explanation).

    Cues: explicit dates with a year, years in past statements, month-day mentions in
    past ("agreed ... on Dec. 1") or future/deadline context ("the March 1 deadline"),
    past month mentions ("in January"), "this month", weekday mentions ("On Tuesday,
    ... said"), "yesterday", and dated events of the curated record. The lower bound is
    the latest past cue, the upper bound the earliest future cue; the date chosen is
    the earliest day consistent with both and with the weekday and 'yesterday' cues.
    """
    anchors = _anchors() if anchors is None else anchors
    lows: list[tuple[Date, str]] = []
    highs: list[tuple[Date, str]] = []
    month_days: list[tuple[int, int, str, str]] = []  # month, day, tense, text
    past_months: list[tuple[int, str]] = []
    weekdays_past: list[tuple[int, str]] = []
    this_month = False
    years: list[int] = []
    sentences = [m.group(0).strip() for m in _SENTENCE_RE.finditer(text[:200_000])]
    lows.extend(_anchor_cues(sentences, anchors))
    for sent in sentences:
        when = _dates.tense(sent)
        for m in _dates.MONTH_DAY_RE.finditer(sent):
            ctx = sent[max(0, m.start() - 40) : m.end() + 15]
            local = _dates.tense(ctx) or when
            if m["year"]:
                d = _dates._safe(int(m["year"]), _dates._month(m["month"]), int(m["day"]))
                if d:
                    (highs if local == "future" else lows).append((d, f"'{m.group(0)}'"))
            elif local:
                month_days.append((_dates._month(m["month"]), int(m["day"]), local, m.group(0)))
        if when == "past":
            for m in re.finditer(r"\b(in|throughout|during)\s+((?:19|20)\d\d)\b", sent):
                # "throughout 2018" in a past statement: the whole year is over
                years.append(int(m[2]) + (m[1] == "throughout"))
            for m in re.finditer(rf"\bin\s+({_dates._MONTH_RE})(?!\s+\d)", sent):
                if m[1] != "May":
                    past_months.append((_dates._month(m[1]), m.group(0)))
            for m in _dates.WEEKDAY_RE.finditer(sent):
                if not m["mod"] or m["mod"].lower() == "last":
                    day = _dates.WEEKDAYS[m["weekday"].lower()]
                    if m["mod"]:  # "last Friday": the article is on a later day
                        day = (day + 1) % 7
                    weekdays_past.append((day, m.group(0)))
        if re.search(r"\bthis month\b", sent, re.I):
            this_month = True
    used: list[str] = []
    low = max(lows, default=None)
    if low is None and years:
        y = max(years)
        low = (Date(y, 1, 1), f"past statements about the year before {y} or {y}")
        lows.append(low)
    if low is None and month_days:
        return None, "no year can be inferred (no explicit year or known dated event)"
    if low is None:
        return None, "no date cues found"
    year = low[0].year
    # month-day mentions without a year: in the anchor's year or the next one
    for month, day, when, raw in month_days:
        cands = [d for y in (year - 1, year, year + 1) if (d := _dates._safe(y, month, day))]
        if when == "past":
            ok = [d for d in cands if d <= low[0] + timedelta(days=366)]
            near = min(ok, key=lambda d: abs((d - low[0]).days)) if ok else None
            if near and near >= low[0] - timedelta(days=60):
                lows.append((near, f"'{raw}' in a past statement"))
        else:
            ok = [d for d in cands if d >= low[0]]
            if ok:
                highs.append((min(ok), f"'{raw}' in a future or deadline context"))
    low = max(lows)
    used.append(f"after {low[1]}")
    for month, raw in past_months:
        start = Date(low[0].year if month <= low[0].month else low[0].year - 1, month, 1)
        nxt = _dates._month_end(start.year, month) + timedelta(days=1)
        if nxt > low[0]:
            low = (nxt, f"'{raw}' is reported as past")
            used.append(f"after the end of {raw[3:].rstrip('.')} (reported as past)")
    high = min((h for h in highs if h[0] >= low[0]), default=None)
    if high:
        used.append(f"before {high[1]}")
    if this_month:
        used.append("'this month' agrees with the month of the latest past cue")
    chosen = low[0]
    if weekdays_past and not any("'yesterday'" in u for u in used):
        targets = {w for w, _ in weekdays_past}
        day = chosen
        while day.weekday() not in targets and (high is None or day < high[0]):
            day += timedelta(days=1)
        if day.weekday() in targets:
            chosen = day
            names = sorted({raw for _, raw in weekdays_past})
            used.append("on or after a weekday reported as past (" + ", ".join(names) + ")")
    if high and chosen > high[0]:
        return None, "the cues disagree: " + "; ".join(used)
    return chosen.isoformat(), "inferred: earliest date " + "; ".join(used)


# --------------------------------------------------------------------------- main


def max_parse_chars() -> int:
    """How much of one input is parsed (``TRADEWAR_NEWS_MAX_CHARS``, default 1,000,000).

    Beyond it the text is recorded in ``Article.removed`` as 'beyond_limit'."""
    try:
        return int(os.environ.get("TRADEWAR_NEWS_MAX_CHARS", "1000000"))
    except ValueError:
        raise InputError("TRADEWAR_NEWS_MAX_CHARS must be a number of characters") from None


def read_article(data: bytes | str, source: str, date: str | None = None) -> Article:
    """Read plain text or HTML into an :class:`Article` (boilerplate marked, stories, date).

    ``date`` (YYYY-MM-DD) overrides any date found in the input.
    Raises InputError for empty, binary or sentence-less input and for a bad ``date``.
    """
    if date is not None:
        try:
            date = Date.fromisoformat(date).isoformat()
        except (TypeError, ValueError) as exc:
            raise InputError(f"date {date!r}: give YYYY-MM-DD") from exc
    raw = _decode(data)
    title: str | None = None
    meta: tuple[str, str] | None = None
    if _looks_html(raw):
        parser = _HTMLText()
        parser.feed(raw)
        parser.close()
        parser._flush()
        title = parser.title
        meta = parser.published()
        text = "\n\n".join(t for _, t in parser.blocks)
        paras, pos = [], 0
        for kind, block in parser.blocks:
            paras.append(_Para(pos, pos + len(block), block, kind))
            pos += len(block) + 2
        fmt = "html"
    else:
        text = raw
        paras = _paragraphs(text[: max_parse_chars() + 1])
        fmt = "text"
    if not any(len(_WORD_RE.findall(p.text)) >= 3 for p in paras):
        raise InputError("input has no sentences: give an article as plain text or HTML")
    sample = text[:200_000]
    words = _WORD_RE.findall(sample)
    if sum(map(len, words)) < 0.4 * len(sample.replace(" ", "").replace("\n", "")):
        raise InputError("input has no sentences (mostly non-words): give an article")
    if not _english(words):
        raise InputError("input is not English prose (too few common English words)")
    limit = max_parse_chars()
    beyond = None
    if len(text) > limit:  # parse a bounded prefix; say where the rest was left out
        cut = next((p.start for p in paras if p.end > limit), limit)
        paras = [p for p in paras if p.start < cut]
        beyond = _Para(cut, len(text), text[cut : cut + 10])
        beyond.removed.append((cut, len(text), "beyond_limit"))
    _mark_boilerplate(paras)
    if beyond is not None:
        paras.append(beyond)
    starts = _stories(paras, title)
    stories: list[Story] = []
    for k, (i, story_title) in enumerate(starts):
        s = 0 if k == 0 else paras[i].start
        e = paras[starts[k + 1][0]].start if k + 1 < len(starts) else len(text)
        stories.append(Story(index=k, title=story_title, start=s, end=e))
    if title is None and stories and stories[0].title:
        title = stories[0].title
    removed = [(s, e, kind) for p in paras for s, e, kind in p.removed]
    article = Article(
        source=source,
        format=fmt,
        text=text,
        title=title,
        stories=stories,
        removed=[Span(text=text[s:e], start=s, end=e) for s, e, _ in removed],
        removed_kinds=[kind for _, _, kind in removed],
    )
    if date is not None:
        article.date, article.date_basis, article.date_note = date, "option", "given with --date"
    elif meta is not None:
        article.date, article.date_basis = meta[0], "metadata"
        article.date_note = f"from the page metadata ({meta[1]})"
    else:
        kept = "\n".join(seg.text for seg in segments(article))
        inferred, note = infer_date(kept)
        if inferred:
            article.date, article.date_basis, article.date_note = inferred, "inferred", note
        else:
            article.date_basis, article.date_note = "none", f"no date: {note}"
    return article


def segments(article: Article) -> Iterator[Segment]:
    """The article's text to parse: paragraphs minus boilerplate and story titles.

    Segments longer than ``MAX_SEGMENT_CHARS`` are cut at sentence ends (or spaces),
    so a huge input is parsed in bounded pieces.
    """
    text = article.text
    cuts = sorted((s.start, s.end) for s in article.removed)
    title_starts = {
        s.start if s.index else text.find(s.title or "\x00") for s in article.stories if s.title
    }
    story_starts = [s.start for s in article.stories] or [0]
    limit = min(
        (
            s.start
            for s, k in zip(article.removed, article.removed_kinds, strict=True)
            if k == "beyond_limit"
        ),
        default=len(text),
    )
    paras = (
        [_Para(m.start(), m.end(), m.group(0)) for m in re.finditer(r"[^\n]+", text[:limit])]
        if article.format == "html"
        else _paragraphs(text[:limit])
    )
    ci = 0
    si = 0
    for p in paras:
        while si + 1 < len(story_starts) and p.start >= story_starts[si + 1]:
            si += 1
        if p.start in title_starts:
            continue
        pieces = [(p.start, p.end)]
        while ci < len(cuts) and cuts[ci][1] <= p.start:
            ci += 1
        for cs, ce in cuts[ci:]:
            if cs >= p.end:
                break
            nxt: list[tuple[int, int]] = []
            for s, e in pieces:
                if ce <= s or cs >= e:
                    nxt.append((s, e))
                    continue
                if cs > s:
                    nxt.append((s, cs))
                if ce < e:
                    nxt.append((ce, e))
            pieces = nxt
        for s, e in pieces:
            while s < e and text[s].isspace():
                s += 1
            while e > s and text[e - 1].isspace():
                e -= 1
            for a, b in _bounded(text, s, e):
                if len(_WORD_RE.findall(text[a:b])) >= 2:
                    yield Segment(
                        a, b, article.stories[si].index if article.stories else 0, text[a:b]
                    )


def _bounded(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """Cut [start, end) into pieces of at most MAX_SEGMENT_CHARS at sentence ends."""
    while end - start > MAX_SEGMENT_CHARS:
        window = text[start : start + MAX_SEGMENT_CHARS]
        cut = max(window.rfind(". "), window.rfind("? "), window.rfind("! "))
        if cut < MAX_SEGMENT_CHARS // 2:
            cut = window.rfind(" ")
        if cut <= 0:
            cut = MAX_SEGMENT_CHARS - 1
        yield start, start + cut + 1
        start += cut + 1
        while start < end and text[start].isspace():
            start += 1
    if end > start:
        yield start, end
