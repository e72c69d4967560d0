"""The circulation and account rules once more, on the engine over a
database file and over PostgreSQL, and through a real server on each."""

from __future__ import annotations

import pytest

from tests.services.conftest import Adapter
from tests.services.durable_support import DURABLE
from tests.services.test_rules import *  # noqa: F403 - the same tests, collected here
from tests.services.test_rules_account import *  # noqa: F403


@pytest.fixture(params=sorted(DURABLE))
def adapter(request: pytest.FixtureRequest) -> Adapter:
    """Overrides the conftest's adapters for the tests of this module."""
    return Adapter(request.param, DURABLE[request.param])
