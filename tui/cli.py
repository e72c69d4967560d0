"""The ``mana`` command: read the settings, build the service, run the kiosk.

``mana serve ...`` is handed to ``services.server.cli`` (the library service),
``mana ssh ...`` to ``tui.ssh`` (the catalog over SSH).
Textual and the adapters are imported only when the kiosk really starts, so
``mana --help`` and a settings error answer at once.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, get_args

from tui.config import (
    CONFIG_ENV,
    ConfigError,
    KioskConfig,
    Language,
    Profile,
    load_config,
    with_overrides,
)
from tui.kiosk import UnsafeInterpreter, harden_process, is_hardened

if TYPE_CHECKING:
    from services.protocol import LibraryService

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


def config_from_args(args: argparse.Namespace) -> KioskConfig:
    """The settings file named by ``args`` (or ``$MANA_CONFIG``), with the
    flags on top. Raises ``ConfigError``."""
    config = load_config(args.config)
    overrides: dict[str, dict[str, Any]] = {}
    if args.profile is not None:
        overrides.setdefault("kiosk", {})["profile"] = args.profile
    if args.lang is not None:
        overrides.setdefault("kiosk", {})["language"] = args.lang
    if args.demo_records is not None:
        overrides.setdefault("service", {})["demo_records"] = args.demo_records
    return with_overrides(config, overrides) if overrides else config


def build_config(argv: list[str] | None = None) -> KioskConfig:
    """``config_from_args(parse_args(argv))``."""
    return config_from_args(parse_args(argv))


def build_service(config: KioskConfig) -> LibraryService:
    """The adapter the settings ask for. Raises ``StartError``."""
    if config.service.kind == "remote":
        from services.remote import RemoteService

        return RemoteService(config.service.url, timeout=config.service.timeout)

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

    args = parse_args(argv)
    try:
        config = config_from_args(args)
        service = build_service(config)
    except (ConfigError, StartError) as e:
        print(e, file=sys.stderr)
        return EXIT_USAGE

    if is_hardened(config.kiosk.profile):
        try:
            harden_process()  # before textual is imported: its settings, signals
        except UnsafeInterpreter as e:
            print(e, file=sys.stderr)
            return EXIT_USAGE

    from tui.app import KioskApp

    app = KioskApp(service=service, config=config)
    if config.kiosk.profile == "ssh":
        from tui.hangup import run_until_hangup  # SIGHUP/SIGTERM: log out, exit

        return run_until_hangup(app)
    app.run()
    return app.return_code or 0


if __name__ == "__main__":
    sys.exit(main())
