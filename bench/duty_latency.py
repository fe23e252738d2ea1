#!/usr/bin/env python
"""Benchmark in-process duty() on a warm schedule index (engine/index.py).

Opens the store under TRADEWAR_HOME (``tradewar data build`` first), compiles the index
(build seconds and the RSS it adds), then answers N distinct shipments drawn from the
panel (``samples.panel_shipments``: both importers, every authority, parent codes,
export windows, coverage edges) with ``compute_duty(con, s, index=...)`` and reports the
median and p99 latency, calls/s and peak RSS. The baseline is the SQL path
(``compute_duty(con, s)``) on a sample of the same shipments, timed in the same run.
Every answer from the sample is also checked equal between the two paths.

    python bench/duty_latency.py [--shipments 10000] [--sql-sample 500] [--json]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import time
from typing import Any

from tradewar.config import store_path
from tradewar.data.store import open_store
from tradewar.engine.duty import compute_duty
from tradewar.engine.index import ScheduleIndex
from tradewar.engine.samples import panel_shipments
from tradewar.engine.shipment import Shipment, make_shipment
from tradewar.errors import TradewarError

TARGET_MEDIAN_MS = 0.2


def rss_mb() -> float:
    """The process's resident memory now (MB)."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def shipments(con: Any, n: int) -> list[Shipment]:
    """``n`` distinct valid shipments (values given; some out of coverage or unknown)."""
    out: dict[Shipment, None] = {}
    for k, s in enumerate(panel_shipments(con, int(n * 1.2) + 10, seed=21)):
        try:
            ship = make_shipment(
                s["code"], s["importer"], s["origin"], s["entered"], s["exported"],
                value=1000.0 + k,
            )  # fmt: skip
        except TradewarError:
            continue
        out[ship] = None
        if len(out) == n:
            break
    return list(out)


def timed(con: Any, ships: list[Shipment], index: ScheduleIndex | None) -> tuple[list, list]:
    """(latency in ms, answer) of each shipment; an error (explained by SQL) is a tuple."""
    times, answers = [], []
    for s in ships:
        started = time.perf_counter()
        try:
            answer: Any = compute_duty(con, s, index=index)
        except TradewarError as exc:
            answer = (type(exc).__name__, str(exc))
        times.append((time.perf_counter() - started) * 1000)
        answers.append(answer)
    return times, answers


def p99(times: list[float]) -> float:
    return sorted(times)[min(len(times) - 1, int(len(times) * 0.99))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shipments", type=int, default=10_000)
    parser.add_argument("--sql-sample", type=int, default=500)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    con = open_store(store_path())
    ships = shipments(con, args.shipments)
    before = rss_mb()
    started = time.perf_counter()
    index = ScheduleIndex.load(con)
    build_s = time.perf_counter() - started
    index_mb = rss_mb() - before
    timed(con, ships[:200], index)  # warm up
    started = time.perf_counter()
    times, answers = timed(con, ships, index)
    wall = time.perf_counter() - started
    sample = ships[: args.sql_sample]
    sql_times, sql_answers = timed(con, sample, None)
    differ = sum(a != b for a, b in zip(answers, sql_answers, strict=False))
    errors = sum(isinstance(a, tuple) for a in answers)
    answered = [t for t, a in zip(times, answers, strict=True) if not isinstance(a, tuple)]
    median = statistics.median(times)
    sql_median = statistics.median(sql_times)
    report = {
        "shipments": len(ships),
        "errors": errors,
        "median_ms": round(median, 4),
        "p99_ms": round(p99(times), 4),
        "p99_answered_ms": round(p99(answered), 4),
        "calls_per_s": round(len(ships) / wall),
        "sql_sample": len(sample),
        "sql_median_ms": round(sql_median, 3),
        "sql_p99_ms": round(p99(sql_times), 3),
        "ratio_to_sql": round(sql_median / median, 1),
        "sql_answers_differing": differ,
        "index_build_s": round(build_s, 2),
        "index_rss_mb": round(index_mb, 1),
        "index_arrays_mb": round(index.nbytes() / 2**20, 1),
        "peak_rss_mb": round(peak_mb(), 1),
        "target": f"median <= {TARGET_MEDIAN_MS} ms with layers and citations",
        "met": median <= TARGET_MEDIAN_MS and differ == 0,
    }
    con.close()
    if args.json:
        print(json.dumps(report))
    else:
        for key, value in report.items():
            print(f"{key:>22}: {value}")
    return 0 if differ == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
