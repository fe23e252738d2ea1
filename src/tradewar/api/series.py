"""Python facade for averages, coverage and charts (issue 3): plain dicts out.

    from tradewar.api import series as api_series
    cn = api_series.series("CN", "US", "2018-01-01", "2019-06-30", step="event")
    other = api_series.series("CN", "other", "2018-01-01", "2019-06-30")
    api_series.plot([cn, other], "china.png")
    api_series.coverage("CN")          # 2017 value covered by each retaliation round
    us = api_series.series("US", "CN")  # 2024 HS10 imports carried back to 2018-2020 lines
    us[0]["drift"]                     # identity / changed codes / unmatched 2024 value

Averages are in percent; shares are fractions; values are USD. See docs/series.md.
"""

from __future__ import annotations

import datetime as dt
import html
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..countries import importer_code
from ..data.store import coverage as store_coverage
from ..data.store import open_store
from ..engine import series as engine
from ..engine.shipment import parse_date
from ..errors import InputError

PLOT_SUFFIXES = (".png", ".svg", ".html")
LABEL_MIN_PP = 0.05  # label a step with the measures whose part moved by more


def weights_catalog() -> list[dict[str, Any]]:
    """The weight tables ``--weights`` accepts, with the schedule each weights."""
    return [
        {
            "name": w.name,
            "importer": w.importer,
            "level": w.level,
            "year": w.year,
            "default": engine.DEFAULT_WEIGHTS.get(w.importer) == w.name,
            "description": w.description,
            "mapping": w.rule,
        }
        for w in engine.WEIGHTS.values()
    ]


def series(
    importer: str,
    origin: str,
    start: str | dt.date | None = None,
    end: str | dt.date | None = None,
    step: str = "event",
    weights: str | None = None,
    store: Path | None = None,
    dates: Sequence[str | dt.date] | None = None,
) -> list[dict[str, Any]]:
    """The trade-weighted series of ``importer``'s tariff on ``origin`` (partner or other).

    ``start``/``end`` default to the importer's coverage; ``dates`` (optional) gives
    the evaluation dates explicitly instead of ``step``.
    """
    imp = importer_code(importer)
    group = engine.origin_group(imp, origin)
    spec = engine.resolve_weights(imp, weights)
    if step not in engine.STEPS:
        raise InputError(f"unknown step {step!r}: use {', '.join(engine.STEPS)}")
    con = open_store(store)
    try:
        first, until, _basis = store_coverage(con, imp)
        lo = _date(start, "--from") if start is not None else first
        hi = _date(end, "--to") if end is not None else until - dt.timedelta(days=1)
        engine.check_range(con, imp, lo, hi)
        if dates is not None:
            days = sorted({_date(d, "date") for d in dates})
            for day in days:
                engine.check_range(con, imp, day, day)
        else:
            days = engine.step_dates(con, imp, group, lo, hi, step)
        points = engine.trade_weighted(con, imp, group, days, spec)
    finally:
        con.close()
    for p in points:
        p["step"] = "dates" if dates is not None else step
        p["to"] = hi.isoformat()
    return points


def weight_codes(
    importer: str,
    origin: str,
    date: str | dt.date,
    weights: str | None = None,
    store: Path | None = None,
) -> list[dict[str, Any]]:
    """Each weight code on ``date``: value, lines beneath, rate and coverage.

    For mapped weights (``census-hs10-2024``) also ``methods`` and ``sources``: the 2024
    codes carried onto the line, each with its ``us_code_map`` method and value; codes
    ``2024:<code>`` hold 2024 value that reaches no line on that date.
    """
    imp = importer_code(importer)
    group = engine.origin_group(imp, origin)
    spec = engine.resolve_weights(imp, weights)
    day = _date(date, "date")
    con = open_store(store)
    try:
        engine.check_range(con, imp, day, day)
        return engine.weight_codes(con, imp, group, [day], spec)
    finally:
        con.close()


def coverage(importer: str = "CN", weights: str | None = None, store: Path | None = None) -> dict:
    """Weight-year value covered by each additional measure of ``importer``, per step."""
    imp = importer_code(importer)
    spec = engine.resolve_weights(imp, weights)
    con = open_store(store)
    try:
        from ..engine.lists import schedule_coverage

        result = engine.measure_coverage(con, imp, spec)
        result["schedule_coverage"] = schedule_coverage(con, imp)
        return result
    finally:
        con.close()


def collected_duty(
    start: str | dt.date | None = None,
    end: str | dt.date | None = None,
    store: Path | None = None,
) -> list[dict[str, Any]]:
    """Monthly collected duty rate on US imports from China (Census HS2), percent."""
    lo = _date(start, "--from") if start is not None else None
    hi = _date(end, "--to") if end is not None else None
    con = open_store(store)
    try:
        rows = engine.collected_duty(con, lo, hi)
    finally:
        con.close()
    return [{**r, "month": r["month"].isoformat()} for r in rows]


PIIE_US_FILE = "benchmarks/piie_us_points.yaml"
PIIE_WEIGHTS = (
    "census-hs10-2024",
    "census-hs2-2017",
    "census-hs2-2017-hs10-2024",
    "census-hs2-2017-lists",
)


def piie_check(weights: Sequence[str] = PIIE_WEIGHTS, store: Path | None = None) -> dict[str, Any]:
    """Our US-on-China average at PIIE's published US-side points, per weight option.

    The points and the tolerance are cited data (``data/benchmarks/piie_us_points.yaml``,
    a secondary source); each option reports ours, PIIE's, the difference and whether
    it lies within the tolerance.
    """
    from ..config import authored_dir
    from ..data.yamlload import load_yaml

    bench = load_yaml(authored_dir() / PIIE_US_FILE)
    tolerance = float(bench["tolerance_pp"])
    marks = bench["points"]
    dates = [str(m["date"]) for m in marks]
    options = []
    for name in weights:
        points = series(bench["importer"], bench["origin"], weights=name, store=store,
                        dates=dates)  # fmt: skip
        rows = []
        for mark, point in zip(marks, points, strict=True):
            ours = point["avg_trade_weighted"]
            diff = None if ours is None else round(ours - float(mark["percent"]), 3)
            rows.append(
                {"date": point["date"], "label": mark["label"], "piie": float(mark["percent"]),
                 "ours": None if ours is None else round(ours, 3), "difference_pp": diff,
                 "within": diff is not None and abs(diff) <= tolerance}
            )  # fmt: skip
        options.append(
            {"weights": name, "description": points[0]["weights"]["description"],
             "points": rows, "all_within": all(r["within"] for r in rows),
             "max_abs_difference_pp": max(abs(r["difference_pp"] or 0) for r in rows)}
        )  # fmt: skip
    return {
        "source": " ".join(str(bench["source"]).split()),
        "secondary": bool(bench.get("secondary")),
        "tolerance_pp": tolerance,
        "options": options,
    }


def _date(value: str | dt.date, what: str) -> dt.date:
    return parse_date(value, what)


# --- charts -------------------------------------------------------------------------

_SIDE = {
    ("CN", "US"): "China's tariff on US goods",
    ("CN", "other"): "China's tariff on other exporters",
    ("US", "CN"): "US tariff on Chinese goods",
    ("US", "other"): "US tariff on other exporters",
}
_COLORS = {
    ("CN", "US"): "#c0392b",
    ("CN", "other"): "#7f8c8d",
    ("US", "CN"): "#1f4e99",
    ("US", "other"): "#95a5a6",
}


def label(points: list[dict[str, Any]]) -> str:
    """A legend label for a computed series."""
    p = points[0]
    return f"{_SIDE[(p['importer'], p['origin'])]} (weights: {p['weights']['name']})"


def plot(
    all_series: Sequence[list[dict[str, Any]]],
    path: str | Path,
    collected: list[dict[str, Any]] | None = None,
    title: str | None = None,
) -> Path:
    """Write a step chart of one or more computed series (PNG, SVG or HTML).

    Each series is drawn as the trade-weighted average from each date to the next
    (and to its ``to`` date); markers show the dates; the caption names the schedule
    basis and each series' weights and source. ``collected``: the monthly collected
    duty rate (``collected_duty``), drawn beside the US series.
    """
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in PLOT_SUFFIXES:
        raise InputError(f"--plot {target}: give a .png, .svg or .html file")
    drawn = [s for s in all_series if s]
    if not drawn:
        raise InputError("nothing to plot: the series is empty")
    fig = _figure(drawn, collected, title)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        if suffix == ".html":
            buffer = io.StringIO()
            fig.savefig(buffer, format="svg", bbox_inches="tight")
            target.write_text(_html(drawn, buffer.getvalue(), title), encoding="utf-8")
        else:
            fig.savefig(target, format=suffix[1:], dpi=200, bbox_inches="tight")
    except OSError as exc:
        raise InputError(f"cannot write {target}: {exc.strerror}") from None
    return target


def _figure(
    drawn: Sequence[list[dict[str, Any]]],
    collected: list[dict[str, Any]] | None,
    title: str | None,
) -> Any:
    from matplotlib.dates import DateFormatter, MonthLocator
    from matplotlib.figure import Figure

    fig = Figure(figsize=(10, 5.8))
    ax = fig.add_subplot(1, 1, 1)
    for points in drawn:
        key = (points[0]["importer"], points[0]["origin"])
        xs = [dt.date.fromisoformat(p["date"]) for p in points]
        ys = [p["avg_trade_weighted"] for p in points]
        end = dt.date.fromisoformat(points[-1].get("to", points[-1]["date"]))
        if end > xs[-1]:
            xs, ys = [*xs, end], [*ys, ys[-1]]
        color = _COLORS.get(key)
        ax.step(xs, ys, where="post", color=color, linewidth=2.2, label=label(points))
        ax.plot(xs[: len(points)], ys[: len(points)], "o", color=color, markersize=3.5)
        if points[0]["step"] == "event" and key[1] != "other":
            _annotate(ax, points, color)
    if collected:
        months = [dt.date.fromisoformat(c["month"]) for c in collected]
        rates = [c["rate"] for c in collected]
        ax.step(
            months, rates, where="post", color="#16a085", linewidth=1.4, linestyle="--",
            label="US duty collected on imports from China (Census calculated duty / value)",
        )  # fmt: skip
    ax.set_ylabel("average tariff, percent")
    top = max(p["avg_trade_weighted"] or 0.0 for points in drawn for p in points)
    ax.set_ylim(0, max([top, *(c["rate"] for c in collected or [])]) * 1.35 + 0.5)
    ax.grid(axis="y", alpha=0.3)
    first = min(dt.date.fromisoformat(p[0]["date"]) for p in drawn)
    last = max(dt.date.fromisoformat(p[-1].get("to", p[-1]["date"])) for p in drawn)
    long_span = (last - first).days > 4 * 366  # quarterly ticks crowd a 2018-2026 axis
    ax.xaxis.set_major_locator(MonthLocator(bymonth=(1,) if long_span else (1, 4, 7, 10)))
    ax.xaxis.set_major_formatter(DateFormatter("%b %Y"))
    for tick in ax.get_xticklabels():
        tick.set_rotation(30)
        tick.set_horizontalalignment("right")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.legend(loc="upper left", fontsize=8, frameon=False)
    ax.set_title(title or "Trade-weighted average tariffs, by date of entry", fontsize=12)
    fig.text(0.01, -0.02, _caption(drawn, collected), fontsize=7, va="top", wrap=True)
    return fig


def _annotate(ax: Any, points: list[dict[str, Any]], color: str | None) -> None:
    """Label each step with the measures whose contribution changed on that date."""
    before: dict[str, float] = {}
    for index, p in enumerate(points):
        now = {m["measure_id"]: m["contribution"] or 0.0 for m in p["by_measure"]}
        moved = [
            m for m in sorted(set(now) | set(before))
            if abs(now.get(m, 0.0) - before.get(m, 0.0)) > LABEL_MIN_PP
        ]  # fmt: skip
        if moved and index > 0:
            text = ", ".join(m.split(".")[-1] for m in moved)
            ax.annotate(
                text, (dt.date.fromisoformat(p["date"]), p["avg_trade_weighted"]),
                textcoords="offset points", xytext=(2, 6), fontsize=6.5, color=color,
                rotation=35,
            )  # fmt: skip
        before = now


def _caption(drawn: Sequence[list[dict[str, Any]]], collected: list[dict[str, Any]] | None) -> str:
    lines, seen = [], set()
    for points in drawn:
        w = points[0]["weights"]
        if w["name"] in seen:
            continue
        seen.add(w["name"])
        if w.get("mapping"):
            drift = points[0]["drift"]
            lines.append(
                f"Weights {w['name']}: {w['description']}; source {w['source']}. "
                f"{w['mapping']}. Drift: identity USD "
                f"{drift['identity']['value_usd'] / 1e9:.1f}bn, "
                f"changed codes {drift['changed']['value_usd'] / 1e9:.1f}bn, unmatched "
                f"{drift['unmatched']['value_usd'] / 1e9:.1f}bn (first date)."
            )
            continue
        lines.append(
            f"Weights {w['name']}: {w['description']}; source {w['source']}. "
            f"Rate of a {w['level']} code = simple average of its tariff lines; "
            f"codes with no line or no rate left out (unmatched "
            f"USD {points[0]['unmatched']['value_usd'] / 1e9:.2f}bn)."
        )
    if collected:
        first = collected[0]
        lines.append(f"Collected duty: {first['statistic']}; source {first['source']}.")
    lines.append(
        "Schedules: tradewar store (China: PIIE HS10 file to 2019-06-01, HS6 approximations "
        "to 2019, then the 2025 HS8 lines with rounds reconstructed from the ITA matrix and "
        "MFN carried forward; US: HTS revisions and every program in data/measures/us; "
        "claimable exclusions not applied). Goods taken as exported on the entry date."
    )
    return "\n".join(lines)


def _html(drawn: Sequence[list[dict[str, Any]]], svg: str, title: str | None) -> str:
    start = svg.find("<svg")
    svg = svg[start:] if start >= 0 else svg
    rows = []
    for points in drawn:
        for p in points:
            rows.append(
                "<tr>"
                + "".join(
                    f"<td>{html.escape(str(v))}</td>"
                    for v in (
                        _SIDE[(p["importer"], p["origin"])],
                        p["date"],
                        f"{p['avg_trade_weighted']:.3f}",
                        f"{p['avg_simple']:.3f}",
                        f"{p['covered_share']:.3f}",
                        f"{p['covered_value'] / 1e9:.2f}",
                        p["weights"]["name"],
                    )
                )
                + "</tr>"
            )
    heading = html.escape(title or "Trade-weighted average tariffs")
    caption = html.escape(_caption(drawn, None)).replace("\n", "<br>")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{heading}</title>
<style>body{{font-family:sans-serif;max-width:1000px;margin:2em auto}}
table{{border-collapse:collapse;font-size:13px}}td,th{{border:1px solid #ccc;padding:2px 6px}}
.caption{{font-size:12px;color:#444}}</style></head>
<body><h1>{heading}</h1>
<figure>{svg}<figcaption class="caption">{caption}</figcaption></figure>
<table><tr><th>series</th><th>date</th><th>trade-weighted %</th><th>simple %</th>
<th>covered share</th><th>covered USD bn</th><th>weights</th></tr>
{"".join(rows)}
</table></body></html>
"""
