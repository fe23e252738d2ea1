"""The compiled schedule index (engine/index.py) against the store's SQL and the bulk plan.

The index is a compiled form of the store's tables, so it must give exactly what the
SQL gives: the same panel row as the bulk plan's interval join for 100k random
shipments, and the same full ``compute_duty`` answer (layers, citations, warnings,
errors) as the SQL path on a sample with claims, content values and specific rates.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tradewar.data.store import open_store
from tradewar.engine import bulk
from tradewar.engine.backends import DuckDBBackend
from tradewar.engine.duty import compute_duty
from tradewar.engine.index import ScheduleIndex
from tradewar.engine.plan import rated_sql, shipments_sql
from tradewar.engine.samples import STRATA, panel_shipments
from tradewar.engine.shipment import make_shipment
from tradewar.errors import TradewarError

pytestmark = pytest.mark.realdata

N_PROPERTY = 100_000
N_FULL = 800  # full answers through SQL too (~15 ms each)
HEADINGS = ("mfn_heading", "s301_heading", "s232_heading", "ret_heading", "ieepa_heading",
            "s122_heading", "cv_heading", "claim_headings")  # fmt: skip
PARENT_REASON = "parent code whose lines differ in duty: give the full line"
MISSING_REASON = "code not in the schedule on the entry date"
COVERAGE_REASON = "entry date outside the schedule coverage"


@pytest.fixture(scope="module")
def sampled(real_store: Path) -> list[dict[str, Any]]:
    con = open_store(real_store)
    try:
        return panel_shipments(con, N_PROPERTY, seed=14)
    finally:
        con.close()


@pytest.fixture(scope="module")
def bulk_rated(
    real_store: Path, sampled: list[dict[str, Any]], tmp_path_factory: pytest.TempPathFactory
) -> dict[int, dict]:
    """The bulk plan's answer for every sampled shipment, read from a Parquet file as
    ``tradewar bulk`` reads it (before this module opens the store)."""
    source = tmp_path_factory.mktemp("index") / "shipments.parquet"
    pq.write_table(pa.table({
        "rid": list(range(len(sampled))),
        "code": [s["code"] for s in sampled],
        "importer": [s["importer"] for s in sampled],
        "origin": [s["origin"] for s in sampled],
        "entered": [s["entered"].isoformat() for s in sampled],
        "exported": [s["exported"].isoformat() if s["exported"] else None for s in sampled],
        "value": ["100"] * len(sampled),
    }), source)  # fmt: skip
    backend = DuckDBBackend(real_store)
    try:
        _define_plan(backend, source)
        table = backend.arrow(f"SELECT rid, total_rate, reason, {', '.join(HEADINGS)} FROM rated")
    finally:
        backend.close()
    return {row["rid"]: row for row in table.to_pylist()}


def _define_plan(backend: DuckDBBackend, source: Path) -> None:
    """Define the plan's ``rated`` view on ``source`` as ``engine.bulk`` does."""
    define_plan = getattr(bulk, "define_plan", None)  # the bulk engine's own, where it has one
    if define_plan is not None:
        define_plan(backend, source)
        return
    cuts, spans = backend.load_schedule()
    columns = backend.read_input(source)
    backend.define("shipments", shipments_sql(backend.dialect, columns, cuts, spans))
    backend.define("rated", rated_sql(backend.dialect, columns))


@pytest.fixture(scope="module")
def indexed(real_store: Path, bulk_rated: dict) -> Any:
    """(connection, index) on the store, for the module."""
    con = open_store(real_store)
    yield con, ScheduleIndex.load(con)
    con.close()


def index_rate(index: ScheduleIndex, s: dict[str, Any]) -> dict[str, Any]:
    """What the bulk plan outputs for a shipment, from the index's panel row."""
    try:
        ship = make_shipment(s["code"], s["importer"], s["origin"], s["entered"], s["exported"])
        index.check_date(ship.importer, ship.entered, "entry")
    except TradewarError as exc:
        return {"reason": COVERAGE_REASON if "coverage" in str(exc) else "input"}
    row = index.panel_row(ship, ship.exported or ship.entered)
    if row is None:
        return {"reason": MISSING_REASON}
    if row["ambiguous"]:
        return {"reason": PARENT_REASON}
    total = None if (row["cv_rate"] or 0) > 0 else row["total_rate"]
    return {"reason": None, "total_rate": total, **{h: row[h] for h in HEADINGS}}


def bulk_view(row: dict[str, Any]) -> dict[str, Any]:
    reason = row["reason"]
    if reason is None:
        return {"reason": None, "total_rate": row["total_rate"], **{h: row[h] for h in HEADINGS}}
    known = (PARENT_REASON, MISSING_REASON, COVERAGE_REASON)
    return {"reason": reason if reason in known else "input"}


def test_index_agrees_with_bulk_plan(sampled: list[dict], bulk_rated: dict, indexed: Any) -> None:
    """100k shipments: the index's panel row gives the bulk plan's total and headings."""
    _con, index = indexed
    mismatches = []
    reasons: dict[str | None, int] = {}
    for rid, s in enumerate(sampled):
        mine, theirs = index_rate(index, s), bulk_view(bulk_rated[rid])
        reasons[mine["reason"]] = reasons.get(mine["reason"], 0) + 1
        if mine != theirs:
            mismatches.append((s, mine, theirs))
    assert not mismatches, f"{len(mismatches)} differ, e.g. {mismatches[:3]}"
    # the sample exercises every outcome, not only the easy one
    assert reasons[None] > N_PROPERTY // 2
    for reason in (PARENT_REASON, MISSING_REASON, COVERAGE_REASON):
        assert reasons.get(reason, 0) > 50, reasons
    rated = [bulk_rated[i] for i in range(len(sampled)) if bulk_rated[i]["reason"] is None]
    for heading in ("s301_heading", "s232_heading", "ret_heading", "ieepa_heading",
                    "s122_heading", "cv_heading", "claim_headings"):  # fmt: skip
        assert sum(r[heading] is not None for r in rated) > 100, heading
    assert len(STRATA) >= 10
    us = {s["importer"] for s in sampled}
    assert us == {"US", "CN"}
    transit = [
        s for s in sampled
        if s["exported"] and abs((s["exported"] - dt.date(2019, 5, 10)).days) <= 3
        and abs((s["entered"] - dt.date(2019, 6, 15)).days) <= 3
    ]  # fmt: skip
    assert len(transit) > 1000


def _shipment(s: dict[str, Any], k: int) -> Any:
    """A shipment with value, and by turns a claim, a content value or a quantity."""
    value = [None, 1000.0, 25_000.0][k % 3]
    claims = [s["claim_heading"]] if s["claim_heading"] and k % 2 else []
    if k % 7 == 0:
        claims.append("9903.88.69")
    content = 0.4 * value if s["cv"] and value and k % 4 else None
    unit = s["spec_unit"] if s["spec_unit"] and value and k % 5 else None
    return make_shipment(
        s["code"], s["importer"], s["origin"], s["entered"], s["exported"], value=value,
        quantity=12.5 if unit else None, unit=unit, claims=claims, content_value=content,
    )  # fmt: skip


def _answer(con: Any, s: Any, index: ScheduleIndex | None) -> Any:
    try:
        return compute_duty(con, s, index=index)
    except TradewarError as exc:
        return (type(exc).__name__, str(exc))


def test_full_answers_equal_sql(sampled: list[dict], indexed: Any) -> None:
    """Full answers (layers, citations, warnings) and errors equal the SQL path's."""
    con, index = indexed
    stride = len(sampled) // N_FULL
    shipments = []
    for k, s in enumerate(sampled[::stride][:N_FULL]):
        try:
            shipments.append(_shipment(s, k))
        except TradewarError:
            continue
    seen = {"layers": 0, "ambiguous": 0, "error": 0, "claimed": 0, "content": 0, "duty": 0}
    for ship in shipments:
        fast, slow = _answer(con, ship, index), _answer(con, ship, None)
        assert fast == slow, ship
        if isinstance(fast, tuple):
            seen["error"] += 1
            continue
        seen["layers"] += bool(fast.get("layers"))
        seen["ambiguous"] += bool(fast.get("ambiguous"))
        seen["claimed"] += bool(fast.get("claims_applied"))
        seen["content"] += "content_value_rate" in fast
        seen["duty"] += "duty" in fast
    assert all(n >= 10 for n in seen.values()), seen


@pytest.mark.parametrize(
    ("code", "importer", "origin", "entered"),
    [
        ("0000.00.00.00", "US", "CN", "2019-06-20"),  # no such line
        ("9403.60.80.81", "US", "CN", "2017-06-20"),  # before coverage
        ("9403.60.80.81", "US", "CN", "2030-01-01"),  # after coverage
        ("0101.21.00.00", "CN", "US", "2019-06-20"),  # not a CN line
        ("8471.70.11", "CN", "US", "2018-03-01"),  # a 2025 CN line before it existed
        ("0201.20.50.55", "US", "CN", "2025-03-01"),  # a US line after it ended
        ("8703.60.00.00", "CN", "US", "2021-03-01"),  # a 2018 CN line: 12 of 28 successors
        ("7225.30.00.00", "CN", "JP", "2024-03-01"),  # a 2018 CN line: its successors
    ],
)
def test_errors_equal_sql(
    indexed: Any, code: str, importer: str, origin: str, entered: str
) -> None:
    """Unknown codes, dates out of coverage and codes not in force: the same error."""
    con, index = indexed
    ship = make_shipment(code, importer, origin, entered)
    fast, slow = _answer(con, ship, index), _answer(con, ship, None)
    assert isinstance(slow, tuple)
    assert fast == slow
