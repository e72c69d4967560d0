"""The server's engine: ``SqlService`` on the database the settings name.

``durable_engine`` opens the database (an SQLite file or PostgreSQL,
creating and migrating its schema), fills an empty one with the demo region
when asked, and gives the engine on it. Nothing of the region is loaded:
the engine asks the database in every call, one transaction each.
"""

from __future__ import annotations

import logging
import os
import time
from datetime import date

import sqlalchemy as sa
from argon2 import PasswordHasher

from services.clock import Clock, SystemClock
from services.engine import SqlService
from services.storage import Database, StorageError, fill_region, open_database, schema
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
) -> tuple[SqlService, Database]:
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
    except BaseException:
        database.close()
        raise
    engine = SqlService(clock=clock, sender=sender, database=database, hasher=hasher)
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
