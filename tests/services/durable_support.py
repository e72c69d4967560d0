"""The journaled engine over a real SQLite file, for the storage tests.

``journaled(region, clock, path)`` fills the file with ``region`` (cheap
argon2id parameters, to keep the tests quick) and returns the engine the
server would run: ``MemoryService`` over the loaded store, with the
``SqliteJournal``. ``reloading`` is an adapter in the shape of
``tests.services.adapters.ADAPTERS``: before every call the engine drops
its state and loads it again from the file, so every answer is built only
from what the previous calls left on disk.
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
from services.storage import Database, SqliteJournal, fill_region, load_store, open_database

SENDER = "noreply@kis.gov.lv"


def journaled(region: RegionData, clock: Clock, path: Path) -> tuple[MemoryService, Database]:
    database = open_database(str(path))
    fill_region(database, region, CHEAP_HASHER, source="test")
    return engine_of(database, clock), database


def engine_of(database: Database, clock: Clock) -> MemoryService:
    """A new engine of what ``database`` holds now."""
    return MemoryService(
        clock=clock, store=load_store(database, SENDER), journal=SqliteJournal(database),
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


async def orderable_barcode(service: LibraryService, skip: int = 0) -> str:
    """A copy of the catalog that offers "Pasūtīt" now (the ``skip``+1-th one)."""
    for hit in (await service.search(SearchQuery(text="", limit=100))).items:
        for view in (await service.copies(hit.id)).items:
            if view.offer.kind == OfferKind.ORDER:
                if not skip:
                    return view.item.barcode
                skip -= 1
    raise AssertionError("not enough copies of the first 100 records can be ordered")
