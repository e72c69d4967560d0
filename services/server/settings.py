"""The server's settings: the ``[server]`` table of a TOML settings file.

``mana serve`` reads them from ``--config PATH`` (only the ``[server]`` table
is looked at; the kiosk's sections may sit in the same file), and its flags
override what the file says.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from services.toml_file import TomlFileError, problems, read_toml


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


class Sip2Terminal(BaseModel):
    """``[[server.sip2.terminals]]``: one self-check machine (or SIP2 client)
    that may log in (93) to the SIP2 listener, and the library it acts for."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    login: str = Field(min_length=1, max_length=64, pattern=r"^[^|\s]+$")
    """The terminal's SIP login (CN)."""

    password_hash: str = Field(min_length=1, pattern=r"^\$argon2")
    """The argon2 hash of its SIP password (CO), never the password itself:
    ``uv run python -m services.sip2 hash`` makes one."""

    library: str = Field(min_length=1, max_length=64)
    """The id of the library the terminal stands in: its copies are the ones
    it checks out and in."""

    institution_id: str = ""
    """The institution id (AO) the terminal sends and is answered with;
    empty: the library's id."""

    location: str = ""
    """The location code (CP) it logs in with, when it must send one."""

    staff_account: str = ""
    """The username of a staff member of ``library`` in whose name the
    terminal checks out (11) and in (09); empty: the terminal only looks up,
    renews and places holds, and checkout and checkin are refused."""

    delimiter: str = Field(default="", max_length=1)
    """Its field delimiter after login; empty: ``[server.sip2] delimiter``."""

    charset: str = ""
    """Its character set after login; empty: ``[server.sip2] charset``."""


class Sip2Settings(BaseModel):
    """``[server.sip2]``: the SIP2 listener, for the self-check machines a
    library already owns. Without ``port`` there is none."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    port: int = Field(default=0, ge=0, le=65535)
    """The TCP port of the SIP2 listener (6001 is usual); 0: no listener."""

    host: str = "127.0.0.1"
    """Address it listens on (loopback by default; "0.0.0.0" for every interface)."""

    tls_cert: str = ""
    """A PEM certificate (chain) file: with ``tls_key``, the listener speaks
    TLS only; empty: plain TCP (on a network of the library's own)."""

    tls_key: str = ""
    """The certificate's PEM private key file."""

    delimiter: str = Field(default="|", min_length=1, max_length=1)
    """The field delimiter (almost always "|")."""

    charset: str = "utf-8"
    """The character set of the messages: "utf-8", or "cp850" / "latin-1" for
    older machines. Bytes that do not decode become a replacement character."""

    idle_seconds: float = Field(default=300, gt=0, le=24 * 3600)
    """A connection that sends nothing for this long is closed."""

    max_connections: int = Field(default=50, ge=1, le=10_000)
    """Connections served at once; one more is closed at once."""

    max_message_bytes: int = Field(default=4096, ge=256, le=65536)
    """A longer message closes its connection."""

    terminals: list[Sip2Terminal] = []
    """Every terminal that may log in, each with its own login."""

    @field_validator("charset")
    @classmethod
    def _charset(cls, value: str) -> str:
        import codecs

        try:
            codecs.lookup(value)
        except LookupError:
            raise ValueError(f"unknown character set: {value!r}") from None
        return value


class ServerSettings(BaseModel):
    """``[server]``: where ``mana serve`` listens, what it keeps, how it guards logins."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    host: str = "127.0.0.1"
    """Address to listen on (loopback by default; "0.0.0.0" for every interface)."""

    port: int = Field(default=8080, ge=0, le=65535)
    """TCP port (0: any free port)."""

    database: str = "mana.db"
    """Where the server keeps the region: an SQLite file (created if missing),
    a PostgreSQL URL ("postgresql://user@host:5432/mana", psycopg 3), or
    ":memory:", which keeps nothing."""

    token_idle_minutes: float = Field(default=30, gt=0, le=24 * 60)
    """A bearer token unused this long stops working."""

    token_absolute_hours: float = Field(default=12, gt=0, le=24 * 30)
    """A bearer token stops working this long after login, used or not."""

    login_window_seconds: float = Field(default=300, gt=0, le=24 * 3600)
    """The window in which failed logins are counted."""

    login_failures_per_client: int = Field(default=10, ge=1, le=10_000)
    """Failed logins (or password codes) from one client within the window, any
    accounts, before that client must wait (429) for every account. A client is
    the caller's address, or the terminal or SSH connection a trusted proxy
    names (``trusted_proxies``)."""

    login_failures_per_account: int = Field(default=5, ge=1, le=10_000)
    """Failed logins for one username or card number from one client within the
    window before that client must wait (429) for that account; others still
    log in to it. Known and unknown names are counted alike. Past this many
    failures from all clients together, every attempt on the account waits
    (1 s, doubling, at most ``login_delay_max_seconds``): an account is slowed,
    never locked."""

    login_delay_max_seconds: float = Field(default=10, ge=0, le=120)
    """The longest an attempt on an account that many clients failed at waits
    (0: no waiting)."""

    login_throttle_entries: int = Field(default=50_000, ge=10, le=10_000_000)
    """Clients, accounts and client-account pairs the login throttle remembers
    at most; past that the longest quiet are forgotten first (and every count
    ends with its window anyway), so unknown callers cannot make it grow."""

    trusted_proxies: list[str] = []
    """Addresses or networks ("10.1.2.0/24") of the kiosks, the SSH gateway and
    the reverse proxies in front of this server. Only from these are
    ``X-Forwarded-For`` (the right-most address not in this list) and the
    terminal's ``X-Mana-Client`` believed; empty: every caller is its own
    TCP address."""

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        for item in value:
            try:
                ipaddress.ip_network(item.strip(), strict=False)
            except ValueError:
                raise ValueError(f"not an address or network: {item!r}") from None
        return value

    max_body_bytes: int = Field(default=65536, ge=1024, le=16 * 1024 * 1024)
    """Larger request bodies are refused with 413."""

    idempotency_hours: float = Field(default=24, gt=0, le=24 * 30)
    """How long the first answer to a write with an ``Idempotency-Key`` is kept."""

    idempotency_records_per_caller: int = Field(default=500, ge=1, le=1_000_000)
    """Remembered answers kept per caller (a patron; for writes without a login,
    a client address); past it, that caller's oldest go first."""

    request_timeout_seconds: float = Field(default=10, gt=0, le=600)
    """A connection must send its whole request (line, headers and body) within
    this many seconds of its first byte (a new one: of connecting), else it is
    closed: a client that sends slowly or not at all cannot hold it open."""

    keep_alive_seconds: float = Field(default=5, gt=0, le=600)
    """An open connection with no request for this long after its last answer
    is closed."""

    max_connections: int = Field(default=1000, ge=1, le=100_000)
    """Connections served at once; a request on one more (or with this many
    requests still running) is answered 503 at once, and its connection closed."""

    maintenance_key_file: str = ""
    """Where the server writes its maintenance key at every start (mode 0600),
    which `mana expire-holds` reads; empty: next to an SQLite file
    (mana.db.maintenance-key), or for PostgreSQL in the working directory
    (mana-<host>-<database>.maintenance-key)."""

    maintenance_minutes: float = Field(default=15, gt=0, le=24 * 60)
    """How often the server expires uncollected holds (passing each copy on)
    and sends the due-date reminders, even when nobody is using it."""

    mail: MailSettings = MailSettings()
    """``[server.mail]``: the sender address and the SMTP server."""

    sip2: Sip2Settings = Sip2Settings()
    """``[server.sip2]``: the SIP2 listener for self-check machines."""

    expose_outbox: bool = False
    """Serve ``GET /api/v1/outbox`` (every e-mail, recovery codes included) to
    anyone: for the demo and the tests only, never in a real library."""

    reset_requests_per_address: int = Field(default=10, ge=1, le=10_000)
    """Password recovery codes one client address may ask for within
    ``login_window_seconds`` (each identifier also gets at most 5 per 15
    minutes) before it must wait (429)."""

    lists_per_recipient: int = Field(default=3, ge=1, le=10_000)
    """Lists (R4) sent to one e-mail address within an hour; more are refused
    (429) with a sentence saying how long to wait."""

    lists_per_address: int = Field(default=20, ge=1, le=100_000)
    """Lists sent from one client address (a kiosk, a home) within an hour."""

    outbox_keep_days: float = Field(default=30, gt=0, le=3650)
    """E-mails sent or given up are kept this many days (``mana outbox``
    shows them), then the maintenance job deletes them. Waiting ones stay."""


def read_server_settings(path: Path, overrides: dict[str, Any] | None = None) -> ServerSettings:
    """The ``[server]`` table of the TOML file ``path`` (defaults for what is
    missing), with ``overrides`` on top. Raises ``SettingsError``."""
    try:
        data = read_toml(path)
    except TomlFileError as e:
        raise SettingsError(str(e)) from None
    table = data.get("server", {})
    if not isinstance(table, dict):
        raise SettingsError(f"{path}: server: should be a table: [server]")
    return settings_from(table | (overrides or {}), source=str(path))


def settings_from(values: dict[str, Any], source: str = "command line") -> ServerSettings:
    """``values`` as ``ServerSettings``; errors read ``source: server.key: problem``."""
    try:
        return ServerSettings.model_validate(values)
    except ValidationError as e:
        raise SettingsError(problems(e, source, "server.")) from None
