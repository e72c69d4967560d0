"""``Idempotency-Key``: the first answer to a write, remembered and replayed.

A record is keyed by (principal, key), where the principal is the caller:
``patron:<id>`` for a live bearer token (the patron, not the token: the same
key after a new login is the same write), ``address:<client>`` for a write
that takes no token (the list e-mail, the password codes). It keeps a keyed
hash of the request (method, path, query and body), the status and the body
of the first answer. A retry with the same key and the same request gets
that answer again and the engine is not called; the same key with another
request is refused. Each principal keeps at most ``per_principal`` records
(the oldest go first), so no caller, least of all an anonymous one, can fill
the table.

The records live in the ``idempotency`` table of the server's database
(``services.storage.schema``: SQLite or PostgreSQL). When the engine's
database is that one (``mana serve``), a write's record is committed in the
same transaction as its effect (``Pending``, the engine's ``Alongside``):
the transaction first looks for the record and, when another server has
answered the key meanwhile, ends with nothing done and that answer is
replayed (``Replayed``); else it does the work and inserts the record before
it commits. Two requests with one key, on two servers at once, are then one
effect (on PostgreSQL the second's transaction loses the race, is tried
again and finds the record; SQLite's writers take turns), and a server that
dies between effect and record cannot be: both are committed or neither.
Within one server, requests with one key also wait for each other (an
asyncio lock per key). An engine on a database of its own (the in-memory
demo engine, whose records are kept in ":memory:", another SQLite database)
cannot share its transaction: there the answer is recorded after it was
sent, in a transaction of its own, as the only way there is.

The store's own calls are short and blocking: the server makes them on a
worker thread (``asyncio.to_thread``), never on the event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from fastapi import Response
from pydantic import TypeAdapter
from sqlalchemy.dialects import postgresql, sqlite

from services.engine.base import ALONGSIDE
from services.errors import ManaError
from services.server.handlers import refusal_response
from services.storage import schema
from services.storage.database import MEMORY, create_engine, migrate

RECORDS = schema.idempotency
META = schema.server_meta

NOT_REMEMBERED = {401, 408, 425, 429}
"""Answers that are not remembered besides 1xx and 5xx: a retry may well
succeed later. Success and the client's other errors are."""


def remembered(status: int) -> bool:
    return 200 <= status < 500 and status not in NOT_REMEMBERED


@dataclass(frozen=True)
class Answer:
    """A remembered first answer."""

    fingerprint: str
    status: int
    content_type: str
    body: bytes


class Replayed(Exception):  # noqa: N818 - not an error: the answer is found
    """The key was answered meanwhile (by another server): its ``answer``,
    found by the transaction that would have done the write again."""

    def __init__(self, answer: Answer) -> None:
        super().__init__("answered already")
        self.answer = answer


class IdempotencyStore:
    def __init__(
        self, database: str, ttl_seconds: float, now: Callable[[], float] = time.time,
        per_principal: int = 500,
    ) -> None:
        """``database``: the server's (a file path, a URL or ":memory:"),
        migrated here if it is not yet."""
        self._target = database
        self._ttl = ttl_seconds
        self._per_principal = per_principal
        self._now = now
        self._engine = create_engine(database, serializable=False)
        self._memory_lock = threading.Lock() if database == MEMORY else None
        """":memory:" is one connection: one call at a time."""
        if database == MEMORY:
            schema.metadata.create_all(self._engine, tables=[META, RECORDS])
        else:
            migrate(self._engine, database)
        self._secret = self._load_secret()
        self._locks: dict[tuple[str, str], tuple[asyncio.Lock, int]] = {}
        self._last_purge = 0.0

    def _load_secret(self) -> bytes:
        """The key of the request hashes: made once and kept with the records,
        so a request body (it may hold a password) is never stored guessably.
        Servers sharing a database share it (the first one makes it)."""
        name = META.c.name == "idempotency_secret"
        with self._engine.begin() as db:
            db.execute(_dialect(db).insert(META).values(name="idempotency_secret",
                                                        value=secrets.token_bytes(32))
                       .on_conflict_do_nothing(index_elements=["name"]))
            value = db.execute(sa.select(META.c.value).where(name)).scalar()
        return bytes(value)

    def shares(self, engine: object) -> bool:
        """Whether ``engine``'s database holds these records, so that its
        transactions can write them (``Pending``): not so for ":memory:"."""
        database = getattr(engine, "database", None)
        return self._target != MEMORY and getattr(database, "target", None) == self._target

    def fingerprint(self, method: str, path: str, query: bytes, body: bytes) -> str:
        mac = hmac.new(self._secret, digestmod=hashlib.sha256)
        for part in (method.encode(), path.encode(), query, body):
            mac.update(len(part).to_bytes(8, "big"))
            mac.update(part)
        return mac.hexdigest()

    def get(self, principal: str, key: str) -> Answer | None:
        with self._transaction() as db:
            return self.find(db, principal, key)

    def put(self, principal: str, key: str, answer: Answer) -> None:
        """Remember ``answer`` in a transaction of its own, unless the key has
        a (live) answer already: the first one stays."""
        with self._transaction() as db:
            if self.find(db, principal, key) is None:
                self.insert(db, principal, key, answer)

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sa.Connection]:
        with self._memory_lock or contextlib.nullcontext(), self._engine.begin() as db:
            yield db

    def find(self, db: sa.Connection, principal: str, key: str) -> Answer | None:
        """The live answer to ``key`` on the connection ``db``."""
        query = sa.select(RECORDS.c.fingerprint, RECORDS.c.status, RECORDS.c.content_type,
                          RECORDS.c.body, RECORDS.c.created).where(
            RECORDS.c.principal == principal, RECORDS.c.key == key)
        row = db.execute(query).first()
        if row is None or row.created <= self._now() - self._ttl:
            return None
        return Answer(row.fingerprint, row.status, row.content_type, bytes(row.body))

    def insert(self, db: sa.Connection, principal: str, key: str, answer: Answer) -> None:
        """Write the answer to ``key`` (which ``find`` did not find) on ``db``,
        in place of an expired one; the caller's oldest records beyond
        ``per_principal`` go."""
        moment = self._now()
        mine = RECORDS.c.principal == principal
        db.execute(RECORDS.delete().where(mine, RECORDS.c.key == key))  # an expired one
        db.execute(RECORDS.insert().values(
            principal=principal, key=key, fingerprint=answer.fingerprint,
            status=answer.status, content_type=answer.content_type, body=answer.body,
            created=moment,
        ))
        oldest_kept = (sa.select(RECORDS.c.seq).where(mine).order_by(RECORDS.c.seq.desc())
                       .offset(self._per_principal - 1).limit(1).scalar_subquery())
        db.execute(RECORDS.delete().where(mine, RECORDS.c.seq < oldest_kept))

    def purge_due(self) -> bool:
        """Whether the expired records of every caller are to go (once a minute)."""
        return self._now() - self._last_purge > 60

    def purge(self) -> None:
        """Forget the expired records, in a transaction of its own (never in
        a write's: it would race with every other write's record)."""
        moment = self._last_purge = self._now()
        with self._transaction() as db:
            db.execute(RECORDS.delete().where(RECORDS.c.created <= moment - self._ttl))

    @contextlib.asynccontextmanager
    async def lock(self, principal: str, key: str) -> AsyncIterator[None]:
        """Hold the lock of one key; the lock is forgotten when nobody waits."""
        ident = (principal, key)
        lock, users = self._locks.get(ident, (asyncio.Lock(), 0))
        self._locks[ident] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[ident]
            if users <= 1:
                del self._locks[ident]
            else:
                self._locks[ident] = (lock, users - 1)

    def close(self) -> None:
        self._engine.dispose()


def _dialect(db: sa.Connection) -> Any:
    return postgresql if db.dialect.name == "postgresql" else sqlite


# ------------------------------------------------- in the write's transaction

@dataclass
class Pending:
    """A keyed write under way (``PENDING``): the engine's ``Alongside`` of
    its route's engine call (``carrying``), which looks for the key's answer
    when the transaction begins and writes it before the transaction commits."""

    store: IdempotencyStore
    principal: str
    key: str
    fingerprint: str
    render: Callable[[Any, ManaError | None], Answer | None] | None = None
    """The route's answer to the engine's result or refusal (None: not
    remembered); set by ``carrying``."""
    written: Answer | None = None
    """What the last try of the transaction wrote."""

    def begin(self, db: sa.Connection) -> None:
        self.written = None
        found = self.store.find(db, self.principal, self.key)
        if found is not None:
            raise Replayed(found)

    def commit(self, db: sa.Connection, result: Any, refusal: ManaError | None) -> None:
        answer = self.render(result, refusal) if self.render is not None else None
        if answer is not None:
            self.store.insert(db, self.principal, self.key, answer)
            self.written = answer


PENDING: ContextVar[Pending | None] = ContextVar("mana_pending_write", default=None)
"""Set by ``IdempotencyMiddleware`` while it runs a keyed write."""

Endpoint = Callable[..., Any]


def carrying(endpoint: Endpoint, result: Any, store: IdempotencyStore, engine: object) -> Endpoint:
    """The route ``endpoint`` of a keyed write, whose engine call (not those
    of its dependencies, which check the token) carries the request's
    ``Pending`` record; it then answers with the bytes recorded, which are
    what the route answers to the engine's ``result`` type. ``endpoint``
    itself when ``engine`` keeps its data elsewhere (``IdempotencyStore.shares``)."""
    if not store.shares(engine):
        return endpoint
    render = functools.partial(_rendered, None if result is None else TypeAdapter(result))

    @functools.wraps(endpoint)
    async def with_record(*args: Any, **kwargs: Any) -> Any:
        pending = PENDING.get()
        if pending is None:
            return await endpoint(*args, **kwargs)
        pending.render = functools.partial(render, pending.fingerprint)
        armed = ALONGSIDE.set(pending)
        try:
            answer = await endpoint(*args, **kwargs)
        finally:
            ALONGSIDE.reset(armed)
        return answer if pending.written is None else response_of(pending.written)

    return with_record


def _rendered(adapter: TypeAdapter[Any] | None, fingerprint: str, result: Any,
              refusal: ManaError | None) -> Answer | None:
    """The route's answer to the engine's ``result`` (of ``adapter``'s type;
    None: 204) or ``refusal``; None when it is not to be remembered."""
    if refusal is not None:
        response: Response = refusal_response(refusal)
    elif adapter is None:
        response = Response(status_code=204)
    else:
        response = Response(adapter.dump_json(result), media_type="application/json")
    if not remembered(response.status_code):
        return None
    return Answer(fingerprint, response.status_code, response.media_type or "application/json",
                  bytes(response.body))


def response_of(answer: Answer) -> Response:
    if answer.status == 204:
        return Response(status_code=204)
    return Response(answer.body, answer.status, media_type=answer.content_type)
