"""``SqliteJournal``: what an engine call changed, written in one transaction.

``MemoryService`` serializes its calls with one lock and hands each call's
``Changes`` to ``write`` before the call returns, so the file always holds
the state after some whole call, never part of one: ``BEGIN IMMEDIATE``,
the changed rows, ``COMMIT`` (``synchronous=FULL``: on disk when the
answer goes out). A call that changed nothing does not touch the file.

When a write fails, ``restore`` gives the engine the store as the last
commit left it (the file is the truth; the engine's memory was ahead of it),
and ``check`` tells whether the file takes a write again.
"""

from __future__ import annotations

import contextlib
import sqlite3

from services.changes import Changes
from services.storage import rows
from services.storage.database import Database, transaction
from services.storage.region import load_store
from services.store import Store


class SqliteJournal:
    def __init__(self, database: Database) -> None:
        self._database = database
        self._db = database.connection
        self.commits = 0

    def write(self, changes: Changes) -> None:
        """All of ``changes`` or, on an exception, none of them."""
        try:
            self._write(changes)
        except BaseException:
            self._roll_back()
            raise
        self.commits += 1

    def restore(self, sender: str) -> Store:
        """The store of the last commit, read from the file (``load_store``);
        raises ``sqlite3.Error`` when the file cannot be read."""
        self._roll_back()
        return load_store(self._database, sender)

    def check(self) -> None:
        """A commit that changes nothing anyone reads (the schema version,
        written again); raises ``sqlite3.Error`` while the file takes no write."""
        version = self._database.version
        try:
            with transaction(self._db) as db:
                db.execute(f"PRAGMA user_version = {version:d}")
        except BaseException:
            self._roll_back()
            raise

    def _roll_back(self) -> None:
        """End a transaction a failed ``COMMIT`` left open (a busy or full
        disk): what it wrote must not be read back as if it were kept."""
        with contextlib.suppress(sqlite3.Error):  # a closed connection: nothing is open
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")

    def _write(self, changes: Changes) -> None:
        with transaction(self._db) as db:
            if changes.copies:
                db.executemany(rows.COPY_ROW, map(rows.copy_row, changes.copies))
            if changes.loans:
                db.executemany(rows.LOAN_ROW, map(rows.loan_row, changes.loans))
            if changes.reservations:
                db.executemany(rows.RESERVATION_ROW, [
                    rows.reservation_row(r, changes.ended.get(r.id))
                    for r in changes.reservations
                ])
            if changes.free_requests:
                db.executemany(rows.REQUEST_ROW, map(rows.request_row, changes.free_requests))
            if changes.accounts:
                db.executemany(rows.ACCOUNT_ROW, map(rows.account_row, changes.accounts))
            if changes.messages:
                db.executemany(rows.MESSAGE_ROW, map(rows.message_row, changes.messages))
            if changes.forgotten_messages:
                db.executemany(rows.FORGET_MESSAGE, [(i,) for i in changes.forgotten_messages])
