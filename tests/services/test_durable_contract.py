"""The contract suite and the reservation life cycle once more, on the server's
journaled engine with its state loaded again from the SQLite file before
every call: whatever the contract can observe survives a restart.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, settings

from tests.services.conftest import Adapter
from tests.services.durable_support import reloading
from tests.services.test_contract import *  # noqa: F403 - the same tests, collected here
from tests.services.test_lifecycle_stateful import lifecycle_machine


@pytest.fixture
def adapter() -> Adapter:
    """Overrides the conftest's adapters for the tests of this module."""
    return Adapter("durable", reloading)


_machine = lifecycle_machine(reloading)
_machine.TestCase.settings = settings(
    max_examples=10,  # a reload per call costs; the memory adapter runs 30
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestLifecycle_durable = _machine.TestCase
