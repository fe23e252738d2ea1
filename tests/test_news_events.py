"""Events, entities and curated known events (issue 5, sections 3 and 5).

Sentences are written here; the spaCy pipeline is loaded once for the module.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tradewar.config import documents_dir
from tradewar.errors import InputError
from tradewar.news import entities as ent
from tradewar.news.events import ACTIONS, extract_events, parse_text
from tradewar.news.schema import Article, Event


@pytest.fixture(scope="module", autouse=True)
def _nlp() -> None:
    from tradewar.news import nlp

    nlp.load()


def events(text: str, date: str | None) -> list[Event]:
    article = Article(source="<test>", format="text", text=text, date=date)
    found = extract_events(article, parse_text(text))
    for e in found:  # offsets always index the article text
        assert text[e.start : e.end] == e.text
        for link in e.entities:
            assert text[link.start : link.end] == link.mention
    return found


def one(text: str, date: str | None) -> Event:
    found = events(text, date)
    assert len(found) == 1, found
    return found[0]


# --- entities ---------------------------------------------------------------------------


def test_lighthizer_is_the_us_trade_representative_while_in_office() -> None:
    text = "Lighthizer said the US trade representative would not comment."
    links = ent.link_entities(text, as_of="2019-02-20")
    assert [(x.mention, x.entity_id) for x in links] == [
        ("Lighthizer", "robert-lighthizer"),
        ("US trade representative", "robert-lighthizer"),
    ]
    assert {x.role for x in links} == {"US Trade Representative"}
    # after his term the title no longer stands for him; his name still does
    later = ent.link_entities(text, as_of="2022-06-01")
    assert [(x.mention, x.role) for x in later] == [("Lighthizer", None)]
    assert ent.role_on("robert-lighthizer", "2017-05-14") is None
    assert ent.role_on("robert-lighthizer", "2017-05-15") == "US Trade Representative"


def test_liu_he_is_vice_premier_from_march_2018_and_short_forms_need_the_full_name() -> None:
    assert ent.role_on("liu-he", "2019-02-20") == "Vice Premier of the State Council of China"
    assert ent.role_on("liu-he", "2018-03-18") is None
    text = "China's economic czar, Liu He, met Mnuchin. Liu left."
    links = ent.link_entities(text, as_of="2019-02-20")
    assert [x.entity_id for x in links] == ["liu-he", "liu-he", "steven-mnuchin", "liu-he"]
    # a bare "Liu" without "Liu He" in the context is not linked
    assert [x.entity_id for x in ent.link_entities("Mr Liu ran a shop in China.")] == ["cn-gov"]


def test_aliases_handle_dots_apostrophes_and_prefixed_titles() -> None:
    text = "U.S. Trade Representative Robert Lighthizer met China’s Commerce Ministry."
    links = ent.link_entities(text, as_of=dt.date(2019, 1, 1))
    assert [(x.mention, x.entity_id) for x in links] == [
        ("U.S. Trade Representative Robert Lighthizer", "robert-lighthizer"),
        ("China’s Commerce Ministry", "mofcom"),
    ]
    # "us" the pronoun is not the United States
    assert ent.link_entities("Tell us more.") == []


def test_curated_data_is_valid_and_complete() -> None:
    index = ent.entity_index()
    for needed in (
        "robert-lighthizer",
        "liu-he",
        "steven-mnuchin",
        "donald-trump",
        "xi-jinping",
        "meng-wanzhou",
        "michael-kovrig",
        "geng-shuang",
        "adam-meyers",
        "barack-obama",
        "ustr",
        "us-doj",
        "us-commerce",
        "us-treasury",
        "mofcom",
        "cn-mss",
        "cn-mfa",
        "xinhua",
        "huawei",
        "crowdstrike",
        "icg",
        "cbs",
        "us-gov",
        "cn-gov",
        "ca-gov",
    ):
        assert needed in index.entities
        assert index.entities[needed].source
    known = {e.id: e for e in ent.known_events()}
    assert known["buenos-aires-truce"].date_end == dt.date(2019, 3, 1)
    assert known["meng-arrest"].date == dt.date(2018, 12, 1)
    assert known["kovrig-detention"].date == dt.date(2018, 12, 10)
    assert known["huawei-entity-list"].citation.startswith("84 FR 22961")
    assert all(e.action in ACTIONS and (e.citation or e.source) for e in known.values())
    # an announced list: what the checker compares, and SECONDARY facts say so
    proposal = known["us-301-proposed-list-2018-04"]
    assert proposal.value_usd_bn == 50 and proposal.items == 1333
    assert proposal.status == "proposed" and not proposal.certain
    assert not any(e.certain for e in known.values() if "SECONDARY" in (e.source or ""))
    excl = known["cn-first-exclusion-lists-2019-09"]
    assert excl.exclusion and sum(excl.item_parts) == excl.items
    assert excl.announced is not None and excl.announced < excl.date


def test_a_curated_list_whose_parts_do_not_add_up_is_an_error(tmp_path: Path) -> None:
    bad = tmp_path / "events.yaml"
    bad.write_text(
        "events:\n  - id: x\n    action: announcement\n    title: t\n    date: 2019-01-02\n"
        "    source: s\n    items: 5\n    item_parts: [1, 2]\n"
    )
    with pytest.raises(InputError, match="do not add up"):
        ent.known_events(bad)


def test_a_bad_entity_file_is_a_one_line_error(tmp_path: Path) -> None:
    bad = tmp_path / "entities.yaml"
    bad.write_text(
        "entities:\n  - id: x\n    name: X\n    kind: planet\n    aliases: [X]\n    source: s\n"
    )
    with pytest.raises(InputError, match=r"entities.yaml:\d+: invalid entity file"):
        ent.entity_index(bad)
    events_file = tmp_path / "events.yaml"
    events_file.write_text(
        "events:\n  - id: e\n    action: talks\n    title: T\n    date: 2019-01-01\n"
        "    actors: [nobody]\n    source: s\n"
    )
    with pytest.raises(InputError, match="unknown entity 'nobody'"):
        ent.known_events(events_file)


# --- events -----------------------------------------------------------------------------


def test_actor_action_target_and_a_weekday_resolved_against_the_article_date() -> None:
    e = one("The Justice Department indicted two Chinese hackers on Thursday.", "2018-12-21")
    assert (e.action, e.actor, e.target) == (
        "indictment",
        "US Justice Department",
        "two Chinese hackers",
    )
    assert (e.date, e.date_text) == ("2018-12-20", "Thursday")
    assert e.key == "indictment|us-doj>|2018-12-20"


def test_arrest_in_a_country_is_by_its_government() -> None:
    e = one("Canadian authorities arrested Meng Wanzhou in Vancouver on Dec. 1.", "2018-12-06")
    assert (e.action, e.date) == ("arrest", "2018-12-01")
    assert e.target == "Meng Wanzhou"
    d = one("Michael Kovrig was detained in China on Monday, the group said.", "2018-12-11")
    assert (d.action, d.actor, d.target, d.date) == (
        "detention",
        "Government of China",
        "Michael Kovrig",
        "2018-12-10",
    )


def test_planned_talks_take_a_week_range_and_say_so() -> None:
    e = one("Liu He will hold talks with Robert Lighthizer in Washington next week.", "2019-01-23")
    assert (e.action, e.actor, e.target) == ("talks", "Liu He", "Robert Lighthizer")
    assert (e.date, e.date_end) == ("2019-01-28", "2019-02-03")
    assert e.date_basis and e.date_basis.startswith("planned")
    assert {x.entity_id: x.role for x in e.entities}["liu-he"].startswith("Vice Premier")


def test_a_truce_with_its_duration() -> None:
    e = one("The United States and China agreed to a 90-day truce on Dec. 1.", "2018-12-05")
    assert (e.action, e.date, e.date_end) == ("truce", "2018-12-01", "2019-03-01")
    assert e.key == "truce|cn-gov+us-gov|2018-12-01"


def test_tariff_steps_and_retaliation() -> None:
    text = (
        "Without an agreement, a 10 percent tariff increase imposed in July on USD200 "
        "billion of Chinese goods is due to rise to 25 percent on March 2."
    )
    found = events(text, "2019-02-20")
    assert [(e.action, e.date, e.target) for e in found] == [
        ("tariff_action", "2018-07-01", "Government of China"),
        ("tariff_action", "2019-03-02", None),
    ]
    assert found[1].date_basis.startswith("planned")
    r = one("Beijing retaliated with higher duties on U.S. goods.", "2019-02-20")
    assert (r.actor, r.target, r.date) == ("Government of China", "United States government", None)


def test_no_junk_events() -> None:
    for text in (
        "The talks also include complaints about industrial plans.",
        "If the talks go well, Trump may hold off on raising tariffs.",
        "Economists say the time available for negotiations is too brief.",
        "US industry groups have not confirmed that such purchases are taking place.",
        "Lighthizer said China had until March 1 to reach an agreement.",
    ):
        assert events(text, "2019-02-20") == [], text


def test_the_same_event_from_two_texts_gets_one_key() -> None:
    a = one(
        "Xinhua said Vice Premier Liu He will hold talks with Robert Lighthizer and "
        "Steven Mnuchin in Washington this week.",
        "2019-02-20",
    )
    b = one(
        "Liu He is in Washington this week for talks with Steven Mnuchin and Robert Lighthizer.",
        "2019-02-21",
    )
    assert a.key == b.key == "talks|liu-he+robert-lighthizer+steven-mnuchin|2019-02-18"
    c = one("The Justice Department indicted three hackers on March 5, 2019.", "2019-03-06")
    d = one(
        "Prosecutors said the Justice Department indicted three hackers on March 5.", "2019-03-07"
    )
    assert c.key == d.key


def test_mentions_of_one_event_in_an_article_merge() -> None:
    text = (
        "On Tuesday, the Crisis Group said one of its employees had been detained in China.\n"
        "The group is aware of reports that Michael Kovrig has been detained in China."
    )
    e = one(text, "2018-12-11")
    assert (e.action, e.target, e.date) == ("detention", "Michael Kovrig", "2018-12-11")
    assert "reported" in (e.date_basis or "")


@pytest.mark.skipif(not documents_dir().is_dir(), reason="shared documents not found")
def test_the_example_articles_give_the_expected_events() -> None:
    def extract(name: str, date: str) -> list[Event]:
        text = (documents_dir() / name).read_text(encoding="utf-8")
        return events(text, date)

    first = {(e.action, e.key) for e in extract("000_64fc973e7f69bfb2.txt", "2018-12-11")}
    for expected in (
        ("indictment", "indictment|us-doj>|2018-12-12"),
        ("truce", "truce|cn-gov+us-gov|2018-12-01"),
        ("arrest", "arrest|ca-gov>meng-wanzhou|undated"),
        ("detention", "detention|cn-gov>michael-kovrig|2018-12-11"),
        ("talks", "talks|donald-trump+xi-jinping|2018-12-01"),
        ("talks", "talks|cn-gov+us-gov|2019-01-01"),
    ):
        assert expected in first
    assert {a for a, _ in first} == {
        "indictment",
        "export_control",
        "truce",
        "talks",
        "arrest",
        "detention",
    }
    second = extract("001_12f69727ac1a6bf2.txt", "2019-02-20")
    keys = {e.key for e in second}
    for expected_key in (
        "talks|liu-he+robert-lighthizer+steven-mnuchin|2019-02-18",
        "talks|robert-lighthizer|2019-02-11",
        "tariff_action|>|2019-03-02",
        "tariff_action|cn-gov>us-gov|undated",
        "cyber_report|crowdstrike>|2019-02-19",
    ):
        assert expected_key in keys
    assert len(second) <= 10


def test_a_start_date_keeps_its_own_year_under_a_perfect_tense_trigger() -> None:
    text = (
        "After the court ruling, the White House has made a quick switch to another "
        "statute, imposing a 10% import surcharge on most goods {} March 3."
    )
    # "beginning March 3" starts in two days; "on March 3" after "has made" is past
    assert one(text.format("beginning"), "2026-03-01").date == "2026-03-03"
    assert one(text.format("on"), "2026-03-01").date == "2025-03-03"


def test_events_kept_out_of_date_inference_give_the_reader_no_anchor() -> None:
    from tradewar.news import reader

    labels = {a.label for a in reader._anchors()}
    known = ent.known_events()
    assert not any(e.title in labels for e in known if not e.date_cue)
    assert any(e.title in labels for e in known if e.date_cue)
