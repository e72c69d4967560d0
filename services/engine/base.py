"""The engine's core: one transaction per call, on a worker thread.

Every public method of the engine runs its work as a function of a ``Tx``
(``services.engine.tx``) through ``_call``: a transaction on the database
(``BEGIN IMMEDIATE`` on SQLite; ``SERIALIZABLE`` on PostgreSQL, where a
serialization failure is retried from the start, so that any number of
servers can share one database and every rule holds across them). The
first call of each day first catches up with what time did (holds past
their date expired, R7; due dates reminded of, R13), in a transaction of
its own: both go by the date alone. One call does it; the others of that
moment wait for it (a server's maintenance round is such a catch-up too).
A refusal (``ManaError``) raised by the work still commits what the call
changed before it (a wrong recovery code counts); any other failure commits
nothing, and a database that cannot be reached answers ``ServiceUnavailable``.
What a caller must write in the same transaction as a call's effect (the
server's idempotency record) it hands over in ``ALONGSIDE`` (``Alongside``).

The database is the truth: nothing of the region lives in the process. With
no database given, the engine makes its own in memory (SQLite) and fills it
with the region given, or the demo region, on first use: the kiosk's
zero-set-up demo is the same engine on an in-memory database.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import secrets
import threading
import time
from collections.abc import Callable
from contextvars import ContextVar
from datetime import date
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import sqlalchemy as sa

from services.clock import Clock, SystemClock
from services.engine.tx import Tx
from services.errors import Forbidden, ManaError, NotAuthenticated, ServiceUnavailable
from services.models import Patron, Session
from services.region import RegionData
from services.storage import schema as s

if TYPE_CHECKING:
    from argon2 import PasswordHasher

    from services.storage import Database

log = logging.getLogger("mana.service")

T = TypeVar("T")

RETRIES = 40
"""Tries of a call whose transaction lost a race with another (PostgreSQL)."""

RETRY_CODES = {"40001", "40P01"}
"""serialization_failure, deadlock_detected."""


class Alongside(Protocol):
    """A caller's writes that commit, or roll back, with one engine call (the
    server's idempotency record, ``services.server.idempotency``)."""

    def begin(self, db: sa.Connection) -> None:
        """At the start of each try, before the work; an exception ends the
        call there, with nothing written."""

    def commit(self, db: sa.Connection, result: Any, refusal: ManaError | None) -> None:
        """After the work (its result, or the refusal it raised), before the commit."""


ALONGSIDE: ContextVar[Alongside | None] = ContextVar("mana_alongside", default=None)
"""Set by a caller around one engine call: the call's transaction carries it
(not the day's catch-up before it)."""


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


class SqlBase:
    """State and helpers shared by the parts of ``SqlService``."""

    def __init__(
        self,
        region: RegionData | None = None,
        clock: Clock | None = None,
        sender: str = "noreply@kis.gov.lv",
        *,
        database: Database | None = None,
        hasher: PasswordHasher | None = None,
    ) -> None:
        """``database``: the server's (opened and migrated); without one, an
        in-memory database filled with ``region`` (the demo region if None)
        on first use. ``hasher``: for password hashes (cheap parameters by
        default: the in-memory demo)."""
        self._region = region
        self._clock: Clock = clock or SystemClock()
        self._sender = sender
        self._database = database
        self._given_hasher = hasher
        self._opening = asyncio.Lock()
        self._memory_lock = threading.Lock()
        """The in-memory database has one connection: one call at a time."""
        self._caught_up: date | None = None
        """The day the due-date reminders were last looked for by this process."""
        self._catching_up = threading.Lock()
        """Held by the day's catch-up (and by ``catch_up=False`` work, which
        is one): the first calls of a day, and a server's first maintenance
        round beside them, do it once, and the others wait for it."""
        self._reset_requests: dict[bytes, list[Any]] = {}
        """Recent recovery requests by ``auth.reset_key``, per process."""

    @property
    def _hasher(self) -> PasswordHasher:
        if self._given_hasher is None:
            from services.engine.hashing import CHEAP_HASHER

            self._given_hasher = CHEAP_HASHER
        return self._given_hasher

    @property
    def database(self) -> Database | None:
        return self._database

    async def _opened(self) -> Database:
        if self._database is None:
            async with self._opening:
                if self._database is None:
                    self._database = await asyncio.to_thread(self._open_memory)
        return self._database

    def _open_memory(self) -> Database:
        from services.storage.database import Database, create_engine, create_in_memory
        from services.storage.region import fill_region

        region = self._region
        if region is None:
            from services.demo import build_region

            region = build_region(self._clock.now().date())
        engine = create_engine(":memory:")
        create_in_memory(engine)
        database = Database(":memory:", engine, created=True)
        fill_region(database, region, self._hasher, source="memory")
        self._region = None
        return database

    async def _call(self, work: Callable[..., T], *args: Any, catch_up: bool = True,
                    answers: bool = True, reads: bool = False) -> T:
        """``work(tx, *args)`` in one transaction, on a worker thread; first,
        once a day, the catch-up (unless the work is that: ``catch_up``). The
        caller's ``ALONGSIDE`` goes with the transaction; ``answers=False``: an
        earlier transaction of a method that makes more than one, which gives
        the method's answer (and carries ``ALONGSIDE``) only when it refuses.
        ``reads``: the work only reads the catalogue, which on PostgreSQL it
        does on one snapshot (REPEATABLE READ, READ ONLY) rather than
        SERIALIZABLE: a search reads thousands of index entries, and
        SERIALIZABLE would lock each against writers (until, with fifty
        terminals searching, PostgreSQL runs out of room for such locks)."""
        database = await self._opened()
        alongside = ALONGSIDE.get()
        return await asyncio.to_thread(self._run, database, work, args, catch_up,
                                       alongside, answers, reads)

    def _run(self, database: Database, work: Callable[..., T], args: tuple[Any, ...],
             catch_up: bool, alongside: Alongside | None = None, answers: bool = True,
             reads: bool = False) -> T:
        today = self._clock.now().date()
        if not catch_up:
            with self._catching_up:
                result = self._transaction(database, work, args, alongside, answers)
                self._caught_up = today
            return result
        if self._caught_up != today:
            with self._catching_up:
                if self._caught_up != today:  # not done meanwhile by the call waited for
                    self._transaction(database, _catch_up, ())
                    self._caught_up = today
        return self._transaction(database, work, args, alongside, answers, reads)

    def _transaction(
        self, database: Database, work: Callable[..., T], args: tuple[Any, ...],
        alongside: Alongside | None = None, answers: bool = True, reads: bool = False,
    ) -> T:
        """``work(tx, *args)`` in one transaction, tried again from the start
        when it lost a race with another (a serialization failure), with
        ``alongside``'s writes (see ``_call``) in the same transaction."""
        memory = database.target == ":memory:"
        engine: sa.Engine = database.engine
        if reads and database.dialect == "postgresql":
            engine = engine.execution_options(isolation_level="REPEATABLE READ",
                                              postgresql_readonly=True)
        for attempt in range(RETRIES):
            refusal: ManaError | None = None
            result: Any = None
            try:
                with self._memory_lock if memory else contextlib.nullcontext(), \
                        engine.begin() as db:
                    if alongside is not None:
                        alongside.begin(db)
                    tx = Tx(db, self._clock.now(), self._sender)
                    try:
                        result = work(tx, *args)
                    except ManaError as error:
                        refusal = error  # what the call did before it is kept
                    if alongside is not None and (answers or refusal is not None):
                        alongside.commit(db, result, refusal)
            except sa.exc.DBAPIError as error:
                code = getattr(error.orig, "sqlstate", None)
                if code in RETRY_CODES and attempt + 1 < RETRIES:
                    pause = min(0.25, 0.002 * 2**attempt)
                    time.sleep(pause * (0.5 + secrets.randbelow(100) / 100))
                    continue
                reason = str(error.orig or error).strip()
                log.error("a call could not be completed on the database: %s",
                          reason.splitlines()[0] if reason else type(error).__name__)
                raise ServiceUnavailable() from error
            if refusal is not None:
                raise refusal
            return result
        raise ServiceUnavailable()

    async def ready(self) -> bool:
        """Whether the engine can serve now (the server's /health): the
        database answers a query."""
        try:
            database = await self._opened()
            await asyncio.to_thread(self._probe, database)
        except Exception as error:  # noqa: BLE001 - whatever it is: not ready
            log.warning("the database does not answer: %s", error)
            return False
        return True

    def _probe(self, database: Database) -> None:
        """One query that reads a row of every table a call may need (on the
        in-memory database's one connection, between two calls' transactions:
        a server's maintenance round may be running)."""
        probes = [sa.select(sa.literal(1)).select_from(table).limit(1).scalar_subquery()
                  for table in s.metadata.sorted_tables]
        memory = database.target == ":memory:"
        with self._memory_lock if memory else contextlib.nullcontext(), \
                database.engine.connect() as db:
            db.execute(sa.select(*probes)).all()

    # ----------------------------------------------------------------- sessions

    @staticmethod
    def _patron(tx: Tx, session: Session) -> Patron:
        patron_id = tx.scalar(sa.select(s.sessions.c.patron_id)
                              .where(s.sessions.c.token_hash == token_hash(session.token)))
        if patron_id is None:
            raise NotAuthenticated()
        try:
            return tx.patron(patron_id)
        except KeyError:
            raise NotAuthenticated() from None

    def _staff(self, tx: Tx, session: Session) -> tuple[Patron, str]:
        """The staff member and their library; ``Forbidden`` for a patron."""
        patron = self._patron(tx, session)
        if patron.staff_library is None:
            raise Forbidden()
        return patron, patron.staff_library

    @staticmethod
    def _own_library(library_id: str, staff_library: str) -> None:
        if library_id != staff_library:
            raise Forbidden()


def _catch_up(tx: Tx) -> None:
    tx.expire(tx.today, tx.now)
    tx.remind(tx.today, tx.now)
