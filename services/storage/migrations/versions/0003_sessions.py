"""The engine's sessions in the database: a login made on one server is known
to every server of the region, and survives a restart. Accounts gain
``login_name``, the username as a login matches it (case folded, as
Python's ``str.casefold``: SQL's ``lower`` knows only ASCII). On PostgreSQL,
the new ids of loans, reservations, free requests and messages come from
sequences (``<table>_id_seq``): servers that write at once never race for
the same next id. Libraries gain ``position``, their place in the region's
lists.

Revision ID: 0003
Revises: 0002
"""

# ruff: noqa: E501 (the table definitions as Alembic writes them)

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"

SEQUENCED = ("loans", "reservations", "free_requests", "messages")

MOMENT = sa.DateTime(timezone=True).with_variant(sa.String(26), "sqlite")


def upgrade() -> None:
    op.create_table(
        'sessions',
        sa.Column('token_hash', sa.String(length=64), nullable=False, comment='SHA-256 of the session token (the token itself is never stored).'),
        sa.Column('patron_id', sa.Integer(), nullable=False),
        sa.Column('created', MOMENT, nullable=False),
        sa.Column('issued', sa.Float(), nullable=True, comment="When a server gave the token out, in seconds of the servers' clock."),
        sa.Column('used', sa.Float(), nullable=True, comment='When a request last came with it (idle expiry), same clock.'),
        sa.ForeignKeyConstraint(['patron_id'], ['accounts.patron_id'], name=op.f('fk_sessions_patron_id_accounts'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('token_hash', name=op.f('pk_sessions'))
    )
    op.create_index(op.f('ix_sessions_patron_id'), 'sessions', ['patron_id'], unique=False)
    with op.batch_alter_table('accounts') as batch:
        batch.add_column(sa.Column('login_name', sa.Text(), nullable=False, server_default='', comment='The username case-folded, as a login matches it.'))
    bind = op.get_bind()
    accounts = sa.table('accounts', sa.column('patron_id', sa.Integer()), sa.column('username', sa.Text()), sa.column('login_name', sa.Text()))
    for patron_id, username in bind.execute(sa.select(accounts.c.patron_id, accounts.c.username)).all():
        bind.execute(accounts.update().where(accounts.c.patron_id == patron_id).values(login_name=username.casefold()))
    op.create_index(op.f('ix_accounts_login_name'), 'accounts', ['login_name'], unique=False)
    # the libraries in the region's order (as the catalog and the contacts list
    # them), which 0002 kept as the order of its rows
    with op.batch_alter_table('libraries') as batch:
        batch.add_column(sa.Column('position', sa.Integer(), nullable=False, server_default='0', comment="The library's place in the region's lists."))
    if bind.dialect.name == "sqlite":
        op.execute("UPDATE libraries SET position = rowid")
    else:
        op.execute("UPDATE libraries SET position = ordered.n FROM (SELECT id, row_number() OVER (ORDER BY ctid) AS n FROM libraries) AS ordered WHERE libraries.id = ordered.id")
    if bind.dialect.name == "postgresql":
        for table in SEQUENCED:
            op.execute(f"CREATE SEQUENCE {table}_id_seq OWNED BY {table}.id")
            op.execute(f"SELECT setval('{table}_id_seq', coalesce(max(id), 0) + 1, false) FROM {table}")
