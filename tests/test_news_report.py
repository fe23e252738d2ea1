"""The checked-article HTML report (tradewar.news.report_html) on records built here."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

from tradewar.news.report_html import format_value, render_checked, text_fragment
from tradewar.news.schema import (
    Article,
    CheckedArticle,
    Claim,
    Event,
    Evidence,
    Reading,
    Span,
)

TEXT = (
    "Tariffs <b>& more</b>: a 10 percent tariff on USD200 billion of goods is due to rise "
    "to 25 percent on March 2. Photo: AP\n"
)


def _span(text: str, part: str) -> tuple[int, int]:
    start = text.index(part)
    return start, start + len(part)


def _checked() -> CheckedArticle:
    rate = _span(
        TEXT, "a 10 percent tariff on USD200 billion of goods is due to rise to 25 percent"
    )
    value = _span(TEXT, "USD200 billion of goods")
    tail = _span(TEXT, "25 percent on March 2")  # overlaps the rate claim's end
    caption = _span(TEXT, "Photo: AP")
    ev = Evidence(
        statistic="us.s301.list3: step pending",
        value={"rate": 0.25, "planned_from": "2019-03-02"},
        unit="fraction",
        source="store table measures: us.s301.list3 <yaml>",
        citation="83 FR 65198 (December 19, 2018)",
        tolerance="rates equal within 0.05 pp",
    )
    claims = [
        Claim(kind="tariff_rate_change", text=TEXT[rate[0]:rate[1]], start=rate[0], end=rate[1],
              confidence=0.9, verdict="supported", evidence=[ev],
              fields={"from_rate": 0.1, "to_rate": 0.25},
              as_of_article=Reading(verdict="supported", summary="scheduled for 2019-03-02",
                                    evidence=[ev]),
              as_turned_out=Reading(verdict="partly", summary="took effect 2019-05-10 <late>")),
        Claim(kind="goods_value_covered", text=TEXT[value[0]:value[1]], start=value[0],
              end=value[1], confidence=0.8, verdict="contradicted", reason="off by <50%>",
              fields={"value_usd": 2e11}),
        Claim(kind="deadline", text=TEXT[tail[0]:tail[1]], start=tail[0], end=tail[1],
              confidence=0.7, verdict="not_checkable", reason="no record"),
    ]  # fmt: skip
    article = Article(
        source="doc<1>.txt", format="text", text=TEXT, date="2019-02-20", date_basis="option",
        removed=[Span(text="Photo: AP", start=caption[0], end=caption[1])],
        removed_kinds=["caption"],
    )  # fmt: skip
    event = Event(action="talks", actor="US", target="CN", date="2019-02-21", text="Tariffs",
                  start=0, end=7, confidence=0.5)  # fmt: skip
    return CheckedArticle(article=article, claims=claims, events=[event])


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)

    def handle_data(self, data):
        self.text.append(data)


def test_page_is_self_contained_and_escaped():
    page = render_checked(_checked())
    assert page.startswith("<!DOCTYPE html>") and "<style>" in page
    assert "<script" not in page and not re.search(r"""(src|href)=["']?(https?:)?//""", page)
    # the article's markup is shown as text, never as markup
    assert "<b>" not in page and "&lt;b&gt;&amp; more&lt;/b&gt;" in page
    assert "doc&lt;1&gt;.txt" in page and "off by &lt;50%&gt;" in page
    assert "&lt;late&gt;" in page and "store table measures: us.s301.list3 &lt;yaml&gt;" in page
    parsed = _Collect()
    parsed.feed(page)
    assert "b" not in parsed.tags
    # the article text survives intact once the markup and claim numbers are removed
    body = re.sub(r"<sup>.*?</sup>", "", text_fragment(_checked()))
    assert html.unescape(re.sub(r"<[^>]+>", "", body)) == TEXT


def test_claims_are_highlighted_by_verdict_and_overlaps_split():
    checked = _checked()
    body = text_fragment(checked)
    marks = re.findall(r'<mark class="([^"]+)" title="([^"]+)">(.*?)</mark>', body)
    by_text = {m[2]: (m[0], m[1]) for m in marks}
    # inside the value claim: the most severe verdict of the two claims, marked as an overlap
    # (contradicted > partly > supported > not checkable)
    cls, title = by_text["USD200 billion of goods"]
    assert cls == "v-contradicted multi" and "claim 1" in title and "claim 2" in title
    # the overlap of the rate claim and the deadline claim is its own segment
    cls, title = by_text["25 percent"]
    assert cls == "v-supported multi" and "claim 1" in title and "claim 3" in title
    assert by_text[" on March 2"][0] == "v-not_checkable"
    assert by_text["a 10 percent tariff on "][0] == "v-supported"
    # each claim's end carries its number, linking to its evidence
    for n in (1, 2, 3):
        assert f'href="#c-{n}">[{n}]</a>' in body
    # boilerplate dimmed and struck, events underlined
    assert '<span class="boiler" title="boilerplate">Photo: AP</span>' in body
    assert '<span class="event">Tariffs</span>' in body


def test_evidence_and_both_readings_are_shown():
    page = render_checked(_checked())
    assert 'id="c-1"' in page and "As of the article" in page and "As it turned out" in page
    assert "83 FR 65198 (December 19, 2018)" in page and "rates equal within 0.05 pp" in page
    assert "rate: 25%; planned_from: 2019-03-02" in page  # fractions shown as percent
    assert page.count('class="badge v-partly"') >= 1
    assert "2019-02-21" in page  # the event on the timeline


def test_format_value():
    assert format_value(0.075, "fraction") == "7.5%"
    assert format_value(2e11, "USD") == "$200bn"
    assert format_value(1.2e12, "USD") == "$1.2tn"
    assert (
        format_value({"change": -0.283, "value_usd": 7.1e9}) == "change: -28.3%; value_usd: $7.1bn"
    )
