"""The US schedule 2021-2026 on the real data: step dates, exclusion rules, transit,
claims, content values, coverage (needs the built store)."""

from __future__ import annotations

import pandas as pd
import pytest

from tradewar import api
from tradewar.data.store import open_store
from tradewar.errors import CoverageError

TEE = "6109100012"  # men's cotton T-shirts: MFN 16.5%, List 4A 7.5%


def duty(store, code, entered, exported=None, value=None, **kw):
    return api.duty(code, "US", "CN", entered, exported, value, store=store, **kw)


def total(store, code, entered, exported=None, **kw):
    return duty(store, code, entered, exported, **kw)["total_rate"]


def headings(result):
    return [y["heading"] for y in result["layers"] if y["in_total"] and y["rate"]]


@pytest.mark.parametrize(
    ("entered", "expected"),
    [
        ("2024-06-01", 0.24),
        ("2025-02-03", 0.24),  # the day before the fentanyl duty
        ("2025-02-04", 0.34),  # fentanyl 10% (9903.01.20)
        ("2025-03-03", 0.34),
        ("2025-03-04", 0.44),  # fentanyl 20% (9903.01.24)
        ("2025-03-10", 0.44),
        ("2025-04-04", 0.44),
        ("2025-04-05", 0.54),  # reciprocal 10% (9903.01.25)
        ("2025-04-08", 0.54),
        ("2025-04-09", 1.28),  # 9903.01.63 at 84%
        ("2025-04-10", 1.69),  # 9903.01.63 at 125%
        ("2025-05-13", 1.69),
        ("2025-05-14", 0.54),  # Geneva: back to 10%
        ("2025-06-01", 0.54),
        ("2025-11-09", 0.54),
        ("2025-11-10", 0.44),  # fentanyl 10%
        ("2026-02-23", 0.44),
        ("2026-02-24", 0.34),  # IEEPA ended; Section 122 10%
        ("2026-03-15", 0.34),
        ("2026-07-23", 0.34),
        ("2026-07-24", 0.365),  # 122 over; forced-labour 301 12.5%
        ("2026-09-30", 0.365),
    ],
)
def test_tshirt_on_both_sides_of_every_step(real_store, entered, expected):
    assert total(real_store, TEE, entered) == pytest.approx(expected)


def test_layers_carry_heading_citation_rate_why(real_store):
    r = duty(real_store, TEE, "2025-06-01")
    assert headings(r) == ["6109.10.00", "9903.88.15", "9903.01.24", "9903.01.25"]
    for y in r["layers"]:
        assert y["heading"] and y["citation"] and y["why"] and y["rate"] is not None


def test_four_year_review_replaces_the_list_heading(real_store):
    ev = duty(real_store, "8703800020", "2024-10-01")
    assert ev["total_rate"] == pytest.approx(1.025)
    assert headings(ev) == ["8703.80.00", "9903.91.03"]
    before = duty(real_store, "8703800020", "2024-09-26")
    assert "9903.91.03" not in headings(before)
    assert before["total_rate"] == pytest.approx(0.275)  # List 3, 25%


def test_reciprocal_transit_rule(real_store):
    """Loaded before 2025-04-10 (or 04-09) and entered later: the 10% of 9903.01.25."""
    assert total(real_store, TEE, "2025-04-12", "2025-04-08") == pytest.approx(0.54)
    assert total(real_store, TEE, "2025-04-12", "2025-04-09") == pytest.approx(0.54)
    assert total(real_store, TEE, "2025-04-12", "2025-04-10") == pytest.approx(1.69)
    assert total(real_store, TEE, "2025-04-09", "2025-04-08") == pytest.approx(0.54)
    assert total(real_store, TEE, "2025-04-09", "2025-04-09") == pytest.approx(1.28)
    r = duty(real_store, TEE, "2025-04-12", "2025-04-08")
    assert "9903.01.25" in headings(r) and "9903.01.63" not in headings(r)


def test_section_122_transit_and_exemption(real_store):
    assert total(real_store, TEE, "2026-03-15", "2026-02-20") == pytest.approx(0.24)
    # an Annex II product of the surcharge (s122_exempt_products.csv, HTS8 0201.10.05)
    beef = duty(real_store, "0201100510", "2026-03-15")
    assert "9903.03.01" not in headings(beef)


def test_annex_ii_exemption_from_its_date(real_store):
    """0201.10.05.10 joined Annex II on 2025-11-13 (ieepa_exempt_products.csv)."""
    before = duty(real_store, "0201100510", "2025-11-12")
    after = duty(real_store, "0201100510", "2025-11-13")
    assert "9903.01.25" in headings(before)
    assert "9903.01.25" not in headings(after)
    assert any(y["heading"] == "9903.01.32" for y in after["layers"])


def test_232_goods_are_outside_the_reciprocal_tariff(real_store):
    steel = duty(real_store, "7208101500", "2025-06-01")
    reciprocal = [y for y in steel["layers"] if y["heading"] == "9903.01.25"]
    assert reciprocal and not reciprocal[0]["in_total"]
    assert "us.reciprocal_not_on_232" in reciprocal[0]["why"]
    assert "9903.01.24" in headings(steel)  # fentanyl stacks on 232


def test_232_goods_are_outside_section_122_and_forced_labour(real_store):
    assert "9903.03.01" not in headings(duty(real_store, "7208101500", "2026-03-15"))
    assert "9903.05.31" not in headings(duty(real_store, "7208101500", "2026-08-01"))


def test_forced_labour_exemption(real_store):
    """0201.10.05 is on Annex A of the forced-labour action."""
    assert "9903.05.31" not in headings(duty(real_store, "0201100510", "2026-08-01"))
    assert "9903.05.31" in headings(duty(real_store, TEE, "2026-08-01"))


def test_claimable_exclusion(real_store):
    code = "0304725000"  # fish fillets, List 3, excluded under 9903.88.69
    plain = duty(real_store, code, "2025-06-01", value=1000)
    assert plain["claims_available"] == ["9903.88.69"]
    assert plain["total_rate"] == pytest.approx(0.55)
    claimed = duty(real_store, code, "2025-06-01", value=1000, claims=["9903.88.69"])
    assert claimed["claims_applied"] == ["9903.88.69"]
    assert claimed["total_rate"] == pytest.approx(0.30)
    assert claimed["duty"] == pytest.approx(300.0)
    listed = next(y for y in claimed["layers"] if y["heading"] == "9903.88.03")
    assert not listed["in_total"]
    # not available on this product: a warning, nothing taken off
    other = duty(real_store, TEE, "2025-06-01", claims=["9903.88.69"])
    assert other["total_rate"] == pytest.approx(0.54) and other["claims_applied"] == []


def test_bulk_agrees_with_duty_on_claims(real_store, tmp_path):
    rows = pd.DataFrame(
        {
            "code": ["0304725000", "0304725000", TEE, TEE],
            "importer": "US",
            "origin": "CN",
            "entered": ["2025-06-01", "2025-06-01", "2025-04-12", "2026-03-15"],
            "exported": [None, None, "2025-04-08", None],
            "value": 1000.0,
            "claims": ["9903.88.69", None, None, None],
        }
    )
    src = tmp_path / "in.csv"
    rows.to_csv(src, index=False)
    out = tmp_path / "out.parquet"
    api.bulk(src, out, store=real_store)
    rated = pd.read_parquet(out).sort_values(["code", "entered", "claims"]).reset_index()
    for r in rated.itertuples():
        claims = [r.claims] if isinstance(r.claims, str) else None
        exported = None if pd.isna(r.exported) else str(r.exported)[:10]
        one = duty(real_store, r.code, str(r.entered)[:10], exported, claims=claims)
        assert r.total_rate == pytest.approx(one["total_rate"]), r


def test_store_layers_all_cited_and_coverage_end(real_store):
    con = open_store(real_store)
    try:
        check = con.execute(
            "SELECT observed, ok FROM checks WHERE name = 'layers_without_citation'"
        ).fetchone()
        assert check == ("0", True) or check[0] in (0, "0")
        # no measure has two steps in force on one code at once
        overlaps = con.execute(
            "SELECT observed, ok FROM checks WHERE name = 'layer_interval_overlaps'"
        ).fetchone()
        assert overlaps[1] and overlaps[0] in (0, "0"), overlaps
    finally:
        con.close()
    lists = api.lists("US", store=real_store)
    assert lists[0]["coverage"]["until"] == "2026-09-30"
    ids = {m["measure_id"] for m in lists}
    assert {"us.ieepa.fentanyl", "us.ieepa.reciprocal", "us.s122.surcharge",
            "us.s301.review_100", "us.s301.exclusion_69", "us.s301fl.china"} <= ids  # fmt: skip
    with pytest.raises(CoverageError):
        duty(real_store, TEE, "2026-10-01")


def test_pending_steps_in_schedule(real_store):
    sched = api.schedule(TEE, "US", store=real_store)
    pending = {(p["measure_id"], p["planned_from"]) for p in sched["pending"]}
    assert ("us.ieepa.reciprocal", "2026-11-10") in pending
    cranes = api.schedule("8426190000", "US", store=real_store)
    assert any(p["measure_id"] == "us.s301.cranes" for p in cranes["pending"])


def test_mfn_from_the_2025_and_2026_json_revisions(real_store):
    r = duty(real_store, TEE, "2026-03-15")
    mfn = r["layers"][0]
    assert mfn["authority"] == "MFN" and mfn["source"].endswith(".json.gz")
    assert "HTS 2025 Basic Edition" in mfn["citation"]


def test_content_value_layer_needs_the_content_value(real_store):
    """Copper wire (7408.11.60): 232 copper at 50% of the copper content from 2025-08-01."""
    code = "7408116000"
    bare = duty(real_store, code, "2025-09-01", value=1000)
    assert bare["total_rate"] is None and "duty" not in bare
    copper = next(y for y in bare["layers"] if y["heading"] == "9903.78.01")
    assert copper["rate_kind"] == "content_value" and copper["rate"] == pytest.approx(0.5)
    full = duty(real_store, code, "2025-09-01", value=1000, content_value=800)
    # MFN 3% + List 3 25% + fentanyl 20% + reciprocal 10% (copper content is not a
    # full-value 232 duty, so the reciprocal stays) + 50% of 800 / 1000
    assert full["total_rate"] == pytest.approx(0.03 + 0.25 + 0.20 + 0.10 + 0.40)
    assert full["duty"] == pytest.approx(980.0)
    assert duty(real_store, code, "2025-07-31")["total_rate"] == pytest.approx(0.58)


def test_section_232_steps_and_non_stacking(real_store):
    plate = "7208101500"
    assert total(real_store, plate, "2025-06-03") == pytest.approx(0.25 + 0.25 + 0.20)
    assert total(real_store, plate, "2025-06-04") == pytest.approx(0.50 + 0.25 + 0.20)
    # from 2026-04-06 the metals annex tiers (section_232_2026.yaml): Annex I-A, 50%
    assert total(real_store, plate, "2026-04-06") == pytest.approx(0.50 + 0.25)
    ev = duty(real_store, "8703800020", "2025-06-01")
    assert "9903.94.01" in headings(ev) and ev["total_rate"] == pytest.approx(1.475)
    bumper = duty(real_store, "8708103020", "2025-06-01")  # auto part, also steel derivative
    assert "9903.94.05" in headings(bumper) and "9903.80.03" not in headings(bumper)
