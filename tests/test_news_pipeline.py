"""The pipeline's cue filter: skipping cue-less segments changes no claim or event."""

from __future__ import annotations

from pathlib import Path

import pytest

from tradewar.config import documents_dir
from tradewar.news import nlp, pipeline
from tradewar.news.reader import read_article, segments

DOCS = sorted(documents_dir().glob("*.txt"))


def test_cue_finds_numbers_triggers_and_inflections() -> None:
    assert pipeline.CUE.search("tariffs of 25 percent")
    assert pipeline.CUE.search("The two leaders met in Osaka")
    assert pipeline.CUE.search("Beijing imposed new levies")
    assert pipeline.CUE.search("hackers targeted the network")
    assert not pipeline.CUE.search("Stock markets rallied on the news, analysts were calm.")


@pytest.mark.skipif(not DOCS, reason="no shared documents")
@pytest.mark.parametrize("path", DOCS, ids=lambda p: Path(p).name)
def test_filter_changes_no_claim_or_event(path: Path) -> None:
    article = read_article(path.read_text(encoding="utf-8"), str(path))
    every = list(segments(article))
    kept = list(pipeline.parsable(article))
    parsed = sum(len(s.text) for s in kept if s.parse)
    assert 0 < parsed < sum(len(s.text) for s in every)  # less is parsed on real text
    full = pipeline._record(article, list(nlp.parse(every)))
    fast = pipeline.extract(article)
    assert fast.model_dump() == full.model_dump()
