"""The server's settings: the ``[server]`` table of a TOML settings file.

``mana serve`` reads them from ``--config PATH`` (only the ``[server]`` table
is looked at; the kiosk's sections may sit in the same file), and its flags
override what the file says.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError


class SettingsError(Exception):
    """The settings could not be read; the message names the file and the key."""


class MailSettings(BaseModel):
    """``[server.mail]``: the e-mails the server sends (R13) and the mail server
    that takes them. Without ``smtp_host`` nothing is delivered: messages stay
    in the outbox, where ``mana outbox`` shows them (the demo)."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    sender: str = Field(default="noreply@kis.gov.lv", pattern=r"^[^@\s]+@[^@\s]+$")
    """The no-reply address every message is sent from."""

    smtp_host: str = ""
    """The mail server; empty: deliver nothing, keep every message in the outbox."""

    smtp_port: int = Field(default=25, ge=1, le=65535)
    """Its port: 25 or 587 (``starttls``), 465 (``tls``)."""

    smtp_security: Literal["none", "starttls", "tls"] = "starttls"
    """``starttls`` upgrades the connection before logging in; ``tls`` connects
    with TLS from the start; ``none`` sends in clear (a relay on this machine)."""

    smtp_username: str = ""
    """Login at the mail server; empty: no login."""

    smtp_password: str = ""
    """Its password (keep this file readable by the server's user only)."""

    smtp_timeout: float = Field(default=30, gt=0, le=600)
    """Seconds to wait for the mail server before the attempt counts as failed."""

    poll_seconds: float = Field(default=2, gt=0, le=3600)
    """How often the outbox is looked at for messages to send."""

    retry_first_seconds: float = Field(default=30, gt=0, le=24 * 3600)
    """After a failed attempt (server down, 4xx, timeout) a message is tried
    again this much later, then twice as long after each further failure…"""

    retry_max_seconds: float = Field(default=3600, gt=0, le=7 * 24 * 3600)
    """…but never more than this apart. A message is never dropped for an outage."""


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

    maintenance_minutes: float = Field(default=15, gt=0, le=24 * 60)
    """How often the server expires uncollected holds (passing each copy on)
    and sends the due-date reminders, even when nobody is using it."""

    mail: MailSettings = MailSettings()
    """``[server.mail]``: the sender address and the SMTP server."""

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
