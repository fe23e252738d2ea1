"""Verdicts on extracted claims, against the schedule, the coverage engine, the trade
flows and the commitment records.

``verify_claims(claims, article, store)`` gives every claim a ``verdict``, the
``evidence`` behind it (the computed figure, the statistic, the store table or
authored file it comes from and its citation) and, where the claim depends on
time, two readings: ``as_of_article`` (what the record said on the article's date)
and ``as_turned_out`` (what happened afterwards). Nothing is matched by name: a
claim is compared with every measure of the schedule, its dated steps and its
``history`` of announced steps (postponements, suspensions), by importer, origin,
rates, announced value and dates.

Tolerances (stated in the evidence of every verdict that uses them):

* rates: equal within 0.05 percentage points (0.0005 as a fraction);
* goods values: within 10 % of the record ``supported``, within 25 % ``partly``;
* trade-flow changes on the claimed statistic: within 2 percentage points
  ``supported``, within 5 ``partly``; on a mirror statistic (the other country's
  reporting) at most ``partly`` and only within 10 points, since the statistics
  differ (valuation, timing, re-exports);
* dates: exact, except that a deadline matches a step planned for the deadline or
  the day after it; a month named without a day matches any day of that month.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from ..config import store_path
from ..data.store import open_store
from ..engine import series as series_engine
from ..engine.lists import measure_lists
from ..errors import TradewarError
from ..policy import commitments as commitments_mod
from . import verify_counts, verify_dates, verify_flows, verify_pledges, verify_rates
from .schema import Article, Claim, Evidence, Reading, Verdict

RATE_TOL = 0.0005
VALUE_SUPPORTED = 0.10
VALUE_PARTLY = 0.25
FLOW_SUPPORTED_PP = 0.02
FLOW_PARTLY_PP = 0.05
FLOW_MIRROR_PP = 0.10
PLEDGE_MATCH = 0.10
EVENT_DAYS = 3
SHORT_EVENT_DAYS = 7  # an event this long contains the acts reported of it
PLANNED_SLIP_DAYS = 30
VALUE_UNRELATED = 0.5  # further from every announced value: some other figure
PLAN_WINDOW_DAYS = 90  # a threatened list announced this soon after is the one reported
PLANNED_STATUSES = (
    "threatened",
    "proposed",
    "announced",
)  # how late a planned event may happen and still be the one planned

VALUE_TOLERANCE = (
    f"within {VALUE_SUPPORTED:.0%} supported, within {VALUE_PARTLY:.0%} partly, else contradicted"
)
RATE_TOLERANCE = "rates equal within 0.05 percentage points; dates exact (a month matches its days)"
FLOW_TOLERANCE = (
    f"same statistic: within {FLOW_SUPPORTED_PP * 100:g} pp supported, within "
    f"{FLOW_PARTLY_PP * 100:g} pp partly; mirror statistic: at most partly, within "
    f"{FLOW_MIRROR_PP * 100:g} pp"
)

# One mapping of the extractor's field names (first name present wins).
FIELDS: dict[str, tuple[str, ...]] = {
    "importer": ("importer",),
    "origin": ("origin", "exporter"),
    "from_rate": ("from_rate", "rate_from"),
    "to_rate": ("to_rate", "rate_to", "new_rate"),
    "rate": ("rate", "to_rate"),
    "effective_date": ("effective_date", "date", "due_date"),
    "imposed_date": ("imposed_date", "imposed", "imposed_month"),
    "imposed_text": ("imposed_text",),
    "scope_value_usd": ("scope_value_usd", "value_usd", "scope_usd"),
    "value_usd": ("value_usd", "amount_usd", "scope_value_usd"),
    "date": ("date", "effective_date", "as_of"),
    "flow": ("flow",),
    "reporter_basis": ("reporter_basis", "basis"),
    "period": ("period", "month"),
    "change": ("change", "change_fraction"),
    "comparison": ("comparison",),
    "deadline_date": ("date", "deadline", "end_date"),
    "duration_days": ("duration_days", "days"),
    "start_date": ("start_date", "from_date", "start"),
    "what": ("what",),
    "amount_usd": ("amount_usd", "value_usd"),
    "buyer": ("buyer",),
    "seller": ("seller",),
    "scope": ("scope",),
    "horizon": ("horizon",),
    "horizon_years": ("horizon_years",),
    "action": ("action",),
}

# A flow as named by the extractor -> (reporter, partner, flow) as the reporter states it,
# and the mirror statistic (the partner's record of the same trade).
FLOWS: dict[str, tuple[tuple[str, str, str], tuple[str, str, str], str]] = {
    "china_imports_from_us": (
        ("CN", "US", "import"),
        ("US", "CN", "export"),
        "China's imports from the US",
    ),
    "us_exports_to_china": (("US", "CN", "export"), ("CN", "US", "import"), "US exports to China"),
    "us_imports_from_china": (
        ("US", "CN", "import"),
        ("CN", "US", "export"),
        "US imports from China",
    ),
    "china_exports_to_us": (
        ("CN", "US", "export"),
        ("US", "CN", "import"),
        "China's exports to the US",
    ),
}
BASES = {  # reporter_basis as stated -> reporter
    "china_customs": "CN",
    "china": "CN",
    "cn": "CN",
    "us_census": "US",
    "census": "US",
    "us": "US",
}
MONTH_LEVELS = ("HS2", "HS4", "HS6")  # monthly flows are summed at the coarsest level present
COUNTRY = {
    "us": "US",
    "usa": "US",
    "united states": "US",
    "america": "US",
    "american": "US",
    "cn": "CN",
    "china": "CN",
    "chinese": "CN",
    "prc": "CN",
}


def field_value(claim: Claim, name: str) -> Any:
    """The claim's field ``name`` under any of its known spellings (``FIELDS``), or None."""
    for key in FIELDS.get(name, (name,)):
        value = claim.fields.get(key)
        if value not in (None, ""):
            return value
    return None


# --- small parsers ------------------------------------------------------------------


def _day(value: Any) -> dt.date | None:
    """An ISO date ('2019-03-02'); a month ('2018-07') gives its first day."""
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        return None
    text = value.strip()
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        pass
    if re.fullmatch(r"\d{4}-\d{2}", text):
        return dt.date(int(text[:4]), int(text[5:7]), 1)
    return None


def _is_month(value: Any) -> bool:
    return isinstance(value, str) and bool(re.fullmatch(r"\d{4}-\d{2}", value.strip()))


def _same_day(claimed: Any, actual: dt.date | None) -> bool:
    """A claimed date (day or month) against an actual day."""
    day = _day(claimed)
    if day is None or actual is None:
        return False
    if _is_month(claimed):
        return (day.year, day.month) == (actual.year, actual.month)
    return day == actual


def _num(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return None if out != out else out


def _country(value: Any) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip().lower()
    return COUNTRY.get(text, value.strip().upper() if len(text) == 2 else None)


def pct(rate: float | None) -> str:
    """0.25 -> '25%'."""
    return "unknown" if rate is None else f"{rate * 100:g}%"


def usd(value: float | None) -> str:
    """1.2e12 -> '$1.2tn', 2e11 -> '$200bn'."""
    if value is None:
        return "unknown"
    if abs(value) >= 1e12:
        return f"${value / 1e12:,.3g}tn"
    if abs(value) >= 1e9:
        return f"${value / 1e9:,.4g}bn"
    return f"${value / 1e6:,.4g}m"


def _rates(value: Any) -> list[float]:
    if isinstance(value, list):
        return [float(v) for v in value if v is not None]
    return [] if value is None else [float(value)]


def _has_rate(rates: Iterable[float], rate: float | None) -> bool:
    return rate is not None and any(abs(r - rate) <= RATE_TOL for r in rates)


# --- the record -----------------------------------------------------------------------


@dataclass
class _Measure:
    """A measure of the schedule with its steps (exclusive ``until`` resolved)."""

    raw: dict[str, Any]
    file: str
    steps: list[dict[str, Any]] = field(default_factory=list)

    @property
    def id(self) -> str:
        return str(self.raw["measure_id"])

    @property
    def name(self) -> str:
        return str(self.raw["name"])

    @property
    def history(self) -> list[dict[str, Any]]:
        return list(self.raw.get("history") or [])

    @property
    def announced_usd(self) -> float | None:
        value = _num(self.raw.get("announced_value_usd_bn"))
        return None if value is None else value * 1e9

    @property
    def source(self) -> str:
        return f"store table measures: {self.id} ({self.file})"

    def active(self, day: dt.date) -> list[dict[str, Any]]:
        """Steps in force on ``day`` for goods exported and entered that day."""
        out = []
        for s in self.steps:
            if not s["_from"] <= day or (s["_until"] is not None and day >= s["_until"]):
                continue
            ef, eu = _day(s.get("export_from")), _day(s.get("export_until"))
            if (ef is not None and day < ef) or (eu is not None and day >= eu):
                continue
            out.append(s)
        return out

    def rates_on(self, day: dt.date) -> list[float]:
        return [r for s in self.active(day) for r in _rates(s["rate"])]

    def all_rates(self) -> list[float]:
        """Every rate of a step or of an announcement in the measure's history."""
        return self.step_rates() + [r for h in self.history for r in _rates(h.get("rate"))]

    def step_rates(self) -> list[float]:
        """The rates the measure's steps put in force (announcements not included)."""
        return [r for s in self.steps for r in _rates(s["rate"])]

    def announced_by(self, day: dt.date, rate: float) -> dict[str, Any] | None:
        """The first announcement in the history with ``rate`` made on or before ``day``."""
        for h in self.history:
            if (_day(h.get("announced")) or dt.date.max) <= day and _has_rate(
                _rates(h.get("rate")), rate
            ):
                return h
        return None

    def first_step(self, rate: float | None = None) -> dict[str, Any] | None:
        """The earliest step (with ``rate``, if given) that put a rate above 0 in force."""
        for s in sorted(self.steps, key=lambda s: s["_from"]):
            rates = _rates(s["rate"])
            if (rate is None and any(r > 0 for r in rates)) or _has_rate(rates, rate):
                return s
        return None

    def known_on(self, day: dt.date) -> bool:
        """Whether the measure was announced or in force by ``day`` (its first step, or the
        earliest announcement in its history)."""
        dates = [s["_from"] for s in self.steps]
        dates += [d for h in self.history if (d := _day(h.get("announced")))]
        return bool(dates) and min(dates) <= day

    def announcement_citation(self, h: dict[str, Any]) -> str | None:
        """The notice dated on the entry's announcement day, among the measure's citations
        (a history entry cites its outcome; the notice announcing it is cited elsewhere)."""
        day = _day(h.get("announced"))
        if day is None:
            return None
        stamp = f"({day:%B} {day.day}, {day.year})"
        cites = [s.get("citation") for s in self.steps] + [x.get("citation") for x in self.history]
        found = [c for c in cites if c and stamp in c]
        return found[0] if found else None

    def plan_as_of(self, day: dt.date) -> dict[str, Any] | None:
        """The announced step still pending on ``day``: the latest history entry announced
        on or before ``day`` whose planned date is after it (a later announcement
        supersedes an earlier one)."""
        known = [h for h in self.history if (_day(h.get("announced")) or dt.date.max) <= day]
        if not known:
            return None
        latest = max(known, key=lambda h: _day(h["announced"]) or dt.date.min)
        planned = _day(latest.get("planned_from"))
        return latest if planned is not None and planned > day else None


def _steps(raw: dict[str, Any]) -> list[dict[str, Any]]:
    """Steps with ``_from``/``_until`` dates (``until`` as the compiler resolves it)."""
    steps = list(raw["steps"])
    out = []
    for i, s in enumerate(steps):
        until = _day(s.get("until"))
        if until is None and i + 1 < len(steps) and s.get("governs") == "entry":
            nxt = steps[i + 1]
            if nxt.get("governs") == "entry":
                until = _day(nxt["from"])
        out.append({**s, "_from": _day(s["from"]), "_until": until})
    return out


class Record:
    """Everything the verifiers read, loaded once per store (see ``record``)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._coverage: dict[str, dict[str, Any]] = {}
        self._attainment: dict[str, Any] | None = None
        self._known: list[dict[str, Any]] | None = None
        self._panel: duckdb.DuckDBPyConnection | None = None
        self._cited: list[tuple[dt.date, str, str, str]] | None = None
        con = open_store(path)
        try:
            files = dict(con.execute("SELECT measure_id, file FROM measures").fetchall())
            self.measures = [
                _Measure(m, files.get(m["measure_id"], "data/measures"), _steps(m))
                for m in measure_lists(con, None)
            ]
        finally:
            con.close()

    def _con(self) -> duckdb.DuckDBPyConnection:
        return open_store(self.path)

    def cited_dates(self) -> list[tuple[dt.date, str, str, str]]:
        """Every date written in a measure's citations ("Proclamation 10947 of June 3,
        2025", "83 FR 28710 (June 20, 2018)"): (date, measure, importer, citation)."""
        if self._cited is None:
            out = []
            for m in self.measures:
                cites = [s.get("citation") for s in m.steps] + [
                    h.get("citation") for h in m.history
                ]
                for cite in {str(c) for c in cites if c}:
                    for mm in _CITED_DATE.finditer(cite):
                        try:
                            d = dt.datetime.strptime(f"{mm[1]} {mm[2]} {mm[3]}", "%B %d %Y").date()
                        except ValueError:
                            continue
                        out.append((d, m.id, str(m.raw["importer"]), " ".join(cite.split())))
            self._cited = out
        return self._cited

    def panel(self) -> duckdb.DuckDBPyConnection:
        """One read-only connection kept for the panel look-ups (many per article)."""
        if self._panel is None:
            self._panel = open_store(self.path)
        return self._panel

    def release(self) -> None:
        """Close the panel connection: a store held open in this process would block a
        later bulk run (DuckDB refuses to ATTACH a file the process already holds)."""
        if self._panel is not None:
            self._panel.close()
            self._panel = None

    def coverage(self, importer: str) -> dict[str, Any]:
        """``engine.series.measure_coverage`` with the importer's default weights."""
        if importer not in self._coverage:
            con = self._con()
            try:
                spec = series_engine.resolve_weights(importer, None)
                self._coverage[importer] = series_engine.measure_coverage(con, importer, spec)
            finally:
                con.close()
        return self._coverage[importer]

    def flow_value(
        self, reporter: str, partner: str, flow: str, start: dt.date, granularity: str
    ) -> dict[str, Any] | None:
        """Total value of one flow for the month or year starting ``start``."""
        con = self._con()
        try:
            rows = con.execute(
                """SELECT product_level, sum(value_usd), any_value(statistic), any_value(source),
                          count(*)
                   FROM flows WHERE reporter = ? AND partner = ? AND flow = ?
                     AND granularity = ? AND period_start = ?
                   GROUP BY product_level""",
                [reporter, partner, flow, granularity, start],
            ).fetchall()
        finally:
            con.close()
        by_level = {r[0]: r for r in rows}
        order = MONTH_LEVELS if granularity == "month" else ("TOTAL", *MONTH_LEVELS)
        for level in order:
            if level in by_level:
                r = by_level[level]
                return {
                    "level": level,
                    "value": r[1],
                    "statistic": r[2],
                    "source": r[3],
                    "rows": r[4],
                }
        return None

    def attainment(self) -> dict[str, Any]:
        """Phase One-style attainment of every verifiable agreement (through its last month)."""
        if self._attainment is None:
            out: dict[str, Any] = {}
            con = self._con()
            try:
                for key, (_path, rec) in commitments_mod.catalog().items():
                    if not rec.verifiable:
                        continue
                    try:
                        out[key] = commitments_mod.attainment(con, key)
                    except TradewarError as exc:
                        out[key] = {"error": str(exc)}
            finally:
                con.close()
            self._attainment = out
        return self._attainment

    def known_events(self) -> list[dict[str, Any]]:
        """Curated events (``news.entities.known_events``), as dicts; [] until they exist."""
        if self._known is None:
            try:
                from . import entities  # the events colleague's module
            except ImportError:
                self._known = []
            else:
                found = getattr(entities, "known_events", None)
                items = found() if callable(found) else []
                self._known = [
                    i.model_dump() if hasattr(i, "model_dump") else dict(i) for i in items
                ]
        return self._known


_CITED_DATE = re.compile(
    r"\b(January|February|March|April|May|June|July|August|September|October|November|"
    r"December)\s+(\d{1,2}),\s+((?:19|20)\d\d)\b"
)
_RECORDS: dict[tuple[str, int], Record] = {}


def record(store: Path | None = None) -> Record:
    """The record of ``store`` (default: the user's store), cached by path and mtime."""
    path = Path(store) if store is not None else store_path()
    key = (str(path.resolve()), path.stat().st_mtime_ns if path.exists() else 0)
    if key not in _RECORDS:
        _RECORDS.clear()
        _RECORDS[key] = Record(path)
    return _RECORDS[key]


# --- verdict helpers ------------------------------------------------------------------


def _combine(parts: list[bool]) -> Verdict:
    if not parts:
        return "not_checkable"
    if all(parts):
        return "supported"
    return "contradicted" if not any(parts) else "partly"


def _not_checkable(claim: Claim, reason: str, evidence: list[Evidence] | None = None) -> Claim:
    return claim.model_copy(
        update={"verdict": "not_checkable", "reason": reason, "evidence": evidence or []}
    )


def _step_evidence(
    m: _Measure, s: dict[str, Any], statistic: str, note: str | None = None
) -> Evidence:
    return Evidence(
        statistic=statistic,
        value={
            "rate": s["rate"],
            "from": s["from"],
            "until": s.get("until"),
            "export_from": s.get("export_from"),
            "export_until": s.get("export_until"),
        },
        unit="fraction",
        source=m.source,
        citation=s.get("citation"),
        tolerance=RATE_TOLERANCE,
        note=note or s.get("note"),
    )


def _outcome(h: dict[str, Any]) -> str:
    """A history entry's outcome in one line, with the citation that records it."""
    text = " ".join(str(h.get("outcome") or "outcome not recorded").split()).rstrip(".")
    return f"{text} ({h.get('citation')})" if h.get("citation") else text


def _history_evidence(
    m: _Measure, h: dict[str, Any], statistic: str, as_of: bool = False
) -> Evidence:
    """An announced step. ``as_of``: as known when announced (its announcing notice, no
    outcome); otherwise with its outcome and the citation that records the outcome."""
    return Evidence(
        statistic=statistic,
        value={
            "announced": h.get("announced"),
            "planned_from": h.get("planned_from"),
            "rate": h.get("rate"),
        },
        unit="fraction",
        source=f"{m.source}, history",
        citation=m.announcement_citation(h) if as_of else h.get("citation"),
        tolerance=RATE_TOLERANCE,
        note=None if as_of else "outcome: " + _outcome(h),
    )


def _candidates(claim: Claim, rec: Record) -> list[_Measure]:
    importer = _country(field_value(claim, "importer"))
    origin = _country(field_value(claim, "origin"))
    return [
        m
        for m in rec.measures
        if (importer is None or m.raw["importer"] == importer)
        and (origin is None or m.raw["origin"] in (origin, "*"))
    ]


def _match_measure(
    claim: Claim, rec: Record, article_day: dt.date | None
) -> tuple[_Measure | None, list[str]]:
    """The measure the claim's rates, value and dates fit best, and what fitted."""
    frm = _num(field_value(claim, "from_rate"))
    to = _num(field_value(claim, "to_rate"))
    value = _num(field_value(claim, "scope_value_usd"))
    when = field_value(claim, "effective_date")
    best: tuple[int, list[str], _Measure | None] = (0, [], None)
    for m in _candidates(claim, rec):
        if article_day is not None and not m.known_on(article_day):
            continue  # announced after the article: not what it can have meant
        score, why = 0, []
        if value and m.announced_usd and abs(value / m.announced_usd - 1) <= VALUE_PARTLY:
            score, why = score + 2, [*why, f"announced value {usd(m.announced_usd)}"]
        if _has_rate(m.all_rates(), to):
            score, why = score + 2, [*why, f"rate {pct(to)}"]
        day = article_day or (_day(when) if when else None)
        if frm is not None and (
            _has_rate(m.rates_on(day), frm) if day else _has_rate(m.all_rates(), frm)
        ):
            score, why = score + 1, [*why, f"rate {pct(frm)} in force"]
        dates = [s["_from"] for s in m.steps] + [_day(h.get("planned_from")) for h in m.history]
        if when and any(_same_day(when, d) for d in dates if d):
            score, why = score + 2, [*why, f"date {when}"]
        if score > best[0]:
            best = (score, why, m)
    if best[0] < 2:
        return None, []
    return best[2], best[1]


# --- tariff rate changes --------------------------------------------------------------


def verify_rate_change(claim: Claim, rec: Record, article_day: dt.date | None) -> Claim:
    """A rate change ('10% ... is due to rise to 25% on March 2') against the schedule."""
    m, why = _match_measure(claim, rec, article_day)
    if m is None:
        return _not_checkable(
            claim,
            "no measure of the schedule matches the claim's importer, origin, rates, value or date",
        )
    frm = _num(field_value(claim, "from_rate"))
    to = _num(field_value(claim, "to_rate"))
    when = field_value(claim, "effective_date")
    due = _day(when)
    match = Evidence(
        statistic="measure matched by " + ", ".join(why),
        value=m.id,
        source=m.source,
        citation=(m.first_step() or {}).get("citation"),
        note=m.name,
    )
    parts: list[bool] = []
    problems: list[str] = []
    evidence = [match]
    # imposed when?
    imposed = field_value(claim, "imposed_date")
    first = m.first_step(frm) or m.first_step()
    if imposed and first is not None:
        ok = _same_day(imposed, first["_from"])
        parts.append(ok)
        announced = [h for h in m.history if _same_day(imposed, _day(h.get("announced")))]
        note = None
        if not ok:
            text = field_value(claim, "imposed_text") or imposed
            what = pct(frm) if frm else "the measure"
            note = f"'{text}' does not match: {what} took effect {first['from']}"
            if announced:
                note += f"; {imposed} is when a step was announced ({announced[0].get('citation')})"
            problems.append(note)
        evidence.append(
            _step_evidence(m, first, f"{m.id}: first in force (claimed imposed {imposed})", note)
        )
    # scope value against the announced value
    value = _num(field_value(claim, "scope_value_usd"))
    if value and m.announced_usd:
        dev = value / m.announced_usd - 1
        parts.append(abs(dev) <= VALUE_SUPPORTED)
        if abs(dev) > VALUE_SUPPORTED:
            problems.append(
                f"value {usd(value)} is {dev:+.0%} from the announced {usd(m.announced_usd)}"
            )
        evidence.append(
            Evidence(
                statistic=f"{m.id}: announced trade value",
                value=m.announced_usd,
                unit="USD",
                source=m.source,
                citation=(m.first_step() or {}).get("citation"),
                tolerance=VALUE_TOLERANCE,
                note=f"claimed {usd(value)} ({dev:+.1%})",
            )
        )
    as_of = _rate_change_as_of(m, frm, to, when, due, article_day) if article_day else None
    turned = _rate_change_turned_out(m, to, when, due, article_day)
    if as_of is not None:
        parts.append(as_of.verdict == "supported")
        if as_of.verdict != "supported":
            problems.append(as_of.summary)
    elif turned is not None:
        parts.append(turned.verdict == "supported")
    verdict = _combine(parts)
    if as_of is not None and as_of.verdict == "contradicted":
        verdict = "contradicted"
    reason = "; ".join(problems) if problems else None
    return claim.model_copy(
        update={
            "verdict": verdict,
            "reason": reason or (None if verdict != "not_checkable" else "no part checkable"),
            "evidence": evidence,
            "as_of_article": as_of,
            "as_turned_out": turned,
        }
    )


def _rate_change_as_of(
    m: _Measure,
    frm: float | None,
    to: float | None,
    when: Any,
    due: dt.date | None,
    day: dt.date,
) -> Reading:
    """What the record said on the article's date: rate in force, step pending."""
    parts: list[bool] = []
    lines: list[str] = []
    evidence: list[Evidence] = []
    primary_ok = True  # the claimed new rate (a wrong one contradicts the claim)
    active = m.active(day)
    if frm is not None:
        ok = _has_rate(m.rates_on(day), frm)
        parts.append(ok)
        now = ", ".join(pct(r) for r in m.rates_on(day)) or "none"
        lines.append(f"{m.id} in force on {day}: {now}" + ("" if ok else f" (claimed {pct(frm)})"))
        for s in active:
            evidence.append(_step_evidence(m, s, f"{m.id}: rate in force on {day}"))
    if due is not None and due <= day:
        # a change the article reports as done
        step = next((s for s in m.steps if _same_day(when, s["_from"])), None)
        ok = step is not None and (to is None or _has_rate(_rates(step["rate"]), to))
        parts.append(ok)
        lines.append(
            f"step of {when}: "
            + (f"{pct(to)} took effect" if ok else "no such step in the schedule")
        )
        if step is not None:
            evidence.append(_step_evidence(m, step, f"{m.id}: step of {step['from']}"))
    elif to is not None or due is not None:
        plan = m.plan_as_of(day)
        pending = [s for s in m.steps if s["_from"] > day and _same_day(when, s["_from"])]
        if plan is not None:
            rate_ok = to is None or _has_rate(_rates(plan.get("rate")), to)
            date_ok = due is None or _same_day(when, _day(plan.get("planned_from")))
            parts += [rate_ok, date_ok] if due is not None else [rate_ok]
            primary_ok = primary_ok and rate_ok
            notice = m.announcement_citation(plan)
            lines.append(
                f"scheduled on {day}: {pct(_num(plan.get('rate')))} "
                f"from {plan.get('planned_from')} (announced {plan.get('announced')}"
                + (f", {notice})" if notice else ")")
            )
            evidence.append(
                _history_evidence(m, plan, f"{m.id}: step pending on {day}", as_of=True)
            )
            if not rate_ok:
                lines.append(f"the pending rate is not the claimed {pct(to)}")
            if not date_ok:
                lines.append(f"the pending date is not the claimed {when}")
        elif pending:
            s = pending[0]
            ok = to is None or _has_rate(_rates(s["rate"]), to)
            parts.append(ok)
            primary_ok = primary_ok and ok
            lines.append(f"step in the schedule: {pct(_num(s['rate']))} from {s['from']}")
            evidence.append(_step_evidence(m, s, f"{m.id}: step of {s['from']}"))
        else:
            parts.append(False)
            primary_ok = False
            lines.append(f"no step of {m.id} was announced and pending on {day}")
    verdict = _combine(parts) if primary_ok else "contradicted"
    return Reading(
        verdict=verdict, summary="; ".join(lines) or "nothing to compare", evidence=evidence
    )


def _rate_change_turned_out(
    m: _Measure, to: float | None, when: Any, due: dt.date | None, day: dt.date | None
) -> Reading | None:
    """What happened: when (if ever) the claimed rate took effect, and the history."""
    if to is None or (due is not None and day is not None and due <= day):
        return None
    after = day or dt.date.min
    steps = sorted(
        (
            s
            for s in m.steps
            if s["_from"] > after
            and _has_rate(_rates(s["rate"]), to)
            and s.get("status") != "suspended"
        ),
        key=lambda s: s["_from"],
    )
    evidence: list[Evidence] = []
    lines: list[str] = []
    relevant = [
        h
        for h in m.history
        if (_day(h.get("planned_from")) or dt.date.min) > after
        and (day is None or (_day(h.get("announced")) or dt.date.min) <= (due or dt.date.max))
    ]
    for h in relevant:
        evidence.append(_history_evidence(m, h, f"{m.id}: announced {h.get('announced')}"))
        lines.append(f"planned for {h.get('planned_from')}: {_outcome(h)}")
    if steps:
        s = steps[0]
        evidence.append(_step_evidence(m, s, f"{m.id}: {pct(to)} took effect"))
        on_time = due is None or _same_day(when, s["_from"])
        governs = " for goods exported on or after it" if s.get("export_from") else ""
        lines.append(f"{pct(to)} took effect {s['from']}{governs} ({s.get('citation')})")
        verdict: Verdict = "supported" if on_time else "partly"
        if not on_time:
            lines.insert(0, f"{pct(to)} did not take effect on {when}")
    else:
        verdict = "contradicted"
        lines.append(f"{pct(to)} never took effect under {m.id}")
    return Reading(verdict=verdict, summary="; ".join(lines), evidence=evidence)


# --- tariff rates ---------------------------------------------------------------------


def _partly(claim: Claim, reason: str, evidence: list[Evidence]) -> Claim:
    """``claim`` judged partly right, with why and the evidence."""
    return claim.model_copy(update={"verdict": "partly", "reason": reason, "evidence": evidence})


def verify_rate(claim: Claim, rec: Record, article_day: dt.date | None) -> Claim:
    """A rate level ('a 25% tariff on ...') against the measures in force on the date."""
    rate = _num(field_value(claim, "rate"))
    if rate is None:
        return _not_checkable(claim, "the claim gives no rate")
    day = _day(field_value(claim, "date")) or article_day
    if day is None:
        return _not_checkable(claim, "no date: neither the claim nor the article is dated")
    candidates = _candidates(claim, rec)
    if not candidates:
        return _not_checkable(claim, "no measure of the schedule for this importer and origin")
    in_force = [
        (m, s) for m in candidates for s in m.active(day) if _has_rate(_rates(s["rate"]), rate)
    ]
    if in_force:
        names = ", ".join(sorted({m.id for m, _ in in_force}))
        ev = [_step_evidence(m, s, f"{m.id}: rate in force on {day}") for m, s in in_force]
        summary = f"{pct(rate)} in force on {day} under {names}"
        return claim.model_copy(
            update={
                "verdict": "supported",
                "reason": None,
                "evidence": ev,
                "as_of_article": Reading(verdict="supported", summary=summary, evidence=ev),
            }
        )
    pending = [(m, m.plan_as_of(day)) for m in candidates]
    planned = [(m, h) for m, h in pending if h and _has_rate(_rates(h.get("rate")), rate)]
    if planned:
        ev = [_history_evidence(m, h, f"{m.id}: pending on {day}") for m, h in planned]
        h = planned[0][1]
        return _partly(
            claim,
            f"{pct(rate)} was announced (from {h.get('planned_from')}), not in force on {day}",
            ev,
        )
    # a rate some step put in force (before or after the day); a rate only announced
    # counts where it was announced by the day, and is said to be announced, not applied
    ever = [m for m in candidates if _has_rate(m.step_rates(), rate)]
    announced = [(m, h) for m in candidates if (h := m.announced_by(day, rate))]
    if not ever and announced:
        ev = [_history_evidence(m, h, f"{m.id}: announced, never in force") for m, h in announced]
        h = announced[0][1]
        return _partly(
            claim,
            f"{pct(rate)} was announced on {h.get('announced')} "
            f"(from {h.get('planned_from')}) but never in force",
            ev[:4],
        )
    if ever:
        ev = [
            _step_evidence(m, s, f"{m.id}: step with {pct(rate)}")
            for m in ever
            for s in m.steps
            if _has_rate(_rates(s["rate"]), rate)
        ][:4]
        return _partly(
            claim, f"{pct(rate)} applied under {', '.join(m.id for m in ever)} but not on {day}", ev
        )
    return claim.model_copy(
        update={
            "verdict": "contradicted",
            "reason": "no measure of the schedule for this importer and origin ever had "
            f"{pct(rate)}",
            "evidence": [
                Evidence(
                    statistic="additional rates in the schedule",
                    value=sorted({round(r, 4) for m in candidates for r in m.step_rates()}),
                    unit="fraction",
                    source="store table measures (engine.lists.measure_lists)",
                    tolerance=RATE_TOLERANCE,
                )
            ],
        }
    )


# --- goods value covered -------------------------------------------------------------


def verify_goods_value(claim: Claim, rec: Record, article_day: dt.date | None) -> Claim:
    """'$200 billion of Chinese goods' against the announced values and engine coverage."""
    value = _num(field_value(claim, "value_usd"))
    if not value:
        return _not_checkable(claim, "the claim gives no value")
    candidates = [
        m
        for m in _candidates(claim, rec)
        if m.announced_usd and (article_day is None or m.known_on(article_day))
    ]
    later = []  # a threat or plan that a list announced soon after the article matches
    if article_day is not None and claim.fields.get("status") in PLANNED_STATUSES:
        soon = article_day + dt.timedelta(days=PLAN_WINDOW_DAYS)
        later = [
            m
            for m in _candidates(claim, rec)
            if m.announced_usd and m not in candidates and m.known_on(soon)
        ]
        candidates += later
    listed = _announced_list_value(claim, rec, article_day, value, candidates)
    if listed is not None:
        return listed
    if not candidates:
        return _not_checkable(
            claim, "no measure of the schedule with an announced trade value by the article's date"
        )
    # single measures and the running total of measures in force on the article's date
    options: list[tuple[str, float, list[_Measure]]] = [
        (m.id, m.announced_usd or 0, [m]) for m in candidates
    ]
    if article_day is not None:
        live = [m for m in candidates if any(r > 0 for r in m.rates_on(article_day))]
        if len(live) > 1:
            total = sum(m.announced_usd or 0 for m in live)
            options.append((" + ".join(m.id for m in live), total, live))
    name, announced, measures = min(options, key=lambda o: abs(value / o[1] - 1))
    dev = value / announced - 1
    evidence = [
        Evidence(
            statistic=f"announced trade value of {name}",
            value=announced,
            unit="USD",
            source="; ".join(m.source for m in measures),
            citation="; ".join(str((m.first_step() or {}).get("citation")) for m in measures),
            tolerance=VALUE_TOLERANCE,
            note=f"claimed {usd(value)}: {dev:+.1%}",
        )
    ]
    engine_verdict: Verdict | None = None
    importer = str(measures[0].raw["importer"])
    try:
        cov = rec.coverage(importer)
    except TradewarError as exc:
        evidence.append(
            Evidence(
                statistic="engine coverage",
                source="engine.series.measure_coverage",
                note=f"not computed: {exc}",
            )
        )
    else:
        weights = cov["weights"]
        rows = [r for r in cov["measures"] if r["measure_id"] in {m.id for m in measures}]
        covered = sum(r["covered_value_usd"] for r in rows)
        firsts = [_day(r["first_date"]) for r in rows if r["first_date"]]
        comparable = bool(firsts) and all(
            weights["year"] in (d.year - 1, d.year) for d in firsts if d
        )
        edev = covered / value - 1 if covered else None
        note = (
            f"{usd(covered)} of {weights['year']} trade ({weights['name']}) on the lines of "
            f"{name} at their first step; claimed {usd(value)}"
            + (f" ({-edev:+.1%} off)" if edev is not None else "")
        )
        if comparable:
            note += f"; weight year {weights['year']} is the trade the announced value measures"
            if edev is not None:
                engine_verdict = _band(abs(covered / value - 1), VALUE_SUPPORTED, VALUE_PARTLY)
        else:
            years = ", ".join(str(d.year - 1) for d in firsts if d)
            note += (
                f"; weight year {weights['year']} is not the year before the measure "
                f"({years}), so this figure shows how much trade the lines carry in "
                f"{weights['year']}, not whether the announced value was right"
            )
            why = cov.get("why_not_announced")
            if why:
                note += f" ({why[0]})"
        evidence.append(
            Evidence(
                statistic=f"engine coverage of {name} (weight year {weights['year']})",
                value={
                    "covered_value_usd": covered,
                    "weight_year": weights["year"],
                    "weights": weights["name"],
                    "comparable": comparable,
                },
                unit="USD",
                source=f"engine.series.measure_coverage over store tables layers, flows "
                f"({weights['source']})",
                citation=weights.get("statistic"),
                tolerance=VALUE_TOLERANCE,
                note=note,
            )
        )
    # the verdict is against the announced value; the engine's coverage (with its weight
    # year) is shown alongside and named in the reason where it disagrees
    if abs(dev) > VALUE_UNRELATED:
        return _not_checkable(
            claim,
            f"no list or round of about {usd(value)} in the record by the article's date "
            f"(the nearest is {name}, {usd(announced)})",
            evidence,
        )
    verdict = _band(abs(dev), VALUE_SUPPORTED, VALUE_PARTLY)
    reason = None
    if verdict != "supported":
        reason = f"{usd(value)} is outside ±{VALUE_SUPPORTED:.0%} of the announced value of {name}"
    elif engine_verdict not in (None, "supported"):
        reason = f"the announced value matches; the engine's coverage of {name} differs"
    if measures and all(m in later for m in measures):
        reason = (reason + "; " if reason else "") + (
            f"{name} was announced after the article (within {PLAN_WINDOW_DAYS} days): "
            "the plan reported is the one that came"
        )
    return claim.model_copy(update={"verdict": verdict, "reason": reason, "evidence": evidence})


# an imposition stated as done ("slapped duties on $50 billion"), not a plan
_IMPOSED = re.compile(
    r"\b(?:slapped|imposed|levied|(?:has|have|had)\s+(?:put|placed|hit))\b", re.IGNORECASE
)


def _announced_list_value(
    claim: Claim,
    rec: Record,
    article_day: dt.date | None,
    value: float,
    measures: list[_Measure],
) -> Claim | None:
    """A value against the curated announced lists (a proposal, a threat) when it is
    nearer to one of them than to every measure of the schedule; None otherwise.

    A value reported as a plan is supported by the list within the value tolerance; one
    reported as imposed ("slapped duties on") is contradicted when only a proposal had it
    and no measure of about that value was in force on the article's date."""
    importer = _country(field_value(claim, "importer"))
    origin = _country(field_value(claim, "origin"))
    lists = [
        e
        for e in verify_counts.curated_lists(rec, article_day, importer, origin)
        if e.get("value_usd_bn")
    ]
    if not lists:
        return None
    best = min(lists, key=lambda e: abs(value / (e["value_usd_bn"] * 1e9) - 1))
    announced = best["value_usd_bn"] * 1e9
    dev = value / announced - 1
    if abs(dev) > VALUE_PARTLY:
        return None
    if any(abs(value / (m.announced_usd or 1) - 1) <= abs(dev) for m in measures):
        return None  # a measure of the schedule fits as well: it is the one meant
    public = best.get("announced") or best.get("date")
    ev = _known_evidence(best, f"announced value of {best.get('id')} ({best.get('status')})")
    ev = ev.model_copy(
        update={
            "value": announced,
            "unit": "USD",
            "tolerance": VALUE_TOLERANCE,
            "note": f"claimed {usd(value)}: {dev:+.1%}; {_known_label(best)}"
            + (f"; {best['outcome']}" if best.get("outcome") else ""),
        }
    )
    status = claim.fields.get("status")
    in_force = article_day is not None and any(
        any(r > 0 for r in m.rates_on(article_day))
        and abs(value / (m.announced_usd or 1) - 1) <= VALUE_PARTLY
        for m in measures
    )
    if (
        status not in PLANNED_STATUSES
        and best.get("status") in ("proposed", "threatened")
        and not in_force
        and _IMPOSED.search(claim.text)
    ):
        return claim.model_copy(
            update={
                "verdict": "contradicted",
                "reason": f"{usd(announced)} was {best.get('status')} on {public}, not imposed "
                f"by the article's date" + (f"; {best['outcome']}" if best.get("outcome") else ""),
                "evidence": [ev],
            }
        )
    verdict = _band(abs(dev), VALUE_SUPPORTED, VALUE_PARTLY)
    reason = None
    if verdict != "supported":
        reason = f"{usd(value)} is outside ±{VALUE_SUPPORTED:.0%} of the {usd(announced)} list"
    if best.get("status") in ("proposed", "threatened"):
        note = f"{best.get('status')} on {public}, not a step of the schedule"
        reason = f"{reason}; {note}" if reason else None
    return claim.model_copy(update={"verdict": verdict, "reason": reason, "evidence": [ev]})


def _band(dev: float, supported: float, partly: float) -> Verdict:
    if dev <= supported + 1e-12:
        return "supported"
    return "partly" if dev <= partly + 1e-12 else "contradicted"


# --- trade flows ------------------------------------------------------------------------


def _period(text: Any) -> tuple[dt.date, str] | None:
    """'2019-01' -> (2019-01-01, 'month'); '2019' -> (2019-01-01, 'year')."""
    if not isinstance(text, str):
        return None
    t = text.strip()
    if re.fullmatch(r"\d{4}-\d{2}", t):
        return dt.date(int(t[:4]), int(t[5:7]), 1), "month"
    if re.fullmatch(r"\d{4}", t):
        return dt.date(int(t), 1, 1), "year"
    return None


def _previous(start: dt.date, granularity: str, comparison: str) -> dt.date:
    if comparison in ("mom", "month_on_month") and granularity == "month":
        return dt.date(start.year - (start.month == 1), (start.month - 2) % 12 + 1, 1)
    return dt.date(start.year - 1, start.month, 1)


def _change(
    rec: Record, key: tuple[str, str, str], start: dt.date, granularity: str, comparison: str
) -> dict[str, Any] | None:
    prev = _previous(start, granularity, comparison)
    now = rec.flow_value(*key, start, granularity)
    before = rec.flow_value(*key, prev, granularity)
    if not now or not before or not before["value"]:
        return None
    return {
        "change": now["value"] / before["value"] - 1,
        "value": now["value"],
        "previous": before["value"],
        "period": start.strftime("%Y-%m" if granularity == "month" else "%Y"),
        "previous_period": prev.strftime("%Y-%m" if granularity == "month" else "%Y"),
        "granularity": granularity,
        "level": now["level"],
        "statistic": now["statistic"],
        "source": now["source"],
    }


def _flow_evidence(
    label: str, key: tuple[str, str, str], c: dict[str, Any], claimed: float
) -> Evidence:
    reporter, partner, flow = key
    return Evidence(
        statistic=f"{label}, {c['period']} vs {c['previous_period']} ({reporter}-reported)",
        value={"change": c["change"], "value_usd": c["value"], "previous_usd": c["previous"]},
        unit="fraction",
        source=(
            f"store table flows (reporter {reporter}, partner {partner}, flow {flow}, "
            f"{c['level']}, {c['granularity']}); raw file {c['source']}"
        ),
        citation=c["statistic"],
        tolerance=FLOW_TOLERANCE,
        note=f"{c['change']:+.1%} against the claimed {claimed:+.1%} "
        f"({(c['change'] - claimed) * 100:+.1f} pp)",
    )


def verify_flow(claim: Claim, rec: Record, article_day: dt.date | None) -> Claim:
    """'a 40 percent drop in Chinese imports of American goods in January'."""
    flow = field_value(claim, "flow")
    change = _num(field_value(claim, "change"))
    period = _period(field_value(claim, "period"))
    if flow not in FLOWS:
        return _not_checkable(
            claim, f"flow {flow!r} is not one the data holds ({', '.join(FLOWS)})"
        )
    if change is None or period is None:
        return _not_checkable(claim, "the claim gives no change or no period (YYYY-MM or YYYY)")
    own, mirror, label = FLOWS[flow]
    stated = BASES.get(str(field_value(claim, "reporter_basis") or "").lower())
    if stated is not None and stated != own[0]:
        own, mirror = mirror, own
    start, gran = period
    comparison = str(field_value(claim, "comparison") or "yoy").lower()
    evidence: list[Evidence] = []
    same = _change(rec, own, start, gran, comparison)
    if same is not None:
        evidence.append(_flow_evidence(f"{label}, as claimed", own, same, change))
        gap = abs(same["change"] - change)
        verdict = _band(gap, FLOW_SUPPORTED_PP, FLOW_PARTLY_PP)
        reason = (
            None
            if verdict == "supported"
            else (
                f"the claimed statistic shows {same['change']:+.1%}, "
                f"{gap * 100:.1f} pp from the claim"
            )
        )
        return claim.model_copy(update={"verdict": verdict, "reason": reason, "evidence": evidence})
    mirror_label = f"{label}, measured by the partner ({mirror[0]} {mirror[2]}s)"
    other = _change(rec, mirror, start, gran, comparison)
    coarse = None
    if gran == "month":
        coarse = _change(rec, own, dt.date(start.year, 1, 1), "year", "yoy")
    lines = [
        f"{label} as {own[0]} reports it ({'the statistic claimed' if stated else 'implied'}) "
        f"is not in the data for {start.strftime('%Y-%m' if gran == 'month' else '%Y')}"
    ]
    if coarse is not None:
        evidence.append(
            _flow_evidence(
                f"{label} (nearest period the claimed statistic has: a year)", own, coarse, change
            )
        )
        lines.append(f"for the whole year {coarse['period']} it is {coarse['change']:+.1%}")
    if other is None:
        lines.append("the partner's statistic is not in the data for that period either")
        return _not_checkable(claim, "; ".join(lines), evidence)
    evidence.insert(0, _flow_evidence(mirror_label, mirror, other, change))
    gap = abs(other["change"] - change)
    lines.append(
        f"the partner's statistic ({mirror[0]}-reported {mirror[2]}s, a different statistic: "
        f"valuation, timing and re-exports differ) shows {other['change']:+.1%} for "
        f"{other['period']} vs {other['previous_period']}, {gap * 100:.1f} pp from the claimed "
        f"{change:+.0%}"
    )
    if gap <= FLOW_MIRROR_PP:
        return claim.model_copy(
            update={"verdict": "partly", "reason": "; ".join(lines), "evidence": evidence}
        )
    lines.append("the statistics differ, so the mirror figure neither confirms nor refutes it")
    return _not_checkable(claim, "; ".join(lines), evidence)


# --- deadlines --------------------------------------------------------------------------


def verify_deadline(claim: Claim, rec: Record, article_day: dt.date | None) -> Claim:
    """'the March 1 deadline', 'a 90-day truce' from 'Dec. 1' against the schedule's
    announced steps and the curated events.

    As of the article: a step planned for the deadline (or the day after) announced by
    then, or a curated event (truce) ending on the deadline that began by then. As it
    turned out: the planned step's outcome, curated events between the article and
    the deadline, and when the step's rate finally took effect.
    """
    start = _day(field_value(claim, "start_date"))
    days = _num(field_value(claim, "duration_days"))
    deadline = _day(field_value(claim, "deadline_date"))
    evidence: list[Evidence] = []
    notes: list[str] = []
    arithmetic_ok: bool | None = None
    if start is not None and days is not None:
        computed = start + dt.timedelta(days=int(days))
        arithmetic_ok = deadline is None or deadline == computed
        if not arithmetic_ok:
            notes.append(f"{start} + {int(days)} days is {computed}, not {deadline}")
        deadline = deadline or computed
        evidence.append(
            Evidence(
                statistic=f"{start} + {int(days)} days",
                value=computed.isoformat(),
                unit="date",
                source="arithmetic on the claim's own dates",
            )
        )
    if deadline is None:
        return _not_checkable(
            claim, "no deadline date: the claim gives no date, or no start and duration"
        )
    after = deadline + dt.timedelta(days=1)
    plans = [
        (m, h)
        for m in rec.measures
        for h in m.history
        if _day(h.get("planned_from")) in (deadline, after)
    ]
    ending = [e for e in rec.known_events() if _day(e.get("date_end")) == deadline]
    known_then = [
        e
        for e in ending
        if article_day is None
        or (_day(e.get("announced")) or _day(e.get("date")) or after) <= article_day
    ]
    lines: list[str] = []
    for e in ending:
        evidence.append(_known_evidence(e, f"curated event ending {deadline}"))
    if known_then:
        lines.append("curated event: " + "; ".join(_known_label(e) for e in known_then))
    announced_then = []
    for m, h in plans:
        announced = _day(h.get("announced"))
        if article_day is None or (announced is not None and announced <= article_day):
            announced_then.append((m, h))
            notice = m.announcement_citation(h)
            lines.append(
                f"{m.id}: {pct(_num(h.get('rate')))} planned from {h.get('planned_from')} "
                f"(announced {h.get('announced')}" + (f", {notice})" if notice else ")")
            )
            evidence.append(
                _history_evidence(m, h, f"{m.id}: step planned for {h.get('planned_from')}", True)
            )
        else:
            lines.append(
                f"{m.id}: the step planned for {h.get('planned_from')} was announced on "
                f"{h.get('announced')}, after the article"
            )
    if not plans and not ending:
        verdict: Verdict = "contradicted" if arithmetic_ok is False else "not_checkable"
        reason = "; ".join(notes) or f"no scheduled step or curated event ends on {deadline}"
        return claim.model_copy(update={"verdict": verdict, "reason": reason, "evidence": evidence})
    confirmed = bool(known_then or announced_then)
    if not confirmed:
        as_of_verdict: Verdict = "not_checkable"
    elif arithmetic_ok is False:
        as_of_verdict = "partly"
    else:
        as_of_verdict = "supported"
    summary = f"deadline {deadline}: " + "; ".join(lines + notes)
    as_of = Reading(verdict=as_of_verdict, summary=summary, evidence=list(evidence))
    turned = _deadline_turned_out(plans, deadline, rec, article_day)
    reason = None
    if as_of_verdict != "supported":
        reason = summary if confirmed else f"nothing known by the article's date: {summary}"
    return claim.model_copy(
        update={
            "verdict": as_of_verdict,
            "reason": reason,
            "evidence": evidence,
            "as_of_article": as_of if article_day else None,
            "as_turned_out": turned,
        }
    )


def _deadline_turned_out(
    plans: list[tuple[_Measure, dict[str, Any]]],
    deadline: dt.date,
    rec: Record,
    article_day: dt.date | None,
) -> Reading | None:
    """Whether the step planned at the deadline came, and what happened instead."""
    lines: list[str] = []
    evidence: list[Evidence] = []
    lo = article_day or dt.date.min
    between = [
        e
        for e in rec.known_events()
        if e.get("action") in ("tariff_action", "truce", "agreement")
        and lo < (_day(e.get("date")) or dt.date.min) <= deadline
    ]
    for e in between:
        evidence.append(_known_evidence(e, "curated event before the deadline"))
        lines.append(f"{e.get('date')}: {_known_label(e)}")
    kept = True
    for m, h in plans:
        planned = _day(h.get("planned_from"))
        rate = _num(h.get("rate"))
        took = [s for s in m.steps if s["_from"] == planned and _has_rate(_rates(s["rate"]), rate)]
        evidence.append(_history_evidence(m, h, f"{m.id}: step planned for {planned}"))
        lines.append(f"{m.id} step planned for {planned}: {_outcome(h)}")
        if took:
            continue
        kept = False
        later = [
            s
            for s in m.steps
            if planned and s["_from"] > planned and _has_rate(_rates(s["rate"]), rate)
        ]
        if later:
            s = min(later, key=lambda s: s["_from"])
            evidence.append(_step_evidence(m, s, f"{m.id}: {pct(rate)} took effect"))
            governs = " for goods exported on or after it" if s.get("export_from") else ""
            lines.append(f"{pct(rate)} took effect {s['from']}{governs} ({s.get('citation')})")
    if not lines:
        return None
    head = (
        f"the step at the deadline of {deadline} came as planned"
        if kept
        else f"the deadline of {deadline} passed without the planned step"
    )
    return Reading(
        verdict="supported" if kept and plans else "partly",
        summary=f"{head}: " + "; ".join(lines),
        evidence=evidence,
    )


def _known_label(e: dict[str, Any]) -> str:
    what = e.get("title") or e.get("description") or e.get("action") or e.get("key") or "event"
    span = e.get("date") or ""
    if e.get("date_end"):
        span = f"{span} to {e['date_end']}"
    return f"{what} ({span})"


def _known_evidence(e: dict[str, Any], statistic: str) -> Evidence:
    where = f"data/news/events.yaml ({e.get('id')})"
    return Evidence(
        statistic=statistic,
        value={k: e.get(k) for k in ("id", "date", "date_end", "action") if e.get(k)},
        unit="date",
        source=f"{where}; {e['source']}" if e.get("source") else where,
        citation=e.get("citation"),
        note=_known_label(e),
    )


# --- purchase commitments -------------------------------------------------------------


def verify_purchase(claim: Claim, rec: Record, article_day: dt.date | None) -> Claim:
    """A purchase pledge against the commitment records and measured attainment."""
    amount = _num(field_value(claim, "amount_usd"))
    scope = str(field_value(claim, "scope") or "").lower()
    catalog = commitments_mod.catalog()
    evidence: list[Evidence] = []
    matched = None
    for key, (path, c) in catalog.items():
        total = c.amount_usd_bn if c.amount_usd_bn is not None else c.total_increment_usd_bn
        if amount and total and abs(amount / (total * 1e9) - 1) <= PLEDGE_MATCH:
            matched = (key, path, c)
            break
    notes: list[str] = []
    if "service" in scope:
        notes.append(
            "no services data: the flows table holds goods trade only, so the services part "
            "cannot be checked"
        )
    if matched is not None:
        key, path, c = matched
        evidence.append(
            Evidence(
                statistic=f"commitment record {key}",
                value=(c.amount_usd_bn or c.total_increment_usd_bn or 0) * 1e9,
                unit="USD",
                source=f"data/commitments/{path.name}",
                citation=" ".join(c.citation.split()),
                tolerance=f"amount within {PLEDGE_MATCH:.0%}",
                note=" ".join((c.note or "").split()) or None,
            )
        )
    signed = [
        (key, path, c)
        for key, (path, c) in catalog.items()
        if c.verifiable
        and (
            article_day is None
            or (c.signed and c.signed > article_day)
            or (matched and matched[0] == key)
        )
    ]
    attain = rec.attainment() if signed else {}
    for key, path, c in signed:
        evidence.append(
            Evidence(
                statistic=f"{key}: the commitment that was signed",
                value=(c.total_increment_usd_bn or 0) * 1e9,
                unit="USD",
                source=f"data/commitments/{path.name}",
                citation=" ".join(c.citation.split()),
                note=(
                    f"{usd((c.total_increment_usd_bn or 0) * 1e9)} over "
                    f"{'-'.join(str(y) for y in (c.years[0], c.years[-1]))} above the "
                    f"{c.baseline_year} baseline, signed {c.signed}"
                ),
            )
        )
        result = attain.get(key, {})
        total = result.get("total") if isinstance(result, dict) else None
        if total:
            basis = result.get("basis", {})
            evidence.append(
                Evidence(
                    statistic=f"{key}: measured attainment through {result.get('through')} "
                    f"({total.get('name')})",
                    value={
                        "attainment_pct": total.get("attainment_pct"),
                        "actual_usd": total.get("actual"),
                        "target_usd": total.get("target"),
                        "excludes": total.get("excludes"),
                    },
                    unit="percent",
                    source=f"policy.commitments.attainment over store table flows "
                    f"({basis.get('source')})",
                    citation=basis.get("description"),
                    note=f"{total.get('attainment_pct')}% of the pro-rated goods target "
                    f"on the {basis.get('id')} basis; services not measured",
                )
            )
        elif isinstance(result, dict) and result.get("error"):
            evidence.append(
                Evidence(
                    statistic=f"{key}: attainment",
                    source="policy.commitments",
                    note=f"not computed: {result['error']}",
                )
            )
    if matched is not None and not matched[2].verifiable:
        rec_c = matched[2]
        missing = [
            what
            for what, absent in (
                ("years", not rec_c.years),
                ("baseline year", rec_c.baseline_year is None),
                ("product categories", not rec_c.categories),
                ("statistic", not rec_c.bases),
            )
            if absent
        ]
        reason = (
            f"pledge has no schedule: the record ({matched[0]}) gives no "
            f"{', '.join(missing) or 'verifiable target'}, so no target can be computed"
        )
        return _not_checkable(claim, "; ".join([reason, *notes]), evidence)
    if matched is None and (by_category := verify_pledges.check_category(claim, catalog)):
        return by_category
    if matched is None:
        why = f"no commitment record of {usd(amount)}" if amount else "the claim gives no amount"
        return _not_checkable(
            claim, "; ".join([why + ": nothing to check it against", *notes]), evidence
        )
    key, _path, c = matched
    horizon = _num(field_value(claim, "horizon_years"))
    parts = [True]
    if horizon is not None and c.years:
        parts.append(int(horizon) == len(c.years))
    verdict = _combine(parts)
    if notes and verdict == "supported":
        verdict = "partly"
    return claim.model_copy(
        update={"verdict": verdict, "reason": "; ".join(notes) or None, "evidence": evidence}
    )


# --- events -----------------------------------------------------------------------------


def _dated(rec: Record, action: str | None) -> list[tuple[dt.date, dict[str, Any]]]:
    """The curated events of ``action`` (any, if None) that have a date, with it."""
    return [
        (d, e)
        for e in rec.known_events()
        if (action is None or e.get("action") == action) and (d := _day(e.get("date")))
    ]


def _event_points(day: dt.date, e: dict[str, Any]) -> list[dt.date]:
    """The days an act reported of a curated event can name: its date, the day it was made
    public, the day its notice was published and, for an event of a week at most (talks, a
    visit), each of its days."""
    points = [day] + [x for k in ("announced", "published") if (x := _day(e.get(k)))]
    end = _day(e.get("date_end"))
    if end is not None and 0 < (end - day).days <= SHORT_EVENT_DAYS:
        points += [day + dt.timedelta(days=n) for n in range(1, (end - day).days + 1)]
    return points


def verify_event(claim: Claim, rec: Record, article_day: dt.date | None) -> Claim:
    """An event against the curated events (same action, dates within 3 days) and, for a
    tariff action, the schedule's steps and announced steps on those dates."""
    action = field_value(claim, "action")
    day = _day(field_value(claim, "date"))
    if day is None:
        return _not_checkable(claim, "the event has no resolved date")
    pad = dt.timedelta(days=EVENT_DAYS)
    lo, hi = day - pad, (_day(claim.fields.get("date_end")) or day) + pad
    hits = [e for d, e in _dated(rec, action) if d <= hi and (_day(e.get("date_end")) or d) >= lo]
    ev = [_known_evidence(e, f"curated event within {EVENT_DAYS} days") for e in hits]
    if action in (None, "tariff_action"):
        for m in rec.measures:
            ev += [
                _step_evidence(m, st, f"{m.id}: step of {st['from']}")
                for st in m.steps
                if lo <= st["_from"] <= hi
            ]
            ev += [
                _history_evidence(m, h, f"{m.id}: step announced for {h.get('planned_from')}")
                for h in m.history
                if lo <= (_day(h.get("planned_from")) or dt.date.min) <= hi
            ]
    if not ev and claim.fields.get("planned"):
        slipped = _slipped(claim, rec, action, lo + pad, hi)
        if slipped is not None:
            return slipped
    if not ev:
        what = action or "event"
        return _not_checkable(
            claim,
            f"no curated {what} or schedule step within {EVENT_DAYS} days of {lo + pad}"
            + (f" to {hi - pad}" if hi - pad != lo + pad else ""),
        )
    return claim.model_copy(update={"verdict": "supported", "reason": None, "evidence": ev})


def verify_reported_action(claim: Claim, rec: Record, article_day: dt.date | None) -> Claim:
    """An official act reported by the clause rules ("USTR published ... on July 17"):
    the curated events, else the schedule's dated acts of the actor's government (a
    step taking effect, or an announcement in a measure's history) within 3 days.
    Supported when one is there; otherwise not checkable (the record holds tariff acts,
    not every statement)."""
    done = verify_event(claim, rec, article_day)
    if done.verdict != "not_checkable" or claim.fields.get("verb") is None:
        return done
    day = _day(field_value(claim, "date"))
    if day is None:
        return done
    actor = claim.fields.get("actor")
    pad = dt.timedelta(days=EVENT_DAYS)
    evidence: list[Evidence] = []
    for m in rec.measures:
        if actor in ("US", "CN") and m.raw["importer"] != actor:
            continue
        evidence += [
            _step_evidence(m, st, f"{m.id}: step of {st['from']}")
            for st in m.steps
            if abs(st["_from"] - day) <= pad
        ]
        evidence += [
            _history_evidence(m, h, f"{m.id}: announced {h.get('announced')}", as_of=True)
            for h in m.history
            if (d := _day(h.get("announced"))) is not None and abs(d - day) <= pad
        ]
    evidence += [
        _known_evidence(e, f"curated event within {EVENT_DAYS} days")
        for d, e in _dated(rec, None)
        if any(abs(x - day) <= pad for x in _event_points(d, e))
    ]
    evidence += [
        Evidence(
            statistic=f"{mid}: a document dated {d}",
            value=d.isoformat(),
            unit="date",
            source=f"store table measures: {mid}, citation",
            citation=cite,
        )
        for d, mid, importer, cite in rec.cited_dates()
        if abs(d - day) <= pad and (actor not in ("US", "CN") or importer == actor)
    ]
    if not evidence:
        return done
    return claim.model_copy(
        update={
            "verdict": "supported",
            "reason": f"the record has an act of {actor or 'the actor'} within "
            f"{EVENT_DAYS} days of {day}",
            "evidence": evidence[:6],
        }
    )


def _slipped(
    claim: Claim, rec: Record, action: str | None, day: dt.date, hi: dt.date
) -> Claim | None:
    """A planned event that happened later than planned (within ``PLANNED_SLIP_DAYS``)."""
    until = hi + dt.timedelta(days=PLANNED_SLIP_DAYS)
    later = sorted(((d, e) for d, e in _dated(rec, action) if hi < d <= until), key=lambda x: x[0])
    if not later:
        return None
    d, e = later[0]
    ev = [_known_evidence(e, f"curated event within {PLANNED_SLIP_DAYS} days after the plan")]
    turned = Reading(
        verdict="partly",
        summary=f"planned for {claim.fields.get('date_text') or day}; it happened on {d}, "
        f"{(d - day).days} days after the date the article gives: {_known_label(e)}",
        evidence=ev,
    )
    as_of = Reading(
        verdict="not_checkable",
        summary="a plan reported on the article's date: nothing had happened yet to compare",
    )
    return claim.model_copy(
        update={
            "verdict": "partly",
            "reason": f"happened later than planned (tolerance {PLANNED_SLIP_DAYS} days)",
            "evidence": ev,
            "as_of_article": as_of,
            "as_turned_out": turned,
        }
    )


Check = Callable[[Claim, Record, dt.date | None], Claim]


def _or_panel(first: Check, panel: Callable[..., Claim | None]) -> Check:
    """``first``; where it neither supports nor partly supports the claim, the panel's
    verdict (every layer and total on the lines) when the panel can give one."""

    def check(claim: Claim, rec: Record, day: dt.date | None) -> Claim:
        done = first(claim, rec, day)
        if done.verdict in ("supported", "partly"):
            return done
        other = panel(claim, rec, day)
        if other is None or (done.verdict == "contradicted" and other.verdict == "contradicted"):
            return done
        return other

    return check


def _flow(claim: Claim, rec: Record, day: dt.date | None) -> Claim:
    """A trade figure of the clause rules (levels, balances, bases), else a change."""
    done = verify_flows.check_flow(claim, rec, day)
    return done if done is not None else verify_flow(claim, rec, day)


def _count_or_value(claim: Claim, rec: Record, day: dt.date | None) -> Claim:
    """A count of listed goods against published line counts, else the value."""
    if field_value(claim, "value_usd") is None:
        counted = verify_counts.check_count(claim, rec, day)
        if counted is not None:
            return counted
    return verify_goods_value(claim, rec, day)


VERIFIERS: dict[str, Check] = {
    "tariff_rate_change": _or_panel(verify_rate_change, verify_rates.check_rate_change),
    "tariff_rate": _or_panel(verify_rate, verify_rates.check_rate),
    "goods_value_covered": _count_or_value,
    "trade_flow_change": _flow,
    "deadline": _or_panel(verify_deadline, verify_dates.check_date),
    "purchase_commitment": verify_purchase,
    "event": verify_reported_action,
}


def verify_claims(claims: list[Claim], article: Article, store: Path | None = None) -> list[Claim]:
    """Each claim with its verdict, evidence and, where they apply, the two readings.

    A claim whose check hits a coverage or input limit of the data is ``not_checkable``
    with that limit as its reason; a missing store raises ``StoreError``.
    """
    if not claims:
        return []
    rec = record(store)
    try:
        return _verify_all(claims, rec, _day(article.date))
    finally:
        rec.release()


def _verify_all(claims: list[Claim], rec: Record, day: dt.date | None) -> list[Claim]:
    out = []
    for claim in claims:
        check = VERIFIERS.get(claim.kind)
        if check is None:
            out.append(_not_checkable(claim, f"no verifier for claims of kind {claim.kind}"))
            continue
        try:
            done = check(claim, rec, day)
        except TradewarError as exc:
            done = _not_checkable(claim, f"the data cannot answer it: {exc}")
        if done.verdict == "not_checkable" and not done.reason:
            done = done.model_copy(update={"reason": "nothing in the record to compare with"})
        out.append(done)
    return out


def verdict_counts(claims: Iterable[Claim]) -> dict[str, int]:
    """verdict -> number of claims (every verdict present, zeros included)."""
    counts = {v: 0 for v in ("supported", "partly", "contradicted", "not_checkable")}
    for c in claims:
        counts[c.verdict] += 1
    return counts
