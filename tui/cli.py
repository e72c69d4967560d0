"""The ``mana`` command: read the settings, build the service, run the kiosk.

``mana serve ...`` is handed to ``services.server.cli`` (the library service),
``mana ssh ...`` to ``tui.ssh`` (the catalog over SSH).
Textual and the adapters are imported only when the kiosk really starts, so
``mana --help`` and an unreadable settings file answer at once.

In the ``kiosk`` and ``ssh`` profiles the catalog is drawn first: the settings
file is only read (``tui.settings_file``) before the app starts, and the app
validates it and builds the service in a thread after its first frame
(``KioskApp.starting``), which keeps pydantic and the adapters off the
start-up. A bad value then ends the app at once, and the message and status 2
follow on the restored terminal. The ``desk`` profile validates and builds
first and starts ``tui.desk.DeskApp`` with the result.
"""

from __future__ import annotations

import argparse
import sys
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, get_args

from tui.kiosk import UnsafeInterpreter, harden_process, is_hardened
from tui.settings_file import CONFIG_ENV, ConfigError, Language, Profile, Settings, read_settings

if TYPE_CHECKING:
    from services.protocol import AccountService, CatalogueService, LibraryService
    from tui.app import KioskApp
    from tui.config import KioskConfig

EXIT_USAGE = 2
"""Exit status for a settings problem (the same as argparse's usage errors)."""


class StartError(Exception):
    """The settings are valid but the service they ask for cannot start."""


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mana",
        description=(
            "Mana bibliotēka: the library catalog and patron self-service "
            "kiosk. Without options it runs on the built-in demo region."
        ),
        epilog=(
            f"Settings come from --config PATH, else from the file named by "
            f"${CONFIG_ENV}, else the defaults (see kiosk.toml for every "
            f"setting). Flags override the file. "
            f"'mana serve --help': the library service that remote kiosks use; "
            f"'mana ssh --help': the catalog over SSH."
        ),
    )
    parser.add_argument(
        "--config", type=Path, metavar="PATH",
        help=f"settings file (TOML); default: ${CONFIG_ENV} or the built-in defaults",
    )
    parser.add_argument(
        "--profile", choices=get_args(Profile),
        help="kiosk: public terminal; ssh: one process per SSH connection; desk: librarians",
    )
    parser.add_argument(
        "--lang", choices=get_args(Language),
        help="interface language (lv is the default)",
    )
    parser.add_argument(
        "--demo-records", type=_positive_int, metavar="N",
        help="number of catalog records in the demo region (memory service)",
    )
    return parser


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line; argparse exits with status 2 on a usage error."""
    return make_parser().parse_args(argv)


def settings_from_args(args: argparse.Namespace) -> Settings:
    """The settings file named by ``args`` (or ``$MANA_CONFIG``), read but not
    validated, with the flags on top. Raises ``ConfigError`` for a file that
    is missing or not TOML."""
    overrides: dict[str, dict[str, Any]] = {}
    if args.profile is not None:
        overrides.setdefault("kiosk", {})["profile"] = args.profile
    if args.lang is not None:
        overrides.setdefault("kiosk", {})["language"] = args.lang
    if args.demo_records is not None:
        overrides.setdefault("service", {})["demo_records"] = args.demo_records
    return read_settings(args.config, overrides)


def config_from_args(args: argparse.Namespace) -> KioskConfig:
    """The settings file named by ``args`` (or ``$MANA_CONFIG``), with the
    flags on top, validated. Raises ``ConfigError``."""
    return settings_from_args(args).validate()


def build_config(argv: list[str] | None = None) -> KioskConfig:
    """``config_from_args(parse_args(argv))``."""
    return config_from_args(parse_args(argv))


def build_service(config: KioskConfig) -> LibraryService:
    """The adapter the settings ask for: ``[service]``'s, with the catalogue
    of ``[catalogue]`` when that is another source. Raises ``StartError``."""
    service = _accounts_service(config)
    if config.catalogue.kind == "sru" or config.accounts.kind == "sip2":
        from services.combined import CombinedService

        catalogue = _sru_catalogue(config) if config.catalogue.kind == "sru" else service
        accounts = _sip2_accounts(config) if config.accounts.kind == "sip2" else service
        return CombinedService(catalogue, accounts)
    return service


def _sip2_accounts(config: KioskConfig) -> AccountService:
    """The SIP2 account source of ``[accounts]``."""
    import ssl

    from services.sip2.accounts import Sip2Accounts
    from services.sip2.client import Sip2Client

    section = config.accounts
    client = Sip2Client(
        section.host, section.port, login=section.login, password=section.password,
        location=section.location, delimiter=section.delimiter, charset=section.charset,
        tls=ssl.create_default_context() if section.tls else None, timeout=section.timeout)
    return Sip2Accounts(client, section.institution)


def _sru_catalogue(config: KioskConfig) -> CatalogueService:
    """The SRU catalogue of ``[catalogue]``. Raises ``StartError``."""
    from services.marc.profile import DEFAULT_PROFILE, ProfileError, read_profile
    from services.sru import SruCatalogue

    section = config.catalogue
    try:
        profile = read_profile(Path(section.profile).expanduser()) if section.profile \
            else DEFAULT_PROFILE
    except ProfileError as e:
        raise StartError(f"mana: catalogue.profile: {e}") from None
    return SruCatalogue(section.url, section.source_libraries(), database=section.database,
                        version=section.version, timeout=section.timeout,
                        page_size=section.page_size, record_schema=section.record_schema,
                        prefix=section.prefix, profile=profile)


def _accounts_service(config: KioskConfig) -> LibraryService:
    """The adapter of ``[service]``."""
    if config.service.kind == "remote":
        from services.remote import RemoteService
        from tui.config import client_name

        return RemoteService([config.service.url, *config.service.more_urls],
                             timeout=config.service.timeout, client=client_name(config))

    from services.clock import SystemClock
    from services.memory import MemoryService

    clock = SystemClock()
    region = None
    if config.service.demo_records is not None:
        from services.demo import build_region

        try:
            region = build_region(clock.now().date(), records=config.service.demo_records)
        except ValueError as e:
            raise StartError(f"mana: service.demo_records: {e}") from None
    return MemoryService(region=region, clock=clock, sender=config.mail.sender)


def start(settings: Settings) -> tuple[LibraryService, KioskConfig]:
    """The validated settings and the service they ask for: what the kiosk
    does after its first frame (in a thread). Raises ``ConfigError`` or
    ``StartError``."""
    from tui.config import demo_terminal

    config = demo_terminal(settings.validate())  # `uv run mana`: self-check on the demo
    return build_service(config), config


def main(argv: list[str] | None = None) -> int:
    """Run the kiosk (or ``mana serve ...``: the library service); the exit
    status is 2 for a settings problem."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["serve"]:
        from services.server.cli import main as serve_main

        return serve_main(argv[1:])
    if argv[:1] == ["ssh"]:
        from tui.ssh import main as ssh_main

        return ssh_main(argv[1:])
    if argv[:1] == ["outbox"]:
        from services.server.admin import outbox_main

        return outbox_main(argv[1:])
    if argv[:1] == ["import"]:
        from services.marc.cli import main as import_main

        return import_main(argv[1:])
    if argv[:1] == ["expire-holds"]:
        from services.server.admin import expire_holds_main

        return expire_holds_main(argv[1:])

    args = parse_args(argv)
    try:
        settings = settings_from_args(args)
    except ConfigError as e:
        print(e, file=sys.stderr)
        return EXIT_USAGE
    if settings.profile == "desk":
        return run_desk(settings)

    # The kiosk or ssh profile (an invalid value counts as the kiosk's).
    if is_hardened(settings.profile):
        try:
            harden_process()  # before textual is imported: its settings, signals
        except UnsafeInterpreter as e:
            print(e, file=sys.stderr)
            return EXIT_USAGE

    from tui.app import KioskApp

    app = KioskApp.starting(settings.preview(), partial(start, settings))
    status = run(app, settings.profile)
    error = app.start_error
    if isinstance(error, (ConfigError, StartError)):
        print(error, file=sys.stderr)
        return EXIT_USAGE
    if error is not None:
        raise error
    return status


def run_desk(settings: Settings) -> int:
    """The librarians' ``DeskApp``, started with its settings validated and
    its service built (a settings problem is reported before the screen)."""
    try:
        config = settings.validate()
        service = build_service(config)
    except (ConfigError, StartError) as e:
        print(e, file=sys.stderr)
        return EXIT_USAGE

    from tui.desk import DeskApp

    return run(DeskApp(service=service, config=config), config.kiosk.profile)


def run(app: KioskApp, profile: str) -> int:
    """Run ``app`` until it ends; its exit status."""
    if profile == "ssh":
        from tui.hangup import run_until_hangup  # SIGHUP/SIGTERM: log out, exit

        return run_until_hangup(app)
    app.run()
    return app.return_code or 0


if __name__ == "__main__":
    sys.exit(main())
