"""The engine on a real database, for the storage tests.

``journaled(region, clock, target)`` fills the database (an SQLite file or
a PostgreSQL URL) with ``region`` (cheap argon2id parameters, to keep the
tests quick) and returns the engine the server would run on it;
``engine_of(database, clock)`` is a new engine on the same database, as
after a restart. ``on_file`` and ``on_postgres`` are adapters in the shape
of ``tests.services.adapters.ADAPTERS``: the engine on a fresh database,
each call answered from what the previous calls committed to it.
``served_sqlite`` and ``served_postgres`` put the real server in front of
it (its idempotency records in the same database), reached by the remote
adapter.
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

from services.clock import Clock
from services.engine import SqlService
from services.engine.hashing import CHEAP_HASHER
from services.models import OfferKind, SearchQuery
from services.protocol import LibraryService
from services.region import RegionData
from services.remote import RemoteService
from services.storage import Database, fill_region, open_database
from tests.services.postgres import fresh_database
from tests.services.server_harness import TEST_SETTINGS, start_server

SENDER = "noreply@kis.gov.lv"


def journaled(
    region: RegionData, clock: Clock, target: Path | str
) -> tuple[SqlService, Database]:
    database = open_database(str(target))
    fill_region(database, region, CHEAP_HASHER, source="test")
    return engine_of(database, clock), database


def engine_of(database: Database, clock: Clock) -> SqlService:
    """A new engine on ``database``: what a restarted server would run."""
    return SqlService(clock=clock, sender=SENDER, database=database, hasher=CHEAP_HASHER)


@contextlib.asynccontextmanager
async def on_file(region: RegionData, clock: Clock) -> AsyncIterator[LibraryService]:
    with tempfile.TemporaryDirectory(prefix="mana-durable-") as folder:
        engine, database = journaled(region, clock, Path(folder) / "mana.db")
        try:
            yield engine
        finally:
            database.close()


@contextlib.asynccontextmanager
async def on_postgres(region: RegionData, clock: Clock) -> AsyncIterator[LibraryService]:
    with fresh_database() as url:
        engine, database = journaled(region, clock, url)
        try:
            yield engine
        finally:
            database.close()


@contextlib.asynccontextmanager
async def _served(
    region: RegionData, clock: Clock, target: str
) -> AsyncIterator[LibraryService]:
    engine, database = journaled(region, clock, target)
    key = tempfile.NamedTemporaryFile(prefix="mana-key-", delete=False)  # noqa: SIM115
    key.close()
    settings = TEST_SETTINGS.model_copy(
        update={"database": target, "maintenance_key_file": key.name})
    server = start_server(engine, settings)
    service = RemoteService(server.url, maintenance_key=server.maintenance_key)
    try:
        yield service
    finally:
        try:
            await service.aclose()
        finally:
            server.stop()
            database.close()
            Path(key.name).unlink(missing_ok=True)


@contextlib.asynccontextmanager
async def served_postgres(region: RegionData, clock: Clock) -> AsyncIterator[LibraryService]:
    with fresh_database() as url:
        async with _served(region, clock, url) as service:
            yield service


@contextlib.asynccontextmanager
async def served_sqlite(region: RegionData, clock: Clock) -> AsyncIterator[LibraryService]:
    with tempfile.TemporaryDirectory(prefix="mana-served-") as folder:
        async with _served(region, clock, str(Path(folder) / "mana.db")) as service:
            yield service


DURABLE: dict[str, Callable[[RegionData, Clock], Any]] = {
    "sqlite-file": on_file,
    "postgresql": on_postgres,
    "server-sqlite": served_sqlite,
    "server-postgresql": served_postgres,
}
"""The adapters the contract and rule suites run on once more, by name."""


async def orderable_barcode(service: LibraryService, skip: int = 0) -> str:
    """A copy of the catalog that offers "Pasūtīt" now (the ``skip``+1-th one)."""
    for hit in (await service.search(SearchQuery(text="", limit=100))).items:
        for view in (await service.copies(hit.id)).items:
            if view.offer.kind == OfferKind.ORDER:
                if not skip:
                    return view.item.barcode
                skip -= 1
    raise AssertionError("not enough copies of the first 100 records can be ordered")
