"""The article checker on the labelled development set (``../shared/news/dev``), scored
as ``bench/news_eval.py`` scores it: the figures of issue 13 are reproduced, with their
margins, and no article fails.

Recorded on 2026-12-05 (docs/news.md): 2018-2020 era recall 77.9%, verdict accuracy
87.7%, precision 59.1%; 2024-2026 era 76.8%, 66.0%, 40.8%. The issue's targets are 75%
recall and 75% accuracy in the 2018-2020 era. The set is not held out (its failure lists
guided the rules), so these guard against regressions, not generalisation.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tradewar.config import REPO_ROOT

pytestmark = pytest.mark.realdata
TRADEWAR = str(Path(sys.executable).parent / "tradewar")
DEV_SET = (
    Path(os.environ.get("TRADEWAR_NEWS_DEV", REPO_ROOT.parent / "shared" / "news" / "dev"))
    / "articles.jsonl"
)


def _news_eval():
    spec = importlib.util.spec_from_file_location("news_eval", REPO_ROOT / "bench" / "news_eval.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def scored(real_store):
    if not DEV_SET.exists():
        pytest.skip(f"{DEV_SET} not found (set TRADEWAR_NEWS_DEV)")
    news_eval = _news_eval()
    return news_eval.evaluate(news_eval.load_set(DEV_SET), real_store)


def test_every_dev_article_is_checked(scored):
    assert scored["failures"] == []
    assert scored["articles"] == len(DEV_SET.read_text(encoding="utf-8").splitlines())


def test_targets_of_the_2018_2020_era(scored):
    era = scored["by_era"]["2018-2020"]
    assert era["recall"] >= 0.75, era
    assert era["verdict_accuracy"] >= 0.75, era
    # the recorded figures, within two gold claims of either side
    assert era["recall"] == pytest.approx(0.779, abs=0.02)
    assert era["verdict_accuracy"] == pytest.approx(0.877, abs=0.02)
    assert era["precision"] == pytest.approx(0.591, abs=0.03)


def test_the_2024_2026_era_as_recorded(scored):
    era = scored["by_era"]["2024-2026"]
    assert era["recall"] == pytest.approx(0.768, abs=0.03)
    assert era["verdict_accuracy"] == pytest.approx(0.66, abs=0.04)


def test_cli_answers_a_dev_article_with_json(real_store, tmp_path):
    """``tradewar check FILE --date D --json`` on the first article of each era: exit 0, JSON."""
    rows = [json.loads(x) for x in DEV_SET.read_text(encoding="utf-8").splitlines() if x]
    env = {**os.environ, "TRADEWAR_HOME": str(real_store.parent)}
    for era in sorted({r["era"] for r in rows}):
        row = next(r for r in rows if r["era"] == era)
        path = tmp_path / f"{row['id']}.txt"
        path.write_text(row["text"], encoding="utf-8")
        proc = subprocess.run(
            [TRADEWAR, "check", str(path), "--date",
             row["published"][:10], "--json", "--no-record"],
            capture_output=True, text=True, env=env, timeout=300,
        )  # fmt: skip
        assert proc.returncode == 0, proc.stderr
        out = json.loads(proc.stdout)
        assert out["claims"], row["id"]
