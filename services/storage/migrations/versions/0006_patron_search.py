"""The desk's patron search from indexes (R14), for regions of a million
card holders: ``patron_words`` holds each folded word of an account's name
(``services.text.words``), so a name is found by the beginning of its words
in the primary key's range; a card number by its beginning in the unique
index it already has. Filled here from the accounts a database holds.

Revision ID: 0006
Revises: 0005
"""

# ruff: noqa: E501 (the table definitions as Alembic writes them)

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from services.text import words

revision = "0006"
down_revision = "0005"

WORD = sa.Text().with_variant(sa.Text(collation="C"), "postgresql")


def upgrade() -> None:
    op.create_table(
        'patron_words',
        sa.Column('word', WORD, nullable=False, comment='One folded word of the account\'s name (services.text.words).'),
        sa.Column('patron_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['patron_id'], ['accounts.patron_id'], name=op.f('fk_patron_words_patron_id_accounts'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('word', 'patron_id', name=op.f('pk_patron_words'))
    )
    bind = op.get_bind()
    accounts = sa.table('accounts', sa.column('patron_id', sa.Integer()), sa.column('name', sa.Text()))
    table = sa.table('patron_words', sa.column('word', sa.Text()), sa.column('patron_id', sa.Integer()))
    found = [{"word": word, "patron_id": patron_id}
             for patron_id, name in bind.execute(sa.select(accounts.c.patron_id, accounts.c.name))
             for word in set(words(name))]
    for start in range(0, len(found), 5000):
        bind.execute(table.insert(), found[start:start + 5000])


def downgrade() -> None:
    op.drop_table('patron_words')
