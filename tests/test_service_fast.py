"""Issue 14 item 3: the fast path of ``GET /api/duty`` answers exactly as the route does.

The same app is asked each query twice: with the fast path (``DutyApp.fast_path``) and
through the framework's route. Status, headers and body bytes must be the same, for
plain queries (which the fast path takes) and for every other kind (invalid fields,
claims, repeated or unknown parameters, dates outside the coverage), which it must
hand to the route. Then ``tradewar serve --workers 2``: a reload told to one worker
reaches every worker.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient
from test_service_generation import DUTY, _rebuilt

from tradewar.data.store import open_store
from tradewar.engine.samples import panel_shipments
from tradewar.interfaces.web import create_app, fast

pytestmark = [
    pytest.mark.realdata,
    pytest.mark.filterwarnings("ignore:Using `httpx` with `starlette.testclient`"),
]
BIN = Path(sys.executable).with_name("tradewar")
D = "code=9403608081&entered=2019-06-20"
ROUTED = [  # the route must answer these (an error, or a field the fast path leaves)
    "code=12345&entered=2019-06-20",
    "code=9999999999&entered=2019-01-01",
    "code=4401110000&entered=2018-06-01",
    "code=9403608081&entered=2016-05-01",
    "code=9403608081&entered=2019-02-30",
    "code=9403608081",
    "entered=2019-06-20",
    f"{D}&origin=XX",
    f"{D}&origin=US",
    f"{D}&origin=",
    f"{D}&importer=JP",
    f"{D}&importer=us",
    f"{D}&exported=2019-07-01",
    f"{D}&value=-1",
    f"{D}&value=nan",
    f"{D}&value=1_000",
    f"{D}&value=1e16",
    f"{D}&quantity=5",
    f"{D}&quantity=5&unit=kg",
    f"{D}&claim=9903.88.69",
    f"{D}&content_value=1",
    f"{D}&code=9403608081",
    f"{D}&other=1",
    f"code={'9' * 33}&entered=2019-06-20",
    "code=1201901000&importer=CN&entered=2026-11-02",
]
PLAIN = [
    DUTY.split("?", 1)[1],
    f"{D}&value=1000",
    f"{D}&value=%201e4%20&exported=2019-05-01",
    "code=9403.60.80.81&entered=%202019-06-20&origin=cn",
    "code=940360&importer=CN&entered=2019-06-20",
    "code=7208510030&entered=2019-01-15&origin=JP",
]


@pytest.fixture(scope="module")
def app(real_store):
    return create_app(real_store)


def _both(client, app, query):
    app.fast_path = True
    quick = client.get(f"/api/duty?{query}")
    app.fast_path = False
    try:
        slow = client.get(f"/api/duty?{query}")
    finally:
        app.fast_path = True
    return quick, slow


def _same(quick, slow):
    assert quick.status_code == slow.status_code, (quick.text, slow.text)
    assert quick.headers.raw == slow.headers.raw
    assert quick.content == slow.content


def test_fast_path_answers_as_the_route(app, real_store, monkeypatch):
    taken = []
    answer = fast.answer

    def counted(service, scope):
        body = answer(service, scope)
        taken.append((scope["query_string"].decode(), body is not None))
        return body

    monkeypatch.setattr(fast, "answer", counted)
    sampled = [
        urlencode({k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in s.items()
                   if k in ("code", "importer", "origin", "entered", "exported")})
        for s in panel_shipments(open_store(real_store), 150, seed=3)
    ]  # fmt: skip
    with TestClient(app) as client:
        for query in PLAIN + sampled + ROUTED:
            _same(*_both(client, app, query))
    took = dict(taken)
    assert all(took[q] for q in PLAIN), took
    assert not any(took[q] for q in ROUTED), took
    assert sum(took[q] for q in sampled) > 60  # the sample's valid shipments (most)


def _get(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, r.headers["x-tradewar-build"], json.load(r)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers["x-tradewar-build"], json.load(exc)


def test_workers_follow_a_reload(real_store, tmp_path):
    """A reload told to one worker of ``tradewar serve --workers 2`` reaches them all."""
    home = tmp_path / "home"
    home.mkdir()
    served = home / real_store.name
    shutil.copy(real_store, served)
    port = _free_port()
    env = {**os.environ, "TRADEWAR_HOME": str(home)}
    proc = subprocess.Popen(
        [str(BIN), "serve", "--port", str(port), "--no-access-log", "--workers", "2"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                old = _get(base + DUTY)[1]
                break
            except OSError:
                assert proc.poll() is None, proc.communicate()
                assert time.monotonic() < deadline, "the service did not start"
                time.sleep(0.2)
        _rebuilt(real_store, served)
        request = urllib.request.Request(base + "/api/reload", method="POST")
        with urllib.request.urlopen(request, timeout=60) as r:
            assert json.load(r)["build_id"] == "rebuilt-generation"
        deadline = time.monotonic() + 30
        while True:  # the other worker follows within a moment (its index compiles)
            answers = [_get(base + DUTY) for _ in range(20)]
            if all(a[1] == "rebuilt-generation" for a in answers):
                break
            assert time.monotonic() < deadline, answers
            time.sleep(0.5)
        assert all(a[2]["total_rate"] == pytest.approx(0.30) for a in answers)
        assert old != "rebuilt-generation"
    finally:
        proc.terminate()
        proc.communicate(timeout=30)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
