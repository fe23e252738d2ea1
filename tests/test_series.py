"""Trade-weighted series, coverage and charts (issue 3) on the real store.

Expected figures are read from the PIIE file itself (Bown, Jung & Zhang, June 2019),
sheets "Figure 1", "Figure 2" and "Sector Definition", not typed in here. The coverage
figures per round are SOURCES.md's sanity numbers (computed from the same file). The US
side (2024 HS10 imports carried back to the 2018-2020 lines) is checked against the
store's own tables and against ``api_check.list_coverage``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from tradewar.api import check as api_check
from tradewar.api import series as api_series
from tradewar.config import raw_dir
from tradewar.data.store import open_store

pytestmark = pytest.mark.realdata

PIIE = "mwaugh0328__consumption_and_tradewar/data/bown-jung-zhang-2019-06-12.xlsx"
TOLERANCE_PP = 0.05


@pytest.fixture(scope="module")
def piie_path() -> Path:
    path = raw_dir() / PIIE
    if not path.is_file():
        pytest.skip(f"{path} not found (set TRADEWAR_RAW)")
    return path


@pytest.fixture(scope="module")
def figure1(piie_path: Path) -> pd.DataFrame:
    """Figure 1 as read from the file: date, united_states, other (percent)."""
    sheet = pd.read_excel(piie_path, sheet_name="Figure 1", header=None)
    header = [str(c).split("\n")[0].strip() for c in sheet.iloc[0, 1:11]]
    rows = {str(sheet.iloc[i, 0]).strip(): sheet.iloc[i, 1:11].astype(float) for i in (1, 2)}
    return pd.DataFrame(
        {
            "date": [dt.datetime.strptime(h, "%B %d, %Y").date() for h in header],
            "united_states": rows["United States"].to_numpy(),
            "other": rows["Other Exporters"].to_numpy(),
        }
    )


@pytest.fixture(scope="module")
def ours(real_store: Path, figure1: pd.DataFrame) -> pd.DataFrame:
    """Our series at Figure 1's dates, with PIIE's own 2017 import weights."""
    dates = list(figure1["date"])
    us = api_series.series("CN", "US", dates=dates, store=real_store)
    other = api_series.series("CN", "other", dates=dates, store=real_store)
    return pd.DataFrame(
        {
            "date": dates,
            "united_states": [p["avg_trade_weighted"] for p in us],
            "other": [p["avg_trade_weighted"] for p in other],
        }
    )


def test_figure1_dates_are_the_schedule_changes(real_store: Path, figure1: pd.DataFrame):
    """The event steps of China's schedule on US goods are Figure 1's ten dates."""
    points = api_series.series(
        "CN", "US", "2018-01-01", "2019-06-01", step="event", store=real_store
    )
    assert [dt.date.fromisoformat(p["date"]) for p in points] == list(figure1["date"])


def test_figure1_moves_the_same_way(figure1: pd.DataFrame, ours: pd.DataFrame):
    """Every step of both Figure 1 series moves in the same direction as ours.

    The series start equal (no retaliation on 2018-01-01); the tariff toward other
    exporters does not move on the retaliation dates, in PIIE's figure and in ours.
    """
    for frame in (figure1, ours):
        assert frame["united_states"][0] == pytest.approx(frame["other"][0])
    for column in ("united_states", "other"):
        theirs = figure1[column].diff().iloc[1:].round(6)
        mine = ours[column].diff().iloc[1:].round(6)
        signs = [(a > 0) - (a < 0) for a in theirs], [(b > 0) - (b < 0) for b in mine]
        assert signs[0] == signs[1], (column, list(theirs), list(mine))


def test_figure1_weights_are_not_in_the_raw_data(piie_path: Path, real_store: Path):
    """Figure 1 is weighted by US exports to the world (its note says so); the store has
    US exports to the world only by HS2 chapter, so PIIE's weights cannot be rebuilt."""
    sheet = pd.read_excel(piie_path, sheet_name="Figure 1", header=None)
    notes = " ".join(str(v) for v in sheet.iloc[:, 0] if isinstance(v, str))
    assert "weighted by US exports to the world in 2017" in notes

    con = open_store(real_store)
    try:
        levels = con.execute(
            "SELECT list(DISTINCT product_level) FROM flows "
            "WHERE reporter = 'US' AND partner = 'World' AND flow = 'export'"
        ).fetchone()[0]
    finally:
        con.close()
    assert levels == ["HS2"]


@pytest.mark.xfail(
    strict=True,
    reason="PIIE's Figure 1 is weighted by 2017 US exports to the world (Trade Map, "
    "product level), which the raw data lacks; see the docstring",
)
def test_figure1_levels_within_005_points(figure1: pd.DataFrame, ours: pd.DataFrame):
    """PIIE Figure 1 levels within 0.05 percentage points: not reproducible here.

    Residual (percentage points, ours minus PIIE, with China's 2017 imports from the US
    by HS8 from the same file, HS10 lines averaged within HS8): about -2.0 on
    2018-01-01 and -5.1 on 2019-06-01 toward the US, -2.0 to -1.8 toward others.
    Cause: the note under Figure 1 (cell A38) says the averages are "weighted by US
    exports to the world in 2017"; those product-level values (ITC Trade Map) are not
    in the raw data (the Census file gives US exports to the world by HS2 only, which
    brings 2018-01-01 to +0.56 and 2019-06-01 to -0.43: closer, still not 0.05). The
    schedule itself agrees: every step moves the same way (test above), the dates are
    Figure 1's dates, and the 2017 covered values of PIIE's Figure 2, computed with the
    file's imports, are reproduced (test below). Strict: when product-level weights
    arrive, this test passes and the xfail must go.
    """
    diff = (ours[["united_states", "other"]] - figure1[["united_states", "other"]]).abs()
    table = pd.concat([figure1, ours.add_prefix("ours_")], axis=1).to_string()
    assert (diff.max() <= TOLERANCE_PP).all(), table


def test_figure2_covered_value_by_sector(piie_path: Path, real_store: Path):
    """PIIE Figure 2: 2017 imports covered by retaliation per sector (June 2019).

    A weight code (HS8) counts as covered when any of its HS10 lines bears a
    retaliatory duty; suspended auto lines do not. Tolerance: 0.005bn per sector (the
    figure gives 6 decimals of a billion; "All other goods" differs by about $2m).
    """
    fig2 = pd.read_excel(piie_path, sheet_name="Figure 2", header=None).iloc[1:13, :3]
    fig2.columns = ["sector", "not_covered", "covered"]
    sectors = pd.read_excel(piie_path, sheet_name="Sector Definition", dtype=str)
    sectors = sectors.set_axis(["code", "description", "sector"], axis=1)
    codes = pd.DataFrame(api_series.weight_codes("CN", "US", "2019-06-01", store=real_store))
    merged = codes.merge(sectors, on="code", how="left")
    assert merged["sector"].notna().all()
    merged["covered_value"] = merged["value_usd"].where(merged["covered"], 0.0)
    ours = merged.groupby(merged["sector"].str.strip())[["covered_value", "value_usd"]].sum()
    for row in fig2.itertuples():
        # the "Sector Definition" sheet cuts the last letter of some sector names
        key = next(k for k in ours.index if str(row.sector).startswith(k))
        total = float(row.covered) + float(row.not_covered)
        assert ours.loc[key, "covered_value"] / 1e9 == pytest.approx(row.covered, abs=0.005)
        assert ours.loc[key, "value_usd"] / 1e9 == pytest.approx(total, abs=0.005)


def test_coverage_per_round(real_store: Path):
    """2017 imports covered by each round (SOURCES.md: $3.0/33.8/14.2/53.4bn), against
    the announced $3/34/16/60bn; lines per round and the June 2019 increase."""
    result = api_series.coverage("CN", store=real_store)
    by_id = {m["measure_id"]: m for m in result["measures"]}
    expected = {  # measure: (first date, HS10 lines, USD bn, announced USD bn)
        "cn.ret.r232": ("2018-04-02", 169, 3.0, 3),
        "cn.ret.r1": ("2018-07-06", 726, 33.8, 34),
        "cn.ret.r2": ("2018-08-23", 535, 14.2, 16),
        "cn.ret.r3": ("2018-09-24", 7368, 53.4, 60),
    }
    for measure, (first, lines, value, announced) in expected.items():
        m = by_id[measure]
        assert m["first_date"] == first
        assert m["lines"] == lines
        assert m["covered_value_usd"] / 1e9 == pytest.approx(value, abs=0.05)
        assert m["announced_value_usd_bn"] == announced
        assert 0.85 < m["covered_vs_announced"] <= 1.0
    raised = next(s for s in by_id["cn.ret.r3"]["steps"] if s["date"] == "2019-06-01")
    assert raised["lines_changed"] == 6371
    assert raised["value_changed_usd"] / 1e9 == pytest.approx(35.5, abs=0.05)
    suspended = sum(
        s["lines_changed"]
        for m in ("cn.ret.r1", "cn.ret.r2", "cn.ret.r3")
        for s in by_id[m]["steps"]
        if s["date"] == "2019-01-01"
    )
    assert suspended == 343


def test_series_decomposes_and_steps_agree(real_store: Path):
    """MFN part + measures' parts = the average; day and month steps repeat the events."""
    events = api_series.series("CN", "US", "2018-01-01", "2019-12-31", store=real_store)
    for p in events:
        parts = sum(m["contribution"] for m in p["by_measure"])
        assert parts == pytest.approx(p["avg_additional"], abs=1e-5)
        assert p["avg_mfn"] + p["avg_additional"] == pytest.approx(
            p["avg_trade_weighted"], abs=1e-5
        )
        assert p["matched"]["value_usd"] + p["unmatched"]["value_usd"] == pytest.approx(
            p["weights"]["total_value_usd"]
        )
        assert not p["warnings"]
    by_date = [(dt.date.fromisoformat(p["date"]), p["avg_trade_weighted"]) for p in events]
    for step in ("day", "month"):
        points = api_series.series(
            "CN", "US", "2018-01-01", "2019-12-31", step=step, store=real_store
        )
        for p in points:
            day = dt.date.fromisoformat(p["date"])
            expected = [v for d, v in by_date if d <= day][-1]
            assert p["avg_trade_weighted"] == pytest.approx(expected)
    assert len(points) == 24


def test_flow_checks_pass(real_store: Path):
    """Every trade-flow cross-check of the build (SOURCES.md totals) passed."""

    con = open_store(real_store)
    try:
        rows = con.execute("SELECT name, expected, observed, ok FROM checks "
                           "WHERE name LIKE 'flows_%'").fetchall()  # fmt: skip
    finally:
        con.close()
    assert len(rows) >= 20
    assert all(ok for *_, ok in rows), [r for r in rows if not r[3]]


def _cli(home: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "TRADEWAR_HOME": str(home)}
    return subprocess.run(
        [str(Path(sys.executable).parent / "tradewar"), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_cli_series_json_and_plot(real_store: Path, tmp_path: Path):
    """The acceptance command prints a list of points; --plot writes a non-empty PNG."""
    png = tmp_path / "out.png"
    run = _cli(
        real_store.parent,
        "series", "--importer", "CN", "--origin", "US", "--step", "event",
        "--from", "2018-01-01", "--to", "2019-06-30", "--json", "--plot", str(png),
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    points = json.loads(run.stdout)
    assert len(points) == 11  # the ten schedule changes and the end date
    for key in ("date", "avg_trade_weighted", "avg_simple", "covered_share",
                "covered_value", "weights", "by_measure"):  # fmt: skip
        assert key in points[0]
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert png.stat().st_size > 10_000
    page = tmp_path / "out.html"
    api_series.plot(
        [api_series.series("CN", "other", "2018-01-01", "2019-06-30", store=real_store)], page
    )
    text = page.read_text()
    assert "<svg" in text and "<script" not in text and "<link" not in text


def test_cli_bad_arguments_exit_2(real_store: Path):
    """Unknown side, date outside coverage, unknown weights, weights of the other side."""
    cases = {
        ("series", "--importer", "XX"): "unknown importer",
        ("series", "--importer", "CN", "--origin", "JP"): "origin 'JP'",
        ("series", "--importer", "CN", "--from", "2017-06-01"): "outside the CN schedule",
        ("series", "--importer", "CN", "--weights", "nope"): "unknown weights",
        ("series", "--importer", "US", "--weights", "piie-2017"): "weight the CN schedule",
        ("coverage", "--importer", "US", "--weights", "census-hs2-2017"): "product-level",
    }
    for args, message in cases.items():
        run = _cli(real_store.parent, *args)
        assert run.returncode == 2, (args, run.stderr)
        lines = run.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error:"), run.stderr
        assert message in lines[0]


# --- US side: 2024 HS10 imports carried back to the 2018-2020 lines ----------------------

US_RISES = ("2018-07-06", "2018-08-23", "2018-09-24", "2019-05-10", "2019-09-01")
US_FALLS = ("2020-02-14",)  # List 4A cut from 15% to 7.5%
USD_TOLERANCE = 1.0  # float sums of ~14,000 codes of up to $40bn each
LIST_TOLERANCE_BN = 1.0  # 2024 codes with no 2018-2020 predecessor, or split across lists


@pytest.fixture(scope="module")
def us_points(real_store: Path) -> list[dict]:
    """The US series on China at event steps, default weights (census-hs10-2024)."""
    return api_series.series("US", "CN", "2018-01-01", "2020-12-31", store=real_store)


def test_us_series_event_steps(us_points: list[dict]):
    """The default US weights are product level; the average rises on each tariff action
    and falls on the List 4A cut; parts add up; no warning."""
    dates = [p["date"] for p in us_points]
    assert dates[0] == "2018-01-01"
    assert {*US_RISES, *US_FALLS} <= set(dates)
    avg = {p["date"]: p["avg_trade_weighted"] for p in us_points}
    before = {d: us_points[i - 1]["avg_trade_weighted"] for i, d in enumerate(dates) if i}
    for day in US_RISES:
        assert avg[day] > before[day] + 0.4, (day, before[day], avg[day])
    for day in US_FALLS:
        assert avg[day] < before[day] - 1.0, (day, before[day], avg[day])
    assert us_points[0]["avg_additional"] == 0.0
    for p in us_points:
        assert p["weights"]["name"] == "census-hs10-2024"
        assert p["weights"]["year"] == 2024
        assert p["avg_mfn"] + p["avg_additional"] == pytest.approx(
            p["avg_trade_weighted"], abs=1e-5
        )
        assert sum(m["contribution"] for m in p["by_measure"]) == pytest.approx(
            p["avg_additional"], abs=1e-5
        )
        assert not p["warnings"]


def test_us_weights_total_and_drift(real_store: Path, us_points: list[dict]):
    """On every date the weights on the lines add up to the 2024 import value whose code
    has a 2018-2020 predecessor in force (computed here from flows, us_code_map and
    panel), within $1; identity + changed + unmatched = all 2024 imports; unmatched
    value is reported with its reasons."""

    con = open_store(real_store)
    try:
        total = con.execute(
            "SELECT sum(value_usd) FROM flows WHERE reporter = 'US' AND partner = 'CN' "
            "AND flow = 'import' AND product_level = 'HS10' "
            "AND period_start >= DATE '2024-01-01' AND period_end <= DATE '2025-01-01'"
        ).fetchone()[0]
        reached = dict(
            con.execute(
                """WITH d AS (SELECT unnest(?::DATE[]) AS ed),
                   live AS (SELECT DISTINCT d.ed, p.code FROM d JOIN panel p
                            ON p.importer = 'US' AND p.origin_group = 'CN' AND p.is_leaf
                            AND p.valid_from <= d.ed AND p.valid_until > d.ed),
                   hit AS (SELECT DISTINCT l.ed, m.new_code FROM live l
                           JOIN us_code_map m ON m.old_code = l.code)
                   SELECT h.ed, sum(f.value_usd) FROM hit h
                   JOIN flows f ON f.code = h.new_code AND f.reporter = 'US'
                    AND f.partner = 'CN' AND f.flow = 'import' AND f.product_level = 'HS10'
                   GROUP BY h.ed""",
                [[p["effective_from"] for p in us_points]],
            ).fetchall()
        )
    finally:
        con.close()
    assert total / 1e9 == pytest.approx(429.4, abs=0.05)  # SOURCES.md
    for p in us_points:
        d = p["drift"]
        assert p["weights"]["total_value_usd"] == pytest.approx(total, abs=USD_TOLERANCE)
        assert d["total_value_usd"] == pytest.approx(total, abs=USD_TOLERANCE)
        on_lines = reached[dt.date.fromisoformat(p["effective_from"])]
        un = d["unmatched"]
        assert on_lines == pytest.approx(
            p["matched"]["value_usd"] + un["no_rate"]["value_usd"], abs=USD_TOLERANCE
        )
        assert d["identity"]["value_usd"] + d["changed"]["value_usd"] == pytest.approx(
            p["matched"]["value_usd"], abs=USD_TOLERANCE
        )
        assert d["identity"]["value_usd"] + d["changed"]["value_usd"] + un[
            "value_usd"
        ] == pytest.approx(total, abs=USD_TOLERANCE)
        assert un["value_usd"] == pytest.approx(p["unmatched"]["value_usd"], abs=USD_TOLERANCE)
        assert sum(m["value_usd"] for m in d["changed"]["by_method"]) == pytest.approx(
            d["changed"]["value_usd"], abs=USD_TOLERANCE
        )
        # Census-only codes (the $5.1bn 9999.95 low-value estimate, watch parts) and 2024
        # codes new since 2020 (8524 panels, 8806 drones, ...): reported, not weighted
        assert un["not_in_code_map"]["value_usd"] / 1e9 == pytest.approx(5.36, abs=0.01)
        assert un["no_2018_2020_predecessor"]["value_usd"] / 1e9 == pytest.approx(2.99, abs=0.01)
        assert p["unmatched"]["no_line"]["top"][0]["code"] == "2024:9999950000"
        assert 0.70 < d["identity"]["share"] < 0.80
        assert d["changed"]["top"][0]["code"] == "8517130000"  # smartphones


def test_us_weight_codes_carry_method(real_store: Path):
    """Each weight code is a 2018-2020 line with the 2024 codes carried onto it, each
    with its us_code_map method; smartphones (8517.13, new in 2022) are split evenly
    over their two 2018-2020 predecessors, 8517.12.00.50 and .80 (a curated link,
    data/concordance/hts_overrides.yaml)."""
    codes = api_series.weight_codes("US", "CN", "2019-09-01", store=real_store)
    by_code = {c["code"]: c for c in codes}
    same = by_code["8517620090"]
    assert same["methods"] == ["identity"]
    phones = [
        (c["code"], s["value_usd"])
        for c in codes
        for s in c["sources"] or []
        if s["code"] == "8517130000"
    ]
    assert sorted(code for code, _v in phones) == ["8517120050", "8517120080"]
    assert phones[0][1] == pytest.approx(phones[1][1])
    assert all(c["code"].startswith("2024:") for c in codes if c["lines"] is None)


def test_us_coverage_per_list_vs_list_coverage(real_store: Path):
    """Each list's covered value at 2024 weights against api_check.list_coverage.

    list_coverage rates the 2024 lines through the panel on 2024-01-01; here 2024 values
    are carried back to the 2018-2020 lines. Lists 1 and 2 agree within
    LIST_TOLERANCE_BN ($1bn), and so does List 3 (9903.88.03 and .04); List 4A within
    $2.5bn (a 2024 code split across several predecessors spreads its value over lists,
    where the 2024 panel puts each line on one list). List 4B never applied (suspended):
    0 here and in the panel, which names no heading at rate 0.
    """
    ours = {m["measure_id"]: m for m in api_series.coverage("US", store=real_store)["measures"]}
    theirs = {
        r["heading"]: r["value_2024_usd_bn"]["ours"]
        for r in api_check.list_coverage(store=real_store)["lists"]
    }
    pairs = {
        "us.s301.list1": (theirs["9903.88.01"], LIST_TOLERANCE_BN),
        "us.s301.list2": (theirs["9903.88.02"], LIST_TOLERANCE_BN),
        "us.s301.list3": (theirs["9903.88.03"] + theirs["9903.88.04"], LIST_TOLERANCE_BN),
        "us.s301.list4a": (theirs["9903.88.15"], 2.5),
    }
    for measure, (value, tolerance) in pairs.items():
        assert ours[measure]["covered_value_usd"] / 1e9 == pytest.approx(value, abs=tolerance), (
            measure
        )
    for m in ours.values():
        split = m["covered_by_mapping"]
        assert split["identity_usd"] + split["changed_usd"] == pytest.approx(
            m["covered_value_usd"], abs=USD_TOLERANCE
        )
    assert [ours[f"us.s301.list{k}"]["first_date"] for k in ("1", "2", "3", "4a")] == [
        "2018-07-06", "2018-08-23", "2018-09-24", "2019-09-01",
    ]  # fmt: skip
    assert ours["us.s301.list4b"]["first_date"] is None
    assert ours["us.s301.list4b"]["covered_value_usd"] == 0.0
    assert theirs["9903.88.16"] == 0.0
    for m in (ours[f"us.s301.list{k}"] for k in ("1", "2", "3", "4a")):
        assert m["covered_vs_announced"] < 1.0  # 2024 values, below USTR's 2017-2018 ones


def test_cli_us_series_json(real_store: Path):
    """The acceptance command for the US side works with the default weights."""
    run = _cli(
        real_store.parent,
        "series", "--importer", "US", "--origin", "CN", "--step", "event",
        "--from", "2018-01-01", "--to", "2020-12-31", "--json",
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    points = json.loads(run.stdout)
    assert {*US_RISES, *US_FALLS} <= {p["date"] for p in points}
    assert all(p["drift"]["identity"]["value_usd"] > 0 for p in points)
    run = _cli(real_store.parent, "coverage", "--importer", "US", "--json")
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["weights"]["name"] == "census-hs10-2024"


# PIIE's US-side points under each US weight option, as measured on the real data (the
# 1.5 pp tolerance of data/benchmarks/piie_us_points.yaml is met only at 2018-01; the
# list-calibrated option comes nearest: 2.6 / 2.0 / 2.1 points short after 2018-01)
MEASURED_PIIE = {
    "census-hs10-2024": (2.55, 7.09, 14.00, 12.33),
    "census-hs2-2017": (3.12, 14.59, 23.38, 21.62),
    "census-hs2-2017-hs10-2024": (2.78, 7.62, 14.95, 13.24),
    "census-hs2-2017-lists": (2.91, 9.45, 19.01, 17.21),
}


def test_piie_check_under_each_weight_option(real_store: Path):
    """The blend keeps the 2017 chapter totals, spreads them by 2024 HS10 shares, and is
    reported against PIIE's four US points with the stated tolerance."""
    result = api_series.piie_check(store=real_store)
    assert result["tolerance_pp"] == 1.5 and result["secondary"]
    by = {o["weights"]: o for o in result["options"]}
    assert set(by) == set(MEASURED_PIIE)
    for name, expected in MEASURED_PIIE.items():
        ours = [p["ours"] for p in by[name]["points"]]
        assert ours == pytest.approx(expected, abs=0.02), name
        for p in by[name]["points"]:
            assert p["difference_pp"] == pytest.approx(p["ours"] - p["piie"], abs=1e-3)
            assert p["within"] == (abs(p["difference_pp"]) <= 1.5)
    assert [p["piie"] for p in by["census-hs2-2017"]["points"]] == [3.1, 12.0, 21.0, 19.3]
    blend = api_series.series(
        "US", "CN", dates=["2019-09-01"], weights="census-hs2-2017-hs10-2024", store=real_store
    )[0]
    # the blend's weights add up to the 2017 chapter totals, and are product level
    assert blend["weights"]["year"] == 2017 and blend["weights"]["level"] == "HS10"
    assert blend["drift"]["total_value_usd"] == pytest.approx(
        blend["weights"]["total_value_usd"], abs=USD_TOLERANCE
    )
    assert blend["weights"]["total_value_usd"] == pytest.approx(503.65e9, rel=1e-3)
    assert not blend["warnings"]


def test_list_calibrated_weights_hold_both_margins(real_store: Path):
    """census-hs2-2017-lists keeps the 2017 chapter totals and puts each Section 301 list
    in force on 2019-09-01 at the value USTR announced for it (the measures' cited
    announced_value_usd_bn): fitted by IPF on the chapter x list table of 2024 values."""
    point = api_series.series(
        "US", "CN", dates=["2019-09-01"], weights="census-hs2-2017-lists", store=real_store
    )[0]
    assert not point["warnings"]
    assert point["weights"]["year"] == 2017 and point["weights"]["level"] == "HS10"
    assert point["weights"]["total_value_usd"] == pytest.approx(503.65e9, rel=1e-3)
    assert point["drift"]["total_value_usd"] == pytest.approx(
        point["weights"]["total_value_usd"], abs=USD_TOLERANCE
    )
    covered = {m["measure_id"]: m["covered_value"] for m in point["by_measure"]}
    # within 3% of the margin: a 2024 code whose predecessors sit on different lists
    # takes the sum of its cells' fitted values, which the carry-back then splits evenly
    # over the predecessors (List 2 lands at $15.7bn, List 1 at $34.2bn)
    for measure, announced_bn in (("us.s301.list1", 34), ("us.s301.list2", 16),
                                  ("us.s301.list3", 200), ("us.s301.list4a", 120)):  # fmt: skip
        assert covered[measure] == pytest.approx(announced_bn * 1e9, rel=0.03), measure
    # the lists' additional duty is then set by the announced values: List 1-3 at 25%
    # and 4A at 15% on 2019-09-01 give (50 x 25% + 200 x 25% + 120 x 15%) / 493 bn matched
    listed = sum(m["contribution"] for m in point["by_measure"] if "s301" in m["measure_id"])
    # (16.3 points; 16.1 measured, the carried values being within 3% of the margins)
    assert listed == pytest.approx(100 * 80.5e9 / point["matched"]["value_usd"], abs=0.3)


def test_us_series_to_today(real_store: Path):
    """From 2018-01-01 to the coverage end at 2024 HS10 weights, a step at every measure
    (IEEPA, the Geneva cut, Section 122, forced-labour 301), parts adding up."""
    points = api_series.series("US", "CN", store=real_store)
    dates = [p["date"] for p in points]
    assert dates[0] == "2018-01-01" and points[-1]["to"] >= "2026-09-30"
    steps = ("2024-09-27", "2025-02-04", "2025-03-04", "2025-04-10", "2025-05-14",
             "2025-11-10", "2026-02-24", "2026-07-24")  # fmt: skip
    assert set(steps) <= set(dates)
    avg = {p["date"]: p["avg_trade_weighted"] for p in points}
    assert avg["2025-04-10"] > 100 > avg["2025-05-14"] > avg["2025-01-01"] + 20
    assert avg["2026-02-24"] < avg["2025-11-10"]
    for p in points:
        assert not p["warnings"], (p["date"], p["warnings"])
        assert sum(m["contribution"] for m in p["by_measure"]) == pytest.approx(
            p["avg_additional"], abs=1e-5
        )
