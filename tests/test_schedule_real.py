"""The US and China schedules on the real shared data (needs the built store)."""

from __future__ import annotations

import pytest

from tradewar import api
from tradewar.data.store import open_store


def duty(store, code, entered, exported=None, importer="US", origin=None, value=None):
    origin = origin or ("CN" if importer == "US" else "US")
    return api.duty(code, importer, origin, entered, exported, value, store=store)


def s301(result):
    return [y for y in result["layers"] if y["authority"] == "Section 301"]


def test_list_line_counts_against_usitc_and_ustr(real_store):
    """USTR published 818 / 279 / 5,745 HTS8 lines for Lists 1-3.

    The USITC list of January 2020 has 818 / 279 / 5,759 (+43 HTS10 items under
    9903.88.04). List 3's difference comes from renumbering: the USITC list is in the
    2020 nomenclature, and 43 of its List 3 codes were not HTS lines on 2018-09-24
    (for example 4401.11.00 and 4401.12.00 replaced 4401.10.00 on 2019-01-01). The
    USTR annex extraction names two 2018 codes the 2020 list lacks (2009.89.60 and
    4412.31.41, both split in 2019); they are kept as members from the annex.
    """
    lists = {m["measure_id"]: m for m in api.lists("US", store=real_store)}
    assert lists["us.s301.list1"]["lines"]["level_8"] == 818
    assert lists["us.s301.list2"]["lines"]["level_8"] == 279
    l3 = lists["us.s301.list3"]["lines"]
    assert l3["level_10"] == 43
    assert l3["level_8"] == 5759 + 2  # USITC 5,759 + two 2018 codes from the USTR annex
    assert lists["us.s301.list1"]["published_lines"] == 818
    assert lists["us.s301.list3"]["published_lines"] == 5745

    con = open_store(real_store)
    renumbered = con.execute(
        "SELECT count(*) FROM s301_crosscheck WHERE heading = '9903.88.03' "
        "AND kind = 'not_in_hts_at_start'"
    ).fetchone()[0]
    annex_only = con.execute(
        "SELECT list(code ORDER BY code) FROM s301_crosscheck WHERE kind = 'annex_only' "
        "AND detail NOT LIKE '%USITC lists it under%'"
    ).fetchone()[0]
    con.close()
    assert renumbered == 43
    assert annex_only == ["20098960", "44123141"]


def test_list3_transit_rule_both_sides_of_each_cutoff(real_store):
    code = "9403608081"  # wooden furniture, List 3, MFN free
    assert duty(real_store, code, "2019-05-09")["total_rate"] == pytest.approx(0.10)
    before = duty(real_store, code, "2019-05-10", exported="2019-05-09")
    assert before["total_rate"] == pytest.approx(0.10)
    assert s301(before)[0]["heading"] == "9903.88.09"
    on = duty(real_store, code, "2019-05-10", exported="2019-05-10")
    assert on["total_rate"] == pytest.approx(0.25)
    assert s301(on)[0]["heading"] == "9903.88.03"
    assert duty(real_store, code, "2019-06-14", "2019-05-09")["total_rate"] == pytest.approx(0.10)
    assert duty(real_store, code, "2019-06-15", "2019-05-09")["total_rate"] == pytest.approx(0.25)
    assumed = duty(real_store, code, "2019-05-20")
    assert assumed["total_rate"] == pytest.approx(0.25)
    assert any("export date" in w for w in assumed["warnings"])


def test_list_4a_two_steps_and_4b_in_force_at_zero(real_store):
    watch = "8517620090"  # List 4A (smartwatches and other apparatus), MFN free
    assert duty(real_store, watch, "2019-08-31")["total_rate"] == pytest.approx(0.0)
    assert duty(real_store, watch, "2019-09-01")["total_rate"] == pytest.approx(0.15)
    assert duty(real_store, watch, "2020-02-13")["total_rate"] == pytest.approx(0.15)
    assert duty(real_store, watch, "2020-02-14")["total_rate"] == pytest.approx(0.075)
    laptop = duty(real_store, "8471300100", "2020-01-10")  # laptops: List 4B, suspended
    assert laptop["total_rate"] == pytest.approx(0.0)
    assert s301(laptop)[0]["heading"] == "9903.88.16"
    lists = {m["measure_id"]: m for m in api.lists("US", store=real_store)}
    l4b = lists["us.s301.list4b"]
    assert l4b["lines"]["total"] > 500
    assert [(s["from"], s["rate"], s["status"]) for s in l4b["steps"]] == [
        ("2019-12-15", 0.0, "suspended")
    ]
    # an HTS10 line listed under 9903.88.16 overrides its HTS8 parent's entry
    r = duty(real_store, "9403708003", "2020-01-10")
    layer = s301(r)[0]
    assert layer["heading"] == "9903.88.16" and layer["rate"] == 0.0
    assert layer["status"] == "suspended"


def test_section_232_stacks_with_301(real_store):
    """Aluminium castings (7616.99.51.60): MFN 2.5% + 232 10% + List 3 25%."""
    r = duty(real_store, "7616995160", "2019-06-20", value=1000)
    authorities = {y["authority"]: y for y in r["layers"]}
    assert authorities["Section 232"]["heading"] == "9903.85.01"
    assert authorities["Section 232"]["rate"] == pytest.approx(0.10)
    assert authorities["Section 301"]["rate"] == pytest.approx(0.25)
    assert r["total_rate"] == pytest.approx(0.375)
    assert r["duty"] == pytest.approx(375.0)
    before = duty(real_store, "7616995160", "2018-03-22")
    assert "Section 232" not in {y["authority"] for y in before["layers"]}
    steel = duty(real_store, "7208510030", "2019-06-20")  # steel plate: 232 only
    assert [y["heading"] for y in steel["layers"] if y["authority"] != "MFN"] == ["9903.80.01"]


def test_china_soybeans_and_pork_2018_07_06(real_store):
    soy = duty(real_store, "1201.90", "2018-07-06", importer="CN")
    assert soy["total_rate"] == pytest.approx(0.28)
    pork = duty(real_store, "0203.29", "2018-07-06", importer="CN")
    assert pork["total_rate"] == pytest.approx(0.62)
    other = duty(real_store, "1201.90", "2018-07-06", importer="CN", origin="BR")
    assert other["total_rate"] == pytest.approx(0.03)


def test_every_layer_cites_its_basis(real_store):
    r = duty(real_store, "8517620090", "2020-03-01")
    for y in r["layers"]:
        assert y["citation"] and y["heading"] and y["source"]
        assert 0 <= y["rate"] <= 1


def test_schedule_history(real_store):
    s = api.schedule("9403608081", "US", "CN", store=real_store)
    starts = [t["valid_from"] for t in s["timeline"]]
    assert "2018-09-24" in starts and "2019-05-10" in starts and "2019-06-15" in starts
    assert {y["heading"] for y in s["layers"]} >= {"9903.88.03", "9903.88.09"}
