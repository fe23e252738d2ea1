"""US MFN layers and HTS lines: a hand-written fixture, then the real files."""

from __future__ import annotations

import csv
import datetime as dt
import time
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from tradewar.config import REPO_ROOT, raw_dir
from tradewar.data.report import ValidationReport
from tradewar.data.sources.us_hts import load_revisions, load_us_mfn
from tradewar.data.yamlload import load_yaml
from tradewar.engine.expressions import parse_rate
from tradewar.errors import SourceError
from tradewar.model.schema import LAYER_COLUMNS, LINE_COLUMNS

D = dt.date
HEADER = [
    "HTS Number", "Indent", "Description", "Unit of Quantity", "General Rate of Duty",
    "Special Rate of Duty", "Column 2 Rate of Duty", "Quota Quantity", "Additional Duties",
]  # fmt: skip
HTS_DIR = "DMK041218__3009GroupProject/Data/HistoryTariff"


def row(number: str, description: str, rate: str = "") -> list[str]:
    return [number, "1", description, "", rate, "", "", "", ""]


FILE_A = [  # line 1 is the header
    row("0101", "Live horses:"),  # 2
    row("", "Horses:"),  # 3: a description row
    row("0101.21.00", "Purebred breeding animals", "Free"),  # 4
    row("0101.21.00.10", "Males"),  # 5
    row("0101.30.00.00", "Asses", "6.8%"),  # 6: the rate sits on the HTS10
    row("0102.29.40", "Other\ncattle", "1¢/kg"),  # 7-8: a two-line description
    row("0102.29.40.24", "Male"),  # 9
    row("01X2.30", "Bad number"),  # 10: malformed
    row("2204.21.50", "Other", "6.3¢;/liter"),  # 11
    row("9817.22.05", "Rum"),  # 12: no general rate
    row("9903.88.01", "Articles of China", "The duty provided in the applicable subheading + 25%"),
]
FILE_B = [
    row("0101.21.00", "Purebred breeding animals", "Free"),  # 2
    row("0101.21.00.10", "Males"),  # 3
    row("0101.29.00", "Other", "Free"),  # 4: new line
    row("0101.30.00.00", "Asses", "6.8% "),  # 5
    row("0102.29.40", "Other", "1¢/kg"),  # 6
    row("0102.29.40.24", "Male"),  # 7
    row("2204.21.50", "Other", "6.3¢/liter"),  # 8
    row("2204.21.50.50 ", "Other"),  # 9: trailing space
]
FILE_C = [
    row("0101.21.00", "Purebred breeding animals", "2%"),  # 2: rate changes
    row("0101.21.00", "Purebred breeding animals again", "Free"),  # 3: repeated
    row("0101.30.00.00", "Asses", "6.8%"),  # 4
    row("2204.21.50", "Other", "6.3¢/liter"),  # 5
]
DATABASE = pd.DataFrame(
    {
        "hts8": [1012100, 1013000, 1013000, 1022940, 22042150],  # numbers: zeros lost
        "brief_description": ["Horses", "Asses", "Asses", "Cattle", "Wine"],
        "mfn_text_rate": ["Free", "5%", "6.8%", "2 cents/kg", "6.3 cents/liter"],
        "begin_effect_date": ["2012-01-01"] * 2 + ["2017-07-01"] + ["2012-01-01"] * 2,
        "end_effective_date": ["2050-12-31", "2017-06-30"] + ["2050-12-31"] * 3,
    }
)
REVISIONS = """\
revisions:
  - file: db/tariff_database_2017.xlsx
    format: usitc_tariff_database
    sheet: Tariff Database August
    edition: 2017 tariff database
    effective_from: 2017-01-01
    effective_from_basis: test
    evidence: test
  - file: hts/a.csv
    format: usitc_hts_csv
    expected: {hts8_rows: 5, hts10_rows: 3}
    edition: Rev A
    effective_from: 2018-01-01
    effective_from_basis: test
    evidence: test
  - file: hts/b.csv
    format: usitc_hts_csv
    edition: Rev B
    effective_from: 2019-01-01
    precision: exact
    effective_from_basis: test
    evidence: test
  - file: hts/c.csv
    format: usitc_hts_csv
    edition: Rev C
    effective_from: 2020-02-14
    effective_from_basis: test
    evidence: test
"""


def write_csv(path: Path, rows: list[list[str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh, quoting=csv.QUOTE_ALL, lineterminator="\n")
        writer.writerow(HEADER)
        writer.writerows(rows)


@pytest.fixture()
def fixture(tmp_path: Path) -> tuple[pd.DataFrame, pd.DataFrame, ValidationReport]:
    raw = tmp_path / "raw"
    write_csv(raw / "hts/a.csv", FILE_A)
    write_csv(raw / "hts/b.csv", FILE_B)
    write_csv(raw / "hts/c.csv", FILE_C)
    (raw / "db").mkdir()
    DATABASE.to_excel(
        raw / "db/tariff_database_2017.xlsx", sheet_name="Tariff Database August", index=False
    )
    revisions = tmp_path / "hts_revisions.yaml"
    revisions.write_text(REVISIONS, encoding="utf-8")
    report = ValidationReport()
    layers, lines = load_us_mfn(raw, revisions, report)
    return layers, lines, report


def date(value: object) -> dt.date | None:
    return None if pd.isna(value) else value  # type: ignore[return-value]


def steps(layers: pd.DataFrame, code: str) -> list[tuple]:
    got = layers[layers.code == code].sort_values("valid_from")
    columns = ["valid_from", "valid_until", "rate_text", "source", "source_row"]
    return [(a, date(b), *rest) for a, b, *rest in got[columns].itertuples(False, None)]


def test_shapes(fixture) -> None:
    layers, lines, _ = fixture
    assert list(layers.columns) == list(LAYER_COLUMNS)
    assert list(lines.columns) == list(LINE_COLUMNS)
    assert set(layers.measure_id) == {"us.mfn"} and set(layers.origin) == {"*"}
    assert set(layers.code.str.len()) == {8} and set(layers.code_level) == {8}


def test_steps_compress_and_close(fixture) -> None:
    layers, _, _ = fixture
    assert steps(layers, "01012100") == [
        (D(2017, 1, 1), D(2018, 1, 1), "Free", "db/tariff_database_2017.xlsx", 2),
        (D(2018, 1, 1), D(2020, 2, 14), "Free", "hts/a.csv", 4),
        (D(2020, 2, 14), None, "2%", "hts/c.csv", 2),
    ]
    # the rate sits on the HTS10 row; "6.8% " in rev B is the same rate
    assert steps(layers, "01013000")[1:] == [(D(2018, 1, 1), None, "6.8%", "hts/a.csv", 6)]
    # disappears in rev C: closed at its date
    assert steps(layers, "01022940")[1:] == [
        (D(2018, 1, 1), D(2020, 2, 14), "1¢/kg", "hts/a.csv", 7)
    ]
    assert steps(layers, "01012900") == [(D(2019, 1, 1), D(2020, 2, 14), "Free", "hts/b.csv", 4)]


def test_layer_fields(fixture) -> None:
    layers, _, _ = fixture
    by_code = layers[layers.valid_from >= D(2018, 1, 1)].set_index("code")
    free = by_code.loc["01012900"]
    assert (free.rate, free.rate_kind, free.precision) == (0.0, "ad_valorem", "exact")
    assert free.heading == "0101.29.00"
    assert free.citation == "HTSUS column 1 general rate, USITC Rev B"
    wine = by_code.loc["22042150"]
    assert wine.rate_kind == "specific" and wine.rate_text == "6.3¢;/liter"
    assert wine.spec_amount == pytest.approx(0.063) and wine.spec_unit == "liter"
    assert pd.isna(wine.rate) and wine.precision == "inferred-date"
    asses = by_code.loc["01013000"]
    assert asses.rate == pytest.approx(0.068) and "0101.30.00.00" in asses.note
    rum = by_code.loc["98172205"]
    assert rum.rate_kind == "unknown" and pd.isna(rum.rate) and rum.rate_text is None
    assert date(rum.valid_until) == D(2019, 1, 1)
    assert "99038801" not in set(layers.code)  # chapter 99 is not an MFN rate


def test_lines(fixture) -> None:
    _, lines, _ = fixture
    got = {
        (r.code, r.code_level): (r.description, r.valid_from, date(r.valid_until))
        for r in lines.itertuples()
        if r.valid_from >= D(2018, 1, 1)
    }
    assert got[("0101300000", 10)] == ("Asses", D(2018, 1, 1), None)
    assert got[("01013000", 8)] == ("Asses", D(2018, 1, 1), None)  # implied by its HTS10
    assert got[("0101210010", 10)] == ("Males", D(2018, 1, 1), D(2020, 2, 14))
    assert got[("0102294024", 10)][2] == D(2020, 2, 14)
    assert got[("2204215050", 10)] == ("Other", D(2019, 1, 1), D(2020, 2, 14))
    assert ("99038801", 8) in got
    assert ("0101", 4) not in got
    old = lines[lines.valid_from == D(2017, 1, 1)]
    assert set(old.code_level) == {8} and "01012100" in set(old.code)


def test_report(fixture) -> None:
    _, _, report = fixture
    rejected = [(i.source, i.row, i.value) for i in report.issues if i.severity == "rejected"]
    assert ("hts/a.csv", 10, "01X2.30") in rejected
    assert ("hts/c.csv", 3, "01012100") in rejected
    warned = [(i.source, i.row) for i in report.issues if i.severity == "warning"]
    assert ("hts/b.csv", 9) in warned  # trailing space stripped
    assert ("hts/a.csv", 12) in warned  # no general rate
    assert report.rows_read["hts/a.csv"] == 11 and report.rows_kept["hts/a.csv"] == 10
    assert report.rows_read["db/tariff_database_2017.xlsx"] == 5
    assert report.rows_kept["db/tariff_database_2017.xlsx"] == 4  # one superseded row
    checks = {c.name: c for c in report.checks}
    assert checks["us_rev_a_hts8_rows"].ok and checks["us_rev_a_hts10_rows"].ok
    changed = checks["us_mfn_changed_2017_tariff_database_to_rev_a"]
    assert changed.observed == 1  # 0102.29.40: 2 cents/kg -> 1¢/kg
    diffs = [i.value for i in report.issues if i.severity == "difference"]
    assert diffs == ["0102.29.40: '2 cents/kg' -> '1¢/kg' (row 7)"]


def test_duplicate_yaml_keys_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "dup.yaml"
    path.write_text("a: 1\nb:\n  c: 2018-07-06\n  c: 3\n", encoding="utf-8")
    with pytest.raises(SourceError, match=r"dup\.yaml:4: .*duplicate key 'c'"):
        load_yaml(path)
    path.write_text("a: [1\nb: 2\n", encoding="utf-8")
    with pytest.raises(SourceError, match=r"dup\.yaml:2: invalid YAML"):
        load_yaml(path)
    path.write_text("a: 2018-07-06\n", encoding="utf-8")
    assert load_yaml(path) == {"a": D(2018, 7, 6)}


def test_revisions_must_increase(tmp_path: Path) -> None:
    path = tmp_path / "r.yaml"
    path.write_text(REVISIONS.replace("2019-01-01", "2017-06-01"), encoding="utf-8")
    with pytest.raises(SourceError, match="not after"):
        load_revisions(path)


# ---------------------------------------------------------------- real data

RAW = raw_dir()
REVISIONS_YAML = REPO_ROOT / "data" / "hts_revisions.yaml"
needs_raw = pytest.mark.skipif(not (RAW / HTS_DIR).is_dir(), reason="raw data not available")


@pytest.fixture(scope="module")
def real() -> tuple[pd.DataFrame, pd.DataFrame, ValidationReport, float]:
    report = ValidationReport()
    start = time.perf_counter()
    layers, lines = load_us_mfn(RAW, REVISIONS_YAML, report)
    return layers, lines, report, time.perf_counter() - start


def in_force(frame: pd.DataFrame, day: dt.date) -> pd.DataFrame:
    return frame[(frame.valid_from <= day) & (frame.valid_until.isna() | (frame.valid_until > day))]


@needs_raw
@pytest.mark.realdata
def test_real_known_lines(real) -> None:
    layers, _, _, _ = real  # 8 CSV files to 2020, 4 to 2024 and 43 JSON revisions 2025-2026
    for day in (D(2018, 3, 1), D(2019, 6, 1), D(2020, 12, 31), D(2024, 6, 1), D(2026, 3, 1)):
        got = in_force(layers, day).set_index("code")
        assert got.loc["94036080", "rate_text"] == "Free"
        assert got.loc["94036080", "rate"] == 0.0
        beef = got.loc["02011010"]
        assert (beef.rate_kind, beef.spec_unit) == ("specific", "kg")
        assert beef.spec_amount == pytest.approx(0.044) and "4.4¢" in beef.rate_text
        wine = got.loc["22042150"]
        assert (wine.rate_kind, wine.spec_unit) == ("specific", "liter")
        assert wine.spec_amount == pytest.approx(0.063) and "6.3¢" in wine.rate_text
        assert got.loc["01013000", "rate"] == pytest.approx(0.068)


@needs_raw
@pytest.mark.realdata
def test_real_line_counts(real) -> None:
    _, lines, report, _ = real
    sources = {  # SOURCES.md item 6b: HTS8 / HTS10 rows per file
        D(2018, 1, 1): (5972, 18770),
        D(2018, 8, 23): (5977, 18770),
        D(2019, 1, 1): (6409, 18852),
        D(2019, 5, 10): (6412, 18852),
        D(2019, 9, 1): (6447, 18858),
        D(2020, 1, 1): (6460, 18871),
        D(2020, 2, 14): (6474, 18875),
    }
    for day, (_hts8, hts10) in sources.items():
        live = in_force(lines, day)
        assert abs(int((live.code_level == 10).sum()) - hts10) <= 2
        # HTS8 lines include those implied by a lone HTS10 (about 8,000)
        assert 14_000 <= int((live.code_level == 8).sum()) <= 14_600
    counts = [c for c in report.checks if c.name.endswith(("_hts8_rows", "_hts10_rows"))]
    assert len(counts) == 14 and all(c.ok for c in counts)
    malformed = [i for i in report.issues if i.severity == "rejected" and "malformed" in i.reason]
    # the one malformed number in the files is a chapter 99 heading of 2021 rev 3
    assert [(i.row, i.value) for i in malformed] == [(33041, "9903.89,61")]


@needs_raw
@pytest.mark.realdata
def test_real_cross_check_2017(real) -> None:
    _, _, report, _ = real
    (check,) = [c for c in report.checks if c.name.startswith("us_mfn_changed_2017")]
    assert check.ok and 50 <= check.observed <= 200
    diffs = [i for i in report.issues if i.severity == "difference"]
    assert 0 < len(diffs) <= 201
    assert any(i.value.startswith("8518.29.80: '2.4%' -> '1.2%'") for i in diffs)


@needs_raw
@pytest.mark.realdata
def test_parser_agrees_with_2017_structured_columns() -> None:
    """mfn_rate_type_code 0-7 rows: same kind, ad valorem and specific amounts."""
    sheet = pd.read_excel(
        RAW / "mwaugh0328__tradewar-tracker/data/tariff_database_2017.xlsx",
        sheet_name="Tariff Database August",
        dtype=str,
        usecols=["mfn_text_rate", "mfn_rate_type_code", "mfn_ad_val_rate",
                 "mfn_specific_rate", "mfn_other_rate"],
    )  # fmt: skip
    kinds = {"0": "free", "1": "specific", "2": "specific", "3": "specific",
             "4": "compound", "5": "compound", "6": "compound", "7": "ad_valorem"}  # fmt: skip
    structured = sheet[sheet.mfn_rate_type_code.isin(list(kinds)) & sheet.mfn_text_rate.notna()]
    agree = 0
    for text, code, adval, spec, other in structured.itertuples(False):
        parsed = parse_rate(text)
        amounts = sorted(float(a) for a in (spec, other) if float(a))
        mine = sorted(c.amount for c in parsed.components)
        agree += (
            parsed.kind == kinds[code]
            and parsed.ad_valorem == pytest.approx(float(adval))
            and mine == pytest.approx(amounts)
        )
    assert agree / len(structured) >= 0.995


@needs_raw
@pytest.mark.realdata
def test_real_texts_mostly_parse() -> None:
    """Chapter 01-97 HTS8/HTS10 general rates of every HTS CSV are numeric."""
    kinds: Counter[str] = Counter()
    for path in sorted((RAW / HTS_DIR).glob("*.csv")):
        frame = pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False)
        number = frame["HTS Number"].str.strip()
        rate = frame["General Rate of Duty"]
        mask = (rate.str.strip() != "") & (number.str.len() >= 10) & (number.str[:2] < "98")
        kinds.update(parse_rate(t).kind for t in rate[mask])
    numeric = sum(n for k, n in kinds.items() if k not in ("other", "unknown"))
    assert numeric / sum(kinds.values()) >= 0.98
