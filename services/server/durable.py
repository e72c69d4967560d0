"""The server's engine: ``MemoryService`` over the region kept in the database.

``durable_engine`` opens the database file (creating and migrating it),
fills an empty one with the demo region when asked, loads the region into
the engine and gives it the journal that writes every change back before
the answer goes out. The rules stay in ``services.memory``. A write the
file refuses fails that call alone: the journal reads the region back as
the last commit left it (``SqliteJournal.restore``), and the engine goes on.
"""

from __future__ import annotations

import gc
import logging
import os
import sqlite3
import time
from datetime import date
from urllib.parse import quote

from argon2 import PasswordHasher

from services.clock import Clock, SystemClock
from services.memory import MemoryService
from services.storage import (
    Database,
    SqliteJournal,
    StorageError,
    fill_region,
    load_store,
    open_database,
)
from services.storage.region import is_empty

log = logging.getLogger("mana.server")


def durable_engine(
    path: str,
    *,
    demo: bool = False,
    demo_records: int | None = None,
    clock: Clock | None = None,
    hasher: PasswordHasher | None = None,
    sender: str = "noreply@kis.gov.lv",
) -> tuple[MemoryService, Database]:
    """The engine of the database ``path`` and the open database (close it
    after the server stopped); its messages come from ``sender``. Raises
    ``StorageError``."""
    clock = clock or SystemClock()
    hasher = hasher or PasswordHasher()  # argon2-cffi's defaults: argon2id, 64 MiB, t=3
    database = open_database(path)
    try:
        if database.created:
            log.info("%s: new database, schema version %d", path, database.version)
        if is_empty(database):
            if demo:
                _fill_demo(database, clock, hasher, demo_records)
            else:
                log.warning(
                    "%s holds no region yet: the service starts empty. To fill it with the "
                    "demo region, start once with: mana serve --demo --database %s", path, path,
                )
        elif demo:
            log.info("%s already holds a region: --demo leaves it as it is%s", path,
                     "" if region_source(database) == DEMO else " and does not show the outbox")
        started = time.perf_counter()
        store = load_store(database, sender)
        # Everything loaded lives as long as the server: keep it out of the
        # collector's way (a full collection would otherwise walk millions of
        # objects in the middle of a request).
        gc.freeze()
        log.info("loaded %d records, %d copies, %d accounts in %.1f s",
                 len(store.records), len(store.copies), len(store.accounts),
                 time.perf_counter() - started)
    except BaseException:
        database.close()
        raise
    engine = MemoryService(clock=clock, store=store, journal=SqliteJournal(database), hasher=hasher)
    return engine, database


DEMO = "demo"
"""``region_info`` source of a region that ``--demo`` wrote."""


def holds_demo_or_nothing(path: str) -> bool:
    """Whether the database ``path`` is one ``--demo`` may show the outbox of:
    missing, empty (``--demo`` fills it) or holding the demo region. A file
    with a real region (any other source) is not, also with ``--demo``: its
    outbox has real patrons' e-mails and recovery codes. Read-only, before
    the server opens the file."""
    if path == ":memory:" or not os.path.exists(path):
        return True
    try:
        connection = sqlite3.connect(f"file:{quote(path)}?mode=ro", uri=True)
        try:
            rows = dict(connection.execute("SELECT key, value FROM region_info").fetchall())
        finally:
            connection.close()
    except sqlite3.DatabaseError:  # no schema yet (an empty file), or not a database:
        return True  # opening it for real says which
    return "name" not in rows or rows.get("source") == DEMO


def region_source(database: Database) -> str | None:
    row = database.connection.execute(
        "SELECT value FROM region_info WHERE key = 'source'").fetchone()
    return row[0] if row else None


def _fill_demo(
    database: Database, clock: Clock, hasher: PasswordHasher, records: int | None
) -> None:
    from services.demo import build_region

    started = time.perf_counter()
    today: date = clock.now().date()
    try:
        region = build_region(today, records=records)
    except ValueError as e:  # fewer records than the curated catalog
        raise StorageError(f"--demo-records: {e}") from None
    fill_region(database, region, hasher, source=DEMO)
    log.info("%s: filled with the demo region (%d records) in %.1f s",
             database.path, len(region.records), time.perf_counter() - started)
