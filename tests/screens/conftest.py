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
