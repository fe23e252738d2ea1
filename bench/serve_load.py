#!/usr/bin/env python
"""Load-test ``tradewar serve``: the duty endpoint at a fixed concurrency and rate.

Starts ``tradewar serve`` on a free loopback port (the store under TRADEWAR_HOME),
then drives ``GET /api/duty`` from C keep-alive connections for a bounded time, each
request released on an open-loop schedule of R requests/s in total (R = 0: as fast as
the connections go). Latency is measured from the request's scheduled start, so a
server that falls behind is charged for the queueing too (no coordinated omission);
``service_*`` is measured from the moment the request was written.

Two mixes, each after a warm-up that is not counted:

- ``repeat``: the acceptance shipment (9403608081, US, CN, 2019-06-20) every time; the
  service answers it from its result cache after the first request.
- ``varied``: every request a different shipment (a random leaf line, partner origin
  and entry date inside the line's validity), so every request runs the full lookup.

- ``varied-1000`` (issue 14): the varied mix offered at 1,000 requests/s over at least
  5,000 distinct shipments; target 1,000 req/s achieved, p99 <= 10 ms, no errors. In the
  same run the service is restarted as the baseline (1 worker, every request through the
  framework: ``TRADEWAR_FAST_PATH=0``) and driven the same way; its figures are under
  ``baseline``, with ``ratio_rps_to_baseline`` and ``ratio_p99_to_baseline``.

Reports requests/s, p50/p90/p99/max latency, errors, and the server's CPU use. Targets
(issue 6): p99 under 20 ms at 200 requests/s on 2 cores, no errors.

    python bench/serve_load.py --json [--rate 200] [--concurrency 8] [--duration 10]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

from tradewar.config import store_path
from tradewar.data.store import open_store
from tradewar.errors import TradewarError

TARGET_P99_MS = 20.0
TARGET_RPS = 200.0
ACCEPTANCE = {"code": "9403608081", "importer": "US", "origin": "CN", "entered": "2019-06-20"}


def shipments(count: int, seed: int) -> list[str]:
    """``count`` distinct duty queries: leaf lines on random dates inside their validity."""
    con = open_store(store_path())
    try:
        rows = con.execute(
            """SELECT p.importer, p.code, p.valid_from, least(p.valid_until, c.cov_until)
               FROM panel p JOIN coverage c USING (importer)
               WHERE p.is_leaf AND NOT p.ambiguous AND p.origin_group <> '*'
                 AND p.export_from IS NULL AND p.export_until IS NULL
                 AND least(p.valid_until, c.cov_until) > greatest(p.valid_from, c.cov_from)
               ORDER BY p.importer, p.code, p.valid_from"""
        ).fetchall()
    finally:
        con.close()
    rng = random.Random(seed)
    seen: set[str] = set()
    out: list[str] = []
    while len(out) < count:
        importer, code, start, until = rows[rng.randrange(len(rows))]
        day = start.fromordinal(rng.randrange(start.toordinal(), until.toordinal()))
        query = urlencode(
            {"code": code, "importer": importer, "origin": {"US": "CN", "CN": "US"}[importer],
             "entered": day.isoformat()}
        )  # fmt: skip
        if query not in seen:
            seen.add(query)
            out.append(f"/api/duty?{query}")
    return out


def start_server(port: int, workers: int = 0, fast_path: bool = True) -> subprocess.Popen:
    """``tradewar serve`` on ``port``; ``fast_path=False``: every request through the
    framework's full stack (the path before issue 14's fast path), for the baseline."""
    binary = Path(sys.executable).with_name("tradewar")
    env = {**os.environ, "TRADEWAR_FAST_PATH": "1" if fast_path else "0"}
    # the server's log goes to a file: a pipe nobody reads fills and blocks the server
    log = tempfile.NamedTemporaryFile("w+", prefix="tradewar-serve-", suffix=".log")  # noqa: SIM115
    proc = subprocess.Popen(
        [str(binary), "serve", "--port", str(port), "--no-access-log", "--workers", str(workers)],
        stdout=subprocess.DEVNULL, stderr=log, text=True, env=env,
    )  # fmt: skip
    proc.log = log  # type: ignore[attr-defined]  # read by the caller; gone with it
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=1):
                return proc
        except OSError:
            if proc.poll() is not None:
                log.seek(0)
                raise SystemExit(f"tradewar serve exited: {log.read().strip()}") from None
            if time.monotonic() > deadline:
                proc.terminate()
                raise SystemExit("tradewar serve did not start within 60 s") from None
            time.sleep(0.1)


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process and its children (Linux /proc: the
    workers of ``tradewar serve --workers N`` are its children)."""
    total = 0.0
    for p in [pid, *children(pid)]:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def children(pid: int) -> list[int]:
    """Descendant process ids of ``pid``."""
    found, todo = [], [pid]
    while todo:
        parent = todo.pop()
        try:
            kids = Path(f"/proc/{parent}/task/{parent}/children").read_text().split()
        except OSError:
            continue
        found += [int(k) for k in kids]
        todo += [int(k) for k in kids]
    return found


async def _request(reader, writer, path: str) -> int:
    writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    length = next(
        int(line.split(":", 1)[1]) for line in lines if line.lower().startswith("content-length:")
    )
    await reader.readexactly(length)
    return status


async def drive(port: int, paths: list[str], rate: float, concurrency: int, seconds: float):
    """Send requests for ``seconds``; returns (latencies, service times, errors, sent)."""
    latencies: list[float] = []
    service: list[float] = []
    errors: dict[str, int] = {}
    counter = iter(range(10**9))
    start = time.perf_counter() + 0.05
    stop = start + seconds

    async def worker() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while True:
                k = next(counter)
                due = start + k / rate if rate > 0 else time.perf_counter()
                if due >= stop:
                    return
                delay = due - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                sent = time.perf_counter()
                try:
                    status = await _request(reader, writer, paths[k % len(paths)])
                except (OSError, asyncio.IncompleteReadError, ValueError, StopIteration) as exc:
                    errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1
                    writer.close()
                    reader, writer = await asyncio.open_connection("127.0.0.1", port)
                    continue
                done = time.perf_counter()
                if status != 200:
                    errors[f"HTTP {status}"] = errors.get(f"HTTP {status}", 0) + 1
                latencies.append(done - (due if rate > 0 else sent))
                service.append(done - sent)
        finally:
            writer.close()

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - start
    return latencies, service, errors, elapsed


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))] * 1000


FAST_RPS, FAST_P99_MS, FAST_DISTINCT = 1000.0, 10.0, 5000


def phase(port: int, server_pid: int, mix: str, paths: list[str], args) -> dict:
    rate, p99_target = (FAST_RPS, FAST_P99_MS) if mix == "varied-1000" else (args.rate, None)
    args = argparse.Namespace(**{**vars(args), "rate": rate})
    if args.warmup > 0:
        asyncio.run(drive(port, paths[::-1], args.rate, args.concurrency, args.warmup))
    cpu0, own0 = cpu_seconds(server_pid), resource.getrusage(resource.RUSAGE_SELF)
    lat, svc, errors, elapsed = asyncio.run(
        drive(port, paths, args.rate, args.concurrency, args.duration)
    )
    cpu1, own1 = cpu_seconds(server_pid), resource.getrusage(resource.RUSAGE_SELF)
    done = len(lat)
    result = {
        "mix": mix,
        "distinct_shipments": len(set(paths)),
        "target_rps": args.rate or None,
        "requests": done + sum(v for k, v in errors.items() if not k.startswith("HTTP")),
        "achieved_rps": round(done / elapsed, 1),
        "errors": sum(errors.values()),
        "error_kinds": errors,
        "p50_ms": percentile(lat, 50),
        "p90_ms": percentile(lat, 90),
        "p99_ms": percentile(lat, 99),
        "max_ms": percentile(lat, 100),
        "service_p50_ms": percentile(svc, 50),
        "service_p99_ms": percentile(svc, 99),
        "server_cpu_cores": round((cpu1 - cpu0) / elapsed, 2),
        "client_cpu_cores": round(
            (own1.ru_utime + own1.ru_stime - own0.ru_utime - own0.ru_stime) / elapsed, 2
        ),
    }
    for key in ("p50_ms", "p90_ms", "p99_ms", "max_ms", "service_p50_ms", "service_p99_ms"):
        if result[key] is not None:
            result[key] = round(result[key], 2)
    rate_ok = not args.rate or result["achieved_rps"] >= 0.97 * args.rate
    result["meets_target"] = bool(
        result["errors"] == 0
        and rate_ok
        and (result["p99_ms"] or 1e9) <= (p99_target or TARGET_P99_MS)
    )
    return result


def stop_server(server: subprocess.Popen) -> None:
    server.terminate()
    server.wait(timeout=30)


def baseline(port: int, paths: list[str], args, fast: dict) -> dict:
    """The varied-1000 mix in the same run on the path before issue 14's fast path: one
    worker, every request through the framework's stack (route, dependency solving,
    middleware, a thread hop). The HTTP parser and JSON encoder are the same for both,
    and so the lookups themselves (the index); the ratios are the fast path's gain."""
    server = start_server(port, 1, fast_path=False)
    try:
        base = phase(port, server.pid, "varied-1000", paths, args)
    finally:
        stop_server(server)
    keys = ("achieved_rps", "p50_ms", "p99_ms", "errors", "server_cpu_cores", "meets_target")
    return {
        "baseline": {"path": "1 worker, framework route", **{k: base[k] for k in keys}},
        "ratio_rps_to_baseline": round(fast["achieved_rps"] / base["achieved_rps"], 2),
        "ratio_p99_to_baseline": (
            round(base["p99_ms"] / fast["p99_ms"], 1) if fast["p99_ms"] and base["p99_ms"] else None
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=TARGET_RPS, help="requests/s (0: max)")
    parser.add_argument("--concurrency", type=int, default=8, help="keep-alive connections")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per mix")
    parser.add_argument("--warmup", type=float, default=2.0, help="uncounted seconds per mix")
    parser.add_argument(
        "--mix",
        choices=("repeat", "varied", "varied-1000", "both", "all"),
        default="both",
        help="both: repeat and varied at --rate; all: also varied-1000 (1,000 req/s)",
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--workers", type=int, default=0, help="tradewar serve --workers (0: its default)"
    )
    parser.add_argument(
        "--no-baseline", action="store_true",
        help="varied-1000: skip the baseline (1 worker, every request through the framework)",
    )  # fmt: skip
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    if args.concurrency < 1 or args.duration <= 0 or args.rate < 0:
        parser.error("--concurrency >= 1, --duration > 0 and --rate >= 0")
    mixes = {
        "both": ("repeat", "varied"), "all": ("repeat", "varied", "varied-1000"),
    }.get(args.mix, (args.mix,))  # fmt: skip
    top = FAST_RPS if "varied-1000" in mixes else args.rate
    count = max(int(max(top, 500) * (args.duration + args.warmup) * 1.2), FAST_DISTINCT)
    try:
        varied = shipments(count, args.seed) if any(m.startswith("varied") for m in mixes) else []
    except TradewarError as exc:
        raise SystemExit(f"error: {exc}") from None
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    load = os.getloadavg()
    server = start_server(port, args.workers)
    try:
        results = []
        for mix in mixes:
            paths = [f"/api/duty?{urlencode(ACCEPTANCE)}"] if mix == "repeat" else varied
            results.append(phase(port, server.pid, mix, paths, args))
    finally:
        stop_server(server)
    fast = next((r for r in results if r["mix"] == "varied-1000"), None)
    if fast is not None and not args.no_baseline:
        fast.update(baseline(port, varied, args, fast))
    report = {
        "benchmark": "tradewar serve: GET /api/duty",
        "store": str(store_path()),
        "cpus": os.cpu_count(),
        "load_average_before": [round(x, 2) for x in load],
        "concurrency": args.concurrency,
        "workers": args.workers or "serve's default (one per usable core, <= 4)",
        "duration_s": args.duration,
        "warmup_s": args.warmup,
        "targets": {"rps": TARGET_RPS, "p99_ms": TARGET_P99_MS, "errors": 0},
        "results": results,
    }
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print(f"{report['benchmark']} on {report['cpus']} CPUs (load {report['load_average_before']})")
    for r in results:
        print(
            f"{r['mix']:>7}: {r['achieved_rps']:.0f} req/s (target {r['target_rps'] or 'max'}), "
            f"p50 {r['p50_ms']} ms, p99 {r['p99_ms']} ms, max {r['max_ms']} ms, "
            f"errors {r['errors']}, server CPU {r['server_cpu_cores']} cores"
            f" -> {'meets' if r['meets_target'] else 'misses'} the target"
        )
        if "baseline" in r:
            b = r["baseline"]
            print(
                f"         baseline ({b['path']}): {b['achieved_rps']:.0f} req/s, p50 "
                f"{b['p50_ms']} ms, p99 {b['p99_ms']} ms, errors {b['errors']}; ratio "
                f"{r['ratio_rps_to_baseline']}x req/s, {r['ratio_p99_to_baseline']}x lower p99"
            )


if __name__ == "__main__":
    main()
