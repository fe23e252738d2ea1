"""Claim extraction and amounts on sentences written for these tests."""

from __future__ import annotations

import pytest

from tradewar.news import amounts, nlp
from tradewar.news.claims import extract_claims
from tradewar.news.reader import read_article, segments


def claims_of(text: str, date: str | None = "2019-02-20"):
    article = read_article(text, "test", date=date)
    out = extract_claims(article, list(nlp.parse(segments(article))))
    for c in out:
        assert article.text[c.start : c.end] == c.text
        assert c.sentence is not None and c.sentence.start <= c.start < c.end <= c.sentence.end
        assert 0 <= c.confidence <= 1
    return out


def only(claims, kind):
    found = [c for c in claims if c.kind == kind]
    assert len(found) == 1, [(c.kind, c.text) for c in claims]
    return found[0]


# --------------------------------------------------------------------------- amounts


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("USD200 billion", 200e9),
        ("$1.2 trillion", 1.2e12),
        ("US$34bn", 34e9),
        ("US$ 16 billion", 16e9),
        ("200 billion dollars", 200e9),
        ("$250,000", 250_000.0),
        ("$50 million", 50e6),
    ],
)
def test_money(text, value):
    assert amounts.parse_money(f"tariffs on {text} of goods") == pytest.approx(value)


def test_money_without_a_figure_or_in_another_currency():
    assert amounts.parse_money("its multibillion-dollar trade surplus") is None
    yuan = amounts.find_money("a fine of 100 billion yuan")
    assert yuan[0].currency == "CNY" and yuan[0].value_usd is None


@pytest.mark.parametrize(
    ("text", "value"),
    [("10 percent", 0.10), ("25%", 0.25), ("7.5 per cent", 0.075), ("5 pct", 0.05)],
)
def test_percent(text, value):
    assert amounts.parse_percent(f"a rate of {text} on goods") == pytest.approx(value)


@pytest.mark.parametrize(
    ("sentence", "change"),
    [
        ("a 40 percent drop in imports", -0.40),
        ("exports fell 12.5% in May", -0.125),
        ("a 7 percent rise in exports", 0.07),
        ("imports were 30 percent of the total", None),
    ],
)
def test_signed_change(sentence, change):
    p = amounts.find_percents(sentence)[0]
    got = amounts.signed_change(p, sentence)
    assert got == (None if change is None else pytest.approx(change))


def test_durations():
    d = amounts.find_durations("a 90-day truce and a three-month pause")
    assert [(x.days, x.unit) for x in d] == [(90, "day"), (90, "month")]


# --------------------------------------------------------------------------- tariffs


def test_rate_change_from_to_with_effective_date_and_scope():
    c = claims_of(
        "The United States will raise tariffs on $34 billion of Chinese products from "
        "10 percent to 25 percent on March 1."
    )
    rc = only(c, "tariff_rate_change")
    assert rc.fields["importer"] == "US" and rc.fields["origin"] == "CN"
    assert (rc.fields["from_rate"], rc.fields["to_rate"]) == (0.10, 0.25)
    assert rc.fields["effective_date"] == "2019-03-01"
    assert rc.fields["scope_value_usd"] == 34e9
    gv = only(c, "goods_value_covered")
    assert gv.text == "$34 billion of Chinese products"
    assert gv.fields["value_usd"] == 34e9 and gv.fields["origin"] == "CN"


def test_rate_change_rise_to_with_imposed_month():
    c = claims_of(
        "A 10 percent tariff imposed in September on US$60bn of American goods is due to "
        "rise to 20 percent on June 1."
    )
    rc = only(c, "tariff_rate_change")
    assert rc.fields["origin"] == "US" and rc.fields["importer"] == "CN"
    assert (rc.fields["from_rate"], rc.fields["to_rate"]) == (0.10, 0.20)
    assert rc.fields["imposed_date"] == "2018-09"
    assert rc.fields["effective_date"] == "2019-06-01"


def test_tariff_rate_without_change():
    c = claims_of("Washington imposed a 25 percent tariff on $50 billion of Chinese goods in July.")
    r = only(c, "tariff_rate")
    assert r.fields["rate"] == 0.25 and r.fields["scope_value_usd"] == 50e9
    assert "tariff_rate_change" not in {x.kind for x in c}


def test_no_claim_from_percent_unrelated_to_tariffs():
    c = claims_of("Stocks fell 3 percent on Tuesday as investors worried about growth.")
    assert c == []


# --------------------------------------------------------------------------- flows


def test_flow_change_china_basis_month_and_implied_yoy():
    c = claims_of("Figures showed a 25 percent fall in Chinese imports of US goods in December.")
    f = only(c, "trade_flow_change")
    assert f.fields["flow"] == "china_imports_from_us"
    assert f.fields["reporter_basis"] == "china_customs"
    assert f.fields["change"] == pytest.approx(-0.25)
    assert f.fields["period"] == "2018-12"
    assert (f.fields["comparison"], f.fields["comparison_stated"]) == ("yoy", False)


def test_flow_change_us_exports_stated_yoy():
    c = claims_of("U.S. exports to China rose 8 percent in 2018 from a year earlier.")
    f = only(c, "trade_flow_change")
    assert f.fields["flow"] == "us_exports_to_china"
    assert f.fields["reporter_basis"] == "us_census"
    assert f.fields["change"] == pytest.approx(0.08)
    assert f.fields["period"] == "2018"
    assert f.fields["comparison_stated"] is True


# --------------------------------------------------------------------------- deadlines


def test_truce_duration_with_start_elsewhere_in_the_article():
    c = claims_of(
        "The two sides agreed to a 90-day truce. Talks began after they agreed to the "
        "truce on Dec. 1, officials said.",
        date="2018-12-12",
    )
    d = only(c, "deadline")
    assert d.text == "a 90-day truce"
    assert d.fields["duration_days"] == 90
    assert d.fields["start_date"] == "2018-12-01"
    assert d.fields["date"] == "2019-03-01"


def test_dated_deadline_and_its_repeat_is_one_claim():
    c = claims_of(
        "Negotiators are racing ahead of the March 1 deadline. He said China had until "
        "March 1 to reach an agreement.",
        date="2019-01-10",
    )
    d = only(c, "deadline")
    assert d.text == "March 1 deadline" and d.fields["date"] == "2019-03-01"


def test_deadline_without_article_date_says_so():
    c = claims_of("Negotiators are racing ahead of the March 1 deadline.", date=None)
    d = only(c, "deadline")
    assert d.fields["date"] is None
    assert "no date" in d.reason


# --------------------------------------------------------------------------- purchases


def test_purchase_commitment():
    c = claims_of(
        "Beijing has pledged to buy an additional $200 billion of American goods and "
        "services over the next two years."
    )
    p = only(c, "purchase_commitment")
    assert (p.fields["buyer"], p.fields["seller"]) == ("CN", "US")
    assert p.fields["amount_usd"] == 200e9
    assert p.fields["scope"] == "goods and services"
    assert p.fields["horizon_years"] == 2


def test_purchase_without_amount_is_no_claim():
    c = claims_of("China promised to buy more American soybeans, officials said.")
    assert [x for x in c if x.kind == "purchase_commitment"] == []


def test_repeated_caption_gives_no_duplicate_claim():
    caption = "China said it will buy $50 billion of US goods over three years."
    text = (
        f"Headline on trade\n\n{caption}\n{caption}(John Doe/Reuters)\n\n"
        "WASHINGTON — Officials met on Monday. China said it will buy $50 billion of US "
        "goods over three years, they said."
    )
    c = claims_of(text)
    p = only(c, "purchase_commitment")
    assert p.start > text.index("WASHINGTON")
