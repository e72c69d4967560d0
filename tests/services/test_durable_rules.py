"""The circulation and account rules once more, on the server's journaled
engine with its state loaded again from the SQLite file before every call."""

from __future__ import annotations

import pytest

from tests.services.conftest import Adapter
from tests.services.durable_support import reloading
from tests.services.test_rules import *  # noqa: F403 - the same tests, collected here
from tests.services.test_rules_account import *  # noqa: F403


@pytest.fixture
def adapter() -> Adapter:
    """Overrides the conftest's adapters for the tests of this module."""
    return Adapter("durable", reloading)
