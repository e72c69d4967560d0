"""The server's settings: the ``[server]`` table of a TOML settings file.

``mana serve`` reads them from ``--config PATH`` (only the ``[server]`` table
is looked at; the kiosk's sections may sit in the same file), and its flags
override what the file says.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError


class SettingsError(Exception):
    """The settings could not be read; the message names the file and the key."""


class ServerSettings(BaseModel):
    """``[server]``: where ``mana serve`` listens, what it keeps, how it guards logins."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    host: str = "127.0.0.1"
    """Address to listen on (loopback by default; "0.0.0.0" for every interface)."""

    port: int = Field(default=8080, ge=0, le=65535)
    """TCP port (0: any free port)."""

    database: str = "mana.db"
    """SQLite file the server keeps its records in; ":memory:" keeps nothing."""

    token_idle_minutes: float = Field(default=30, gt=0, le=24 * 60)
    """A bearer token unused this long stops working."""

    token_absolute_hours: float = Field(default=12, gt=0, le=24 * 30)
    """A bearer token stops working this long after login, used or not."""

    login_window_seconds: float = Field(default=300, gt=0, le=24 * 3600)
    """The window in which failed logins are counted."""

    login_failures_per_address: int = Field(default=10, ge=1, le=10_000)
    """Failed logins (or password codes) from one client address within the window
    before that address must wait (429)."""

    login_failures_per_account: int = Field(default=5, ge=1, le=10_000)
    """Failed logins for one username or card number within the window before
    that account must wait (429)."""

    max_body_bytes: int = Field(default=65536, ge=1024, le=16 * 1024 * 1024)
    """Larger request bodies are refused with 413."""

    idempotency_hours: float = Field(default=24, gt=0, le=24 * 30)
    """How long the first answer to a write with an ``Idempotency-Key`` is kept."""

    expose_outbox: bool = False
    """Serve ``GET /api/v1/outbox`` (every e-mail, recovery codes included) to
    anyone: for the demo and the tests only, never in a real library."""


def read_server_settings(path: Path, overrides: dict[str, Any] | None = None) -> ServerSettings:
    """The ``[server]`` table of the TOML file ``path`` (defaults for what is
    missing), with ``overrides`` on top. Raises ``SettingsError``."""
    try:
        with open(path, "rb") as file:
            data = tomllib.load(file)
    except OSError as e:
        raise SettingsError(f"{path}: cannot read: {e.strerror or e}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise SettingsError(f"{path}: invalid TOML: {e}") from None
    table = data.get("server", {})
    if not isinstance(table, dict):
        raise SettingsError(f"{path}: server: should be a table: [server]")
    return settings_from(table | (overrides or {}), source=str(path))


def settings_from(values: dict[str, Any], source: str = "command line") -> ServerSettings:
    """``values`` as ``ServerSettings``; errors read ``source: server.key: problem``."""
    try:
        return ServerSettings.model_validate(values)
    except ValidationError as e:
        lines = []
        for item in e.errors():
            key = ".".join(str(part) for part in item["loc"])
            problem = "unknown setting" if item["type"] == "extra_forbidden" else item["msg"]
            lines.append(f"{source}: server.{key}: {problem}")
        raise SettingsError("\n".join(lines)) from None
