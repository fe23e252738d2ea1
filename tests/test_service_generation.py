"""Issue 15 item 4 and 5b: every answer from one store generation; a memo bounded by bytes.

A copy of the real store is served; a "rebuild" then replaces the file with a copy in
which List 3 stands at 30 % and the build id differs. Until the service is told to
reload, single lookups, bulk and /api/info all answer from the old generation and say
so in ``X-Tradewar-Build``; after ``POST /api/reload`` all answer from the new one.
"""

from __future__ import annotations

import io
import json
import os
import shutil

import duckdb
import pytest
from fastapi.testclient import TestClient

from tradewar.interfaces.web import create_app
from tradewar.interfaces.web.service import _Memo

pytestmark = pytest.mark.realdata
DUTY = "/api/duty?code=9403608081&importer=US&origin=CN&entered=2019-06-20"
BULK = "code,importer,origin,entered,value\n9403608081,US,CN,2019-06-20,1000\n"


def _rebuilt(store, target):
    """``store`` with List 3 (9903.88.03) at 30 % and a new build id, renamed to ``target``."""
    tmp = target.with_name("rebuilt.tmp")
    shutil.copy(store, tmp)
    con = duckdb.connect(str(tmp))
    con.execute(
        "UPDATE panel SET total_rate = total_rate + 0.05, adval_rate = adval_rate + 0.05 "
        "WHERE s301_heading = '9903.88.03' AND valid_from >= DATE '2019-05-10'"
    )
    con.execute("UPDATE build_info SET value = 'rebuilt-generation' WHERE key = 'build_id'")
    con.execute("CHECKPOINT")
    con.close()
    os.replace(tmp, target)


def _bulk_rate(client) -> tuple[float, str]:
    r = client.post("/api/duty/bulk", files={"file": ("s.csv", io.BytesIO(BULK.encode()))})
    assert r.status_code == 200, r.text
    body = r.json()
    rows = body.get("rows") or body.get("rated") or body
    rate = rows[0]["total_rate"] if isinstance(rows, list) else None
    return rate, r.headers["x-tradewar-build"]


def test_one_generation_until_reload(real_store, tmp_path):
    served = tmp_path / "tradewar.duckdb"
    shutil.copy(real_store, served)
    with TestClient(create_app(served)) as client:
        first = client.get(DUTY)
        old = first.headers["x-tradewar-build"]
        assert first.json()["total_rate"] == pytest.approx(0.25)
        assert client.get("/api/info").json()["store"]["build_id"] == old
        _rebuilt(real_store, served)
        # the file changed under the service: every answer still comes from the old one
        again = client.get(DUTY + "&value=1")
        assert again.json()["total_rate"] == pytest.approx(0.25)
        assert again.headers["x-tradewar-build"] == old
        rate, build = _bulk_rate(client)
        assert build == old and (rate is None or rate == pytest.approx(0.25))
        reloaded = client.post("/api/reload")
        assert reloaded.status_code == 200, reloaded.text
        assert reloaded.json() == {
            "previous_build_id": old, "build_id": "rebuilt-generation", "changed": True,
        }  # fmt: skip
        after = client.get(DUTY)
        assert after.headers["x-tradewar-build"] == "rebuilt-generation"
        assert after.json()["total_rate"] == pytest.approx(0.30)
        assert client.get("/api/info").json()["store"]["build_id"] == "rebuilt-generation"
        rate, build = _bulk_rate(client)
        assert build == "rebuilt-generation" and (rate is None or rate == pytest.approx(0.30))


def test_reload_of_a_broken_file_keeps_the_old_generation(real_store, tmp_path):
    served = tmp_path / "tradewar.duckdb"
    shutil.copy(real_store, served)
    with TestClient(create_app(served)) as client:
        old = client.get(DUTY).headers["x-tradewar-build"]
        served.write_bytes(b"not a duckdb file")
        r = client.post("/api/reload")
        assert r.status_code >= 400 and "error" in r.json()
        after = client.get(DUTY)
        assert after.status_code == 200 and after.headers["x-tradewar-build"] == old


def test_memo_is_bounded_by_bytes():
    memo = _Memo(total_bytes=10_000, item_bytes=4_000)
    for i in range(200):
        memo.get(("k", i), lambda i=i: {"values": [i] * 300})  # 0.6-1.2 kB of JSON each
    assert memo.bytes <= 10_000 and len(memo._data) <= 10
    assert memo.bytes == sum(len(body) for body in memo._data.values())
    big = memo.get(("big",), lambda: {"values": list(range(5_000))})
    assert len(json.loads(big)["values"]) == 5_000  # answered, rendered,
    assert ("big",) not in memo._data  # and not kept
    kept = memo.get(("k", 199), lambda: pytest.fail("a kept result is made again"))
    assert json.loads(kept) == {"values": [199] * 300}
