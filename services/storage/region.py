"""Filling an empty database with a region, and loading it into a ``Store``.

``fill_region`` writes a whole ``RegionData`` (the demo) in one transaction,
in batches; clear passwords are hashed with the server's argon2id hasher
first. ``load_store`` reads every table back and builds the engine's
``Store``, with the cyclic garbage collector paused: millions of new
objects would otherwise set off collections that scan them all again and
again.
"""

from __future__ import annotations

import gc
import itertools
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import sqlalchemy as sa
from argon2 import PasswordHasher
from sqlalchemy.engine import Connection

from services.models import Reservation
from services.region import RegionData
from services.storage import rows, schema
from services.storage.database import Database, StorageError, transaction
from services.store import AccountState, Store

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
        insert_all(db, schema.libraries, map(rows.library_row, region.libraries))
        insert_all(db, schema.collections,
                   (c for lib in region.libraries for c in rows.collection_rows(lib)))
        insert_all(db, schema.records, map(rows.record_row, region.records))
        insert_all(db, schema.record_authors,
                   (a for r in region.records for a in rows.author_rows(r)))
        insert_all(db, schema.record_subjects,
                   (s for r in region.records for s in rows.subject_rows(r)))
        insert_all(db, schema.copies, map(rows.copy_row, region.copies))
        insert_all(db, schema.accounts, map(rows.account_row, accounts))
        insert_all(db, schema.loans, map(rows.loan_row, region.loans))
        insert_all(db, schema.reservations, (
            rows.reservation_row(r, None if r.state.active else _ended(r))
            for r in region.reservations
        ))
        insert_all(db, schema.free_requests, map(rows.request_row, region.free_requests))


def _ended(res: Reservation) -> date:
    """The day a reservation of a filled region ended, as ``Store`` reckons it."""
    return res.held_until or res.confirmed or res.created.date()


@contextmanager
def _collector_paused() -> Iterator[None]:
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def _grouped(db: Connection, table: sa.Table, value: str) -> dict[Any, list[Any]]:
    """``table``'s ``value`` column per ``record_id``, in ``position`` order."""
    grouped: dict[Any, list[Any]] = defaultdict(list)
    query = sa.select(table.c.record_id, table.c[value]).order_by(
        table.c.record_id, table.c.position)
    for record_id, item in db.execute(query):
        grouped[record_id].append(item)
    return grouped


def load_store(database: Database, sender: str) -> Store:
    """The region of ``database`` as the engine's ``Store`` (empty if none)."""
    s = schema
    with _collector_paused(), database.engine.connect() as db:
        collections: dict[str, list[Any]] = defaultdict(list)
        for row in db.execute(sa.select(s.collections).order_by(
                s.collections.c.library_id, s.collections.c.position)).mappings():
            collections[row["library_id"]].append(row)
        libraries = [rows.library_from(row, collections[row["id"]])
                     for row in db.execute(sa.select(s.libraries).order_by(s.libraries.c.id))
                     .mappings()]
        authors = _grouped(db, s.record_authors, "name")
        subjects = _grouped(db, s.record_subjects, "subject")
        records = [rows.record_from(row, authors.get(row["id"], []), subjects.get(row["id"], []))
                   for row in db.execute(sa.select(s.records).order_by(s.records.c.id)).mappings()]
        del authors, subjects
        copies = [rows.copy_from(row) for row in
                  db.execute(sa.select(s.copies).order_by(s.copies.c.barcode)).mappings()]
        loans = [rows.loan_from(row) for row in
                 db.execute(sa.select(s.loans).order_by(s.loans.c.id)).mappings()]
        reservations: list[Reservation] = []
        ended: dict[int, date] = {}
        for row in db.execute(sa.select(s.reservations).order_by(s.reservations.c.id)).mappings():
            reservations.append(rows.reservation_from(row))
            if row["ended"] is not None:
                ended[row["id"]] = row["ended"]
        requests = [rows.request_from(row) for row in db.execute(
            sa.select(s.free_requests).order_by(s.free_requests.c.id)).mappings()]
        accounts = [rows.account_from(row) for row in db.execute(
            sa.select(s.accounts).order_by(s.accounts.c.patron_id)).mappings()]
        messages = [rows.message_from(row) for row in db.execute(
            sa.select(s.messages).order_by(s.messages.c.id)).mappings()]
        name = db.execute(sa.select(s.region_info.c.value)
                          .where(s.region_info.c.key == "name")).scalar()
        region = RegionData.model_construct(
            name=name or "",
            libraries=libraries, records=records, copies=copies, accounts=[],
            loans=loans, reservations=reservations, free_requests=requests,
        )
        store = Store(region, sender, accounts)
        store.ended.update(ended)
        for message in messages:
            store.put_message(message)
        store.outbox.changed.clear()  # what was loaded is not a change
    return store
