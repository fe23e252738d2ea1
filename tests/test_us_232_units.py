"""The build steps of the 2026 Section 232 scopes, on small frames: the 15% floor
against the MFN steps, scope conditions and list end dates, a note list."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from tradewar.data.report import ValidationReport
from tradewar.data.sources import us_notes, us_programs
from tradewar.model.measures import Measure

D = dt.date


def measure(**scope) -> Measure:
    return Measure.model_validate({
        "id": "t.floor", "name": "t", "heading": "9903.82.10", "scope": scope,
        "steps": [{"from": D(2026, 4, 6), "rate": 0.15, "kind": "floor",
                   "heading_at_floor": "9903.82.11", "citation": "c"}],
    })  # fmt: skip


def test_floor_against_mfn_steps():
    rows = pd.DataFrame({
        "code": ["8479899599", "84571000", "84014000"], "rate": 0.15, "rate_kind": "floor",
        "rate_text": "+15%", "heading": "9903.82.10", "valid_from": D(2026, 4, 6),
        "valid_until": None, "source_row": 1,
    })  # fmt: skip
    mfn = pd.DataFrame({
        "code": ["84798995", "84571000", "84571000", "84014000"],
        "valid_from": [D(2025, 1, 1), D(2025, 1, 1), D(2026, 6, 1), D(2025, 1, 1)],
        "valid_until": [None, D(2026, 6, 1), None, None],
        "rate": [0.025, 0.20, 0.05, None],
        "rate_kind": ["ad_valorem", "ad_valorem", "ad_valorem", "specific"],
        "rate_text": ["2.5%", "20%", "5%", "1.5¢/kg"],
    })  # fmt: skip
    out = us_programs.floor_rates(rows, measure(), mfn, ValidationReport())
    out = out.sort_values(["code", "valid_from"]).reset_index(drop=True)
    by = {(r.code, r.valid_from): r for r in out.itertuples()}
    assert by[("8479899599", D(2026, 4, 6))].rate == pytest.approx(0.125)
    at_floor = by[("84571000", D(2026, 4, 6))]  # column 1 20%: no additional duty
    assert at_floor.rate == 0 and at_floor.heading == "9903.82.11"
    assert at_floor.valid_until == D(2026, 6, 1)
    assert by[("84571000", D(2026, 6, 1))].rate == pytest.approx(0.10)
    specific = by[("84014000", D(2026, 4, 6))]  # no ad valorem equivalent: unknown, not 0
    assert pd.isna(specific.rate) and specific.rate_kind == "unknown"


def test_scope_condition_outside_chapters_and_ends():
    m = measure(source="us_note_list", condition="only if heavy", ends={"7308": D(2026, 6, 8)},
                unconditional_chapters=["72", "73"])  # fmt: skip
    products = pd.DataFrame({"code": ["7208", "7308", "8429"]})
    out = us_programs.scope_conditions(products, m).set_index("code")
    assert out.condition.isna().tolist() == [True, True, False]
    assert out.product_until["7308"] == D(2026, 6, 8) and out.product_until["8429"] is None


def test_note_list_reads_between_markers(tmp_path: Path, monkeypatch):
    text = "\n".join([
        "16. (a) text 2026", "(i) Articles of aluminum:",
        "   Proclamation 10925 of April 29, 2025, heading 9903.94.05:",
        "   7601   7604   7616.99.5160",
        "Harmonized Tariff Schedule of the United States Revision 6 (2026)", "99 - III - 64",
        "   7308.20.0035  9903.82.02", "(ii) Next list:", "   8401.40.00",
    ])  # fmt: skip
    (tmp_path / "n.txt").write_text(text)
    us_notes._lines.cache_clear()
    found = us_notes.note_list(tmp_path, "(i) Articles of aluminum:", "(ii) Next", file="n.txt")
    assert found.code.tolist() == ["7601", "7604", "7616995160", "7308200035"]
    assert found.source_row.tolist() == [4, 4, 4, 7]


def _listed(raw: Path, file: str, **scope) -> tuple[pd.DataFrame, ValidationReport]:
    m = Measure.model_validate({
        "id": "t.content", "name": "t", "heading": "9903.85.08",
        "scope": {"source": "csv", "file": file, **scope},
        "steps": [{"from": D(2025, 6, 4), "rate": 0.5, "citation": "c"}],
    })  # fmt: skip
    report = ValidationReport()
    return us_programs.csv_products(raw, m, report), report


def test_a_code_listed_twice_is_one_product_from_its_earliest_listing(tmp_path):
    (tmp_path / "list.csv").write_text(
        "hts,when\n85030095,\n85030095,2025-08-18\n94017900,2025-08-18\n"
        "94019990,2025-08-18\n94019990,2025-09-01\n"
    )
    got, report = _listed(tmp_path, "list.csv", code_column="hts", from_column="when")
    assert list(zip(got.code, got.product_from, strict=True)) == [
        ("85030095", None), ("94017900", D(2025, 8, 18)), ("94019990", D(2025, 8, 18)),
    ]  # fmt: skip
    warned = [(i.row, i.value) for i in report.issues if i.severity == "warning"]
    assert warned == [(3, "85030095"), (6, "94019990")]
    assert "first at row 2" in report.issues[0].reason


def test_the_derivatives_list_gives_one_window_per_code():
    """Budget Lab's 232 derivatives list names 85030095 and 94019990 twice for 9903.85.08
    (undated, and again from 2025-08-18): one product each, from the undated listing."""
    from tradewar.config import raw_dir

    file = "Budget-Lab-Yale__tariff-rate-tracker/resources/s232_derivative_products.csv"
    if not (raw_dir() / file).exists():
        pytest.skip(f"{file} not in TRADEWAR_RAW")
    got, report = _listed(
        raw_dir(), file, code_column="hts_prefix", from_column="effective_date",
        where={"ch99_code": "9903.85.08"},
    )  # fmt: skip
    assert not got.code.duplicated().any()
    for code in ("85030095", "94019990"):
        assert got.loc[got.code == code, "product_from"].tolist() == [None]
        assert any(i.value == code and "listed again" in i.reason for i in report.issues)
