"""PostgreSQL's catalogue search reads a B-tree of words (issue 13): the
``tsvector`` columns and their GIN indexes of 0004 become one row per record
and distinct word (``services.storage.search``), built here from the words
already stored, so that a common word is counted from the index alone. And,
on both dialects, ``copies_on_shelf``: the copies on the shelf by record and
library, which "available now" reads without visiting a copy's row.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from services.storage import search

revision = "0008"
down_revision = "0007"


def upgrade() -> None:
    op.create_index("copies_on_shelf", "copies",
                    ["record_id", "library_id", "barcode", "collection"],
                    sqlite_where=sa.text("status = 'available'"),
                    postgresql_where=sa.text("status = 'available'"))
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    columns = {c["name"] for c in sa.inspect(bind).get_columns("record_search")}
    if "body" not in columns:  # made by 0004 of this version: already words
        return
    op.execute("ALTER TABLE record_search RENAME TO record_search_0004")
    op.execute("ALTER INDEX IF EXISTS pk_record_search RENAME TO pk_record_search_0004")
    search.create_structure(bind)
    # each stored word once per record (cut, two words may become one)
    op.execute(sa.text(
        "INSERT INTO record_search (record_id, word, in_title, title_length)"
        " SELECT s.record_id, left(w.lexeme, :cut), bool_or(w.lexeme = ANY"
        "(tsvector_to_array(s.title))), least(length(min(r.title)), :longest)"
        " FROM record_search_0004 s JOIN records r ON r.id = s.record_id,"
        " unnest(s.body) w GROUP BY s.record_id, left(w.lexeme, :cut)"
    ).bindparams(cut=search.MAX_WORD, longest=search.TITLE_LENGTH_MAX))
    op.execute("DROP TABLE record_search_0004")
    op.execute("ANALYZE record_search")


def downgrade() -> None:
    op.drop_index("copies_on_shelf", "copies")
