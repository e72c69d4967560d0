"""The server's engine: ``MemoryService`` over the region kept in the database.

``durable_engine`` opens the database (an SQLite file or PostgreSQL,
creating and migrating its schema),
fills an empty one with the demo region when asked, loads the region into
the engine and gives it the journal that writes every change back before
the answer goes out. The rules stay in ``services.memory``. A write the
file refuses fails that call alone: the journal reads the region back as
the last commit left it (``DatabaseJournal.restore``), and the engine goes on.
"""

from __future__ import annotations

import gc
import logging
import os
import time
from datetime import date

import sqlalchemy as sa
from argon2 import PasswordHasher

from services.clock import Clock, SystemClock
from services.memory import MemoryService
from services.storage import (
    Database,
    DatabaseJournal,
    StorageError,
    fill_region,
    load_store,
    open_database,
)
from services.storage import schema
from services.storage.database import create_engine, is_url
from services.storage.region import is_empty, region_value

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
    """The engine of the database ``path`` (a file or a URL) and the open
    database (close it after the server stopped); its messages come from
    ``sender``. Raises ``StorageError``."""
    clock = clock or SystemClock()
    hasher = hasher or PasswordHasher()  # argon2-cffi's defaults: argon2id, 64 MiB, t=3
    database = open_database(path)
    try:
        if database.created:
            log.info("%s: new database, schema %s", database.name, database.revision)
        if is_empty(database):
            if demo:
                _fill_demo(database, clock, hasher, demo_records)
            else:
                log.warning(
                    "%s holds no region yet: the service starts empty. To fill it with the "
                    "demo region, start once with: mana serve --demo --database %s",
                    database.name, database.name,
                )
        elif demo:
            log.info("%s already holds a region: --demo leaves it as it is%s", database.name,
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
    engine = MemoryService(clock=clock, store=store, journal=DatabaseJournal(database), hasher=hasher)
    return engine, database


DEMO = "demo"
"""``region_info`` source of a region that ``--demo`` wrote."""


def holds_demo_or_nothing(path: str) -> bool:
    """Whether the database ``path`` is one ``--demo`` may show the outbox of:
    missing, empty (``--demo`` fills it) or holding the demo region. A file
    with a real region (any other source) is not, also with ``--demo``: its
    outbox has real patrons' e-mails and recovery codes. Read-only, before
    the server opens the file."""
    if path == ":memory:" or (not is_url(path) and not os.path.exists(path)):
        return True
    engine = create_engine(path, read_only=True)
    try:
        with engine.connect() as db:
            info = dict(db.execute(sa.select(schema.region_info.c.key,
                                             schema.region_info.c.value)).tuples().all())
    except sa.exc.SQLAlchemyError:  # no schema yet, or not a database:
        return True  # opening it for real says which
    finally:
        engine.dispose()
    return "name" not in info or info.get("source") == DEMO


def region_source(database: Database) -> str | None:
    return region_value(database, "source")


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
             database.name, len(region.records), time.perf_counter() - started)
