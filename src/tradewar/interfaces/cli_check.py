"""The ``tradewar check-engine`` command (gathered into the app by ``cli.py``)."""

from __future__ import annotations

from typing import Annotated

import typer

from .console import Table, out, print_json
from .lazy import lazy

commands = typer.Typer()

api_check = lazy("tradewar.api.check")


def _bn(x: float | None) -> str:
    return "n/a" if x is None else f"${x / 1e9:,.2f}bn"


@commands.command("check-engine")
def check_engine(
    year: Annotated[int, typer.Option(help="the year to check (2024 only)")] = 2024,
    top: Annotated[
        int, typer.Option(min=0, max=10000, help="how many unexplained lines to list")
    ] = 25,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Compare the duty our rates imply on 2024 US imports from China with Census duty."""
    result = api_check.check_engine(year, top=top)
    if json_out:
        print_json(result)
        return
    out.print(
        f"[bold]{year} US imports from China[/bold] ({result['weights']['source']}, "
        f"{result['weights']['via']})"
    )
    out.print(
        f"computed duty {_bn(result['computed_duty'])}, Census calculated duty "
        f"{_bn(result['census_duty'])}, ratio {result['ratio']:.3f}; "
        f"{result['share_value_within_1pp']:.1%} of {_bn(result['value_total'])} within 1 pp"
    )
    rc = result["residual_by_cause"]
    out.print(
        f"engine: {result['engine']}; named causes explain {rc['explained_share']:.1%} of the "
        f"absolute residual {_bn(rc['abs_residual_usd'])} (target {rc['target']:.0%})"
    )
    table = Table(title="residual (Census - computed) by named cause")
    for column in ("cause", "lines", "value", "residual", "explained"):
        table.add_column(column)
    for name, c in rc["causes"].items():
        table.add_row(
            name, str(c["lines"]), _bn(c["value"]), _bn(c["residual_usd"]),
            _bn(c["explained_usd"]),
        )  # fmt: skip
    un = rc["unexplained"]
    table.add_row("unexplained", str(un["lines"]), "", _bn(un["residual_usd"]), "")
    out.print(table)
    table = Table(title="unexplained residual by the line's additional layers")
    for column in ("Section 301", "with 232", "lines", "value", "residual", "share paid"):
        table.add_column(column)
    for p in un["by_layer"]:
        paid = p["census_paid_share_of_additional"]
        table.add_row(
            p["s301_heading"], "yes" if p["with_s232"] else "", str(p["lines"]),
            _bn(p["value"]), _bn(p["residual"]), "" if paid is None else f"{paid:.1%}",
        )  # fmt: skip
    out.print(table)
    table = Table(title="gaps by explanation")
    for column in ("category", "lines", "value", "computed", "Census", "gap"):
        table.add_column(column)
    for e in result["explanations"]:
        table.add_row(
            e["category"], str(e["lines"]), _bn(e["value"]), _bn(e["computed_duty"]),
            _bn(e["census_duty"]), _bn(e["gap"]),
        )  # fmt: skip
    out.print(table)
    table = Table(title="Section 301 lists at 2024 weights (USD bn)")
    for column in ("heading", "list", "ours", "2020 list identity", "SOURCES.md", "announced"):
        table.add_column(column)
    for item in result["lists"]["lists"]:
        v = item["value_2024_usd_bn"]
        table.add_row(
            item["heading"], item["list"], f"{v['ours']:.1f}", f"{v['usitc_2020_identity']:.1f}",
            f"{item['sources_md_usd_bn']:.1f}", str(item["announced_usd_bn"] or ""),
        )  # fmt: skip
    out.print(table)
    table = Table(title="largest unexplained gaps")
    for column in ("code", "description", "value", "Census rate", "our rate", "category"):
        table.add_column(column, overflow="fold")
    for r in result["top_unexplained"]:
        table.add_row(
            r["code"], (r["description"] or "")[:40], _bn(r["value"]),
            f"{r['census_rate']:.1%}", f"{r['our_rate']:.1%}", r["category"],
        )  # fmt: skip
    out.print(table)
