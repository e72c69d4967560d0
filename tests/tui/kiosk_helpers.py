"""Shared by the kiosk-profile tests: the real app on a ``MemoryService``
with the clock fixed, in any profile, and waiting for the app's state."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime

from textual.pilot import Pilot

from services.clock import RIGA, FakeClock
from services.memory import MemoryService
from services.region import RegionData
from tui.app import KioskApp
from tui.config import KioskConfig

FIXED_NOW = datetime(2026, 11, 16, 10, 0, tzinfo=RIGA)  # a Monday


def make_service(region: RegionData | None = None) -> MemoryService:
    return MemoryService(region=region, clock=FakeClock(FIXED_NOW))


def make_app(
    service: MemoryService | None = None, *, profile: str = "kiosk", **kiosk: object
) -> KioskApp:
    """The real ``KioskApp`` in ``profile`` with ``[kiosk]`` settings ``kiosk``."""
    config = KioskConfig.model_validate({"kiosk": {"profile": profile, **kiosk}})
    return KioskApp(service=service or make_service(), config=config)


async def wait_until(pilot: Pilot, check: Callable[[], object], what: str,
                     timeout: float = 10.0) -> None:
    """Let the app run until ``check()`` is true; fail with ``what`` after ``timeout``."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not check():
        if loop.time() > end:
            raise AssertionError(f"not {what} after {timeout}s")
        await pilot.pause(0.05)
