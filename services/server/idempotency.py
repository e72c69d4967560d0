"""``Idempotency-Key``: the first answer to a write, remembered and replayed.

A record is keyed by (principal, key), where the principal is the caller:
``patron:<id>`` for a live bearer token (the patron, not the token: the same
key after a new login is the same write), ``address:<client>`` for a write
that takes no token (the list e-mail, the password codes). It keeps a keyed
hash of the request (method, path, query and body), the status and the body
of the first answer. A retry with the same key and the same request gets
that answer again and the engine is not called; the same key with another
request is refused. Requests with one key wait for each other (an asyncio
lock per key), so two of them never both run. Each principal keeps at most
``per_principal`` records (the oldest go first), so no caller, least of all
an anonymous one, can fill the table.

The records live in the ``idempotency`` table of the server's database
(``services.storage.schema``: SQLite or PostgreSQL), or of an SQLite
database in memory (":memory:"); the calls are short and run on the event
loop's thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import secrets
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from services.storage import schema
from services.storage.database import MEMORY, create_engine, migrate

RECORDS = schema.idempotency
META = schema.server_meta


@dataclass(frozen=True)
class Answer:
    """A remembered first answer."""

    fingerprint: str
    status: int
    content_type: str
    body: bytes


class IdempotencyStore:
    def __init__(
        self, database: str, ttl_seconds: float, now: Callable[[], float] = time.time,
        per_principal: int = 500,
    ) -> None:
        """``database``: the server's (a file path, a URL or ":memory:"),
        migrated here if it is not yet."""
        self._ttl = ttl_seconds
        self._per_principal = per_principal
        self._now = now
        self._engine = create_engine(database, serializable=False)
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
            dialect = postgresql if db.dialect.name == "postgresql" else sqlite
            db.execute(dialect.insert(META).values(name="idempotency_secret",
                                                   value=secrets.token_bytes(32))
                       .on_conflict_do_nothing(index_elements=["name"]))
            value = db.execute(sa.select(META.c.value).where(name)).scalar()
        return bytes(value)

    def fingerprint(self, method: str, path: str, query: bytes, body: bytes) -> str:
        mac = hmac.new(self._secret, digestmod=hashlib.sha256)
        for part in (method.encode(), path.encode(), query, body):
            mac.update(len(part).to_bytes(8, "big"))
            mac.update(part)
        return mac.hexdigest()

    def get(self, principal: str, key: str) -> Answer | None:
        query = sa.select(RECORDS.c.fingerprint, RECORDS.c.status, RECORDS.c.content_type,
                          RECORDS.c.body, RECORDS.c.created).where(
            RECORDS.c.principal == principal, RECORDS.c.key == key)
        with self._engine.connect() as db:
            row = db.execute(query).first()
        if row is None or row.created <= self._now() - self._ttl:
            return None
        return Answer(row.fingerprint, row.status, row.content_type, bytes(row.body))

    def put(self, principal: str, key: str, answer: Answer) -> None:
        moment = self._now()
        mine = RECORDS.c.principal == principal
        with self._engine.begin() as db:
            db.execute(RECORDS.delete().where(mine, RECORDS.c.key == key))
            db.execute(RECORDS.insert().values(
                principal=principal, key=key, fingerprint=answer.fingerprint,
                status=answer.status, content_type=answer.content_type, body=answer.body,
                created=moment,
            ))
            # the newest ``per_principal`` stay
            oldest_kept = (sa.select(RECORDS.c.seq).where(mine).order_by(RECORDS.c.seq.desc())
                           .offset(self._per_principal - 1).limit(1).scalar_subquery())
            db.execute(RECORDS.delete().where(mine, RECORDS.c.seq < oldest_kept))
            if moment - self._last_purge > 60:
                self._last_purge = moment
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
