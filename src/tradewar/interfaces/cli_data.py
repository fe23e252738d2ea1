"""The ``tradewar data`` commands: build, fetch, verify the store and list its issues."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from .. import api
from ..config import raw_dir, store_path
from ..errors import TradewarError
from ..guards import writable_home
from .console import Table, out, print_json, progress

data_app = typer.Typer(help="Build, fetch and inspect the data store.", no_args_is_help=True)


@data_app.command("build")
def data_build(
    json_out: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    allow_changed_sources: Annotated[
        bool,
        typer.Option(
            "--allow-changed-sources",
            help="Build even when raw files differ from data/manifest.json (reported).",
        ),
    ] = False,
) -> None:
    """Compile the raw sources (TRADEWAR_RAW) into the store (TRADEWAR_HOME)."""
    writable_home(store_path().parent)
    with progress() as bar:
        task = bar.add_task("building", total=6)

        def step(message: str) -> None:
            bar.update(task, description=message, advance=1)

        result = api.build(progress=step, allow_changed_sources=allow_changed_sources)
        bar.update(task, completed=6, description="done")
    report = result.report
    if json_out:
        print_json(
            {
                "store": str(result.path),
                "tables": result.tables,
                "sources_verified": result.sources_verified,
                "changed_sources": result.changed_sources,
                "rows_read": report.rows_read,
                "rows_kept": report.rows_kept,
                "issues": report.issue_rows(),
                "checks": report.check_rows(),
            }
        )
        return
    _print_report(result)


def _print_report(result: api.BuildResult) -> None:
    """A short validation summary; the full report is in the store and in --json."""
    report = result.report
    out.print(f"[bold]store[/bold] {result.path}")
    if result.changed_sources:
        out.print(
            f"[yellow]built from {len(result.changed_sources)} raw file(s) that differ from "
            f"data/manifest.json (--allow-changed-sources):[/yellow] "
            + ", ".join(result.changed_sources)
        )
    read = sum(report.rows_read.values())
    kept = sum(report.rows_kept.get(s, n) for s, n in report.rows_read.items())
    out.print(f"{len(report.rows_read)} sources: {read:,} rows read, {kept:,} kept")
    counts: dict[str, int] = {}
    for issue in report.issues:
        counts[issue.severity] = counts.get(issue.severity, 0) + 1
    out.print("issues: " + ", ".join(f"{n:,} {k}" for k, n in sorted(counts.items())))
    failed = [c for c in report.checks if not c.ok]
    out.print(f"cross-checks: {len(report.checks) - len(failed)} of {len(report.checks)} agree")
    table = Table(title="cross-checks that differ (each explained in its note)")
    for column in ("check", "expected", "observed", "note"):
        table.add_column(column, overflow="fold")
    for c in failed:
        table.add_row(c.name, str(c.expected), str(c.observed), c.note)
    if failed:
        out.print(table)
    out.print("tables: " + ", ".join(f"{k} {v:,}" for k, v in result.tables.items()))
    out.print(
        "full report: 'tradewar data build --json', 'tradewar data issues', "
        "and the validation section of the tour report"
    )


@data_app.command("issues")
def data_issues(
    json_out: Annotated[bool, typer.Option("--json")] = False,
    severity: Annotated[str | None, typer.Option(help="rejected|warning|difference")] = None,
) -> None:
    """List the validation issues stored by the last build."""
    from ..data.store import open_store

    con = open_store()
    try:
        rows = con.execute(
            "SELECT * FROM issues WHERE ? IS NULL OR severity = ?", [severity, severity]
        ).fetchall()
        names = [d[0] for d in con.description]
    finally:
        con.close()
    items = [dict(zip(names, r, strict=True)) for r in rows]
    if json_out:
        print_json(items)
        return
    for i in items:
        out.print(f"{i['severity']:10} {i['source']} row {i['row']}: {i['value']} - {i['reason']}")


@data_app.command("fetch")
def data_fetch() -> None:
    """Download the raw sources into TRADEWAR_RAW and verify them (SHA-256 manifest)."""
    from ..data import fetch

    target = raw_dir()
    entries = fetch.load_manifest()
    with progress() as bar:
        task = bar.add_task("fetching", total=len(entries))
        seen: set[str] = set()

        def tick(entry: Any, done: int, total: int | None) -> None:
            if entry.path not in seen:
                seen.add(entry.path)
                bar.update(task, advance=1, description=entry.path[-50:])

        result = fetch.fetch(target, entries, progress=tick)
    _report_files(result.files, target)


def _report_files(files: list[Any], target: Path) -> None:
    for status in files:
        if not status.ok:
            print(status.line(), file=sys.stderr)
    bad = [s for s in files if not s.ok]
    if bad:
        raise TradewarError(
            f"{len(bad)} of {len(files)} raw files missing or not verified in {target}"
        )
    out.print(f"all {len(files)} raw files present and verified in {target}")


@data_app.command("verify")
def data_verify() -> None:
    """Check the raw files in TRADEWAR_RAW against the SHA-256 manifest."""
    from ..data import fetch

    _report_files(fetch.verify(raw_dir()), raw_dir())
