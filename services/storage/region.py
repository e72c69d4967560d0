"""Filling an empty database with a region, and loading it into a ``Store``.

``fill_region`` writes a whole ``RegionData`` (the demo) in one transaction
with ``executemany``; clear passwords are hashed with the server's argon2id
hasher first. ``load_store`` reads every table back and builds the engine's
``Store`` (a recovery code found in clear is hashed, and its row written
again by the first call), with the cyclic garbage collector paused: millions
of new objects would otherwise set off collections that scan them all again
and again.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

from argon2 import PasswordHasher

from services.models import Copy, FreeRequest, Library, Loan, Message, Record, Reservation
from services.region import RegionData
from services.storage import rows
from services.storage.database import Database, StorageError, transaction
from services.store import AccountState, Store


def is_empty(database: Database) -> bool:
    """Whether no region was ever written into the file."""
    db = database.connection
    return db.execute("SELECT 1 FROM region_info WHERE key = 'name'").fetchone() is None


def region_name(database: Database) -> str | None:
    row = database.connection.execute("SELECT value FROM region_info WHERE key = 'name'").fetchone()
    return row[0] if row else None


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
    with transaction(database.connection) as db:
        if not is_empty(database):
            raise StorageError(f"{database.path}: already holds a region")
        db.executemany(
            "INSERT INTO region_info (key, value) VALUES (?, ?)",
            [("name", region.name), ("source", source), ("filled", time.strftime("%FT%T%z"))],
        )
        db.executemany("INSERT INTO libraries (id, data) VALUES (?, ?)",
                       [(lib.id, lib.model_dump_json()) for lib in region.libraries])
        db.executemany("INSERT INTO records (id, data) VALUES (?, ?)",
                       ((r.id, r.model_dump_json()) for r in region.records))
        db.executemany(rows.COPY_ROW, map(rows.copy_row, region.copies))
        db.executemany(rows.ACCOUNT_ROW, map(rows.account_row, accounts))
        db.executemany(rows.LOAN_ROW, map(rows.loan_row, region.loans))
        db.executemany(rows.RESERVATION_ROW, [
            rows.reservation_row(r, None if r.state.active else _ended(r))
            for r in region.reservations
        ])
        db.executemany(rows.REQUEST_ROW, map(rows.request_row, region.free_requests))


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


def load_store(database: Database, sender: str) -> Store:
    """The region of ``database`` as the engine's ``Store`` (empty if none)."""
    db = database.connection
    with _collector_paused():
        libraries = [Library.model_validate_json(d)
                     for (d,) in db.execute("SELECT data FROM libraries ORDER BY id")]
        records = [Record.model_validate_json(d)
                   for (d,) in db.execute("SELECT data FROM records ORDER BY id")]
        copies = [Copy.model_validate_json(d)
                  for (d,) in db.execute("SELECT data FROM copies ORDER BY barcode")]
        loans = [Loan.model_validate_json(d)
                 for (d,) in db.execute("SELECT data FROM loans ORDER BY id")]
        reservations: list[Reservation] = []
        ended: dict[int, date] = {}
        for data, end in db.execute("SELECT data, ended FROM reservations ORDER BY id"):
            res = Reservation.model_validate_json(data)
            reservations.append(res)
            if end is not None:
                ended[res.id] = date.fromisoformat(end)
        requests = [FreeRequest.model_validate_json(d)
                    for (d,) in db.execute("SELECT data FROM free_requests ORDER BY id")]
        accounts = []
        clear_codes = []  # a file of an older Mana: rewritten by the first change
        for row in db.execute(
                "SELECT patron, password_hash, login FROM accounts ORDER BY patron_id"):
            accounts.append(rows.account_from(*row))
            if rows.clear_code(row[2]):
                clear_codes.append(accounts[-1])
        messages = [Message.model_validate_json(d)
                    for (d,) in db.execute("SELECT data FROM messages ORDER BY id")]
        region = RegionData.model_construct(
            name=region_name(database) or "",
            libraries=libraries, records=records, copies=copies, accounts=[],
            loans=loans, reservations=reservations, free_requests=requests,
        )
        store = Store(region, sender, accounts)
        store.ended.update(ended)
        for message in messages:
            store.put_message(message)
        store.outbox.changed.clear()  # what was loaded is not a change
        for account in clear_codes:
            store.account_changed(account)  # the hashed code replaces the clear one
    return store
