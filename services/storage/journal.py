"""``DatabaseJournal``: what an engine call changed, written in one transaction.

``MemoryService`` serializes its calls with one lock and hands each call's
``Changes`` to ``write`` before the call returns, so the database always
holds the state after some whole call, never part of one. Every changed
entity is written whole (an upsert on its key; a record's authors and
subjects are not changed by calls). A call that changed nothing does not
touch the database.

When a write fails, ``restore`` gives the engine the store as the last
commit left it (the database is the truth; the engine's memory was ahead of
it), and ``check`` tells whether the database takes a write again.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from services.changes import Changes
from services.storage import rows, schema
from services.storage.database import Database, transaction
from services.storage.region import load_store
from services.store import Store


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


class DatabaseJournal:
    def __init__(self, database: Database) -> None:
        self._database = database
        self.commits = 0

    def write(self, changes: Changes) -> None:
        """All of ``changes`` or, on an exception, none of them."""
        with transaction(self._database.engine) as db:
            self._write(db, changes)
        self.commits += 1

    def restore(self, sender: str) -> Store:
        """The store of the last commit, read from the database (``load_store``);
        raises when it cannot be read."""
        return load_store(self._database, sender)

    def check(self) -> None:
        """A commit that changes nothing anyone reads; raises while the
        database takes no write."""
        with transaction(self._database.engine) as db:
            table = schema.region_info
            db.execute(table.delete().where(table.c.key == "probe"))

    @staticmethod
    def _write(db: Connection, changes: Changes) -> None:
        s = schema
        upsert(db, s.copies, map(rows.copy_row, changes.copies))
        upsert(db, s.accounts, map(rows.account_row, changes.accounts))
        upsert(db, s.loans, map(rows.loan_row, changes.loans))
        upsert(db, s.reservations, (rows.reservation_row(r, changes.ended.get(r.id))
                                    for r in changes.reservations))
        upsert(db, s.free_requests, map(rows.request_row, changes.free_requests))
        upsert(db, s.messages, map(rows.message_row, changes.messages))
        if changes.forgotten_messages:
            db.execute(s.messages.delete().where(s.messages.c.id.in_(changes.forgotten_messages)))

