"""Shared fixtures for the UI tests: the real app on the in-memory demo region,
with the clock fixed so dates on screen are stable (snapshots included)."""

from __future__ import annotations

from datetime import datetime

import pytest

from services.clock import RIGA, FakeClock

FIXED_NOW = datetime(2026, 11, 16, 10, 0, tzinfo=RIGA)  # a Monday


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(FIXED_NOW)


@pytest.fixture
def service(clock: FakeClock):
    from services.memory import MemoryService

    return MemoryService(clock=clock)


@pytest.fixture
def make_app(service):
    """Build the real ``KioskApp`` on the demo region: ``make_app(language="en")``."""
    from tui.app import KioskApp
    from tui.config import KioskConfig

    def build(language: str = "lv", **kiosk: object) -> KioskApp:
        config = KioskConfig.model_validate({"kiosk": {"language": language, **kiosk}})
        return KioskApp(service=service, config=config)

    return build


@pytest.fixture
async def remote_service(clock: FakeClock):
    """The remote adapter in front of the real server (uvicorn on a free
    loopback port, in this process) serving the same demo region with the
    same fixed clock. Not the default: ``service`` stays the in-memory adapter
    (the snapshots are taken on it); a module that overrides ``service`` with
    this one runs its journeys over HTTP (tests/screens/test_remote_journeys.py)."""
    from services.demo import build_region
    from tests.services.server_harness import remote_service as start

    remote, stop = start(build_region(clock.now().date()), clock)
    try:
        yield remote
    finally:
        await stop()
