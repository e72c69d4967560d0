"""Self-service returns per library (issue 15): ``libraries.self_check_in``,
whether its terminals take books back (``LibraryRules.self_check_in``);
every library of a database does so until told otherwise. And the indexes
the daily round reads by (reminders: open loans by due date; expiry: ready
holds by date), so that it never reads every loan of a large region.

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
    op.create_index("loans_open_due", "loans", ["due"],
                    sqlite_where=sa.text("returned IS NULL"),
                    postgresql_where=sa.text("returned IS NULL"))
    op.create_index("reservations_ready_until", "reservations", ["held_until"],
                    sqlite_where=sa.text("state = 'ready'"),
                    postgresql_where=sa.text("state = 'ready'"))


def downgrade() -> None:
    op.drop_index("reservations_ready_until", "reservations")
    op.drop_index("loans_open_due", "loans")
    with op.batch_alter_table("libraries") as batch:
        batch.drop_column("self_check_in")
