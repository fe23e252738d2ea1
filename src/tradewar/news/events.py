"""Actor–action–target events from parsed news text.

:func:`extract_events` reads the spaCy dependency parse and named entities of an
article's sentences, with a trigger lexicon per action (:data:`ACTIONS`):

1. **Triggers.** A verb ("imposed", "retaliated", "detained", "indict") or a noun
   ("talks", "truce", "arrest", "indictments", "executive order", "report") names the
   action. Tariff verbs need a tariff word as subject or object ("a tariff increase ...
   is due to rise"); "report" needs cyber words in its sentence; agreements need a past
   "sign/reach/secure" (a hoped-for agreement is not an event). A trigger under "if",
   "whether", "unless", a negation or "hold off" is skipped.
2. **Actor and target.** Verbs: active subject, passive agent; the passive subject or
   object is the target. Nouns: possessor, "by" phrase, an agency compound ("Commerce
   Department rules"), else the subject of the first verb above that performs it
   ("the Justice Department is preparing to announce the indictments"); "of"/"on"/
   "against" phrases give the target. Arrests and detentions "in Canada" are by that
   country's government. For talks, truces and agreements the parties are the people
   named in the sentence (not whoever reports it), else the governments of the actor
   phrase ("American and Chinese officials", "the two sides") and of the place.
   Mentions are linked to the curated entities (:mod:`tradewar.news.entities`); "the
   firm" is the last company named before it in the story.
3. **Date.** The date expression nearest the trigger in the dependency tree, resolved
   against the article date by :func:`tradewar.news.dates.resolve` with the trigger's
   tense (future when a modal, "due to", "expected/preparing/planning to" governs it;
   past for a past-tense verb). A date reached through "said/announced" is the date it
   was reported. A planned event with no date of its own takes the nearest future
   date in the two sentences before it, in the same story (basis says so).
4. **Merging within the article.** Mentions of the same event (same action — arrest and
   detention count as one —, compatible dates and tense, overlapping parties, or one
   side unnamed) merge; the best-named mention keeps its span and the others fill in
   date, duration ("90-day truce") and parties. Events left with neither a linked
   entity nor a date are dropped as junk.

Each event gets a de-duplication ``key``: action, the normalized entity ids of actor
and target (one sorted set of parties for symmetric actions) and the start date, so
the same event reported by two articles gets the same key (the timeline also merges
near matches, see :mod:`tradewar.news.timeline`).
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from . import dates as _dates
from .entities import ACTIONS, EntityIndex, entity_index
from .nlp import span_text
from .schema import Article, EntityLink, Event

if TYPE_CHECKING:
    from spacy.tokens import Doc, Span, Token

__all__ = ["ACTIONS", "SYMMETRIC", "event_key", "extract_events", "parse_text"]

SYMMETRIC = frozenset({"talks", "truce", "agreement"})

# --- lexicon ----------------------------------------------------------------------------

NOUN_TRIGGERS: dict[str, str] = {
    "talks": "talks",
    "negotiations": "talks",
    "meeting": "talks",
    "meetings": "talks",
    "summit": "talks",
    "dinner": "talks",
    "discussions": "talks",
    "truce": "truce",
    "ceasefire": "truce",
    "cease-fire": "truce",
    "arrest": "arrest",
    "detention": "detention",
    "indictment": "indictment",
    "indictments": "indictment",
    "blacklist": "export_control",
    "report": "cyber_report",
    "agreement": "agreement",
    "deal": "agreement",
    "pact": "agreement",
}
VERB_TRIGGERS: dict[str, str] = {
    "impose": "tariff_action",
    "raise": "tariff_action",
    "increase": "tariff_action",
    "hike": "tariff_action",
    "rise": "tariff_action",
    "levy": "tariff_action",
    "slap": "tariff_action",
    "retaliate": "tariff_action",
    "arrest": "arrest",
    "detain": "detention",
    "indict": "indictment",
    "sanction": "sanctions",
    "blacklist": "export_control",
    "meet": "talks",
    "sign": "agreement",
    "buy": "purchase",
    "purchase": "purchase",
}
TRIGGER_WORDS = frozenset(NOUN_TRIGGERS) | {
    "order",
    "rules",
    "regulations",
    "controls",
    "restrictions",
    "list",
    "call",
    "sanctions",
}
TARIFF_WORDS = frozenset(
    {"tariff", "tariffs", "duty", "duties", "levy", "levies", "penalties", "surcharge"}
)
EXPORT_WORDS = frozenset(
    {
        "semiconductors",
        "semiconductor",
        "chips",
        "telecommunications",
        "components",
        "technology",
        "telecom",
        "export",
        "exports",
    }
)
CYBER = re.compile(r"\b(?:cyber\w*|hack\w*|espionage|intrusion\w*|threat report)\b", re.I)
AGREE_VERBS = frozenset({"sign", "reach", "secure", "strike", "conclude", "negotiate", "agree"})
REPORTING = frozenset(
    {"say", "tell", "announce", "report", "state", "confirm", "write", "tweet", "claim"}
)
FUTURE_VERBS = frozenset(
    {"plan", "prepare", "expect", "intend", "schedule", "set", "aim", "threaten", "propose"}
)
PERFORMING = frozenset(
    {
        "announce",
        "prepare",
        "plan",
        "impose",
        "issue",
        "file",
        "unseal",
        "bring",
        "make",
        "order",
        "take",
        "hold",
        "conduct",
        "launch",
        "release",
        "publish",
        "sign",
        "reach",
        "secure",
        "negotiate",
        "agree",
        "begin",
        "start",
        "continue",
        "complete",
        "include",
        "expect",
        "consider",
        "propose",
        "unveil",
        "adopt",
        "approve",
        "seek",
        "finalize",
        "add",
        "put",
        "place",
    }
)
BLOCKING = frozenset({"avoid", "refrain", "prevent", "stop", "delay", "postpone", "deny"})
AGENT_NOUNS = frozenset(
    {
        "official",
        "officials",
        "negotiator",
        "negotiators",
        "leader",
        "leaders",
        "government",
        "governments",
        "administration",
        "side",
        "sides",
        "delegation",
        "delegations",
        "country",
        "countries",
        "authorities",
        "prosecutors",
        "ministry",
        "department",
        "team",
        "envoy",
        "envoys",
        "diplomats",
    }
)
GOODS_NOUNS = frozenset(
    {
        "goods",
        "imports",
        "exports",
        "products",
        "companies",
        "firms",
        "semiconductors",
        "steel",
        "aluminum",
        "aluminium",
        "soybeans",
        "cars",
        "autos",
    }
)
DEMONYMS = {"american": "us-gov", "chinese": "cn-gov", "canadian": "ca-gov"}
ANAPHORS = {"firm": ("company",), "company": ("company",), "group": ("organisation", "company")}
DATE_WORD = re.compile(
    r"\d|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|monday|tuesday|wednesday|"
    r"thursday|friday|saturday|sunday|this|last|next|yesterday|today|tomorrow|tonight|"
    r"early|late|mid)",
    re.I,
)
DURATION = re.compile(r"\b(\d+)[- ](day|week|month)s?\b", re.I)
MAX_DATE_DISTANCE = 6  # tree edges between a trigger and its date expression
INHERIT_SENTENCES = 2  # how far back a planned event looks for a future date


# --- intermediate record ----------------------------------------------------------------


@dataclass
class _DateExpr:
    text: str
    start: int  # article offsets
    end: int
    token_i: int  # root token index in the doc
    resolved: _dates.Resolved


@dataclass
class _Cand:
    action: str
    trigger: int  # article offset of the trigger
    start: int
    end: int
    story: int
    sent_no: int
    verb_trigger: bool
    tense: str | None
    actor_ids: list[str] = field(default_factory=list)
    actor_text: str | None = None
    target_ids: list[str] = field(default_factory=list)
    target_text: str | None = None
    links: list[EntityLink] = field(default_factory=list)
    date: str | None = None
    date_end: str | None = None
    date_text: str | None = None
    date_basis: str | None = None
    duration_days: int | None = None
    sentences: set[int] = field(default_factory=set)

    @property
    def ids(self) -> set[str]:
        return set(self.actor_ids) | set(self.target_ids)


# --- public API -------------------------------------------------------------------------


def extract_events(
    article: Article, docs: Sequence[Doc] | Sequence[tuple[int, Doc]]
) -> list[Event]:
    """The events of ``article``, from its parsed text.

    ``docs`` are spaCy Docs of pieces of ``article.text`` in text order: either Docs
    carrying their article offset in ``doc.user_data["offset"]`` (and the story index in
    ``doc.user_data["story"]``), as :func:`tradewar.news.nlp.parse` makes them, or
    ``(offset, doc)`` pairs. Offsets of the events index ``article.text``. The article
    date (``article.date``) anchors relative dates; without it only explicit dates
    resolve.
    """
    index = entity_index()
    ref = _dates.to_date(article.date) if article.date else None
    links = sorted(index.link(article.text, as_of=ref), key=lambda x: (x.start, x.end))
    starts = [x.start for x in links]
    longest = max((x.end - x.start for x in links), default=0)
    governments = _main_governments(links, index)
    cands: list[_Cand] = []
    future_dates: list[tuple[int, int, _DateExpr]] = []  # (story, sentence no, expr)
    sent_no = 0
    for offset, doc, doc_story in _pairs(article, docs):
        positions = _trigger_positions(doc)
        for sent in doc.sents:
            for lo, hi in _pieces(sent):
                story = _story_of(article, offset + doc[lo].idx, doc_story)
                piece = doc[lo:hi]
                exprs = _date_exprs(piece, offset, ref)
                lo_c, hi_c = offset + piece.start_char, offset + piece.end_char
                sent_links = [
                    x
                    for x in links[
                        bisect.bisect_left(starts, lo_c - longest) : bisect.bisect_left(
                            starts, hi_c
                        )
                    ]
                    if x.end > lo_c
                ]
                ctx = _Ctx(article, index, offset, piece, sent_links, links, governments, ref)
                per_action: dict[str, _Cand] = {}
                for tok, action in _triggers(ctx, positions):
                    c = _candidate(ctx, tok, action, exprs, story, sent_no)
                    other = per_action.get(action)
                    # one event per action and sentence ("a call ... to plan meetings"),
                    # except tariff steps ("imposed in July ... due to rise on March 2")
                    if other is None or action == "tariff_action":
                        per_action[action] = c
                        cands.append(c)
                    elif c.date and not other.date:
                        cands[cands.index(other)] = c
                        per_action[action] = c
                for e in exprs:
                    if _dates.tense(span_text(piece)) == "future":
                        future_dates.append((story, sent_no, e))
                sent_no += 1
    for c in cands:
        if c.date is None and c.tense == "future":
            _inherit(c, future_dates)
    merged = _merge(cands, index)
    return [_event(article, c, index) for c in merged if _keep(c)]


def event_key(
    action: str, actor_ids: Sequence[str], target_ids: Sequence[str], date: str | None
) -> str:
    """The de-duplication key: ``action|actors>targets|date`` (``action|parties|date``
    for talks, truces and agreements), entity ids sorted."""
    if action in SYMMETRIC:
        who = "+".join(sorted(set(actor_ids) | set(target_ids)))
    else:
        who = "+".join(sorted(set(actor_ids))) + ">" + "+".join(sorted(set(target_ids)))
    return f"{action}|{who}|{date or 'undated'}"


def parse_text(text: str, story: int = 0) -> list[Doc]:
    """Docs for each non-empty line of ``text`` (offsets in ``doc.user_data``), parsed
    with the shared pipeline (:mod:`tradewar.news.nlp`): a helper for callers that have no
    reader segments."""
    from . import nlp as _nlp

    segments = []
    for m in re.finditer(r"[^\n]+", text):
        if m.group().strip():
            segments.append(_nlp.Segment(m.start(), m.end(), story, m.group()))
    return list(_nlp.parse(segments))


# --- context ----------------------------------------------------------------------------


@dataclass
class _Ctx:
    article: Article
    index: EntityIndex
    offset: int
    piece: Span
    links: list[EntityLink]  # links overlapping the piece
    all_links: list[EntityLink]
    governments: list[str]
    ref: dt.date | None

    def link_at(self, tok: Token) -> EntityLink | None:
        a = self.offset + tok.idx
        for x in self.links:
            if x.start <= a < x.end:
                return x
        return None

    def inside(self, tok: Token) -> bool:
        return self.piece.start <= tok.i < self.piece.end

    def kind(self, entity_id: str) -> str:
        return self.index.entities[entity_id].kind


def _pairs(
    article: Article, docs: Sequence[Doc] | Sequence[tuple[int, Doc]]
) -> list[tuple[int, Doc, int | None]]:
    out: list[tuple[int, Doc, int | None]] = []
    cursor = 0
    for item in docs:
        if isinstance(item, tuple):
            offset, doc = item
        else:
            doc = item
        if not isinstance(item, tuple) and "offset" in doc.user_data and len(doc):
            # a Doc of a segment: its offset is known; check its ends, not every token
            offset, last = int(doc.user_data["offset"]), doc[-1]
            n = last.idx + len(last.text)
            if article.text[offset + last.idx : offset + n] != last.text or (
                article.text[offset : offset + len(doc[0].text)] != doc[0].text
            ):
                raise ValueError(f"the Doc at offset {offset} does not match the article text")
            out.append((offset, doc, doc.user_data.get("story")))
            cursor = offset + n
            continue
        text = doc.text  # built from the tokens on every access: read it once
        if not isinstance(item, tuple):
            if "offset" in doc.user_data:
                offset = int(doc.user_data["offset"])
            else:
                found = article.text.find(text, cursor)
                if found < 0:
                    raise ValueError("a Doc's text is not in the article text")
                offset = found
        if article.text[offset : offset + len(text)] != text:
            raise ValueError(f"the Doc at offset {offset} does not match the article text")
        out.append((offset, doc, doc.user_data.get("story")))
        cursor = offset + len(text)
    return out


def _pieces(sent: Span) -> list[tuple[int, int]]:
    """Token ranges of a sentence cut at line breaks (headlines and captions run into
    sentences when a page has no full stops)."""
    text = span_text(sent)
    if "\n" not in text:  # one piece (the common case), unless it is all space
        return [(sent.start, sent.end)] if text.strip() else []
    out = []
    lo = sent.start
    for tok in sent:
        if "\n" in tok.text or "\n" in tok.whitespace_:
            hi = tok.i if "\n" in tok.text else tok.i + 1
            if hi > lo:
                out.append((lo, hi))
            lo = tok.i + 1
    if sent.end > lo:
        out.append((lo, sent.end))
    return [(a, b) for a, b in out if any(not t.is_space for t in sent.doc[a:b])]


def _story_of(article: Article, start: int, doc_story: int | None) -> int:
    for s in article.stories:
        if s.start <= start < s.end:
            return s.index
    return int(doc_story or 0)


def _main_governments(links: list[EntityLink], index: EntityIndex) -> list[str]:
    """The two governments mentioned most ("the two sides")."""
    counts: dict[str, int] = {}
    for x in links:
        if index.entities[x.entity_id].kind == "government":
            counts[x.entity_id] = counts.get(x.entity_id, 0) + 1
    return sorted(counts, key=lambda k: (-counts[k], k))[:2]


# --- dates ------------------------------------------------------------------------------


def _date_exprs(piece: Span, offset: int, ref: dt.date | None) -> list[_DateExpr]:
    out = []
    for ent in piece.ents:
        if ent.label_ != "DATE" or not DATE_WORD.search(ent.text) or DURATION.search(ent.text):
            continue
        resolved = _dates.resolve(ent.text, ref, _dates.tense(_window(piece, ent)))
        if resolved is None or resolved.date is None or resolved.grain == "open":
            continue
        out.append(
            _DateExpr(
                ent.text, offset + ent.start_char, offset + ent.end_char, ent.root.i, resolved
            )
        )
    return out


def _window(piece: Span, ent: Span) -> str:
    doc = piece.doc
    lo = max(piece.start, ent.start - 6)
    return span_text(doc[lo : min(piece.end, ent.end + 2)])


CLAUSES = frozenset({"advcl", "ccomp", "relcl", "acl", "xcomp", "conj", "parataxis"})
CLAUSE_PENALTY = 4


def _distance(a: Token, b: Token) -> int:
    """Edges between two tokens of one dependency tree, plus a penalty when the way down
    to ``b`` enters a clause that does not hold ``a`` (a date of another verb)."""
    up: dict[int, int] = {}
    t, n = a, 0
    while True:
        up[t.i] = n
        if t.head.i == t.i:
            break
        t, n = t.head, n + 1
    phrase, x = {a.i}, a  # the noun phrase the trigger is a modifier in
    while x.dep_ in ("compound", "poss", "amod", "nmod") and x.head.i != x.i:
        x = x.head
        phrase.add(x.i)
    t, n, penalty = b, 0, 0
    while t.i not in up:
        if t.head.i == t.i:
            return 99
        own = t.head.i in phrase
        if t.dep_ in CLAUSES and t.pos_ in ("VERB", "AUX") and not own:
            penalty = CLAUSE_PENALTY
        t, n = t.head, n + 1
    return n + up[t.i] + penalty


def _through_reporting(a: Token, b: Token) -> bool:
    """Whether the tree path from ``a`` up to the common ancestor with ``b`` passes a
    reporting verb (the date is then the date of the report)."""
    ancestors = {t.i for t in b.ancestors} | {b.i}
    t = a
    while t.i not in ancestors and t.head.i != t.i:
        t = t.head
        if t.lemma_ in REPORTING:
            return True
    return t.lemma_ in REPORTING and t.i != a.i


# --- triggers ---------------------------------------------------------------------------


def _trigger_positions(doc: Doc) -> list[int]:
    """Indices of the tokens of ``doc`` that may trigger an event (their lower-case form
    a trigger word, or their lemma a trigger verb), read from the token arrays."""
    from spacy.attrs import LEMMA, LOWER

    lowers, lemmas = _trigger_hashes()
    return [
        i
        for i, (low, lemma) in enumerate(doc.to_array([LOWER, LEMMA]).tolist())
        if low in lowers or lemma in lemmas
    ]


@functools.cache
def _trigger_hashes() -> tuple[frozenset[int], frozenset[int]]:
    """The string hashes (spaCy's, the same in every string store) of the trigger words
    and verbs."""
    from spacy.strings import get_string_id

    return (
        frozenset(map(get_string_id, TRIGGER_WORDS)),
        frozenset(map(get_string_id, VERB_TRIGGERS)),
    )


def _triggers(ctx: _Ctx, positions: list[int]) -> list[tuple[Token, str]]:
    out: list[tuple[Token, str]] = []
    text = span_text(ctx.piece)
    doc, lo, hi = ctx.piece.doc, ctx.piece.start, ctx.piece.end
    for i in positions[bisect.bisect_left(positions, lo) : bisect.bisect_left(positions, hi)]:
        tok = doc[i]
        low = tok.lower_
        action: str | None = None
        if tok.pos_ in ("VERB", "AUX") or tok.tag_.startswith("VB"):
            action = _verb_action(tok, text)
        elif tok.pos_ in ("NOUN", "PROPN"):
            action = _noun_action(tok, low, text)
        if action and not _blocked(tok):
            out.append((tok, action))
    return out


def _tariffish(tok: Token) -> bool:
    if tok.lower_ in TARIFF_WORDS:
        return True
    return tok.lemma_ in ("increase", "hike", "rise") and any(
        c.lower_ in TARIFF_WORDS for c in tok.children if c.dep_ in ("compound", "amod")
    )


def _verb_action(tok: Token, text: str) -> str | None:
    lemma = tok.lemma_.lower()
    action = VERB_TRIGGERS.get(lemma)
    if action is None:
        return None
    args = [c for c in tok.children if c.dep_ in ("dobj", "nsubj", "nsubjpass", "attr")]
    withs = [g for c in tok.children if c.dep_ == "prep" for g in c.children if g.dep_ == "pobj"]
    if action == "tariff_action":
        if lemma == "retaliate":
            return action if tok.tag_ in ("VBD", "VBN") else None
        related = args + withs
        if tok.dep_ in ("acl", "relcl"):
            related.append(tok.head)
        if tok.dep_ == "xcomp" and tok.head.lemma_ == "due":
            related += [c for c in tok.head.head.children if c.dep_ == "nsubj"]
        if any(_tariffish(a) for a in related):
            return action
        if lemma == "impose" and any(a.lemma_ == "sanction" for a in related):
            return "sanctions"
        return None
    if action == "talks":
        return (
            action if any(c.dep_ == "prep" and c.lower_ == "with" for c in tok.children) else None
        )
    if action == "agreement":
        return action if any(a.lemma_ in ("agreement", "deal", "pact") for a in args) else None
    if action == "purchase":
        return action if tok.tag_ == "VBD" else None
    return action


def _noun_action(tok: Token, low: str, text: str) -> str | None:
    if low == "order" and any(c.lower_ == "executive" for c in tok.children):
        return "export_control" if any(w.lower_ in EXPORT_WORDS for w in tok.subtree) else None
    if low in ("rules", "regulations", "controls", "restrictions"):
        mods = {c.lower_ for c in tok.children if c.dep_ in ("compound", "amod")}
        if (
            "export" in mods
            or "commerce" in mods
            or any(
                c.lower_ == "department" and any(g.lower_ == "commerce" for g in c.children)
                for c in tok.children
            )
        ):
            return "export_control"
        return None
    if low == "list" and any(c.lower_ == "entity" for c in tok.children):
        return "export_control"
    if low == "call" and any(c.lower_ in ("telephone", "phone") for c in tok.children):
        return "talks"
    if low == "sanctions":
        head = tok.head
        if tok.dep_ == "dobj" and head.lemma_ in ("impose", "announce", "expand", "levy"):
            return "sanctions"
        return None
    action = NOUN_TRIGGERS.get(low)
    if action is None and tok.tag_ == "NN":
        action = NOUN_TRIGGERS.get(tok.lemma_.lower()) if tok.lemma_ != "talk" else None
    if action is None:
        return None
    if action == "cyber_report":
        return action if CYBER.search(text) else None
    if action == "truce" and _cyber_mod(tok):
        return "agreement"
    if action == "agreement":
        if _cyber_mod(tok):
            return action
        verbs = [tok.head] + [c for c in tok.children if c.dep_ in ("acl", "relcl")]
        if any(v.lemma_ in AGREE_VERBS and v.tag_ in ("VBD", "VBN") for v in verbs):
            return action
        return None
    return action


def _cyber_mod(tok: Token) -> bool:
    return any(c.dep_ in ("compound", "amod") and CYBER.search(c.text) for c in tok.children)


def _blocked(tok: Token) -> bool:
    """Conditional, negated or blocked ("hold off on increasing tariffs")."""
    chain = [tok, *tok.ancestors]
    for t in chain:
        for c in t.children:
            if c.dep_ == "neg":
                return True
            if c.dep_ == "mark" and c.lower_ in ("if", "whether", "unless"):
                return True
        if t.lemma_ in BLOCKING:
            return True
        if t.lemma_ == "hold" and any(c.lower_ == "off" for c in t.children):
            return True
    return False


# --- tense ------------------------------------------------------------------------------


def _tense(tok: Token) -> str | None:
    """'future' when a modal, 'due to' or a planning verb governs the trigger; 'past' for
    a past-tense clause; else None. Walks up to the first verb with a subject."""
    for t in [tok, *tok.ancestors]:
        if t.lower_ == "due":
            return "future"
        if t.pos_ in ("VERB", "AUX") or t.tag_.startswith("VB"):
            kids = list(t.children)
            if any(c.tag_ == "MD" and c.lower_ in ("will", "would", "'ll", "shall") for c in kids):
                return "future"
            if any(c.tag_ == "MD" for c in kids) and t.i != tok.i:
                return "future"
            if t.lemma_ in FUTURE_VERBS and t.i != tok.i:
                return "future"
            if t.tag_ == "VBD":
                return "past"
            if t.tag_ == "VBN" and (
                t.dep_ in ("acl", "amod")
                or any(c.dep_ in ("aux", "auxpass") and c.lemma_ in ("have", "be") for c in kids)
            ):
                if any(c.tag_ == "MD" for c in kids):
                    return "future"
                return "past"
            if any(c.dep_ in ("nsubj", "nsubjpass") for c in kids):
                return None
    return None


# --- arguments --------------------------------------------------------------------------


NON_ARGS = frozenset({"DATE", "TIME", "PERCENT", "MONEY", "CARDINAL", "ORDINAL", "QUANTITY"})


def _phrase_ids(
    ctx: _Ctx, head: Token, demonyms: bool, actor: bool = False
) -> tuple[list[str], str | None]:
    """Entity ids and text of the noun phrase headed by ``head`` (its conjuncts too).

    Numbers ("USD200 billion of Chinese goods") stand for what they count. An actor
    phrase that names no entity counts only when its head is agentive (a name, an
    official, a government), not "other actions" or "the announcement"."""
    ids: list[str] = []
    texts = []
    if (
        head.like_num
        or head.lower_ in ("billion", "million", "trillion")
        or head.ent_type_ in ("MONEY", "CARDINAL")
    ):
        of = [
            g
            for c in head.children
            if c.dep_ == "prep" and c.lower_ == "of"
            for g in c.children
            if g.dep_ == "pobj"
        ]
        if of:
            head = of[0]
    heads = [head, *[c for c in head.children if c.dep_ == "conj"]]
    for h in heads:
        if not ctx.inside(h) or h.ent_type_ in NON_ARGS:
            continue
        found = _token_ids(ctx, h, demonyms)
        ids.extend(i for i in found if i not in ids)
        if actor and not found and not _agentive(h):
            continue
        texts.append(_np_text(h))
    return ids, ", ".join(t for t in texts if t) or None


def _agentive(h: Token) -> bool:
    return (
        h.ent_type_ in ("PERSON", "ORG", "GPE", "NORP")
        or h.lower_ in AGENT_NOUNS
        or h.lower_ in ANAPHORS
        or h.pos_ == "PRON"
    )


def _token_ids(ctx: _Ctx, h: Token, demonyms: bool) -> list[str]:
    link = ctx.link_at(h)
    if link is not None:
        return [link.entity_id]
    low = h.lower_
    if low in ANAPHORS and any(c.lower_ == "the" for c in h.children):
        found = _antecedent(ctx, h, ANAPHORS[low])
        if found:
            return [found]
    if low in ("sides", "countries", "governments") and any(
        c.lower_ in ("two", "both") for c in h.children
    ):
        return list(ctx.governments)
    ids: list[str] = []
    agentive = low in AGENT_NOUNS or low in GOODS_NOUNS
    for c in h.children:
        if c.dep_ == "appos":
            lk = ctx.link_at(c) or next(
                (ctx.link_at(t) for t in c.subtree if ctx.link_at(t) is not None), None
            )
            if lk is not None and lk.entity_id not in ids:
                ids.append(lk.entity_id)
        if c.dep_ in ("compound", "poss", "amod", "nmod"):
            for t in [c, *[g for g in c.children if g.dep_ == "conj"]]:
                lk = ctx.link_at(t)
                if lk is not None and lk.entity_id not in ids:
                    ids.append(lk.entity_id)
                elif demonyms and agentive and t.lower_ in DEMONYMS:
                    gid = DEMONYMS[t.lower_]
                    if gid not in ids:
                        ids.append(gid)
        if c.dep_ == "prep" and c.lower_ in ("from", "of") and agentive:
            for g in c.children:
                if g.dep_ == "pobj":
                    lk = ctx.link_at(g)
                    if lk is not None and lk.entity_id not in ids:
                        ids.append(lk.entity_id)
    return ids


def _antecedent(ctx: _Ctx, tok: Token, kinds: tuple[str, ...]) -> str | None:
    """The last entity of ``kinds`` linked before ``tok`` (same story)."""
    pos = ctx.offset + tok.idx
    # links are sorted by start; scan back from the last one starting before ``pos``
    i = bisect.bisect_left(ctx.all_links, pos, key=lambda x: x.start)
    best: EntityLink | None = None
    for j in range(i - 1, -1, -1):
        x = ctx.all_links[j]
        if best is not None and x.start < best.start - 10_000:
            break  # links are short: nothing earlier can end later than ``best``
        if x.end <= pos and ctx.kind(x.entity_id) in kinds and (best is None or x.end > best.end):
            best = x
    return best.entity_id if best else None


def _np_text(h: Token) -> str:
    keep = [t for t in h.subtree if not _in_clause(t, h)]
    if not keep:
        return h.text
    lo, hi = keep[0].i, keep[-1].i + 1
    return span_text(h.doc[lo:hi]).strip(" ,")


def _in_clause(t: Token, h: Token) -> bool:
    """Whether ``t`` sits under a clause, apposition, prepositional phrase or conjunct
    attached to ``h`` (kept out of the phrase text)."""
    while t.i != h.i:
        if t.head.i == h.i and t.dep_ in (
            "relcl",
            "acl",
            "advcl",
            "appos",
            "prep",
            "conj",
            "cc",
            "punct",
        ):
            return True
        t = t.head
    return False


def _subject(tok: Token) -> Token | None:
    for c in tok.children:
        if c.dep_ == "nsubj":
            return c
    for c in tok.children:
        if c.dep_ == "agent":
            for g in c.children:
                if g.dep_ == "pobj":
                    return g
    return None


def _climb_subject(tok: Token, action: str) -> Token | None:
    """The subject of the first verb above ``tok`` that has one, when that verb performs
    the action (any non-reporting verb for talks, truces and agreements)."""
    t = tok
    while t.head.i != t.i:
        if t.dep_ in ("agent", "nsubjpass", "nsubj"):
            return None
        t = t.head
        if t.pos_ in ("VERB", "AUX") or t.tag_.startswith("VB"):
            subj = _subject(t)
            if subj is None:
                passive = next((c for c in t.children if c.dep_ == "nsubjpass"), None)
                if passive is not None:  # "officials are expected to travel ... for talks"
                    return passive if t.lemma_ in FUTURE_VERBS else None
                continue
            if t.lemma_ in REPORTING:
                return subj if action == "cyber_report" else None
            if action in SYMMETRIC or t.lemma_ in PERFORMING or t.lemma_ == tok.lemma_:
                return subj
            return None
    return None


def _args(ctx: _Ctx, tok: Token, action: str) -> tuple[Token | None, list[Token], str | None]:
    """Actor token, target tokens and place text of a trigger."""
    actor: Token | None = None
    targets: list[Token] = []
    place: str | None = None
    is_verb = tok.pos_ in ("VERB", "AUX") or tok.tag_.startswith("VB")
    if is_verb:
        actor = _subject(tok)
        for c in tok.children:
            if c.dep_ == "nsubjpass" or (c.dep_ == "dobj" and not _tariffish(c)):
                targets.append(c)
        if actor is None and tok.dep_ in ("xcomp", "conj", "advcl"):
            actor = _subject(tok.head)
        if actor is None and tok.dep_ in ("acl", "relcl"):
            pass
    else:
        for c in tok.children:
            if c.dep_ == "poss" and ctx.link_at(c) is not None:
                actor = c
            if c.dep_ == "prep" and c.lower_ == "by":
                actor = next((g for g in c.children if g.dep_ == "pobj"), actor)
            if c.dep_ == "compound" and ctx.link_at(c) is not None:
                kind = ctx.kind(ctx.link_at(c).entity_id)  # type: ignore[union-attr]
                if kind in ("agency", "government", "company", "organisation"):
                    actor = c
            if c.dep_ in ("acl", "relcl") and actor is None:
                actor = _subject(c)
        if actor is None:
            actor = _climb_subject(tok, action)
        verb = next((a for a in tok.ancestors if a.pos_ in ("VERB", "AUX")), None)
        if verb is not None and action not in SYMMETRIC:  # "added Huawei to its entity list"
            mine = {tok.i, *(a.i for a in tok.ancestors)}
            targets += [c for c in verb.children if c.dep_ == "dobj" and c.i not in mine]
    # prepositions of the trigger (and of the verbs above it, up to the first with a
    # subject): targets (of the trigger only) and places
    holders = [tok]
    t = tok
    while t.head.i != t.i and not any(c.dep_ in ("nsubj", "nsubjpass") for c in t.children):
        t = t.head
        holders.append(t)
    for h in holders:
        for c in h.children:
            if c.dep_ != "prep":
                continue
            for g in c.children:
                if g.dep_ != "pobj" or not ctx.inside(g) or g.ent_type_ in NON_ARGS:
                    continue
                if c.lower_ in ("in", "to") and g.ent_type_ in ("GPE", "LOC", "FAC"):
                    place = place or _np_text(g)
                elif (c.lower_ in ("of", "against", "on", "with") and h.i == tok.i) or (
                    c.lower_ == "on" and action == "tariff_action"
                ):
                    targets.append(g)
    if action == "tariff_action":
        for t in [tok, *[c for c in tok.children if c.dep_ == "prep"]]:
            for g in t.children:
                if g.dep_ == "pobj" and _tariffish(g):
                    for p in g.children:
                        if p.dep_ == "prep" and p.lower_ == "on":
                            targets += [x for x in p.children if x.dep_ == "pobj"]
    return actor, targets, place


def _participants(ctx: _Ctx, tok: Token) -> list[str]:
    """People named in the sentence of a talks/truce/agreement trigger, except those who
    only report it (the subject of a reporting verb above the trigger)."""
    reporters: set[int] = set()
    for a in tok.ancestors:
        if a.lemma_ in REPORTING:
            subj = _subject(a)
            if subj is not None:
                reporters.update(t.i for t in subj.subtree)
    ids: list[str] = []
    for x in ctx.links:
        if ctx.kind(x.entity_id) != "person":
            continue
        toks = [t for t in ctx.piece if x.start <= ctx.offset + t.idx < x.end]
        if toks and all(t.i in reporters for t in toks):
            continue
        if x.entity_id not in ids:
            ids.append(x.entity_id)
    return ids


def _candidate(
    ctx: _Ctx,
    tok: Token,
    action: str,
    exprs: list[_DateExpr],
    story: int,
    sent_no: int,
) -> _Cand | None:
    actor, targets, place = _args(ctx, tok, action)
    actor_ids, actor_text = (
        _phrase_ids(ctx, actor, True, actor=True) if actor is not None else ([], None)
    )
    target_ids: list[str] = []
    target_texts: list[str] = []
    for t in targets:
        ids, text = _phrase_ids(ctx, t, action == "tariff_action" or action in SYMMETRIC)
        target_ids.extend(i for i in ids if i not in target_ids)
        if text:
            target_texts.append(text)
    place_ids = [x.entity_id for x in ctx.index.link(place)] if place else []
    if action in ("arrest", "detention") and not actor_ids and place_ids:
        actor_ids = [place_ids[0]]
        actor_text = f"authorities in {place}"
    if action == "talks":
        people = _participants(ctx, tok)
        if people:
            first = [i for i in people if i in actor_ids] or people[:1]
            actor_ids, target_ids = first, [i for i in people if i not in first]
            target_texts = []
        elif place_ids:
            gov = [i for i in place_ids if ctx.kind(i) == "government"]
            target_ids += [i for i in gov if i not in actor_ids and i not in target_ids]
    piece = ctx.piece
    cand = _Cand(
        action=action,
        trigger=ctx.offset + tok.idx,
        start=ctx.offset + piece.start_char,
        end=ctx.offset + piece.end_char,
        story=story,
        sent_no=sent_no,
        verb_trigger=tok.pos_ in ("VERB", "AUX") or tok.tag_.startswith("VB"),
        tense=_tense(tok),
        actor_ids=actor_ids,
        actor_text=actor_text,
        target_ids=target_ids,
        target_text=", ".join(target_texts) or (place if not target_ids else None),
        sentences={sent_no},
    )
    cand.links = [
        x
        for x in ctx.links
        if x.entity_id in set(cand.actor_ids) | set(cand.target_ids) or x.entity_id in place_ids
    ]
    if (m := DURATION.search(span_text(piece))) and action == "truce":
        unit = {"day": 1, "week": 7, "month": 30}[m.group(2).lower()]
        cand.duration_days = int(m.group(1)) * unit
    _assign_date(cand, tok, exprs, ctx)
    if cand.tense is None and cand.date and ctx.ref is not None:
        days = _days(cand)
        assert days is not None
        cand.tense = "past" if days[1] < ctx.ref else "future" if days[0] > ctx.ref else None
    return cand


START_MARKERS = frozenset({"beginning", "starting", "effective"})


def _starts(doc: Doc, expr: _DateExpr) -> bool:
    """Whether the date expression is introduced as a start ("beginning February 24")."""
    words = set(expr.text.split())
    i = expr.token_i
    while i > 0 and doc[i - 1].text in words:
        i -= 1
    return i > 0 and doc[i - 1].lower_ in START_MARKERS


def _assign_date(cand: _Cand, tok: Token, exprs: list[_DateExpr], ctx: _Ctx) -> None:
    best: tuple[int, _DateExpr] | None = None
    doc = tok.doc
    for e in exprs:
        d = _distance(tok, doc[e.token_i])
        if d <= MAX_DATE_DISTANCE and (best is None or d < best[0]):
            best = (d, e)
    if best is None:
        return
    expr = best[1]
    resolved = expr.resolved
    if cand.tense is not None and not (cand.tense == "past" and _starts(doc, expr)):
        # re-resolve with the trigger's own tense (not a start date: "has imposed a
        # surcharge beginning February 24" is in force from the next February 24)
        resolved = _dates.resolve(expr.text, ctx.ref, cand.tense) or resolved  # type: ignore[arg-type]
    reported = _through_reporting(tok, doc[expr.token_i])
    cand.date, cand.date_end = resolved.date, resolved.end
    cand.date_text = expr.text
    basis = "explicit" if resolved.basis.startswith("explicit") else "relative to article date"
    if reported:
        basis = f"date reported ({basis})"
    if cand.tense == "future":
        basis = f"planned ({basis})"
    cand.date_basis = basis


def _inherit(c: _Cand, future_dates: list[tuple[int, int, _DateExpr]]) -> None:
    for story, no, e in reversed(future_dates):
        if story == c.story and c.sent_no - INHERIT_SENTENCES <= no < c.sent_no:
            c.date, c.date_end = e.resolved.date, e.resolved.end
            c.date_text = e.text
            c.date_basis = "planned (date inferred from the preceding sentence)"
            return


# --- merging ----------------------------------------------------------------------------


def _days(c: _Cand) -> tuple[dt.date, dt.date] | None:
    if c.date is None:
        return None
    a = dt.date.fromisoformat(c.date)
    return a, dt.date.fromisoformat(c.date_end) if c.date_end else a


def _countries(ids: set[str], index: EntityIndex) -> set[str]:
    out = set()
    for i in ids:
        e = index.entities[i]
        out.add(f"country:{e.country}" if e.country else i)
    return out


def _people(ids: set[str], index: EntityIndex) -> set[str]:
    return {i for i in ids if index.entities[i].kind == "person"}


def _compatible_parties(a: _Cand, b: _Cand, index: EntityIndex) -> bool:
    if a.action in SYMMETRIC:
        if not a.ids or not b.ids:
            return True
        pa, pb = _people(a.ids, index), _people(b.ids, index)
        if pa and pb:
            return bool(pa & pb)
        return bool(_countries(a.ids, index) & _countries(b.ids, index))
    for x, y in ((a.actor_ids, b.actor_ids), (a.target_ids, b.target_ids)):
        if x and y and not _countries(set(x), index) & _countries(set(y), index):
            return False
    return True


def _same_action(a: str, b: str) -> bool:
    return a == b or {a, b} == {"arrest", "detention"}


def _mergeable(a: _Cand, b: _Cand, index: EntityIndex) -> bool:
    if not _same_action(a.action, b.action) or a.story != b.story:
        return False
    if a.sentences & b.sentences:
        return False  # two triggers of one sentence are two events
    if a.tense and b.tense and a.tense != b.tense:
        return False
    da, db = _days(a), _days(b)
    if da and db:
        if da[0] > db[1] + dt.timedelta(days=3) or db[0] > da[1] + dt.timedelta(days=3):
            return False
        wide = max((da[1] - da[0]).days, (db[1] - db[0]).days) > 7
        if wide and da != db:  # "this month" and "on Tuesday" are not one event
            return False
    if not _compatible_parties(a, b, index):
        return False
    if {a.action, b.action} == {"arrest", "detention"}:
        return bool(set(a.target_ids) & set(b.target_ids))
    return True


def _affinity(m: _Cand, c: _Cand, index: EntityIndex) -> tuple[int, int, int, int]:
    """How well a mention ``c`` fits an event ``m`` found before it (best is merged)."""
    people = len(_people(m.ids, index) & _people(c.ids, index))
    same_ids = len(m.ids & c.ids)
    tense = 1 if m.tense == c.tense else 0
    return (people, same_ids, tense, m.trigger)


def _richness(c: _Cand, index: EntityIndex) -> tuple[int, int, int]:
    people = sum(1 for i in c.ids if index.entities[i].kind != "government")
    return (people, len(c.ids), 1 if c.date else 0)


def _merge(cands: list[_Cand], index: EntityIndex) -> list[_Cand]:
    out: list[_Cand] = []
    for c in sorted(cands, key=lambda c: c.trigger):
        matches = [m for m in out if _mergeable(m, c, index)]
        if not matches:
            out.append(c)
            continue
        m = max(matches, key=lambda m: _affinity(m, c, index))
        out[out.index(m)] = _combine(m, c, index)
    return out


def _combine(a: _Cand, b: _Cand, index: EntityIndex) -> _Cand:
    first, second = (a, b) if _richness(a, index) >= _richness(b, index) else (b, a)
    merged = _Cand(**{**first.__dict__})
    merged.sentences = a.sentences | b.sentences
    if "arrest" in (a.action, b.action):
        merged.action = "arrest"
    merged.actor_ids = first.actor_ids or second.actor_ids
    merged.actor_text = first.actor_text if first.actor_ids else second.actor_text
    merged.target_ids = first.target_ids or second.target_ids
    merged.target_text = (
        first.target_text if first.target_ids else (second.target_text or first.target_text)
    )
    if merged.action in SYMMETRIC:
        extra = list(  # in mention order (a set's order varies between runs)
            dict.fromkeys(i for i in (*second.actor_ids, *second.target_ids) if i not in merged.ids)
        )
        merged.target_ids = merged.target_ids + extra
    merged.links = first.links + [x for x in second.links if x not in first.links]
    dated = [c for c in (first, second) if c.date]
    if dated:
        best = min(dated, key=_date_rank)
        for f in ("date", "date_end", "date_text", "date_basis"):
            setattr(merged, f, getattr(best, f))
    merged.tense = first.tense or second.tense
    merged.duration_days = first.duration_days or second.duration_days
    return merged


def _date_rank(c: _Cand) -> tuple[int, int]:
    basis = c.date_basis or ""
    span = _days(c) or (dt.date.min, dt.date.min)
    width = (span[1] - span[0]).days
    return (2 if "inferred" in basis else 1 if "reported" in basis else 0, width)


def _keep(c: _Cand) -> bool:
    """Junk filter: an event needs a linked entity or a date."""
    return bool(c.ids or c.date)


# --- output -----------------------------------------------------------------------------


def _names(ids: list[str], index: EntityIndex) -> str | None:
    return ", ".join(index.entities[i].name for i in ids) or None


def _event(article: Article, c: _Cand, index: EntityIndex) -> Event:
    date_end = c.date_end
    if c.duration_days and c.date and (not c.date_end or c.date_end == c.date):
        date_end = _dates.add_days(c.date, c.duration_days)
    confidence = 0.35
    confidence += 0.2 if c.actor_ids else 0.0
    confidence += 0.1 if c.target_ids or c.action in SYMMETRIC else 0.0
    if c.date:
        confidence += 0.1 if "inferred" in (c.date_basis or "") else 0.2
    confidence += 0.1 if c.verb_trigger else 0.05
    actor = _names(c.actor_ids, index) or c.actor_text
    target = _names(c.target_ids, index) or c.target_text
    return Event(
        actor=actor,
        action=c.action,
        target=target,
        date=c.date,
        date_end=date_end if date_end != c.date else None,
        date_text=c.date_text,
        date_basis=c.date_basis,
        text=article.text[c.start : c.end],
        start=c.start,
        end=c.end,
        story=c.story,
        entities=sorted(c.links, key=lambda x: x.start),
        confidence=round(min(confidence, 0.95), 2),
        key=event_key(c.action, c.actor_ids, c.target_ids, c.date),
    )


def events_summary(events: Sequence[Event]) -> list[dict[str, Any]]:
    """Compact rows (actor, action, target, date, text) for printing."""
    return [
        {
            "actor": e.actor,
            "action": e.action,
            "target": e.target,
            "date": e.date,
            "date_end": e.date_end,
            "text": e.text[:80],
        }
        for e in events
    ]
