"""Opening the server's SQLite file: WAL, one writer, the schema and its migrations.

The schema version is SQLite's ``user_version``; ``MIGRATIONS`` is the
ordered list of steps, step *n* taking a file from version *n − 1* to *n*,
each in its own transaction. A file of a newer version than this code knows
is refused with a message saying so (it would be read wrongly). The
``idempotency`` and ``server_meta`` tables of ``services.server.idempotency``
live in the same file and create themselves; they are not versioned here.

One server at a time: ``open_database`` takes an exclusive ``flock`` on the
database file itself (two servers on one file would each keep their own
region in memory and overwrite each other's rows). The lock belongs to the
file, not to its name, so a symlink, a hard link or ``./x/../mana.db`` to a
file already served is refused too. ``flock`` and SQLite's own (POSIX)
locks do not meet, so a read-only reader such as ``mana outbox`` still
opens the file while a server holds it.
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
    """Another server holds the database (the lock on its file)."""


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
        """Close the connection, then let go of the file. (Closing any
        descriptor of a file drops this process's POSIX locks on it, SQLite's
        too: so the lock's descriptor is closed last.)"""
        self.connection.close()
        if self._lock_fd is not None:
            _unlock(self._lock_fd)
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
        except BaseException as e:
            connection.close()  # before the lock: see ``Database.close``
            if isinstance(e, sqlite3.DatabaseError):
                raise StorageError(f"{path}: not a usable Mana database: {e}") from None
            raise
    except BaseException:
        if lock_fd is not None:
            _unlock(lock_fd)
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


_HELD: dict[tuple[int, int], str] = {}
"""The files this process holds (device, inode → the path it was opened by).
A second open in the same process is refused without touching the file: a
descriptor opened and closed again would drop the first one's SQLite locks."""


def _identity(status: os.stat_result) -> tuple[int, int]:
    return status.st_dev, status.st_ino


def _lock(path: str) -> int:
    """An exclusive ``flock`` on the file ``path`` names (created if missing);
    its descriptor. Raises ``DatabaseInUse`` when another server holds the
    same file, under whichever name."""
    try:
        held = _HELD.get(_identity(os.stat(path)))
    except OSError:
        held = None  # not there yet: created below
    if held is not None:
        raise _in_use(path)
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as e:
        raise StorageError(f"{path}: cannot open: {e.strerror or e}") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)  # no connection of this process is open on the file
        raise _in_use(path) from None
    _HELD[_identity(os.fstat(fd))] = path
    return fd


def _unlock(fd: int) -> None:
    _HELD.pop(_identity(os.fstat(fd)), None)
    os.close(fd)


def _in_use(path: str) -> DatabaseInUse:
    return DatabaseInUse(
        f"{path}: another Mana server is using this database "
        f"({os.path.realpath(path)} is locked)."
    )
