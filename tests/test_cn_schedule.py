"""China's schedule (importer CN): the PIIE loader, the HS6 round and the cross-checks.

Unit tests run on small hand-written files in the shape of the raw sources; the
real-data tests need the shared raw directory and are skipped without it.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tradewar.config import authored_dir, raw_dir
from tradewar.data.report import ValidationReport
from tradewar.data.sources import cn_2025
from tradewar.data.sources.cn_piie import (
    HS6_FILE,
    MOF_232_FILE,
    PIIE_FILE,
    PIIE_SHEET,
    load_cn,
    merge_runs,
    read_piie,
)
from tradewar.model.measures import MeasureFile, load_measure_file

NAN = float("nan")
HEADERS = [
    "hs10",
    "description",
    "January 1, 2018\nMFN Tariff Rates",
    "April 2, 2018\nRetaliation to US Section 232 tariffs",
    "May 1, 2018\nChange of MFN tariffs on pharmeceuticals",
    "July 1, 2018\nChange of MFN tariffs on consumer goods, autos, and ITA products",
    "July 6, 2018\nRetaliation to US Section 301 tariffs ($34 billion)",
    "August 23, 2018\nRetaliation to US Section 301 tariffs ($16 billion)",
    "September 24, 2018\nRetaliation to US Section 301 tariffs ($60 billion)",
    "November 1, 2018\nChange of MFN tariffs industry goods",
    "January 1, 2019\nChange of temporary MFN rates for 2019",
    "January 1, 2019\nSuspension of retaliation against US auto and parts (Section 301)",
    "June 1, 2019\nChange of retaliation tariffs on some US products (subset of $60 billion)",
]
# code, description, mfn, r232, May1, Jul1, r1, r2, r3, Nov1, Jan19, suspension, Jun1
PIIE_ROWS: list[list[object]] = [
    ["0203290010", "Meat of swine: Frozen: Other: pork", 12, 25, 0, 0, 25, 0, 0, 0, 0, 0, 0],
    ["1201901000", "Soya beans: Other: Yellow", 3, 0, 0, 0, 25, 0, 0, 0, 0, 0, 0],
    ["3702520000", "Photographic film: width <= 16mm", NAN, 0, NAN, NAN, 0, 0, 5, NAN, NAN, 0, 0],
    ["3901200090", "Polyethylene: sg >= 0.94: Other", 6.5, 0, 0, 0, 0, 25, 0, 0, 0, 0, 0],
    ["8525801200B", "Transmitters: value > 2000 USD", NAN, 0, NAN, NAN, 0, 0, 10, 0, 0, 0, 15],
    ["8703234210", "Motor cars: 1500-2000cc: Other", 25, 0, 0, -10, 25, 0, 0, 0, 0, -25, 0],
    ["12345", "not a code", 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    ["2002100000", "Tomatoes: whole", 250, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
]
# hs6 -> levels on 2019-06-01, 2019-09-01, 2019-12-26 (percent)
HS6_LEVELS = {
    "020329": (62, 72, 72),
    "120190": (28, 33, 33),
    "370252": (5, 5, 5),
    "390120": (31.5, 36.5, 6.5),
    "852580": (25, 35, 35),
    "870323": (15, 18, 18),
    "200210": (0, 0, 0),
}
MOF_ROWS = [["1", "02032900", "其他冻猪肉", 25], ["2", "08011100", "干的椰子", 15]]


def _write_raw(
    root: Path,
    piie_rows: list[list[object]] | None = None,
    hs6_levels: dict[str, tuple[float, float, float]] | None = None,
) -> Path:
    piie = root / PIIE_FILE
    piie.parent.mkdir(parents=True, exist_ok=True)
    frame = pd.DataFrame(piie_rows or PIIE_ROWS, columns=HEADERS)
    frame.to_excel(piie, sheet_name=PIIE_SHEET, index=False)
    rows = [
        (date, code, level)
        for code, levels in (hs6_levels or HS6_LEVELS).items()
        for date, level in zip(("2019-06-01", "2019-09-01", "2019-12-26"), levels, strict=True)
    ]
    hs6 = root / HS6_FILE
    hs6.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows, columns=["time_of_tariff", "hs6", "tariff"]).to_csv(hs6, index=False)
    mof = root / MOF_232_FILE
    mof.parent.mkdir(parents=True, exist_ok=True)
    sheet = [["附件：", None, None, None], ["清单", None, None, None], [None] * 4, [None] * 4]
    sheet += [["序号", "税则号列", "商品名称", "加征关税税率(%)"], *MOF_ROWS]
    pd.DataFrame(sheet).to_excel(mof, index=False, header=False)
    ita = root / cn_2025.ITA_FILE
    ita.parent.mkdir(parents=True, exist_ok=True)
    ita.write_text(
        " Foreign National Tariff Line,Country,Foreign Tariff Line Description,"
        "Current Total Estimated Retaliatory Tariff,Source.Name,HS Subheading,Tariff Line\n"
        '02032900,China,"Meat of swine: --Other",65.0%,m.xlsx,020329,x\n'
    )
    for rate, file in cn_2025.MAR_FILES.items():
        (root / file).parent.mkdir(parents=True, exist_ok=True)
        rows = "1,02032900,冻猪肉,10\n" if rate == 0.10 else ""
        (root / file).write_text("line_no,hs8,name_zh,additional_rate_pct\n" + rows)
    return root


def _measure_files() -> list[tuple[Path, MeasureFile]]:
    directory = authored_dir() / "measures" / "cn"
    return [(p, load_measure_file(p)) for p in sorted(directory.glob("*.yaml"))]


def _active(layers: pd.DataFrame, code: str, day: dt.date) -> pd.DataFrame:
    """Layers that apply to line ``code`` on ``day`` (prefix match, no condition)."""
    hit = layers[[code.startswith(c) for c in layers["code"]]]
    until = hit["valid_until"]
    live = (hit["valid_from"] <= day) & (until.isna() | (until > day))
    return hit[live & hit["condition"].isna()]


def _total(layers: pd.DataFrame, code: str, day: dt.date) -> float:
    active = _active(layers, code, day)
    assert active["rate"].notna().all(), f"{code} has an unknown layer on {day}"
    return float(active["rate"].sum())


def _issues(report: ValidationReport, severity: str) -> list[tuple[str, int | None, str, str]]:
    return [(i.source, i.row, i.value, i.reason) for i in report.issues if i.severity == severity]


def _check(report: ValidationReport, name: str):
    matches = [c for c in report.checks if c.name == name]
    assert matches, f"no check {name}"
    return matches[0]


@pytest.fixture
def fixture_run(tmp_path: Path) -> tuple[pd.DataFrame, pd.DataFrame, ValidationReport]:
    raw = _write_raw(tmp_path)
    report = ValidationReport()
    layers, lines, _tables = load_cn(raw, _measure_files(), report)
    return layers, lines, report


D = dt.date


def test_totals_stack_mfn_and_rounds(fixture_run):
    layers, _, _ = fixture_run
    assert _total(layers, "0203290010", D(2018, 1, 1)) == pytest.approx(0.12)
    assert _total(layers, "0203290010", D(2018, 4, 2)) == pytest.approx(0.37)
    assert _total(layers, "0203290010", D(2018, 7, 6)) == pytest.approx(0.62)
    assert _total(layers, "1201901000", D(2018, 7, 5)) == pytest.approx(0.03)
    assert _total(layers, "1201901000", D(2018, 7, 6)) == pytest.approx(0.28)
    # the MFN cut of 2018-07-01 on the car, then the round and its suspension
    assert _total(layers, "8703234210", D(2018, 7, 1)) == pytest.approx(0.15)
    assert _total(layers, "8703234210", D(2018, 12, 31)) == pytest.approx(0.40)
    assert _total(layers, "8703234210", D(2019, 1, 1)) == pytest.approx(0.15)


def test_rounds_have_their_own_override_group(fixture_run):
    layers, _, _ = fixture_run
    pork = _active(layers, "0203290010", D(2018, 7, 6))
    assert set(pork["override_group"]) == {"cn.mfn", "cn.ret.r232", "cn.ret.r1"}
    assert set(pork.loc[pork.authority == "Retaliation", "origin"]) == {"US"}
    assert set(pork.loc[pork.authority == "MFN", "origin"]) == {"*"}


def test_suspension_is_a_suspended_zero_step(fixture_run):
    layers, _, report = fixture_run
    car = layers[(layers.code == "8703234210") & (layers.measure_id == "cn.ret.r1")]
    assert list(car["rate"]) == [0.25, 0.0]
    assert list(car["status"]) == ["in_force", "suspended"]
    assert car["valid_until"].iloc[0] == D(2019, 1, 1)
    assert car["valid_until"].iloc[1] == cn_2025.SWITCH  # the 2018 lines end there
    # lines of the round that are not suspended run on in one layer
    soy = layers[(layers.code == "1201901000") & (layers.measure_id == "cn.ret.r1")]
    assert len(soy) == 1 and soy["valid_until"].iloc[0] == cn_2025.SWITCH
    assert _check(report, "cn_auto_suspension_equals_rounds").ok


def test_suspension_mismatch_is_reported(tmp_path):
    rows = [list(r) for r in PIIE_ROWS]
    rows[5][11] = -5  # the car's suspension no longer equals minus its 25%
    report = ValidationReport()
    load_cn(_write_raw(tmp_path, rows), _measure_files(), report)
    assert not _check(report, "cn_auto_suspension_equals_rounds").ok
    assert any("8703234210" in v for _, _, v, _ in _issues(report, "difference"))


def test_third_round_increase(fixture_run):
    layers, _, _ = fixture_run
    line = "8525801200B"
    r3 = layers[(layers.code == line) & (layers.measure_id == "cn.ret.r3")]
    assert list(r3["valid_from"]) == [D(2018, 9, 24), D(2019, 6, 1)]
    assert list(r3["rate"]) == pytest.approx([0.10, 0.25])


def test_unknown_mfn_kept_null_and_warned(fixture_run):
    layers, _, report = fixture_run
    for code, row in (("3702520000", 4), ("8525801200B", 6)):
        mfn = layers[(layers.code == code) & (layers.measure_id == "cn.mfn")]
        assert len(mfn) == 1
        assert mfn["rate"].isna().all()
        assert (mfn["rate_kind"] == "unknown").all()
        assert any(
            s == PIIE_FILE and r == row and v == code and "no MFN rate" in why
            for s, r, v, why in _issues(report, "warning")
        )
    # retaliation on those lines is still known
    film = _active(layers, "3702520000", D(2018, 10, 1))
    assert film.loc[film.authority == "Retaliation", "rate"].tolist() == [0.05]


def test_bad_rows_are_reported_with_excel_rows(fixture_run):
    layers, lines, report = fixture_run
    rejected = _issues(report, "rejected")
    assert (PIIE_FILE, 8, "12345", "not a 10-digit code (optionally ending in A/B)") in rejected
    assert "12345" not in set(lines.code)
    # an MFN value above 200% is rejected and the line kept with an unknown rate
    assert any(r == 9 and "outside" in why for _, r, _, why in rejected)
    tomato = layers[(layers.code == "2002100000") & (layers.measure_id == "cn.mfn")]
    assert tomato["rate"].isna().all()


def test_hs6_round_is_an_approximation(fixture_run):
    layers, _, report = fixture_run
    soy = _active(layers, "1201901000", D(2019, 9, 1))
    r4 = soy[soy.measure_id == "cn.ret.r4"]
    assert r4["code"].tolist() == ["120190"]
    assert r4["code_level"].tolist() == [6]
    assert r4["precision"].tolist() == ["hs6-approximation"]
    assert "HS6 approximation" in r4["note"].iloc[0]
    assert _total(layers, "1201901000", D(2019, 9, 1)) == pytest.approx(0.33)
    assert _check(report, "cn_hs6_vs_piie_2019-06-01").ok
    # an increase that is not 5 or 10 is kept and reported
    warned = [(v, why) for _, _, v, why in _issues(report, "warning")]
    assert any(v == "870323" and "not 5 or 10" in why for v, why in warned)


def test_exclusion_is_a_labelled_conditional_layer(fixture_run):
    layers, _, report = fixture_run
    excl = layers[layers.measure_id == "cn.ret.excl.2019-12"]
    assert excl["code"].tolist() == ["390120"]
    assert excl["rate"].tolist() == pytest.approx([-0.30])
    assert excl["precision"].tolist() == ["hs6-approximation"]
    assert excl["condition"].notna().all()
    assert excl["valid_until"].tolist() == [D(2020, 12, 26)]
    assert _check(report, "cn_hs6_20191226_changes_back_to_mfn").ok


def test_hs6_mismatch_is_reported(tmp_path):
    levels = dict(HS6_LEVELS)
    levels["020329"] = (60, 70, 70)
    report = ValidationReport()
    load_cn(_write_raw(tmp_path, hs6_levels=levels), _measure_files(), report)
    check = _check(report, "cn_hs6_vs_piie_2019-06-01")
    assert not check.ok and check.observed == len(levels) - 1
    assert any(v == "020329 2019-06-01" for _, _, v, _ in _issues(report, "difference"))


def test_mof_list_cross_check(fixture_run):
    _, _, report = fixture_run
    check = _check(report, "cn_mof232_vs_piie_20180402")
    assert check.observed == 1 and not check.ok
    diffs = {v: why for s, _, v, why in _issues(report, "difference") if s == MOF_232_FILE}
    assert diffs == {"08011100": "on the MOF list, no PIIE 2018-04-02 rate"}


def test_lines(fixture_run):
    _, lines, _ = fixture_run
    assert set(lines.importer) == {"CN"}
    old, new = lines[lines.code_level != 8], lines[lines.code_level == 8]
    assert set(old.valid_from) == {D(2018, 1, 1)}
    # the 2018 HS10 lines end when the 2025 HS8 lines begin; HS6 parents stay open
    assert set(old.loc[old.code_level >= 10, "valid_until"]) == {cn_2025.SWITCH}
    assert old.loc[old.code_level == 6, "valid_until"].isna().all()
    assert set(new.valid_from) == {cn_2025.SWITCH} and "02032900" in set(new.code)
    by_code = lines.set_index("code")
    assert by_code.at["8525801200B", "code_level"] == 11
    assert by_code.at["0203290010", "description"].startswith("Meat of swine")
    assert by_code.at["120190", "code_level"] == 6
    assert by_code.at["120190", "source"] == HS6_FILE


def test_merge_runs_keeps_first_row_of_each_run():
    frame = pd.DataFrame(
        {
            "measure_id": ["m"] * 4,
            "code": ["1", "1", "1", "2"],
            "valid_from": [D(2018, 1, 1), D(2018, 5, 1), D(2019, 1, 1), D(2018, 1, 1)],
            "valid_until": [D(2018, 5, 1), D(2019, 1, 1), None, None],
            "rate": [0.1, 0.1, np.nan, np.nan],
            "status": ["in_force", "suspended", "in_force", "in_force"],
        }
    )
    out = merge_runs(frame)
    assert out["valid_from"].tolist() == [D(2018, 1, 1), D(2019, 1, 1), D(2018, 1, 1)]
    assert out["valid_until"].tolist()[0] == D(2019, 1, 1)
    assert out["status"].tolist()[0] == "in_force"


# --- real data ------------------------------------------------------------------------

needs_raw = pytest.mark.skipif(
    not (raw_dir() / PIIE_FILE).is_file(), reason="shared raw data not available"
)


@pytest.fixture(scope="module")
def real_run() -> tuple[pd.DataFrame, pd.DataFrame, ValidationReport]:
    report = ValidationReport()
    layers, lines, _tables = load_cn(raw_dir(), _measure_files(), report)
    return layers, lines, report


@needs_raw
@pytest.mark.realdata
def test_real_soybeans_and_pork(real_run):
    layers, _, _ = real_run
    for code in ("1201901000", "1201902000"):
        assert _total(layers, code, D(2018, 7, 6)) == pytest.approx(0.28)
    for code in ("0203290010", "0203290090"):
        assert _total(layers, code, D(2018, 7, 5)) == pytest.approx(0.37)
        assert _total(layers, code, D(2018, 7, 6)) == pytest.approx(0.62)
        assert _total(layers, code, D(2019, 6, 1)) == pytest.approx(0.62)


@needs_raw
@pytest.mark.realdata
def test_real_round_line_counts(real_run):
    layers, _, report = real_run
    ret = layers[layers.authority == "Retaliation"]

    def lines_from(measure: str, day: dt.date) -> int:
        rows = ret[(ret.measure_id == measure) & (ret.valid_from == day) & (ret.rate > 0)]
        return rows["code"].nunique()

    assert lines_from("cn.ret.r232", D(2018, 4, 2)) == 169
    assert lines_from("cn.ret.r1", D(2018, 7, 6)) == 726
    assert lines_from("cn.ret.r2", D(2018, 8, 23)) == 535
    assert lines_from("cn.ret.r3", D(2018, 9, 24)) == 7368
    assert lines_from("cn.ret.r3", D(2019, 6, 1)) == 6371
    old = ret[ret.code_level >= 10]
    assert old.loc[old.status == "suspended", "code"].nunique() == 343
    for name in (
        "cn_auto_suspension_equals_rounds",
        "cn_auto_suspension_items",
        "cn_mof232_vs_piie_20180402",
        "cn_hs6_vs_piie_2019-06-01",
        "cn_piie_lines",
    ):
        assert _check(report, name).ok, name


@needs_raw
@pytest.mark.realdata
def test_real_unknown_mfn_lines(real_run):
    layers, _, report = real_run
    warned = [v for s, _, v, why in _issues(report, "warning") if "no MFN rate" in why]
    assert len(warned) == 14
    mfn = layers[(layers.measure_id == "cn.mfn") & layers.code.isin(warned)]
    assert mfn["rate"].isna().all() and (mfn["rate_kind"] == "unknown").all()


@needs_raw
@pytest.mark.realdata
def test_real_sept_2019_round_is_hs6_approximation(real_run):
    layers, _, _ = real_run
    active = _active(layers, "1201901000", D(2019, 9, 1))
    r4 = active[active.measure_id == "cn.ret.r4"]
    assert r4["precision"].tolist() == ["hs6-approximation"]
    assert r4["rate"].tolist() == pytest.approx([0.05])
    assert _total(layers, "1201901000", D(2019, 9, 1)) == pytest.approx(0.33)


@needs_raw
@pytest.mark.realdata
def test_real_totals_equal_piie_cumulative_levels(real_run):
    """At every PIIE date, each HS10 line's layers add up to PIIE's cumulative level."""
    layers, _, _ = real_run
    piie = read_piie(raw_dir(), ValidationReport()).set_index("code")
    hs10 = layers[layers.code_level >= 10]
    columns = {
        D(2018, 1, 1): ["mfn"],
        D(2018, 4, 2): ["r232"],
        D(2018, 5, 1): ["mfn_0501"],
        D(2018, 7, 1): ["mfn_0701"],
        D(2018, 7, 6): ["r1"],
        D(2018, 8, 23): ["r2"],
        D(2018, 9, 24): ["r3"],
        D(2018, 11, 1): ["mfn_1101"],
        D(2019, 1, 1): ["mfn_2019", "suspension"],
        D(2019, 6, 1): ["r3_0601"],
    }
    used: list[str] = []
    for day, keys in columns.items():
        used += keys
        expected = piie[used].sum(axis=1, skipna=False) / 100
        until = hs10["valid_until"]
        live = hs10[(hs10.valid_from <= day) & (until.isna() | (until > day))]
        observed = live.groupby("code")["rate"].sum(min_count=1)
        unknown = live.groupby("code")["rate"].apply(lambda s: s.isna().any())
        observed[unknown] = np.nan
        observed = observed.reindex(expected.index)
        same = np.isclose(observed, expected) | (observed.isna() & expected.isna())
        assert same.all(), f"{day}: {list(expected.index[~same][:5])}"
