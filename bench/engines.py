#!/usr/bin/env python
"""Benchmark the bulk duty plan on both engines (DuckDB, Spark) on one dataset.

Generates N synthetic shipments with ``bench/bulk_duty.py``'s generator (real leaf codes
of both schedules, entry dates over 2018-2019), writes them as a hive-partitioned Parquet
dataset (``year=2018/`` ... or ``month=201801/`` ...), then runs each engine in its own
process on it, the output partitioned by the same key. For each engine it reports rows,
seconds (the bulk run: schedule export, read, rate, write; Spark's JVM start-up is
reported apart as ``startup_seconds``), rows/s, the peak resident memory of the engine's
process tree (the Python process and, for Spark, its JVM; sampled from /proc every
0.1 s), and a checksum of the output computed the same way, by DuckDB, on both outputs
(row count and the wrapped sum of a hash of every row's key, rates and duty: it does
not depend on row order or on how the rows are split into files). The entries are
under ``engines`` and, for convenience, also at the top level (``report["spark"]``).

    python bench/engines.py --rows 10000000 --json [--engines duckdb,spark]
                            [--partitions year|month] [--spark-master local[2]]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tradewar.config import store_path
from tradewar.data.store import open_store
from tradewar.engine.synthetic import PARTITION_KEYS, partitioned_shipments
from tradewar.engine.synthetic import output_checksum as checksum


def make_dataset(store: Path, rows: int, root: Path, key: str) -> None:
    """``rows`` synthetic shipments as a Parquet dataset partitioned by ``key``."""
    partitioned_shipments(store, rows, root, key)


def _tree_rss_kb(root: int) -> int:
    """Resident memory of ``root`` and all its descendants, from /proc (kB)."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
    tree, frontier = {root}, [root]
    while frontier:
        pid = frontier.pop()
        for child, parent in parents.items():
            if parent == pid and child not in tree:
                tree.add(child)
                frontier.append(child)
    total = 0
    for pid in tree:
        try:
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except OSError:
            continue
    return total


def run_engine(engine: str, store: Path, src: Path, dst: Path, master: str | None) -> dict:
    """Run one engine in a child process; its result plus the tree's peak RSS."""
    command = [sys.executable, __file__, "--child", engine, str(store), str(src), str(dst)]
    if master:
        command += ["--spark-master", master]
    started = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    peak = 0
    while proc.poll() is None:
        peak = max(peak, _tree_rss_kb(proc.pid))
        time.sleep(0.1)
    out = proc.stdout.read() if proc.stdout else ""
    if proc.returncode != 0:
        raise SystemExit(f"{engine} run failed (exit {proc.returncode})")
    result = json.loads(out.strip().splitlines()[-1])
    result["wall_seconds"] = round(time.perf_counter() - started, 3)
    result["peak_rss_mb"] = round(peak / 1024, 1)
    return result


def child(engine: str, store: str, src: str, dst: str, master: str | None) -> None:
    """In the child process: start the engine, run the bulk plan, print the counts."""
    from tradewar.engine.backends import spark_session
    from tradewar.engine.bulk import bulk_duty

    startup = 0.0
    if engine == "spark":
        t0 = time.perf_counter()
        spark_session(master)
        startup = time.perf_counter() - t0
    result = bulk_duty(Path(store), Path(src), Path(dst), engine=engine, spark_master=master)
    print(json.dumps({
        "rows": result.rows, "rated": result.rated, "rejected": result.rejected,
        "seconds": round(result.seconds, 3), "startup_seconds": round(startup, 3),
        "partition_by": result.partition_by,
    }))  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--engines", default="duckdb,spark")
    parser.add_argument("--partitions", choices=sorted(PARTITION_KEYS), default="year")
    parser.add_argument("--spark-master", default=None)
    parser.add_argument("--workdir", type=Path, default=None, help="default: a temp dir")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--child", nargs=4, metavar=("ENGINE", "STORE", "SRC", "DST"))
    args = parser.parse_args()
    if args.child:
        child(*args.child, args.spark_master)
        return
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    store = store_path()
    open_store(store).close()
    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        src = Path(tmp) / "shipments"
        t0 = time.perf_counter()
        make_dataset(store, args.rows, src, args.partitions)
        gen_seconds = time.perf_counter() - t0
        files = len(list(src.rglob("*.parquet")))
        report: dict = {"rows": args.rows, "partitions": args.partitions, "input_files": files,
                        "generate_seconds": round(gen_seconds, 2), "engines": {}}  # fmt: skip
        for engine in engines:
            dst = Path(tmp) / f"rated_{engine}"
            entry = run_engine(engine, store, src, dst, args.spark_master)
            entry.update(checksum(dst))
            entry["rows_per_s"] = round(entry["rows"] / entry["seconds"])
            entry["output_files"] = len(list(dst.rglob("*.parquet")))
            report["engines"][engine] = entry
            shutil.rmtree(dst)
    sums = {e["checksum"] for e in report["engines"].values()}
    report["checksums_agree"] = len(sums) == 1
    if {"duckdb", "spark"} <= set(report["engines"]):
        duck, spark = report["engines"]["duckdb"], report["engines"]["spark"]
        report["spark_over_duckdb"] = {
            "rows_per_s": round(spark["rows_per_s"] / duck["rows_per_s"], 3),
            "peak_rss_mb": round(spark["peak_rss_mb"] / duck["peak_rss_mb"], 3),
        }
    report["machine"] = f"{os.cpu_count()} cores; spark {args.spark_master or 'local[2]'}"
    # each engine's entry also at the top level (``report["spark"]["rows_per_s"]``)
    report.update({name: entry for name, entry in report["engines"].items()})
    if args.json:
        print(json.dumps(report))
    else:
        print(json.dumps(report, indent=2))


if __name__ == "__main__":
    sys.exit(main())
