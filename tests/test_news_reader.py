"""Reading articles: decoding, HTML, boilerplate, stories, dates, errors, bounded memory."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tradewar.errors import InputError
from tradewar.news import dates
from tradewar.news.reader import infer_date, read_article, segments

TRADEWAR = str(Path(sys.executable).parent / "tradewar")
BODY = (
    "WASHINGTON — The United States said on Tuesday it would raise tariffs on Chinese "
    "goods. Officials met in Beijing last week to discuss the plan.\n\n"
    "Negotiators said talks would continue ahead of the March 1 deadline."
)


def _removed(article):
    return list(zip(article.removed_kinds, (s.text for s in article.removed), strict=True))


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"   \n\t ", "empty"),
        (b"\x00\x01\x02PK\x03\x04" * 50, "binary"),
        (bytes(range(256)) * 20, "binary"),
        ("%%%% 1234 ### ---- @@@@\n" * 40, "no sentences"),
        ("asdf qwer zxcv\n", "not English prose"),
        ("lorem ipsum dolor sit amet consectetur adipiscing elit sed do\n" * 5, "not English"),
    ],
)
def test_bad_input_is_refused(data, message):
    with pytest.raises(InputError, match=message):
        read_article(data, "x")


def test_a_one_sentence_claim_is_prose():
    article = read_article("China raised tariffs on US soybeans to 25 percent.", "x")
    assert article.text.startswith("China raised")


def test_bad_date_option_is_refused():
    with pytest.raises(InputError, match="YYYY-MM-DD"):
        read_article(BODY, "x", date="2019-13-45")


@pytest.mark.parametrize(
    ("data", "args", "message"),
    [
        (b"", [], "empty"),
        (b"\x00\xff\xfe binary \x00" * 100, [], "binary"),
        (b"12 34 56 78 %% ## !!\n" * 20, [], "no sentences"),
        (BODY.encode(), ["--date", "2019-02-30"], "YYYY-MM-DD"),
    ],
)
def test_cli_bad_input_exits_2(tmp_path, data, args, message):
    f = tmp_path / "in.txt"
    f.write_bytes(data)
    env = {**os.environ, "TRADEWAR_HOME": str(tmp_path)}
    proc = subprocess.run(
        [TRADEWAR, "check", str(f), *args, "--no-record"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 2, proc.stderr
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_cli_missing_file_exits_2(tmp_path):
    proc = subprocess.run(
        [TRADEWAR, "check", str(tmp_path / "nope.txt"), "--no-record"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert "no such file" in proc.stderr and "Traceback" not in proc.stderr


# --------------------------------------------------------------------------- boilerplate


def test_plain_text_is_kept_unchanged_and_boilerplate_recorded():
    caption = "A man walks past a port in Shanghai on Monday."
    text = (
        "Tariffs bite\n\n"
        f"{caption}\n{caption}(Aly Song/Reuters)\n\n"
        f"{BODY} Jane Doe, Beijing, AP\n\n"
        "Categories China"
    )
    a = read_article(text.encode(), "x", date="2019-02-20")
    assert a.text == text
    kinds = _removed(a)
    assert kinds.count(("caption", caption)) == 1
    assert ("caption", f"{caption}(Aly Song/Reuters)") in kinds
    assert ("byline", "Jane Doe, Beijing, AP") in kinds
    assert ("footer", "Categories China") in kinds
    kept = " ".join(s.text for s in segments(a))
    assert "Shanghai" not in kept and "Jane Doe" not in kept and "Categories" not in kept
    assert "March 1 deadline" in kept
    for s in segments(a):
        assert a.text[s.start : s.end] == s.text


def test_stories_split_after_a_byline():
    text = (
        "First headline here\n\n"
        "The first story says tariffs will rise. It ends here, officials said. AP\n\n"
        "Second headline about hackers\n\n"
        "The second story reports a cyber report released yesterday. It says more."
    )
    a = read_article(text, "x", date="2019-02-20")
    assert [s.title for s in a.stories] == ["First headline here", "Second headline about hackers"]
    assert a.stories[1].start == text.index("Second headline")
    assert a.stories[0].end == a.stories[1].start
    assert [s.story for s in segments(a)] == [0, 1]
    assert ("byline", "AP") in _removed(a)


def test_html_text_title_and_metadata_date():
    html = textwrap.dedent(
        """\
        <!doctype html><html><head><title>Tariff news</title>
        <meta property="article:published_time" content="2019-05-10T04:00:00Z">
        <script>var x = "tariffs of 99 percent";</script></head>
        <body><nav>Home | World</nav><h1>US raises tariffs</h1>
        <figure><img src="a.jpg"><figcaption>Containers at a port (Photo/AP)</figcaption></figure>
        <p>The United States raised tariffs on $200 billion of Chinese goods to 25 percent
        from 10 percent on Friday.</p><p>China said it would retaliate.</p>
        <footer>Copyright 2019</footer></body></html>"""
    )
    a = read_article(html.encode(), "page.html")
    assert a.format == "html"
    assert a.title == "Tariff news"
    assert (a.date, a.date_basis) == ("2019-05-10", "metadata")
    assert "99 percent" not in a.text and "Home | World" not in a.text
    assert ("caption", "Containers at a port (Photo/AP)") in _removed(a)
    assert any("$200 billion" in s.text for s in segments(a))


@pytest.mark.parametrize(
    "meta",
    [
        '<meta name="date" content="2019-05-10">',
        '<time datetime="2019-05-10T08:00">May 10</time>',
        '<script type="application/ld+json">{"@type": "NewsArticle", '
        '"datePublished": "2019-05-10T08:00:00Z"}</script>',
    ],
)
def test_html_date_sources(meta):
    html = (
        f"<html><head>{meta}</head><body><p>{BODY}</p><p>More text here, he said.</p></body></html>"
    )
    a = read_article(html, "p.html")
    assert (a.date, a.date_basis) == ("2019-05-10", "metadata")


def test_option_date_wins_over_metadata():
    head = '<head><meta name="date" content="2019-05-10"></head>'
    html = f"<html>{head}<body><p>{BODY}</p></body></html>"
    a = read_article(html, "p.html", date="2019-06-01")
    assert (a.date, a.date_basis) == ("2019-06-01", "option")


# --------------------------------------------------------------------------- date inference


def test_infer_date_from_explicit_year_weekday_and_deadline():
    text = (
        "Tariffs were raised throughout 2018. On Tuesday, officials said the talks went well. "
        "Data showed exports fell in January. Negotiators work ahead of the March 1 deadline."
    )
    day, note = infer_date(text, anchors=[])
    # 2019 (2018 is over), after January, a Tuesday, before March 1: 2019-02-05
    assert day == "2019-02-05"
    assert "throughout" not in note or "2018" in note
    assert "March 1" in note and "Tuesday" in note


def test_infer_date_without_cues_gives_none():
    a = read_article("Officials said they were pleased with the talks. Nothing else.", "x")
    assert a.date is None and a.date_basis == "none"
    assert a.date_note


def test_infer_date_from_known_event_reported_yesterday():
    text = (
        "Crowdstrike said hacking resumed. The firm said in a report released yesterday "
        "that activity rose."
    )
    day, note = infer_date(text)  # uses the curated known events
    assert day == "2019-02-20"
    assert "yesterday" in note


# --------------------------------------------------------------------------- date rules


@pytest.mark.parametrize(
    ("expr", "when", "start", "end"),
    [
        ("March 2", "future", "2019-03-02", None),
        ("Dec. 1", "past", "2018-12-01", None),
        ("in July", "past", "2018-07-01", "2018-07-31"),
        ("in July", "future", "2019-07-01", "2019-07-31"),
        ("this week", None, "2019-02-18", "2019-02-24"),
        ("last week", None, "2019-02-11", "2019-02-17"),
        ("yesterday", None, "2019-02-19", None),
        ("on Tuesday", "past", "2019-02-19", None),
        ("Last Friday", None, "2019-02-15", None),
        ("as early as Wednesday", "future", "2019-02-20", None),
        ("early next year", "future", "2020-01-01", "2020-04-30"),
        ("the next several years", None, "2019-02-20", None),
        ("over the next three years", None, "2019-02-20", "2022-02-20"),
        ("March 5, 2018", "future", "2018-03-05", None),
    ],
)
def test_resolve_rules(expr, when, start, end):
    r = dates.resolve(expr, "2019-02-20", when)
    assert r is not None
    assert (r.date, r.end) == (start, end)
    assert r.basis


def test_tense_rules():
    assert dates.tense("is due to rise to 25 percent on") == "future"
    assert dates.tense("ahead of the") == "future"
    assert dates.tense("a tariff increase imposed") == "past"
    assert dates.tense("the weather is") is None


def test_relative_date_without_article_date_is_unresolved():
    assert dates.resolve("last week", None) is None
    assert dates.resolve("March 2, 2019", None).date == "2019-03-02"


# --------------------------------------------------------------------------- long input


def test_long_input_is_processed_in_bounded_memory(tmp_path):
    """~20 MB of text through the whole `check` command: read, decoded, split into
    paragraphs and boilerplate-marked in full; a bounded prefix is parsed (the rest is
    recorded as 'beyond_limit'); the peak RSS of the process stays under 1.5 GB."""
    path = tmp_path / "long.txt"
    with path.open("w") as fh:
        fh.write("Long report\n\n")
        i = 0
        while fh.tell() < 20_000_000:
            fh.write(
                f"Beijing retaliated with higher duties on item {i} of U.S. goods, officials "
                "said on Tuesday, and the talks continue ahead of the March 1 deadline.\n\n"
            )
            i += 1
    script = textwrap.dedent(
        f"""
        import json, resource, sys
        from typer.testing import CliRunner
        from tradewar.interfaces.cli import app
        args = ["--date", "2019-02-20", "--json", "--no-verify", "--no-record"]
        r = CliRunner().invoke(app, ["check", {str(path)!r}, *args])
        assert r.exit_code == 0, r.output[-2000:]
        out = json.loads(r.stdout)
        kinds = out["article"]["removed_kinds"]
        # VmHWM is this process's own peak: ru_maxrss would also count the parent's
        # peak before exec (Linux keeps it across exec), so a large pytest process
        # would fail this test
        hwm = [l for l in open("/proc/self/status") if l.startswith("VmHWM")]
        peak = int(hwm[0].split()[1]) // 1024 if hwm else (
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
        print(len(out["article"]["text"]), kinds.count("beyond_limit"), len(out["claims"]), peak)
        """
    )
    env = {**os.environ, "TRADEWAR_NEWS_MAX_CHARS": "30000", "TRADEWAR_HOME": str(tmp_path)}
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=600, env=env
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    length, beyond, claims, peak_mb = map(int, proc.stdout.split())
    assert length >= 20_000_000
    assert beyond == 1
    assert claims >= 1  # the deadline, once (repeats are the same claim)
    assert peak_mb < 1500, peak_mb
