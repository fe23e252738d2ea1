#!/usr/bin/env python
"""Benchmark the bulk duty engine end to end (read, rate, write Parquet).

Generates N synthetic shipments from real leaf codes of both schedules (US imports
from China and other origins, China's imports from the US and others), with entry
dates across 2018-01-01 .. 2019-12-31, then runs the bulk engine in a child process
and reports rows, seconds, rows/s and the child's peak RSS. The baseline is a
straightforward per-row pandas lookup over the same panel, timed in the same run on
a sample. Needs a built store (``tradewar data build``).

    python bench/bulk_duty.py --rows 10000000 [--json] [--baseline-rows 20000]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import resource
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from tradewar.config import store_path
from tradewar.data.store import open_store
from tradewar.engine.synthetic import generate_shipments as generate


def _child(store: str, src: str, dst: str, queue: mp.Queue) -> None:
    from tradewar.engine.bulk import bulk_duty

    result = bulk_duty(Path(store), Path(src), Path(dst))
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    queue.put({"rows": result.rows, "rated": result.rated, "rejected": result.rejected,
               "seconds": result.seconds, "peak_rss_mb": peak_kb / 1024})  # fmt: skip


def run_engine(store: Path, src: Path, dst: Path) -> dict:
    """Run the bulk engine in a fresh process; return its counts, time and peak RSS."""
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_child, args=(str(store), str(src), str(dst), queue))
    started = time.perf_counter()
    proc.start()
    out = queue.get()
    proc.join()
    out["wall_seconds"] = time.perf_counter() - started
    return out


def baseline(store: Path, src: Path, sample: int) -> float:
    """Rows/s of a straightforward per-row pandas lookup in the panel."""
    con = open_store(store)
    panel = con.execute(
        "SELECT importer, origin_group, code, valid_from, valid_until, export_from, "
        "export_until, total_rate FROM panel"
    ).df()
    con.close()
    shipments = pd.read_parquet(src).head(sample)
    panel["valid_from"] = pd.to_datetime(panel["valid_from"])
    for column in ("valid_until", "export_from", "export_until"):
        panel[column] = pd.to_datetime(panel[column])
    by_code = dict(tuple(panel.groupby("code")))
    started = time.perf_counter()
    duties = []
    for row in shipments.itertuples(index=False):
        group = {"US": "CN", "CN": "US"}[row.importer]
        group = group if row.origin == group else "*"
        day = pd.Timestamp(row.entered)
        cand = by_code.get(row.code)
        hit = cand[
            (cand.importer == row.importer) & (cand.origin_group == group)
            & (cand.valid_from <= day) & (cand.valid_until > day)
            & (cand.export_from.isna() | (cand.export_from <= day))
            & (cand.export_until.isna() | (cand.export_until > day))
        ]  # fmt: skip
        rate = hit.total_rate.iloc[0] if len(hit) else None
        duties.append(None if rate is None else rate * row.value)
    elapsed = time.perf_counter() - started
    return len(shipments) / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--baseline-rows", type=int, default=20_000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    store = store_path()
    open_store(store).close()
    with tempfile.TemporaryDirectory() as tmp:
        src, dst = Path(tmp) / "shipments.parquet", Path(tmp) / "rated.parquet"
        t0 = time.perf_counter()
        generate(store, args.rows, src)
        gen_seconds = time.perf_counter() - t0
        result = run_engine(store, src, dst)
        base = baseline(store, src, min(args.baseline_rows, args.rows))
        out_bytes = dst.stat().st_size
    report = {
        "rows": result["rows"],
        "rated": result["rated"],
        "rejected": result["rejected"],
        "seconds": round(result["seconds"], 3),
        "rows_per_s": round(result["rows"] / result["seconds"]),
        "peak_rss_mb": round(result["peak_rss_mb"], 1),
        "baseline_rows_per_s": round(base),
        "ratio_to_baseline": round(result["rows"] / result["seconds"] / base, 1),
        "baseline": f"per-row pandas panel lookup on {min(args.baseline_rows, args.rows)} rows",
        "generate_seconds": round(gen_seconds, 2),
        "output_mb": round(out_bytes / 2**20, 1),
        "target": ">= 5,000,000 rows/s at 10M rows, peak RSS <= 2048 MB",
    }
    if args.json:
        print(json.dumps(report))
    else:
        for key, value in report.items():
            print(f"{key:>22}: {value}")


if __name__ == "__main__":
    sys.exit(main())
