"""The checked-article record: the shapes every news module reads and writes.

An article is read (``reader``), split into stories, dated; claims and events
are extracted from it (``claims``, ``events``), and each claim is given a
verdict against the model and the data (``verify``). Offsets (``start``,
``end``) always index ``Article.text``: for plain-text input that is the input
itself, unchanged (boilerplate is recorded in ``Article.removed``, not cut
out), so ``article.text[start:end] == claim.text`` holds for every claim and
event. Rates are fractions (0.25 = 25 %) and values are USD.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

ClaimKind = Literal[
    "tariff_rate_change",
    "tariff_rate",
    "goods_value_covered",
    "trade_flow_change",
    "deadline",
    "purchase_commitment",
    "event",
]
Verdict = Literal["supported", "contradicted", "partly", "not_checkable"]
DateBasis = Literal["option", "metadata", "inferred", "none"]


class Span(BaseModel):
    """A piece of the article: its text and character offsets in ``Article.text``."""

    text: str
    start: int
    end: int


class Story(BaseModel):
    """One story of a page that holds several; ``start``/``end`` bound it."""

    index: int
    title: str | None = None
    start: int
    end: int


class Article(BaseModel):
    """The text as read, its stories, its date and how the date was found."""

    source: str  # file path or '<stdin>'
    format: Literal["text", "html"]
    text: str
    title: str | None = None
    date: str | None = None  # ISO date
    date_basis: DateBasis = "none"
    date_note: str | None = None  # how the date was found or inferred, in words
    stories: list[Story] = []
    removed: list[Span] = []  # boilerplate: repeated captions, bylines, footers
    removed_kinds: list[str] = []  # parallel to ``removed``: 'caption', 'byline', ...


class Evidence(BaseModel):
    """What the model or data says: the figure, the statistic and its source."""

    statistic: str  # e.g. 'Section 301 List 3 rate on entry date', 'US exports to China, Jan y/y'
    value: Any = None  # the computed figure (number, date string or small dict)
    unit: str | None = None  # 'fraction', 'USD', 'date', ...
    source: str  # store table / raw file / measure id and citation
    citation: str | None = None
    tolerance: str | None = None  # the tolerance used for 'partly' / 'supported'
    note: str | None = None


class Reading(BaseModel):
    """A verdict as of one point of view (the article's date, or as it turned out)."""

    verdict: Verdict
    summary: str
    evidence: list[Evidence] = []


class Claim(BaseModel):
    """One checkable assertion, its normalized fields and its verdict."""

    kind: ClaimKind
    text: str
    start: int
    end: int
    story: int = 0
    sentence: Span | None = None
    fields: dict[str, Any] = {}
    confidence: float = Field(ge=0, le=1)
    verdict: Verdict = "not_checkable"
    reason: str | None = None  # why, in words; required when not_checkable
    evidence: list[Evidence] = []
    as_of_article: Reading | None = None
    as_turned_out: Reading | None = None


class EntityLink(BaseModel):
    """A mention linked to the curated entity list (``data/news/entities.yaml``)."""

    mention: str
    entity_id: str
    name: str
    role: str | None = None
    start: int
    end: int


class Event(BaseModel):
    """A reported action: actor, action, target, resolved date and evidence span."""

    actor: str | None = None
    action: str  # one of events.ACTIONS: 'tariff_action', 'talks', 'truce', 'arrest', ...
    target: str | None = None
    date: str | None = None  # ISO date, or start of the range
    date_end: str | None = None
    date_text: str | None = None  # the words the date was resolved from
    date_basis: str | None = None  # 'explicit', 'relative to article date', 'article date'
    text: str
    start: int
    end: int
    story: int = 0
    entities: list[EntityLink] = []
    confidence: float = Field(ge=0, le=1)
    key: str | None = None  # de-duplication key across articles


class CheckedArticle(BaseModel):
    """The full record ``tradewar check --json`` prints."""

    article: Article
    claims: list[Claim] = []
    events: list[Event] = []
    summary: dict[str, int] = {}  # verdict -> count
