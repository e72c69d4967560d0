"""``SqliteJournal``: what an engine call changed, written in one transaction.

``MemoryService`` serializes its calls with one lock and hands each call's
``Changes`` to ``write`` before the call returns, so the file always holds
the state after some whole call, never part of one: ``BEGIN IMMEDIATE``,
the changed rows, ``COMMIT`` (``synchronous=FULL``: on disk when the
answer goes out). A call that changed nothing does not touch the file.
"""

from __future__ import annotations

from services.changes import Changes
from services.storage import rows
from services.storage.database import Database, transaction


class SqliteJournal:
    def __init__(self, database: Database) -> None:
        self._db = database.connection
        self.commits = 0

    def write(self, changes: Changes) -> None:
        """All of ``changes`` or, on an exception, none of them."""
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
        self.commits += 1
