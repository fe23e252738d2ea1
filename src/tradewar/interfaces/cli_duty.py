"""The core commands: ``duty`` (one shipment or a file), ``schedule``, ``lists``, ``tour``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from .. import api
from ..config import store_path
from ..errors import TradewarError
from ..guards import user_number
from .console import Table, out, pct, print_json, progress

commands = typer.Typer()


@commands.command("duty")
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
        print_json(result)
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
    with progress("rating shipments") as bar:
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
        print_json(summary)
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
                line["code_formatted"], pct(line["total_rate"]), line["mfn"] or "",
                line["headings"],
            )  # fmt: skip
        out.print(table)
    else:
        table = Table(title="layers")
        for column in ("authority", "heading", "rate", "citation", "why"):
            table.add_column(column, overflow="fold")
        for y in r["layers"]:
            rate = y["rate_text"] if y["rate_kind"] != "ad_valorem" else pct(y["rate"])
            table.add_row(y["authority"], y["heading"] or "", rate, y["citation"], y["why"])
        out.print(table)
        out.print(f"[bold]total ad valorem rate[/bold] {pct(r.get('total_rate'))}")
        if "duty" in r:
            out.print(f"[bold]duty[/bold] USD {r['duty']:,.2f}  ({r.get('calculation', '')})")
    for w in r.get("warnings", []):
        out.print(f"[yellow]warning[/yellow] {w}")


@commands.command("schedule")
def schedule(
    code: Annotated[str, typer.Argument(help="HS6, HTS8 or HTS10 code")],
    importer: Annotated[str, typer.Option(help="US or CN")] = "US",
    origin: Annotated[str | None, typer.Option(help="ISO country of origin")] = None,
    json_out: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """The full dated history of a product's layers and total rate."""
    result = api.schedule(code, importer, origin)
    if json_out:
        print_json(result)
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
        total = "ambiguous" if t["ambiguous"] else pct(t["total_rate"])
        table.add_row(t["valid_from"], t["valid_until"], window, total)
    out.print(table)


@commands.command("lists")
def lists(
    importer: Annotated[str | None, typer.Option(help="US or CN (default both)")] = None,
    json_out: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Each list or round: heading, lines at each code level, dates and rates."""
    result = api.lists(importer)
    if json_out:
        print_json(result)
        return
    table = Table(title="measure lists")
    for column in ("importer", "name", "heading", "lines", "steps"):
        table.add_column(column, overflow="fold")
    for m in result:
        lines = ", ".join(f"{k}: {v}" for k, v in m["lines"].items())
        steps = "; ".join(
            f"{s['from']}: {s['rate'] if isinstance(s['rate'], list) else pct(s['rate'])}"
            f"{' (' + s['status'] + ')' if s['status'] != 'in_force' else ''}"
            for s in m["steps"]
        )
        table.add_row(m["importer"], m["name"], m["heading"] or "", lines, steps)
    out.print(table)


@commands.command("tour")
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
    from .cli_data import data_build
    from .report import write_report

    check_output(output, (), overwrite, "--output")
    if rebuild or not store_path().exists():
        data_build(json_out=False, allow_changed_sources=False)
    path = write_report(output)
    out.print(f"report written: {path}")
