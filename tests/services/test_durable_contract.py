"""The contract suite and the reservation life cycle once more, on the engine
over a database file and over PostgreSQL, and through a real server on each
(its tokens, idempotency records and answers over HTTP): whatever the
contract can observe is what the database holds.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, settings

from tests.services.conftest import Adapter
from tests.services.durable_support import DURABLE, on_file, on_postgres
from tests.services.test_contract import *  # noqa: F403 - the same tests, collected here
from tests.services.test_lifecycle_stateful import lifecycle_machine


@pytest.fixture(params=sorted(DURABLE))
def adapter(request: pytest.FixtureRequest) -> Adapter:
    """Overrides the conftest's adapters for the tests of this module."""
    return Adapter(request.param, DURABLE[request.param])


def _lifecycle(make):  # type: ignore[no-untyped-def]
    machine = lifecycle_machine(make)
    machine.TestCase.settings = settings(
        max_examples=10,  # a database per example costs; the memory adapter runs 30
        stateful_step_count=30,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    return machine.TestCase


TestLifecycle_sqlite_file = _lifecycle(on_file)
TestLifecycle_postgresql = _lifecycle(on_postgres)
