"""The in-memory adapter's core: the lock, lazy loading, the clock and sessions.

With a ``journal`` (the server's SQLite file, ``services.storage``) every call
ends by handing what it changed to the journal, under the same lock and
before the call returns: an answer is only given for a change that is kept.
A write that fails fails that call alone (``ServiceUnavailable``): the store
is read back from the journal as its last commit left it, and the next call
works on that. Only while that cannot be read does every call answer 503
(each one tries again), and ``ready()`` says so.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from services.changes import Changes, take_changes
from services.clock import Clock, SystemClock
from services.errors import Forbidden, NotAuthenticated, ServiceUnavailable
from services.models import Patron, Session
from services.region import RegionData
from services.store import Store

if TYPE_CHECKING:
    from argon2 import PasswordHasher

log = logging.getLogger("mana.service")

RESTORE_PAUSE = 2.0
"""Seconds between two tries to read the store back while that fails."""


class Journal(Protocol):
    """Where the changes of each call are kept (all of them, or an exception)."""

    def write(self, changes: Changes) -> None: ...

    def restore(self, sender: str) -> Store:
        """The store as the last commit left it; raises when it cannot be read."""
        ...

    def check(self) -> None:
        """Raises when a write cannot be kept now (a probe, cheap)."""
        ...


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
        *,
        store: Store | None = None,
        journal: Journal | None = None,
        hasher: PasswordHasher | None = None,
    ) -> None:
        """``store``: a region already loaded (the server's, from its database);
        ``journal``: keeps each call's changes; ``hasher``: for new password
        hashes (cheap parameters by default: the in-memory demo)."""
        self._region = region
        self._clock: Clock = clock or SystemClock()
        self._sender = sender
        self._store: Store | None = store
        self._journal = journal
        self._given_hasher = hasher
        self._broken = False
        """A write failed and the store could not be read back yet."""
        self._write_failed = False
        """The last write failed (the store was read back): ``ready`` probes."""
        self._restore_after = 0.0
        self._lock = asyncio.Lock()
        self._sessions: dict[str, int] = {}
        self._reset_requests: dict[bytes, list[datetime]] = {}
        """Recent recovery requests by ``auth.reset_key`` (a 16-byte hash of
        the identifier): forgotten as they expire, capped in number."""

    @property
    def _hasher(self) -> PasswordHasher:
        """The hasher given, else the cheap one; argon2 is imported at the first
        login, not when the kiosk starts."""
        if self._given_hasher is None:
            from services.memory.hashing import CHEAP_HASHER

            self._given_hasher = CHEAP_HASHER
        return self._given_hasher

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
    async def _locked(self) -> AsyncIterator[Store]:
        """The lock and the loaded store; what the call changed is journaled at
        the end, also when it raised (the memory keeps such changes too: a
        failed login counts)."""
        async with self._lock:
            if self._broken:
                await self._restore()
            store = await self._loaded()
            try:
                yield store
            finally:
                await self._keep(store)

    async def _keep(self, store: Store) -> None:
        changes = take_changes(store)
        if not changes or self._journal is None:
            return
        try:
            self._journal.write(changes)
        except Exception as error:
            # Memory is now ahead of the file: this call fails, and the store
            # goes back to what the file holds (the last commit).
            log.exception("the changes of a call could not be saved; that call fails "
                          "and the state of the last commit is read back")
            self._broken = self._write_failed = True
            with contextlib.suppress(ServiceUnavailable):
                await self._restore(now=True)
            raise ServiceUnavailable() from error
        self._write_failed = False

    async def _restore(self, *, now: bool = False) -> None:
        """The store read back from the journal; ``ServiceUnavailable`` (and
        still broken) when it cannot be. Under the lock. After a failed try
        the calls of the next ``RESTORE_PAUSE`` seconds answer 503 at once
        (a region can take seconds to read), unless ``now``: a new failure,
        or ``ready``."""
        assert self._journal is not None
        if not now and time.monotonic() < self._restore_after:
            raise ServiceUnavailable()
        sender = self._store.sender if self._store is not None else self._sender
        try:
            self._store = await asyncio.to_thread(self._journal.restore, sender)
        except Exception as error:
            self._restore_after = time.monotonic() + RESTORE_PAUSE
            log.error("the state of the last commit cannot be read back (%s); "
                      "every call answers 503 until it can", error)
            raise ServiceUnavailable() from error
        self._broken = False
        log.warning("the state of the last commit was read back; the service answers again")

    async def ready(self) -> bool:
        """Whether the engine can serve now (the server's /health). Costs
        nothing while all is well; after a failed write it reads the store back
        or probes the journal, so that it tells the state of now."""
        if not (self._broken or self._write_failed):
            return True
        async with self._lock:
            if self._broken:
                try:
                    await self._restore(now=True)
                except ServiceUnavailable:
                    return False
            if self._write_failed and self._journal is not None:
                try:
                    await asyncio.to_thread(self._journal.check)
                except Exception as error:  # noqa: BLE001 - whatever it is: not ready
                    log.warning("the database does not take a write yet: %s", error)
                    return False
                self._write_failed = False
            return True

    @asynccontextmanager
    async def _begin(self) -> AsyncIterator[tuple[Store, datetime]]:
        """The lock, the loaded store and this call's moment, after what time
        did since the last call: holds expired (R7), due dates reminded of (R13)."""
        async with self._locked() as store:
            now = self._clock.now()
            store.expire(now.date(), now)
            store.remind(now.date(), now)
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
