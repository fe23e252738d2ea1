"""Scenarios and enforcement rules on the real store: acceptance fields, determinism,
recompilation, the shipped scenarios' deltas, rule triggers, and bad files."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tradewar.api import policy as api_policy
from tradewar.config import REPO_ROOT
from tradewar.data.sources.us_programs import CARRIED
from tradewar.model.measures import Step
from tradewar.policy import scenarios as sc

BIN = Path(sys.executable).with_name("tradewar")
SCENARIOS = REPO_ROOT / "scenarios"
RULES = REPO_ROOT / "rules"
SHIPPED = ("no-deal-march-2019", "no-phase-one", "truce-holds")


def run_cli(args, store, cwd=REPO_ROOT):
    env = {**os.environ, "TRADEWAR_HOME": str(store.parent)}
    return subprocess.run([str(BIN), *args], capture_output=True, text=True, env=env, cwd=str(cwd))


@pytest.fixture(scope="module")
def runs(real_store):
    return {n: api_policy.scenario_run(SCENARIOS / f"{n}.yaml", store=real_store) for n in SHIPPED}


def test_acceptance_json_and_determinism(real_store, runs):
    """The CLI's JSON has the acceptance fields and is identical to an API run in another
    process: the run is deterministic."""
    proc = run_cli(["scenario", "run", "scenarios/no-deal-march-2019.yaml", "--json"], real_store)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    for field in ("baseline", "scenario", "delta", "parameters"):
        assert field in out
    assert isinstance(out["baseline"], list) and isinstance(out["scenario"], list)
    for field in ("avg_tariff_pp", "covered_value", "import_change", "revenue",
                  "consumer_cost", "deadweight_loss"):  # fmt: skip
        assert isinstance(out["delta"][field], float | int), field
    assert out["period"] == {"from": "2019-03-02", "to": "2019-05-09", "days": 69}
    api = json.loads(json.dumps(runs["no-deal-march-2019"], default=str))
    api["file"] = out["file"]  # the path as given
    assert json.dumps(api, sort_keys=True) == json.dumps(out, sort_keys=True)


def test_no_deal_march_2019(runs):
    r = runs["no-deal-march-2019"]
    d = r["delta"]
    assert r["importer"] == "US" and r["weights"]["name"]
    # List 3 at 25% instead of 10% for 69 days: the average rises, imports fall, the
    # importers pay more than the Treasury collects
    assert 2.0 < d["avg_tariff_pp"] < 6.0
    assert d["import_change"] < 0 < d["revenue"] < d["consumer_cost"]
    assert d["deadweight_loss"] == pytest.approx(d["consumer_cost"] - d["revenue"], rel=1e-6)
    assert d["covered_value"] == 0  # List 3 was in force at 10%: nothing newly covered
    base = {m["measure_id"]: m["contribution"] for m in r["baseline"][0]["by_measure"]}
    scen = {m["measure_id"]: m["contribution"] for m in r["scenario"][0]["by_measure"]}
    assert scen["us.s301.list3"] == pytest.approx(2.5 * base["us.s301.list3"], rel=1e-6)
    step = r["amended_schedule"][0]["steps"][-1]
    assert step["from"] == "2019-03-02" and step["rate"] == 0.25
    assert "83 FR 65198" in step["citation"]
    assert r["parameters"]["pass_through"] == 1.0


def test_no_phase_one_and_truce(runs):
    np_, th = runs["no-phase-one"]["delta"], runs["truce-holds"]["delta"]
    assert np_["avg_tariff_pp"] > 0 and np_["covered_value"] > 0  # List 4B now covered
    assert np_["import_change"] < 0 < np_["deadweight_loss"]
    pts = {p["date"]: p["avg_tariff_pp"] for p in runs["no-phase-one"]["delta"]["points"]}
    assert pts["2020-02-14"] > pts["2019-12-15"]  # List 4A not halved on top of 4B
    assert th["avg_tariff_pp"] < 0 and th["import_change"] > 0
    assert th["consumer_cost"] < 0 and th["deadweight_loss"] < 0  # the increase avoided


def test_rules_give_the_same_amendment(real_store, runs, tmp_path):
    scenario = tmp_path / "deadline.yaml"
    scenario.write_text(
        "name: via-rules\nperiod: {from: 2019-03-02, to: 2019-05-09}\n"
        f"rules: [{RULES / 'march-2019-deadline.yaml'}]\n",
        encoding="utf-8",
    )
    r = api_policy.scenario_run(scenario, store=real_store)
    assert r["rules"][0]["triggered"] == [
        {"rule": "march-2019-deadline", "date": "2019-03-01", "effective": "2019-03-02"}
    ]
    want = runs["no-deal-march-2019"]["delta"]
    for field in ("avg_tariff_pp", "import_change", "revenue", "consumer_cost"):
        assert r["delta"][field] == pytest.approx(want[field], rel=1e-9)


def test_recompiled_measures_reproduce_the_store(real_store):
    """Recompiling unamended measures from the store's product lists gives the same
    leaf rates on every change date (US List 3 with its export-date steps; China's third
    round, per-line rates)."""
    for importer, mid in (("US", "us.s301.list3"), ("CN", "cn.ret.r3")):
        world = sc.World.open(real_store)
        try:
            measures = sc.stored_measures(world.con)
            a = sc.Amendment(measures)
            a.amended[mid] = measures[mid].measure
            world.build(importer, sc.recompile(world.con, a), a.touched)
            diff = world.con.execute(
                f"""WITH d AS (SELECT DISTINCT valid_from AS day FROM main.panel
                               WHERE importer = '{importer}'),
                    cols AS (SELECT 1),
                    b AS (SELECT d.day, p.origin_group, p.code, p.export_from,
                                 p.export_until, p.total_rate, p.adval_rate
                          FROM d JOIN main.panel p ON p.importer = '{importer}' AND p.is_leaf
                           AND p.valid_from <= d.day AND p.valid_until > d.day),
                    s AS (SELECT d.day, p.origin_group, p.code, p.export_from,
                                 p.export_until, p.total_rate, p.adval_rate
                          FROM d JOIN scen.panel p ON p.is_leaf
                           AND p.valid_from <= d.day AND p.valid_until > d.day)
                    SELECT (SELECT count(*) FROM b),
                           (SELECT count(*) FROM (FROM b EXCEPT ALL FROM s)),
                           (SELECT count(*) FROM (FROM s EXCEPT ALL FROM b))"""
            ).fetchone()
        finally:
            world.close()
        assert diff[0] > 100_000 and diff[1:] == (0, 0), (mid, diff)


def test_enforce(real_store):
    proc = run_cli(["enforce", "rules/march-2019-deadline.yaml", "--json"], real_store)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert [(t["rule"], t["date"], t["action"]["effective"]) for t in out["triggered"]] == [
        ("march-2019-deadline", "2019-03-01", "2019-03-02")
    ]
    r = api_policy.enforce(RULES / "phase-one-review.yaml", store=real_store)
    fired = {t["rule"]: t for t in r["triggered"]}
    goods = fired["phase-one-goods-review"]
    assert goods["date"] == "2020-06-30" and goods["action"]["effective"] == "2020-07-30"
    assert goods["evaluation"]["value_pct"] < 80
    evals = next(e for e in r["evaluations"] if e["rule"] == "phase-one-goods-review")
    assert [e["status"] for e in evals["evaluations"]] == [
        "evaluated", "evaluated", "not_evaluable", "not_evaluable"
    ]  # fmt: skip
    list4a = next(m for m in r["amended_schedule"] if m["measure_id"] == "us.s301.list4a")
    assert [(s["from"], s["rate"]) for s in list4a["steps"]] == [
        ("2019-09-01", 0.15), ("2020-02-14", 0.075), ("2020-07-30", 0.15)
    ]  # fmt: skip


BAD = {
    "rate.yaml": (
        "name: x\nperiod: {from: 2019-03-02, to: 2019-05-09}\nchanges:\n"
        "  - op: set_rate\n    measure: us.s301.list3\n    from: 2019-03-02\n"
        "    rate: 25\n    citation: c\n",
        7, "not a fraction",
    ),
    "op.yaml": (
        "name: x\nperiod: {from: 2019-03-02, to: 2019-05-09}\nchanges:\n"
        "  - op: set_rate\n    measure: us.s301.list3\n    from: 2019-03-02\n"
        "    rate: 0.25\n    citation: c\n  - op: frobnicate\n    measure: m\n",
        9, "frobnicate",
    ),
    "dup.yaml": (
        "name: x\nperiod:\n  from: 2019-03-02\n  to: 2019-05-09\n  to: 2019-05-10\n",
        5, "duplicate key",
    ),
    "syntax.yaml": ("name: x\nperiod: {from: 2019-03-02, to: 2019-05-09\nchanges: []\n",
                    3, "invalid YAML"),
    "measure.yaml": (
        "name: x\nperiod: {from: 2019-03-02, to: 2019-05-09}\nchanges:\n"
        "  - op: remove_step\n    measure: us.s301.list9\n    step: 2019-05-10\n",
        5, "unknown measure 'us.s301.list9'",
    ),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_scenario_files_name_the_line(real_store, tmp_path, name):
    text, line, message = BAD[name]
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    proc = run_cli(["scenario", "run", str(path), "--json"], real_store)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr
    assert lines[0].startswith(f"error: {path}:{line}: ") and message in lines[0], lines[0]


def test_bad_rule_file_names_the_line(real_store, tmp_path):
    path = tmp_path / "rules.yaml"
    path.write_text(
        "name: r\nrules:\n  - id: a\n    description: d\n    citation: c\n    when:\n"
        "      kind: attainment\n      below_pct: 80\n      review_dates: [2020-06-30]\n"
        "    then:\n      - op: set_rate\n        measure: us.s301.list4a\n",
        encoding="utf-8",
    )
    proc = run_cli(["enforce", str(path)], real_store)
    assert proc.returncode == 2
    assert proc.stderr.startswith(f"error: {path}:11: invalid rule file: rules.0.then.0")


# --- the step operations, on pydantic objects (no store) -----------------------------------


def _steps(*spec):
    return [
        Step.model_validate({"from": f, "until": u, "rate": r, "citation": "c"}) for f, u, r in spec
    ]


D = dt.date.fromisoformat


def test_splice_move_remove():
    where = sc.Source(Path("x.yaml"), 1)
    steps = _steps(("2019-01-01", "2019-06-01", 0.1), ("2019-06-01", None, 0.25))
    cut = sc.splice(steps, Step.model_validate(
        {"from": "2019-03-01", "until": "2019-04-01", "rate": 0.0, "citation": "x"}))  # fmt: skip
    assert [(str(s.valid_from), str(s.until), s.rate) for s in cut] == [
        ("2019-01-01", "2019-03-01", 0.1), ("2019-03-01", "2019-04-01", 0.0),
        ("2019-04-01", "2019-06-01", 0.1), ("2019-06-01", "None", 0.25),
    ]  # fmt: skip
    later = sc.move(steps, D("2019-06-01"), D("2019-09-01"), where)
    assert [(str(s.valid_from), str(s.until)) for s in later] == [
        ("2019-01-01", "2019-09-01"), ("2019-09-01", "None")
    ]  # fmt: skip
    gone = sc.remove_step(steps, D("2019-06-01"), where)
    assert [(str(s.valid_from), s.until, s.rate) for s in gone] == [("2019-01-01", None, 0.1)]
    with pytest.raises(sc.PolicyFileError, match=r"x\.yaml:1: no step starts on 2019-05-01"):
        sc.remove_step(steps, D("2019-05-01"), where)


def test_exclusion_and_added_measure_recompile(real_store, tmp_path):
    path = tmp_path / "ops.yaml"
    path.write_text(
        "name: ops\nperiod: {from: 2019-01-01, to: 2019-12-31}\nchanges:\n"
        "  - op: exclude\n    measure: us.s301.list3\n    codes: ['9403608081']\n"
        "    from: 2019-06-01\n    citation: hypothetical exclusion\n"
        "  - op: add_measure\n    like: us.s301.list4b\n    products_of: [us.s301.list4b]\n"
        "    measure:\n      id: us.s301.list4b_bis\n      name: List 4B again\n"
        "      scope: {note: products of 4B}\n"
        "      steps: [{from: 2019-12-15, rate: 0.15, citation: hypothetical}]\n",
        encoding="utf-8",
    )
    scenario, lines = sc.load_scenario(path)
    world = sc.World.open(real_store)
    try:
        measures = sc.stored_measures(world.con)
        changes = [
            (c, sc.Source.of(path, lines, "changes", i)) for i, c in enumerate(scenario.changes)
        ]
        amendment = sc.apply_changes(sc.Amendment(measures), changes)
        layers = sc.recompile(world.con, amendment)
        n4b = world.con.execute(  # the list's own products, not copies carried by a review
            "SELECT count(DISTINCT code) FROM layers WHERE measure_id = 'us.s301.list4b' "
            "AND coalesce(note, '') <> ?",
            [CARRIED],
        ).fetchone()[0]
        bad = sc.Exclude.model_validate(
            {
                "op": "exclude",
                "measure": "us.s301.list3",
                "codes": ["0101"],
                "from": "2019-06-01",
                "citation": "c",
            }
        )
        with pytest.raises(sc.PolicyFileError, match=rf"{path}:6: exclude: code 0101"):
            sc.recompile(
                world.con, sc.apply_changes(sc.Amendment(measures), [(bad, changes[0][1])])
            )
    finally:
        world.close()
    leaf = layers[layers["code"] == "9403608081"].sort_values(["valid_from", "rate"])
    # 10% until the increase, the export-date steps of the increase cut at 2019-06-01, then 0
    assert [
        (str(r.valid_from), str(r.valid_until), r.rate) for r in leaf.itertuples()
    ] == [
        ("2018-09-24", "2019-05-10", 0.10),
        ("2019-05-10", "2019-06-01", 0.10),
        ("2019-05-10", "2019-06-01", 0.25),
        ("2019-06-01", "NaT", 0.0),
    ]  # fmt: skip
    assert (leaf["code_level"] == 10).all()
    added = layers[layers["measure_id"] == "us.s301.list4b_bis"]
    assert added["code"].nunique() == n4b and set(added["rate"]) == {0.15}
