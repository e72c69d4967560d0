"""The catalogue search in the database (R1): ``record_search``, the folded
words of each record's title and of all its searched fields
(``services.storage.search``), filled here for the records a database
already holds. SQLite: an FTS5 table; PostgreSQL: as this version of
``services.storage.search`` makes it (``tsvector`` columns with GIN indexes
until 0008, a B-tree of words since; 0008 turns the first into the second).

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from services.models import Record
from services.storage import search

revision = "0004"
down_revision = "0003"

BATCH = 5000

records = sa.table("records", *(sa.column(name) for name in (
    "id", "title", "publisher", "isbn", "source")))
authors = sa.table("record_authors", sa.column("record_id"), sa.column("position"),
                   sa.column("name"))
subjects = sa.table("record_subjects", sa.column("record_id"), sa.column("position"),
                    sa.column("subject"))


def upgrade() -> None:
    bind = op.get_bind()
    search.create_structure(bind)
    last = None
    while True:
        query = sa.select(records).order_by(records.c.id).limit(BATCH)
        if last is not None:
            query = query.where(records.c.id > last)
        batch = bind.execute(query).mappings().all()
        if not batch:
            break
        low, last = batch[0]["id"], batch[-1]["id"]
        names = _grouped(bind, authors, authors.c.name, low, last)
        topics = _grouped(bind, subjects, subjects.c.subject, low, last)
        search.index_records(bind, (
            Record.model_construct(
                id=row["id"], title=row["title"], publisher=row["publisher"], isbn=row["isbn"],
                source=row["source"], authors=names.get(row["id"], []),
                subjects=topics.get(row["id"], []))
            for row in batch
        ))


def _grouped(bind: sa.Connection, table: sa.TableClause, value: sa.ColumnClause,
             low: int, high: int) -> dict[int, list[str]]:
    """``value`` per record id from ``low`` to ``high``, in position order."""
    grouped: dict[int, list[str]] = {}
    query = (sa.select(table.c.record_id, value)
             .where(table.c.record_id.between(low, high))
             .order_by(table.c.record_id, table.c.position))
    for record_id, item in bind.execute(query):
        grouped.setdefault(record_id, []).append(item)
    return grouped
