"""Issue 13 phenomena on sentences written for these tests: every quantity found, its
kind and fields from its clause, hypotheticals and quotes, non-claims rejected."""

from __future__ import annotations

import pytest

from tradewar.news import amounts, dates, nlp, pipeline
from tradewar.news.claims import extract_claims
from tradewar.news.reader import read_article


def claims_of(text: str, date: str = "2019-05-06"):
    article = read_article(text, "test", date=date)
    out = extract_claims(article, list(nlp.parse(pipeline.parsable(article))))
    for c in out:
        assert article.text[c.start : c.end] == c.text
    return out


def kinds(text: str, date: str = "2019-05-06") -> dict[str, list]:
    out: dict[str, list] = {}
    for c in claims_of(text, date):
        out.setdefault(c.kind, []).append(c)
    return out


# --------------------------------------------------------------------------- quantities


@pytest.mark.parametrize(
    ("text", "value", "currency", "high"),
    [
        ("a $34bn list", 34e9, "USD", None),
        ("US$16 billion of parts", 16e9, "USD", None),
        ("200 billion dollars of goods", 200e9, "USD", None),
        ("narrowed to $$9.4 billion", 9.4e9, "USD", None),
        ("¥100 billion of bonds", 100e9, "CNY", None),
        ("£56bn of imports", 56e9, "GBP", None),
        ("€3 billion", 3e9, "EUR", None),
        ("some $40-50 billion a year", 40e9, "USD", 50e9),
        ("$16 or $17 billion at most", 16e9, "USD", 17e9),
        ("between $40 billion and $50 billion", 40e9, "USD", 50e9),
    ],
)
def test_money_in_any_format(text, value, currency, high):
    (m,) = amounts.find_money(text)
    assert m.value == pytest.approx(value) and m.currency == currency and m.high == high
    assert (m.value_usd is not None) == (currency == "USD")


def test_two_amounts_joined_by_and_are_not_a_range():
    found = amounts.find_money("$77 billion in machinery and $32 billion in crops")
    assert [m.value for m in found] == [77e9, 32e9]
    assert [m.value for m in amounts.find_money("rose $0.7 billion to $38.2 billion")] == [
        0.7e9,
        38.2e9,
    ]


def test_percent_ranges_lists_shared_units_and_points():
    assert [p.value for p in amounts.find_percents("rates of 5–25%")] == [0.05, 0.25]
    assert [p.value for p in amounts.find_percents("duties of 30%, 15%, 10% and 5%")] == [
        0.30,
        0.15,
        0.10,
        0.05,
    ]
    assert [p.value for p in amounts.find_percents("the 20 and ten percent levies")] == [
        0.20,
        0.10,
    ]
    (pts,) = amounts.find_percents("cut by 91 percentage points")
    assert pts.points and pts.value == pytest.approx(0.91)


def test_counts_of_products_and_lines_not_years():
    found = amounts.find_counts("It covers 812 products and almost 3,500 tariff lines.")
    assert [(c.value, c.noun) for c in found] == [(812, "products"), (3500, "tariff lines")]
    assert [c.value for c in amounts.find_counts("exempts 9 and six types of goods")] == [9, 6]
    assert amounts.find_counts("the 2018 products list") == []


def test_durations_and_number_strings_never_crash_the_date_rules():
    # the '172800' class of bug: a duration read as a date (seconds) must give no date
    for text in ("within 48 hours", "in 172800 seconds", "48 hours later", "2 weeks"):
        r = dates.resolve(text, "2019-05-06")
        assert r is None or dates.to_date(r.date) is not None
    assert [w for _, _, w in dates.find_dates("due August 3-5, 2021, or next week")] == [
        "August 3-5, 2021",
        "next week",
    ]


# --------------------------------------------------------------------------- kinds


def test_goods_value_with_the_importer_and_origin():
    (g,) = kinds("Beijing slapped duties on a $21 billion list of U.S. goods.")[
        "goods_value_covered"
    ]
    assert g.fields["value_usd"] == 21e9
    assert (g.fields["importer"], g.fields["origin"]) == ("CN", "US")


def test_rate_change_with_effective_date_from_a_relative_date():
    (c,) = kinds("Washington will add border taxes of 15% on Chinese goods from next week.")[
        "tariff_rate_change"
    ]
    assert c.fields["to_rate"] == 0.15
    assert (c.fields["importer"], c.fields["origin"]) == ("US", "CN")
    assert c.fields["effective_date"] == "2019-05-13"  # the Monday of next week


def test_from_to_rates_and_points():
    (c,) = kinds("Beijing said it will lower tariffs on U.S. goods from 60% to 20%.")[
        "tariff_rate_change"
    ]
    assert (c.fields["from_rate"], c.fields["to_rate"]) == (0.60, 0.20)
    (p,) = kinds("Both sides cut their duties by 40 percentage points.")["tariff_rate_change"]
    assert p.fields["change"] == pytest.approx(-0.40)


def test_hypotheticals_and_negations_are_not_applied_rates():
    for text in (
        "Washington could raise the levy on Chinese steel to 35% if talks fail.",
        "The White House threatened tariffs of 35% on Chinese steel.",
        "The administration would not raise tariffs to 35 percent on Chinese steel.",
    ):
        found = [c for c in claims_of(text) if c.kind.startswith("tariff")]
        assert found and all(c.fields.get("status") == "threatened" for c in found), text


def test_quoted_speech_is_a_claim_with_its_speaker():
    text = "“China pays a 30% tariff on our cars,” Trump said at the rally."
    (c,) = [c for c in claims_of(text) if c.kind.startswith("tariff")]
    assert c.fields["speaker"] == "Trump" and c.fields["quoted"] is True


def test_trade_figures_with_reporter_period_and_comparison():
    (f,) = kinds("U.S. exports to China fell 18% to $7.1 billion in June from a year earlier.")[
        "trade_flow_change"
    ]
    assert f.fields["flow"] == "us_exports_to_china"
    assert f.fields["change"] == pytest.approx(-0.18) and f.fields["value_usd"] == 7.1e9
    assert f.fields["period"] == "2018-06" and f.fields["comparison"] == "yoy"
    (b,) = kinds("China's trade surplus with the United States widened to $29.9 billion.")[
        "trade_flow_change"
    ]
    assert (b.fields["measure"], b.fields["reporter"]) == ("balance", "CN")


def test_purchase_pledge():
    (p,) = kinds("China agreed to buy an extra $45 billion of American farm goods.")[
        "purchase_commitment"
    ]
    assert (p.fields["buyer"], p.fields["seller"], p.fields["amount_usd"]) == ("CN", "US", 45e9)


def test_deadlines_from_dates_and_periods():
    k = kinds("The new duties will take effect on June 15. The pause will last 60 days.")
    assert {c.fields.get("date") for c in k["deadline"]} >= {"2019-06-15"}
    assert any(c.fields.get("duration_days") == 60 for c in k["deadline"])


def test_reported_official_acts_are_events():
    (e,) = kinds("On March 5, the Commerce Ministry announced new export controls.", "2019-03-08")[
        "event"
    ]
    assert e.fields["actor"] == "CN" and e.fields["date"] == "2019-03-05"


@pytest.mark.parametrize(
    "text",
    [
        "The Dow fell 2.1% and the Nasdaq lost 3% on the news.",
        "The yuan weakened past 7.1 per dollar.",
        "China's GDP growth slowed to 6.2% in the second quarter.",
        "Read more: 10 things to know. Posted 3 hours ago.",
    ],
)
def test_numbers_that_are_not_claims(text):
    assert [c for c in claims_of(text) if c.kind != "event"] == []


# --------------------------------------------------------------------------- context


def test_table_rows_of_rates_are_changes_with_their_product_and_year():
    text = (
        "The proposal:\n| Product | Current rate | Proposed rate |\n"
        "| Semiconductors | 25% | 50% in 2025 |\n| Lithium-ion batteries | 7.5% | 25% in 2026 |"
    )
    text = (
        "Four-year review\n\nThe review was published on May 14. The USTR proposes these "
        "increases to the tariffs on Chinese goods:\n" + text
    )
    rows = kinds(text, "2024-05-15")["tariff_rate_change"]
    assert {(c.fields["importer"], c.fields["status"]) for c in rows} == {("US", "proposed")}
    assert [(c.fields["product"], c.fields["from_rate"], c.fields["to_rate"]) for c in rows] == [
        ("Semiconductors", 0.25, 0.5),
        ("Lithium-ion batteries", 0.075, 0.25),
    ]
    assert [c.fields["effective_year"] for c in rows] == [2025, 2026]


def test_a_figure_continuing_the_previous_trade_figure_keeps_its_flow():
    k = kinds(
        "Beijing said its exports to the United States rose to $478.4 billion in 2018. "
        "This marks an 11.3% increase from 2017 figures.",
        "2019-01-14",
    )
    first, second = k["trade_flow_change"]
    assert second.fields["continues"] and second.fields["change"] == pytest.approx(0.113)
    assert second.fields["flow"] == first.fields["flow"] and second.fields["period"] == "2018"


def test_levels_and_anaphora_take_the_previous_sentence_sides():
    k = kinds("China raised tariffs on US cars to 40 percent in July. Currently the tariff is 40%.")
    (change,) = k["tariff_rate_change"]
    (level,) = k["tariff_rate"]
    assert (change.fields["importer"], change.fields["origin"]) == ("CN", "US")
    assert level.fields["rate"] == 0.4 and level.fields["importer"] == "CN"
    assert level.fields["parties_basis"] == "from an earlier sentence"
    # a sentence naming its own sides (or none, without referring back) inherits nothing
    k = kinds("China raised tariffs on US cars to 40 percent. The EU's tariff is 10%.")
    assert "parties_basis" not in k["tariff_rate"][0].fields


def test_sides_from_destination_counterpart_and_third_countries():
    (rate,) = kinds("U.S. pork already had a 12% tariff on exports to China.")["tariff_rate"]
    assert (rate.fields["importer"], rate.fields["origin"]) == ("CN", "US")
    (d,) = kinds(
        "As a result of ongoing trade negotiations with China, the Office of the United "
        "States Trade Representative has postponed the increase to March 2, 2019.",
        "2018-12-17",
    )["deadline"]
    assert d.fields["importer"] == "US"  # China is the counterpart ("with China")
    k = kinds("Mexico also has a punitive tariff on U.S. pork, which rose to 20% on Friday.")
    (change,) = k["tariff_rate_change"]
    assert (change.fields["importer"], change.fields["to_rate"]) == ("MX", 0.2)


def test_money_range_with_one_scale():
    (m,) = amounts.find_money("taking purchases from $40 to $50 billion")
    assert (m.value, m.high) == (40e9, 50e9)
    assert len(amounts.find_money("exports rose from $40 billion to $50 billion")) == 2


def test_sentence_ends_after_us_before_an_opener():
    starts = pipeline.sentence_starts(
        "Tariffs on cars from the U.S. Currently the rate is 40%. The U.S. Trade "
        "Representative said so."
    )
    assert len(starts) == 3


def test_trade_figures_continued_in_the_sentence_with_their_own_period_and_base():
    k = kinds(
        "The deficit in the trade of goods with China narrowed by 1.1% to $31.3 billion in "
        "October and is down 14.6% so far this year. The deficit with China fell by $4.2 "
        "billion from the September figure, lower than the deficit with the European Union.",
        "2019-12-05",
    )
    month, ytd, *rest = k["trade_flow_change"]
    assert (month.fields["period"], month.fields.get("comparison")) == ("2019-10", None)
    assert ytd.fields["change"] == pytest.approx(-0.146)  # "down" is not the Dow index
    assert (ytd.fields["comparison"], ytd.fields["period"], ytd.fields["partner"]) == (
        "ytd",
        "2019",
        "CN",
    )
    assert all(c.fields.get("period") != "2019-09" for c in rest)  # "from September": base
    assert all(c.fields.get("partner") == "CN" for c in rest)  # "with China" is named
