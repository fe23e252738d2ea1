"""Parsing and evaluating HTS general rate text, on hand-written rates."""

from __future__ import annotations

import math

import pytest

from tradewar.engine.expressions import evaluate, normalize_unit, parse_rate
from tradewar.errors import InputError


def comps(text: str) -> list[tuple[float, str]]:
    return [(round(c.amount, 9), c.unit) for c in parse_rate(text).components]


@pytest.mark.parametrize(
    ("text", "kind", "adval"),
    [
        ("Free", "free", 0.0),
        ("Free¹", "free", 0.0),
        ("Free (see U.S. note 4 of this subchapter)", "free", 0.0),
        ("Free, under bond, as prescribed in U.S. note 1 to this subchapter", "free", 0.0),
        ("5.6%", "ad_valorem", 0.056),
        ("6.5% ", "ad_valorem", 0.065),
        ("6.5%¹", "ad_valorem", 0.065),
        ("2.5% <u></u>", "ad_valorem", 0.025),
        ("2.2%`", "ad_valorem", 0.022),
        ("5% 2/", "ad_valorem", 0.05),
        ("25%", "ad_valorem", 0.25),
        ("6.5% on the entire set", "ad_valorem", 0.065),
        ("1.5¢/kg", "specific", 0.0),
        ("0.9¢/liter", "specific", 0.0),
        ("2.8¢/kg + 5%", "compound", 0.05),
        ("$1.20/doz. + 5%", "compound", 0.05),
        ("37.5¢/kg + 14.9%", "compound", 0.149),
        ("$1.035/kg +13.6%", "compound", 0.136),
    ],
)
def test_kinds_and_ad_valorem(text: str, kind: str, adval: float) -> None:
    parsed = parse_rate(text)
    assert parsed.kind == kind
    assert parsed.ad_valorem == pytest.approx(adval)
    assert parsed.text == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.5¢/kg", [(0.015, "kg")]),
        ("0.9¢/liter", [(0.009, "liter")]),
        ("2.8¢/kg + 5%", [(0.028, "kg")]),
        ("$1.20/doz. + 5%", [(1.2, "doz")]),
        ("2.8 cents/kg", [(0.028, "kg")]),
        ("17.6¢;/kg", [(0.176, "kg")]),
        ("4.5¢/ liter", [(0.045, "liter")]),
        ("0.9¢ each", [(0.009, "no")]),
        ("68¢/head", [(0.68, "no")]),
        ("90¢/pr. + 37.5%", [(0.9, "pair")]),
        ("10.5¢/bbl", [(0.105, "bbl")]),
        ("23.7¢/pf.liter", [(0.237, "pf.liter")]),
        ("18.7¢/m<sup>2</sup>", [(0.187, "m2")]),
        ("$1.13/m3", [(1.13, "m3")]),
        ("39.7¢/t", [(0.397, "t")]),
        ("6.5¢/gross", [(0.065, "gross")]),
        ("18.7¢/clean kg", [(0.187, "clean kg")]),
        ("38.4¢/1000", [(0.000384, "no")]),
        ("4.4¢/liter + 31.4¢/pf. liter", [(0.044, "liter"), (0.314, "pf.liter")]),
        ("36¢ each + 5.6% + 2¢/jewel", [(0.36, "no"), (0.02, "jewel")]),
    ],
)
def test_specific_components_in_usd(text: str, expected: list[tuple[float, str]]) -> None:
    assert comps(text) == expected


def test_basis_and_unit_text_are_kept() -> None:
    parsed = parse_rate("37.5¢/kg on tungsten content")
    (comp,) = parsed.components
    assert (comp.unit, comp.basis) == ("kg", "tungsten content")
    assert comp.label == "kg (tungsten content)"
    assert parse_rate("3.7¢/kg on drained weight").components[0].basis == "drained weight"
    assert parse_rate("$1.20/doz. + 5%").components[0].unit_text == "doz."


@pytest.mark.parametrize(
    "text",
    [
        "See heading 9902.25.65",
        "The rate applicable to the natural juice in heading 2009",
        "The duty provided in the applicable subheading + 25%",
        "30¢ each + 6.9% on the case + 5.3% on the battery",
        "3.6606¢/kg less 0.020668¢/kg for each degree under 100 degrees",
        "0.3¢/line/ gross + 4.6%",
        "3 percent of the fair retail value",
        "0.022",
        "gibberish",
    ],
)
def test_other_keeps_text_and_is_never_zero(text: str) -> None:
    parsed = parse_rate(text)
    assert parsed.kind == "other"
    assert parsed.ad_valorem is None and parsed.components == ()
    assert parsed.text == text
    ev = evaluate(parsed, 1000.0, 10.0, "kg")
    assert ev.duty is None and ev.ad_valorem_equivalent is None and not ev.expressible


@pytest.mark.parametrize("text", ["", "   ", None])
def test_missing_text_is_unknown_not_zero(text: str | None) -> None:
    parsed = parse_rate(text)
    assert parsed.kind == "unknown" and parsed.ad_valorem is None
    ev = evaluate(parsed, 1000.0, None, None)
    assert ev.duty is None and not ev.expressible


def test_equal_rates_in_other_wording_share_a_key() -> None:
    assert parse_rate("2.8 cents/kg").key == parse_rate("2.8¢/kg").key
    assert parse_rate("6.5% ").key == parse_rate("6.5%").key
    assert parse_rate("1.5¢/kg").key != parse_rate("1.5%").key


def test_compound_with_quantity() -> None:
    ev = evaluate(parse_rate("2.8¢/kg + 5%"), 1000.0, 500.0, "kg")
    assert ev.duty == pytest.approx(64.0)
    assert ev.ad_valorem_equivalent == pytest.approx(0.064)
    assert ev.expressible
    assert ev.calculation == "5% × $1,000.00 + $0.028/kg × 500 kg = $64.00"


def test_ad_valorem_with_and_without_value() -> None:
    ev = evaluate(parse_rate("5.6%"), 2000.0, None, None)
    assert ev.duty == pytest.approx(112.0) and ev.calculation == "5.6% × $2,000.00 = $112.00"
    ev = evaluate(parse_rate("5.6%"), None, None, None)
    assert ev.duty is None and ev.ad_valorem_equivalent == pytest.approx(0.056)
    assert ev.expressible


def test_free_is_zero() -> None:
    ev = evaluate(parse_rate("Free"), 1000.0, None, None)
    assert ev.duty == 0.0 and ev.ad_valorem_equivalent == 0.0 and ev.expressible


def test_specific_without_quantity_is_not_expressible() -> None:
    for text in ("1.5¢/kg", "2.8¢/kg + 5%"):
        ev = evaluate(parse_rate(text), 1000.0, None, None)
        assert ev.duty is None and ev.ad_valorem_equivalent is None
        assert not ev.expressible
        assert "quantity" in ev.calculation


def test_specific_with_conversions() -> None:
    ev = evaluate(parse_rate("1.5¢/kg"), 300.0, 2000.0, "g")
    assert ev.duty == pytest.approx(0.03)
    assert "2 kg (2,000 g)" in ev.calculation
    ev = evaluate(parse_rate("1.5¢/kg"), None, 2.0, "t")
    assert ev.duty == pytest.approx(30.0) and ev.ad_valorem_equivalent is None
    ev = evaluate(parse_rate("$1.20/doz. + 5%"), 100.0, 24.0, "No.")
    assert ev.duty == pytest.approx(2.4 + 5.0)
    ev = evaluate(parse_rate("0.9¢/liter"), 10.0, 500.0, "ml")
    assert ev.duty == pytest.approx(0.0045)
    ev = evaluate(parse_rate("0.9¢ each"), 10.0, 2.0, "doz")
    assert ev.duty == pytest.approx(0.216)


def test_compound_without_value_is_not_expressible() -> None:
    ev = evaluate(parse_rate("2.8¢/kg + 5%"), None, 100.0, "kg")
    assert ev.duty is None and not ev.expressible


def test_unit_mismatch_names_both_units() -> None:
    with pytest.raises(InputError, match=r"'kg'.*'liter'"):
        evaluate(parse_rate("0.9¢/liter"), 100.0, 5.0, "kg")
    with pytest.raises(InputError, match="without a unit"):
        evaluate(parse_rate("1.5¢/kg"), 100.0, 5.0, None)


def test_several_units_with_one_quantity_is_not_expressible() -> None:
    ev = evaluate(parse_rate("4.4¢/liter + 31.4¢/pf. liter"), 100.0, 10.0, "liter")
    assert ev.duty is None and not ev.expressible
    ev = evaluate(parse_rate("36¢ each + 5.6% + 2¢/jewel"), 100.0, 10.0, "no")
    assert ev.duty is None and not ev.expressible


def test_negative_input_is_rejected() -> None:
    with pytest.raises(InputError):
        evaluate(parse_rate("5%"), -1.0, None, None)


def test_normalize_unit() -> None:
    assert normalize_unit("Kilograms") == "kg"
    assert normalize_unit("No.") == "no"
    assert normalize_unit("pf.liters") == "pf.liter"
    assert normalize_unit("dozen") == "doz"


def test_small_specific_amounts_keep_precision() -> None:
    ev = evaluate(parse_rate("0.01¢/kg of total sugars"), 100.0, 1000.0, "kg")
    assert math.isclose(ev.duty or 0.0, 0.1)
    assert "$0.0001/kg (total sugars)" in ev.calculation
