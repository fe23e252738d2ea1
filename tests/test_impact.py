"""The partial-equilibrium impact model: a hand-computed case, analytic limits, parameters."""

from __future__ import annotations

import math

import pytest

from tradewar.api import policy as api_policy
from tradewar.errors import InputError
from tradewar.policy import PolicyFileError
from tradewar.policy import impact as pe


def params(**over):
    return pe.resolve(over)


def test_hand_computed_single_product():
    # V = 100, tariff 10% -> 25%, sigma = 2, complete pass-through:
    # importer price ratio R = 1.25 / 1.10, so 1 / R = 0.88 and q = R^-2 = 0.88^2 = 0.7744;
    # imports 100 -> 77.44 (-22.56); revenue 10 -> 0.25 * 77.44 = 19.36 (+9.36);
    # consumer cost = V (1 + t0) (1 - 1/R) = 110 * 0.12 = 13.2; DWL = 13.2 - 9.36 = 3.84.
    r = pe.single(100.0, 0.10, 0.25, params(import_demand_elasticity=2.0))
    assert r["qty"] == pytest.approx(0.7744, abs=1e-12)
    assert r["import_change"] == pytest.approx(-22.56, abs=1e-9)
    assert r["revenue_change"] == pytest.approx(9.36, abs=1e-9)
    assert r["consumer_cost"] == pytest.approx(13.2, abs=1e-9)
    assert r["exporter_loss"] == 0
    assert r["deadweight_loss"] == pytest.approx(3.84, abs=1e-9)


def test_hand_computed_incomplete_pass_through():
    # phi = 0.5 with sigma = 2 means eta = 2 (phi = eta / (eta + sigma)).
    p = params(import_demand_elasticity=2.0, pass_through=0.5)
    assert p.eta == pytest.approx(2.0)
    x = 1.25 / 1.10
    rstar, rp = x**-0.5, x**0.5
    q = rp**-2
    r = pe.single(100.0, 0.10, 0.25, p)
    assert r["import_change"] == pytest.approx(100 * (rstar * q - 1), rel=1e-12)
    assert r["revenue_change"] == pytest.approx(0.25 * 100 * rstar * q - 10, rel=1e-12)
    assert r["consumer_cost"] == pytest.approx(110 * (1 - 1 / rp), rel=1e-12)
    assert r["exporter_loss"] == pytest.approx(100 * (1 - rstar**3) / 3, rel=1e-12)
    total = r["consumer_cost"] + r["exporter_loss"] - r["revenue_change"]
    assert r["deadweight_loss"] == pytest.approx(total, rel=1e-12)
    assert r["deadweight_loss"] > 0


def test_zero_elasticity_zero_quantity_change():
    r = pe.single(250.0, 0.10, 0.25, params(import_demand_elasticity=0.0))
    assert r["qty"] == 1.0
    assert r["import_change"] == pytest.approx(0.0, abs=1e-9)
    # all of the tariff is a transfer: the cost equals the revenue, no deadweight loss
    assert r["consumer_cost"] == pytest.approx(250.0 * 0.15, rel=1e-12)
    assert r["revenue_change"] == pytest.approx(250.0 * 0.15, rel=1e-12)
    assert r["deadweight_loss"] == pytest.approx(0.0, abs=1e-9)


def test_zero_tariff_change_zero_effects():
    for over in ({}, {"pass_through": 0.6}, {"import_demand_elasticity": 1.0}):
        r = pe.single(1e9, 0.175, 0.175, params(**over))
        for name in pe.EFFECTS:
            assert r[name] == pytest.approx(0.0, abs=1e-3), (over, name)


def test_small_change_is_the_harberger_triangle():
    # from free trade, DWL ~ 1/2 sigma V dt^2 for a small tariff dt
    r = pe.single(100.0, 0.0, 0.01, params(import_demand_elasticity=3.0))
    assert r["deadweight_loss"] == pytest.approx(0.5 * 3.0 * 100.0 * 0.01**2, rel=0.03)


def test_unit_elasticity_uses_the_log_form():
    r = pe.single(100.0, 0.10, 0.25, params(import_demand_elasticity=1.0))
    assert r["consumer_cost"] == pytest.approx(110 * math.log(1.25 / 1.10), rel=1e-12)


def test_defaults_and_sources():
    p = pe.resolve()
    assert p.phi == 1.0 and math.isinf(p.eta) and p.sigma > 0
    d = p.as_dict()
    assert d["export_supply_elasticity"] == "infinite"
    assert "Amiti" in d["sources"]["pass_through"]
    assert "Cavallo" in d["sources"]["pass_through"]
    assert "Fajgelbaum" in d["sources"]["import_demand_elasticity"]
    assert api_policy.impact_parameters()["pass_through"] == 1.0


def test_overrides_derive_the_linked_parameter():
    p = pe.resolve({"export_supply_elasticity": 3.0, "import_demand_elasticity": 1.0})
    assert p.phi == pytest.approx(0.75)
    assert "pass_through" in p.derived
    with pytest.raises(InputError, match="inconsistent"):
        pe.resolve({"export_supply_elasticity": 3.0, "pass_through": 0.5})
    with pytest.raises(InputError, match="unknown impact parameter"):
        pe.resolve({"elasticity": 2.0})
    with pytest.raises(InputError, match="between 0 and 1"):
        pe.resolve({"pass_through": 1.5})
    assert pe.parse_settings(["pass_through=0.8"]) == {"pass_through": 0.8}
    with pytest.raises(InputError, match="NAME=VALUE"):
        pe.parse_settings(["pass_through"])


def test_bad_parameter_file_names_the_line(tmp_path):
    bad = tmp_path / "impact.yaml"
    bad.write_text(
        "model: armington-pe\n"
        "description: x\n"
        "parameters:\n"
        "  import_demand_elasticity:\n"
        "    value: high\n"
        "    label: s\n"
        "    unit: u\n"
        "    source: s\n",
        encoding="utf-8",
    )
    with pytest.raises(PolicyFileError, match=rf"{bad}:5: invalid impact parameter file"):
        pe.load_parameters(bad)
