"""Filling an empty database with a region (the demo, or a test's).

``fill_region`` writes a whole ``RegionData`` in one transaction, in
batches, and indexes its records for the search; clear passwords are
hashed with the server's argon2id hasher first.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterable
from datetime import date
from typing import Any

import sqlalchemy as sa
from argon2 import PasswordHasher
from sqlalchemy.engine import Connection

from services.accounts import AccountState
from services.models import Reservation
from services.region import RegionData
from services.storage import rows, schema, search
from services.storage.database import Database, StorageError, transaction

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
    hashes: dict[str, str] = {}
    accounts = []
    for account in region.accounts:
        if account.password not in hashes:
            hashes[account.password] = hasher.hash(account.password)
        accounts.append(AccountState(account.patron, None, hashes[account.password]))
    with transaction(database.engine) as db:
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
        insert_all(db, schema.records, map(rows.record_row, region.records))
        insert_all(db, schema.record_authors,
                   (a for r in region.records for a in rows.author_rows(r)))
        insert_all(db, schema.record_subjects,
                   (s for r in region.records for s in rows.subject_rows(r)))
        for table, lines in ((schema.record_series, rows.series_rows),
                             (schema.record_notes, rows.note_rows),
                             (schema.record_links, rows.link_rows)):
            insert_all(db, table, (line for r in region.records for line in lines(r)))
        search.index_records(db, region.records)
        insert_all(db, schema.copies, map(rows.copy_row, region.copies))
        insert_all(db, schema.accounts, map(rows.account_row, accounts))
        insert_all(db, schema.loans, map(rows.loan_row, region.loans))
        insert_all(db, schema.reservations, (
            rows.reservation_row(r, None if r.state.active else _ended(r))
            for r in region.reservations
        ))
        insert_all(db, schema.free_requests, map(rows.request_row, region.free_requests))
        if db.dialect.name == "postgresql":  # the new ids follow the filled ones
            for table in (schema.loans, schema.reservations, schema.free_requests,
                          schema.messages):
                db.execute(sa.text(f"SELECT setval('{table.name}_id_seq', "
                                   f"coalesce(max(id), 0) + 1, false) FROM {table.name}"))
        if db.dialect.name == "postgresql":
            db.exec_driver_sql("ANALYZE")  # else every plan is made as if on empty tables


def _ended(res: Reservation) -> date:
    """The day a reservation of a filled region ended (R7 counts "recent" from it)."""
    return res.held_until or res.confirmed or res.created.date()
