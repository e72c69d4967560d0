"""Fixtures for the service tests: every test runs against every adapter.

``adapter`` is parametrized over ``tests.services.adapters.ADAPTERS``;
``adapter.make_service(region, clock)`` is an async context manager that
yields a ``LibraryService``. ``service`` is the test region (``fixtures.py``)
served by the adapter with the test's ``clock``. A test that needs a changed
region changes the ``region`` fixture's value before asking for ``service``,
or builds its own with ``adapter.make_service``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from services.clock import FakeClock
from services.protocol import LibraryService
from services.region import RegionData
from tests.services.adapters import ADAPTERS, MakeService
from tests.services.fixtures import build_region, new_clock


@dataclass(frozen=True)
class Adapter:
    name: str
    make_service: MakeService


@pytest.fixture(params=sorted(ADAPTERS))
def adapter(request: pytest.FixtureRequest) -> Adapter:
    """One adapter by name."""
    return Adapter(request.param, ADAPTERS[request.param])


@pytest.fixture
def clock() -> FakeClock:
    """Monday 16.11.2026 10:00 in Riga, until a test moves it."""
    return new_clock()


@pytest.fixture
def region() -> RegionData:
    return build_region()


@pytest.fixture
async def service(
    adapter: Adapter, region: RegionData, clock: FakeClock
) -> AsyncIterator[LibraryService]:
    """The test region served by the adapter, with the test's clock."""
    async with adapter.make_service(region, clock) as svc:
        yield svc
