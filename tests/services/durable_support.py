"""The journaled engine over a real database, for the storage tests.

``journaled(region, clock, target)`` fills the database (an SQLite file or
a PostgreSQL URL) with ``region`` (cheap argon2id parameters, to keep the
tests quick) and returns the engine the server would run: ``MemoryService``
over the loaded store, with the ``DatabaseJournal``. ``reloading`` and
``reloading_postgres`` are adapters in the shape of
``tests.services.adapters.ADAPTERS``: before every call the engine drops
its state and loads it again from the database, so every answer is built
only from what the previous calls left there. ``served_sqlite`` and
``served_postgres`` are the real server in front of the journaled engine
(its idempotency records in the same database), reached by the remote
adapter.
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

from services.clock import Clock
from services.memory import MemoryService
from services.memory.hashing import CHEAP_HASHER
from services.models import OfferKind, SearchQuery
from services.protocol import LibraryService
from services.region import RegionData
from services.remote import RemoteService
from services.storage import Database, DatabaseJournal, fill_region, load_store, open_database
from tests.services.postgres import fresh_database
from tests.services.server_harness import TEST_SETTINGS, start_server

SENDER = "noreply@kis.gov.lv"


def journaled(
    region: RegionData, clock: Clock, target: Path | str
) -> tuple[MemoryService, Database]:
    database = open_database(str(target))
    fill_region(database, region, CHEAP_HASHER, source="test")
    return engine_of(database, clock), database


def engine_of(database: Database, clock: Clock) -> MemoryService:
    """A new engine of what ``database`` holds now."""
    return MemoryService(
        clock=clock, store=load_store(database, SENDER), journal=DatabaseJournal(database),
        hasher=CHEAP_HASHER,
    )


class Reloading:
    """Every ``LibraryService`` method of ``engine``, each one called on the
    state loaded afresh from ``database`` (the sessions stay in memory)."""

    def __init__(self, engine: MemoryService, database: Database) -> None:
        self._engine = engine
        self._database = database
        self.reloads = 0

    def __getattr__(self, name: str) -> Callable[..., Any]:
        method = getattr(self._engine, name)

        async def call(*args: Any, **kwargs: Any) -> Any:
            self._engine._store = load_store(self._database, SENDER)
            self.reloads += 1
            return await method(*args, **kwargs)

        return call


@contextlib.asynccontextmanager
async def reloading(region: RegionData, clock: Clock) -> AsyncIterator[LibraryService]:
    with tempfile.TemporaryDirectory(prefix="mana-durable-") as folder:
        engine, database = journaled(region, clock, Path(folder) / "mana.db")
        try:
            yield Reloading(engine, database)  # type: ignore[misc]
        finally:
            database.close()


@contextlib.asynccontextmanager
async def reloading_postgres(region: RegionData, clock: Clock) -> AsyncIterator[LibraryService]:
    with fresh_database() as url:
        engine, database = journaled(region, clock, url)
        try:
            yield Reloading(engine, database)  # type: ignore[misc]
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
    "durable-sqlite": reloading,
    "durable-postgresql": reloading_postgres,
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
