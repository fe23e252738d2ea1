"""The HTTP API (issue 6): every endpoint, its errors, and the service's limits.

In-process through FastAPI's TestClient on the session's real store, plus one run of
``tradewar serve`` as a subprocess for the acceptance interface.
"""

from __future__ import annotations

import io
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pandas as pd
import pytest

from tradewar import api
from tradewar.api import series as api_series
from tradewar.errors import StoreError
from tradewar.interfaces.web import Limits, create_app
from tradewar.interfaces.web.routes import capabilities

pytestmark = [
    pytest.mark.realdata,
    pytest.mark.filterwarnings("ignore:Using `httpx` with `starlette.testclient`"),
]
BIN = Path(sys.executable).with_name("tradewar")
DUTY = {"code": "9403608081", "importer": "US", "origin": "CN", "entered": "2019-06-20"}
CSV = (
    "code,importer,origin,entered,value\n"
    "9403608081,US,CN,2019-06-20,1000\n"
    "1201901000,CN,US,2018-07-06,500\n"
    "12,US,CN,2019-06-20,5\n"
)


@pytest.fixture(scope="module")
def client(real_store):
    from fastapi.testclient import TestClient

    # a generous time limit: a scenario re-stacks the panel (about 15 s on a quiet machine,
    # several times that beside a parallel test run); the limit itself is tested below
    with TestClient(create_app(real_store, Limits(time_s=600))) as c:
        yield c


@pytest.fixture(scope="module")
def small(real_store):
    """A service with tiny body and upload limits."""
    from fastapi.testclient import TestClient

    limits = Limits(max_body=2_000, max_upload=4_000)
    with TestClient(create_app(real_store, limits)) as c:
        yield c


def _error(response, status, loc=None, text=None):
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert isinstance(body["error"], str) and body["error"]
    if loc is not None:
        assert any(d["loc"] == loc for d in body["detail"]), body
    if text is not None:
        assert text in body["error"], body
    return body


def _same(got, expected):
    """Equal, floats to one unit of the 6th decimal: DuckDB's parallel sums may differ in
    the last bits run to run, and the series rounds to 6 decimals, so a sum on a rounding
    boundary (9.1328125) may round either way (9.132812 or 9.132813)."""
    if isinstance(expected, float) or isinstance(got, float):
        assert got == pytest.approx(expected, rel=1e-9, abs=1.5e-6)
    elif isinstance(expected, dict):
        assert isinstance(got, dict) and got.keys() == expected.keys()
        for key in expected:
            _same(got[key], expected[key])
    elif isinstance(expected, list):
        assert isinstance(got, list) and len(got) == len(expected)
        for a, b in zip(got, expected, strict=True):
            _same(a, b)
    else:
        assert got == expected


# --- duty -------------------------------------------------------------------------------


def test_duty_is_the_cli_json(client, real_store):
    """The acceptance interface: the same object as `tradewar duty ... --json`."""
    env = {**os.environ, "TRADEWAR_HOME": str(real_store.parent)}
    args = ["duty", "9403608081", "--importer", "US", "--origin", "CN", "--entered", "2019-06-20"]
    proc = subprocess.run(
        [str(BIN), *args, "--json"], capture_output=True, text=True, env=env, check=True
    )
    response = client.get("/api/duty", params=DUTY)
    assert response.status_code == 200
    assert response.json() == json.loads(proc.stdout)
    assert response.json()["total_rate"] == 0.25


@pytest.mark.parametrize(
    "params",
    [
        {"code": "9403.60.80.81", "entered": "2019-05-20", "exported": "2019-05-01", "value": 1e4},
        {"code": "1201.90", "importer": "CN", "entered": "2018-07-06", "value": 250},
        {"code": "7208510030", "entered": "2019-01-15", "origin": "JP"},
        {"code": "940360", "importer": "CN", "entered": "2019-06-20"},  # parent code
        {"code": "9403601010", "importer": "CN", "origin": "US", "entered": "2019-06-20"},
    ],
)
def test_duty_matches_the_facade(client, real_store, params):
    response = client.get("/api/duty", params=params)
    assert response.status_code == 200, response.text
    imp = params.get("importer", "US")
    expected = api.duty(
        params["code"], imp, params.get("origin", {"US": "CN", "CN": "US"}[imp]),
        params["entered"], params.get("exported"), params.get("value"), store=real_store,
    )  # fmt: skip
    assert response.json() == json.loads(json.dumps(expected, default=str))


D = {"code": "9403608081", "entered": "2019-01-01"}


@pytest.mark.parametrize(
    ("params", "loc", "text"),
    [
        ({**D, "code": "12345"}, ["query", "code"], "malformed product code"),
        ({**D, "code": "../../etc/passwd"}, ["query", "code"], "malformed"),
        ({**D, "code": "9999999999"}, ["query", "code"], "not in the US"),
        ({"code": "4401110000", "entered": "2018-06-01"}, ["query", "code"], "does not exist"),
        ({**D, "entered": "2016-05-01"}, ["query", "entered"], "not covered"),
        ({**D, "entered": "2019-02-30"}, ["query", "entered"], None),
        ({"code": "9403608081"}, ["query", "entered"], None),
        ({"entered": "2019-01-01"}, ["query", "code"], None),
        ({**D, "origin": "XX"}, ["query", "origin"], "unknown country"),
        ({**D, "origin": "US"}, ["query", "origin"], "importer itself"),
        ({**D, "importer": "JP"}, ["query", "importer"], None),
        ({**D, "exported": "2019-02-01"}, ["query", "exported"], "after the entry date"),
        ({**D, "value": "-1"}, ["query", "value"], None),
        ({**D, "value": "nan"}, ["query", "value"], None),
        ({**D, "value": "abc"}, ["query", "value"], None),
        ({**D, "quantity": "5"}, ["query", "unit"], "together"),
        (
            {"code": "1201901000", "importer": "CN", "entered": "2026-11-02"},
            ["query", "entered"],
            "not covered",
        ),
    ],
)
def test_duty_errors_are_422_on_the_field(client, params, loc, text):
    _error(client.get("/api/duty", params=params), 422, loc, text)


# --- bulk -------------------------------------------------------------------------------


def test_bulk_csv(client, real_store):
    response = client.post("/api/duty/bulk", files={"file": ("s.csv", CSV, "text/csv")})
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["rows"], body["rated"], body["rejected"]) == (3, 2, 1)
    rated = {r["code"]: r for r in body["rated_rows"]}
    assert rated["9403608081"]["total_rate"] == 0.25
    assert rated["9403608081"]["duty"] == 250.0
    assert rated["1201901000"]["ret_rate"] == 0.25
    assert body["rejected_rows"][0]["reason"].startswith("malformed code")
    assert not body["truncated"]
    # the same as the facade on a frame
    frame = api.duty_frame(pd.read_csv(io.StringIO(CSV), dtype=str), store=real_store)
    ours = frame[frame["reason"].isna()].set_index("code")["total_rate"].to_dict()
    assert {c: r["total_rate"] for c, r in rated.items()} == ours


def test_bulk_parquet_and_row_cap(client):
    frame = pd.read_csv(io.StringIO(CSV), dtype=str)
    buf = io.BytesIO()
    frame.to_parquet(buf)
    response = client.post(
        "/api/duty/bulk",
        params={"rows": 1},
        files={"file": ("anything.bin", buf.getvalue(), "application/octet-stream")},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["input"] == "parquet"
    assert body["rated"] == 2 and len(body["rated_rows"]) == 1 and body["truncated"]


@pytest.mark.parametrize(
    ("content", "text"),
    [
        (b"", "empty"),
        (b"a,b\n1,2\n", "lacks column"),
        (b"\x00\x01\x02garbage", None),
        (b"PAR1 not really parquet", None),
    ],
)
def test_bulk_bad_uploads_are_422(client, content, text):
    response = client.post("/api/duty/bulk", files={"file": ("x.csv", content, "text/csv")})
    body = _error(response, 422, ["body", "file"], text)
    assert "/tmp" not in body["error"] and "tradewar-bulk" not in body["error"]


def test_bulk_needs_a_file(client):
    _error(client.post("/api/duty/bulk"), 422, ["body", "file"])
    _error(client.post("/api/duty/bulk", params={"rows": -1}), 422, ["query", "rows"])


def test_upload_limit(small):
    big = CSV + "9403608081,US,CN,2019-06-20,1000\n" * 200
    response = small.post("/api/duty/bulk", files={"file": ("s.csv", big, "text/csv")})
    _error(response, 413, text="over the limit")


def test_streamed_body_limit(small):
    """A body without Content-Length is counted as it arrives."""

    def chunks():
        for _ in range(10):
            yield b"x" * 1000

    response = small.post(
        "/api/articles/check", content=chunks(), headers={"content-type": "application/json"}
    )
    _error(response, 413, text="over the limit")


def test_body_limit(client):
    text = "x" * 70_000
    response = client.post("/api/articles/check", json={"text": text})
    _error(response, 413, text="over the limit")


# --- schedule, lists, products ----------------------------------------------------------


def test_schedule(client, real_store):
    response = client.get("/api/schedule", params={"code": "8471.30.01.00"})
    assert response.status_code == 200
    expected = api.schedule("8471300100", store=real_store)
    assert response.json() == json.loads(json.dumps(expected, default=str))
    cn = client.get("/api/schedule", params={"code": "940360", "importer": "CN"}).json()
    assert cn["importer"] == "CN" and cn["origin"] == "US" and cn["layers"]


@pytest.mark.parametrize(
    ("params", "loc"),
    [
        ({"code": "12"}, ["query", "code"]),
        ({"code": "9999999999"}, ["query", "code"]),
        ({"code": "940360", "importer": "XX"}, ["query", "importer"]),
        ({"code": "940360", "origin": "Atlantis"}, ["query", "origin"]),
        ({}, ["query", "code"]),
    ],
)
def test_schedule_errors(client, params, loc):
    _error(client.get("/api/schedule", params=params), 422, loc)


def test_lists(client, real_store):
    response = client.get("/api/lists", params={"importer": "US"})
    assert response.status_code == 200
    assert response.json() == json.loads(json.dumps(api.lists("US", real_store), default=str))
    both = client.get("/api/lists").json()
    assert {m["importer"] for m in both} == {"US", "CN"}
    _error(client.get("/api/lists", params={"importer": "ZZ"}), 422, ["query", "importer"])


def test_products(client):
    by_code = client.get("/api/products", params={"q": "9403.60.80"}).json()
    assert any(p["code"] == "9403608081" and p["importer"] == "US" for p in by_code)
    assert all(p["code"].startswith("94036080") for p in by_code)
    words = client.get("/api/products", params={"q": "Soya beans", "importer": "CN"}).json()
    assert words and all(p["importer"] == "CN" for p in words)
    assert any(p["code"].startswith("1201") for p in words)
    assert len(client.get("/api/products", params={"q": "other", "limit": 3}).json()) == 3
    _error(client.get("/api/products", params={"q": "x"}), 422, ["query", "q"])
    _error(client.get("/api/products", params={"q": "   "}), 422, ["query", "q"])
    _error(client.get("/api/products", params={"q": "ab", "limit": 0}), 422, ["query", "limit"])


def test_user_input_is_never_sql(client):
    for q in ("'; DROP TABLE lines; --", "%' OR 1=1 --", "\\x00 _%"):
        response = client.get("/api/products", params={"q": q})
        assert response.status_code == 200 and response.json() == []
    assert client.get("/api/products", params={"q": "furniture"}).json()


# --- series, coverage, collected duty, weights ------------------------------------------


def test_series(client, real_store):
    response = client.get("/api/series", params={"importer": "CN", "origin": "US"})
    assert response.status_code == 200
    expected = api_series.series("CN", "US", store=real_store)
    _same(response.json(), json.loads(json.dumps(expected, default=str)))
    us = client.get(
        "/api/series",
        params={"importer": "US", "weights": "census-hs2-2017", "step": "month",
                "from": "2019-01-01", "to": "2019-06-30"},
    )  # fmt: skip
    assert us.status_code == 200
    assert [p["date"] for p in us.json()][:2] == ["2019-01-01", "2019-02-01"]


@pytest.mark.parametrize(
    ("params", "loc"),
    [
        ({"from": "2016-01-01"}, ["query", "from"]),
        ({"to": "2030-01-01"}, ["query", "to"]),
        ({"from": "2019-06-01", "to": "2019-01-01"}, ["query", "to"]),
        ({"from": "not a date"}, ["query", "from"]),
        ({"origin": "FR"}, ["query", "origin"]),
        ({"step": "week"}, ["query", "step"]),
        ({"weights": "nope"}, ["query", "weights"]),
        ({"importer": "CN", "weights": "census-hs2-2017"}, ["query", "weights"]),
    ],
)
def test_series_errors(client, params, loc):
    _error(client.get("/api/series", params=params), 422, loc)


def test_coverage_collected_weights(client, real_store):
    cov = client.get("/api/coverage", params={"importer": "CN"})
    assert cov.status_code == 200
    expected = api_series.coverage("CN", store=real_store)
    _same(cov.json(), json.loads(json.dumps(expected, default=str)))
    params = {"from": "2019-01-01", "to": "2019-03-31"}
    collected = client.get("/api/series/collected", params=params)
    assert [r["month"] for r in collected.json()] == ["2019-01-01", "2019-02-01", "2019-03-01"]
    _error(
        client.get("/api/series/collected", params={"from": "2019-03-01", "to": "2019-01-01"}),
        422,
        ["query", "to"],
    )
    weights = client.get("/api/weights").json()
    assert {w["name"] for w in weights} >= {"piie-2017", "census-hs2-2017"}
    _error(client.get("/api/coverage", params={"weights": "nope"}), 422, ["query", "weights"])


@pytest.mark.skipif(not capabilities()["check_engine"], reason="api_check has not landed")
def test_check_engine(client):
    lists = client.get("/api/check-engine/lists")
    assert lists.status_code == 200, lists.text
    assert {x["heading"] for x in lists.json()["lists"]} >= {"9903.88.01", "9903.88.15"}
    _error(client.get("/api/check-engine", params={"year": 2019}), 422, ["query", "year"])
    _error(client.get("/api/check-engine", params={"top": 0}), 422, ["query", "top"])


# --- what has not landed: 501, never data ------------------------------------------------


CAPS = capabilities()
PENDING = [
    *([] if CAPS["timeline"] else [("get", "/api/timeline", None)]),
    *(
        []
        if CAPS["article_check"]
        else [("post", "/api/articles/check", {"text": "China bought $50bn of US farm goods."})]
    ),
]
POLICY = [
    ("get", "/api/commitments", None),
    ("get", "/api/scenarios", None),
    ("post", "/api/scenarios/run", {"scenario": "no-deal-march-2019"}),
]
POLICY_WIRED = capabilities()["commitments"]


ALL_PENDING = [
    ("get", "/api/timeline", None),
    ("post", "/api/articles/check", {"text": "China bought $50bn of US farm goods."}),
    *POLICY,
]


@pytest.fixture(scope="module")
def pending_client():
    """An app with only the fallback router: what the service answers for a capability
    whose module does not import (every capability has landed in the full app)."""
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from tradewar.interfaces.web import pending
    from tradewar.interfaces.web.errors import install_handlers

    app = FastAPI()
    install_handlers(app)
    app.include_router(pending.build_router(policy=False, check=False, timeline=False))
    with TestClient(app) as c:
        yield c


@pytest.mark.parametrize(("method", "path", "body"), ALL_PENDING)
def test_pending_capabilities_say_so(pending_client, method, path, body):
    response = pending_client.request(method.upper(), path, json=body)
    assert _error(response, 501, text="not yet available")["type"] == "NotYetAvailable"


def test_landed_capabilities_are_not_pending(client):
    assert not PENDING  # the full app wires the checker and the timeline
    assert client.get("/api/timeline", params={"from": "2019-05-01"}).status_code == 200


@pytest.mark.skipif(not POLICY_WIRED, reason="tradewar.api.policy has not landed")
def test_commitments(client, real_store):
    from tradewar.api import policy as api_policy

    response = client.get("/api/commitments", params={"through": "2020-06"})
    assert response.status_code == 200, response.text
    expected = api_policy.commitments("phase-one", "us-exports", "2020-06", store=real_store)
    _same(response.json(), json.loads(json.dumps(expected, default=str)))
    pledge = client.get("/api/commitments", params={"agreement": "pledge-2018-12"}).json()
    assert pledge["verifiable"] is False
    agreements = client.get("/api/commitments/agreements").json()
    assert {a["id"] for a in agreements} >= {"phase-one"}
    _error(client.get("/api/commitments", params={"through": "2020-13"}), 422, ["query", "through"])
    _error(client.get("/api/commitments", params={"agreement": "x"}), 422, ["query", "agreement"])
    _error(client.get("/api/commitments", params={"prorate": "x"}), 422, ["query", "prorate"])


@pytest.mark.skipif(not POLICY_WIRED, reason="tradewar.api.policy has not landed")
def test_scenarios(client):
    shipped = client.get("/api/scenarios").json()
    assert "no-deal-march-2019" in {s["name"] for s in shipped}
    assert all(s["file"].startswith("scenarios/") for s in shipped)
    assert "sources" in client.get("/api/scenarios/parameters").json()
    run = client.post("/api/scenarios/run", json={"scenario": "no-deal-march-2019", "top": 3})
    assert run.status_code == 200, run.text
    body = run.json()
    assert body["importer"] == "US" and body["baseline"] and body["scenario"]
    assert body["delta"]["avg_tariff_pp"] > 0 and len(body["impact"]["top_lines"]) == 3
    assert body["file"] == "scenarios/no-deal-march-2019.yaml"
    for bad, loc in (
        ({"scenario": "../../etc/passwd"}, ["body", "scenario"]),
        ({"scenario": "nope"}, ["body", "scenario"]),
        ({}, ["body", "scenario"]),
        ({"scenario": "no-deal-march-2019", "parameters": {"pass_through": -5}},
         ["body", "parameters"]),
        ({"scenario": "no-deal-march-2019", "top": 0}, ["body", "top"]),
    ):  # fmt: skip
        _error(client.post("/api/scenarios/run", json=bad), 422, loc)


DOCUMENTS = Path(__file__).resolve().parents[2] / "shared" / "documents"
AP_STORY = DOCUMENTS / "001_12f69727ac1a6bf2.txt"


@pytest.mark.skipif(not CAPS["article_check"], reason="the article checker has not landed")
@pytest.mark.skipif(not AP_STORY.is_file(), reason="shared example articles not found")
def test_article_check(client, real_store):
    from tradewar.api import news as api_news

    text = AP_STORY.read_text(encoding="utf-8")
    response = client.post("/api/articles/check", json={"text": text, "date": "2019-02-20"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["article"]["date"] == "2019-02-20" and body["article"]["date_basis"] == "option"
    expected = api_news.check_text(text, date="2019-02-20", source="<request>", store=real_store)
    assert [(c["kind"], c["start"], c["verdict"]) for c in body["claims"]] == [
        (c["kind"], c["start"], c["verdict"]) for c in expected["claims"]
    ]
    change = next(c for c in body["claims"] if c["kind"] == "tariff_rate_change")
    assert change["as_of_article"]["verdict"] == "supported"
    assert "2019-05-10" in change["as_turned_out"]["summary"]
    assert all(e["source"] for c in body["claims"] for e in c["evidence"])
    # the same article uploaded as a file
    upload = client.post(
        "/api/articles/check/file",
        params={"date": "2019-02-20"},
        files={"file": ("ap.txt", text.encode(), "text/plain")},
    )
    assert upload.status_code == 200, upload.text
    assert upload.json()["article"]["source"] == "ap.txt"
    assert [c["verdict"] for c in upload.json()["claims"]] == [c["verdict"] for c in body["claims"]]
    _error(client.post("/api/articles/check", json={"text": "x", "date": "2019-13-45"}), 422,
           ["body", "date"])  # fmt: skip
    _error(
        client.post("/api/articles/check/file", files={"file": ("a.txt", b"", "text/plain")}),
        422,
        ["body", "file"],
    )
    garbage = bytes(range(256)) * 8
    _error(
        client.post("/api/articles/check/file", files={"file": ("a.bin", garbage, "x/y")}),
        422,
        ["body", "file"],
    )


@pytest.mark.skipif(not CAPS["timeline"], reason="the timeline has not landed")
def test_timeline(client, real_store):
    from tradewar.api import news as api_news

    response = client.get("/api/timeline", params={"from": "2018-12-01", "to": "2019-06-30"})
    assert response.status_code == 200, response.text
    items = response.json()
    assert items == json.loads(json.dumps(api_news.timeline("2018-12-01", "2019-06-30",
                                                            store=real_store)))  # fmt: skip
    dates = [i["date"] for i in items]
    assert dates and all("2018-12-01" <= d <= "2019-06-30" for d in dates)
    assert "2019-05-10" in dates  # the List 3 increase, from the schedule
    _error(client.get("/api/timeline", params={"from": "2019-02-01", "to": "2019-01-01"}), 422,
           ["query", "to"])  # fmt: skip
    _error(client.get("/api/timeline", params={"from": "x"}), 422, ["query", "from"])


def test_pending_inputs_are_still_validated(client):
    _error(client.post("/api/articles/check", json={"text": ""}), 422, ["body", "text"])
    _error(client.post("/api/articles/check", json={"txt": "x"}), 422, ["body", "text"])
    _error(client.post("/api/articles/check", content=b"{not json"), 422)


# --- the service --------------------------------------------------------------------------


def test_openapi_dashboard_and_info(client):
    schema = client.get("/api/openapi.json").json()
    assert client.get("/openapi.json").json() == schema
    paths = {"/api/duty", "/api/duty/bulk", "/api/schedule", "/api/lists", "/api/series",
             "/api/coverage", "/api/commitments", "/api/articles/check"}  # fmt: skip
    assert paths <= set(schema["paths"])
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert client.head("/").status_code == 200
    for asset in ("/", "/static/app.js", "/static/app.css"):
        text = client.get(asset).text
        external = [u for u in ("https://", "http://", "//cdn") if u in text.replace(
            "http://www.w3.org/2000/svg", "")]  # fmt: skip
        assert not external, (asset, external)
    info = client.get("/api/info").json()
    assert info["store"]["built_at"] and {c["importer"] for c in info["coverage"]} == {"US", "CN"}
    assert info["capabilities"]["duty"]
    assert info["capabilities"]["article_check"] == CAPS["article_check"]
    assert client.get("/docs").status_code == 404  # FastAPI's docs page would load a CDN


def test_unknown_routes_and_methods_are_json(client):
    _error(client.get("/api/nothing"), 404)
    _error(client.post("/api/duty"), 405)
    _error(client.get("/static/../pyproject.toml"), 404)


def test_time_limit(real_store):
    from fastapi.testclient import TestClient

    app = create_app(real_store, Limits(time_s=1e-6))
    with TestClient(app) as c:
        body = _error(c.get("/api/lists"), 503, text="time limit")
        assert body["type"] == "TimeLimitError"
        _error(c.get("/api/duty", params=DUTY), 503, text="time limit")
    with app.state.service.file_lock.exclusive():
        pass  # the abandoned worker has let go of the store


def test_startup_fails_fast_without_a_store(tmp_path):
    with pytest.raises(StoreError, match="no store"):
        create_app(tmp_path / "tradewar.duckdb")
    env = {**os.environ, "TRADEWAR_HOME": str(tmp_path)}
    proc = subprocess.run(
        [str(BIN), "serve", "--port", str(_free_port())], capture_output=True, text=True,
        env=env, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        f"error: no store at {tmp_path / 'tradewar.duckdb'}: run 'tradewar data build' first"
    ]


def test_serve_listens_on_loopback(real_store):
    """The acceptance interface: `tradewar serve --port P` on 127.0.0.1:P."""
    port = _free_port()
    env = {**os.environ, "TRADEWAR_HOME": str(real_store.parent)}
    proc = subprocess.Popen(
        [str(BIN), "serve", "--port", str(port), "--no-access-log"], env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{base}/api/health", timeout=2) as r:
                    assert json.load(r) == {"status": "ok"}
                break
            except OSError:
                assert proc.poll() is None, proc.communicate()
                assert time.monotonic() < deadline, "the service did not start"
                time.sleep(0.2)
        query = "code=9403608081&importer=US&origin=CN&entered=2019-06-20"
        with urllib.request.urlopen(f"{base}/api/duty?{query}", timeout=10) as r:
            assert json.load(r)["total_rate"] == 0.25
        with urllib.request.urlopen(f"{base}/", timeout=10) as r:
            assert b"tradewar" in r.read()
        with urllib.request.urlopen(f"{base}/openapi.json", timeout=10) as r:
            assert "/api/duty" in json.load(r)["paths"]
    finally:
        proc.terminate()
        proc.communicate(timeout=20)


def test_port_in_use_is_one_line(real_store):
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]
        env = {**os.environ, "TRADEWAR_HOME": str(real_store.parent)}
        proc = subprocess.run(
            [str(BIN), "serve", "--port", str(port)], capture_output=True, text=True, env=env,
            timeout=60,
        )  # fmt: skip
    assert proc.returncode == 2
    assert proc.stderr.startswith(f"error: cannot listen on 127.0.0.1:{port}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
