"""The in-memory adapter's core: the lock, lazy loading, the clock and sessions."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime

from services.clock import Clock, SystemClock
from services.errors import Forbidden, NotAuthenticated
from services.models import Patron, Session
from services.region import RegionData
from services.store import Store


class MemoryBase:
    """State and helpers shared by the parts of ``MemoryService``.

    Every public method runs inside ``_begin()``: it takes the one lock, loads
    the region on first use and expires overdue holds (R7) before doing
    anything else, so concurrent calls see and leave a consistent state.
    """

    def __init__(
        self,
        region: RegionData | None = None,
        clock: Clock | None = None,
        sender: str = "noreply@kis.gov.lv",
    ) -> None:
        self._region = region
        self._clock: Clock = clock or SystemClock()
        self._sender = sender
        self._store: Store | None = None
        self._lock = asyncio.Lock()
        self._sessions: dict[str, int] = {}
        self._reset_requests: dict[str, list[datetime]] = {}

    async def _loaded(self) -> Store:
        if self._store is None:
            region = self._region
            if region is None:
                from services.demo import build_region

                region = await asyncio.to_thread(build_region, self._clock.now().date())
            self._store = await asyncio.to_thread(Store, region, self._sender)
            self._region = None
        return self._store

    @asynccontextmanager
    async def _begin(self) -> AsyncIterator[tuple[Store, datetime]]:
        """The lock, the loaded store and this call's moment (holds expired)."""
        async with self._lock:
            store = await self._loaded()
            now = self._clock.now()
            store.expire(now.date(), now)
            yield store, now

    def _patron(self, store: Store, session: Session) -> Patron:
        patron_id = self._sessions.get(session.token)
        if patron_id is None or patron_id not in store.accounts:
            raise NotAuthenticated()
        return store.patron(patron_id)

    def _staff(self, store: Store, session: Session) -> tuple[Patron, str]:
        """The staff member and their library; ``Forbidden`` for a patron."""
        patron = self._patron(store, session)
        if patron.staff_library is None:
            raise Forbidden()
        return patron, patron.staff_library

    @staticmethod
    def _own_library(library_id: str, staff_library: str) -> None:
        if library_id != staff_library:
            raise Forbidden()
