"""CLI commands ``series`` and ``coverage`` (issue 3), registered on the main app.

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

api_series = lazy("tradewar.api.series")


@commands.command("series")
def series(
    importer: Annotated[str, typer.Option(help="CN or US: whose tariff")] = "CN",
    origin: Annotated[str | None, typer.Option(help="the partner (US or CN) or 'other'")] = None,
    start: Annotated[
        str | None, typer.Option("--from", help="first date YYYY-MM-DD (default: coverage)")
    ] = None,
    end: Annotated[
        str | None, typer.Option("--to", help="last date YYYY-MM-DD (default: coverage)")
    ] = None,
    step: Annotated[str, typer.Option(help="event (each schedule change) | day | month")] = (
        "event"
    ),
    weights: Annotated[
        str | None,
        typer.Option(
            help="weight table: piie-2017 (CN default), census-exports-hs6-2017, "
            "census-world-exports-hs2-2017 (CN); census-hs10-2024 (US default: 2024 HS10 "
            "imports carried to the lines in force), census-hs2-2017 (US, chapters), "
            "census-hs2-2017-hs10-2024 (US: 2017 chapter totals spread by 2024 HS10 shares), "
            "census-hs2-2017-lists (US: the same, raked to USTR's announced list values)"
        ),
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print a JSON list.")] = False,
    check_piie: Annotated[
        bool,
        typer.Option(
            "--check-piie",
            help="US on China at PIIE's published points, under each US weight option",
        ),
    ] = False,
    plot: Annotated[
        Path | None, typer.Option("--plot", help="write a chart: FILE.png, .svg or .html")
    ] = None,
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Replace existing output files.")
    ] = False,
) -> None:
    """Trade-weighted and simple average tariff, coverage and each measure's part, by date."""
    if plot is not None:
        check_output(plot, (), overwrite, "--plot")
    partner = {"US": "CN", "CN": "US"}.get(importer.strip().upper())
    if partner is None:
        raise InputError(f"unknown importer {importer!r}: use CN or US")
    org = origin or partner
    if check_piie:
        _piie(api_series.piie_check(), json_out)
        return
    points = api_series.series(importer, org, start, end, step, weights)
    if plot is not None:
        _plot(points, importer, org, start, end, step, weights, plot)
    if json_out:
        print_json(points)
        return
    _print(points)
    if plot is not None:
        out.print(f"chart written: {plot}")


def _piie(result: dict[str, Any], json_out: bool) -> None:
    if json_out:
        print_json(result)
        return
    table = Table(title=f"US on China against PIIE (tolerance {result['tolerance_pp']} pp)")
    for column in ("weights", *(p["date"] for p in result["options"][0]["points"]), "within"):
        table.add_column(column, no_wrap=True)
    table.add_row("PIIE", *(f"{p['piie']:.1f}" for p in result["options"][0]["points"]), "")
    for option in result["options"]:
        cells = [f"{p['ours']:.1f} ({p['difference_pp']:+.1f})" for p in option["points"]]
        table.add_row(option["weights"], *cells, "yes" if option["all_within"] else "no")
    out.print(table)
    out.print(f"source: {result['source']}")


def _plot(
    points: list[dict[str, Any]],
    importer: str,
    origin: str,
    start: str | None,
    end: str | None,
    step: str,
    weights: str | None,
    path: Path,
) -> None:
    """The requested series with its counterpart (partner vs other), as in PIIE's Figure 1."""
    if path.suffix.lower() not in api_series.PLOT_SUFFIXES:
        raise InputError(f"--plot {path}: give a .png, .svg or .html file")
    imp = points[0]["importer"]
    counterpart = {"US": "CN", "CN": "US"}[imp] if points[0]["origin"] == "other" else "other"
    other = api_series.series(imp, counterpart, start, end, step, weights)
    collected = None
    if points[0]["importer"] == "US":
        collected = api_series.collected_duty(points[0]["date"], points[0]["to"])
    ordered = [points, other] if origin != "other" else [other, points]
    api_series.plot(ordered, path, collected)


def _print(points: list[dict[str, Any]]) -> None:
    first = points[0]
    table = Table(title=f"{api_series.label(points)}, step {first['step']}")
    for column in ("date", "trade-weighted", "MFN", "additional", "simple", "covered",
                   "covered USD bn", "measures (points)"):  # fmt: skip
        table.add_column(column, overflow="fold")
    for p in points:
        measures = ", ".join(
            f"{m['measure_id']} {m['contribution']:.2f}"
            for m in p["by_measure"]
            if m["contribution"]
        )
        table.add_row(
            p["date"], _pct(p["avg_trade_weighted"]), _pct(p["avg_mfn"]),
            _pct(p["avg_additional"]), _pct(p["avg_simple"]),
            f"{p['covered_share'] * 100:.1f}%", f"{p['covered_value'] / 1e9:,.1f}", measures,
        )  # fmt: skip
    out.print(table)
    w = first["weights"]
    out.print(f"weights {w['name']}: {w['description']} ({w['source']})")
    un = first["unmatched"]
    out.print(
        f"matched USD {first['matched']['value_usd'] / 1e9:,.2f}bn; unmatched USD "
        f"{un['value_usd'] / 1e9:,.2f}bn ({un['no_line']['codes']} codes with no tariff "
        f"line, {un['no_rate']['codes']} with no rate); {un['lines_without_weight']} lines "
        "without weight"
    )
    _print_drift(points)
    for warning in sorted({w for p in points for w in p["warnings"]}):
        out.print(f"[yellow]warning[/yellow] {warning}")


def _print_drift(points: list[dict[str, Any]]) -> None:
    """Nomenclature drift of mapped weights, on the first and last date."""
    if points[0].get("drift") is None:
        return
    shown = [points[0], points[-1]] if len(points) > 1 else points[:1]
    for p in shown:
        d = p["drift"]
        un = d["unmatched"]
        changed = ", ".join(
            f"{m['method']} {m['value_usd'] / 1e9:,.1f}" for m in d["changed"]["by_method"]
        )
        out.print(
            f"drift on {p['date']} (USD bn of {d['total_value_usd'] / 1e9:,.1f}): identity "
            f"{d['identity']['value_usd'] / 1e9:,.1f}; changed codes "
            f"{d['changed']['value_usd'] / 1e9:,.1f} ({changed}); unmatched "
            f"{un['value_usd'] / 1e9:,.1f} (no 2018-2020 predecessor "
            f"{un['no_2018_2020_predecessor']['value_usd'] / 1e9:,.1f}, not in code map "
            f"{un['not_in_code_map']['value_usd'] / 1e9:,.1f}, no line in force "
            f"{un['no_line_in_force']['value_usd'] / 1e9:,.1f}, no rate "
            f"{un['no_rate']['value_usd'] / 1e9:,.1f})"
        )
    top = points[-1]["drift"]["changed"]["top"]
    if top:
        out.print(
            "largest changed codes: "
            + "; ".join(
                f"{t['code']} {t['value_usd'] / 1e9:,.1f}bn over {t['n_predecessors']} "
                f"line(s) ({', '.join(t['methods'])})"
                for t in top
            )
        )


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}%"


@commands.command("coverage")
def coverage(
    importer: Annotated[str, typer.Option(help="CN (retaliation rounds) or US")] = "CN",
    weights: Annotated[str | None, typer.Option(help="weight table (product level)")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Weight-year trade covered by each list or round, against its announced value."""
    result = api_series.coverage(importer, weights)
    if json_out:
        print_json(result)
        return
    w = result["weights"]
    table = Table(title=f"{result['importer']} measures on goods of {result['origin']}: "
                  f"{w['year']} value covered ({w['name']})")  # fmt: skip
    mapped = any(m.get("covered_by_mapping") for m in result["measures"])
    columns = ("measure", "first in force", "lines", "codes", "covered USD bn",
               *(("of which identity / changed codes",) if mapped else ()),
               "announced USD bn", "steps (date: lines in force / USD bn; changed)")  # fmt: skip
    for column in columns:
        table.add_column(column, overflow="fold")
    for m in result["measures"]:
        steps = "; ".join(
            f"{s['date']}: {s['lines_in_force']} / {s['value_in_force_usd'] / 1e9:.1f}"
            f" ({s['lines_changed']} changed, {s['value_changed_usd'] / 1e9:.1f})"
            for s in m["steps"]
        )
        announced = m["announced_value_usd_bn"]
        split = m.get("covered_by_mapping")
        by_mapping = (
            (f"{split['identity_usd'] / 1e9:.1f} / {split['changed_usd'] / 1e9:.1f}",)
            if mapped and split
            else ()
        )
        table.add_row(
            m["measure_id"], m["first_date"] or "", str(m["lines"]), str(m["weight_codes"]),
            f"{m['covered_value_usd'] / 1e9:.1f}", *by_mapping,
            "" if announced is None else f"{announced:g}", steps,
        )  # fmt: skip
    out.print(table)
    out.print(f"weights: {w['description']} ({w['source']})")
    if w.get("mapping"):
        out.print(f"mapping: {w['mapping']}")
    for note in result.get("why_not_announced") or []:
        out.print(f"- {note}")
