"""The main job: the tour writes one self-contained HTML report from the store."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

BIN = Path(sys.executable).with_name("tradewar")


def test_tour_writes_a_self_contained_report(real_store, tmp_path):
    out = tmp_path / "report.html"
    env = {**os.environ, "TRADEWAR_HOME": str(real_store.parent)}
    proc = subprocess.run(
        [str(BIN), "tour", "--output", str(out)], capture_output=True, text=True, env=env
    )
    assert proc.returncode == 0, proc.stderr
    html = out.read_text(encoding="utf-8")
    # no CDN, no external scripts, styles or images
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
    assert "<script" not in html
    assert len(re.findall(r"<svg", html)) >= 6
    for heading in (
        "The schedules: lists and rounds",
        "The duty on a shipment",
        "Trade-weighted averages and coverage of trade",
        "Commitments and enforcement",
        "Scenarios: what the alternatives would have cost",
        "Validation report of the build",
    ):
        assert heading in html
    # every worked example shows its citation and a total
    assert "84 FR 20459" in html and "税委会公告〔2018〕5号" in html
    assert "no-deal-march-2019" in html
    # the example articles, checked: claims highlighted by verdict, with their evidence
    assert "Checked articles" in html and "Not yet available: the article checker" not in html
    assert 'class="v-supported' in html and "not checkable" in html
    assert "83 FR 65198" in html and "weight year 2024" in html
    assert "pledge has no schedule" in html and "no services data" in html
    assert "2019-05-10" in html and 'class="tw-timeline"' in html
    # one plan, two engines: the same dataset rated by DuckDB and Spark, checksums equal
    assert "One plan, two engines" in html
    assert "<b>The checksums agree.</b>" in html, "the engines' checksums differ or one failed"
    # the synthetic shipments include rejected rows (unknown codes), so fewer than 100,000
    # rows are rated; both engines must give the one checksum (rows:hash)
    assert len(set(re.findall(r"<code>(\d{5,6}:[0-9a-f]+)</code>", html))) == 1
