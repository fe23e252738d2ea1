"""Curated entities and known events, and linking mentions in text to them.

The data are authored YAML: ``data/news/entities.yaml`` (people, governments, agencies,
companies and organisations, with aliases and roles with date ranges) and
``data/news/events.yaml`` (known events beyond the tariff schedule, each with a
citation or a source note). Both are validated with pydantic; a bad file is an
``InputError`` naming the file and line.

Linking (:func:`link_entities`) is alias matching, longest alias first:

* ``aliases`` (full forms, e.g. "Robert Lighthizer", "Justice Department") link anywhere;
* titles written before a name (a role's ``prefixes``: "Treasury Secretary Steven
  Mnuchin") are full forms too;
* ``context_aliases`` (a bare "Liu", "Meng") link only when a full alias of the same entity
  occurs in the context (by default the text itself);
* a role's ``aliases`` ("the US trade representative", "China's economic czar") link to the
  holder of the role, and only while the role is held when a date is given.

Multi-word aliases match regardless of case; one-word aliases ("US", "Huawei") match
case-sensitively. "US" also matches "U.S.", and ``'`` matches the typographic ``’``.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ..config import authored_dir
from ..data.yamlload import load_yaml_lines
from ..errors import InputError
from ..policy import format_errors
from .schema import EntityLink

# The fixed vocabulary of event actions (``Event.action``), shared by the curated events
# and the extractor (``tradewar.news.events.ACTIONS`` is this tuple).
ACTIONS: tuple[str, ...] = (
    "tariff_action",
    "talks",
    "truce",
    "agreement",
    "arrest",
    "detention",
    "indictment",
    "export_control",
    "sanctions",
    "cyber_report",
    "purchase",
    "announcement",
    "designation",
)
EntityKind = Literal["person", "government", "agency", "company", "organisation"]


class NewsDataError(InputError):
    """A curated news data file (entities, known events) is missing or invalid."""


class Role(BaseModel):
    """A role held from ``from`` to ``until`` (ISO dates; null = not recorded here)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    title: str
    org: str | None = None
    valid_from: dt.date | None = Field(default=None, alias="from")
    until: dt.date | None = None
    prefixes: list[str] = []  # titles written before the name
    aliases: list[str] = []  # descriptions that stand for the holder on their own
    certain: bool = True
    note: str | None = None

    def held_on(self, day: dt.date) -> bool:
        """True when ``day`` is inside the role's dates (unrecorded bounds are open)."""
        if self.valid_from and day < self.valid_from:
            return False
        return not (self.until and day >= self.until)


class Entity(BaseModel):
    """A curated entity: names, kind, country, roles and where the facts come from."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    name: str
    kind: EntityKind
    country: str | None = None
    aliases: list[str] = Field(min_length=1)
    context_aliases: list[str] = []
    roles: list[Role] = []
    source: str
    certain: bool = True
    note: str | None = None

    def role_on(self, day: dt.date | None) -> Role | None:
        """The first listed role held on ``day`` (or the only role when ``day`` is None)."""
        if day is None:
            return self.roles[0] if len(self.roles) == 1 else None
        return next((r for r in self.roles if r.held_on(day)), None)


class KnownEvent(BaseModel):
    """A curated, dated and sourced event (``data/news/events.yaml``)."""

    model_config = ConfigDict(extra="forbid")
    id: str
    action: str
    title: str
    date: dt.date
    date_end: dt.date | None = None
    actors: list[str] = []
    targets: list[str] = []
    place: str | None = None
    citation: str | None = None
    source: str | None = None
    certain: bool = True
    note: str | None = None
    # an announced list that was not (or not yet) a step of the schedule
    announced: dt.date | None = None  # made public on (when ``date`` is when it applies)
    published: dt.date | None = None  # its notice published on
    importer: str | None = None
    origin: str | None = None
    status: Literal["proposed", "threatened", "announced"] | None = None
    value_usd_bn: float | None = Field(default=None, gt=0)
    items: int | None = Field(default=None, gt=0)
    item_parts: list[int] = []
    item_noun: str | None = None
    exclusion: bool = False
    outcome: str | None = None
    superseded: dt.date | None = None  # replaced by a later act published that day
    date_cue: bool = True  # may the reader infer an article's date from it

    @model_validator(mode="after")
    def _check(self) -> KnownEvent:
        if self.action not in ACTIONS:
            raise ValueError(f"action {self.action!r} is not one of {', '.join(ACTIONS)}")
        if self.date_end and self.date_end < self.date:
            raise ValueError(f"date_end {self.date_end} is before date {self.date}")
        if not (self.citation or self.source):
            raise ValueError("an event needs a citation or a source note")
        if self.item_parts and sum(self.item_parts) != self.items:
            raise ValueError(f"item_parts {self.item_parts} do not add up to items {self.items}")
        if self.superseded and self.superseded < self.date:
            raise ValueError(f"superseded {self.superseded} is before date {self.date}")
        if self.announced and self.announced > self.date:
            raise ValueError(f"announced {self.announced} is after date {self.date}")
        return self

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (ISO dates)."""
        return self.model_dump(mode="json")


class _EntityFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    entities: list[Entity]


class _EventFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    events: list[KnownEvent]


def news_data_dir() -> Path:
    """The directory of the curated news data (``<authored data>/news``)."""
    return authored_dir() / "news"


def _load(model: type[BaseModel], path: Path, what: str) -> Any:
    if not path.is_file():
        raise NewsDataError(f"{path}: {what} not found")
    data, lines = load_yaml_lines(path)
    if not isinstance(data, dict):
        raise NewsDataError(f"{path}:{lines.get((), 1)}: invalid {what}: not a mapping")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise NewsDataError(format_errors(path, exc, lines, what)) from None


# --- alias matching ---------------------------------------------------------------------

_US = r"U\.?S\.?"


def _norm(text: str) -> str:
    """Normal form of an alias or a matched mention: lower case, no dots, one space."""
    text = text.replace("’", "'").replace(".", "").lower()
    return " ".join(text.split())


def _pattern(alias: str) -> str:
    words = alias.split()
    parts = [
        _US if w in ("US", "U.S.") else re.escape(w).replace("'", "['’]").replace(r"\.", r"\.?")
        for w in words
    ]
    body = r"\s+".join(parts)
    return f"(?i:{body})" if len(words) > 1 else body


class _Alias(BaseModel):
    entity_id: str
    form: Literal["full", "context", "role"]
    role: int | None = None  # index into the entity's roles for role aliases


class EntityIndex:
    """The curated entities and an alias matcher over them."""

    def __init__(self, entities: list[Entity], path: Path) -> None:
        self.path = path
        self.entities: dict[str, Entity] = {}
        for e in entities:
            if e.id in self.entities:
                raise NewsDataError(f"{path}: entity id {e.id!r} appears twice")
            self.entities[e.id] = e
        for e in entities:
            for r in e.roles:
                if r.org and r.org not in self.entities:
                    raise NewsDataError(f"{path}: role {r.title!r} of {e.id} names unknown org")
        self._aliases: dict[str, list[_Alias]] = {}
        forms: set[str] = set()
        for e in entities:
            names = e.aliases + e.context_aliases
            for a in e.aliases:
                self._add(a, _Alias(entity_id=e.id, form="full"), forms)
            for a in e.context_aliases:
                self._add(a, _Alias(entity_id=e.id, form="context"), forms)
            for i, r in enumerate(e.roles):
                for p in r.prefixes:
                    for a in names:
                        self._add(f"{p} {a}", _Alias(entity_id=e.id, form="full"), forms)
                for a in r.aliases:
                    self._add(a, _Alias(entity_id=e.id, form="role", role=i), forms)
        ordered = sorted(forms, key=lambda f: (-len(f), f))
        self._regex = re.compile(
            r"(?<![\w.])(?:" + "|".join(_pattern(f) for f in ordered) + r")(?![\w])"
        )

    def _add(self, alias: str, entry: _Alias, forms: set[str]) -> None:
        key = _norm(alias)
        entries = self._aliases.setdefault(key, [])
        if entry not in entries:
            entries.append(entry)
        forms.add(alias)

    def get(self, entity_id: str) -> Entity:
        """The entity with ``entity_id``, or an ``InputError``."""
        try:
            return self.entities[entity_id]
        except KeyError:
            raise InputError(f"unknown entity {entity_id!r}") from None

    def _full_ids(self, text: str) -> set[str]:
        ids: set[str] = set()
        for m in self._regex.finditer(text):
            for a in self._aliases.get(_norm(m.group()), []):
                if a.form == "full":
                    ids.add(a.entity_id)
        return ids

    def link(
        self,
        text: str,
        offset: int = 0,
        as_of: dt.date | str | None = None,
        context: str | None = None,
    ) -> list[EntityLink]:
        """Every mention of a curated entity in ``text``, offsets shifted by ``offset``.

        ``as_of`` (a date) selects role holders and the role reported on each link;
        ``context`` (default: ``text``) is where full aliases are looked for before a short
        alias ("Liu") is linked.
        """
        day = _as_date(as_of)
        matches = list(self._regex.finditer(text))
        if context is None:
            full: set[str] = set()
            for m in matches:
                full.update(
                    a.entity_id for a in self._aliases.get(_norm(m.group()), []) if a.form == "full"
                )
        else:
            full = self._full_ids(context)
        out: list[EntityLink] = []
        for m in matches:
            entry = self._resolve(self._aliases.get(_norm(m.group()), []), day, full)
            if entry is None:
                continue
            entity = self.entities[entry.entity_id]
            if entry.role is not None:
                role: Role | None = entity.roles[entry.role]
            else:
                role = entity.role_on(day)
            out.append(
                EntityLink(
                    mention=m.group(),
                    entity_id=entity.id,
                    name=entity.name,
                    role=role.title if role else None,
                    start=offset + m.start(),
                    end=offset + m.end(),
                )
            )
        return out

    def _resolve(self, entries: list[_Alias], day: dt.date | None, full: set[str]) -> _Alias | None:
        kept = []
        for a in entries:
            if a.form == "context" and a.entity_id not in full:
                continue
            if a.form == "role" and day is not None:
                assert a.role is not None
                if not self.entities[a.entity_id].roles[a.role].held_on(day):
                    continue
            kept.append(a)
        if not kept:
            return None
        best = [a for a in kept if a.form != "role"] or kept
        ids = {a.entity_id for a in best}
        return best[0] if len(ids) == 1 else None  # still ambiguous: do not guess


def _as_date(value: dt.date | str | None) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InputError(f"date {value!r} is not a date: use YYYY-MM-DD") from None


@lru_cache(maxsize=4)
def _index(path: Path) -> EntityIndex:
    return EntityIndex(_load(_EntityFile, path, "entity file").entities, path)


@lru_cache(maxsize=4)
def _events(path: Path, entities_path: Path) -> tuple[KnownEvent, ...]:
    events = _load(_EventFile, path, "event file").events
    index = _index(entities_path)
    seen: set[str] = set()
    for e in events:
        if e.id in seen:
            raise NewsDataError(f"{path}: event id {e.id!r} appears twice")
        seen.add(e.id)
        for ref in e.actors + e.targets:
            if ref not in index.entities:
                raise NewsDataError(f"{path}: event {e.id} names unknown entity {ref!r}")
    return tuple(sorted(events, key=lambda e: (e.date, e.id)))


def entity_index(path: Path | None = None) -> EntityIndex:
    """The curated entities (``data/news/entities.yaml``), loaded once and validated."""
    return _index((path or news_data_dir() / "entities.yaml").resolve())


def entities(path: Path | None = None) -> dict[str, Entity]:
    """Every curated entity by id."""
    return entity_index(path).entities


def known_events(path: Path | None = None, entities_path: Path | None = None) -> list[KnownEvent]:
    """The curated known events (``data/news/events.yaml``), sorted by date.

    Each names its actors and targets by entity id and carries a citation or a source
    note; ``certain`` is False where a detail is reported but not confirmed.
    """
    events_path = (path or news_data_dir() / "events.yaml").resolve()
    ent_path = (entities_path or news_data_dir() / "entities.yaml").resolve()
    return list(_events(events_path, ent_path))


def link_entities(
    text: str,
    offset: int = 0,
    as_of: dt.date | str | None = None,
    context: str | None = None,
) -> list[EntityLink]:
    """Link every mention of a curated entity in ``text`` (see :meth:`EntityIndex.link`).

    >>> [(x.mention, x.entity_id) for x in link_entities("Lighthizer met Liu He.")]
    [('Lighthizer', 'robert-lighthizer'), ('Liu He', 'liu-he')]
    """
    return entity_index().link(text, offset=offset, as_of=as_of, context=context)


def role_on(entity_id: str, day: dt.date | str) -> str | None:
    """The title of the role ``entity_id`` held on ``day`` (None when none is recorded)."""
    role = entity_index().get(entity_id).role_on(_as_date(day))
    return role.title if role else None
