"""Opening the server's database: SQLite (a file, the default) or PostgreSQL.

``open_database(target)`` takes an SQLite file path (``:memory:`` keeps
nothing) or a ``postgresql://`` URL, gives an SQLAlchemy engine on it
(psycopg 3 behind SQLAlchemy's connection pool for PostgreSQL) and brings
the schema to the newest migration (``services/storage/migrations``,
Alembic). A database of a newer Mana than this one is refused with a
message saying so: it would be read wrongly.

An SQLite file of Mana 0.1 has no Alembic table; its ``user_version`` 1 is
that first schema, so it is stamped ``0001`` and upgraded from there. After
every migration an SQLite file's ``user_version`` is ``SCHEMA_VERSION``
(2): Mana 0.1, which knew only 1, refuses such a file instead of reading
it wrongly; a larger number means a newer Mana.

Any number of servers share one PostgreSQL database (the engine's
transactions keep every rule across them). An SQLite file has one server:
an exclusive ``flock`` on the file itself, which belongs to the file and not
to its name, so a symlink, a hard link or ``./x/../mana.db`` to a file
already served is refused too (``flock`` and SQLite's own POSIX locks do not
meet, so a read-only reader such as ``mana outbox`` still opens the file).
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import re
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import StaticPool

from services.models import Message

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

log = logging.getLogger("mana.server")
logging.getLogger("alembic").setLevel(logging.WARNING)  # each step is logged here, once

MEMORY = ":memory:"

SCHEMA_VERSION = 2
"""An SQLite file's ``user_version`` once Alembic keeps its schema."""

class StorageError(Exception):
    """The database cannot be used; the message says which and why."""


class DatabaseInUse(StorageError):
    """Another server holds the database."""


def is_url(target: str) -> bool:
    return "://" in target


def engine_url(target: str, *, read_only: bool = False) -> str:
    """SQLAlchemy's URL for ``target``: a ``postgresql://`` URL gets the
    psycopg 3 driver; anything else is an SQLite file path."""
    if is_url(target):
        scheme, rest = target.split("://", 1)
        if scheme in ("postgres", "postgresql"):
            return f"postgresql+psycopg://{rest}"
        if scheme.startswith("postgresql+") or scheme == "sqlite":
            return target
        raise StorageError(f"{shown(target)}: not a database this Mana can use "
                           "(an SQLite file path, or a postgresql:// URL)")
    if target == MEMORY:
        return "sqlite://"
    if read_only:
        return f"sqlite:///file:{quote(os.path.abspath(target))}?mode=ro&uri=true"
    return f"sqlite:///{target}"


def shown(target: str) -> str:
    """``target`` as messages and logs show it: without a password."""
    if not is_url(target):
        return target
    return sa.make_url(target).render_as_string(hide_password=True)


@dataclass
class Database:
    """An open database: its engine and what keeps it this server's."""

    target: str
    """What it was opened by: a file path or a URL."""
    engine: Engine
    created: bool
    """It had no schema and was just given one."""
    _lock_fd: int | None = None

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @property
    def name(self) -> str:
        return shown(self.target)

    @property
    def revision(self) -> str | None:
        """The schema's Alembic revision."""
        from alembic.runtime.migration import MigrationContext

        with self.engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()

    def close(self) -> None:
        """Let go of the connections, then of the lock. (Closing any descriptor
        of a file drops this process's POSIX locks on it, SQLite's too: so the
        lock's descriptor is closed last.)"""
        self.engine.dispose()
        if self._lock_fd is not None:
            _unlock(self._lock_fd)
            self._lock_fd = None


def create_engine(target: str, *, read_only: bool = False, serializable: bool = True,
                  **options: Any) -> Engine:
    """An engine on ``target``. SQLite: WAL, ``synchronous=FULL``, a 5 s busy
    timeout, and transactions that begin when SQLAlchemy says (``BEGIN
    IMMEDIATE`` for a writer: the write lock at the start, never a deadlock
    on upgrading a read). PostgreSQL: SERIALIZABLE transactions (the engine
    retries one that lost a race; ``serializable=False``: READ COMMITTED, for
    the server's own one-row writes, tokens and idempotency records, which
    race with nothing), from a pool that checks a connection before handing
    it out, so a restarted server is reconnected to by itself."""
    url = engine_url(target, read_only=read_only)
    if url.startswith("sqlite"):
        memory = url == "sqlite://"
        engine = sa.create_engine(
            url, poolclass=StaticPool if memory else None,
            connect_args={"check_same_thread": False}, **options,
        )
        begin = "BEGIN" if read_only or memory else "BEGIN IMMEDIATE"

        @sa.event.listens_for(engine, "connect")
        def _connected(dbapi: sqlite3.Connection, _record: object) -> None:
            dbapi.isolation_level = None  # SQLAlchemy's events say when to begin
            if not memory and not read_only:
                dbapi.execute("PRAGMA journal_mode=WAL")
                dbapi.execute("PRAGMA synchronous=FULL")
            dbapi.execute("PRAGMA busy_timeout=5000")

        @sa.event.listens_for(engine, "begin")
        def _begin(connection: Connection) -> None:
            connection.exec_driver_sql(begin)

        return engine
    options.setdefault("isolation_level", "SERIALIZABLE" if serializable else "READ COMMITTED")
    return sa.create_engine(url, pool_pre_ping=True, **options)


def open_database(target: str) -> Database:
    """Open ``target``, creating or migrating its schema, as this server's.
    Raises ``StorageError`` with a sentence naming the database."""
    lock_fd = None if is_url(target) or target == MEMORY else _lock(target)
    engine = None
    try:
        engine = create_engine(target)
        created = migrate(engine, target)
    except BaseException as e:
        if engine is not None:
            engine.dispose()  # before the lock: see ``Database.close``
        if lock_fd is not None:
            _unlock(lock_fd)
        if isinstance(e, sa.exc.DBAPIError | sqlite3.DatabaseError):
            raise StorageError(f"{shown(target)}: not a usable Mana database: "
                               f"{_reason(e)}") from None
        raise
    return Database(target, engine, created, lock_fd)


def _reason(error: BaseException) -> str:
    original = getattr(error, "orig", None) or error
    return str(original).strip().splitlines()[0] if str(original).strip() else type(error).__name__


def alembic_config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option(
        "script_location", str(resources.files("services.storage") / "migrations"))
    return config


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


MIGRATION_LOCK = 0x4D494752  # "MIGR"
"""The PostgreSQL advisory lock of the server that migrates: servers that
start together on one database wait for each other, and only the first
finds something to do."""


def create_in_memory(engine: Engine) -> None:
    """The schema of a database made now in this process's memory (SQLite
    ``:memory:``, the kiosk's demo): straight from the tables' definitions
    (``schema.metadata``) and the search's own table, without the
    migrations, whose result is the same (``tests/services/test_schema_upgrade.py``
    compares them) and whose Alembic takes a good part of a kiosk's start."""
    from services.storage import schema, search

    with engine.begin() as connection:
        schema.metadata.create_all(connection)
        search.create_structure(connection)
        connection.exec_driver_sql(f"PRAGMA user_version = {SCHEMA_VERSION}")


def migrate(engine: Engine, target: str = "database") -> bool:
    """Bring the schema to the newest migration; whether it had none."""
    with engine.connect() as connection:
        if connection.dialect.name != "postgresql":
            return _migrate(connection, target)
        connection.execute(sa.text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK})
        connection.commit()
        try:
            return _migrate(connection, target)
        finally:
            with contextlib.suppress(sa.exc.SQLAlchemyError):
                connection.rollback()
                connection.execute(sa.text("SELECT pg_advisory_unlock(:key)"),
                                   {"key": MIGRATION_LOCK})
                connection.commit()


def _migrate(connection: Connection, target: str) -> bool:
    sqlite = connection.dialect.name == "sqlite"
    user_version = _user_version(connection) if sqlite else 0
    if user_version == (SCHEMA_VERSION if sqlite else 0) and _at_head(connection):
        return False
    from alembic import command
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    config = alembic_config()
    script = ScriptDirectory.from_config(config)
    current = MigrationContext.configure(connection).get_current_revision()
    connection.rollback()
    if user_version > SCHEMA_VERSION or (current and current not in _known(script)):
        raise StorageError(
            f"{shown(target)}: the database has schema version "
            f"{current if current and current not in _known(script) else user_version}, "
            f"but this Mana knows versions up to {SCHEMA_VERSION} ({script.get_current_head()}):"
            " it was written by a newer Mana. Run that version, or give another --database."
        )
    config.attributes["connection"] = connection
    created = current is None and (user_version == 0 or not sqlite)
    if current != script.get_current_head():
        try:
            with connection.begin():  # one transaction: Alembic commits none of its own
                if current is None and sqlite and user_version == 1:
                    command.stamp(config, "0001")  # Mana 0.1's schema
                command.upgrade(config, "head")
        except Exception as e:
            raise StorageError(
                f"{shown(target)}: the schema could not be brought up to date "
                f"({_reason(e)}); the database was left as it was."
            ) from e
        if current is not None or user_version == 1:
            log.info("%s: schema upgraded from %s to %s", shown(target),
                     current or "0001 (Mana 0.1)", script.get_current_head())
    if sqlite and user_version != SCHEMA_VERSION:
        connection.exec_driver_sql(f"PRAGMA user_version = {SCHEMA_VERSION}")
        connection.commit()
    return created


_REVISION = re.compile(r"""^(down_revision|revision)\s*(?::[^=]*)?="""
                       r"""\s*(?:"(\w+)"|'(\w+)'|None)\s*$""", re.MULTILINE)
"""``revision = "0007"``, ``down_revision: str | None = None``: a migration's place."""


def head_of_files() -> str | None:
    """The newest migration's revision, from the ``revision`` and
    ``down_revision`` lines of the migration files, without Alembic (whose
    import is a good part of a server's start); None when the files do not
    say it plainly (a line in another form, a merge, two heads): then
    Alembic is asked."""
    revisions, downs = set(), set()
    for file in (resources.files("services.storage") / "migrations" / "versions").iterdir():
        if not file.name.endswith(".py") or file.name.startswith("_"):
            continue
        found = {m[1]: m[2] or m[3] for m in _REVISION.finditer(file.read_text("utf-8"))}
        if set(found) != {"revision", "down_revision"} or not found["revision"]:
            return None
        revisions.add(found["revision"])
        downs.add(found["down_revision"])
    heads = revisions - downs
    return heads.pop() if len(heads) == 1 else None


def _at_head(connection: Connection) -> bool:
    """Whether the schema is the newest migration's already (nothing for
    Alembic to do), read without it."""
    head = head_of_files()
    try:
        if head is None or not sa.inspect(connection).has_table("alembic_version"):
            return False
        current = connection.execute(sa.text("SELECT version_num FROM alembic_version"))
        return current.scalars().all() == [head]
    finally:
        connection.rollback()


def _user_version(connection: Connection) -> int:
    return int(connection.exec_driver_sql("PRAGMA user_version").scalar() or 0)


def _known(script: ScriptDirectory) -> set[str]:
    return {revision.revision for revision in script.walk_revisions()}


def read_messages(target: str) -> list[Message]:
    """The outbox of the database ``target``, oldest first, read without
    writing anything (a running server may keep writing it meanwhile).
    Raises ``StorageError``."""
    from services.storage import rows, schema

    if target == MEMORY or (not is_url(target) and not os.path.exists(target)):
        raise StorageError(f"{target}: no such database")
    engine = create_engine(target, read_only=True)
    try:
        with engine.connect() as connection:
            result = connection.execute(sa.select(schema.messages).order_by(schema.messages.c.id))
            return [rows.message_from(row) for row in result.mappings()]
    except sa.exc.DBAPIError as e:
        raise StorageError(f"{shown(target)}: not a usable Mana database: {_reason(e)}") from None
    finally:
        engine.dispose()


def upsert(db: Connection, table: sa.Table, values: Iterable[dict[str, Any]]) -> None:
    """Insert ``values`` into ``table``, each replacing the row of its key."""
    values = list(values)
    if not values:
        return
    dialect = postgresql if db.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table)
    keys = {c.name for c in table.primary_key.columns}
    statement = statement.on_conflict_do_update(
        index_elements=list(keys),
        set_={c.name: statement.excluded[c.name] for c in table.columns if c.name not in keys},
    )
    db.execute(statement, values)


@contextlib.contextmanager
def transaction(engine: Engine) -> Iterator[Connection]:
    """One transaction: committed at the end of the block, rolled back when it raised."""
    with engine.begin() as connection:
        yield connection


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
