#!/usr/bin/env python
"""Benchmark the bulk duty engine end to end (read, rate, write Parquet).

Generates N synthetic shipments from real leaf codes of both schedules (US imports
from China and other origins, China's imports from the US and others), with entry
dates across 2018-01-01 .. 2019-12-31, then runs the bulk engine in a child process
and reports rows, seconds, rows/s, the child's CPU seconds and peak RSS (and the
1-minute load average before and after: the machine may be shared). The baseline is a
straightforward per-row pandas lookup over the same panel, timed in the same run on
a sample. Needs a built store (``tradewar data build``).

In the same run it also times, each in a fresh process:

* ``split``: where the engine's time goes. ``setup_s`` loads the schedule; ``read_s``
  scans every input column; ``join_s`` computes every output column and the rejects
  (into cheap aggregates, so nothing is written) less the read; ``write_s`` is the rest
  of the end-to-end run (encoding and writing Parquet and the rejects CSV).
* ``bare_join_rows_per_s``: a bare DuckDB interval join on the same input, Parquet in
  and out (the shipment's columns plus ``total_rate`` and ``duty`` from the keyed
  panel, no validation), and ``ratio_to_bare_join``.
* with ``--codecs``, a table of Parquet codecs and row-group sizes for the rated output
  (seconds and MB of the write alone), the measurement behind ``bulk.PARQUET_OPTIONS``.

    python bench/bulk_duty.py --rows 10000000 [--json] [--baseline-rows 20000] [--codecs]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from tradewar.config import store_path
from tradewar.data.store import open_store
from tradewar.engine.backends import data_files
from tradewar.engine.synthetic import generate_shipments as generate


def _child(store: str, src: str, dst: str, queue: mp.Queue) -> None:
    from tradewar.engine.bulk import bulk_duty

    result = bulk_duty(Path(store), Path(src), Path(dst))
    usage = resource.getrusage(resource.RUSAGE_SELF)
    queue.put({"rows": result.rows, "rated": result.rated, "rejected": result.rejected,
               "seconds": result.seconds, "peak_rss_mb": usage.ru_maxrss / 1024,
               "cpu_s": usage.ru_utime + usage.ru_stime})  # fmt: skip


def _spawn(target: Callable[..., None], *args: str) -> dict:
    """Run ``target(*args, queue)`` in a fresh process; return what it puts."""
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=target, args=(*args, queue))
    started = time.perf_counter()
    proc.start()
    out = queue.get()
    proc.join()
    out["wall_seconds"] = time.perf_counter() - started
    return out


def run_engine(store: Path, src: Path, dst: Path) -> dict:
    """Run the bulk engine in a fresh process; return its counts, time and peak RSS."""
    return _spawn(_child, str(store), str(src), str(dst))


def _plan_backend(store: str, src: str) -> tuple[Any, list[str], float]:
    """A DuckDB backend with the bulk plan defined on ``src`` as ``bulk_duty`` defines
    it, the input's columns, and the seconds that took (mostly loading the schedule)."""
    from tradewar.engine.backends import DuckDBBackend
    from tradewar.engine.bulk import define_plan

    backend = DuckDBBackend(Path(store))
    t0 = time.perf_counter()
    columns = define_plan(backend, Path(src))
    return backend, columns, time.perf_counter() - t0


def _timed(run: Callable[[], Any]) -> float:
    t0 = time.perf_counter()
    run()
    return time.perf_counter() - t0


def _split_child(store: str, src: str, queue: mp.Queue) -> None:
    from tradewar.engine.plan import DUCKDB, output_columns, output_sql, rejects_sql

    backend, columns, setup = _plan_backend(store, src)
    con = backend.con

    def scan(sql: str, names: list[str]) -> None:
        mins = ", ".join(f"min({DUCKDB.ident(c)})" for c in names)
        con.execute(f"SELECT count(*), {mins} FROM ({sql})").fetchall()

    read = _timed(lambda: scan("SELECT * FROM source", columns))
    full = _timed(lambda: scan(output_sql(DUCKDB, columns), output_columns(columns)))
    full += _timed(lambda: scan(rejects_sql(DUCKDB), ["code", "reason"]))
    backend.close()
    queue.put({"setup_s": setup, "read_s": read, "join_s": max(full - read, 0.0)})


def _bare_child(store: str, src: str, dst: str, queue: mp.Queue) -> None:
    backend, _, _ = _plan_backend(store, src)  # the same keyed panel
    group = (
        "CASE s.importer WHEN 'US' THEN (CASE WHEN s.origin = 'CN' THEN 'CN' ELSE '*' END) "
        "ELSE (CASE WHEN s.origin = 'US' THEN 'US' ELSE '*' END) END"
    )
    sql = f"""COPY (
        SELECT s.*, p.total_rate, s.value * p.total_rate AS duty
        FROM read_parquet('{src}') s
        LEFT JOIN keyed_panel p
          ON p.importer = s.importer AND p.origin_group = {group} AND p.code = s.code
         AND p.cls = 0 AND s.entered >= p.valid_from AND s.entered < p.valid_until
    ) TO '{dst}' (FORMAT parquet)"""
    seconds = _timed(lambda: backend.con.execute(sql))
    backend.close()
    queue.put({"seconds": seconds})


def _codecs_child(store: str, src: str, dst: str, queue: mp.Queue) -> None:
    from tradewar.engine.plan import DUCKDB, output_sql

    backend, columns, _ = _plan_backend(store, src)
    sql = output_sql(DUCKDB, columns)
    table = []
    for codec in CODECS:
        for group in ROW_GROUPS:
            options = f"FORMAT parquet, COMPRESSION {codec}, ROW_GROUP_SIZE {group}"
            copy = f"COPY ({sql}) TO '{dst}' ({options})"
            seconds = _timed(lambda copy=copy: backend.con.execute(copy))
            table.append({"codec": codec, "row_group_size": group, "seconds": round(seconds, 2),
                          "mb": round(Path(dst).stat().st_size / 2**20, 1)})  # fmt: skip
    backend.close()
    queue.put({"table": table})


CODECS = ("snappy", "zstd", "lz4_raw", "uncompressed")
ROW_GROUPS = (122_880, 1_048_576)


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
    parser.add_argument("--codecs", action="store_true", help="also time Parquet codecs")
    args = parser.parse_args()
    store = store_path()
    open_store(store).close()
    load_start = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        src, dst = Path(tmp) / "shipments.parquet", Path(tmp) / "rated.parquet"
        t0 = time.perf_counter()
        generate(store, args.rows, src)
        gen_seconds = time.perf_counter() - t0
        result = run_engine(store, src, dst)
        out_bytes = sum(f.stat().st_size for f in data_files(dst, ".parquet"))
        split = _spawn(_split_child, str(store), str(src))
        bare = _spawn(_bare_child, str(store), str(src), str(Path(tmp) / "bare.parquet"))
        codecs = (
            _spawn(_codecs_child, str(store), str(src), str(Path(tmp) / "codec.parquet"))
            if args.codecs else None
        )  # fmt: skip
        base = baseline(store, src, min(args.baseline_rows, args.rows))
    rows_per_s = result["rows"] / result["seconds"]
    bare_rows_per_s = args.rows / bare["seconds"]
    parts = ("setup_s", "read_s", "join_s")
    split_s = {k: round(split[k], 2) for k in parts}
    split_s["write_s"] = round(max(result["seconds"] - sum(split[k] for k in parts), 0.0), 2)
    report = {
        "rows": result["rows"],
        "rated": result["rated"],
        "rejected": result["rejected"],
        "seconds": round(result["seconds"], 3),
        "rows_per_s": round(rows_per_s),
        "peak_rss_mb": round(result["peak_rss_mb"], 1),
        "cpu_s": round(result["cpu_s"], 2),
        "baseline_rows_per_s": round(base),
        "ratio_to_baseline": round(rows_per_s / base, 1),
        "split": split_s,
        "bare_join_rows_per_s": round(bare_rows_per_s),
        "bare_join_seconds": round(bare["seconds"], 3),
        "ratio_to_bare_join": round(rows_per_s / bare_rows_per_s, 3),
        "baseline": f"per-row pandas panel lookup on {min(args.baseline_rows, args.rows)} rows",
        "generate_seconds": round(gen_seconds, 2),
        "output_mb": round(out_bytes / 2**20, 1),
        "load_avg": [round(load_start, 2), round(os.getloadavg()[0], 2)],
        "target": ">= 5,000,000 rows/s and >= 0.6x the bare join at 10M rows, peak RSS <= 1536 MB",
    }
    if codecs is not None:
        report["codecs"] = codecs["table"]
    if args.json:
        print(json.dumps(report))
    else:
        for key, value in report.items():
            if key != "codecs":
                print(f"{key:>22}: {value}")
        for row in report.get("codecs", []):
            print(f"{row['codec']:>14} row groups {row['row_group_size']:>9}: "
                  f"{row['seconds']:6.2f} s {row['mb']:8.1f} MB")  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
