"""The server's durable storage: the region in a SQLite file.

``open_database(path)`` opens (creating and migrating) the file;
``fill_region`` writes a region into an empty one (the demo, hashed
passwords); ``load_store`` reads it back into the engine's ``Store``;
``SqliteJournal`` writes what each engine call changed. The engine, with
every rule, stays ``services.memory``: this package only keeps its state.
"""

from services.storage.database import (
    Database,
    DatabaseInUse,
    StorageError,
    open_database,
    read_messages,
)
from services.storage.journal import SqliteJournal
from services.storage.region import fill_region, load_store

__all__ = [
    "Database",
    "DatabaseInUse",
    "SqliteJournal",
    "StorageError",
    "fill_region",
    "load_store",
    "open_database",
    "read_messages",
]
