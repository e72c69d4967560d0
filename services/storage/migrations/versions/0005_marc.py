"""What a MARC import brings (issue 14): a record's statement of
responsibility, edition, physical description and contents; its series,
notes and links in tables of their own; its identity in the file it came
from (MARC 001 and 003, unique together); and the record as it came, as
MARCXML, for the MARC view. The region's own records keep empty values.
On PostgreSQL, ``records_id_seq`` gives an import its new record ids, so
that imports running together never pick the same one (``mana import``
moves it past the ids a filled region wrote; SQLite's single writer needs none).

Revision ID: 0005
Revises: 0004
"""

# ruff: noqa: E501 (the table definitions as Alembic writes them)

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"


def _lines(name: str, *columns: sa.Column) -> None:  # type: ignore[type-arg]
    op.create_table(
        name,
        sa.Column("record_id", sa.Integer(), sa.ForeignKey("records.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("position", sa.Integer(), primary_key=True),
        *columns,
    )


def upgrade() -> None:
    with op.batch_alter_table("records") as batch:
        for name in ("responsibility", "edition", "physical", "contents"):
            batch.add_column(sa.Column(name, sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("control_number", sa.String(64), comment="An imported record's MARC 001 (with control_source, its 003): its identity for a later import. Empty for the region's own."))
        batch.add_column(sa.Column("control_source", sa.String(64), nullable=False, server_default=""))
        batch.create_index("records_control", ["control_number", "control_source"], unique=True)
    _lines("record_series", sa.Column("series", sa.Text(), nullable=False))
    _lines("record_notes", sa.Column("note", sa.Text(), nullable=False))
    _lines("record_links", sa.Column("url", sa.Text(), nullable=False),
           sa.Column("label", sa.Text(), nullable=False, server_default=""))
    op.create_table(
        "record_marc",
        sa.Column("record_id", sa.Integer(), sa.ForeignKey("records.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("marcxml", sa.Text(), nullable=False, comment="The record as it was imported, as MARCXML (the MARC view)."),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE SEQUENCE records_id_seq OWNED BY records.id")
        op.execute("SELECT setval('records_id_seq', coalesce(max(id), 0) + 1, false) FROM records")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP SEQUENCE records_id_seq")
    for name in ("record_marc", "record_links", "record_notes", "record_series"):
        op.drop_table(name)
    with op.batch_alter_table("records") as batch:
        batch.drop_index("records_control")
        for name in ("control_source", "control_number", "contents", "physical", "edition",
                     "responsibility"):
            batch.drop_column(name)
