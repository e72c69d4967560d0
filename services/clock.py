"""Time, injected: the rules ask a clock, so tests can move it."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

RIGA = ZoneInfo("Europe/Riga")


class Clock(Protocol):
    def now(self) -> datetime:
        """The current moment, timezone-aware, in the region's time zone."""
        ...


class SystemClock:
    """The real time in Riga."""

    def now(self) -> datetime:
        return datetime.now(RIGA)


class FakeClock:
    """A clock that stands still until a test moves it."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 11, 16, 10, 0, tzinfo=RIGA)
        if self._now.tzinfo is None:
            self._now = self._now.replace(tzinfo=RIGA)

    def now(self) -> datetime:
        return self._now

    def advance(self, **delta: float) -> datetime:
        """Move forward by ``timedelta(**delta)``; returns the new now."""
        self._now += timedelta(**delta)
        return self._now

    def set(self, moment: datetime) -> None:
        self._now = moment if moment.tzinfo else moment.replace(tzinfo=RIGA)


def today(clock: Clock) -> date:
    return clock.now().date()
