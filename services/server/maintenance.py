"""The maintenance key: what lets ``mana expire-holds`` ask the running server.

``POST /api/v1/maintenance/expire-holds`` answers with patron reservations,
so it is not for anyone who can reach the port. At every start the server
makes a random key and writes it next to its database file
(``<database>.maintenance-key``, mode 0600: readable by the server's user
only, like the database itself); the administrator's command, run as that
user, reads it and sends it in the ``X-Mana-Maintenance-Key`` header. A
server on ":memory:" writes no file: its key is only in the app
(``app.state.maintenance_key``, for tests in the same process).
"""

from __future__ import annotations

import contextlib
import hmac
import logging
import os
import secrets
from pathlib import Path

log = logging.getLogger("mana.server")

KEY_HEADER = "X-Mana-Maintenance-Key"
MEMORY = ":memory:"


def key_path(database: str) -> Path | None:
    """Where the key of the server of ``database`` is written (None: nowhere)."""
    return None if database == MEMORY else Path(f"{database}.maintenance-key")


def issue_key(database: str) -> str:
    """A new key, written (mode 0600) next to ``database``. An old file is
    replaced, never written through (it may be a link)."""
    key = secrets.token_urlsafe(32)
    path = key_path(database)
    if path is None:
        return key
    try:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        with os.fdopen(fd, "w") as file:
            file.write(key + "\n")
    except OSError as e:  # the server still runs; only the command cannot ask it
        log.warning("cannot write the maintenance key %s (%s): mana expire-holds "
                    "cannot ask this server", path, e.strerror or e)
    return key


def read_key(database: str) -> str | None:
    """The key the server of ``database`` wrote, or None (no file, not readable)."""
    path = key_path(database)
    if path is None:
        return None
    try:
        return path.read_text().strip() or None
    except OSError:
        return None


def allows(key: str, given: str | None) -> bool:
    """Whether ``given`` is ``key`` (compared in constant time)."""
    return given is not None and hmac.compare_digest(key.encode(), given.encode())
