"""Two cheap stand-ins for the slowest parts of the spaCy pipeline (measured on news
paragraphs: NER 50 % of the time, the attribute ruler 16 %).

- ``tradewar_tag_attrs`` sets each token's coarse part of speech and morphology from
  its fine tag (and lower-case form and dependency where the model's attribute ruler
  has a rule for them), by dictionary look-up of the ruler's own single-token rules,
  so the lemmatizer works as before.
- ``tradewar_rule_ents`` sets ``doc.ents`` by rules: dates and durations
  (``dates.find_dates``), percentages (``amounts``), countries, nationalities and
  capitals (GPE/NORP), agencies (ORG) and other capitalised names (PERSON). The event
  rules read only these labels. Money and plain numbers are left unlabelled: the event
  rules recognise them by their tokens ("billion", numbers).

- ``tradewar_sentence_ends`` (before the parser) ends a sentence at "U.S." when a word
  that opens sentences follows ("... from the U.S. Currently the tariff is 40%").

``install(nlp)`` adds them and disables ``attribute_ruler`` and ``ner``.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from . import amounts as _amounts
from . import dates as _dates

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

_MAPS: dict[str, Any] = {}
_QUALIFIER = re.compile(r"(?:as early as|as soon as|no later than|as late as)\s+$", re.I)
_GPE = re.compile(
    r"\b(?:China|the\s+United\s+States|United\s+States|U\.S\.A?\.?|US|USA|America|Canada|Mexico|"
    r"Japan|South\s+Korea|Korea|India|Brazil|Vietnam|Taiwan|Russia|Germany|France|Britain|"
    r"United\s+Kingdom|UK|U\.K\.|European\s+Union|EU|Europe|Beijing|Washington|Shanghai|"
    r"Hong\s+Kong|Geneva|Busan|Buenos\s+Aires|Ottawa|Tokyo|Brussels|London|Singapore|"
    r"Argentina|Australia|Switzerland|Vancouver|CHINA|WASHINGTON|BEIJING)\b"
)
_NORP = re.compile(
    r"\b(?:Chinese|American|Canadian|Mexican|Japanese|Korean|Indian|Brazilian|Vietnamese|"
    r"Taiwanese|Russian|German|French|British|European|Australian|Swiss)\b"
)
_ORG = re.compile(
    r"\b(?:USTR|MOFCOM|White\s+House|Supreme\s+Court|Congress|Senate|Treasury|Huawei|ZTE|"
    r"Commerce\s+(?:Department|Ministry)|(?:Ministry|Department)\s+of\s+[A-Z]\w+|"
    r"State\s+Council|Tariff\s+Commission|Customs|Reuters|Bloomberg|Xinhua|"
    r"(?:[A-Z][a-z]+\s+){0,3}(?:Department|Ministry|Commission|Council|Administration|"
    r"Office|Agency|Bureau|Court|Party|Bank|Fund|Group|Inc\.?|Corp\.?|Co\.))\b"
)
_PERSON = re.compile(
    r"\b(?:(?:President|Premier|Vice\s+Premier|Secretary|Minister|Ambassador|Representative|"
    r"Mr\.|Ms\.|Mrs\.|Dr\.)\s+)?[A-Z][a-z]+(?:\s+[A-Z][a-z]+){0,2}\b"
)


def _build(nlp: Language) -> None:
    ruler = nlp.get_pipe("attribute_ruler")
    by_tag: dict[str, dict[str, Any]] = {}
    by_lower: dict[tuple[str | None, str], dict[str, Any]] = {}
    by_dep: dict[tuple[str | None, str | None, str], dict[str, Any]] = {}
    for p in ruler.patterns:
        for pat in p["patterns"]:
            if len(pat) != 1:
                continue
            keys = set(pat[0])
            if not keys <= {"TAG", "LOWER", "DEP"}:
                continue
            for tok in _expand(pat[0]):
                _add(nlp, p["attrs"], tok, by_tag, by_lower, by_dep)
    _MAPS.update(tag=by_tag, lower=by_lower, dep=by_dep)


def _expand(tok: dict[str, Any]) -> list[dict[str, str]]:
    """A token pattern with ``{"IN": [...]}`` values as one pattern per value."""
    out: list[dict[str, str]] = [{}]
    for key, value in tok.items():
        if isinstance(value, str):
            out = [{**o, key: value} for o in out]
        elif isinstance(value, dict) and list(value) == ["IN"]:
            out = [{**o, key: v} for o in out for v in value["IN"]]
        else:
            return []
    return out


def _add(
    nlp: Language,
    attrs_in: dict[str, Any],
    tok: dict[str, str],
    by_tag: dict[str, Any],
    by_lower: dict[tuple[str | None, str], Any],
    by_dep: dict[tuple[str | None, str | None, str], Any],
) -> None:
    """File one rule's attributes under its tag, (tag, lower) or (tag, lower, dep)."""
    from spacy.symbols import IDS

    attrs: dict[str, Any] = {}
    if "POS" in attrs_in:
        attrs["pos"] = IDS[attrs_in["POS"]]
    if "MORPH" in attrs_in:
        attrs["morph"] = nlp.vocab.morphology.add(attrs_in["MORPH"])
    if "LEMMA" in attrs_in:
        attrs["lemma"] = attrs_in["LEMMA"]
    if "DEP" in tok:
        by_dep.setdefault((tok.get("TAG"), tok.get("LOWER"), tok["DEP"]), {}).update(attrs)
    elif "LOWER" in tok:
        by_lower.setdefault((tok.get("TAG"), tok["LOWER"]), {}).update(attrs)
    elif "TAG" in tok:
        by_tag.setdefault(tok["TAG"], {}).update(attrs)


def tag_attrs(doc: Doc) -> Doc:
    """POS and morphology from the tag (see the module doc)."""
    by_tag, by_lower, by_dep = _MAPS["tag"], _MAPS["lower"], _MAPS["dep"]
    for t in doc:
        tag, low = t.tag_, t.lower_
        attrs = by_tag.get(tag)
        extra = by_lower.get((tag, low)) or by_lower.get((None, low))
        if by_dep:
            dep = t.dep_
            extra = (
                by_dep.get((tag, low, dep))
                or by_dep.get((tag, None, dep))
                or by_dep.get((None, low, dep))
                or extra
            )
        for source in (attrs, extra):
            if not source:
                continue
            if "pos" in source:
                t.pos = source["pos"]
            if "morph" in source:
                t.set_morph(source["morph"])
            if "lemma" in source:
                t.lemma_ = source["lemma"]
    return doc


def rule_ents(doc: Doc) -> Doc:
    """Entities by rules (see the module doc); longer and earlier spans win."""
    text = doc.text
    found: list[tuple[int, int, str]] = []
    for s, e, _ in _dates.find_dates(text):  # with its qualifier: "as early as Wednesday"
        q = _QUALIFIER.search(text, max(0, s - 20), s)
        found.append((q.start() if q else s, e, "DATE"))
    found += [(m.start(), m.end(), "DATE") for m in _dates.HORIZON_RE.finditer(text)]
    found += [(d.start, d.end, "DATE") for d in _amounts.find_durations(text)]
    found += [(p.start, p.end, "PERCENT") for p in _amounts.find_percents(text)]
    found += [(m.start(), m.end(), "GPE") for m in _GPE.finditer(text)]
    found += [(m.start(), m.end(), "NORP") for m in _NORP.finditer(text)]
    found += [(m.start(), m.end(), "ORG") for m in _ORG.finditer(text)]
    spans = []
    taken: list[tuple[int, int]] = []
    for s, e, label in sorted(found, key=lambda x: (-(x[1] - x[0]), x[0])):
        if any(s < te and ts < e for ts, te in taken):
            continue
        span = doc.char_span(s, e, label=label, alignment_mode="expand")
        if span is None:
            continue
        taken.append((span.start_char, span.end_char))
        spans.append(span)
    # names: capitalised proper nouns not yet labelled (PERSON; agencies were ORG above)
    for m in _PERSON.finditer(text):
        s, e = m.start(), m.end()
        if any(s < te and ts < e for ts, te in taken):
            continue
        span = doc.char_span(s, e, label="PERSON", alignment_mode="contract")
        if span is None or not all(t.tag_ in ("NNP", "NNPS") for t in span):
            continue
        taken.append((span.start_char, span.end_char))
        spans.append(span)
    doc.set_ents(sorted(spans, key=lambda sp: sp.start), default="outside")
    return doc


_LEMMAS: dict[tuple[int, int], str] = {}


def cached_lemmas(doc: Doc) -> Doc:
    """The model's rule lemmatizer, remembered per (word, part of speech): news repeats
    its vocabulary, so most tokens are a dictionary look-up."""
    lemmatizer = _MAPS["lemmatizer"]
    for t in doc:
        if t.lemma != 0:  # set by the attribute rules ("was" -> "be")
            continue
        key = (t.orth, t.pos)
        lemma = _LEMMAS.get(key)
        if lemma is None:
            lemma = lemmatizer.rule_lemmatize(t)[0]
            if len(_LEMMAS) < 200_000:
                _LEMMAS[key] = lemma
        t.lemma_ = lemma
    return doc


# "... from the U.S. Currently the tariff is 40%": a country abbreviation that ends a
# sentence, told by the next word, one that opens sentences and never continues a name
# ("U.S. President", "U.S. Trade Representative" go on)
ABBREV_END = re.compile(r"\b(?:U\.S|U\.K|U\.N)\.$")
OPENER = re.compile(
    r"(?:The|This|That|These|Those|It|Its|He|She|They|We|I|But|And|However|Meanwhile|"
    r"Currently|Now|Today|Yesterday|Still|Also|In|On|At|After|Before|Since|While|When|"
    r"China|Beijing|Chinese|Trump|Xi|A|An|There|Some|Most|Both)$"
)


def abbrev_sentence_ends(doc: Doc) -> Doc:
    """Start a sentence after "U.S." when an opener follows, and after a line break (the
    parser keeps both)."""
    from spacy.attrs import ORTH

    counts = doc.count_by(ORTH)  # no token loop (``doc.text`` joins every token)
    if not any(doc.vocab.strings[a] in counts for a in _ENDERS):
        return doc
    for t in doc[1:]:
        prev = doc[t.i - 1]
        line_break = prev.is_space and "\n" in prev.text  # a table row, a list item
        if line_break or (prev.text in _ENDERS and OPENER.match(t.text) and prev.whitespace_):
            t.is_sent_start = True
    return doc


_ENDERS = ("U.S.", "U.K.", "U.N.", "\n", "\n\n")


def install(nlp: Language) -> Language:
    """Add the components, disable ``attribute_ruler`` and ``ner`` and put the cached
    lemmatizer in place of the model's."""
    from spacy.language import Language as _Language

    if "tradewar_tag_attrs" not in _Language.factories:
        _Language.component("tradewar_tag_attrs", func=tag_attrs)
        _Language.component("tradewar_rule_ents", func=rule_ents)
        _Language.component("tradewar_lemmas", func=cached_lemmas)
        _Language.component("tradewar_sentence_ends", func=abbrev_sentence_ends)
    _build(nlp)
    _MAPS["lemmatizer"] = nlp.get_pipe("lemmatizer")
    nlp.add_pipe("tradewar_sentence_ends", before="parser")
    nlp.add_pipe("tradewar_tag_attrs", after="attribute_ruler")
    nlp.add_pipe("tradewar_lemmas", after="lemmatizer")
    nlp.add_pipe("tradewar_rule_ents", last=True)
    for name in ("attribute_ruler", "lemmatizer", "ner"):
        nlp.disable_pipe(name)
    return nlp
