"""The adapters every service test runs against, by name.

Each entry is a factory: given the region's data and a clock it is an async
context manager that yields a ``LibraryService`` and cleans up after it.
Today there is the in-memory adapter. The remote adapter is one more entry: it
starts the real server on 127.0.0.1 (port 0) in this process with the same
``RegionData`` and the same ``FakeClock`` object, yields the httpx client
adapter pointed at it, and stops the server on exit; every contract, rule and
state-machine test then runs against it too.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager

from services.clock import Clock
from services.protocol import LibraryService
from services.region import RegionData
from tests.services.server_harness import remote

MakeService = Callable[[RegionData, Clock], AbstractAsyncContextManager[LibraryService]]


@contextlib.asynccontextmanager
async def memory(region: RegionData, clock: Clock) -> AsyncIterator[LibraryService]:
    from services.memory import MemoryService

    yield MemoryService(region, clock)


ADAPTERS: dict[str, MakeService] = {
    "memory": memory,
    "remote": remote,
}
