"""The ``tradewar`` command line: thin commands over ``tradewar.api``.

Every user error prints one line to stderr and exits with code 2.
"""

from __future__ import annotations

import json
import math
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from .. import api
from ..config import raw_dir, store_path
from ..errors import TradewarError
from ..guards import user_number, writable_home

app = typer.Typer(
    help="tradewar: the 2018-2020 US-China trade war as dated, sourced, computable data.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
data_app = typer.Typer(help="Build, fetch and inspect the data store.", no_args_is_help=True)
app.add_typer(data_app, name="data")
out = Console()
err = Console(stderr=True)


def _json(obj: Any) -> None:
    """Print ``obj`` as strict JSON: a non-finite number (never valid JSON) prints as null."""
    try:
        text = json.dumps(obj, indent=2, default=str, ensure_ascii=False, allow_nan=False)
    except ValueError:
        text = json.dumps(_finite(obj), indent=2, default=str, ensure_ascii=False)
    print(text)


def _finite(obj: Any) -> Any:
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_finite(v) for v in obj]
    return obj


def _pct(rate: float | None) -> str:
    return "n/a" if rate is None else f"{rate * 100:.4g}%"


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
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    ) as bar:
        task = bar.add_task("building", total=6)

        def step(message: str) -> None:
            bar.update(task, description=message, advance=1)

        result = api.build(progress=step, allow_changed_sources=allow_changed_sources)
        bar.update(task, completed=6, description="done")
    report = result.report
    if json_out:
        _json(
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
        _json(items)
        return
    for i in items:
        out.print(f"{i['severity']:10} {i['source']} row {i['row']}: {i['value']} - {i['reason']}")


@data_app.command("fetch")
def data_fetch() -> None:
    """Download the raw sources into TRADEWAR_RAW and verify them (SHA-256 manifest)."""
    from ..data import fetch

    target = raw_dir()
    entries = fetch.load_manifest()
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    ) as bar:
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


@app.command("duty")
def duty(
    code: Annotated[str | None, typer.Argument(help="HS6, HTS8 or HTS10 code")] = None,
    importer: Annotated[str, typer.Option(help="US or CN")] = "US",
    origin: Annotated[str | None, typer.Option(help="ISO country of origin")] = None,
    entered: Annotated[str | None, typer.Option(help="entry date YYYY-MM-DD")] = None,
    exported: Annotated[str | None, typer.Option(help="export date YYYY-MM-DD")] = None,
    value: Annotated[str | None, typer.Option(help="customs value, USD")] = None,
    quantity: Annotated[str | None, typer.Option(help="quantity, for specific rates")] = None,
    unit: Annotated[str | None, typer.Option(help="unit of the quantity, e.g. kg")] = None,
    content_value: Annotated[
        float | None,
        typer.Option(help="value of the content a content-value rate is charged on, USD"),
    ] = None,
    claim: Annotated[
        list[str] | None,
        typer.Option(help="claim an exclusion heading, e.g. 9903.88.69 (repeatable)"),
    ] = None,
    input_path: Annotated[Path | None, typer.Option("--input", help="bulk: CSV/Parquet")] = None,
    output: Annotated[Path | None, typer.Option("--output", help="bulk: output Parquet")] = None,
    engine: Annotated[str, typer.Option(help="bulk engine: duckdb or spark")] = "duckdb",
    spark_master: Annotated[
        str | None, typer.Option(help="bulk on spark: spark.master (TRADEWAR_SPARK_MASTER)")
    ] = None,
    partition_by: Annotated[
        str, typer.Option(help="bulk: output partition columns, 'auto' (input's) or 'none'")
    ] = "auto",
    aggregate: Annotated[
        Path | None, typer.Option(help="bulk: also write duty by month/importer/origin here")
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="bulk: replace existing output files")
    ] = False,
    glob: Annotated[
        bool, typer.Option("--glob", help="bulk: read --input as a glob pattern")
    ] = False,
) -> None:
    """The duty on one shipment, or on a file of shipments (--input/--output)."""
    if input_path is not None or output is not None:
        _bulk(
            input_path, output, engine, json_out, spark_master, partition_by, aggregate,
            overwrite, glob,
        )  # fmt: skip
        return
    if code is None:
        raise TradewarError("give a product CODE, or --input and --output for a bulk file")
    if entered is None:
        raise TradewarError("give --entered YYYY-MM-DD")
    partner = {"US": "CN", "CN": "US"}.get(importer.strip().upper(), "CN")
    amounts = [user_number(v, n) for v, n in ((value, "--value"), (quantity, "--quantity"))]
    result = api.duty(
        code, importer, origin or partner, entered, exported, *amounts, unit,
        claims=claim, content_value=content_value,
    )  # fmt: skip
    if json_out:
        _json(result)
        return
    _print_duty(result)


def _bulk(
    input_path: Path | None,
    output: Path | None,
    engine: str,
    json_out: bool,
    spark_master: str | None = None,
    partition_by: str = "auto",
    aggregate: Path | None = None,
    overwrite: bool = False,
    glob: bool = False,
) -> None:
    if input_path is None or output is None:
        raise TradewarError("bulk mode needs both --input and --output")
    if engine not in ("duckdb", "spark"):
        raise TradewarError(f"engine {engine!r} is not available: use duckdb or spark")
    api.check_bulk_input(input_path, glob=glob)
    with Progress(
        TextColumn("rating shipments"),
        BarColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    ) as bar:
        task = bar.add_task("rating", total=100)
        result = api.bulk(
            input_path, output, progress=lambda pct: bar.update(task, completed=pct),
            engine=engine, partition_by=partition_by, spark_master=spark_master,
            aggregate=aggregate, overwrite=overwrite, glob=glob,
        )  # fmt: skip
    summary = {
        "rows": result.rows,
        "rated": result.rated,
        "rejected": result.rejected,
        "output": str(result.output),
        "rejects": str(result.rejects),
        "seconds": round(result.seconds, 3),
        "engine": result.engine,
        "partition_by": result.partition_by,
    }
    if result.aggregate is not None:
        summary["aggregate"] = str(result.aggregate)
    if json_out:
        _json(summary)
    else:
        out.print(
            f"{result.rated:,} rows rated -> {result.output}; {result.rejected:,} rejected "
            f"-> {result.rejects} ({result.seconds:.2f} s, {result.engine})"
        )


def _print_duty(r: dict[str, Any]) -> None:
    head = f"[bold]{r['code_formatted']}[/bold] {r.get('description') or ''}"
    out.print(head)
    out.print(
        f"importer {r['importer']}, origin {r['origin']}, entered {r['entered']}"
        + (f", exported {r['exported']}" if r.get("exported") else "")
    )
    if r.get("ambiguous"):
        table = Table(title="lines beneath (duties differ)")
        for column in ("line", "total", "MFN", "additional headings"):
            table.add_column(column)
        for line in r["lines"]:
            table.add_row(
                line["code_formatted"], _pct(line["total_rate"]), line["mfn"] or "",
                line["headings"],
            )  # fmt: skip
        out.print(table)
    else:
        table = Table(title="layers")
        for column in ("authority", "heading", "rate", "citation", "why"):
            table.add_column(column, overflow="fold")
        for y in r["layers"]:
            rate = y["rate_text"] if y["rate_kind"] != "ad_valorem" else _pct(y["rate"])
            table.add_row(y["authority"], y["heading"] or "", rate, y["citation"], y["why"])
        out.print(table)
        out.print(f"[bold]total ad valorem rate[/bold] {_pct(r.get('total_rate'))}")
        if "duty" in r:
            out.print(f"[bold]duty[/bold] USD {r['duty']:,.2f}  ({r.get('calculation', '')})")
    for w in r.get("warnings", []):
        out.print(f"[yellow]warning[/yellow] {w}")


@app.command("schedule")
def schedule(
    code: Annotated[str, typer.Argument(help="HS6, HTS8 or HTS10 code")],
    importer: Annotated[str, typer.Option(help="US or CN")] = "US",
    origin: Annotated[str | None, typer.Option(help="ISO country of origin")] = None,
    json_out: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """The full dated history of a product's layers and total rate."""
    result = api.schedule(code, importer, origin)
    if json_out:
        _json(result)
        return
    out.print(f"[bold]{result['code_formatted']}[/bold] {result.get('description') or ''}")
    table = Table(title=f"layers ({result['importer']} on goods of {result['origin']})")
    for column in ("authority", "heading", "from", "until", "rate", "citation"):
        table.add_column(column, overflow="fold")
    for y in result["layers"]:
        table.add_row(
            y["authority"], y["heading"] or "", y["from"], y["until"] or "",
            y["rate_text"], y["citation"],
        )  # fmt: skip
    out.print(table)
    table = Table(title="total by entry date")
    for column in ("from", "until", "export window", "total"):
        table.add_column(column)
    for t in result["timeline"]:
        window = ""
        if t["export_from"] or t["export_until"]:
            window = f"{t['export_from'] or '...'} to {t['export_until'] or '...'}"
        total = "ambiguous" if t["ambiguous"] else _pct(t["total_rate"])
        table.add_row(t["valid_from"], t["valid_until"], window, total)
    out.print(table)


@app.command("lists")
def lists(
    importer: Annotated[str | None, typer.Option(help="US or CN (default both)")] = None,
    json_out: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Each list or round: heading, lines at each code level, dates and rates."""
    result = api.lists(importer)
    if json_out:
        _json(result)
        return
    table = Table(title="measure lists")
    for column in ("importer", "name", "heading", "lines", "steps"):
        table.add_column(column, overflow="fold")
    for m in result:
        lines = ", ".join(f"{k}: {v}" for k, v in m["lines"].items())
        steps = "; ".join(
            f"{s['from']}: {s['rate'] if isinstance(s['rate'], list) else _pct(s['rate'])}"
            f"{' (' + s['status'] + ')' if s['status'] != 'in_force' else ''}"
            for s in m["steps"]
        )
        table.add_row(m["importer"], m["name"], m["heading"] or "", lines, steps)
    out.print(table)


@app.command("tour")
def tour(
    output: Annotated[Path, typer.Option("--output", help="HTML report path")] = Path(
        "tradewar-report.html"
    ),
    rebuild: Annotated[bool, typer.Option(help="Rebuild the store first.")] = False,
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Replace an existing report file.")
    ] = False,
) -> None:
    """The one-command tour: build the store if missing, then write the HTML report."""
    from ..guards import check_output
    from .report import write_report

    check_output(output, (), overwrite, "--output")
    if rebuild or not store_path().exists():
        data_build(json_out=False, allow_changed_sources=False)
    path = write_report(output)
    out.print(f"report written: {path}")


def main() -> None:
    """Entry point: run the app, turning user errors into one line and exit code 2."""
    try:
        app(standalone_mode=False)
    except TradewarError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        print("aborted", file=sys.stderr)
        sys.exit(130)
    except Exception as exc:  # click usage errors and anything unexpected
        import click

        if isinstance(exc, click.ClickException):  # usage errors: one line, no usage box
            message = " ".join(exc.format_message().split())
            print(f"error: {message} (see --help)", file=sys.stderr)
            sys.exit(2)
        if os.environ.get("TRADEWAR_DEBUG"):
            raise
        print(
            f"internal error: {type(exc).__name__}: {exc} (set TRADEWAR_DEBUG=1 for a traceback)",
            file=sys.stderr,
        )
        sys.exit(1)


from . import cli_check  # noqa: E402,F401

# isort: split
from . import cli_series  # noqa: E402,F401
from .cli_serve import serve  # noqa: E402,F401

from . import cli_policy  # noqa: E402,F401  # isort: skip
from . import cli_news  # noqa: E402,F401  # isort: skip
from . import cli_timeline  # noqa: E402,F401  # isort: skip
from . import cli_refunds  # noqa: E402,F401  # isort: skip
