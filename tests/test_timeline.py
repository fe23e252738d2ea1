"""The merged timeline: schedule, curated events, recorded articles; the CLI command."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tradewar.config import STORE_NAME
from tradewar.errors import InputError
from tradewar.news import timeline as tl
from tradewar.news.events import extract_events, parse_text
from tradewar.news.schema import Article, CheckedArticle

BIN = Path(sys.executable).with_name("tradewar")

FIRST = (
    "Xinhua said Vice Premier Liu He will hold talks with Robert Lighthizer and Steven "
    "Mnuchin in Washington this week.\n"
    "The Justice Department indicted three hackers on Feb. 12, 2019."
)
SECOND = (
    "Liu He is in Washington this week for talks with Steven Mnuchin and Robert Lighthizer.\n"
    "Prosecutors said the Justice Department indicted three hackers on Feb. 12."
)


def checked(text: str, date: str, source: str) -> CheckedArticle:
    article = Article(source=source, format="text", text=text, date=date)
    return CheckedArticle(article=article, events=extract_events(article, parse_text(text)))


@pytest.fixture()
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, real_store: Path) -> Path:
    """A temporary TRADEWAR_HOME whose store is the session's real store (a link)."""
    (tmp_path / STORE_NAME).symlink_to(real_store)
    monkeypatch.setenv("TRADEWAR_HOME", str(tmp_path))
    return tmp_path


@pytest.fixture()
def recorded(home: Path) -> list[Path]:
    return [
        tl.record_article(checked(FIRST, "2019-02-20", "first.txt")),
        tl.record_article(checked(SECOND, "2019-02-21", "second.txt")),
    ]


def test_recording_is_keyed_by_content_and_replaces(recorded: list[Path], home: Path) -> None:
    assert [p.parent for p in recorded] == [home / "articles"] * 2
    assert recorded[0].name == f"{tl.content_hash(FIRST)}.json"
    again = tl.record_article(checked(FIRST, "2019-02-20", "renamed.txt"))
    assert again == recorded[0]
    records = tl.recorded_articles()
    assert len(records) == 2
    assert {r["source"] for r in records} == {"renamed.txt", "second.txt"}
    assert not list((home / "articles").glob(".*.tmp"))


def test_a_broken_record_is_an_error_not_skipped(recorded: list[Path]) -> None:
    recorded[1].write_text("{not json")
    with pytest.raises(Exception, match="unreadable article record"):
        tl.recorded_articles()


def test_timeline_merges_articles_and_curated_events(recorded: list[Path]) -> None:
    entries = tl.build_timeline("2019-02-01", "2019-03-31")
    talks = [e for e in entries if e["action"] == "talks" and e["date"] == "2019-02-21"]
    assert len(talks) == 1  # the curated round, reported by both articles
    sources = talks[0]["sources"]
    assert sources[0]["curated"] == "talks-2019-02-washington"
    assert {s.get("article") for s in sources[1:]} == {
        tl.content_hash(FIRST),
        tl.content_hash(SECOND),
    }
    for s in sources[1:]:
        text = FIRST if s["article"] == tl.content_hash(FIRST) else SECOND
        assert text[s["start"] : s["end"]] == s["text"]
    # an event not in the curated list: one entry, both articles as sources
    indicted = [e for e in entries if e["action"] == "indictment"]
    assert len(indicted) == 1
    assert indicted[0]["date"] == "2019-02-12"
    assert len(indicted[0]["sources"]) == 2


def test_schedule_measures_and_announcements_with_citations(home: Path) -> None:
    entries = tl.build_timeline()
    list3 = [e for e in entries if e.get("measure_id") == "us.s301.list3"]
    raised = [
        e
        for e in list3
        if e["kind"] == "measure" and e["date"] == "2019-05-10" and "25%" in e["title"]
    ]
    assert raised and raised[0]["citation"].startswith("84 FR 20459")
    due = [e for e in list3 if e["kind"] == "announcement" and e["date"] == "2019-03-02"]
    assert len(due) == 1
    assert "84 FR 7966" in due[0]["citation"]
    assert "2019-02-24" in due[0]["outcome"]
    assert {e["importer"] for e in entries if e["kind"] == "measure"} == {"US", "CN"}
    assert all(e["sources"] and e["citation"] for e in entries if e["kind"] != "event")
    dates = [e["date"] or e.get("reported") for e in entries]
    assert dates == sorted(dates)


def test_schedule_from_the_store_equals_the_authored_files(
    real_store: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TRADEWAR_HOME", str(tmp_path))  # no store here: authored files
    from_files = tl.schedule_entries()
    from_store = tl.schedule_entries(real_store)

    def strip(entries: list[dict]) -> list[tuple]:
        return sorted((e["id"], e["title"], e["citation"]) for e in entries)

    assert strip(from_files) == strip(from_store)
    assert from_files[0]["sources"][0]["schedule"].startswith("authored files")


def test_window_filter_and_bad_dates(recorded: list[Path]) -> None:
    entries = tl.build_timeline("2019-02-18", "2019-02-28")
    for e in entries:
        start = e["date"] or e["reported"]
        assert start <= "2019-02-28" and (e["date_end"] or start) >= "2019-02-18"
    assert any(e["kind"] == "event" for e in entries)
    assert not any(e["kind"] == "measure" for e in entries)
    with pytest.raises(InputError, match="not a date"):
        tl.build_timeline("2019-02-30")
    with pytest.raises(InputError, match="after"):
        tl.build_timeline("2019-03-01", "2019-02-01")


def test_timeline_for_one_article(real_store: Path) -> None:
    c = checked(FIRST, "2019-02-20", "first.txt")
    entries = tl.timeline_for_article(c, store=real_store)
    for e in entries:  # the window: a week around the article and its events
        assert e["date"] <= "2019-03-03" and (e["date_end"] or e["date"]) >= "2019-02-11"
    assert any(e["kind"] == "announcement" and e["date"] == "2019-03-02" for e in entries)
    assert any(s.get("article") == tl.content_hash(FIRST) for e in entries for s in e["sources"])


def run(args: list[str], home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TRADEWAR_HOME": str(home)}
    return subprocess.run([str(BIN), *args], capture_output=True, text=True, env=env)


def test_cli_json_html_and_errors(recorded: list[Path], home: Path) -> None:
    done = run(["timeline", "--from", "2019-02-18", "--to", "2019-03-05", "--json"], home)
    assert done.returncode == 0, done.stderr
    entries = json.loads(done.stdout)
    assert any(e["kind"] == "announcement" and e["date"] == "2019-03-02" for e in entries)
    page = home / "timeline.html"
    done = run(["timeline", "--to", "2019-06-01", "--html", str(page)], home)
    assert done.returncode == 0, done.stderr
    text = page.read_text()
    assert text.startswith("<!doctype html>") and '<ol class="tl">' in text
    assert "84 FR 20459" in text and "<svg" in text
    assert "<script" not in text and "<link" not in text and "http" not in text
    table = run(["timeline", "--from", "2019-02-20", "--to", "2019-02-22"], home)
    assert table.returncode == 0 and "Talks in Washington" in table.stdout
    for bad in (["--from", "2019-13-01"], ["--from", "2019-03-01", "--to", "2019-01-01"]):
        done = run(["timeline", *bad], home)
        assert done.returncode == 2
        assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr
