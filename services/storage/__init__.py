"""The server's durable storage: the region in SQLite or PostgreSQL tables.

``open_database(target)`` opens (creating and migrating) an SQLite file or
a PostgreSQL database; ``fill_region`` writes a region into an empty one
(the demo, hashed passwords). The tables are ``services.storage.schema``,
their migrations ``services/storage/migrations``, the catalogue search
``services.storage.search``. The engine (``services.engine``) reads and
writes them, one transaction per call.
"""

from services.storage.database import (
    Database,
    DatabaseInUse,
    StorageError,
    open_database,
    read_messages,
)
from services.storage.region import fill_region

__all__ = [
    "Database",
    "DatabaseInUse",
    "StorageError",
    "fill_region",
    "open_database",
    "read_messages",
]
