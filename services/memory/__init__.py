"""The in-memory adapter: the embedded default, a realistic demo region, no setup.

``MemoryService(region=None, clock=None, sender=...)`` is the engine
(``services.engine``) on an SQLite database in this process's memory, filled
with ``region`` on first use, or with the demo region
(``services.demo.build_region``) when none is given. Nothing is kept after
the process ends.
"""

from __future__ import annotations

from services.engine import SqlService


class MemoryService(SqlService):
    """Every method of ``services.protocol.LibraryService``, on a region of its own
    in memory."""


__all__ = ["MemoryService"]
