"""The server's durable storage: the region in SQLite or PostgreSQL tables.

``open_database(target)`` opens (creating and migrating) an SQLite file or
a PostgreSQL database; ``fill_region`` writes a region into an empty one
(the demo, hashed passwords); ``load_store`` reads it back into the
engine's ``Store``; ``DatabaseJournal`` writes what each engine call
changed. The tables are ``services.storage.schema``, their migrations
``services/storage/migrations``. The engine, with every rule, stays
``services.memory``: this package only keeps its state.
"""

from services.storage.database import (
    Database,
    DatabaseInUse,
    StorageError,
    open_database,
    read_messages,
)
from services.storage.journal import DatabaseJournal
from services.storage.region import fill_region, load_store

__all__ = [
    "Database",
    "DatabaseInUse",
    "DatabaseJournal",
    "StorageError",
    "fill_region",
    "load_store",
    "open_database",
    "read_messages",
]
