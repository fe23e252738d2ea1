"""China's schedule after 2019 on the real data: every round on both sides of its dates.

Additional duty = the sum of the non-MFN layers in the total, as ``duty`` shows them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tradewar import api
from tradewar.data.store import open_store
from tradewar.errors import TradewarError

PORK, SOY = "0203.29.00", "1201.90.11"


def _duty(store: Path, code: str, day: str) -> dict:
    return api.duty(code, importer="CN", origin="US", entered=day, store=store)


def _additional(store: Path, code: str, day: str) -> float:
    layers = _duty(store, code, day)["layers"]
    return round(
        sum(y["rate"] or 0 for y in layers if y["authority"] != "MFN" and y["in_total"]), 6
    )


def _rate(store: Path, code: str, day: str, measure: str) -> float | None:
    rows = [y for y in _duty(store, code, day)["layers"] if y["measure_id"] == measure]
    return rows[0]["rate"] if rows else None


def test_ita_examples_on_2025_03_28(real_store):
    assert _additional(real_store, PORK, "2025-03-28") == 0.65  # 25 + 25 + 5 + 10
    assert _additional(real_store, SOY, "2025-03-28") == 0.375  # 25 + 2.5 + 10


def test_halving_of_the_sep_2019_round(real_store):
    assert _rate(real_store, PORK, "2020-02-13", "cn.ret.r4") == 0.10
    assert _rate(real_store, PORK, "2020-02-14", "cn.ret.r4") == 0.05
    layers = _duty(real_store, PORK, "2020-02-14")["layers"]
    layer = next(y for y in layers if y["measure_id"] == "cn.ret.r4")
    assert layer["precision"] == "reconstructed"


def test_auto_suspension_is_carried_and_the_ita_dispute_shown(real_store):
    """China suspended its 2018 rounds on US autos and parts; the HS6 file still shows
    them suspended on 2019-12-26 and no record ends that. The 2025 line keeps the
    suspended layer (rate 0), whose note says that the ITA matrix counts the 25%."""
    car = "8703.21.30"
    for day in ("2019-06-20", "2025-03-28"):
        layers = _duty(real_store, car, day)["layers"]
        held = [y for y in layers if y["status"] == "suspended"]
        assert held and all(y["rate"] == 0 for y in held), day
        assert {y["measure_id"] for y in held} <= {"cn.ret.r1", "cn.ret.r2", "cn.ret.r3"}
    assert any("ITA counts a further 25%" in (y.get("note") or "") for y in held)
    assert _additional(real_store, car, "2025-03-28") == 0.0


def test_feb_2025_round_on_lng(real_store):
    lng = "2711.11.00"
    assert _rate(real_store, lng, "2025-02-09", "cn.ret.2025-02.coal-lng") is None
    assert _rate(real_store, lng, "2025-02-10", "cn.ret.2025-02.coal-lng") == 0.15
    assert _additional(real_store, lng, "2025-03-28") == 0.40  # 25 + 15, as ITA


def test_mar_2025_round_and_its_november_suspension(real_store):
    assert _rate(real_store, SOY, "2025-03-09", "cn.ret.2025-03") is None
    assert _rate(real_store, SOY, "2025-03-10", "cn.ret.2025-03") == 0.10
    assert _rate(real_store, SOY, "2025-11-09", "cn.ret.2025-03") == 0.10
    layers = _duty(real_store, SOY, "2025-11-10")["layers"]
    after = next(y for y in layers if y["measure_id"] == "cn.ret.2025-03")
    assert after["rate"] == 0 and after["status"] == "suspended"
    assert _additional(real_store, SOY, "2025-11-10") == 0.375 - 0.10 + 0.10  # 10% stays


def test_april_peak_and_may_cut(real_store):
    base = _additional(real_store, PORK, "2025-04-09")
    assert base == 0.65
    assert _additional(real_store, PORK, "2025-04-10") == round(base + 0.84, 6)
    assert _additional(real_store, PORK, "2025-04-11") == round(base + 0.84, 6)
    assert _additional(real_store, PORK, "2025-04-12") == round(base + 1.25, 6)  # peak
    assert _additional(real_store, PORK, "2025-05-13") == round(base + 1.25, 6)
    assert _additional(real_store, PORK, "2025-05-14") == round(base + 0.10, 6)  # the cut
    assert _additional(real_store, PORK, "2026-10-31") == round(base - 0.10 + 0.10, 6)


def test_2018_rounds_on_both_sides_of_their_dates(real_store):
    assert _additional(real_store, PORK, "2018-04-01") == 0
    assert _additional(real_store, PORK, "2018-04-02") == 0.25
    assert _additional(real_store, PORK, "2018-07-06") == 0.50
    assert _additional(real_store, PORK, "2019-09-01") == 0.60


def test_mfn_carried_forward_warning(real_store):
    before = _duty(real_store, PORK, "2019-12-31")
    after = _duty(real_store, PORK, "2020-01-01")
    assert not any("carried forward" in w for w in before["warnings"])
    assert any("carried forward" in w for w in after["warnings"])
    mfn = next(y for y in after["layers"] if y["authority"] == "MFN")
    assert mfn["precision"] == "mfn-carried-forward" and mfn["rate"] == 0.12
    # the answer as a whole is no more exact than its weakest part
    assert before["precision"] in ("exact", "hs6-approximation")  # the HS6 file of 2019
    assert after["precision"] in ("mfn-carried-forward", "reconstructed")


def test_code_that_changed_nomenclature(real_store):
    # 2018: soybeans are HS10 1201.90.10.00; the 2025 schedule splits them into
    # 1201.90.11 / .19, linked by HS6 (the 2018 HS8 12019010 is gone)
    old = _duty(real_store, "1201.90.10.00", "2019-06-01")
    assert old["layers"] and _additional(real_store, "1201.90.10.00", "2019-06-01") == 0.25
    with pytest.raises(TradewarError, match=r"2020-01-01.*1201\.90\.11 \(hs6\)"):
        _duty(real_store, "1201.90.10.00", "2025-03-28")
    assert _additional(real_store, "1201.90.19", "2025-03-28") == 0.375
    con = open_store(real_store)
    try:
        links = con.execute(
            "SELECT DISTINCT method FROM cn_code_links WHERE new_code = '12019011'"
        ).fetchall()
    finally:
        con.close()
    assert links == [("hs6",)]


def _cli(home: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "TRADEWAR_HOME": str(home)}
    exe = str(Path(sys.executable).parent / "tradewar")
    return subprocess.run([exe, *args], capture_output=True, text=True, env=env, timeout=120)


def test_checks_lists_and_series(real_store):
    con = open_store(real_store)
    try:
        checks = dict(con.execute("SELECT name, observed FROM checks").fetchall())
    finally:
        con.close()
    assert float(checks["cn_ita_agreement_2025-03-28"]) >= 0.90
    assert float(checks["cn_r4_reconstructed_vs_hs6"]) >= 0.90
    assert "cn_ita_agreement_2025-03-28_weighted" in checks

    lists = {m["measure_id"]: m for m in api.lists("CN", store=real_store)}
    for measure in ("cn.ret.2025-02.coal-lng", "cn.ret.2025-03", "cn.ret.2025-04"):
        assert lists[measure]["steps"]
    april = [s["from"] for s in lists["cn.ret.2025-04"]["steps"]]
    assert april == ["2025-04-10", "2025-04-12", "2025-05-14", "2025-11-10"]

    run = _cli(real_store.parent, "series", "--importer", "CN", "--origin", "US",
               "--from", "2018-01-01", "--to", "2026-09-30", "--json")  # fmt: skip
    assert run.returncode == 0, run.stderr
    points = json.loads(run.stdout)
    years = {p["date"][:4] for p in points}
    assert {"2025", "2026"} <= years
    peak = max(points, key=lambda p: p["avg_additional"] or 0)
    assert peak["date"] == "2025-04-12"
