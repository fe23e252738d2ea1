"""The ``tradewar timeline`` command (issue 5), gathered into the app by ``cli.py``.

Merges the schedule's dated measures and announcements with the curated events and the
events of every checked article (``tradewar.news.timeline.build_timeline``).
"""

from __future__ import annotations

import html
import os
from pathlib import Path
from typing import Annotated, Any

import typer

from ..errors import InputError
from ..guards import check_output
from .console import Table, out, print_json

commands = typer.Typer()

KIND_COLOURS = {"measure": "#1f4e99", "announcement": "#b26a00", "event": "#2e7d32"}


@commands.command("timeline")
def timeline(
    start: Annotated[
        str | None, typer.Option("--from", help="first date, YYYY-MM-DD (inclusive)")
    ] = None,
    end: Annotated[
        str | None, typer.Option("--to", help="last date, YYYY-MM-DD (inclusive)")
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    html_out: Annotated[
        Path | None, typer.Option("--html", help="write a self-contained HTML page")
    ] = None,
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Replace an existing --html file.")
    ] = False,
) -> None:
    """The schedule's dated measures merged with curated and reported events."""
    from ..news.timeline import build_timeline

    if html_out is not None:
        check_output(html_out, (), overwrite, "--html")

    entries = build_timeline(start, end)
    if html_out is not None:
        path = write_html(entries, html_out, start, end)
        if not json_out:
            out.print(f"wrote {path}")
    if json_out:
        print_json(entries)
        return
    if html_out is not None:
        return
    table = Table(title=f"timeline: {len(entries)} entries")
    for column in ("date", "until", "kind", "what", "sources"):
        table.add_column(column, overflow="fold")
    for e in entries:
        table.add_row(
            e["date"] or f"undated (reported {e.get('reported')})",
            e.get("date_end") or "",
            e["kind"],
            e["title"],
            _sources_text(e),
        )
    out.print(table)


def _sources_text(entry: dict[str, Any]) -> str:
    parts = []
    for s in entry["sources"]:
        if s.get("article"):
            parts.append(f"article {s['article']} [{s['start']}:{s['end']}]")
        elif s.get("citation") or s.get("source"):
            parts.append(str(s.get("citation") or s.get("source")))
    return "; ".join(dict.fromkeys(parts))


CSS = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 60em; color: #222; }
h1 { font-size: 1.4em; }
ol.tl { list-style: none; padding: 0; margin: 0; position: relative; }
ol.tl::before { content: ""; position: absolute; left: 7.6em; top: 0; bottom: 0;
  width: 3px; background: #ccc; }
ol.tl li { display: grid; grid-template-columns: 7em 1.2em 1fr; gap: 0.4em;
  margin: 0 0 0.9em 0; }
.when { text-align: right; font-variant-numeric: tabular-nums; font-weight: 600; }
.when small { display: block; font-weight: 400; color: #666; }
.dot svg { margin-top: 0.2em; }
.kind { font-size: 0.75em; text-transform: uppercase; letter-spacing: 0.05em; }
.src { color: #555; font-size: 0.85em; }
q { color: #333; font-style: italic; }
"""


def _dot(kind: str) -> str:
    colour = KIND_COLOURS.get(kind, "#666")
    shape = (
        f'<rect x="2" y="2" width="12" height="12" fill="{colour}"/>'
        if kind == "measure"
        else f'<circle cx="8" cy="8" r="6" fill="{colour}"/>'
    )
    return f'<svg width="16" height="16" viewBox="0 0 16 16" aria-hidden="true">{shape}</svg>'


def render_html(entries: list[dict[str, Any]], start: str | None, end: str | None) -> str:
    """A self-contained page (inline CSS and SVG, no external resources)."""
    esc = html.escape
    rows = []
    for e in entries:
        when = esc(e["date"] or "undated")
        if e.get("date_end"):
            when += f"<small>to {esc(e['date_end'])}</small>"
        elif not e["date"] and e.get("reported"):
            when += f"<small>reported {esc(e['reported'])}</small>"
        sources = []
        for s in e["sources"]:
            if s.get("article"):
                sources.append(
                    f"<q>{esc(s.get('text') or '')}</q> — {esc(s.get('source') or '')} "
                    f"({esc(s['article'])}, chars {s['start']}–{s['end']})"
                )
            elif s.get("citation") or s.get("source"):
                sources.append(esc(str(s.get("citation") or s.get("source"))))
        colour = KIND_COLOURS.get(e["kind"], "#666")
        rows.append(
            f'<li class="{esc(e["kind"])}"><div class="when">{when}</div>'
            f'<div class="dot">{_dot(e["kind"])}</div><div>'
            f'<span class="kind" style="color:{colour}">{esc(e["kind"])}</span> '
            f"{esc(e['title'])}"
            + "".join(f'<div class="src">{s}</div>' for s in dict.fromkeys(sources))
            + "</div></li>"
        )
    window = f"{start or 'start'} to {end or 'end'}"
    body = (
        f"<h1>tradewar timeline, {esc(window)}</h1>"
        f"<p>{len(entries)} entries: schedule steps (squares), announced steps and events "
        "(circles), each with its citation or the article spans that report it.</p>"
        f'<ol class="tl">{"".join(rows)}</ol>'
    )
    return (
        "<!doctype html><html><head><meta charset=utf-8><title>tradewar timeline</title>"
        f"<style>{CSS}</style></head><body>{body}</body></html>"
    )


def write_html(
    entries: list[dict[str, Any]], path: Path, start: str | None, end: str | None
) -> Path:
    """Write the page atomically (temp file and rename)."""
    path = path.resolve()
    if not path.parent.is_dir():
        raise InputError(f"--html: directory {path.parent} does not exist")
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(render_html(entries, start, end), encoding="utf-8")
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path
