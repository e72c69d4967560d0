"""Self-service returns per library (issue 15): ``libraries.self_check_in``,
whether its terminals take books back (``LibraryRules.self_check_in``);
every library of a database does so until told otherwise.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"


def upgrade() -> None:
    with op.batch_alter_table("libraries") as batch:
        batch.add_column(sa.Column("self_check_in", sa.Boolean(), nullable=False,
                                   server_default="1"))


def downgrade() -> None:
    with op.batch_alter_table("libraries") as batch:
        batch.drop_column("self_check_in")
