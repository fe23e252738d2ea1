"""The bulk duty engine (engine/bulk.py) on the real store.

Bulk must give, row for row, what the single-shipment engine (engine/duty.py) gives:
the same total, the same duty, and a reject exactly where the single call raises.
All tests here use the session-wide ``real_store`` fixture (tests/conftest.py).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import random
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from tradewar import api
from tradewar.data.store import attach_path, open_store
from tradewar.engine.duty import compute_duty
from tradewar.engine.shipment import make_shipment
from tradewar.errors import TradewarError

pytestmark = pytest.mark.realdata

D = dt.date
PARTNER = {"US": "CN", "CN": "US"}
OTHERS = ["DE", "BR", "JP", "VN", "MX", "KR"]
FIRST, LAST = D(2018, 1, 1), D(2019, 12, 31)
TRANSIT_CUT = D(2019, 5, 10)  # List 3 at 25%: goods exported before it got 10% for a while
N_SAMPLE = 2000
N_REFERENCE = 300  # rows checked through compute_duty (~15 ms each)
KEY = ["code", "importer", "origin", "entered", "exported", "value"]
COLUMNS = ["id", *KEY]


def write_csv(path: Path, rows: list[tuple], header: tuple = tuple(COLUMNS[1:])) -> Path:
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return path


def run(store: Path, source: Path, tmp: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Run bulk on ``source``: (rated frame, rejects frame), checking the counts."""
    out = tmp / f"{source.stem}.rated.parquet"
    result = api.bulk(source, out, store=store)
    rated = pd.read_parquet(out)
    rejects = pd.read_csv(result.rejects, dtype=str, keep_default_na=False)
    assert (result.rated, result.rejected) == (len(rated), len(rejects))
    assert result.rows == len(rated) + len(rejects)
    return rated, rejects


def nan(x: object) -> bool:
    return x is None or (isinstance(x, float) and np.isnan(x))


def same(a: object, b: object, tol: float = 1e-9) -> bool:
    """Equal numbers, or both missing (a NULL is never 0)."""
    if nan(a) or nan(b):
        return nan(a) and nan(b)
    return abs(float(a) - float(b)) <= tol


# --------------------------------------------------------------------------- sample


def _sample(store: Path) -> pd.DataFrame:
    """~2,000 shipments on real leaf codes: both importers, partner and other
    origins, entry dates over 2018-2019, and List 3 goods in transit in May 2019."""
    con = open_store(store)
    try:
        leaves = con.execute(
            "SELECT DISTINCT importer, code FROM panel WHERE is_leaf ORDER BY ALL"
        ).fetchall()
        list3 = [
            r[0]
            for r in con.execute(
                "SELECT DISTINCT code FROM panel WHERE is_leaf AND importer = 'US' "
                "AND export_until = DATE '2019-05-10' ORDER BY code"
            ).fetchall()
        ]
    finally:
        con.close()
    assert len(leaves) > 20_000 and len(list3) > 1_000
    rng = random.Random(20180706)
    days = (LAST - FIRST).days + 1
    rows = []
    for i in range(N_SAMPLE):
        if i % 8 == 0:  # List 3 goods exported before the cut, entered around it
            importer, code, origin = "US", rng.choice(list3), "CN"
            entered = D(2019, 5, 10) + dt.timedelta(days=rng.randrange(42))  # to 06-20
            exported = TRANSIT_CUT - dt.timedelta(days=1 + rng.randrange(60))
        else:
            importer, code = rng.choice(leaves)
            origin = PARTNER[importer] if rng.random() < 0.6 else rng.choice(OTHERS)
            entered = FIRST + dt.timedelta(days=rng.randrange(days))
            exported = None
            if rng.random() < 0.25:
                exported = entered - dt.timedelta(days=rng.randrange(90))
        # a unique value identifies the row in the rejects file, which has no id
        value = None if i % 10 == 5 else 100.0 + i + 0.25
        code_text = code if rng.random() < 0.5 else _dotted(code)
        rows.append((i, code_text, importer, origin, entered, exported, value))
    frame = pd.DataFrame(rows, columns=COLUMNS)
    # rows without a value are told apart by the other fields: keep them unique
    return frame.drop_duplicates(KEY, ignore_index=True)


def _dotted(code: str) -> str:
    return ".".join(p for p in (code[:4], code[4:6], code[6:8], code[8:]) if p)


def _reference(store: Path, sample: pd.DataFrame, ids: list[int]) -> dict[int, dict | None]:
    """compute_duty on the rows ``ids`` (one connection): a dict, or None when it raises."""
    con = open_store(store)
    out: dict[int, dict | None] = {}
    try:
        for r in sample.set_index("id").loc[ids].itertuples():
            try:
                s = make_shipment(
                    r.code, r.importer, r.origin, r.entered,
                    None if nan(r.exported) else r.exported,
                    None if nan(r.value) else r.value,
                )  # fmt: skip
                out[r.Index] = compute_duty(con, s)
            except TradewarError:
                out[r.Index] = None
    finally:
        con.close()  # bulk ATTACHes the store: no other connection may hold it
    return out


def _panel_reference(store: Path, sample: pd.DataFrame) -> pd.DataFrame:
    """Every sample row looked up in the panel with duty.py's predicate (entry date in
    [valid_from, valid_until), export date, or else entry date, inside the row's export
    window) and the coverage check: a cheap check of all rows, one query."""
    con = duckdb.connect()
    try:
        con.execute(f"ATTACH '{attach_path(store)}' AS s (READ_ONLY)")
        con.register("sample", sample)
        return con.execute("""
            WITH sh AS (
                SELECT id, replace(code, '.', '') AS code, importer, origin,
                       CAST(entered AS DATE) AS entered,
                       coalesce(CAST(exported AS DATE), CAST(entered AS DATE)) AS exported,
                       CASE WHEN origin = CASE importer WHEN 'US' THEN 'CN' ELSE 'US' END
                            THEN origin ELSE '*' END AS grp
                FROM sample)
            SELECT sh.id, count(p.code) AS matches, any_value(p.total_rate) AS total_rate,
                   any_value(p.ambiguous) AS ambiguous
            FROM sh
            JOIN s.coverage c ON c.importer = sh.importer
            LEFT JOIN s.panel p
              ON p.importer = sh.importer AND p.origin_group = sh.grp AND p.code = sh.code
             AND p.valid_from <= sh.entered AND p.valid_until > sh.entered
             AND (p.export_from IS NULL OR p.export_from <= sh.exported)
             AND (p.export_until IS NULL OR p.export_until > sh.exported)
             AND sh.entered >= c.cov_from AND sh.entered < c.cov_until
            GROUP BY sh.id
        """).df()
    finally:
        con.close()


@pytest.fixture(scope="module")
def sample(real_store: Path) -> pd.DataFrame:
    return _sample(real_store)


@pytest.fixture(scope="module")
def reference(real_store: Path, sample: pd.DataFrame) -> dict[int, dict | None]:
    """compute_duty on every transit row (up to a third) and a random rest."""
    transit = sample[sample.exported.notna() & (sample.entered >= TRANSIT_CUT)
                     & (sample.exported < TRANSIT_CUT)].id.tolist()  # fmt: skip
    rng = random.Random(1)
    ids = rng.sample(transit, min(len(transit), N_REFERENCE // 3))
    rest = sorted(set(sample.id) - set(ids))
    ids += rng.sample(rest, N_REFERENCE - len(ids))
    return _reference(real_store, sample, ids)


def _as_input(sample: pd.DataFrame, fmt: str, tmp: Path) -> Path:
    if fmt == "parquet":
        path = tmp / "sample.parquet"
        sample.to_parquet(path, index=False)
        return path
    path = tmp / "sample.csv"
    frame = sample.copy()
    frame["value"] = frame.value.map(lambda v: "" if nan(v) else repr(v))
    frame.to_csv(path, index=False)
    return path


def _key(frame: pd.DataFrame) -> pd.Series:
    """The shipment key as text, comparable between input, output and rejects."""

    def text(v: object) -> str:
        return "" if nan(v) or v == "" else str(v)[:10]

    def number(v: object) -> str:
        return "" if nan(v) or v == "" else repr(float(v))

    code = frame.code.astype(str).str.replace(".", "", regex=False)
    return (code + "|" + frame.importer + "|" + frame.origin + "|"
            + frame.entered.map(text) + "|" + frame.exported.map(text) + "|"
            + frame.value.map(number))  # fmt: skip


# --------------------------------------------------------------------------- 1. parity


@pytest.fixture(scope="module", params=["csv", "parquet"])
def bulk_sample(request, real_store, sample, tmp_path_factory):
    tmp = tmp_path_factory.mktemp(f"parity_{request.param}")
    rated, rejects = run(real_store, _as_input(sample, request.param, tmp), tmp)
    return request.param, rated, rejects


def test_bulk_rates_or_rejects_every_row_exactly_once(sample, bulk_sample):
    _, rated, rejects = bulk_sample
    assert len(sample) >= 1900
    assert sorted(rated.id.astype(int)) == sorted(set(rated.id.astype(int)))
    keys = pd.concat([_key(rated), _key(rejects)], ignore_index=True)
    assert sorted(keys) == sorted(_key(sample))
    # the sample really spans what it should
    assert set(rated.importer) == {"US", "CN"}
    assert set(rated.origin_group) == {"US", "CN", "*"}
    assert rated.total_rate.notna().sum() > 1500 and rated.total_rate.isna().sum() > 0
    assert 0 < len(rejects) < 0.2 * len(sample)


@pytest.fixture(scope="module")
def panel_reference(real_store: Path, sample: pd.DataFrame) -> pd.DataFrame:
    return _panel_reference(real_store, sample).set_index("id")


def test_bulk_matches_the_panel_lookup_of_duty_on_every_row(sample, bulk_sample, panel_reference):
    _, rated, rejects = bulk_sample
    ref = panel_reference
    assert ref.matches.max() == 1, "the panel has overlapping rows for one shipment"
    got = rated.assign(id=rated.id.astype(int)).set_index("id")
    expect_rated = ref.index[(ref.matches == 1) & ~ref.ambiguous.fillna(True).astype(bool)]
    assert sorted(got.index) == sorted(expect_rated)
    bad = [
        (i, got.total_rate[i], ref.total_rate[i])
        for i in got.index
        if not same(got.total_rate[i], ref.total_rate[i])
    ]
    assert not bad, bad[:10]
    assert len(rejects) == len(sample) - len(expect_rated)


def test_bulk_matches_single_shipment_duty(sample, bulk_sample, reference):
    fmt, rated, rejects = bulk_sample
    rated = rated.assign(id=rated.id.astype(int)).set_index("id")
    rejected_keys = set(_key(rejects))
    keys = _key(sample).set_axis(sample.id)
    checked = {"rated": 0, "rejected": 0, "transit": 0, "null_total": 0}
    for i, single in reference.items():
        if single is None or single.get("ambiguous"):
            assert i not in rated.index, f"{fmt} row {i}: single call raises, bulk rates it"
            assert keys[i] in rejected_keys, f"{fmt} row {i}: not in the rejects"
            checked["rejected"] += 1
            continue
        assert i in rated.index, f"{fmt} row {i} rejected in bulk, single gives {single}"
        row = rated.loc[i]
        assert same(row.total_rate, single["total_rate"]), (i, row.total_rate, single)
        assert same(row.adval_rate, single["adval_rate"]), (i, row.adval_rate, single)
        # single rounds the duty to cents; bulk keeps the full product
        assert same(row.duty, single.get("duty"), tol=0.005 + 1e-9), (i, row.duty, single)
        checked["rated"] += 1
        checked["null_total"] += nan(row.total_rate)
        exported = single["exported"]
        checked["transit"] += bool(exported and exported < "2019-05-10" <= single["entered"])
    assert checked["rated"] > 200 and checked["rejected"] > 0, checked
    assert checked["transit"] > 50 and checked["null_total"] > 0, checked


def _parent_sample(store: Path) -> pd.DataFrame:
    """Parent codes (HS6, HTS8): random ones, and ones whose panel rows overlap
    (lines with and without an export window beneath one parent)."""
    con = open_store(store)
    try:
        rows = con.execute("""
            WITH overlap AS (
                SELECT importer, origin_group, code, valid_from, valid_until
                FROM panel WHERE NOT is_leaf
                GROUP BY importer, origin_group, code, valid_from, valid_until
                HAVING count(*) > 1 AND count(*) FILTER (
                    WHERE export_from IS NULL AND export_until IS NULL) > 0
                ORDER BY hash(code, valid_from) LIMIT 40),
            plain AS (
                SELECT importer, origin_group, code, valid_from, valid_until
                FROM panel WHERE NOT is_leaf AND valid_from < DATE '2019-12-31'
                ORDER BY hash(code, valid_from, origin_group) LIMIT 80)
            SELECT *, TRUE AS overlap FROM overlap UNION ALL SELECT *, FALSE FROM plain
        """).fetchall()
    finally:
        con.close()
    out = []
    for i, (importer, group, code, start, _until, overlap) in enumerate(rows):
        origin = group if group != "*" else "DE"
        exported = D(2019, 5, 1) if overlap and i % 2 else None
        entered = max(start, D(2019, 5, 10)) if exported else start
        out.append((i, code, importer, origin, entered, exported, 1000.0 + i))
    return pd.DataFrame(out, columns=COLUMNS)


def test_parent_codes_match_single_shipment_duty(real_store, tmp_path):
    """A parent is rated when its lines agree and rejected, once, when they differ;
    as in duty.py, where the second case gives ``ambiguous`` and no total."""
    parents = _parent_sample(real_store)
    single = _reference(real_store, parents, parents.id.tolist())
    path = tmp_path / "parents.parquet"
    parents.to_parquet(path, index=False)
    rated, rejects = run(real_store, path, tmp_path)
    assert len(rated) + len(rejects) == len(parents)
    rated = rated.set_index("id")
    reasons = dict(zip(rejects.value.astype(float), rejects.reason, strict=True))
    ambiguous = 0
    for i, s in single.items():
        value = 1000.0 + i
        if s is not None and s.get("ambiguous"):
            ambiguous += 1
            assert "parent code whose lines differ" in reasons.get(value, ""), (i, s["code"])
        elif s is None:
            assert value in reasons, i
        else:
            assert same(rated.total_rate[i], s["total_rate"]), (i, s)
    assert ambiguous >= 20 and len(rated) >= 20


def test_transit_rows_get_ten_percent_only_until_june_15(bulk_sample):
    """List 3 goods exported before 2019-05-10 kept the 10% rate (9903.88.09) if
    entered before 2019-06-15, and bore 25% (9903.88.03) from then on."""
    _, rated, _ = bulk_sample
    us = rated[(rated.origin_group == "CN") & rated.exported.notna()]
    transit = us[(pd.to_datetime(us.exported) < "2019-05-10")
                 & (pd.to_datetime(us.entered) >= "2019-05-10")
                 & (us.s301_rate > 0)]  # fmt: skip
    early = pd.to_datetime(transit.entered) < "2019-06-15"
    assert early.sum() > 100 and (~early).sum() > 20

    def pairs(frame: pd.DataFrame) -> set:
        return set(zip(frame.s301_heading, frame.s301_rate, strict=True))

    assert pairs(transit[early]) == {("9903.88.09", 0.10)}
    assert pairs(transit[~early]) == {("9903.88.03", 0.25)}


# --------------------------------------------------------------------------- 2. known values

KNOWN = [
    # code, importer, origin, entered, exported, value
    ("9403.60.80.81", "US", "CN", "2019-06-20", "", "1000"),  # 0 List 3 at 25%
    ("9403.60.80.81", "US", "CN", "2019-05-20", "2019-05-01", "1000"),  # 1 in transit: 10%
    ("9403.60.80.81", "US", "CN", "2019-06-14", "2019-05-01", "1000"),  # 2 last transit day
    ("9403.60.80.81", "US", "CN", "2019-06-20", "2019-05-01", "1000"),  # 3 window closed
    ("9403.60.80.81", "US", "CN", "2019-05-20", "2019-05-10", "1000"),  # 4 exported on the cut
    ("9403.60.80.81", "US", "VN", "2019-06-20", "", "1000"),  # 5 other origin: MFN only
    ("8516.71.00.20", "US", "CN", "2019-08-31", "", "1000"),  # 6 List 4A, the day before
    ("8516.71.00.20", "US", "CN", "2019-09-01", "", "1000"),  # 7 List 4A at 15%
    ("8516.71.00.20", "US", "CN", "2020-02-14", "", "1000"),  # 8 List 4A halved to 7.5%
    ("8471.30.01.00", "US", "CN", "2020-01-01", "", "1000"),  # 9 List 4B: 0%, suspended
    ("1201.90.10.00", "CN", "US", "2018-07-05", "", "1000"),  # 10 soybeans, the day before
    ("1201.90.10.00", "CN", "US", "2018-07-06", "", "1000"),  # 11 soybeans: 3% + 25%
    ("1201.90.10.00", "CN", "BR", "2018-07-06", "", "1000"),  # 12 Brazilian soybeans: 3%
    ("0201.10.10.10", "US", "CN", "2019-06-20", "", "1000"),  # 13 MFN 4.4¢/kg: specific
    ("9403.60.80.81", "US", "CN", "2019-06-20", "", ""),  # 14 no value: rate, no duty
]


@pytest.fixture(scope="module")
def known(real_store, tmp_path_factory) -> pd.DataFrame:
    tmp = tmp_path_factory.mktemp("known")
    rows = [(i, *r) for i, r in enumerate(KNOWN)]
    rated, rejects = run(real_store, write_csv(tmp / "known.csv", rows, tuple(COLUMNS)), tmp)
    assert rejects.empty, rejects.to_dict("records")
    return rated.assign(id=rated.id.astype(int)).set_index("id").sort_index()


@pytest.mark.parametrize(
    ("row", "total", "s301"),
    [(0, 0.25, 0.25), (1, 0.10, 0.10), (2, 0.10, 0.10), (3, 0.25, 0.25), (4, 0.25, 0.25),
     (5, 0.0, 0.0), (9, 0.0, 0.0)],
)  # fmt: skip
def test_known_us_rates(known, row, total, s301):
    r = known.loc[row]
    assert r.total_rate == pytest.approx(total, abs=1e-12)
    assert r.s301_rate == pytest.approx(s301, abs=1e-12)
    assert r.duty == pytest.approx(1000 * total, abs=1e-9)


def test_transit_rows_cite_the_transit_heading(known):
    assert known.loc[1].s301_heading == "9903.88.09"
    assert known.loc[0].s301_heading == known.loc[3].s301_heading == "9903.88.03"


def test_list_4a_steps(known):
    mfn = known.loc[6].mfn_rate
    assert mfn == pytest.approx(0.037) and known.loc[6].total_rate == pytest.approx(mfn)
    assert known.loc[7].total_rate == pytest.approx(mfn + 0.15, abs=1e-12)
    assert known.loc[8].total_rate == pytest.approx(mfn + 0.075, abs=1e-12)
    assert known.loc[7].s301_heading == known.loc[8].s301_heading == "9903.88.15"
    assert (known.loc[[7, 8]].mfn_rate == mfn).all()


def test_list_4b_is_zero_in_force(known):
    r = known.loc[9]
    assert r.mfn_text == "Free" and r.s301_rate == 0.0 and r.total_rate == 0.0
    assert nan(r.note)


def test_china_soybeans(known):
    assert known.loc[10].total_rate == pytest.approx(0.03, abs=1e-12)
    assert known.loc[11].total_rate == pytest.approx(0.28, abs=1e-12)
    assert known.loc[11].ret_rate == pytest.approx(0.25, abs=1e-12)
    assert known.loc[12].total_rate == pytest.approx(0.03, abs=1e-12)
    assert known.loc[12].ret_rate == 0.0 and known.loc[12].origin_group == "*"


def test_specific_mfn_is_null_never_zero(known):
    r = known.loc[13]
    assert r.mfn_text == "4.4¢/kg"
    assert nan(r.total_rate) and nan(r.duty)
    assert "not ad valorem" in r.note and "4.4¢/kg" in r.note


def test_missing_value_gives_a_rate_and_no_duty(known):
    r = known.loc[14]
    assert r.total_rate == pytest.approx(0.25) and nan(r.value) and nan(r.duty)


# --------------------------------------------------------------------------- 3. rejects

BAD = [
    # (code, importer, origin, entered, exported, value), words the reason must contain
    (("9403.60.8", "US", "CN", "2019-06-20", "", "1"), "malformed code"),
    (("9403608081X", "US", "CN", "2019-06-20", "", "2"), "malformed code"),
    (("9403.60.80.81", "US", "XX", "2019-06-20", "", "3"), "unknown origin country"),
    (("9403.60.80.81", "DE", "CN", "2019-06-20", "", "4"), "unknown importer"),
    (("9403.60.80.81", "US", "US", "2019-06-20", "", "5"), "origin equals importer"),
    (("9403.60.80.81", "US", "CN", "2019-02-30", "", "6"), "entry date"),
    (("9403.60.80.81", "US", "CN", "soon", "", "7"), "entry date"),
    (("9403.60.80.81", "US", "CN", "2019-06-20", "May 1st", "8"), "export date not"),
    (("9403.60.80.81", "US", "CN", "2019-06-20", "2019-06-21", "9"), "export date after"),
    (("9403.60.80.81", "US", "CN", "2017-12-31", "", "10"), "outside the schedule coverage"),
    (("1201.90.10.00", "CN", "US", "2026-11-01", "", "11"), "outside the schedule coverage"),
    (("9999.99.99.99", "US", "CN", "2019-06-20", "", "12"), "not in the schedule"),
    (("9403.60.80.81", "US", "CN", "2019-06-20", "", "-5"), "non-negative number"),
    (("9403.60.80.81", "US", "CN", "2019-06-20", "", "lots"), "non-negative number"),
    (("9403.60.80.81", "US", "CN", "2019-06-20", "", "NaN"), "non-negative number"),
    # List 3 lines (25%) and a List 4A line (15%) under one HTS8
    (("8517.62.00", "US", "CN", "2019-10-01", "", "16"), "parent code whose lines differ"),
]
GOOD = [
    ("9403.60.80.81", "US", "CN", "2019-06-20", "", "100"),
    ("85176200", "US", "CN", "2018-06-01", "", "200"),  # the parent before List 3: one rate
]


def test_rejects_carry_the_reason_and_good_rows_are_written(real_store, tmp_path):
    rows = [GOOD[0], *(r for r, _ in BAD), GOOD[1]]
    rated, rejects = run(real_store, write_csv(tmp_path / "mixed.csv", rows), tmp_path)
    rated = rated.sort_values("value", ignore_index=True)
    assert rated.value.tolist() == [100.0, 200.0]
    assert rated.total_rate.tolist() == pytest.approx([0.25, 0.0])
    assert len(rejects) == len(BAD), rejects.to_dict("records")
    by_value = {r["value"]: r for r in rejects.to_dict("records")}
    for (code, importer, origin, entered, exported, value), words in BAD:
        r = by_value[value]
        assert words in r["reason"], (value, r)
        # the rejected row is given back as it was written
        assert (r["code"], r["importer"], r["origin"], r["entered"], r["exported"]) == (
            code, importer, origin, entered, exported,
        )  # fmt: skip


def test_a_rejects_file_can_be_fixed_and_fed_back(real_store, tmp_path):
    """An input with a ``reason`` column (a rejects file) is validated afresh."""
    rows = [
        ("9403.60.80.81", "US", "CN", "2019-06-20", "", "1", "malformed code: old reason"),
        ("9403.60.80.81", "US", "XX", "2019-06-20", "", "2", ""),
    ]
    header = (*COLUMNS[1:], "reason")
    rated, rejects = run(real_store, write_csv(tmp_path / "fixed.csv", rows, header), tmp_path)
    assert rated.value.tolist() == [1.0] and rated.total_rate.tolist() == [0.25]
    assert rejects.value.tolist() == ["2"]
    assert "unknown origin country" in rejects.reason[0]


def test_user_columns_pass_through_even_with_common_names(real_store, tmp_path):
    """Input columns the engine does not read (an entry number, a broker's ``country``,
    ``panel_key``) come back unchanged on the rated rows: the plan's own working columns
    are named ``plan_*``. (The rejects file gives the six input fields and the reason.)"""
    rows = [
        ("9403.60.80.81", "US", "CN", "2019-06-20", "", "100", "E-1", "China", "k1"),
        ("9403.60.80.81", "US", "XX", "2019-06-20", "", "5", "E-2", "Nowhere", "k2"),
    ]
    header = (*COLUMNS[1:], "entry_number", "country", "panel_key")
    rated, rejects = run(real_store, write_csv(tmp_path / "extra.csv", rows, header), tmp_path)
    assert rated[["entry_number", "country", "panel_key"]].values.tolist() == [
        ["E-1", "China", "k1"]
    ]
    assert rated.total_rate.tolist() == [pytest.approx(0.25)]
    assert rejects.value.tolist() == ["5"] and "unknown origin country" in rejects.reason[0]
    assert not any(c.startswith("plan_") for c in (*rated.columns, *rejects.columns))


def test_a_rated_file_can_be_rated_again(real_store, tmp_path):
    """Feeding an output back in rates it afresh: no stale or duplicated rate columns."""
    rows = [(0, *KNOWN[0]), (1, *KNOWN[13])]
    first, _ = run(real_store, write_csv(tmp_path / "one.csv", rows, tuple(COLUMNS)), tmp_path)
    stale = first.assign(total_rate=0.99, duty=-1.0, note="stale", s301_rate=0.99)
    stale.to_parquet(tmp_path / "stale.parquet", index=False)
    again, _ = run(real_store, tmp_path / "stale.parquet", tmp_path)
    assert sorted(again.columns) == sorted(first.columns)
    again = again.sort_values("id", ignore_index=True)
    assert again.total_rate[0] == pytest.approx(0.25) and again.s301_rate[0] == 0.25
    assert nan(again.total_rate[1]) and nan(again.duty[1]) and "not ad valorem" in again.note[1]


# --------------------------------------------------------------------------- 4. partitions


def test_hive_partitioned_parquet_directory(real_store, tmp_path):
    frame = pd.DataFrame(
        [
            ("9403608081", "US", "CN", "2018-10-01", None, 10.0),
            ("9403608081", "US", "CN", "2019-06-20", None, 20.0),
            ("1201901000", "CN", "US", "2018-07-06", None, 30.0),
            ("1201901000", "CN", "US", "2019-02-01", None, 40.0),
            ("9999999999", "US", "CN", "2019-03-01", None, 50.0),  # rejected
        ],
        columns=KEY,
    )
    frame["year"] = frame.entered.str[:4].astype(int)
    root = tmp_path / "shipments"
    frame.to_parquet(root, partition_cols=["year"], index=False)
    assert sorted(p.name for p in root.iterdir()) == ["year=2018", "year=2019"]
    rated, rejects = run(real_store, root, tmp_path)
    assert len(rated) == 4 and len(rejects) == 1
    assert "year" in rated.columns
    assert (rated.year.astype(int) == pd.to_datetime(rated.entered).dt.year).all()
    totals = dict(zip(rated.value, rated.total_rate, strict=True))
    assert totals == pytest.approx({10.0: 0.10, 20.0: 0.25, 30.0: 0.28, 40.0: 0.28})


# --------------------------------------------------------------------------- 5. CLI


def _cli(store: Path, *args: str) -> subprocess.CompletedProcess:
    script = Path(sys.executable).with_name("tradewar")
    command = [str(script)] if script.exists() else [
        sys.executable, "-c", "from tradewar.interfaces.cli import main; main()",
    ]  # fmt: skip
    env = {**os.environ, "TRADEWAR_HOME": str(store.parent)}
    env.pop("TRADEWAR_DEBUG", None)
    return subprocess.run(
        [*command, *args], capture_output=True, text=True, env=env, timeout=120, check=False
    )


def test_cli_bulk_json_summary(real_store, tmp_path):
    rows = [GOOD[0], GOOD[1], BAD[0][0], BAD[2][0]]
    source = write_csv(tmp_path / "in.csv", rows)
    output = tmp_path / "out.parquet"
    p = _cli(real_store, "duty", "--input", str(source), "--output", str(output), "--json")
    assert p.returncode == 0, p.stderr
    summary = json.loads(p.stdout)
    assert isinstance(summary, dict)
    assert (summary["rows"], summary["rated"], summary["rejected"]) == (4, 2, 2)
    assert len(pd.read_parquet(output)) == 2
    assert len(pd.read_csv(summary["rejects"])) == 2


def test_cli_bulk_output_named_as_a_directory(real_store, tmp_path):
    """``--output DIR`` (no .parquet suffix) is a dataset directory on DuckDB too."""
    source = write_csv(tmp_path / "in.csv", [GOOD[0], GOOD[1], BAD[0][0]])
    output = tmp_path / "rated"
    p = _cli(real_store, "duty", "--input", str(source), "--output", str(output), "--json")
    assert p.returncode == 0, p.stderr
    names = sorted(f.name for f in output.iterdir())  # one file per writer thread
    assert output.is_dir() and names[0] == "part-0.parquet", names
    assert all(re.fullmatch(r"part-\d+\.parquet", n) for n in names), names
    assert len(pd.read_parquet(output)) == 2
    assert (tmp_path / "rated.rejects.csv").is_file()
    # re-running refuses without --overwrite, then replaces the directory (no nesting)
    p = _cli(real_store, "duty", "--input", str(source), "--output", str(output))
    assert p.returncode == 2 and "--overwrite" in p.stderr
    p = _cli(real_store, "duty", "--input", str(source), "--output", str(output), "--json",
             "--overwrite")  # fmt: skip
    assert p.returncode == 0, p.stderr
    assert len(pd.read_parquet(output)) == 2


def _garbage(path: Path) -> None:
    path.write_bytes(random.Random(0).randbytes(5000))


def _late_error(path: Path) -> None:
    """Well-formed for longer than DuckDB's sniffing sample, then a broken row."""
    with path.open("w") as f:
        f.write("code,importer,origin,entered,value\n")
        f.write("9403608081,US,CN,2019-06-20,100\n" * 25_000)
        f.write("9403608081,US,CN,2019-06-20,100,one,too,many\n")


def _corrupt_parquet(path: Path) -> None:
    """A valid footer over a damaged body: readable schema, unreadable data."""
    n = 50_000
    frame = pd.DataFrame({
        "code": ["9403608081"] * n, "importer": "US", "origin": "CN",
        "entered": "2019-06-20", "value": np.arange(n, dtype=float),
    })  # fmt: skip
    frame.to_parquet(path, row_group_size=5000, index=False)
    data = bytearray(path.read_bytes())
    noise = random.Random(0)
    for i in range(len(data) // 4, len(data) // 2):
        data[i] = noise.randrange(256)
    path.write_bytes(bytes(data))


def _truncated_parquet(path: Path) -> None:
    _corrupt_parquet(path)
    path.write_bytes(path.read_bytes()[:2000])


@pytest.mark.parametrize(
    ("name", "make"),
    [
        ("garbage.csv", _garbage),
        ("missing.csv", None),
        ("sheet.xlsx", lambda p: p.write_bytes(b"PK\x03\x04" + bytes(200))),
        ("late_error.csv", _late_error),
        ("corrupt.parquet", _corrupt_parquet),
        ("truncated.parquet", _truncated_parquet),
        ("no_columns.csv", lambda p: p.write_text("a,b\n1,2\n")),
    ],
)
def test_cli_unreadable_input_is_a_one_line_error(real_store, tmp_path, name, make):
    source = tmp_path / name
    if make:
        make(source)
    output = tmp_path / "out.parquet"
    p = _cli(real_store, "duty", "--input", str(source), "--output", str(output), "--json")
    assert p.returncode == 2, (p.returncode, p.stderr[-2000:])
    assert "Traceback" not in p.stderr and "internal error" not in p.stderr
    lines = [line for line in p.stderr.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("error:")]
    assert len(errors) == 1 and lines[-1] == errors[0], p.stderr[-2000:]
    assert str(source.name) in errors[0]
    assert p.stdout == ""
    assert not output.exists()  # no empty or half-written output left behind


# --------------------------------------------------------------------------- 6. Python API


@pytest.mark.parametrize("dates", ["text", "datetime64"])
def test_duty_frame_returns_rated_and_rejected_rows(real_store, dates):
    frame = pd.DataFrame(
        [
            ("9403.60.80.81", "US", "CN", "2019-06-20", None, 1000.0),
            ("9403.60.80.81", "US", "CN", "2019-05-20", "2019-05-01", 2000.0),
            ("1201.90.10.00", "CN", "US", "2018-07-06", None, 3000.0),
            ("9403.60.80.81", "US", "XX", "2019-06-20", None, 4000.0),
            ("9403.60.80.81", "US", "CN", "2017-06-20", None, 5000.0),
        ],
        columns=KEY,
    )
    if dates == "datetime64":
        frame["entered"] = pd.to_datetime(frame.entered)
        frame["exported"] = pd.to_datetime(frame.exported)
    out = api.duty_frame(frame, store=real_store)
    assert len(out) == 5
    rated = out[out.reason.isna()].sort_values("value")
    rejected = out[out.reason.notna()]
    assert rated.total_rate.tolist() == pytest.approx([0.25, 0.10, 0.28])
    assert rated.duty.tolist() == pytest.approx([250.0, 200.0, 840.0])
    assert sorted(rejected.origin) == ["CN", "XX"]
    reasons = " / ".join(rejected.reason)
    assert "unknown origin country" in reasons and "outside the schedule coverage" in reasons
    assert rejected.total_rate.isna().all()
