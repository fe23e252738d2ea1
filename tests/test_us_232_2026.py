"""Section 232 programs of 2025-2026 on the real data: the 2026 metals annexes
(9903.82.xx), MHD vehicles, wood products; each on both sides of its step date."""

from __future__ import annotations

import pytest

from tradewar import api

PLATE = "7208101500"  # hot-rolled steel, chapter 72: U.S. note 16(c)(iii)
COPPER_WIRE = "7408116000"  # refined copper wire: note 16(c)(v)
EXCAVATOR = "8429521010"  # note 16(c)(vii), outside chapters 72-76
PRESS = "8479899599"  # note 16(c)(ix), Annex III
COMBINE = "8433510010"  # Annex I-B, then Annex III from 2026-06-08
TRACTOR = "8701210080"  # road tractor: MHD vehicle (note 38(b)) and note 16(c)(vii)
LUMBER = "4407110001"  # coniferous sawn wood: note 37(b)
SOFA = "9401614011"  # upholstered wooden seats: note 37(d)
CABINET = "9403409060"  # wooden kitchen cabinets for permanent installation: 37(f)


def duty(store, code, entered, **kw):
    return api.duty(code, "US", "CN", entered, store=store, **kw)


def layer(result, heading):
    return next((y for y in result["layers"] if y["heading"] == heading), None)


def in_total(result):
    return {y["heading"] for y in result["layers"] if y["in_total"] and y["rate"]}


@pytest.mark.parametrize(
    ("day", "total", "heading"),
    [
        ("2026-04-05", 0.75, "9903.81.87"),  # 50% steel, List 301 review 25%
        ("2026-04-06", 0.75, "9903.82.02"),  # Annex I-A: 50% of the full value
        ("2026-09-30", 0.75, "9903.82.02"),
    ],
)
def test_steel_annex_1a(real_store, day, total, heading):
    r = duty(real_store, PLATE, day)
    assert r["total_rate"] == pytest.approx(total)
    assert heading in in_total(r)
    assert "9903.03.01" not in in_total(r)  # 232 goods are outside Section 122


def test_copper_moves_from_content_value_to_full_value(real_store):
    before = duty(real_store, COPPER_WIRE, "2026-04-05")
    assert before["total_rate"] is None  # 9903.78.01 needs the copper content value
    after = duty(real_store, COPPER_WIRE, "2026-04-06")
    copper = layer(after, "9903.82.02")
    assert copper["rate"] == pytest.approx(0.50) and copper["rate_kind"] == "ad_valorem"
    assert after["total_rate"] == pytest.approx(0.03 + 0.50 + 0.25)  # MFN + 232 + List 3
    assert "Proclamation 11021" in copper["citation"]


def test_annex_1b_outside_metal_chapters_is_conditional(real_store):
    r = duty(real_store, EXCAVATOR, "2026-04-06")
    metals = layer(r, "9903.82.09")
    assert metals["rate"] == pytest.approx(0.25) and not metals["in_total"]
    assert "15%" in metals["why"] and "9903.82.03" in metals["why"]
    # not settled by the code: the total is that of the condition not met
    assert r["total_rate"] == pytest.approx(0.0 + 0.25 + 0.10)


def test_annex_3_floor_is_fifteen_percent_with_column_1(real_store):
    r = duty(real_store, PRESS, "2026-04-06")
    floor = layer(r, "9903.82.10")
    assert floor["rate"] == pytest.approx(0.15 - 0.025)  # MFN 2.5%
    assert "15% less the column 1 rate 2.5%" in floor["rate_text"]
    assert layer(duty(real_store, PRESS, "2026-04-05"), "9903.82.10") is None


def test_june_2026_annex_iii_replaces_annex_1b(real_store):
    before = duty(real_store, COMBINE, "2026-06-07")
    after = duty(real_store, COMBINE, "2026-06-08")
    assert layer(before, "9903.82.09")["rate"] == pytest.approx(0.25)
    assert layer(after, "9903.82.09") is None
    moved = layer(after, "9903.82.25")
    assert moved["rate"] == pytest.approx(0.15) and moved["precision"] == "secondary-list"


def test_mhd_vehicles(real_store):
    assert layer(duty(real_store, TRACTOR, "2025-10-31"), "9903.74.01") is None
    r = duty(real_store, TRACTOR, "2025-11-01")
    assert "9903.74.01" in in_total(r)
    content = layer(r, "9903.81.91")  # steel content: not on MHD vehicles
    assert content is not None and not content["in_total"]
    later = duty(real_store, TRACTOR, "2026-04-06")
    assert "9903.74.01" in in_total(later) and "9903.82.09" not in in_total(later)
    assert later["total_rate"] == pytest.approx(0.04 + 0.25 + 0.25)  # MFN, 232, List 2


@pytest.mark.parametrize(
    ("code", "heading", "rate"),
    [(LUMBER, "9903.76.01", 0.10), (SOFA, "9903.76.02", 0.25), (CABINET, "9903.76.03", 0.25)],
)
def test_wood_products(real_store, code, heading, rate):
    assert layer(duty(real_store, code, "2025-10-13"), heading) is None
    r = duty(real_store, code, "2025-10-14")
    assert layer(r, heading)["rate"] == pytest.approx(rate) and heading in in_total(r)
    assert "9903.01.25" not in in_total(r)  # wood is outside the reciprocal tariff
    assert layer(duty(real_store, code, "2026-09-30"), heading)["rate"] == pytest.approx(rate)


def test_cabinet_parts_line_is_conditional(real_store):
    r = duty(real_store, "9403910080", "2025-10-14")
    assert not layer(r, "9903.76.03")["in_total"]


def test_annex_ii_products_leave_the_metals_duty(real_store):
    """Perfume 3303.00.10 (Annex II of Proclamation 11021): metal-content duties to
    2026-04-05 (not expressible without the content value), none from 2026-04-06."""
    code = "3303001000"
    before = duty(real_store, code, "2026-04-05")
    assert before["total_rate"] is None and layer(before, "9903.81.91") is not None
    after = duty(real_store, code, "2026-04-06")
    assert not any(y["authority"] == "Section 232" for y in after["layers"])
    assert after["total_rate"] == pytest.approx(0.25 + 0.10)  # List 3 and Section 122


def test_june_2026_annex_1b_changes(real_store):
    added = "9403200082"  # PP 11032 Annex IV: into Annex I-B from 2026-06-08
    assert layer(duty(real_store, added, "2026-06-07"), "9903.82.09") is None
    assert layer(duty(real_store, added, "2026-06-08"), "9903.82.09")["rate"] == 0.25
    left = "8708292140"  # 8708.29.21 leaves Annex I-B on 2026-06-08
    assert layer(duty(real_store, left, "2026-06-07"), "9903.82.09") is not None
    assert layer(duty(real_store, left, "2026-06-08"), "9903.82.09") is None
