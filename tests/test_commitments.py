"""Phase One purchase commitments: the annex mapping, 2020 attainment from the HS6 data,
and the comparison with the tracker's goals files (tolerances stated below)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from tradewar.api import policy as api_policy
from tradewar.config import raw_dir
from tradewar.data.sources.flows import HS6_EXPORTS
from tradewar.data.store import open_store
from tradewar.errors import CoverageError, InputError
from tradewar.policy import PolicyFileError
from tradewar.policy import commitments as cm

BIN = Path(sys.executable).with_name("tradewar")
BN = 1e9
ANNEX = "mwaugh0328__tradewar-tracker/data/annex-6-1.csv"


@pytest.fixture(scope="module")
def full_year(real_store):
    return api_policy.commitments("phase-one", "us-exports", "2020-12", compare=True,
                                  store=real_store)  # fmt: skip


def cat(result, cid):
    return next(c for c in result["categories"] if c["id"] == cid)


def test_every_annex_line_mapped_or_reported(full_year):
    m = full_year["mapping"]
    lines = duckdb.sql(f"SELECT count(*) FROM read_csv('{raw_dir() / ANNEX}')").fetchone()[0]
    assert m["annex_lines"] == lines == 536
    assert m["mapped"] + len(m["unmapped"]) == m["annex_lines"]
    assert m["unmapped"] == []  # every line has a category of the agreement file
    # annex lines that match no trade code are reported, each with its row in the CSV
    no_trade = {r["code"] for r in m["annex_lines_without_trade"]}
    assert no_trade == {"2905", "8802", "27111990"}
    # 8802 (aircraft) is measured by the supplementary Schedule B code 8800.00
    assert [s["code"] for s in m["supplements"]] == ["880000"]
    assert m["supplements"][0]["value_2017"] == pytest.approx(16.264e9, abs=0.01e9)


def test_2020_attainment_recomputed_from_hs6(full_year, real_store):
    """Agriculture (HS4 annex lines only) recomputed here with plain SQL on the flows."""
    annex = raw_dir() / ANNEX
    con = open_store(real_store)
    try:
        agri = con.execute(
            f"""WITH a AS (SELECT hs4_o AS code FROM read_csv('{annex}', all_varchar = true)
                           WHERE high_catagory = '2. Agriculture')
                SELECT sum(value_usd) FROM flows
                WHERE source = ? AND year(period_start) = 2020
                  AND ((product_level = 'HS6' AND left(code, 4) IN (SELECT code FROM a))
                    OR (product_level = 'HS4' AND code IN (SELECT code FROM a)))""",
            [HS6_EXPORTS],
        ).fetchone()[0]
    finally:
        con.close()
    assert all(len(c) == 4 for c in duckdb.sql(
        f"SELECT hs4_o FROM read_csv('{annex}', all_varchar = true) "
        "WHERE high_catagory = '2. Agriculture'").fetchnumpy()["hs4_o"])  # fmt: skip
    assert cat(full_year, "agriculture")["actual"] == pytest.approx(agri, abs=1.0)
    # the table: 2017 baseline + increment = target; attainment = actual / target
    for c in full_year["categories"]:
        if c["checkable"]:
            assert c["target"] == pytest.approx(c["baseline_2017"] + c["increment"], rel=1e-12)
            assert c["attainment_pct"] == pytest.approx(100 * c["actual"] / c["target"], 1e-6)
    total = full_year["total"]
    assert total["baseline_2017"] == pytest.approx(95.035e9, abs=0.01e9)
    assert total["target"] == pytest.approx(158.935e9, abs=0.01e9)
    assert total["actual"] == pytest.approx(93.353e9, abs=0.01e9)
    assert 58.5 < total["attainment_pct"] < 59.0
    assert total["excludes"] == ["services"]
    services = cat(full_year, "services")
    assert not services["checkable"] and services["actual"] is None
    assert "cannot be checked from goods" in services["reason"]


def test_comparison_with_goals_files(full_year):
    """Stated tolerances: baselines and targets within $10m of every file (same source,
    same annex); purchases within 1% of goals.parquet and the C-november file (a later
    Census vintage); phaseone-goals.csv equal for manufactures and agriculture, and lower
    for energy by exactly November 2020's energy (that vintage lacked it)."""
    rows = full_year["comparison"]["rows"]
    assert {r["file"] for r in rows} == set(cm.GOALS_FILES)
    nov_energy = next(
        m["actual"] for m in cat(full_year, "energy")["monthly"] if m["month"] == "2020-11"
    )
    for r in rows:
        if r["field"] in ("baseline_2017", "target_2020"):
            assert abs(r["difference"]) < cm.BASELINE_TOLERANCE_USD, r
        elif r["file"] == "phaseone-goals.csv" and r["category"] == "energy":
            assert r["difference"] == pytest.approx(nov_energy, abs=1e6), r
        elif r["file"] == "phaseone-goals.csv":
            assert abs(r["difference"]) < 1e6, r
        else:
            assert abs(r["difference_share"]) < cm.ACTUAL_TOLERANCE_SHARE, r
    # the supplement (aircraft) is the whole gap between ours and the annex-only figures
    manu = cat(full_year, "manufactured")
    assert manu["from_supplements"]["baseline_2017"] == pytest.approx(16.264e9, abs=0.01e9)
    assert full_year["comparison"]["explanation"]
    gaps = full_year["data_gaps"]
    assert [g["month"] for g in gaps["partial_months"]] == ["2020-12"]
    assert gaps["supplements_missing_months"] == [{"code": "880000", "months": ["2020-12"]}]


def test_prorating_methods(real_store):
    seasonal = api_policy.commitments(through="2020-06", store=real_store)
    straight = api_policy.commitments(through="2020-06", prorate="straight-line",
                                      store=real_store)  # fmt: skip
    for s, t in zip(seasonal["categories"], straight["categories"], strict=True):
        if not s["checkable"]:
            continue
        assert t["target"] == pytest.approx(t["annual_target"] * 6 / 12, rel=1e-12)
        assert s["actual"] == t["actual"]
        june = s["monthly"][5]
        assert june["month"] == "2020-06" and june["target_cum"] == s["target"]
    # seasonal: the June target is the 2017 share of the year's purchases made by June
    agri = cat(seasonal, "agriculture")
    assert agri["target"] < agri["annual_target"] * 0.5  # soybeans ship in the autumn


def test_bases_and_errors(real_store):
    with pytest.raises(CoverageError, match="china-imports is not available"):
        api_policy.commitments(basis="china-imports", store=real_store)
    with pytest.raises(CoverageError, match="through 2020-12"):
        api_policy.commitments(through="2021-03", store=real_store)
    with pytest.raises(InputError, match="unknown agreement"):
        api_policy.commitments("phase-two", store=real_store)
    pledge = api_policy.commitments("pledge-2018-12", store=real_store)
    assert pledge["verifiable"] is False and pledge["schedule"] is None
    assert "no verifiable schedule" in pledge["message"]


def test_acceptance_cli(real_store, tmp_path):
    env = {**os.environ, "TRADEWAR_HOME": str(real_store.parent)}
    args = ["commitments", "--agreement", "phase-one", "--basis", "us-exports",
            "--through", "2020-12", "--json", "--plot", str(tmp_path / "c.png")]  # fmt: skip
    proc = subprocess.run([str(BIN), *args], capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["basis"]["id"] == "us-exports" and out["through"] == "2020-12"
    for c in [*out["categories"], out["total"]]:
        for field in ("name", "baseline_2017", "target", "actual", "attainment_pct"):
            assert field in c
    assert (tmp_path / "c.png").stat().st_size > 10_000
    proc = subprocess.run([str(BIN), "commitments", "--basis", "china-imports"],
                          capture_output=True, text=True, env=env)  # fmt: skip
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: basis china-imports is not available")
    assert len(proc.stderr.strip().splitlines()) == 1


def test_bad_commitment_file_names_the_line(tmp_path):
    bad = tmp_path / "x.yaml"
    bad.write_text(
        "id: x\nkind: agreement\nname: x\ncitation: c\nbaseline_year: 2017\nyears: [2020]\n"
        "categories:\n  - id: a\n    name: A\n    annex_categories: [A]\n"
        "    increments_usd_bn: {2020: lots}\n    citation: c\n",
        encoding="utf-8",
    )
    with pytest.raises(PolicyFileError, match=rf"{bad}:11: invalid commitment file"):
        cm.load_commitment(bad)
