"""Both shared example articles end to end through ``tradewar check FILE --json``.

Extraction assertions first (claims field by field, spans); the verification section
below is kept separate.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tradewar.config import documents_dir

TRADEWAR = str(Path(sys.executable).parent / "tradewar")
DOC_2018 = "000_64fc973e7f69bfb2.txt"  # Boston Globe/NYT, Dec 2018
DOC_2019 = "001_12f69727ac1a6bf2.txt"  # The Standard/AP, Feb 2019


def _check(real_store: Path, tmp_path: Path, name: str, *args: str) -> dict:
    path = documents_dir() / name
    if not path.is_file():
        pytest.skip(f"{path} not found (set TRADEWAR_DOCUMENTS)")
    env = {**os.environ, "TRADEWAR_HOME": str(real_store.parent)}
    proc = subprocess.run(
        [TRADEWAR, "check", str(path), "--json", "--no-record", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    text = out["article"]["text"]
    assert text == path.read_text(encoding="utf-8-sig")
    for item in out["claims"] + out["events"]:
        assert text[item["start"] : item["end"]] == item["text"]
    return out


def _of(out: dict, kind: str) -> list[dict]:
    return [c for c in out["claims"] if c["kind"] == kind]


@pytest.fixture(scope="module")
def doc2018(real_store, tmp_path_factory):
    return _check(real_store, tmp_path_factory.mktemp("d0"), DOC_2018, "--date", "2018-12-11")


@pytest.fixture(scope="module")
def doc2019(real_store, tmp_path_factory):
    return _check(real_store, tmp_path_factory.mktemp("d1"), DOC_2019, "--date", "2019-02-20")


# --------------------------------------------------------------------------- reading


def test_2018_article_reading(doc2018):
    a = doc2018["article"]
    assert (a["date"], a["date_basis"]) == ("2018-12-11", "option")
    assert a["title"] == "Trump administration to step up pressure on China"
    assert len(a["stories"]) == 1
    assert a["removed_kinds"] == ["caption", "caption"]  # the photo caption, twice
    assert a["removed"][1]["text"].endswith("(Andy Wong/Associated Press)")


def test_2019_article_reading(doc2019):
    a = doc2019["article"]
    assert [s["title"] for s in a["stories"]] == [
        "Trade War | Economy czar heading to Washington for talks",
        "Beijing abandons cybersecurity truce with US, report says",
    ]
    removed = dict(zip((s["text"] for s in a["removed"]), a["removed_kinds"], strict=True))
    assert removed["Joe McDonald, Beijing,\xa0AP"] == "byline"
    assert removed["AP"] == "byline"
    assert removed["Categories China"] == "footer"
    assert any(
        k == "caption" and t.startswith("Vice Premier Liu He (right)") for t, k in removed.items()
    )


@pytest.mark.parametrize(("name", "date"), [(DOC_2018, "2018-12-11"), (DOC_2019, "2019-02-20")])
def test_date_inferred_without_option(real_store, tmp_path, name, date):
    out = _check(real_store, tmp_path, name, "--no-verify")
    a = out["article"]
    assert (a["date"], a["date_basis"]) == (date, "inferred")
    assert a["date_note"].startswith("inferred:")


# --------------------------------------------------------------------------- claims


def test_2018_claims(doc2018):
    kinds = sorted(c["kind"] for c in doc2018["claims"] if c["kind"] != "event")
    assert kinds == ["deadline", "deadline", "purchase_commitment"]
    (pledge,) = _of(doc2018, "purchase_commitment")
    assert pledge["text"] == (
        "increase purchases of US goods and services by $1.2 trillion over the next several years"
    )
    f = pledge["fields"]
    assert (f["buyer"], f["seller"], f["amount_usd"]) == ("CN", "US", 1.2e12)
    assert f["scope"] == "goods and services"
    assert f["horizon"] == "over the next several years" and f["horizon_years"] is None
    # the caption (which repeats the pledge) is boilerplate: the claim is in the body
    assert pledge["start"] > doc2018["article"]["text"].index("WASHINGTON")
    truce, deadline = _of(doc2018, "deadline")
    assert truce["text"] == "a 90-day trade truce"
    assert truce["fields"]["duration_days"] == 90
    assert truce["fields"]["start_date"] == "2018-12-01"
    assert truce["fields"]["date"] == "2019-03-01"
    assert deadline["text"] == "March 1 deadline"
    assert deadline["fields"]["date"] == "2019-03-01"


def test_2019_claims(doc2019):
    kinds = sorted(c["kind"] for c in doc2019["claims"] if c["kind"] != "event")
    assert kinds == [
        "deadline",
        "goods_value_covered",
        "tariff_rate_change",
        "trade_flow_change",
    ]
    (rc,) = _of(doc2019, "tariff_rate_change")
    assert rc["text"] == (
        "10 percent tariff increase imposed in July on USD200 billion of Chinese goods is due "
        "to rise to 25 percent on March 2"
    )
    f = rc["fields"]
    assert (f["importer"], f["origin"]) == ("US", "CN")
    assert (f["from_rate"], f["to_rate"]) == (0.10, 0.25)
    assert f["effective_date"] == "2019-03-02"
    assert (f["imposed_text"], f["imposed_date"]) == ("in July", "2018-07")
    assert f["scope_value_usd"] == 200e9
    (gv,) = _of(doc2019, "goods_value_covered")
    assert gv["text"] == "USD200 billion of Chinese goods"
    assert gv["fields"]["value_usd"] == 200e9
    assert (gv["fields"]["importer"], gv["fields"]["origin"]) == ("US", "CN")
    (flow,) = _of(doc2019, "trade_flow_change")
    assert flow["text"] == "40 percent drop in Chinese imports of American goods in January"
    f = flow["fields"]
    assert f["flow"] == "china_imports_from_us"
    assert f["reporter_basis"] == "china_customs"
    assert f["change"] == pytest.approx(-0.40)
    assert f["period"] == "2019-01"
    assert f["comparison"] == "yoy"
    (deadline,) = _of(doc2019, "deadline")
    assert deadline["text"] == "March 1 deadline" and deadline["story"] == 1
    assert deadline["fields"]["date"] == "2019-03-01"


def test_events_are_claims_too(doc2018, doc2019):
    for out in (doc2018, doc2019):
        assert out["events"]
        assert len(_of(out, "event")) == len(out["events"])


# ===========================================================================================
# Verification (verdicts): maintained by the verification work, below this line.
# ===========================================================================================


def test_2019_list3_claim_verdicts(doc2019):
    (c,) = _of(doc2019, "tariff_rate_change")
    assert c["evidence"][0]["value"] == "us.s301.list3"
    # as of the article: 10% in force, 25% scheduled for 2019-03-02 (83 FR 65198)
    assert c["as_of_article"]["verdict"] == "supported"
    assert "25% from 2019-03-02" in c["as_of_article"]["summary"]
    assert "83 FR 65198" in c["as_of_article"]["summary"]
    # as it turned out: postponed on 2019-02-24, 25% from 2019-05-10 by export date
    turned = c["as_turned_out"]
    assert turned["verdict"] == "partly"
    assert "2019-02-24" in turned["summary"] and "84 FR 7966" in turned["summary"]
    took = [e for e in turned["evidence"] if "took effect" in e["statistic"]]
    assert took[0]["value"]["from"] == "2019-05-10" and "84 FR 20459" in took[0]["citation"]
    # 'imposed in July': List 3 took effect 2018-09-24, so that part is wrong
    assert c["verdict"] == "partly"
    assert "in July" in c["reason"] and "2018-09-24" in c["reason"]


def test_2019_goods_value_against_engine_coverage(doc2019):
    (c,) = _of(doc2019, "goods_value_covered")
    assert c["verdict"] == "supported"
    announced, engine = c["evidence"][0], c["evidence"][1]
    assert announced["value"] == 200e9 and "us.s301.list3" in announced["source"]
    assert announced["tolerance"].startswith("within 10% supported, within 25% partly")
    assert engine["value"]["weight_year"] == 2024
    assert engine["value"]["weights"] == "census-hs10-2024"
    assert engine["value"]["comparable"] is False
    assert 90e9 < engine["value"]["covered_value_usd"] < 110e9  # $100.6bn of 2024 imports
    assert "weight year 2024" in engine["note"]


def test_2019_flow_claim_states_the_statistics(doc2019):
    (c,) = _of(doc2019, "trade_flow_change")
    assert c["verdict"] == "not_checkable"
    assert "not in the data for 2019-01" in c["reason"] and "different statistic" in c["reason"]
    mirror = c["evidence"][0]
    assert "reporter US" in mirror["source"] and "month" in mirror["source"]
    assert mirror["value"]["change"] == pytest.approx(-0.283, abs=0.005)  # US exports, Census
    annual = c["evidence"][1]
    assert "reporter CN" in annual["source"] and annual["value"]["change"] < 0


def test_2018_pledge_and_deadlines(doc2018):
    (pledge,) = _of(doc2018, "purchase_commitment")
    assert pledge["verdict"] == "not_checkable"
    assert pledge["reason"].startswith("pledge has no schedule")
    assert "no services data" in pledge["reason"]
    stats = " | ".join(e["statistic"] for e in pledge["evidence"])
    assert "pledge-2018-12" in stats and "phase-one" in stats and "attainment" in stats
    for d in _of(doc2018, "deadline"):
        assert d["verdict"] == "supported", d
        assert d["as_of_article"]["verdict"] == "supported"
        assert "2019-03-01" in d["as_of_article"]["summary"]
        assert d["as_turned_out"]["verdict"] == "partly"
        assert "2019-02-24" in d["as_turned_out"]["summary"]
        assert "2019-05-10" in d["as_turned_out"]["summary"]
