"""The ``tradewar refunds`` command (gathered into the app by ``cli.py``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .console import Table, out, print_json
from .lazy import lazy

commands = typer.Typer()

api_refunds = lazy("tradewar.api.refunds")


@commands.command("refunds")
def refunds(
    input_path: Annotated[
        Path,
        typer.Option(
            "--input",
            help="entries CSV/Parquet: the bulk columns (code, importer, origin, entered, "
            "[exported], value, [claims]) and an optional entry_number",
        ),
    ],
    output: Annotated[
        Path, typer.Option("--output", help="per-entry IEEPA parts: FILE.csv or FILE.parquet")
    ],
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Replace existing output and rejects files.")
    ] = False,
) -> None:
    """IEEPA duty paid per entry, by month and heading, with the legal basis and caveats."""
    result = api_refunds.refunds(input_path, output, overwrite=overwrite)
    if json_out:
        print_json(result)
        return
    out.print(
        f"[bold]IEEPA duty on {result['entries_with_ieepa']} of {result['entries_rated']} "
        f"entries: USD {result['total_ieepa_duty']:,.2f}[/bold] "
        f"({len(result['rejected'])} rejected)"
    )
    table = Table(title="by heading")
    for column in ("heading", "entries", "IEEPA duty (USD)", "program"):
        table.add_column(column)
    for row in result["by_heading"]:
        table.add_row(
            row["heading"], str(row["entries"]), f"{row['ieepa_duty']:,.2f}", row["name"] or ""
        )
    out.print(table)
    table = Table(title="by month of entry")
    for column in ("month", "entries", "IEEPA duty (USD)"):
        table.add_column(column)
    for row in result["by_month"]:
        table.add_row(row["month"], str(row["entries"]), f"{row['ieepa_duty']:,.2f}")
    out.print(table)
    for reject in result["rejected"][:10]:
        out.print(f"rejected: {reject['code']} {reject['entered']}: {reject['reason']}")
    out.print("[bold]legal basis[/bold]")
    for basis in result["legal_basis"]:
        out.print(f"- {basis['text']} ({basis['citation']})")
    out.print("[bold]caveats[/bold]")
    for caveat in result["caveats"]:
        out.print(f"- {caveat}")
    out.print(f"entries written: {result['output']}; rejects: {result['rejects_file']}")
