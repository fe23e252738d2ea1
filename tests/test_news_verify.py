"""Verification of claims (tradewar.news.verify) on claims built here, against the real
store: the schedule with its history, the coverage engine, the flows, the commitments."""

from __future__ import annotations

import pytest

from tradewar.news.schema import Article, Claim
from tradewar.news.verify import verify_claims

pytestmark = pytest.mark.realdata


def _article(date: str | None) -> Article:
    return Article(source="<test>", format="text", text="x", date=date, date_basis="option")


def _claim(kind: str, **fields: object) -> Claim:
    return Claim(kind=kind, text="claim", start=0, end=1, fields=fields, confidence=0.9)


def _one(real_store, claim: Claim, date: str | None = "2019-02-20") -> Claim:
    (out,) = verify_claims([claim], _article(date), store=real_store)
    return out


LIST3 = dict(importer="US", origin="CN", from_rate=0.10, scope_value_usd=200e9)


def test_list3_rate_change_as_of_article_and_as_turned_out(real_store):
    c = _one(real_store, _claim("tariff_rate_change", **LIST3, to_rate=0.25,
                                effective_date="2019-03-02"))  # fmt: skip
    assert c.evidence[0].value == "us.s301.list3"  # matched by rates, value and date
    assert c.as_of_article.verdict == "supported"
    assert "2019-03-02" in c.as_of_article.summary and "83 FR 65198" in c.as_of_article.summary
    pending = [e for e in c.as_of_article.evidence if "pending" in e.statistic]
    assert pending and pending[0].value["planned_from"] == "2019-03-02"
    assert pending[0].note is None  # the outcome was not known on the article's date
    turned = c.as_turned_out
    assert turned.verdict == "partly"  # 25% came, but on 2019-05-10, not 2019-03-02
    assert "2019-05-10" in turned.summary and "84 FR 20459" in turned.summary
    assert "84 FR 7966" in turned.summary  # the postponement "until further notice"
    took = [e for e in turned.evidence if "took effect" in e.statistic]
    assert took[0].value["from"] == "2019-05-10" and took[0].value["export_from"] == "2019-05-10"
    assert c.verdict == "supported"


def test_list3_imposed_in_july_is_contradicted_in_part(real_store):
    c = _one(real_store, _claim("tariff_rate_change", **LIST3, to_rate=0.25,
                                effective_date="2019-03-02", imposed_date="2018-07",
                                imposed_text="in July"))  # fmt: skip
    assert c.as_of_article.verdict == "supported"
    assert c.verdict == "partly"
    assert "in July" in c.reason and "2018-09-24" in c.reason


def test_wrong_list3_rate_is_contradicted(real_store):
    c = _one(real_store, _claim("tariff_rate_change", **LIST3, to_rate=0.30,
                                effective_date="2019-03-02"))  # fmt: skip
    assert c.verdict == "contradicted"
    assert c.as_of_article.verdict == "contradicted"
    assert "30%" in c.as_of_article.summary
    assert c.as_turned_out.verdict == "contradicted"  # 30% never took effect


def test_rate_change_dated_after_the_postponement(real_store):
    """On 2019-03-15 the increase was postponed 'until further notice': nothing pending."""
    c = _one(real_store, _claim("tariff_rate_change", **LIST3, to_rate=0.25,
                                effective_date="2019-03-02"), date="2019-03-15")  # fmt: skip
    assert c.as_of_article.verdict != "supported"


def test_tariff_rate_levels(real_store):
    ok = _one(real_store, _claim("tariff_rate", importer="US", origin="CN", rate=0.10))
    assert ok.verdict == "supported"
    assert "us.s301.list3" in ok.as_of_article.summary
    never = _one(real_store, _claim("tariff_rate", importer="US", origin="CN", rate=0.30))
    assert never.verdict == "contradicted"
    assert 0.3 not in never.evidence[0].value  # the rates steps put in force


def test_a_rate_only_announced_is_not_applied(real_store):
    """30% on US wood furniture was announced in 2025 (postponed to 2027), never in force:
    a 2019 article's 30% is not "partly" because of it; a 2026 one's is partly, pending."""
    claim = _claim("tariff_rate", importer="US", origin="CN", rate=0.30)
    assert _one(real_store, claim, date="2019-02-20").verdict == "contradicted"
    later = _one(real_store, claim, date="2026-03-01")
    assert later.verdict == "partly" and "announced" in later.reason
    assert "applied" not in later.reason


def test_goods_value_inside_and_outside_tolerance(real_store):
    inside = _one(real_store, _claim("goods_value_covered", importer="US", origin="CN",
                                     value_usd=200e9, referent="Chinese goods"))  # fmt: skip
    assert inside.verdict == "supported"
    engine = next(e for e in inside.evidence if e.statistic.startswith("engine coverage"))
    assert engine.value["weight_year"] == 2024 and engine.value["comparable"] is False
    assert 50e9 < engine.value["covered_value_usd"] < 200e9
    assert "weight year 2024" in engine.note and engine.tolerance
    # China's third round: the engine's 2017 weights are the trade it was announced on
    cn = _one(real_store, _claim("goods_value_covered", importer="CN", origin="US",
                                 value_usd=60e9))  # fmt: skip
    engine = next(e for e in cn.evidence if e.statistic.startswith("engine coverage"))
    assert engine.value["comparable"] is True and engine.value["weight_year"] == 2017
    assert cn.verdict == "supported"  # against the announced $60bn; the engine alongside
    near = _one(real_store, _claim("goods_value_covered", importer="US", origin="CN",
                                   value_usd=175e9))  # fmt: skip
    assert near.verdict == "partly"  # -12.5% from List 3's $200bn: inside 25%, not 10%
    outside = _one(real_store, _claim("goods_value_covered", importer="US", origin="CN",
                                      value_usd=140e9))  # fmt: skip
    assert outside.verdict == "contradicted"  # List 3's $200bn is 30% off
    unrelated = _one(real_store, _claim("goods_value_covered", importer="US", origin="CN",
                                        value_usd=80e9))  # fmt: skip
    assert unrelated.verdict == "not_checkable"  # no list within 50%: some other figure
    assert "no list or round of about $80bn" in unrelated.reason
    running = _one(real_store, _claim("goods_value_covered", importer="US", origin="CN",
                                      value_usd=250e9))  # fmt: skip
    assert running.verdict == "supported"  # lists 1-3 in force on the article's date
    assert "us.s301.list3" in running.evidence[0].statistic


def test_flow_claim_states_both_statistics(real_store):
    c = _one(real_store, _claim("trade_flow_change", flow="china_imports_from_us",
                                reporter_basis="china_customs", period="2019-01",
                                change=-0.40, comparison="yoy"))  # fmt: skip
    assert c.verdict == "not_checkable"
    assert "is not in the data" in c.reason and "different statistic" in c.reason
    mirror = c.evidence[0]
    assert "reporter US" in mirror.source and "flow export" in mirror.source
    assert -0.35 < mirror.value["change"] < -0.20  # US exports, 2019-01 vs 2018-01
    annual = c.evidence[1]
    assert "reporter CN" in annual.source and "2019 vs 2018" in annual.statistic
    # the same statistic the data holds: a claim of the US-export change is checked
    same = _one(
        real_store,
        _claim(
            "trade_flow_change",
            flow="us_exports_to_china",
            period="2019-01",
            change=round(mirror.value["change"], 2),
        ),
    )
    assert same.verdict == "supported"
    wrong = _one(real_store, _claim("trade_flow_change", flow="us_exports_to_china",
                                    period="2019-01", change=-0.60))  # fmt: skip
    assert wrong.verdict == "contradicted"


def test_pledge_is_not_checkable_with_phase_one_evidence(real_store):
    c = _one(
        real_store,
        _claim(
            "purchase_commitment",
            buyer="CN",
            seller="US",
            amount_usd=1.2e12,
            scope="goods and services",
            horizon="over the next several years",
        ),
        date="2018-12-11",
    )
    assert c.verdict == "not_checkable"
    assert c.reason.startswith("pledge has no schedule") and "no services data" in c.reason
    stats = {e.statistic.split(":")[0] for e in c.evidence}
    assert {"commitment record pledge-2018-12", "phase-one"} <= stats
    attained = next(e for e in c.evidence if "attainment" in e.statistic)
    assert 0 < attained.value["attainment_pct"] < 100


def test_deadlines_against_the_record(real_store):
    truce = _one(real_store, _claim("deadline", what="truce", duration_days=90,
                                    start_date="2018-12-01"), date="2018-12-11")  # fmt: skip
    assert truce.evidence[0].value == "2019-03-01"
    assert truce.verdict == "supported" and truce.as_of_article.verdict == "supported"
    assert truce.as_turned_out.verdict == "partly"
    assert "2019-02-24" in truce.as_turned_out.summary
    assert "2019-05-10" in truce.as_turned_out.summary
    nothing = _one(real_store, _claim("deadline", what="x", date="2019-07-04"))
    assert nothing.verdict == "not_checkable" and nothing.reason


def test_unusable_claims_are_not_checkable_with_a_reason(real_store):
    claims = [
        _claim("trade_flow_change", flow="eu_imports", period="2019-01", change=-0.1),
        _claim("tariff_rate_change", importer="US", origin="CN", to_rate=0.99),
        _claim("goods_value_covered"),
    ]
    for c in verify_claims(claims, _article("2019-02-20"), store=real_store):
        assert c.verdict == "not_checkable" and c.reason


def test_events_against_curated_events_and_the_schedule(real_store):
    truce = _one(real_store, _claim("event", action="truce", date="2018-12-02"), "2018-12-11")
    assert truce.verdict == "supported"
    assert any("buenos-aires-truce" in e.source for e in truce.evidence)
    planned = _one(real_store, _claim("event", action="tariff_action", date="2019-03-02"))
    assert planned.verdict == "supported"
    assert any(e.value.get("planned_from") == "2019-03-02" for e in planned.evidence)
    nothing = _one(real_store, _claim("event", action="arrest", date="2019-08-01"))
    assert nothing.verdict == "not_checkable" and "no curated arrest" in nothing.reason
    undated = _one(real_store, _claim("event", action="arrest"))
    assert undated.verdict == "not_checkable" and "no resolved date" in undated.reason


def test_planned_event_that_happened_later_is_partly(real_store):
    planned = dict(action="indictment", date="2018-12-12", date_text="as early as Wednesday")
    c = _one(real_store, _claim("event", **planned, planned=True), date="2018-12-11")
    assert c.verdict == "partly" and "30 days" in c.reason
    assert c.as_turned_out.verdict == "partly" and "2018-12-20" in c.as_turned_out.summary
    assert "8 days" in c.as_turned_out.summary
    # the same event not marked as planned gets no slack
    c = _one(real_store, _claim("event", **planned), date="2018-12-11")
    assert c.verdict == "not_checkable"
    # a plan with nothing in the following 30 days stays not checkable
    c = _one(real_store, _claim("event", **{**planned, "date": "2019-08-01"}, planned=True))
    assert c.verdict == "not_checkable"


def test_pledge_of_one_category_against_its_increments():
    from tradewar.news.schema import Span
    from tradewar.news.verify_pledges import check_category
    from tradewar.policy.commitments import catalog

    sentence = (
        "China is to buy about $77 billion in industrial goods and $32 billion of farm goods."
    )

    def pledge(amount: float, start: int, **fields: object) -> Claim:
        span = Span(text=sentence, start=0, end=len(sentence))
        return Claim(kind="purchase_commitment", text=sentence[start : start + 12], start=start,
                     end=start + 12, sentence=span, confidence=0.9,
                     fields={"amount_usd": amount, **fields})  # fmt: skip

    industrial = check_category(pledge(77e9, sentence.index("$77")), catalog())
    assert industrial.verdict == "supported"  # Phase One: 32.9 + 44.8 = $77.7bn
    assert "Manufactured goods" in industrial.evidence[0].statistic
    farm = check_category(pledge(40e9, sentence.index("$32"), amount_usd_high=50e9), catalog())
    assert farm.verdict == "partly" and "32.0bn" in farm.reason  # 12.5 + 19.5; 25% off
    assert check_category(pledge(120e9, sentence.index("$77")), catalog()) is None


def test_rate_change_in_the_year_stated(real_store):
    row = _claim("tariff_rate_change", importer="US", origin="CN", from_rate=0.25, to_rate=1.0,
                 product="Electric vehicles (EVs)", effective_year=2024)  # fmt: skip
    assert _one(real_store, row, "2024-05-15").verdict == "supported"  # 100% from 2024-09-27
    late = row.model_copy(update={"fields": {**row.fields, "effective_year": 2026}})
    assert _one(real_store, late, "2024-05-15").verdict == "partly"


# --- announced lists beyond the schedule (issue 13) ------------------------------------


def _value(real_store, day: str, text: str = "claim", **fields: object) -> Claim:
    claim = Claim(kind="goods_value_covered", text=text, start=0, end=1, fields=fields,
                  confidence=0.9)  # fmt: skip
    return _one(real_store, claim, date=day)


def test_a_proposed_list_supports_the_value_of_a_plan(real_store):
    plan = _value(real_store, "2018-04-10", importer="US", origin="CN", value_usd=50e9,
                  status="proposed")  # fmt: skip
    assert plan.verdict == "supported"
    assert "us-301-proposed-list-2018-04" in plan.evidence[0].source
    assert plan.evidence[0].value == 50e9 and "83 FR 14906" in plan.evidence[0].citation
    # China's list of the next day, for China's side
    cn = _value(real_store, "2018-04-10", importer="CN", origin="US", value_usd=48e9,
                status="threatened")  # fmt: skip
    assert cn.verdict == "supported" and "cn-106-item-list" in cn.evidence[0].source
    # before the proposal was made public there is nothing to compare with
    early = _value(real_store, "2018-03-30", importer="US", origin="CN", value_usd=50e9,
                   status="proposed")  # fmt: skip
    assert early.verdict == "not_checkable"


def test_a_value_reported_as_imposed_when_only_proposed_is_contradicted(real_store):
    text = "Washington has slapped duties on $50 billion of Chinese goods"
    c = _value(real_store, "2018-04-20", text, importer="US", origin="CN", value_usd=50e9)
    assert c.verdict == "contradicted"
    assert "proposed on 2018-04-03" in c.reason and "2018-07-06" in c.reason
    # the same words once the lists were in force: the measures decide
    later = _value(real_store, "2018-09-01", text, importer="US", origin="CN", value_usd=50e9)
    assert later.verdict == "supported" and "us.s301.list1" in later.evidence[0].statistic


def test_a_measure_of_the_schedule_wins_a_tie_with_a_proposal(real_store):
    c = _value(real_store, "2019-02-20", importer="US", origin="CN", value_usd=200e9,
               status="announced")  # fmt: skip
    assert c.verdict == "supported" and "us.s301.list3" in c.evidence[0].source


def test_line_counts_of_a_proposed_list(real_store):
    c = _one(real_store, _claim("goods_value_covered", importer="US", origin="CN", count=1300,
                                count_noun="tariff lines", list_value_usd=50e9,
                                status="proposed"), date="2018-04-05")  # fmt: skip
    assert c.verdict == "supported" and c.evidence[0].value == 1333
    items = _one(real_store, _claim("goods_value_covered", importer="CN", origin="US", count=106,
                                    count_noun="products"), date="2018-04-06")  # fmt: skip
    assert items.verdict == "supported" and "cn-106-item-list" in items.evidence[0].source


def test_counts_of_an_exclusion_list_are_exact_and_recent(real_store):
    def excluded(count: int, day: str) -> Claim:
        return _one(real_store, _claim("goods_value_covered", importer="CN", origin="US",
                                       count=count, count_noun="items",
                                       action="exclusion"), date=day)  # fmt: skip

    assert excluded(16, "2019-09-12").verdict == "supported"  # the whole list
    assert excluded(4, "2019-09-12").verdict == "supported"  # its second part
    assert excluded(15, "2019-09-12").verdict == "not_checkable"
    assert excluded(16, "2019-09-10").verdict == "not_checkable"  # not yet public
    assert excluded(16, "2020-06-01").verdict == "not_checkable"  # another list, likely


def test_an_act_on_the_day_a_dated_list_was_made_public(real_store):
    act = _one(real_store, _claim("event", actor="CN", action="announcement", verb="released",
                                  date="2019-09-11"), date="2019-09-12")  # fmt: skip
    assert act.verdict == "supported"
    assert any("cn-first-exclusion-lists-2019-09" in e.source for e in act.evidence)
    # the day the notice of a proposal was published (List 3, announced a week before)
    notice = _one(real_store, _claim("event", actor="US", action="announcement", verb="published",
                                     date="2018-07-17"), date="2018-07-18")  # fmt: skip
    assert any("us-list3-proposed-2018-07" in e.source for e in notice.evidence)
    # inside an event of a week (a visit), not inside a 90-day truce
    visit = _one(real_store, _claim("event", actor="US", action="agreement", verb="concluded",
                                    date="2026-05-15"), date="2026-05-16")  # fmt: skip
    assert any("beijing-visit-2026-05" in e.source for e in visit.evidence)
    truce = _one(real_store, _claim("event", actor="CN", action="announcement", verb="said",
                                    date="2019-01-20"), date="2019-01-21")  # fmt: skip
    assert not any("buenos-aires-truce" in e.source for e in truce.evidence)


def test_a_validity_deadline_known_from_the_announcement(real_store):
    c = _one(real_store, _claim("deadline", duration_days=365, start_date="2019-09-17"),
             date="2019-09-12")  # fmt: skip
    assert c.verdict == "supported"
    assert any("cn-first-exclusion-lists-2019-09" in e.source for e in c.evidence)
