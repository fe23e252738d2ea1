"""One timeline: the schedule's dated measures, curated events and checked articles.

* **Recorded articles.** :func:`record_article` stores a checked article's events and
  metadata (source, date, a SHA-256 of its text) as
  ``home_dir()/articles/<hash>.json``, written atomically; checking the same text again
  replaces its record.
* **Schedule.** Every dated step of every measure but MFN, both importers (kind
  ``measure``), and every ``history`` entry, an announced step that did not take effect
  as announced (kind ``announcement``, dated at its planned date), each with its
  citation. They come from the store's ``measures`` table, or from the authored
  measure files when there is no store.
* **Events.** The curated known events (``data/news/events.yaml``) and the events of
  every recorded article (kind ``event``). Extracted events with the same key merge
  into one entry that lists every source and span. An extracted event also merges into
  the curated event with the same action, at least one shared entity and dates within
  :data:`MATCH_DAYS` days (:data:`PLANNED_MATCH_DAYS` for planned events, which slip),
  when its own date is no wider than a month; an undated one matches a curated event in
  the month before the article.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from ..config import authored_dir, home_dir, store_path
from ..engine.shipment import parse_date
from ..errors import InputError, StoreError
from .entities import KnownEvent, entity_index, known_events
from .schema import CheckedArticle, Event

MATCH_DAYS = 3
PLANNED_MATCH_DAYS = 10
MAX_MATCH_WIDTH_DAYS = 31
UNDATED_LOOKBACK_DAYS = 30
ARTICLE_MARGIN_DAYS = 7
ACTION_WORDS = {
    "tariff_action": "tariff action on",
    "talks": "talks with",
    "truce": "truce with",
    "agreement": "agreement with",
    "arrest": "arrest of",
    "detention": "detention of",
    "indictment": "indictment of",
    "export_control": "export controls on",
    "sanctions": "sanctions on",
    "cyber_report": "cyber report on",
    "purchase": "purchases from",
}
KIND_ORDER = {"measure": 0, "announcement": 1, "event": 2}


# --- recording --------------------------------------------------------------------------


def articles_dir() -> Path:
    """Where checked articles are recorded: ``home_dir()/articles``."""
    return home_dir() / "articles"


def content_hash(text: str) -> str:
    """The record name of an article: the first 16 hex digits of SHA-256 of its text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _record_of(checked: CheckedArticle) -> dict[str, Any]:
    a = checked.article
    return {
        "hash": content_hash(a.text),
        "source": a.source,
        "title": a.title,
        "date": a.date,
        "date_basis": a.date_basis,
        "format": a.format,
        "chars": len(a.text),
        "events": [e.model_dump(mode="json") for e in checked.events],
        "summary": checked.summary,
    }


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def record_article(checked: CheckedArticle) -> Path:
    """Store ``checked``'s events and metadata under ``articles_dir()`` (atomic write);
    the same text checked again replaces its record. Returns the record's path."""
    record = _record_of(checked)
    record["recorded_at"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    path = articles_dir() / f"{record['hash']}.json"
    _write_atomic(path, json.dumps(record, indent=1, ensure_ascii=False))
    return path


def recorded_articles() -> list[dict[str, Any]]:
    """Every recorded article (dicts as written by :func:`record_article`), by date."""
    folder = articles_dir()
    if not folder.is_dir():
        return []
    out = []
    for path in sorted(folder.glob("*.json")):
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
            [Event.model_validate(e) for e in record["events"]]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise StoreError(
                f"{path}: unreadable article record ({type(exc).__name__}); "
                "delete it and check the article again"
            ) from None
        record["path"] = str(path)
        out.append(record)
    return sorted(out, key=lambda r: (r.get("date") or "", r["hash"]))


# --- schedule ---------------------------------------------------------------------------


def _schedule_measures(store: Path | None) -> tuple[list[dict[str, Any]], str]:
    """Measures (but MFN) with steps and history as dicts, and where they came from."""
    path = Path(store) if store is not None else store_path()
    if path.exists() or store is not None:
        from ..data.store import open_store

        con = open_store(path)
        try:
            rows = con.execute(
                """SELECT importer, origin, authority, measure_id, name, heading, steps,
                          history, file FROM measures WHERE authority <> 'MFN'
                   ORDER BY importer, measure_id"""
            ).fetchall()
        finally:
            con.close()
        measures = [
            {
                "importer": r[0],
                "origin": r[1],
                "authority": r[2],
                "measure_id": r[3],
                "name": r[4],
                "heading": r[5],
                "steps": json.loads(r[6] or "[]"),
                "history": json.loads(r[7] or "[]"),
                "file": r[8],
            }
            for r in rows
        ]
        return measures, f"store {path}"
    from ..model.measures import load_measures

    folder = authored_dir() / "measures"
    measures = []
    for file, mf in load_measures(folder):
        if mf.authority == "MFN":
            continue
        for m in mf.measures:
            measures.append(
                {
                    "importer": mf.importer,
                    "origin": mf.origin,
                    "authority": mf.authority,
                    "measure_id": m.id,
                    "name": m.name,
                    "heading": m.heading,
                    "steps": [s.model_dump(mode="json", by_alias=True) for s in m.steps],
                    "history": [h.model_dump(mode="json") for h in m.history],
                    "file": str(file),
                }
            )
    return measures, f"authored files {folder}"


def _pct(rate: Any) -> str:
    if rate is None:
        return "rates per product list"
    if isinstance(rate, list):
        return " / ".join(f"{r * 100:.4g}%" for r in rate)
    return f"{float(rate) * 100:.4g}%"


GOVERNMENT = {"US": "us-gov", "CN": "cn-gov"}


def schedule_entries(store: Path | None = None) -> list[dict[str, Any]]:
    """Each dated step (``measure``) and announced-but-changed step (``announcement``) of
    every measure but MFN, both importers, with its citation."""
    measures, basis = _schedule_measures(store)
    index = entity_index()
    out: list[dict[str, Any]] = []
    for m in measures:
        actor = index.entities[GOVERNMENT[m["importer"]]].name
        partner = GOVERNMENT.get(m["origin"])
        targets = [index.entities[partner].name] if partner else []
        for s in m["steps"]:
            start = s.get("from") or s.get("valid_from")
            status = s.get("status") or "in_force"
            title = f"{m['name']}: {_pct(s.get('rate'))} from {start}"
            if s.get("heading") and s["heading"] != m["heading"]:
                title += f" (heading {s['heading']})"
            if s.get("export_from") or s.get("export_until"):
                title += " (by export date)"
            if status != "in_force":
                title += f" [{status}]"
            out.append(
                {
                    "id": f"{m['measure_id']}@{start}",
                    "date": start,
                    "date_end": None,
                    "kind": "measure",
                    "title": title,
                    "action": "tariff_action",
                    "importer": m["importer"],
                    "measure_id": m["measure_id"],
                    "actors": [actor],
                    "targets": targets,
                    "citation": s.get("citation"),
                    "sources": [
                        {
                            "citation": s.get("citation"),
                            "measure_id": m["measure_id"],
                            "file": m["file"],
                            "schedule": basis,
                        }
                    ],
                    "note": s.get("note"),
                    "confidence": 1.0,
                }
            )
        for h in m["history"]:
            planned = h.get("planned_from")
            when = planned or h.get("announced")
            rate = f"{_pct(h['rate'])} " if h.get("rate") is not None else ""
            title = f"{m['name']}: {rate}announced {h.get('announced')}"
            title += f" for {planned}" if planned else ""
            out.append(
                {
                    "id": f"{m['measure_id']}@{when}:announced",
                    "date": when,
                    "date_end": None,
                    "kind": "announcement",
                    "title": title,
                    "action": "tariff_action",
                    "importer": m["importer"],
                    "measure_id": m["measure_id"],
                    "announced": h.get("announced"),
                    "planned_from": planned,
                    "outcome": " ".join(str(h.get("outcome") or "").split()),
                    "actors": [actor],
                    "targets": targets,
                    "citation": h.get("citation"),
                    "sources": [
                        {
                            "citation": h.get("citation"),
                            "measure_id": m["measure_id"],
                            "file": m["file"],
                            "schedule": basis,
                        }
                    ],
                    "confidence": 1.0,
                }
            )
    return out


# --- events -----------------------------------------------------------------------------


def _ids_of_key(key: str | None) -> tuple[set[str], set[str]]:
    """Actor and target entity ids from an event key (``action|a+b>c|date``)."""
    if not key or key.count("|") < 2:
        return set(), set()
    who = key.split("|")[1]
    actors, _, targets = who.partition(">")
    return {i for i in actors.split("+") if i}, {i for i in targets.split("+") if i}


def _day(value: Any) -> dt.date | None:
    if value in (None, ""):
        return None
    return dt.date.fromisoformat(str(value)[:10])


def _curated_entry(e: KnownEvent) -> dict[str, Any]:
    index = entity_index()
    return {
        "id": e.id,
        "date": e.date.isoformat(),
        "date_end": e.date_end.isoformat() if e.date_end else None,
        "kind": "event",
        "title": e.title,
        "action": e.action,
        "actors": [index.entities[i].name for i in e.actors],
        "targets": [index.entities[i].name for i in e.targets],
        "entity_ids": sorted(set(e.actors) | set(e.targets)),
        "place": e.place,
        "citation": e.citation or e.source,
        "sources": [{"curated": e.id, "citation": e.citation, "source": e.source, "note": e.note}],
        "certain": e.certain,
        "confidence": 1.0 if e.certain else 0.8,
    }


def _mention(record: dict[str, Any], e: Event) -> dict[str, Any]:
    return {
        "article": record["hash"],
        "source": record.get("source"),
        "article_date": record.get("date"),
        "start": e.start,
        "end": e.end,
        "text": e.text,
        "date_text": e.date_text,
        "date_basis": e.date_basis,
    }


def _event_title(e: Event) -> str:
    words = ACTION_WORDS.get(e.action, e.action)
    what = f"{words} {e.target}" if e.target else e.action.replace("_", " ")
    title = f"{e.actor}: {what}" if e.actor else what[:1].upper() + what[1:]
    if (e.date_basis or "").startswith("planned"):
        title += " (planned)"
    return title


def _interval(entry: dict[str, Any]) -> tuple[dt.date, dt.date] | None:
    start = _day(entry.get("date"))
    if start is None:
        return None
    return start, _day(entry.get("date_end")) or start


def _gap(a: tuple[dt.date, dt.date], b: tuple[dt.date, dt.date]) -> int:
    """Days between two intervals (0 when they overlap)."""
    if a[0] > b[1]:
        return (a[0] - b[1]).days
    if b[0] > a[1]:
        return (b[0] - a[1]).days
    return 0


def _extracted_entries(records: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Extracted events, one entry per key (same key from several articles = one)."""
    by_key: dict[str, dict[str, Any]] = {}
    for record in records:
        for raw in record["events"]:
            e = Event.model_validate(raw)
            key = e.key or f"{record['hash']}:{e.start}"
            mention = _mention(record, e)
            if key in by_key:
                entry = by_key[key]
                entry["sources"].append(mention)
                entry["confidence"] = max(entry["confidence"], e.confidence)
                continue
            actors, targets = _ids_of_key(e.key)
            by_key[key] = {
                "id": key,
                "date": e.date,
                "date_end": e.date_end,
                "kind": "event",
                "title": _event_title(e),
                "action": e.action,
                "actors": [e.actor] if e.actor else [],
                "targets": [e.target] if e.target else [],
                "entity_ids": sorted(actors | targets),
                "planned": (e.date_basis or "").startswith("planned"),
                "reported": record.get("date"),
                "text": e.text,
                "citation": None,
                "sources": [mention],
                "confidence": e.confidence,
            }
    return list(by_key.values())


def _match(entry: dict[str, Any], curated: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The curated event an extracted entry reports, if one fits (see module doc)."""
    span = _interval(entry)
    tolerance = PLANNED_MATCH_DAYS if entry.get("planned") else MATCH_DAYS
    if span is None:
        reported = _day(entry.get("reported"))
        if reported is None:
            return None
        span, tolerance = (reported - dt.timedelta(days=UNDATED_LOOKBACK_DAYS), reported), 0
    ids = set(entry["entity_ids"])
    best: tuple[int, int] | None = None
    found = None
    for c in curated:
        if c["action"] != entry["action"]:
            continue
        shared = len(ids & set(c["entity_ids"]))
        cspan = _interval(c)
        if not shared or cspan is None:
            continue
        width, cwidth = (span[1] - span[0]).days, (cspan[1] - cspan[0]).days
        if width > MAX_MATCH_WIDTH_DAYS and width > cwidth + 2 * MATCH_DAYS:
            continue  # "early next year" is too vague to name one event
        gap = _gap(span, cspan)
        if gap > tolerance:
            continue
        score = (shared, -gap)
        if best is None or score > best:
            best, found = score, c
    return found


def _merge_entries(
    extracted: list[dict[str, Any]], curated: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Fold extracted entries into the curated events they report; near duplicates among
    the rest (same action and entities, dates within a few days) become one entry."""
    rest: list[dict[str, Any]] = []
    for entry in extracted:
        target = _match(entry, curated)
        if target is not None:
            target["sources"].extend(entry["sources"])
            target.setdefault("matched", []).append(entry["id"])
            continue
        twin = next((r for r in rest if _near(r, entry)), None)
        if twin is not None:
            twin["sources"].extend(entry["sources"])
            twin["confidence"] = max(twin["confidence"], entry["confidence"])
            twin.setdefault("matched", []).append(entry["id"])
            continue
        rest.append(entry)
    return curated + rest


def _near(a: dict[str, Any], b: dict[str, Any]) -> bool:
    if a["action"] != b["action"] or set(a["entity_ids"]) != set(b["entity_ids"]):
        return False
    if not a["entity_ids"]:
        return False
    sa, sb = _interval(a), _interval(b)
    if sa is None or sb is None:
        return sa is None and sb is None
    return _gap(sa, sb) <= MATCH_DAYS


def _sort_key(entry: dict[str, Any]) -> tuple[str, int, str]:
    when = entry.get("date") or entry.get("reported") or "9999"
    return (str(when), KIND_ORDER.get(entry["kind"], 3), entry["title"])


def _within(entry: dict[str, Any], lo: dt.date | None, hi: dt.date | None) -> bool:
    span = _interval(entry)
    if span is None:
        reported = _day(entry.get("reported"))
        if reported is None:
            return lo is None and hi is None
        span = (reported, reported)
    if lo is not None and span[1] < lo:
        return False
    return not (hi is not None and span[0] > hi)


def _parse(value: str | dt.date | None, what: str) -> dt.date | None:
    return None if value is None else parse_date(value, what)


def build_timeline(
    start: str | dt.date | None = None,
    end: str | dt.date | None = None,
    store: Path | None = None,
    articles: Sequence[CheckedArticle] | None = None,
) -> list[dict[str, Any]]:
    """The merged timeline between ``start`` and ``end`` (inclusive, either optional).

    Entries (dicts, sorted by date): ``date``, ``date_end``, ``kind`` ('measure',
    'announcement', 'event'), ``title``, ``actors``, ``targets``, ``sources`` (citations,
    or article hashes with spans), ``citation``, ``confidence``. ``articles`` replaces the
    recorded articles (:func:`recorded_articles`) when given. An entry overlapping the
    window is kept; an undated extracted event is placed at its article's date.
    """
    lo, hi = _parse(start, "--from"), _parse(end, "--to")
    if lo and hi and lo > hi:
        raise InputError(f"--from {lo} is after --to {hi}")
    records = (
        [_record_of(c) | {"path": None} for c in articles]
        if articles is not None
        else recorded_articles()
    )
    curated = [_curated_entry(e) for e in known_events()]
    entries = schedule_entries(store) + _merge_entries(_extracted_entries(records), curated)
    for entry in entries:
        entry["n_sources"] = len(entry["sources"])
    return sorted((e for e in entries if _within(e, lo, hi)), key=_sort_key)


def timeline_for_article(
    checked: CheckedArticle, store: Path | None = None
) -> list[dict[str, Any]]:
    """The article's events (merged with the curated events they report) and the schedule
    entries and curated events within its window: from a week before its earliest date
    (the article's or an event's) to a week after its latest."""
    days = [_day(checked.article.date)] + [_day(e.date) for e in checked.events]
    days += [_day(e.date_end) for e in checked.events]
    known = [d for d in days if d is not None]
    if not known:  # nothing dated: the article's own (undated) events only
        return [
            entry
            for entry in build_timeline(store=store, articles=[checked])
            if any(s.get("article") for s in entry["sources"])
        ]
    margin = dt.timedelta(days=ARTICLE_MARGIN_DAYS)
    return build_timeline(min(known) - margin, max(known) + margin, store=store, articles=[checked])
