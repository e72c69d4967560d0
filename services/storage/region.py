"""Filling an empty database with a region (the demo, or a test's).

``fill_region`` writes a whole ``RegionData`` in one transaction, in
batches, and indexes its records for the search; clear passwords are
hashed with the server's argon2id hasher first. ``fill_region_streaming``
writes a region given in parts (``services.demo.stream_region``), for
regions too large to hold in memory; on PostgreSQL with ``COPY``.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from typing import Any

import sqlalchemy as sa
from argon2 import PasswordHasher
from sqlalchemy.engine import Connection

from services.accounts import AccountState
from services.models import Patron, Reservation
from services.region import RegionData
from services.storage import rows, schema, search
from services.storage.database import Database, StorageError, transaction
from services.text import words

BATCH = 5000
"""Rows per INSERT statement while filling."""


def is_empty(database: Database) -> bool:
    """Whether no region was ever written into the database."""
    return region_value(database, "name") is None


def region_value(database: Database, key: str) -> str | None:
    with database.engine.connect() as db:
        return db.execute(sa.select(schema.region_info.c.value)
                          .where(schema.region_info.c.key == key)).scalar()


def region_name(database: Database) -> str | None:
    return region_value(database, "name")


def insert_all(db: Connection, table: sa.Table, values: Iterable[dict[str, Any]]) -> None:
    """``values`` into ``table``, ``BATCH`` rows per statement."""
    iterator = iter(values)
    while batch := list(itertools.islice(iterator, BATCH)):
        db.execute(table.insert(), batch)


def fill_region(
    database: Database, region: RegionData, hasher: PasswordHasher, source: str = "demo"
) -> None:
    """Write ``region`` into the empty ``database``; ``StorageError`` if it holds one.

    Each distinct clear password is hashed once (argon2id, the server's
    parameters, a random salt): the demo's accounts share one published
    password, and one hash of it costs a third of a second, not a third of a
    second per account.
    """
    with transaction(database.engine) as db:
        _start(db, database, region, source)
        _write_part(db, region, _Hashes(hasher), insert_all)
        _finish(db)


def fill_region_streaming(
    database: Database, parts: Iterable[RegionData], hasher: PasswordHasher,
    source: str = "demo",
) -> Iterator[RegionData]:
    """Write a region given in ``parts`` into the empty ``database``, one part
    at a time, in one transaction; yields each part once written (to report
    progress), and commits after the last. The first part names the region
    and its libraries; a later part's rows refer only to earlier parts or
    itself. ``StorageError`` if the database holds a region.

    On PostgreSQL the rows go in with ``COPY`` (the search rows as
    ``fill_region`` writes them), and ``ANALYZE`` runs at the end.
    """
    with transaction(database.engine) as db:
        write = copy_all if db.dialect.name == "postgresql" else insert_all
        hashes = _Hashes(hasher)
        iterator = iter(parts)
        first = next(iterator)
        _start(db, database, first, source)
        _write_part(db, first, hashes, write)
        yield first
        for part in iterator:
            _write_part(db, part, hashes, write)
            yield part
        _finish(db)


def copy_all(db: Connection, table: sa.Table, values: Iterable[dict[str, Any]]) -> None:
    """``values`` into ``table`` with PostgreSQL's ``COPY`` (in the transaction
    of ``db``): the columns of the first row, in its order."""
    iterator = iter(values)
    first = next(iterator, None)
    if first is None:
        return
    names = list(first)
    columns = ", ".join(f'"{name}"' for name in names)
    cursor = db.connection.driver_connection.cursor()  # type: ignore[union-attr]
    with cursor, cursor.copy(f'COPY "{table.name}" ({columns}) FROM STDIN') as copy:
        for row in itertools.chain([first], iterator):
            copy.write_row([row[name] for name in names])


class _Hashes:
    """Each distinct clear password hashed once."""

    def __init__(self, hasher: PasswordHasher) -> None:
        self.hasher = hasher
        self.known: dict[str, str] = {}

    def __call__(self, password: str) -> str:
        if password not in self.known:
            self.known[password] = self.hasher.hash(password)
        return self.known[password]


def patron_word_rows(patron: Patron) -> list[dict[str, Any]]:
    """The ``patron_words`` rows of an account: each folded word of its name once."""
    return [{"word": word, "patron_id": patron.id} for word in dict.fromkeys(words(patron.name))]


def _start(db: Connection, database: Database, region: RegionData, source: str) -> None:
    if db.execute(sa.select(schema.region_info.c.value)
                  .where(schema.region_info.c.key == "name")).first() is not None:
        raise StorageError(f"{database.name}: already holds a region")
    insert_all(db, schema.region_info, [
        {"key": "name", "value": region.name}, {"key": "source", "value": source},
        {"key": "filled", "value": time.strftime("%FT%T%z")},
    ])
    insert_all(db, schema.libraries, (rows.library_row(library, position)
                                      for position, library in enumerate(region.libraries)))
    insert_all(db, schema.collections,
               (c for lib in region.libraries for c in rows.collection_rows(lib)))


Write = Callable[[Connection, sa.Table, Iterable[dict[str, Any]]], None]
"""``insert_all`` or ``copy_all``."""


def _write_part(db: Connection, region: RegionData, hashes: _Hashes, write: Write) -> None:
    """Everything of ``region`` but its name and libraries."""
    accounts = [AccountState(a.patron, None, hashes(a.password)) for a in region.accounts]
    write(db, schema.records, map(rows.record_row, region.records))
    write(db, schema.record_authors, (a for r in region.records for a in rows.author_rows(r)))
    write(db, schema.record_subjects,
          (s for r in region.records for s in rows.subject_rows(r)))
    for table, lines in ((schema.record_series, rows.series_rows),
                         (schema.record_notes, rows.note_rows),
                         (schema.record_links, rows.link_rows)):
        write(db, table, (line for r in region.records for line in lines(r)))
    search.index_records(db, region.records)
    write(db, schema.copies, map(rows.copy_row, region.copies))
    write(db, schema.accounts, map(rows.account_row, accounts))
    write(db, schema.patron_words, (w for a in accounts for w in patron_word_rows(a.patron)))
    write(db, schema.loans, map(rows.loan_row, region.loans))
    write(db, schema.reservations, (
        rows.reservation_row(r, None if r.state.active else _ended(r))
        for r in region.reservations
    ))
    write(db, schema.free_requests, map(rows.request_row, region.free_requests))


def _finish(db: Connection) -> None:
    if db.dialect.name == "postgresql":  # the new ids follow the filled ones
        for table in (schema.loans, schema.reservations, schema.free_requests,
                      schema.messages):
            db.execute(sa.text(f"SELECT setval('{table.name}_id_seq', "
                               f"coalesce(max(id), 0) + 1, false) FROM {table.name}"))
        db.exec_driver_sql("ANALYZE")  # else every plan is made as if on empty tables


def _ended(res: Reservation) -> date:
    """The day a reservation of a filled region ended (R7 counts "recent" from it)."""
    return res.held_until or res.confirmed or res.created.date()
