"""Read, parse, extract and verify articles: ``check_text``, ``check_many``, ``extract``.

The spaCy model is loaded once per process. ``check_many`` batches the segments of
many articles through one ``nlp.pipe`` call, and with ``processes > 1`` it splits the
articles over worker processes (forked after the model is loaded, so it is shared
copy-on-write) that each return finished records, not parsed Docs.

Events come from ``tradewar.news.events.extract_events(article, docs)``; each event
is also given to verification as a claim of kind ``event``. Verification
(``tradewar.news.verify.verify_claims``) is optional.
"""

from __future__ import annotations

import multiprocessing
import re
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import amounts as _amounts
from . import clauses as _clauses
from . import dates as _dates
from . import events as _ev
from . import fastpipe as _fastpipe
from . import nlp as _nlp
from .claims import extract_claims
from .nlp import Segment
from .reader import read_article, segments
from .schema import Article, CheckedArticle, Claim, Event

if TYPE_CHECKING:
    from spacy.tokens import Doc

Item = tuple[bytes | str, str] | tuple[bytes | str, str, str | None]

# Irregular past forms of the event verbs (``events.VERB_TRIGGERS`` holds lemmas).
_IRREGULAR = ("met", "bought", "rose", "risen", "held", "struck", "sought", "slapped")


def _stem(word: str) -> str:
    return re.escape(word[:-1] if word.endswith("e") and len(word) > 4 else word)


_WORDS = sorted(
    set(_ev.NOUN_TRIGGERS)
    | set(_ev.VERB_TRIGGERS)
    | set(_ev.TRIGGER_WORDS)
    | set(_ev.TARIFF_WORDS)
    | set(_ev.EXPORT_WORDS)
    | {"deadline", "truce", "pledge", "commit", "surplus", "deficit", "imports", "exports"}
)
# A segment can hold a claim or an event only if it has a number, a money or percent
# sign, or one of the trigger words; other segments are not parsed (most of a news
# page is quotes and context). ``tests/test_news_pipeline.py`` checks that skipping
# them changes no claim or event on the shared documents.
CUE = re.compile(
    r"\d|[$%€£¥]|\bUSD|\bpercent\b|\b(?:"
    + "|".join(_stem(w) for w in _WORDS)
    + "|"
    + "|".join(_IRREGULAR)
    + r")|"
    + _ev.CYBER.pattern,
    re.I,
)


# A sentence the parse-based event rules can use: it has one of their trigger words.
EVENT_CUE = re.compile(
    r"\b(?:"
    + "|".join(
        _stem(w)
        for w in sorted(set(_ev.NOUN_TRIGGERS) | set(_ev.VERB_TRIGGERS) | set(_ev.TRIGGER_WORDS))
    )
    + "|"
    + "|".join(_IRREGULAR)
    + r")|"
    + _ev.CYBER.pattern,
    re.I,
)
# A sentence the clause rules can use: a figure, a date word or an official act.
CLAIM_CUE = re.compile(
    r"\d|[$%€£¥]|\bUSD|\bper\s?cent|\b(?:"
    + "|".join(_amounts.WORD_NUMBERS)
    + r"|today|tomorrow|yesterday|tonight|week|month|year|Monday|Tuesday|Wednesday|Thursday|"
    r"Friday|Saturday|Sunday|deadline|truce|cease-?fire)\b|"
    + _dates._MONTH_RE
    + r"|"
    + _clauses.EVENT_VERB_RE.pattern,
    re.I,
)
_SENTENCE_END = re.compile(r"[.!?][\"”’)]*\s+(?=[\"“‘(]?[A-Z0-9$])|\n+(?=\S)")
_ABBREV = re.compile(
    r"(?:\b(?:U\.S|U\.K|U\.N|Mr|Mrs|Ms|Dr|St|Jr|Sr|No|Inc|Corp|Co|Ltd|Gov|Sen|Rep|Gen|vs|"
    r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec|a\.m|p\.m|e\.g|i\.e)|\b[A-Z])$"
)


def sentence_starts(text: str) -> list[int]:
    """Offsets where sentences of ``text`` start (a full stop, ! or ? before a capital,
    not after an abbreviation or an initial)."""
    starts = [0]
    for m in _SENTENCE_END.finditer(text):
        if (
            m.group(0)[0] == "."
            and _ABBREV.search(text[max(0, m.start() - 5) : m.start()])
            and not (
                _fastpipe.ABBREV_END.search(text[max(0, m.start() - 5) : m.end()].rstrip())
                and _fastpipe.OPENER.match(text[m.end() :].split(" ", 1)[0])
            )
        ):
            continue
        starts.append(m.end())
    return starts


def routed(article: Article) -> Iterator[Segment]:
    """The pieces of the article to read: each paragraph's sentences that can hold a
    claim or an event, in runs; a run with an event trigger is parsed, other runs are
    only tokenized (``Segment.parse`` False); sentences with no cue are skipped."""
    for seg in segments(article):
        if not CUE.search(seg.text):
            continue
        starts = sentence_starts(seg.text)
        bounds = list(zip(starts, [*starts[1:], len(seg.text)], strict=True))
        runs: list[tuple[int, int, bool, list[int]]] = []
        for a, b in bounds:
            piece = seg.text[a:b]
            route = True if EVENT_CUE.search(piece) else False if CLAIM_CUE.search(piece) else None
            if route is None:
                continue
            if runs and runs[-1][1] == a and runs[-1][2] == route:
                runs[-1] = (runs[-1][0], b, route, [*runs[-1][3], a])
            else:
                runs.append((a, b, route, [a]))
        for a, b, route, inner in runs:
            text = seg.text[a:b].rstrip()
            yield Segment(
                seg.start + a,
                seg.start + a + len(text),
                seg.story,
                text,
                route,
                tuple(x - a for x in inner),
            )


def parsable(article: Article) -> Iterator[Segment]:
    """The article's pieces to read (see ``routed``)."""
    return routed(article)


def _events(article: Article, docs: list[Doc]) -> list[Event]:
    return _ev.extract_events(article, docs)


def event_claims(events: Iterable[Event]) -> list[Claim]:
    """Each event as a claim of kind ``event`` (checked against the curated events)."""
    return [
        Claim(
            kind="event",
            text=e.text,
            start=e.start,
            end=e.end,
            story=e.story,
            fields={
                "actor": e.actor,
                "action": e.action,
                "target": e.target,
                "date": e.date,
                "date_end": e.date_end,
                "date_text": e.date_text,
                "planned": (e.date_basis or "").startswith("planned"),
            },
            confidence=e.confidence,
        )
        for e in events
    ]


def _record(article: Article, docs: list[Doc]) -> CheckedArticle:
    claims = extract_claims(article, docs)
    events = _events(article, docs)
    parsed = event_claims(events)
    claims = [  # a rule event from the clause rules only where the parse found none
        c
        for c in claims
        if c.kind != "event" or not any(p.start < c.end and c.start < p.end for p in parsed)
    ]
    claims = sorted(claims + parsed, key=lambda c: (c.start, c.end, c.kind))
    return CheckedArticle(article=article, claims=claims, events=events)


def extract(article: Article, batch_size: int = _nlp.DEFAULT_BATCH) -> CheckedArticle:
    """Claims and events of one read article, without verification."""
    docs = list(_nlp.parse(parsable(article), batch_size=batch_size))
    return _record(article, docs)


def verify_checked(checked: CheckedArticle, store: Path | None = None) -> CheckedArticle:
    """``checked`` with every claim given its verdict and evidence, and the summary."""
    from .verify import verify_claims

    claims = verify_claims(checked.claims, checked.article, store=store)
    summary: dict[str, int] = {}
    for c in claims:
        summary[c.verdict] = summary.get(c.verdict, 0) + 1
    return checked.model_copy(update={"claims": claims, "summary": summary})


def check_text(
    data: bytes | str,
    source: str,
    date: str | None = None,
    verify: bool = True,
    store: Path | None = None,
) -> CheckedArticle:
    """Read ``data`` (plain text or HTML), extract claims and events, verify the claims."""
    article = read_article(data, source, date)
    checked = extract(article)
    return verify_checked(checked, store) if verify else checked


def _unpack(item: Item) -> tuple[bytes | str, str, str | None]:
    if len(item) == 3:
        return item  # type: ignore[return-value]
    return item[0], item[1], None


def _extract_batch(items: Sequence[Item], batch_size: int) -> list[CheckedArticle]:
    """Read and extract a batch of articles with one ``nlp.pipe`` pass over all segments."""
    articles = [read_article(*_unpack(item)) for item in items]
    tagged = ((seg, i) for i, article in enumerate(articles) for seg in parsable(article))
    per: list[list[Doc]] = [[] for _ in articles]
    for doc, i in _nlp.parse_tagged(tagged, batch_size=batch_size):
        per[i].append(doc)
    return [_record(a, docs) for a, docs in zip(articles, per, strict=True)]


def _worker(items: Sequence[Item], batch_size: int) -> list[dict[str, Any]]:
    return [c.model_dump() for c in _extract_batch(items, batch_size)]


def check_many(
    items: Iterable[Item],
    verify: bool = False,
    store: Path | None = None,
    batch_size: int = _nlp.DEFAULT_BATCH,
    chunk: int = 32,
    processes: int = 1,
) -> Iterator[CheckedArticle]:
    """Check many articles, ``(data, source[, date])`` each, in input order.

    Articles are read and parsed ``chunk`` at a time (bounded memory); with
    ``processes > 1`` chunks go to forked worker processes.
    """

    def chunks() -> Iterator[list[Item]]:
        batch: list[Item] = []
        for item in items:
            batch.append(item)
            if len(batch) >= chunk:
                yield batch
                batch = []
        if batch:
            yield batch

    def finish(checked: CheckedArticle) -> CheckedArticle:
        return verify_checked(checked, store) if verify else checked

    if processes <= 1:
        for batch in chunks():
            for checked in _extract_batch(batch, batch_size):
                yield finish(checked)
        return
    _nlp.load()  # load before forking: the workers share it

    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=processes, mp_context=context) as pool:
        pending: list[Any] = []
        for batch in chunks():
            pending.append(pool.submit(_worker, batch, batch_size))
            if len(pending) >= 2 * processes:
                for rec in pending.pop(0).result():
                    yield finish(CheckedArticle.model_validate(rec))
        for future in pending:
            for rec in future.result():
                yield finish(CheckedArticle.model_validate(rec))
