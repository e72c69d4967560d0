"""The maintenance key: what lets ``mana expire-holds`` ask the running server.

``POST /api/v1/maintenance/expire-holds`` answers with patron reservations,
so it is not for anyone who can reach the port. At every start the server
makes a random key and writes it next to its database file
(``<database>.maintenance-key``, mode 0600: readable by the server's user
only, like the database itself); the administrator's command, run as that
user, reads it and sends it in the ``X-Mana-Maintenance-Key`` header. A
server on a PostgreSQL database writes it in its working directory, named
after the database (``mana-<host>-<database>.maintenance-key``);
``[server] maintenance_key_file`` puts it elsewhere. A
server on ":memory:" writes no file: its key is only in the app
(``app.state.maintenance_key``, for tests in the same process).
"""

from __future__ import annotations

import contextlib
import hmac
import logging
import os
import re
import secrets
from pathlib import Path

from services.server.settings import ServerSettings

log = logging.getLogger("mana.server")

KEY_HEADER = "X-Mana-Maintenance-Key"
MEMORY = ":memory:"


def key_path(settings: ServerSettings) -> Path | None:
    """Where the key of the server with ``settings`` is written (None: nowhere):
    ``[server] maintenance_key_file``, else by its database."""
    if settings.maintenance_key_file:
        return Path(settings.maintenance_key_file)
    database = settings.database
    if database == MEMORY:
        return None
    if "://" in database:
        from sqlalchemy.engine import make_url  # a server's; not when a kiosk imports this

        url = make_url(database)
        name = re.sub(r"[^A-Za-z0-9._-]", "_", f"{url.host or 'local'}-{url.database or ''}")
        return Path(f"mana-{name}.maintenance-key")
    return Path(f"{database}.maintenance-key")


def issue_key(settings: ServerSettings) -> str:
    """A new key, written (mode 0600) to ``key_path``. An old file is
    replaced, never written through (it may be a link)."""
    key = secrets.token_urlsafe(32)
    path = key_path(settings)
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


def read_key(settings: ServerSettings) -> str | None:
    """The key the server with ``settings`` wrote, or None (no file, not readable)."""
    path = key_path(settings)
    if path is None:
        return None
    try:
        return path.read_text().strip() or None
    except OSError:
        return None


def allows(key: str, given: str | None) -> bool:
    """Whether ``given`` is ``key`` (compared in constant time)."""
    return given is not None and hmac.compare_digest(key.encode(), given.encode())
