"""Alembic's environment for Mana's schema: always run from
``services.storage.database.migrate``, which hands over the open connection
(``config.attributes["connection"]``); never from an ``alembic.ini``."""

from __future__ import annotations

from alembic import context

from services.storage.schema import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata,
                  render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
