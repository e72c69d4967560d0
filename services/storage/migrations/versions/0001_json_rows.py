"""The first schema (Mana 0.1, SQLite ``user_version`` 1): key columns for
lookups by hand and each model's JSON in ``data``. Kept so that every
database, new or written by that version, takes the same steps after it.

Revision ID: 0001
"""

from __future__ import annotations

from alembic import op

revision = "0001"
down_revision = None

TABLES = (
    "CREATE TABLE region_info (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE libraries (id TEXT PRIMARY KEY, data TEXT NOT NULL)",
    "CREATE TABLE records (id INTEGER PRIMARY KEY, data TEXT NOT NULL)",
    "CREATE TABLE copies (barcode TEXT PRIMARY KEY, record_id INTEGER NOT NULL,"
    " library_id TEXT NOT NULL, data TEXT NOT NULL)",
    "CREATE TABLE accounts (patron_id INTEGER PRIMARY KEY, username TEXT NOT NULL,"
    " card_number TEXT NOT NULL, patron TEXT NOT NULL, password_hash TEXT NOT NULL,"
    " login TEXT NOT NULL)",
    "CREATE TABLE loans (id INTEGER PRIMARY KEY, patron_id INTEGER NOT NULL,"
    " barcode TEXT NOT NULL, data TEXT NOT NULL)",
    "CREATE TABLE reservations (id INTEGER PRIMARY KEY, patron_id INTEGER NOT NULL,"
    " barcode TEXT NOT NULL, ended TEXT, data TEXT NOT NULL)",
    "CREATE TABLE free_requests (id INTEGER PRIMARY KEY, patron_id INTEGER NOT NULL,"
    " data TEXT NOT NULL)",
    "CREATE TABLE messages (id INTEGER PRIMARY KEY, recipient TEXT NOT NULL,"
    " data TEXT NOT NULL)",
)


def upgrade() -> None:
    for statement in TABLES:
        op.execute(statement)
