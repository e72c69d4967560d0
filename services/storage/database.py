"""Opening the server's SQLite file: WAL, one writer, the schema and its migrations.

The schema version is SQLite's ``user_version``; ``MIGRATIONS`` is the
ordered list of steps, step *n* taking a file from version *n − 1* to *n*,
each in its own transaction. A file of a newer version than this code knows
is refused with a message saying so (it would be read wrongly). The
``idempotency`` and ``server_meta`` tables of ``services.server.idempotency``
live in the same file and create themselves; they are not versioned here.

One server at a time: ``open_database`` takes an exclusive ``flock`` on a
``<file>.lock`` next to the database (two servers on one file would each
keep their own region in memory and overwrite each other's rows).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import quote

from services.models import Message

MEMORY = ":memory:"

MIGRATIONS: tuple[tuple[str, ...], ...] = (
    # 1: the region: key columns for lookups by hand, the model's JSON in ``data``
    (
        "CREATE TABLE region_info (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        "CREATE TABLE libraries (id TEXT PRIMARY KEY, data TEXT NOT NULL)",
        "CREATE TABLE records (id INTEGER PRIMARY KEY, data TEXT NOT NULL)",
        "CREATE TABLE copies (barcode TEXT PRIMARY KEY, record_id INTEGER NOT NULL,"
        " library_id TEXT NOT NULL, data TEXT NOT NULL)",
        "CREATE TABLE accounts (patron_id INTEGER PRIMARY KEY, username TEXT NOT NULL,"
        " card_number TEXT NOT NULL, patron TEXT NOT NULL, password_hash TEXT NOT NULL,"
        " login TEXT NOT NULL)",
        "CREATE TABLE loans (id INTEGER PRIMARY KEY, patron_id INTEGER NOT NULL,"
        " barcode TEXT NOT NULL, data TEXT NOT NULL)",
        "CREATE TABLE reservations (id INTEGER PRIMARY KEY, patron_id INTEGER NOT NULL,"
        " barcode TEXT NOT NULL, ended TEXT, data TEXT NOT NULL)",
        "CREATE TABLE free_requests (id INTEGER PRIMARY KEY, patron_id INTEGER NOT NULL,"
        " data TEXT NOT NULL)",
        "CREATE TABLE messages (id INTEGER PRIMARY KEY, recipient TEXT NOT NULL,"
        " data TEXT NOT NULL)",
    ),
)
"""Step n (1-based) of the schema. Append, never edit a step that shipped."""

SCHEMA_VERSION = len(MIGRATIONS)


class StorageError(Exception):
    """The database cannot be used; the message says which file and why."""


class DatabaseInUse(StorageError):
    """Another server holds the database (its lock file)."""


@dataclass
class Database:
    """An open database file: its connection and the lock that keeps it ours."""

    path: str
    connection: sqlite3.Connection
    created: bool
    """The file was new (or had no schema) and was just given one."""
    _lock_fd: int | None = None

    @property
    def version(self) -> int:
        return int(self.connection.execute("PRAGMA user_version").fetchone()[0])

    def close(self) -> None:
        self.connection.close()
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None


@contextlib.contextmanager
def transaction(connection: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """``BEGIN IMMEDIATE`` (the write lock at the start) … ``COMMIT``, or
    ``ROLLBACK`` when the block raised."""
    connection.execute("BEGIN IMMEDIATE")
    try:
        yield connection
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")


def open_database(path: str) -> Database:
    """Open ``path`` (":memory:" keeps nothing), creating or migrating its
    schema. Raises ``StorageError`` with a sentence naming the file."""
    lock_fd = None if path == MEMORY else _lock(path)
    try:
        connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        try:
            if path != MEMORY:
                connection.execute("PRAGMA journal_mode=WAL")
                connection.execute("PRAGMA synchronous=FULL")
                connection.execute("PRAGMA busy_timeout=5000")
            created = migrate(connection, path)
        except sqlite3.DatabaseError as e:
            connection.close()
            raise StorageError(f"{path}: not a usable Mana database: {e}") from None
    except BaseException:
        if lock_fd is not None:
            os.close(lock_fd)
        raise
    return Database(path, connection, created, lock_fd)


def read_messages(path: str) -> list[Message]:
    """The outbox of the database ``path``, oldest first, read without
    writing anything (a running server may keep writing it meanwhile).
    Raises ``StorageError``."""
    if path == MEMORY or not os.path.exists(path):
        raise StorageError(f"{path}: no such database")
    try:
        connection = sqlite3.connect(f"file:{quote(path)}?mode=ro", uri=True)
        try:
            rows = connection.execute("SELECT data FROM messages ORDER BY id").fetchall()
        finally:
            connection.close()
    except sqlite3.DatabaseError as e:
        raise StorageError(f"{path}: not a usable Mana database: {e}") from None
    return [Message.model_validate_json(data) for (data,) in rows]


def migrate(connection: sqlite3.Connection, path: str = "database") -> bool:
    """Bring the schema to ``SCHEMA_VERSION``; whether the file had none."""
    version = int(connection.execute("PRAGMA user_version").fetchone()[0])
    if version > SCHEMA_VERSION:
        raise StorageError(
            f"{path}: the database has schema version {version}, but this Mana knows "
            f"versions up to {SCHEMA_VERSION}: it was written by a newer Mana. "
            "Run that version, or give another --database file."
        )
    for number in range(version + 1, SCHEMA_VERSION + 1):
        with transaction(connection):
            for statement in MIGRATIONS[number - 1]:
                connection.execute(statement)
            connection.execute(f"PRAGMA user_version = {number}")
    return version == 0


def _lock(path: str) -> int:
    lock_path = f"{path}.lock"
    try:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as e:
        raise StorageError(f"{path}: cannot open {lock_path}: {e.strerror or e}") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        raise DatabaseInUse(
            f"{path}: another Mana server is using this database (it holds {lock_path})."
        ) from None
    return fd
