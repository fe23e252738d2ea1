"""CLI commands ``commitments``, ``enforce`` and ``scenario run`` (issue 4).

``cli.py`` gathers the commands declared here on ``commands``.
Errors are ``TradewarError`` subclasses: one line on stderr, exit code 2.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from ..errors import InputError
from ..guards import check_output
from .console import Table, out, print_json
from .lazy import lazy

commands = typer.Typer()

api_policy = lazy("tradewar.api.policy")
_commitments = lazy("tradewar.policy.commitments")
_impact = lazy("tradewar.policy.impact")

scenario_app = typer.Typer(
    help="Scenarios: amend the schedule and compare with the baseline.", no_args_is_help=True
)


def _check_plot(path: Path | None, inputs: tuple[Path, ...] = (), overwrite: bool = False) -> None:
    """Refuse a chart format, or a file not to replace (``guards``), before any work."""
    if path is not None and path.suffix.lower() not in (".png", ".svg"):
        raise InputError(f"--plot {path}: give a .png or .svg file")
    if path is not None:
        check_output(path, inputs, overwrite, "--plot")


def _bn(value: float | None) -> str:
    return "n/a" if value is None else f"{value / 1e9:,.2f}"


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}%"


@commands.command("commitments")
def commitments(
    agreement: Annotated[str, typer.Option(help="phase-one, or pledge-2018-12")] = "phase-one",
    basis: Annotated[str, typer.Option(help="us-exports | china-imports")] = "us-exports",
    through: Annotated[
        str | None, typer.Option(help="last month YYYY-MM (default: the data's last)")
    ] = None,
    prorate: Annotated[
        str | None,
        typer.Option(help="seasonal-2017 (2017 monthly pattern, the default) | straight-line"),
    ] = None,
    compare: Annotated[
        bool, typer.Option("--compare", help="compare with the tracker's goals files")
    ] = False,
    annex_only: Annotated[
        bool,
        typer.Option(
            "--annex-only", help="annex list only, without supplementary codes (aircraft)"
        ),
    ] = False,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    plot: Annotated[
        Path | None, typer.Option("--plot", help="write a chart: FILE.png or .svg")
    ] = None,
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Replace existing output files.")
    ] = False,
) -> None:
    """Purchases against the commitment targets, by category and month."""
    _check_plot(plot, (), overwrite)
    result = api_policy.commitments(
        agreement,
        basis,
        through,
        prorate or _commitments.DEFAULT_PRORATE,
        compare,
        annex_only=annex_only,
    )
    if plot is not None:
        api_policy.plot_commitments(result, plot)
    if json_out:
        print_json(result)
        return
    if not result["verifiable"]:
        out.print(f"[bold]{result['name']}[/bold]")
        out.print(result["message"])
        out.print(f"source: {result['citation']}")
        return
    table = Table(
        title=f"{result['agreement']}: cumulative purchases through {result['through']} "
        f"(basis {result['basis']['id']}, USD bn)"
    )
    for column in ("category", "2017 baseline", "target", "actual", "attainment"):
        table.add_column(column, overflow="fold")
    for c in [*result["categories"], result["total"]]:
        table.add_row(
            c["name"],
            _bn(c["baseline_2017"]),
            _bn(c["target"]),
            _bn(c["actual"]),
            _pct(c["attainment_pct"]) if c["checkable"] else "not checkable",
        )
    out.print(table)
    out.print(f"pro-rating: {result['prorate']['method']}: {result['prorate']['description']}")
    out.print(f"basis: {result['basis']['description']} ({result['basis']['source']})")
    for c in result["categories"]:
        if not c["checkable"]:
            out.print(f"[yellow]{c['name']}[/yellow]: {c['reason']}")
    m = result["mapping"]
    out.print(
        f"annex lines: {m['annex_lines']}, mapped {m['mapped']}, unmapped {len(m['unmapped'])}, "
        f"without trade {len(m['annex_lines_without_trade'])} ({m['source']})"
    )
    for extra in m["supplements"]:
        out.print(f"supplementary code {extra['code']} ({extra['category']}): {extra['reason']}")
    for gap in result["data_gaps"]["partial_months"]:
        out.print(f"[yellow]{gap['month']}[/yellow]: {gap['note']}")
    if plot is not None:
        out.print(f"chart written: {plot}")


@commands.command("enforce")
def enforce(
    rules: Annotated[Path, typer.Argument(help="rule file (YAML)")],
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Evaluate enforcement rules over time: what triggered, when, and the amended schedule."""
    result = api_policy.enforce(rules)
    if json_out:
        print_json(result)
        return
    table = Table(title=f"{result['name']}: triggered actions")
    for column in ("rule", "triggered", "action", "effective", "evidence"):
        table.add_column(column, overflow="fold")
    for t in result["triggered"]:
        a = t["action"]
        ev = t["evaluation"]
        evidence = (
            f"{ev['value_pct']:.1f}% < {ev['threshold_pct']:g}% (through {ev['through']})"
            if "value_pct" in ev
            else ", ".join(f"{k} {v}" for k, v in ev.items() if k not in ("date", "status"))
        )
        rate = "" if a["rate"] is None else f" {a['rate'] * 100:g}%"
        table.add_row(
            t["rule"], t["date"], f"{a['op']} {a['measure']}{rate}", a["effective"], evidence
        )
    out.print(table)
    for e in result["evaluations"]:
        if not e["triggered"]:
            out.print(f"rule {e['rule']}: not triggered")
        for x in e["evaluations"]:
            if x["status"] != "evaluated":
                out.print(f"rule {e['rule']} on {x['date']}: {x['status']} ({x.get('reason')})")


@scenario_app.command("run")
def scenario_run(
    path: Annotated[Path, typer.Argument(help="scenario file (YAML)")],
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    plot: Annotated[
        Path | None, typer.Option("--plot", help="write a chart: FILE.png or .svg")
    ] = None,
    settings: Annotated[
        list[str] | None,
        typer.Option("--set", help="impact parameter NAME=VALUE (repeatable)"),
    ] = None,
    lines: Annotated[
        Path | None, typer.Option("--lines", help="write every affected line: .csv/.parquet")
    ] = None,
    top: Annotated[int, typer.Option(help="lines listed in the impact summary")] = 15,
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Replace existing output files.")
    ] = False,
) -> None:
    """Compare a scenario with the baseline: average tariff, covered value, impact."""
    _check_plot(plot, (path,), overwrite)
    if lines is not None and lines.suffix.lower() not in (".csv", ".parquet"):
        raise InputError(f"--lines {lines}: give a .csv or .parquet file")
    if lines is not None:
        check_output(lines, (path, *([plot] if plot else [])), overwrite, "--lines")
    overrides = _impact.parse_settings(settings)
    result = api_policy.scenario_run(path, parameters=overrides or None, lines_out=lines, top=top)
    if plot is not None:
        api_policy.plot_scenario(result, plot)
    if json_out:
        print_json(result)
        return
    _print_scenario(result)
    if plot is not None:
        out.print(f"chart written: {plot}")


def _print_scenario(r: dict[str, Any]) -> None:
    out.print(f"[bold]{r['name']}[/bold]: {r['description'] or ''}")
    out.print(
        f"importer {r['importer']}, origin {r['origin']}, period {r['period']['from']} to "
        f"{r['period']['to']} ({r['period']['days']} days); weights {r['weights']['name']}"
    )
    table = Table(title="trade-weighted average tariff, percent")
    for column in ("date", "baseline", "scenario", "difference (pp)"):
        table.add_column(column)
    for b, s in zip(r["baseline"], r["scenario"], strict=True):
        diff = (s["avg_trade_weighted"] or 0) - (b["avg_trade_weighted"] or 0)
        table.add_row(
            b["date"],
            f"{b['avg_trade_weighted']:.3f}",
            f"{s['avg_trade_weighted']:.3f}",
            f"{diff:+.3f}",
        )
    out.print(table)
    d = r["delta"]
    table = Table(title="delta over the period (USD bn unless stated)")
    for column in ("measure", "value"):
        table.add_column(column)
    table.add_row("average tariff (pp, day-weighted)", f"{d['avg_tariff_pp']:+.3f}")
    table.add_row("covered value (day-weighted)", _bn(d["covered_value"]))
    for name in ("import_change", "revenue", "consumer_cost", "deadweight_loss"):
        table.add_row(name, _bn(d[name]))
    out.print(table)
    p = r["parameters"]
    out.print(
        f"impact parameters: import-demand elasticity {p['import_demand_elasticity']}, "
        f"export-supply elasticity {p['export_supply_elasticity']}, pass-through "
        f"{p['pass_through']}"
    )
    for w in r["warnings"]:
        out.print(f"[yellow]warning[/yellow] {w}")
