"""The server's engine: ``MemoryService`` over the region kept in the database.

``durable_engine`` opens the database file (creating and migrating it),
fills an empty one with the demo region when asked, loads the region into
the engine and gives it the journal that writes every change back before
the answer goes out. The rules stay in ``services.memory``.
"""

from __future__ import annotations

import gc
import logging
import time
from datetime import date

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
            log.info("%s already holds a region: --demo leaves it as it is", path)
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
    fill_region(database, region, hasher, source="demo")
    log.info("%s: filled with the demo region (%d records) in %.1f s",
             database.path, len(region.records), time.perf_counter() - started)
