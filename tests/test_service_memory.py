"""The server's memory stays bounded under heavy, distinct requests (issue 15, item 5).

A running ``tradewar serve`` answers day-step series (each a different window, the
request that once grew the server to 5.2 GB through its result cache) and product
histories, none repeated, so no cache answers. Its resident memory (``VmRSS``, over
the server and its workers) must be under 1 GiB afterwards, once idle (within 30 s).
``bench/serve_memory.py`` runs the same mix at 1,000 requests and prints the figures.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

BIN = Path(sys.executable).with_name("tradewar")
LIMIT_MB = 1024
IDLE_S = 30  # as bench/serve_memory.py reads RSS after 15 s idle


def _rss_mb(pid: int) -> float:
    """Resident memory of the server and its worker processes, MB."""
    total, todo = 0.0, [pid]
    while todo:
        proc = todo.pop()
        try:
            status = Path(f"/proc/{proc}/status").read_text()
            kids = Path(f"/proc/{proc}/task/{proc}/children").read_text().split()
        except OSError:
            continue
        total += int(status.split("VmRSS:")[1].split()[0]) / 1024
        todo += [int(k) for k in kids]
    return total


def _get(url: str) -> dict | list:
    with urllib.request.urlopen(url, timeout=300) as response:
        assert response.status == 200
        return json.loads(response.read())


@pytest.fixture()
def server(real_store, tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "TRADEWAR_HOME": str(real_store.parent)}
    log = tmp_path / "serve.log"  # a file, not a pipe nobody reads (it would fill)
    proc = subprocess.Popen(
        [str(BIN), "serve", "--port", str(port), "--no-access-log"],
        env=env, stdout=subprocess.DEVNULL, stderr=log.open("w"), text=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            _get(f"{base}/api/health")
            break
        except OSError:
            assert proc.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.2)
    yield base, proc.pid, proc
    proc.terminate()
    proc.wait(timeout=30)


def test_rss_stays_under_1_gib_after_distinct_heavy_requests(server):
    """Ten distinct day-step windows, four at a time (concurrent heavy queries on one
    process's store once crashed the DuckDB client: the service now runs them one at a
    time), then product histories; the server lives and stays under 1 GiB."""
    base, pid, proc = server
    start = _rss_mb(pid)
    day = dt.date(2018, 3, 1)

    def window(i: int) -> tuple[int, int]:
        importer = ("US", "CN")[i % 2]
        first = day + dt.timedelta(days=97 * i)
        last = first + dt.timedelta(days=20 + i)
        rows = _get(f"{base}/api/series?importer={importer}&step=day&from={first}&to={last}")
        return len(rows), (last - first).days + 1

    with ThreadPoolExecutor(4) as pool:
        for got, want in pool.map(window, range(10)):
            assert got == want
    for code in ("9403.60.80.81", "8517.13.00.00", "8703.23.01.90", "0203.29.00"):
        importer = "CN" if code.startswith("0203") else "US"
        assert _get(f"{base}/api/schedule?code={code}&importer={importer}")
    assert proc.poll() is None, "the server died"
    deadline = time.monotonic() + IDLE_S  # freed memory goes back after a short decay
    while (after := _rss_mb(pid)) >= LIMIT_MB and time.monotonic() < deadline:
        time.sleep(1)
    assert after < LIMIT_MB, f"server RSS {after:.0f} MB after heavy requests (start {start:.0f})"
