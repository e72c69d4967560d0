"""schemathesis against the running server's own OpenAPI description.

For every operation of ``/api/v1/openapi.json`` (fetched from the live
server), generated requests — fitting the schema and deliberately not — are
sent in turn without a token, with a patron's and with a librarian's. The
server never answers 500, answers only with statuses it documents, with the
documented content type, and its bodies match the schema.

(schemathesis' ``from_fixture`` pytest integration does not run on pytest 9.2,
so each operation is a plain pytest case driving ``operation.as_strategy()``
with hypothesis.)
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from services.server.app import create_app
from services.server.settings import ServerSettings
from tests.services.fixtures import build_region, new_clock, password
from tests.services.server_harness import Server, memory_engine, running_server

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
EXAMPLES = 50
"""Per operation and generation mode; 33 operations × 2 modes in well under a minute."""

SETTINGS = ServerSettings(database=":memory:")
"""The defaults: the outbox stays closed (403), logins are throttled (429)."""


def operation_labels() -> list[str]:
    """``METHOD /path`` of every operation, read from the same description
    the server serves (building an app is cheap; no server needed to collect)."""
    spec = create_app(object(), ServerSettings(database=":memory:")).openapi()  # type: ignore[arg-type]
    return [f"{method.upper()} {path}" for path, item in spec["paths"].items() for method in item]


@pytest.fixture(scope="module")
def live() -> Iterator[Server]:
    with running_server(memory_engine(build_region(), new_clock()), SETTINGS) as server:
        yield server


@pytest.fixture(scope="module")
def api_schema(live: Server) -> schemathesis.schemas.BaseSchema:
    return schemathesis.openapi.from_url(f"{live.url}/api/v1/openapi.json")


@pytest.fixture(scope="module")
def who(live: Server) -> Iterator[dict[str, str]]:
    """Authorization headers in turn: none, a patron's, a librarian's."""

    def bearer(username: str) -> dict[str, str]:
        answer = httpx.post(
            f"{live.url}/api/v1/login",
            json={"identifier": username, "password": password(username)},
        )
        answer.raise_for_status()
        return {"Authorization": f"Bearer {answer.json()['token']}"}

    return itertools.cycle([{}, bearer("cilda"), bearer("aiz.darbs")])


@pytest.mark.parametrize("label", operation_labels())
def test_the_api_keeps_its_description(
    label: str, api_schema: schemathesis.schemas.BaseSchema, who: Iterator[dict[str, str]]
) -> None:
    operation = api_schema.find_operation_by_label(label)
    assert operation is not None, f"{label} is not in the served description"
    cases = st.one_of(
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE),
    )

    @given(case=cases)
    @settings(
        max_examples=2 * EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(case: schemathesis.Case) -> None:
        headers = next(who)
        if case.path.endswith("/logout"):
            headers = {"Authorization": "Bearer not-a-token"}  # keep the shared tokens alive
        case.call_and_validate(headers=headers, checks=CHECKS)

    check()
