"""Fuzz the HTTP API with schemathesis, in process (ASGI), from its own OpenAPI schema.

Valid and invalid inputs for every operation: the service must never answer a server
error, and its status codes, content types and error bodies must match the schema.
Bounded: a fixed number of examples per operation, no shrinking database, and a wall
clock budget for the whole run. The endpoints of capabilities that have not landed
answer 501 by design, and a scenario run takes seconds: both are tested in
test_api_http.py instead.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tradewar.interfaces.web import create_app
from tradewar.interfaces.web.pending import TAG

pytestmark = pytest.mark.realdata
# per operation and generation mode; a full run (docs/reliability.md) raises both:
# TRADEWAR_FUZZ_API_EXAMPLES=2000 TRADEWAR_FUZZ_API_BUDGET=300 pytest -q -k fuzz_api
EXAMPLES = int(os.environ.get("TRADEWAR_FUZZ_API_EXAMPLES", "20"))
BUDGET_S = float(os.environ.get("TRADEWAR_FUZZ_API_BUDGET", "40"))
READ_TIMEOUT_S = 90  # past the service's own time limit (60 s by default)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
_started: list[float] = []


@pytest.fixture(scope="module")
def web_schema(real_store):
    app = create_app(real_store)
    return schemathesis.openapi.from_asgi("/api/openapi.json", app)


# scenario runs and article checks (a language model over up to 50,000 characters) take
# seconds each: tested in test_api_http.py, not fuzzed
schema = (
    schemathesis.pytest.from_fixture("web_schema")
    .exclude(tag=TAG)
    .exclude(path="/api/scenarios/run")
    .exclude(path="/api/articles/check")
    .exclude(path="/api/articles/check/file")
)


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_api_fuzz(case):
    if not _started:
        _started.append(time.monotonic())
    if time.monotonic() - _started[0] > BUDGET_S:
        pytest.skip(f"fuzz budget of {BUDGET_S:g} s spent")
    _count(case.operation.label)
    # a generous read timeout: a slow answer on a loaded machine is not a wrong one
    # (schemathesis' default is 10 s)
    case.call_and_validate(checks=CHECKS, timeout=READ_TIMEOUT_S)


def _count(label: str) -> None:
    """Count cases per operation into ``TRADEWAR_FUZZ_REPORT_API`` (a full run's figures)."""
    report = os.environ.get("TRADEWAR_FUZZ_REPORT_API")
    if not report:
        return
    path = Path(report)
    counts = json.loads(path.read_text()) if path.exists() else {}
    counts[label] = counts.get(label, 0) + 1
    counts["_total"] = counts.get("_total", 0) + 1
    counts["_seconds"] = round(time.monotonic() - _started[0], 1)
    path.write_text(json.dumps(counts, indent=1))
