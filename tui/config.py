"""The kiosk's settings: ``kiosk.toml`` read into one tree of pydantic models.

Each section of the file is a nested model with its defaults; unknown keys are
rejected everywhere, so a misspelt setting is an error rather than silently
ignored. The ``[server]`` table belongs to ``mana serve`` (its model lives in
``services.server.settings``); the kiosk accepts and checks it, so one file
can configure both.

Where the settings come from (``load_config``), first match wins:

1. an explicit path (``mana --config PATH``);
2. the file named by the environment variable ``MANA_CONFIG``;
3. the built-in defaults.

A ``kiosk.toml`` in the working directory is **not** picked up on its own: a
kiosk must not change behaviour because of the directory it was started from.
Pass it with ``--config kiosk.toml`` or ``MANA_CONFIG=kiosk.toml``.

Reading the file (its path and TOML) is ``tui.settings_file``, which ``mana``
uses before the first screen; the names it defines are re-exported here.

This module does not import textual.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Annotated, Any, Literal

import tomli_w
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from services.server.settings import ServerSettings
from tui.settings_file import (
    CONFIG_ENV,
    DEFAULT_IDLE_COUNTDOWN,
    DEFAULT_IDLE_TIMEOUT,
    DEFAULT_LANGUAGE,
    DEFAULT_PROFILE,
    ConfigError,
    Language,
    Profile,
    read_toml,
    settings_path,
)

__all__ = [
    "CONFIG_ENV",
    "CatalogueSection",
    "ConfigError",
    "KioskConfig",
    "KioskSection",
    "Language",
    "MailSection",
    "Profile",
    "ServiceKind",
    "ServiceSection",
    "SshSection",
    "client_name",
    "demo_terminal",
    "dump_defaults",
    "load_config",
    "read_toml",
    "validate_config",
    "with_overrides",
]

ServiceKind = Literal["memory", "remote"]


class _Section(BaseModel):
    # strict: a TOML string "120" is not a number of seconds; frozen: the app
    # reads its settings, it does not change them.
    model_config = ConfigDict(
        extra="forbid", strict=True, frozen=True, use_attribute_docstrings=True
    )


class KioskSection(_Section):
    """``[kiosk]``: how the terminal behaves for the people in front of it."""

    language: Language = DEFAULT_LANGUAGE
    """Interface language at start and after every logout (Latvian by default)."""

    profile: Profile = DEFAULT_PROFILE
    """``kiosk`` public terminal, ``ssh`` one process per SSH connection,
    ``desk`` librarians' workstation."""

    idle_timeout: int = Field(default=DEFAULT_IDLE_TIMEOUT, ge=10, le=3600)
    """Seconds without a key press before the idle countdown starts."""

    idle_countdown: int = Field(default=DEFAULT_IDLE_COUNTDOWN, ge=1, le=600)
    """Seconds the "are you still there?" countdown lasts before logout."""

    staff_pin_hash: str = ""
    """An argon2 hash of the staff PIN; empty means no PIN is set."""

    monochrome: bool = False
    """Draw without colour, in every profile (what ``NO_COLOR`` asks of a
    terminal program; the public profiles ignore the environment's)."""

    library: str = Field(default="", pattern=r"^[A-Za-z0-9._-]{0,64}$")
    """The id of the library this terminal stands in; empty: none (with the
    built-in demo, its first library: ``demo_terminal``)."""

    self_check: bool = False
    """Offer "Izsniegt sev" (patrons check books out to themselves) at
    ``library``; the ``kiosk`` profile only (``self_check_terminal``)."""

    self_check_in: bool = True
    """With ``self_check``: take returns here too, when the library's rules
    also allow them (``LibraryRules.self_check_in``)."""

    @field_validator("idle_countdown")
    @classmethod
    def _countdown_shorter_than_timeout(cls, value: int, info: Any) -> int:
        timeout = info.data.get("idle_timeout")
        if timeout is not None and value >= timeout:
            raise ValueError(f"must be shorter than idle_timeout ({timeout} s)")
        return value

    @field_validator("staff_pin_hash")
    @classmethod
    def _argon2_or_empty(cls, value: str) -> str:
        if value and not value.startswith("$argon2"):
            raise ValueError(
                "must be an argon2 hash (it starts with $argon2), not the PIN itself"
            )
        return value


class ServiceSection(_Section):
    """``[service]``: where the catalog and the accounts live."""

    kind: ServiceKind = "memory"
    """``memory``: the built-in demo region, no setup; ``remote``: the library
    service over HTTP at ``url``."""

    url: str = Field(default="http://127.0.0.1:8080", pattern=r"^https?://\S+$")
    """Base address of the library service (``remote`` only)."""

    more_urls: list[Annotated[str, Field(pattern=r"^https?://\S+$")]] = Field(
        default=[], max_length=16)
    """Further servers of the same region (sharing its database), tried in
    order when the one in use does not answer (``remote`` only)."""

    timeout: float = Field(default=10.0, gt=0, le=300)
    """Seconds to wait for the library service before telling the patron."""

    demo_records: int | None = Field(default=None, ge=1, le=10_000_000)
    """Number of records in the demo region (``memory`` only); None = the
    generator's default (about 320)."""

    terminal_id: str = Field(default="", pattern=r"^[A-Za-z0-9._:@-]{0,64}$")
    """This terminal's name to the library service (``remote`` only), e.g.
    "centrala-kiosks-2": failed logins are counted per terminal, so one
    person's do not hold up the other terminals behind the same address
    (believed only from an address in ``[server] trusted_proxies``). Empty:
    a random name each time mana starts. In the ``ssh`` profile every
    connection adds its own random part (``client_name``)."""


class CatalogueCollection(_Section):
    """One collection of a library of an SRU catalogue: what a holding's
    location code (after the import profile's ``[collections]``) is called."""

    code: str = Field(min_length=1, max_length=64)
    name_lv: str = Field(min_length=1, max_length=200)
    name_en: str = Field(default="", max_length=200)
    """Empty: the Latvian name."""
    reading_room: bool = False


class CatalogueLibrary(_Section):
    """``[[catalogue.libraries]]``: a library whose copies the SRU catalogue
    shows, and how patrons reach it (nothing there is ordered through Mana)."""

    id: str = Field(pattern=r"^[A-Za-z0-9._-]{1,64}$")
    """The library code its holdings carry (952 $a, 852 $b), or the one the
    import profile's ``[libraries]`` maps them to."""
    name: str = Field(min_length=1, max_length=200)
    short_name: str = Field(default="", max_length=40)
    """For narrow screens; empty: the name."""
    address: str = Field(default="", max_length=300)
    phone: str = Field(default="", max_length=100)
    email: str = Field(default="", max_length=200)
    hours: str = Field(default="", max_length=300)
    website: str = Field(default="", max_length=300)
    collections: list[CatalogueCollection] = Field(default=[], max_length=200)


class CatalogueSection(_Section):
    """``[catalogue]``: where the catalogue comes from, when not from ``[service]``."""

    kind: Literal["service", "sru"] = "service"
    """``service``: the catalogue of ``[service]``; ``sru``: a library's SRU
    server at ``url``, with the accounts of ``[service]``."""

    url: str = Field(default="", pattern=r"^(https?://\S+)?$")
    """Base address of the SRU server (``sru`` only)."""

    database: str = Field(default="", pattern=r"^[A-Za-z0-9._~/-]{0,200}$")
    """The database, a path below ``url`` (e.g. "biblios" for Koha); empty:
    ``url`` already names it."""

    version: Literal["1.1", "1.2", "2.0"] = "1.2"
    """The SRU version the server speaks."""

    timeout: float = Field(default=10.0, gt=0, le=300)
    """Seconds to wait for the SRU server before telling the patron."""

    page_size: int = Field(default=50, ge=1, le=200)
    """The most records asked for in one request (``maximumRecords``)."""

    record_schema: str = Field(default="marcxml", pattern=r"^\S{1,200}$")
    """The ``recordSchema`` that gives MARCXML on this server."""

    prefix: bool = False
    """true: each word also finds longer words (``word*``), where the server
    supports truncation."""

    profile: str = ""
    """An import profile (TOML, as for ``mana import``) saying which field
    holds the copies and what the library and location codes mean; empty:
    the defaults."""

    libraries: list[CatalogueLibrary] = Field(default=[], max_length=100)
    """The libraries of the source (``sru``: at least one); a holding whose
    code is none of them is shown at the first."""

    @model_validator(mode="after")
    def _sru_needs_a_server_and_a_library(self) -> CatalogueSection:
        if self.kind == "sru" and not self.url:
            raise ValueError("kind = \"sru\" needs the url of the SRU server")
        if self.kind == "sru" and not self.libraries:
            raise ValueError("kind = \"sru\" needs at least one [[catalogue.libraries]]")
        return self

    def source_libraries(self) -> list[Any]:
        """The libraries as the contract's ``Library`` models."""
        from services.models import Collection, Contacts, Library

        return [
            Library(
                id=lib.id, name=lib.name, short_name=lib.short_name or lib.name,
                contacts=Contacts(address=lib.address, phone=lib.phone, email=lib.email,
                                  hours=lib.hours, website=lib.website),
                collections=[Collection(code=c.code, name_lv=c.name_lv,
                                        name_en=c.name_en or c.name_lv,
                                        reading_room=c.reading_room)
                             for c in lib.collections],
            )
            for lib in self.libraries
        ]


class MailSection(_Section):
    """``[mail]``: the e-mails sent to patrons (R13)."""

    sender: str = Field(default="noreply@kis.gov.lv", pattern=r"^[^@\s]+@[^@\s]+$")
    """The no-reply address messages are sent from."""


class SshSection(_Section):
    """``[ssh]``: ``mana ssh``, the SSH server that gives every connection its
    own kiosk process in the ``ssh`` profile (idle logout comes from ``[kiosk]``)."""

    host: str = "127.0.0.1"
    """Address to listen on: loopback by default; "0.0.0.0" for every interface."""

    port: int = Field(default=2222, ge=0, le=65535)
    """TCP port (0: any free port)."""

    host_key: str = "~/.local/state/mana/ssh_host_ed25519_key"
    """The server's ed25519 host key; created (mode 0600) on first start, kept after."""

    username: str = ""
    """The SSH user name patrons connect as (e.g. "catalog"); empty: any name."""

    max_sessions: int = Field(default=50, ge=1, le=10_000)
    """Connections at once; one more is told to try later and closed."""

    max_new_per_minute: int = Field(default=10, ge=1, le=10_000)
    """New connections from one client address within a minute."""

    prestart: bool = True
    """Fork each session from a process that has the app already imported
    (fast first screen); false: start a fresh Python for every session."""

    warm_sessions: int = Field(default=4, ge=0, le=1000)
    """Session processes kept started ahead, their catalog already drawn
    (first screen without the start-up wait), for every terminal type but
    "dumb": shared between 256-colour types (xterm-256color, tmux-256color …)
    and 16-colour ones (xterm, linux, screen, vt100 …) after the recent
    connections; replacements start one at a time. 0: start one per connection."""

    session_open_seconds: float = Field(default=10.0, gt=0, le=300)
    """Seconds from connecting to a terminal session (a pty and a shell): a
    connection without one by then (``ssh -N``, no pty …) is closed. Until
    then it holds one of ``max_sessions``, so at most this long."""

    idle_disconnect_seconds: int = Field(default=60, ge=1, le=3600)
    """Seconds without a key after the idle logout (``[kiosk] idle_timeout`` +
    ``idle_countdown`` without one) before the connection is closed too."""

    hangup_grace: float = Field(default=2.0, gt=0, le=60)
    """Seconds a session's process has after SIGHUP (then SIGTERM, then as
    long again before SIGKILL) when its connection drops."""


class AccountsSection(_Section):
    """``[accounts]``: where logging in and the patrons' accounts come from,
    when not from ``[service]``: a library system's SIP2 server."""

    kind: Literal["service", "sip2"] = "service"
    """``service``: the accounts of ``[service]``; ``sip2``: the library
    system's SIP2 server at ``host``:``port``, with the catalogue of
    ``[catalogue]`` (or of ``[service]``)."""

    host: str = Field(default="", pattern=r"^[A-Za-z0-9.:_-]{0,253}$")
    port: int = Field(default=6001, ge=1, le=65535)
    tls: bool = False
    """Talk TLS to the SIP2 server (checked against the system's CAs)."""

    login: str = Field(default="", max_length=64)
    """This terminal's SIP login (93 CN) as the library system knows it."""

    password: str = Field(default="", max_length=128)
    """Its SIP password (93 CO); the file is then the terminal's secret."""

    institution: str = Field(default="", max_length=64)
    """The institution id (AO) the library system expects."""

    location: str = Field(default="", max_length=64)
    """The terminal's location code (93 CP), if the system wants one."""

    delimiter: str = Field(default="|", min_length=1, max_length=1)
    charset: Literal["utf-8", "latin-1", "cp850"] = "utf-8"
    timeout: float = Field(default=10.0, gt=0, le=300)
    """Seconds to wait for the SIP2 server before telling the patron."""

    @model_validator(mode="after")
    def _sip2_needs_a_server(self) -> AccountsSection:
        if self.kind == "sip2" and not (self.host and self.login and self.institution):
            raise ValueError("kind = \"sip2\" needs host, login and institution")
        return self


class KioskConfig(_Section):
    """All the settings of one ``mana`` process."""

    kiosk: KioskSection = KioskSection()
    service: ServiceSection = ServiceSection()
    catalogue: CatalogueSection = CatalogueSection()
    accounts: AccountsSection = AccountsSection()
    mail: MailSection = MailSection()
    ssh: SshSection = SshSection()
    server: ServerSettings = ServerSettings()
    """``[server]``: read by ``mana serve`` (``services.server.settings``);
    validated here too, so one file can hold both and a typo is caught."""


def demo_terminal(config: KioskConfig) -> KioskConfig:
    """``config`` as ``mana`` runs it: the built-in demo (``[service] kind =
    "memory"``, its own accounts) without a ``library`` is a self-check
    terminal of the demo's first library, so that ``uv run mana``, which
    reads no settings file, shows the journey; any other settings as given
    (set ``library`` to choose the demo library, and ``self_check`` with it)."""
    if config.service.kind != "memory" or config.accounts.kind != "service" \
            or config.kiosk.library:
        return config
    from services.demo_data import LIBRARIES

    return with_overrides(config, {"kiosk": {"library": LIBRARIES[0].id, "self_check": True}},
                          source="demo")


def client_name(config: KioskConfig) -> str | None:
    """The name this process gives itself to the library service (the
    ``X-Mana-Client`` of ``services.remote.RemoteService``): ``terminal_id``
    (None, a random one, when empty); in the ``ssh`` profile, where each
    connection is a process of its own, ``terminal_id`` (or "ssh") with a
    random part per connection, so that the connections of one gateway are
    counted apart."""
    name = config.service.terminal_id
    if config.kiosk.profile == "ssh":
        return f"{name or 'ssh'}/{uuid.uuid4().hex[:16]}"
    return name or None


# ---------------------------------------------------------------- loading


def load_config(path: Path | None = None) -> KioskConfig:
    """The settings from ``path``, else from ``$MANA_CONFIG``, else the defaults.

    Raises ``ConfigError`` for a missing or unreadable file, a TOML syntax
    error, an unknown key or a bad value.
    """
    path = settings_path(path)
    if path is None:
        return KioskConfig()
    return validate_config(read_toml(path), source=str(path))


def validate_config(data: dict[str, Any], source: str) -> KioskConfig:
    """``data`` as settings; errors are reported as ``source: key.path: problem``."""
    try:
        return KioskConfig.model_validate(data)
    except ValidationError as e:
        raise ConfigError(_describe(e, source)) from None


def with_overrides(config: KioskConfig, overrides: dict[str, dict[str, Any]],
                   source: str = "command line") -> KioskConfig:
    """``config`` with some settings replaced, e.g. ``{"kiosk": {"language": "en"}}``,
    validated as a whole (errors name ``source``)."""
    data = config.model_dump()
    for section, values in overrides.items():
        data.setdefault(section, {}).update(values)
    return validate_config(data, source=source)


def _describe(error: ValidationError, source: str) -> str:
    lines = []
    for item in error.errors():
        key = ".".join(str(part) for part in item["loc"]) or "(top level)"
        if item["type"] == "extra_forbidden":
            problem = "unknown setting"
        elif item["type"] == "model_type":
            problem = f"should be a table: [{key}]"
        elif item["type"] == "value_error":
            problem = str(item["ctx"]["error"]) if "ctx" in item else item["msg"]
        elif item["type"] == "string_pattern_mismatch" and key in ("service.url",
                                                                   "catalogue.url"):
            problem = "should start with http:// or https://"
        elif item["type"] == "string_pattern_mismatch" and key == "mail.sender":
            problem = "should be an e-mail address"
        else:
            problem = item["msg"]
        lines.append(f"{source}: {key}: {problem}")
    return "\n".join(lines)


def dump_defaults() -> str:
    """The default settings as TOML (settings without a value are left out)."""
    return tomli_w.dumps(KioskConfig().model_dump(exclude_none=True))
