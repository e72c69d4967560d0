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

The records live in a small SQLite table (WAL) in the server's database file,
or in memory (":memory:"); the SQLite calls are short and run on the event
loop's thread, the only one that touches the connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import secrets
import sqlite3
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

SCHEMA = """
CREATE TABLE IF NOT EXISTS server_meta (name TEXT PRIMARY KEY, value BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS idempotency (
    principal TEXT NOT NULL,
    key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    status INTEGER NOT NULL,
    content_type TEXT NOT NULL,
    body BLOB NOT NULL,
    created REAL NOT NULL,
    PRIMARY KEY (principal, key)
);
CREATE INDEX IF NOT EXISTS idempotency_created ON idempotency (created);
"""


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
        self._ttl = ttl_seconds
        self._per_principal = per_principal
        self._now = now
        self._db = sqlite3.connect(database, check_same_thread=False, isolation_level=None)
        if database != ":memory:":
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA busy_timeout=5000")
        self._db.executescript(SCHEMA)
        self._secret = self._load_secret()
        self._locks: dict[tuple[str, str], tuple[asyncio.Lock, int]] = {}
        self._last_purge = 0.0

    def _load_secret(self) -> bytes:
        """The key of the request hashes: made once and kept with the records,
        so a request body (it may hold a password) is never stored guessably."""
        self._db.execute(
            "INSERT OR IGNORE INTO server_meta (name, value) VALUES ('idempotency_secret', ?)",
            (secrets.token_bytes(32),),
        )
        row = self._db.execute(
            "SELECT value FROM server_meta WHERE name = 'idempotency_secret'"
        ).fetchone()
        return bytes(row[0])

    def fingerprint(self, method: str, path: str, query: bytes, body: bytes) -> str:
        mac = hmac.new(self._secret, digestmod=hashlib.sha256)
        for part in (method.encode(), path.encode(), query, body):
            mac.update(len(part).to_bytes(8, "big"))
            mac.update(part)
        return mac.hexdigest()

    def get(self, principal: str, key: str) -> Answer | None:
        row = self._db.execute(
            "SELECT fingerprint, status, content_type, body, created FROM idempotency "
            "WHERE principal = ? AND key = ?",
            (principal, key),
        ).fetchone()
        if row is None or row[4] <= self._now() - self._ttl:
            return None
        return Answer(row[0], row[1], row[2], bytes(row[3]))

    def put(self, principal: str, key: str, answer: Answer) -> None:
        moment = self._now()
        self._db.execute(
            "INSERT OR REPLACE INTO idempotency "
            "(principal, key, fingerprint, status, content_type, body, created) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (principal, key, answer.fingerprint, answer.status, answer.content_type,
             answer.body, moment),
        )
        self._db.execute(  # the newest ``per_principal`` stay (rowid: the order of writing)
            "DELETE FROM idempotency WHERE principal = ? AND rowid NOT IN "
            "(SELECT rowid FROM idempotency WHERE principal = ? ORDER BY rowid DESC LIMIT ?)",
            (principal, principal, self._per_principal),
        )
        if moment - self._last_purge > 60:
            self._last_purge = moment
            self._db.execute("DELETE FROM idempotency WHERE created <= ?", (moment - self._ttl,))

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
        self._db.close()
