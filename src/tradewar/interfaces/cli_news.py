"""CLI command ``check`` (issue 5), gathered into the app by ``cli.py``.

spaCy and Recognizers-Text are imported inside the command, never at ``tradewar``
import time, so other commands stay fast. Errors are ``TradewarError``: one line on
stderr, exit code 2.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from ..errors import InputError
from ..guards import check_output, readable_file
from .console import Table, out, print_json

commands = typer.Typer()

MAX_INPUT_BYTES = 200_000_000


def _read_input(file: str | None) -> tuple[bytes, str]:
    if file in (None, "-"):
        return sys.stdin.buffer.read(MAX_INPUT_BYTES + 1), "<stdin>"
    path = readable_file(Path(file), "article")  # type: ignore[arg-type]
    try:
        with path.open("rb") as fh:
            data = fh.read(MAX_INPUT_BYTES + 1)
    except OSError as exc:
        raise InputError(f"{file}: cannot read ({exc.strerror})") from None
    return data, str(path)


def _write_atomic(path: Path, text: str) -> None:
    path = path.expanduser()
    if not path.parent.is_dir():
        raise InputError(f"--html {path}: directory {path.parent} does not exist")
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _short(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:g}" if abs(value) < 1e6 else f"{value:,.0f}"
    return str(value)


@commands.command("check")
def check(
    file: Annotated[
        str | None, typer.Argument(help="An article (plain text or HTML); '-' or none: stdin")
    ] = None,
    date: Annotated[
        str | None, typer.Option("--date", help="The article's date YYYY-MM-DD")
    ] = None,
    json_out: Annotated[
        bool, typer.Option("--json", help="Print the checked record as JSON.")
    ] = False,
    html: Annotated[
        Path | None, typer.Option("--html", help="Write a readable HTML report to FILE.")
    ] = None,
    no_verify: Annotated[
        bool, typer.Option("--no-verify", help="Extract only: give no verdicts.")
    ] = False,
    no_record: Annotated[
        bool, typer.Option("--no-record", help="Do not record the events for the timeline.")
    ] = False,
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Replace an existing --html file.")
    ] = False,
) -> None:
    """Read a news article: its claims with verdicts and evidence, and its events."""
    if date is not None:
        try:
            date = dt.date.fromisoformat(date).isoformat()
        except ValueError:
            raise InputError(f"--date {date!r}: give YYYY-MM-DD") from None
    if html is not None:
        inputs = [] if file in (None, "-") else [Path(file)]
        check_output(html.expanduser(), inputs, overwrite, "--html")
    data, source = _read_input(file)
    if len(data) > MAX_INPUT_BYTES:
        raise InputError(f"{source}: input larger than {MAX_INPUT_BYTES // 1_000_000} MB")
    from ..news import pipeline

    checked = pipeline.check_text(data, source, date=date, verify=not no_verify)
    if html is not None:
        from ..news.report_html import render_checked

        _write_atomic(html, render_checked(checked))
    if not no_record:
        from ..news.timeline import record_article

        record_article(checked)
    if json_out:
        print_json(checked.model_dump(mode="json"))
        return
    _print(checked)


def _print(checked) -> None:
    a = checked.article
    out.print(f"[bold]{a.title or a.source}[/bold]")
    out.print(
        f"date {a.date or 'unknown'} ({a.date_basis}"
        + (f": {a.date_note}" if a.date_note and a.date_basis != "option" else "")
        + f"); {len(a.stories)} stor{'y' if len(a.stories) == 1 else 'ies'}; "
        f"{len(a.removed)} boilerplate span(s) skipped"
    )
    table = Table(title="claims")
    for column in ("kind", "claim", "fields", "verdict", "why"):
        table.add_column(column, overflow="fold")
    for c in checked.claims:
        if c.kind == "event":
            continue
        fields = ", ".join(
            f"{k}={_short(v)}"
            for k, v in c.fields.items()
            if v is not None and not k.endswith("_basis")
        )
        why = c.reason or "; ".join(e.statistic for e in c.evidence[:2])
        table.add_row(c.kind, c.text, fields, c.verdict, why)
    out.print(table)
    if checked.events:
        events = Table(title="events")
        for column in ("date", "actor", "action", "target", "text"):
            events.add_column(column, overflow="fold")
        for e in checked.events:
            when = (
                e.date or "" if not e.date_end or e.date_end == e.date else f"{e.date}/{e.date_end}"
            )
            events.add_row(when, e.actor or "", e.action, e.target or "", e.text)
        out.print(events)
    if checked.summary:
        out.print("verdicts: " + ", ".join(f"{n} {k}" for k, n in sorted(checked.summary.items())))
