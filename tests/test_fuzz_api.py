"""Fuzz the HTTP API with schemathesis, in process (ASGI), from its own OpenAPI schema.

Valid and invalid inputs for every operation: the service must never answer a server
error, and its status codes, content types and error bodies must match the schema.
Bounded: a fixed number of examples per operation, no shrinking database, and a wall
clock budget for the whole run. The endpoints of capabilities that have not landed
answer 501 by design, and a scenario run takes seconds: both are tested in
test_api_http.py instead.
"""

from __future__ import annotations

import time

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
EXAMPLES = 20  # per operation and generation mode
BUDGET_S = 40.0  # for the whole run; operations past it are skipped, with the reason
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
    case.call_and_validate(checks=CHECKS)
