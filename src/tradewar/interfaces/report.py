"""The trade-war report: one self-contained HTML file (inline SVG charts, no CDN).

It grows with each capability. Sections whose capability has not landed say so
plainly and show no data.
"""

from __future__ import annotations

import html
import io
import os
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from .. import api
from ..config import REPO_ROOT
from ..data.store import open_store
from ..engine.line_series import line_series, measure_rate_series

# (code, importer, origin, entered, exported, value, label, expected total or None): the
# expected totals are the worked examples of issue 11 (MFN 16.5% and List 4A 7.5% on the
# T-shirt; IEEPA, Section 122 and the four-year review after 2024), checked on every tour
EXAMPLES = [
    (
        "9403608081",
        "US",
        "CN",
        "2019-06-20",
        None,
        10000.0,
        "wooden furniture, List 3 at 25%",
        None,
    ),
    (
        "9403608081",
        "US",
        "CN",
        "2019-05-20",
        "2019-05-01",
        10000.0,
        "List 3 transit rule (10%)",
        None,
    ),
    ("8517620090", "US", "CN", "2020-03-01", None, 10000.0, "smartwatches, List 4A at 7.5%", None),
    (
        "8471300100",
        "US",
        "CN",
        "2020-03-01",
        None,
        10000.0,
        "laptops, List 4B: suspended, 0%",
        None,
    ),
    ("7208510030", "US", "CN", "2019-01-15", None, 10000.0, "steel plate: 232 and 301 stack", None),
    (
        "6109100012",
        "US",
        "CN",
        "2024-06-01",
        None,
        10000.0,
        "cotton T-shirt, 2024: MFN 16.5% and List 4A 7.5%",
        0.24,
    ),
    (
        "6109100012",
        "US",
        "CN",
        "2025-06-01",
        None,
        10000.0,
        "the same T-shirt, 2025: IEEPA fentanyl 20% and reciprocal 10% on top",
        0.54,
    ),
    (
        "6109100012",
        "US",
        "CN",
        "2026-03-15",
        None,
        10000.0,
        "the same T-shirt, 2026: IEEPA ended, Section 122 10%",
        0.34,
    ),
    (
        "8703800020",
        "US",
        "CN",
        "2024-10-01",
        None,
        10000.0,
        "electric vehicle after the four-year review (9903.91.03, 100%)",
        1.025,
    ),
    ("1201901000", "CN", "US", "2018-07-06", None, 10000.0, "US soybeans into China", None),
    ("0203291000", "CN", "US", "2018-07-06", None, 10000.0, "US frozen pork into China", None),
]


def _e(text: Any) -> str:
    return html.escape("" if text is None else str(text))


def _pct(rate: Any) -> str:
    if isinstance(rate, list):
        return " / ".join(_pct(r) for r in rate)
    return "n/a" if rate is None else f"{float(rate) * 100:.4g}%"


def _svg(fig: Any) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight")
    plt.close(fig)
    text = buf.getvalue()
    return text[text.index("<svg") :]


def _table(headers: list[str], rows: list[list[Any]]) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _lists_section(measures: list[dict[str, Any]]) -> str:
    rows = []
    for m in measures:
        steps = "<br>".join(
            f"{_e(s['from'])}{' to ' + _e(s['until']) if s.get('until') else ''}: "
            f"{_pct(s['rate'])} ({_e(s['governs'])}"
            f"{', ' + _e(s['status']) if s['status'] != 'in_force' else ''}) "
            f"<span class=cite>{_e(s['citation'])}</span>"
            for s in m["steps"]
        )
        lines = ", ".join(f"{k.replace('level_', 'HS')}: {v:,}" for k, v in m["lines"].items())
        published = m["published_lines"]
        rows.append(
            [
                _e(m["importer"]),
                _e(m["name"]),
                _e(m["heading"] or ""),
                _e(lines) + (f"<br>published: {published:,}" if published else ""),
                steps,
            ]
        )
    return _table(["importer", "measure", "heading", "lines", "dated steps"], rows)


def _schedule_chart(series: dict[str, list[dict[str, Any]]], ends: dict[str, Any]) -> str:
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8), sharey=True)
    for ax, importer in zip(axes, ("US", "CN"), strict=True):
        points = series[importer]
        for measure in sorted({p["measure_id"] for p in points}):
            mine = [p for p in points if p["measure_id"] == measure]
            xs = [p["day"] for p in mine] + [ends[importer]]
            ys = [100 * (p["mean_rate"] or 0) for p in mine]
            ax.step(xs, [*ys, ys[-1]], where="post", label=mine[0]["name"][:40])
        ax.set_title(f"{importer}: mean additional duty over covered lines", fontsize=10)
        ax.set_ylabel("percent")
        ax.legend(fontsize=6, loc="upper left")
        ax.tick_params(axis="x", labelrotation=30, labelsize=7)
    fig.text(
        0,
        -0.04,
        "Source: tradewar store (layers table); goods taken as exported on the entry date.",
        fontsize=7,
    )
    return _svg(fig)


def _line_chart(series: dict[str, list[dict[str, Any]]], ends: dict[str, Any]) -> str:
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.6))
    for importer, points in series.items():
        days = [p["day"] for p in points] + [ends[importer]]
        points = [*points, points[-1]]
        axes[0].step(
            days, [100 * (p["simple_avg_total"] or 0) for p in points], where="post",
            label=f"{importer} on {'CN' if importer == 'US' else 'US'}",
        )  # fmt: skip
        axes[1].step(
            days, [100 * p["share_lines_covered"] for p in points], where="post",
            label=f"{importer} on {'CN' if importer == 'US' else 'US'}",
        )  # fmt: skip
    axes[0].set_title("simple average total tariff over tariff lines (%)")
    axes[1].set_title("share of tariff lines with an additional duty (%)")
    for ax in axes:
        ax.legend(fontsize=7)
        ax.tick_params(axis="x", labelrotation=30, labelsize=7)
    return _svg(fig)


def _examples_section() -> str:
    parts = []
    for code, importer, origin, entered, exported, value, label, expected in EXAMPLES:
        try:
            r = api.duty(code, importer, origin, entered, exported, value)
        except Exception as exc:  # the report must still be written
            parts.append(f"<h3>{_e(label)}</h3><p class=warn>{_e(exc)}</p>")
            continue
        rows = [
            [
                _e(y["authority"]),
                _e(y["heading"]),
                _e(y["rate_text"] if y["rate_kind"] != "ad_valorem" else _pct(y["rate"])),
                f"<span class=cite>{_e(y['citation'])}</span>",
                _e(y["why"]),
            ]
            for y in r.get("layers", [])
        ]
        cmd = (
            f"tradewar duty {code} --importer {importer} --origin {origin} --entered {entered}"
            + (f" --exported {exported}" if exported else "")
            + f" --value {value:g}"
        )
        warn = "".join(f"<li>{_e(w)}</li>" for w in r.get("warnings", []))
        check = ""
        if expected is not None:
            total = r.get("total_rate")
            agrees = total is not None and abs(total - expected) < 1e-9
            check = (
                f"<p class=check>check: expected total {_pct(expected)}, computed "
                f"{_pct(total)}: <b>{'agrees' if agrees else 'DIFFERS'}</b></p>"
            )
        parts.append(
            f"<h3>{_e(label)}</h3><pre>{_e(cmd)}</pre>"
            + _table(["authority", "heading", "rate", "citation", "why"], rows)
            + f"<p><b>total {_pct(r.get('total_rate'))}</b>"
            + (f", duty USD {r['duty']:,.2f}" if r.get("duty") is not None else "")
            + "</p>"
            + check
            + (f"<ul class=warn>{warn}</ul>" if warn else "")
        )
    return "".join(parts)


def _validation_section(con: Any) -> str:
    checks = con.execute("SELECT name, expected, observed, ok, note FROM checks").fetchall()
    rows = [
        [_e(n), _e(e), _e(o), "yes" if ok else "<b class=warn>no</b>", _e(note)]
        for n, e, o, ok, note in checks
    ]
    counts = con.execute(
        "SELECT severity, source, count(*) FROM issues GROUP BY ALL ORDER BY 1, 2"
    ).fetchall()
    reads = con.execute("SELECT source, rows_read, rows_kept FROM source_reads").fetchall()
    return (
        "<h3>rows read per source</h3>"
        + _table(["source", "rows read", "rows kept"], [[_e(s), r, k] for s, r, k in reads])
        + "<h3>cross-checks</h3>"
        + _table(["check", "expected", "observed", "ok", "note"], rows)
        + "<h3>issues by source</h3>"
        + _table(["severity", "source", "count"], [[_e(a), _e(b), c] for a, b, c in counts])
        + "<p>Full list: <code>tradewar data issues --json</code>.</p>"
    )


def _averages_section() -> str:
    """China's trade-weighted tariff on US goods and on others, the US side at the
    weights that exist, and the trade covered by each retaliation round."""
    import tempfile

    from ..api import series as api_series

    cn_us = api_series.series("CN", "US")
    cn_other = api_series.series("CN", "other", dates=[p["date"] for p in cn_us])
    us_cn = api_series.series("US", "CN")
    collected = api_series.collected_duty("2017-01-01")
    charts = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, drawn, extra, title in (
            ("cn", [cn_us, cn_other], None, None),
            ("us", [us_cn], collected, None),
            ("both", [us_cn, cn_us], None, "Both sides: each step of each schedule"),
        ):
            path = api_series.plot(drawn, Path(tmp) / f"{name}.svg", collected=extra, title=title)
            text = path.read_text(encoding="utf-8")
            charts.append(text[text.index("<svg") :])
    rows = [
        [
            _e(p["date"]),
            f"{p['avg_trade_weighted']:.2f}",
            f"{o['avg_trade_weighted']:.2f}",
            f"{100 * p['covered_share']:.1f}%",
            f"{p['covered_value'] / 1e9:,.1f}",
        ]
        for p, o in zip(cn_us, cn_other, strict=True)
    ]
    cover_rows = [
        [
            _e(m["name"]),
            _e(m["first_date"] or ""),
            f"{m['covered_value_usd'] / 1e9:,.2f}",
            _e(m["announced_value_usd_bn"] or ""),
        ]
        for m in api_series.coverage("CN")["measures"]
    ]
    headers = ["date", "CN on US (%)", "CN on others (%)", "US trade covered", "covered ($bn)"]
    return (
        "<p>Both sides on one chart, over the coverage of each schedule, with a marker at "
        "every step (China's MFN after 2019 is carried forward; see docs/china.md).</p>"
        + charts[2]
        + "<p>China's tariff on US goods and on other exporters, weighted by China's 2017 "
        "imports from the US by HS8 (PIIE file, ITC Trade Map). PIIE's own Figure 1 is "
        "weighted by US exports to the world, which the data here has only by HS2 chapter, "
        "so levels differ from Figure 1 by about 2 points; see docs/series.md.</p>"
        + charts[0]
        + _table(headers, rows)
        + "<h3>2017 trade covered by each Chinese measure</h3>"
        + _table(["measure", "from", "covered ($bn)", "announced ($bn)"], cover_rows)
        + f"<h3>US on China, {_e(us_cn[0]['date'])} to {_e(us_cn[-1]['to'])}: statutory and "
        "collected duty</h3>"
        + "<p>No product-level US imports for 2017-2020 exist in the data, so the US "
        "statutory series is weighted by 2024 US imports from China (Census HS10), carried "
        "back to the 2018-2020 lines through the HTS revisions and to the lines of each "
        "later date by code, HTS8 or HS6; the drift is reported with every point "
        "(<code>tradewar series --importer US --json</code>). 2024 trade is already low on "
        "the tariffed goods, so these weights understate the pre-war average. The "
        "collected-duty rate is Census calculated duty divided by value (monthly data to "
        "2020 only).</p>" + charts[1] + _piie_section(api_series.piie_check())
    )


def _piie_section(result: dict[str, Any]) -> str:
    """The US average at PIIE's published points under each US weight option."""
    dates = [p["date"] for p in result["options"][0]["points"]]
    rows = [["PIIE", *(f"{p['piie']:.1f}" for p in result["options"][0]["points"]), ""]]
    for option in result["options"]:
        rows.append(
            [_e(option["weights"]),
             *(f"{p['ours']:.1f} ({p['difference_pp']:+.1f})" for p in option["points"]),
             "yes" if option["all_within"] else "<b class=warn>no</b>"]
        )  # fmt: skip
    return (
        f"<h3>Against PIIE's US-side points (tolerance {result['tolerance_pp']} pp)</h3>"
        + _table(["weights", *dates, f"all within {result['tolerance_pp']} pp"], rows)
        + f"<p class=cite>Source: {_e(result['source'])}. No 2017 product-level US import "
        "file is in the data: census-hs2-2017-hs10-2024 keeps the 2017 chapter totals and "
        "spreads them by 2024 HTS10 shares; census-hs2-2017-lists also holds each Section "
        "301 list at the trade value USTR announced for it, the best stand-in. With those "
        "values the lists' additional duty is fixed (List 1-3 at 2018-09-24: 6.5 points "
        "of the 2017 total), below what PIIE's points imply.</p>"
    )


def _inline_chart(plot: Any, result: dict[str, Any], name: str) -> str:
    """Run a plotting function into a temporary SVG and return the inline <svg>."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        text = plot(result, Path(tmp) / f"{name}.svg").read_text(encoding="utf-8")
    return text[text.index("<svg") :]


COMMITMENT_HEADERS = ["category", "2017 ($bn)", "2020 target ($bn)", "2020 actual ($bn)",
                      "attainment"]  # fmt: skip


def _commitments_section() -> str:
    """Phase One purchases against the targets, and what the example rules trigger."""
    from ..api import policy as api_policy

    result = api_policy.commitments("phase-one", "us-exports", "2020-12")
    rows = [
        [
            _e(c["name"]),
            "" if c["baseline_2017"] is None else f"{c['baseline_2017'] / 1e9:,.1f}",
            "" if c["target"] is None else f"{c['target'] / 1e9:,.1f}",
            "" if c["actual"] is None else f"{c['actual'] / 1e9:,.1f}",
            "not checkable" if c["attainment_pct"] is None else f"{c['attainment_pct']:.1f}%",
        ]
        for c in [*result["categories"], result["total"]]
    ]
    triggered = []
    for rules in sorted((REPO_ROOT / "rules").glob("*.yaml")):
        for t in api_policy.enforce(rules)["triggered"]:
            action = t["action"]
            triggered.append(
                [_e(rules.name), _e(t["date"]), _e(t["description"]),
                 _e(f"{action['op']} {action['measure']} {action.get('rate', '')} "
                    f"from {action.get('effective', '')}")]
            )  # fmt: skip
    return (
        f"<p>Basis: {_e(result['basis']['description'])}. Targets are the 2017 baseline "
        "plus the Annex 6.1 increments, pro-rated by the 2017 monthly pattern; services "
        "cannot be checked from goods data (docs/policy.md).</p>"
        + _inline_chart(api_policy.plot_commitments, result, "commitments")
        + _table(COMMITMENT_HEADERS, rows)
        + "<h3>Enforcement rules (rules/*.yaml): what would have triggered</h3>"
        + _table(["rules", "date", "rule", "action"], triggered)
    )


def _scenarios_section() -> str:
    """The shipped scenarios against the baseline, with the impact model's totals."""
    from ..api import policy as api_policy

    rows, charts = [], []
    for path in sorted((REPO_ROOT / "scenarios").glob("*.yaml")):
        result = api_policy.scenario_run(path)
        d = result["delta"]
        rows.append(
            [
                _e(result["name"]),
                _e(result["description"]),
                _e(f"{result['period']['from']} to {result['period']['to']}"),
                f"{d['avg_tariff_pp']:+.2f}",
                f"{d['import_change'] / 1e9:+,.1f}",
                f"{d['revenue'] / 1e9:+,.1f}",
                f"{d['consumer_cost'] / 1e9:+,.1f}",
                f"{d['deadweight_loss'] / 1e9:+,.1f}",
            ]
        )
        charts.append(_inline_chart(api_policy.plot_scenario, result, result["name"]))
    headers = ["scenario", "what changes", "period", "avg tariff (pp)", "imports ($bn)",
               "revenue ($bn)", "consumer cost ($bn)", "deadweight loss ($bn)"]  # fmt: skip
    return (
        "<p>Partial-equilibrium impact (Armington-style, in the spirit of WITS-SMART) "
        "with the parameters and sources in data/parameters/impact.yaml; US weights are "
        "2024 imports carried back to the 2018-2020 lines.</p>"
        + _table(headers, rows)
        + "".join(charts)
    )


def _articles_section() -> str:
    """The example articles (``config.documents_dir()``) checked, and the merged timeline."""
    from ..api import news as api_news
    from ..config import documents_dir
    from ..news.report_html import CSS as NEWS_CSS
    from ..news.report_html import article_fragment, esc, timeline_fragment
    from ..news.schema import CheckedArticle

    docs = api_news.documents()
    if not docs:
        return (
            f"<p class=pending>No example articles in {_e(documents_dir())} "
            "(set TRADEWAR_DOCUMENTS).</p>"
        )
    checked = [api_news.check_file(p) for p in docs]
    parts = [
        "<p>Each claim is highlighted in its verdict's colour and checked against the schedule "
        "(with its announced and postponed steps), the coverage engine, the trade flows and "
        "the commitment records; the evidence names every source and tolerance.</p>"
    ]
    for i, (path, body) in enumerate(zip(docs, checked, strict=True)):
        model = CheckedArticle.model_validate(body)
        title = model.article.title or path.name
        parts.append(
            f'<div class="tw-news"><h3>{esc(title)} <span class="tw-muted">({esc(path.name)})'
            f"</span></h3>{article_fragment(model, prefix=f'a{i + 1}', level=4)}</div>"
        )
    try:
        items = api_news.timeline(checked=checked)
    except ImportError:
        timeline = "<p class=pending>The merged timeline has not landed.</p>"
    else:
        timeline = f'<div class="tw-news">{timeline_fragment(items)}</div>'
    parts.append(
        "<h3>The merged timeline: the schedule's dated measures and the events</h3>" + timeline
    )
    return f"<style>{NEWS_CSS}</style>" + "".join(parts)


TOUR_ENGINE_ROWS = 100_000


def _engines_section() -> str:
    """The same synthetic dataset rated by DuckDB and by Spark (``local[2]``): checksums."""
    import tempfile

    from ..config import store_path
    from ..engine.synthetic import output_checksum, partitioned_shipments
    from ..errors import TradewarError

    rows = []
    with tempfile.TemporaryDirectory(prefix="tradewar-tour-") as tmp:
        src = Path(tmp) / "shipments"
        partitioned_shipments(store_path(), TOUR_ENGINE_ROWS, src, "year")
        sums = set()
        for engine in ("duckdb", "spark"):
            try:
                result = api.bulk(src, Path(tmp) / f"rated_{engine}", engine=engine)
            except TradewarError as exc:
                rows.append([_e(engine), "not available", "", "", _e(exc)])
                continue
            check = output_checksum(result.output)
            sums.add(check["checksum"])
            rows.append(
                [
                    _e(engine),
                    f"{result.rated:,} rated, {result.rejected:,} rejected",
                    f"{result.seconds:.1f}",
                    f"${check['duty_sum'] / 1e6:,.1f}m",
                    f"<code>{_e(check['checksum'])}</code>",
                ]
            )
    agree = (
        "<p><b>The checksums agree.</b></p>"
        if len(sums) == 1 and len(rows) == 2 and all(r[1] != "not available" for r in rows)
        else "<p class=warn>Only one engine ran, or the checksums differ.</p>"
    )
    return (
        f"<p>{TOUR_ENGINE_ROWS:,} synthetic shipments (real leaf codes of both schedules, "
        "entry dates over 2018-2019), written as a Parquet dataset partitioned by year, "
        "rated by the one bulk plan (engine/plan.py) on each engine. The checksum covers "
        "every row's key, rates and duty and does not depend on row order. Spark's time "
        "includes starting its JVM; at this size DuckDB is much faster, see docs/scale.md "
        "for 1M-100M rows.</p>"
        + _table(["engine", "rows", "seconds", "duty", "checksum"], rows)
        + agree
    )


CSS = """
body{font-family:system-ui,sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;font-size:12px;margin:.5em 0 1.5em}
td,th{border:1px solid #ccc;padding:3px 6px;vertical-align:top;text-align:left}
th{background:#f3f3f3}.cite{color:#555;font-size:11px}.warn{color:#a40}
pre{background:#f6f6f6;padding:4px 8px}section{margin-bottom:2.5em}
.pending{border-left:4px solid #aaa;padding:.3em 1em;color:#555}
"""


def write_report(path: Path) -> Path:
    """Write the HTML report to ``path`` atomically and return its resolved path."""
    measures = api.lists()
    con = open_store()
    try:
        info = dict(con.execute("SELECT key, value FROM build_info").fetchall())
        coverage = con.execute(
            "SELECT importer, cov_from, cov_until, basis FROM coverage"
        ).fetchall()
        series = {imp: line_series(con, imp) for imp in ("US", "CN")}
        by_measure = {imp: measure_rate_series(con, imp) for imp in ("US", "CN")}
        ends = dict(con.execute("SELECT importer, cov_until FROM coverage").fetchall())
        validation = _validation_section(con)
    finally:
        con.close()
    cov = _table(
        ["importer", "from", "until (exclusive)", "basis"],
        [[_e(a), _e(b), _e(c), _e(d)] for a, b, c, d in coverage],
    )
    body = f"""
<h1>The US-China trade war, computed</h1>
<p>Built {_e(info.get("built_at"))} from the raw sources in <code>{_e(info.get("raw_dir"))}</code>
by tradewar {_e(info.get("tradewar_version"))}. Every rate below traces to a source file and row
and to a legal citation.</p>
<section><h2>Coverage</h2>{cov}</section>
<section><h2>The schedules: lists and rounds</h2>{_schedule_chart(by_measure, ends)}
{_lists_section(measures)}</section>
<section><h2>Tariff lines over time (unweighted)</h2>
<p>Counts and simple averages over tariff lines (leaf lines of each nomenclature), at every
date the schedule changes. These are not trade-weighted.</p>{_line_chart(series, ends)}</section>
<section><h2>The duty on a shipment</h2>{_examples_section()}</section>
<section><h2>Trade-weighted averages and coverage of trade</h2>{_averages_section()}</section>
<section><h2>Commitments and enforcement</h2>{_commitments_section()}</section>
<section><h2>Scenarios: what the alternatives would have cost</h2>{_scenarios_section()}</section>
<section><h2>Checked articles</h2>{_articles_section()}</section>
<section><h2>One plan, two engines: DuckDB and Spark</h2>{_engines_section()}</section>
<section><h2>Validation report of the build</h2>{validation}</section>
"""
    page = (
        "<!doctype html><html><head><meta charset=utf-8><title>tradewar report</title>"
        f"<style>{CSS}</style></head><body>{body}</body></html>"
    )
    path = path.resolve()
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(page, encoding="utf-8")
    os.replace(tmp, path)
    return path
