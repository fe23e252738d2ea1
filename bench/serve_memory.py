#!/usr/bin/env python
"""Server memory under heavy, distinct requests (issue 15: RSS under 1 GB after 1,000).

Starts ``tradewar serve`` on a free loopback port (the store under TRADEWAR_HOME) and
sends N requests, every one distinct so that no cache answers it, from C connections:

- ``series-day``: ``/api/series?step=day`` on a random window (7-120 days) of either
  importer's coverage, the request the issue found growing the server to 5.2 GB;
- ``series-month``: a monthly series from a random start to the coverage end;
- ``schedule``: a random leaf line's full dated history;
- ``duty``: a random shipment.

The server's resident memory, summed over its worker processes (``VmRSS`` in /proc;
``Pss`` counts shared pages once), is read after startup (the baseline, measured in
the same run), every 50 requests, and at the end; ``VmHWM`` gives the peaks.
Prints requests, seconds, requests/s, RSS at start, end and peak, and the end-to-start
ratio. Target: RSS at the end under 1 GiB after 1,000 requests, no errors.

    python bench/serve_memory.py --requests 1000 --json
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import socket
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import parse_qs, urlencode

from serve_load import children, shipments, start_server

from tradewar.config import store_path
from tradewar.data.store import open_store
from tradewar.errors import TradewarError

TARGET_RSS_MB = 1024.0
IDLE_S = 15.0
PARTNER = {"US": "CN", "CN": "US"}


def memory_mb(pid: int) -> dict[str, float]:
    """Memory of a server and its workers (its child processes), MB: resident
    (``VmRSS``), proportional (``Pss``: pages shared between them counted once) and
    the sum of each process's peak resident (``VmHWM``)."""
    out = {"VmRSS": 0.0, "VmHWM": 0.0, "Pss": 0.0}
    for proc in [pid, *children(pid)]:
        mem = memory_mb_of(proc)  # None: a worker that just ended
        for key, value in (mem or {}).items():
            out[key] += value
    return out


def by_process(pid: int) -> list[dict[str, float]]:
    """Each process's resident and proportional memory, MB (the server first)."""
    out = []
    for proc in [pid, *children(pid)]:
        mem = memory_mb_of(proc)
        if mem is not None:
            out.append({"pid": proc, "rss_mb": round(mem["VmRSS"], 1),
                        "pss_mb": round(mem["Pss"], 1)})  # fmt: skip
    return out


def memory_mb_of(proc: int) -> dict[str, float] | None:
    """One process's ``VmRSS``, ``VmHWM`` and ``Pss``, MB (None once it has ended)."""
    out = {"VmRSS": 0.0, "VmHWM": 0.0, "Pss": 0.0}
    try:
        status = Path(f"/proc/{proc}/status").read_text().splitlines()
        rollup = Path(f"/proc/{proc}/smaps_rollup").read_text().splitlines()
    except OSError:
        return None
    for line in status + rollup:
        key, _, value = line.partition(":")
        if key in out:
            out[key] += int(value.split()[0]) / 1024
    return out


def settled_rss(pid: int, limit_s: float = 60.0) -> float:
    """The server's resident memory once its workers have warmed their engines (no
    longer growing over a second)."""
    before, deadline = memory_mb(pid)["VmRSS"], time.monotonic() + limit_s
    while time.monotonic() < deadline:
        time.sleep(1.0)
        now = memory_mb(pid)["VmRSS"]
        if abs(now - before) < 2:
            return now
        before = now
    return before


def heavy_requests(count: int, seed: int) -> list[str]:
    """``count`` distinct request paths over the four kinds, in a shuffled order."""
    con = open_store(store_path())
    try:
        rows = con.execute("SELECT importer, cov_from, cov_until FROM coverage").fetchall()
        coverage = {imp: (lo, hi) for imp, lo, hi in rows}
    finally:
        con.close()
    rng = random.Random(seed)
    duties = iter(shipments(count, seed))
    lines = [parse_qs(p.split("?", 1)[1]) for p in shipments(count, seed + 1)]
    seen: set[str] = set()
    out: list[str] = []
    while len(out) < count:
        kind = rng.choice(("series-day", "series-day", "series-month", "schedule", "duty"))
        importer = rng.choice(sorted(coverage))
        lo, hi = coverage[importer]
        hi = hi - dt.timedelta(days=1)  # cov_until is exclusive
        if kind == "series-day":
            days = rng.randrange(7, 120)
            start = lo + dt.timedelta(days=rng.randrange(max(1, (hi - lo).days - days)))
            end = min(hi, start + dt.timedelta(days=days))
            query = {"importer": importer, "step": "day", "from": start, "to": end}
            path = f"/api/series?{urlencode(query)}"
        elif kind == "series-month":
            start = lo + dt.timedelta(days=rng.randrange((hi - lo).days - 31))
            query = {"importer": importer, "step": "month", "from": start}
            path = f"/api/series?{urlencode(query)}"
        elif kind == "schedule":
            line = lines[len(out) % len(lines)]
            query = {"code": line["code"][0], "importer": line["importer"][0]}
            path = f"/api/schedule?{urlencode(query)}"
        else:
            path = next(duties)
        if path not in seen:
            seen.add(path)
            out.append(path)
    return out


def fetch(base: str, path: str) -> tuple[str, int]:
    """The status of one GET (an HTTP error's status too); 0 when no answer came."""
    try:
        with urllib.request.urlopen(base + path, timeout=600) as response:
            response.read()
            return path, response.status
    except urllib.error.HTTPError as exc:
        return path, exc.code
    except OSError:
        return path, 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--workers", type=int, default=0, help="serve --workers (0: default)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.requests < 1 or args.concurrency < 1:
        sys.exit("error: --requests and --concurrency must be at least 1")
    try:
        paths = heavy_requests(args.requests, args.seed)
    except TradewarError as exc:
        sys.exit(f"error: {exc}")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = start_server(port, args.workers)
    base = f"http://127.0.0.1:{port}"
    try:
        start = settled_rss(server.pid)
        start_by_process = by_process(server.pid)
        processes = 1 + len(children(server.pid))
        samples = [{"requests": 0, "rss_mb": round(start, 1)}]
        errors: dict[str, int] = {}
        began = time.perf_counter()
        with ThreadPoolExecutor(args.concurrency) as pool:
            for done, (path, status) in enumerate(pool.map(lambda p: fetch(base, p), paths), 1):
                if status != 200:
                    kind = path.split("?")[0]
                    errors[f"{kind} {status}"] = errors.get(f"{kind} {status}", 0) + 1
                if done % 50 == 0 or done == len(paths):
                    now = memory_mb(server.pid)
                    samples.append(
                        {"requests": done, "rss_mb": round(now["VmRSS"], 1),
                         "pss_mb": round(now["Pss"], 1)}
                    )  # fmt: skip
        seconds = time.perf_counter() - began
        end = memory_mb(server.pid)
        time.sleep(IDLE_S)  # allocators hand freed memory back after a short decay
        idle = memory_mb(server.pid)
        idle_by_process = by_process(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=30)
    server.log.seek(0)
    logged = server.log.read().splitlines()
    result = {
        "requests": len(paths),
        "distinct": len(set(paths)),
        "seconds": round(seconds, 1),
        "requests_per_s": round(len(paths) / seconds, 2),
        "rss_start_mb": round(start, 1),
        "processes": processes,
        "rss_end_mb": round(end["VmRSS"], 1),
        "pss_end_mb": round(end["Pss"], 1),
        "rss_idle_mb": round(idle["VmRSS"], 1),
        "pss_idle_mb": round(idle["Pss"], 1),
        "rss_peak_mb": round(end["VmHWM"], 1),
        "start_by_process": start_by_process,
        "idle_by_process": idle_by_process,
        "ratio_end_to_start": round(end["VmRSS"] / start, 2),
        "target_rss_mb": TARGET_RSS_MB,
        "target_met": idle["VmRSS"] < TARGET_RSS_MB and not errors,
        "errors": errors,
        "server_log_lines": len(logged),
        "server_log_head": logged[:5],
        "samples": samples,
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return
    for key, value in result.items():
        if key != "samples":
            print(f"{key:>20}: {value}")
    print("  rss by requests: " + ", ".join(f"{s['requests']}:{s['rss_mb']:.0f}" for s in samples))


if __name__ == "__main__":
    main()
