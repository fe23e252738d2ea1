"""IEEPA refunds on the real store: a small entries file whose figures are worked by hand.

The rates come from data/measures/us/ieepa.yaml and SOURCES.md ("The US measures on
China, 2025-2026"): fentanyl 10% (9903.01.20) from 2025-02-04, 20% (9903.01.24) from
2025-03-04, 10% from 2025-11-10; reciprocal 10% (9903.01.25) from 2025-04-05, 125%
(9903.01.63) from 2025-04-10 with the transit rule (loaded before 2025-04-09: the 10%),
10% from 2025-05-14; goods under Section 232 outside the reciprocal duty (stacking.yaml);
nothing from 2026-02-24.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from tradewar.api import refunds as api_refunds

pytestmark = pytest.mark.filterwarnings("ignore:Using `httpx` with `starlette.testclient`")
BIN = Path(sys.executable).with_name("tradewar")
ENTRIES = """entry_number,code,importer,origin,entered,exported,value
A1,6109.10.00.12,US,CN,2025-03-10,,1000
A2,6109.10.00.12,US,CN,2025-02-10,,500
A3,6109.10.00.12,US,CN,2025-04-12,2025-04-01,1000
A4,6109.10.00.12,US,CN,2025-04-12,,1000
A5,6109.10.00.12,US,CN,2025-06-01,,2000
A6,6109.10.00.12,US,CN,2025-12-01,,1000
A7,6109.10.00.12,US,CN,2026-03-15,,1000
A8,6109.10.00.12,US,CN,2024-06-01,,500
A9,7208.10.30.00,US,CN,2025-06-10,,1000
R1,6109.10.00.99,US,CN,2025-03-10,,100
R2,6109.10.00.12,US,CN,2025-03-10,,
R3,6109.10.00.12,US,CN,2027-01-01,,100
"""
# worked by hand, USD (value x rate per heading)
BY_ENTRY = {
    "A1": {"9903.01.24": 1000 * 0.20},
    "A2": {"9903.01.20": 500 * 0.10},
    "A3": {"9903.01.24": 1000 * 0.20, "9903.01.25": 1000 * 0.10},  # loaded before Apr 9
    "A4": {"9903.01.24": 1000 * 0.20, "9903.01.63": 1000 * 1.25},
    "A5": {"9903.01.24": 2000 * 0.20, "9903.01.25": 2000 * 0.10},
    "A6": {"9903.01.24": 1000 * 0.10, "9903.01.25": 1000 * 0.10},
    "A7": {},  # Section 122 took over; no IEEPA duty from 2026-02-24
    "A8": {},  # before IEEPA
    "A9": {"9903.01.24": 1000 * 0.20},  # steel under Section 232: no reciprocal duty
}
TOTAL = 3000.0  # 200 + 50 + 300 + 1450 + 600 + 200 + 0 + 0 + 200
BY_HEADING = {"9903.01.20": 50.0, "9903.01.24": 1300.0, "9903.01.25": 400.0, "9903.01.63": 1250.0}
BY_MONTH = {"2024-06": 0.0, "2025-02": 50.0, "2025-03": 200.0, "2025-04": 1750.0,
            "2025-06": 800.0, "2025-12": 200.0, "2026-03": 0.0}  # fmt: skip
REJECTED = {
    "R1": "code not in the schedule",
    "R2": "value missing",
    "R3": "outside the schedule coverage",
}


@pytest.fixture(scope="module")
def entries(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("refunds") / "entries.csv"
    path.write_text(ENTRIES, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def result(entries, real_store, tmp_path_factory) -> dict:
    out = tmp_path_factory.mktemp("refunds-out") / "refunds.parquet"
    return api_refunds.refunds(entries, out, store=real_store)


def test_total_by_hand(result):
    assert result["total_ieepa_duty"] == pytest.approx(TOTAL)
    assert sum(sum(v.values()) for v in BY_ENTRY.values()) == pytest.approx(TOTAL)
    assert {h["heading"]: h["ieepa_duty"] for h in result["by_heading"]} == pytest.approx(
        BY_HEADING
    )
    assert {m["month"]: m["ieepa_duty"] for m in result["by_month"]} == pytest.approx(BY_MONTH)
    assert result["entries_rated"] == len(BY_ENTRY)
    assert result["entries_with_ieepa"] == sum(1 for v in BY_ENTRY.values() if v)


def test_entries_and_rejects(result):
    parts: dict[str, dict[str, float]] = {}
    for e in result["entries"]:
        assert e["split"]
        if e["heading"] is not None:
            parts.setdefault(e["entry_number"], {})[e["heading"]] = e["amount"]
            assert e["amount"] == pytest.approx(e["value"] * e["rate"])
        else:
            assert e["amount"] == 0.0
    assert parts == {k: pytest.approx(v) for k, v in BY_ENTRY.items() if v}
    reasons = {r["entry_number"]: r["reason"] for r in result["rejected"]}
    assert set(reasons) == set(REJECTED)
    for entry, text in REJECTED.items():
        assert text in reasons[entry]
    assert any("Learning Resources" in b["text"] for b in result["legal_basis"])
    assert any("protest" in c for c in result["caveats"])
    written = pd.read_parquet(result["output"])
    assert written.amount.sum() == pytest.approx(TOTAL)
    assert len(pd.read_csv(result["rejects_file"])) == len(REJECTED)


def _run(args, home):
    env = {**os.environ, "TRADEWAR_HOME": str(home)}
    return subprocess.run([str(BIN), *args], capture_output=True, text=True, env=env)


def test_cli_json_and_errors(entries, real_store, tmp_path):
    out = tmp_path / "r.csv"
    proc = _run(["refunds", "--input", str(entries), "--output", str(out), "--json"],
                real_store.parent)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    for key in ("total_ieepa_duty", "by_month", "by_heading", "entries", "rejected"):
        assert key in data
    assert data["total_ieepa_duty"] == pytest.approx(TOTAL)
    assert pd.read_csv(out).amount.sum() == pytest.approx(TOTAL)
    again = ["refunds", "--input", str(entries), "--output", str(out)]
    assert _run(again, real_store.parent).returncode == 2  # exists: needs --overwrite
    assert _run([*again, "--overwrite"], real_store.parent).returncode == 0
    for args, text in (
        (["--input", str(entries), "--output", str(entries), "--overwrite"], "is an input"),
        (["--input", str(entries), "--output", str(tmp_path / "r.txt")], ".csv or .parquet"),
        (["--input", str(tmp_path / "none.csv"), "--output", str(out)], "does not exist"),
        (["--input", str(entries), "--output", str(tmp_path / "no" / "r.csv")], "does not exist"),
    ):
        proc = _run(["refunds", *args], real_store.parent)
        assert proc.returncode == 2, proc.stderr
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and text in lines[0], lines


def test_service(real_store):
    from fastapi.testclient import TestClient

    from tradewar.interfaces.web import create_app

    with TestClient(create_app(real_store)) as client:
        response = client.post("/api/refunds", files={"file": ("e.csv", ENTRIES, "text/csv")})
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["total_ieepa_duty"] == pytest.approx(TOTAL)
        assert {r["entry_number"] for r in body["rejected"]} == set(REJECTED)
        bad = client.post("/api/refunds", files={"file": ("e.csv", "a,b\n1,2\n", "text/csv")})
        assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "file"]
