"""The checked article as one self-contained HTML page (inline CSS, no script, no CDN).

``render_checked(checked)`` gives the page: the article text with every claim
highlighted in its verdict's colour (overlapping claims split the text into
segments, each marked with every claim it belongs to), boilerplate dimmed and
struck through, each claim's evidence with its source, citation and tolerance, the
two readings (as of the article, as it turned out) side by side, and the events on
a small timeline. The pieces (``CSS``, ``article_fragment``, ``timeline_fragment``)
are reused by the tour report. All text is escaped.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from itertools import pairwise
from typing import Any

from .schema import CheckedArticle, Claim, Evidence, Reading

VERDICT_ORDER = ("contradicted", "partly", "supported", "not_checkable")
VERDICT_LABEL = {
    "supported": "supported",
    "partly": "partly",
    "contradicted": "contradicted",
    "not_checkable": "not checkable",
}

CSS = """
.tw-news { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; color: #1d1d1f;
  line-height: 1.5; max-width: 1100px; }
.tw-news h1 { font-size: 1.5em; } .tw-news h2 { font-size: 1.25em; margin-top: 1.6em; }
.tw-news h3 { font-size: 1.05em; margin: 0.2em 0; }
.tw-text { white-space: pre-wrap; border: 1px solid #ddd; padding: 1em; background: #fcfcfc;
  font-family: Georgia, serif; }
.tw-text mark { padding: 0 1px; border-radius: 2px; color: inherit; }
.tw-text mark.multi { outline: 2px dashed #444; outline-offset: 0; }
.tw-text sup a { text-decoration: none; font-size: 0.7em; font-family: system-ui, sans-serif; }
.tw-news .event { border-bottom: 2px dotted #5b4fc7; }
.tw-news .boiler { color: #999; text-decoration: line-through; }
.v-supported { background: #cdeccf; } .v-partly { background: #fde9a9; }
.v-contradicted { background: #f6c1c4; } .v-not_checkable { background: #e3e3e6; }
.badge { display: inline-block; padding: 0 0.5em; border-radius: 0.8em; font-size: 0.85em;
  font-weight: 600; }
.badge.v-supported { color: #145a1f; } .badge.v-partly { color: #6b5200; }
.badge.v-contradicted { color: #8a1520; } .badge.v-not_checkable { color: #444; }
.tw-legend span { margin-right: 0.8em; }
.tw-claim { border: 1px solid #ddd; border-left: 6px solid #bbb; padding: 0.6em 0.9em;
  margin: 0.8em 0; }
.tw-claim.v-supported { border-left-color: #2e8b3d; background: none; }
.tw-claim.v-partly { border-left-color: #d4a300; background: none; }
.tw-claim.v-contradicted { border-left-color: #c0392b; background: none; }
.tw-claim.v-not_checkable { border-left-color: #888; background: none; }
.tw-claim blockquote { margin: 0.3em 0; font-family: Georgia, serif; color: #333; }
.tw-claim table { border-collapse: collapse; font-size: 0.88em; width: 100%; margin: 0.3em 0; }
.tw-claim th, .tw-claim td { border: 1px solid #e2e2e2; padding: 0.2em 0.4em; text-align: left;
  overflow-wrap: anywhere;
  vertical-align: top; }
.tw-claim th { background: #f4f4f6; font-weight: 600; }
.tw-readings { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 0.8em;
  margin-top: 0.5em; }
.tw-reading { border: 1px solid #ddd; padding: 0.4em 0.6em; }
.tw-reading h4 { margin: 0 0 0.3em 0; font-size: 0.95em; }
.tw-fields { font-size: 0.85em; color: #555; }
.tw-reason { font-style: italic; }
.tw-timeline { list-style: none; padding-left: 0; border-left: 3px solid #5b4fc7;
  margin-left: 0.5em; }
.tw-timeline li { position: relative; padding: 0.15em 0 0.35em 1em; }
.tw-timeline li::before { content: ""; position: absolute; left: -0.5em; top: 0.55em;
  width: 0.7em; height: 0.7em; border-radius: 50%; background: #5b4fc7; }
.tw-timeline li.measure::before { background: #1f4e99; border-radius: 0; }
.tw-timeline li.announcement::before { background: #fff; border: 2px solid #1f4e99;
  border-radius: 0; width: 0.5em; height: 0.5em; }
.tw-timeline .when { font-weight: 600; font-variant-numeric: tabular-nums; }
.tw-timeline .src { color: #666; font-size: 0.85em; }
.tw-muted { color: #666; font-size: 0.9em; }
"""


def esc(value: Any) -> str:
    """HTML-escaped text of any value (None -> '')."""
    return "" if value is None else html.escape(str(value), quote=True)


def _pct(value: float) -> str:
    return f"{value * 100:.4g}%"


def _usd(value: float) -> str:
    if abs(value) >= 1e12:
        return f"${value / 1e12:,.3g}tn"
    if abs(value) >= 1e9:
        return f"${value / 1e9:,.4g}bn"
    if abs(value) >= 1e6:
        return f"${value / 1e6:,.4g}m"
    return f"${value:,.0f}"


def format_value(value: Any, unit: str | None = None, key: str | None = None) -> str:
    """A figure for reading: fractions as percent, USD in bn/tn, dicts as 'key: value'."""
    if value is None:
        return ""
    if isinstance(value, dict):
        return "; ".join(
            f"{k}: {format_value(v, _unit_of(k, unit), k)}"
            for k, v in value.items()
            if v is not None
        )
    if isinstance(value, list | tuple):
        return ", ".join(format_value(v, unit, key) for v in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        if unit == "fraction":
            return _pct(float(value))
        if unit == "USD":
            return _usd(float(value))
        if unit == "percent":
            return f"{value:.4g}%"
        return f"{value:,.6g}" if isinstance(value, float) else str(value)
    return str(value)


def _unit_of(key: str, unit: str | None) -> str | None:
    """Units of the entries of a dict value, from their names."""
    k = key.lower()
    if k.endswith("_usd") or k in ("value", "amount"):
        return "USD"
    if k in ("rate", "change", "share") or k.endswith("_rate") or k.endswith("_share"):
        return "fraction"
    if k.endswith("_pct"):
        return "percent"
    if (
        k in ("weight_year", "year", "lines", "rows")
        or k.endswith("date")
        or k in ("from", "until")
    ):
        return None
    return unit if unit not in ("fraction", "USD", "percent") else None


def _field_text(key: str, value: Any) -> str:
    unit = _unit_of(key, None)
    if key.endswith("_rate") or key == "rate" or key == "change":
        unit = "fraction"
    return format_value(value, unit, key)


# --- the article text ------------------------------------------------------------------


def _segments(length: int, spans: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """The text cut at every span boundary: consecutive (start, end) pieces."""
    cuts = {0, length}
    for start, end in spans:
        cuts.add(max(0, min(length, start)))
        cuts.add(max(0, min(length, end)))
    points = sorted(cuts)
    return [(a, b) for a, b in pairwise(points) if b > a]


def _covering(spans: Sequence[tuple[int, int]], a: int, b: int) -> list[int]:
    return [i for i, (s, e) in enumerate(spans) if s <= a and b <= e and e > s]


def text_fragment(checked: CheckedArticle, prefix: str = "c") -> str:
    """The article text: claims highlighted by verdict (overlaps split and marked with every
    claim), events underlined, boilerplate dimmed and struck."""
    text = checked.article.text
    claims = checked.claims
    claim_spans = [(c.start, c.end) for c in claims]
    event_spans = [(e.start, e.end) for e in checked.events]
    removed = [(r.start, r.end) for r in checked.article.removed]
    ends = {}
    for i, c in enumerate(claims):
        ends.setdefault(max(0, min(len(text), c.end)), []).append(i)
    out: list[str] = []
    for a, b in _segments(len(text), claim_spans + event_spans + removed):
        piece = esc(text[a:b])
        mine = _covering(claim_spans, a, b)
        if _covering(event_spans, a, b):
            piece = f'<span class="event">{piece}</span>'
        if mine:
            verdicts = [claims[i].verdict for i in mine]
            worst = min(verdicts, key=VERDICT_ORDER.index)
            cls = f"v-{worst}" + (" multi" if len(mine) > 1 else "")
            title = "; ".join(
                f"claim {i + 1}: {claims[i].kind}, {VERDICT_LABEL[claims[i].verdict]}" for i in mine
            )
            piece = f'<mark class="{cls}" title="{esc(title)}">{piece}</mark>'
        if _covering(removed, a, b):
            piece = f'<span class="boiler" title="boilerplate">{piece}</span>'
        out.append(piece)
        for i in ends.get(b, []):
            out.append(f'<sup><a href="#{esc(prefix)}-{i + 1}">[{i + 1}]</a></sup>')
    return f'<div class="tw-text">{"".join(out)}</div>'


# --- claims ----------------------------------------------------------------------------


def badge(verdict: str) -> str:
    """A coloured verdict label."""
    return f'<span class="badge v-{esc(verdict)}">{esc(VERDICT_LABEL.get(verdict, verdict))}</span>'


def evidence_table(items: Iterable[Evidence]) -> str:
    """Evidence rows: statistic, figure, source, citation, tolerance, note."""
    rows = [
        "<tr>"
        f"<td>{esc(e.statistic)}</td>"
        f"<td>{esc(format_value(e.value, e.unit))}</td>"
        f"<td>{esc(e.source)}</td>"
        f"<td>{esc(e.citation)}</td>"
        f"<td>{esc(e.tolerance)}</td>"
        f"<td>{esc(e.note)}</td>"
        "</tr>"
        for e in items
    ]
    if not rows:
        return '<p class="tw-muted">No evidence.</p>'
    head = (
        "<tr><th>statistic</th><th>figure</th><th>source</th><th>citation</th>"
        "<th>tolerance</th><th>note</th></tr>"
    )
    return f"<table>{head}{''.join(rows)}</table>"


def _reading(title: str, reading: Reading | None) -> str:
    if reading is None:
        return (
            f'<div class="tw-reading"><h4>{esc(title)}</h4>'
            '<p class="tw-muted">Does not apply.</p></div>'
        )
    return (
        f'<div class="tw-reading"><h4>{esc(title)} {badge(reading.verdict)}</h4>'
        f"<p>{esc(reading.summary)}</p>{evidence_table(reading.evidence)}</div>"
    )


def claim_fragment(claim: Claim, number: int, prefix: str = "c") -> str:
    """One claim: verdict, quoted text, fields, reason, evidence and the two readings."""
    fields = "; ".join(
        f"{k}: {_field_text(k, v)}" for k, v in claim.fields.items() if v is not None
    )
    readings = ""
    if claim.as_of_article is not None or claim.as_turned_out is not None:
        readings = (
            '<div class="tw-readings">'
            + _reading("As of the article", claim.as_of_article)
            + _reading("As it turned out", claim.as_turned_out)
            + "</div>"
        )
    reason = f'<p class="tw-reason">{esc(claim.reason)}</p>' if claim.reason else ""
    return (
        f'<div class="tw-claim v-{esc(claim.verdict)}" id="{esc(prefix)}-{number}">'
        f"<h3>[{number}] {esc(claim.kind)} {badge(claim.verdict)} "
        f'<span class="tw-muted">confidence {claim.confidence:.2f}, '
        f"characters {claim.start}-{claim.end}</span></h3>"
        f"<blockquote>{esc(claim.text)}</blockquote>"
        f'<div class="tw-fields">{esc(fields)}</div>{reason}'
        f"{evidence_table(claim.evidence)}{readings}</div>"
    )


def summary_fragment(checked: CheckedArticle) -> str:
    """Verdict counts as badges."""
    counts = {v: 0 for v in VERDICT_ORDER}
    for c in checked.claims:
        counts[c.verdict] += 1
    parts = [
        f"{badge(v)} {counts[v]}" for v in ("supported", "partly", "contradicted", "not_checkable")
    ]
    return f'<p class="tw-legend">{" ".join(f"<span>{p}</span>" for p in parts)}</p>'


# --- timeline --------------------------------------------------------------------------


def _timeline_items(checked: CheckedArticle) -> list[dict[str, Any]]:
    """The article's timeline: ``news.timeline.timeline_for_article`` when it exists, else
    the article's own dated events."""
    try:
        from .timeline import timeline_for_article
    except ImportError:
        timeline_for_article = None  # type: ignore[assignment]
    if timeline_for_article is not None:
        items = timeline_for_article(checked)
        return [i.model_dump(mode="json") if hasattr(i, "model_dump") else dict(i) for i in items]
    return [
        {
            "date": e.date,
            "date_end": e.date_end,
            "kind": "event",
            "label": " ".join(x for x in (e.actor, e.action, e.target) if x),
            "text": e.text,
        }
        for e in checked.events
        if e.date
    ]


def timeline_fragment(items: Iterable[dict[str, Any]]) -> str:
    """A vertical timeline (CSS list) of dated items: events and schedule steps."""
    rows = []
    for item in sorted(items, key=lambda i: str(i.get("date") or "")):
        when = esc(item.get("date"))
        if item.get("date_end") and item.get("date_end") != item.get("date"):
            when += f" to {esc(item['date_end'])}"
        kind = str(item.get("kind") or item.get("type") or "event")
        label = item.get("label") or item.get("title") or item.get("action") or ""
        detail = item.get("outcome") or item.get("text") or item.get("description") or ""
        if item.get("outcome"):
            detail = f"outcome: {detail}"
        source = item.get("citation") or item.get("source") or ""
        rows.append(
            f'<li class="{esc(kind)}"><span class="when">{when}</span> '
            f'<span class="tw-muted">[{esc(kind)}]</span> {esc(label)}'
            + (f"<br><q>{esc(detail)}</q>" if detail and detail != label else "")
            + (f'<br><span class="src">{esc(source)}</span>' if source else "")
            + "</li>"
        )
    if not rows:
        return '<p class="tw-muted">No dated events.</p>'
    return f'<ul class="tw-timeline">{"".join(rows)}</ul>'


# --- the page --------------------------------------------------------------------------


def article_fragment(checked: CheckedArticle, prefix: str = "c", level: int = 2) -> str:
    """The body of one checked article (without page head): text, claims, timeline."""
    a = checked.article
    h = f"h{level}"
    date = f"{esc(a.date)} ({esc(a.date_basis)})" if a.date else "unknown"
    note = f" {esc(a.date_note)}" if a.date_note else ""
    claims = "".join(claim_fragment(c, i + 1, prefix) for i, c in enumerate(checked.claims))
    return (
        f'<p class="tw-muted">Source: {esc(a.source)} ({esc(a.format)}); date: {date}.{note} '
        f"{len(a.stories)} stor{'y' if len(a.stories) == 1 else 'ies'}, "
        f"{len(a.removed)} boilerplate span(s) removed.</p>"
        f"{summary_fragment(checked)}"
        f"<{h}>Article</{h}>{text_fragment(checked, prefix)}"
        f"<{h}>Claims and evidence</{h}>"
        + (claims or '<p class="tw-muted">No checkable claims found.</p>')
        + f"<{h}>Events on the timeline</{h}>{timeline_fragment(_timeline_items(checked))}"
    )


def render_checked(checked: CheckedArticle) -> str:
    """The checked article as a self-contained HTML page."""
    title = checked.article.title or checked.article.source
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Checked: {esc(title)}</title><style>{CSS}</style></head>"
        f'<body><main class="tw-news"><h1>Checked: {esc(title)}</h1>'
        '<p class="tw-legend">Highlights: '
        + " ".join(f"<mark class='v-{v}'>{esc(VERDICT_LABEL[v])}</mark>" for v in VERDICT_ORDER)
        + ' <span class="event">event</span> <span class="boiler">boilerplate</span></p>'
        f"{article_fragment(checked)}</main></body></html>\n"
    )
