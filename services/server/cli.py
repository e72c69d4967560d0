"""``mana serve``: run the library service over HTTP with uvicorn.

    mana serve [--config PATH] [--host H] [--port P] [--database FILE|URL]
               [--sip2-port N] [--demo] [--demo-records N]

Settings come from the ``[server]`` table of ``--config PATH`` (else of the
file named by ``$MANA_CONFIG``, else the defaults); the flags override it.
The region lives in the database (``services.storage``: an SQLite file or
PostgreSQL): ``--demo``
fills an empty one with the demo region; a filled one keeps what it has.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path
from typing import Any

from services.server.settings import (
    ServerSettings,
    SettingsError,
    read_server_settings,
    settings_from,
)

CONFIG_ENV = "MANA_CONFIG"
EXIT_USAGE = 2
EXIT_STORAGE = 1


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mana serve",
        description="Run the library service (HTTP JSON API under /api/v1) for the kiosks.",
        epilog=f"Settings: the [server] table of --config PATH, else of ${CONFIG_ENV}, "
        "else the defaults; flags override the file.",
    )
    parser.add_argument("--config", type=Path, metavar="PATH", help="settings file (TOML)")
    parser.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, help="TCP port (default 8080)")
    parser.add_argument("--database", metavar="FILE|URL",
                        help="SQLite file, or postgresql://user@host/db (default mana.db)")
    parser.add_argument("--sip2-port", type=int, metavar="N",
                        help="also answer SIP2 (self-check machines) on TCP port N; the "
                        "terminals are in [server.sip2] of the settings file")
    parser.add_argument("--demo", action="store_true",
                        help="fill an empty database with the demo region (a filled one is "
                        "kept as it is) and show the outbox at /api/v1/outbox (only when "
                        "the database holds the demo region)")
    parser.add_argument("--demo-records", type=int, metavar="N",
                        help="with --demo: the demo catalog's size (at least 320 records; "
                        "more adds numbered variations, e.g. 1000000)")
    return parser


def settings_from_args(args: argparse.Namespace) -> ServerSettings:
    """The settings of ``--config`` (or ``$MANA_CONFIG``) with the flags of
    ``args`` on top (those it has: the admin commands take fewer). Raises
    ``SettingsError``."""
    overrides: dict[str, Any] = {
        name: getattr(args, name)
        for name in ("host", "port", "database")
        if getattr(args, name, None) is not None
    }
    path = args.config or (Path(os.environ[CONFIG_ENV]) if os.environ.get(CONFIG_ENV) else None)
    if path is None:
        settings = settings_from(overrides)
    else:
        settings = read_server_settings(path, overrides)
    sip2_port = getattr(args, "sip2_port", None)
    if sip2_port is not None:
        if not 1 <= sip2_port <= 65535:
            raise SettingsError(f"--sip2-port: not a TCP port: {sip2_port}")
        settings = settings.model_copy(
            update={"sip2": settings.sip2.model_copy(update={"port": sip2_port})})
    if getattr(args, "demo", False) and not settings.expose_outbox:
        from services.server.durable import holds_demo_or_nothing

        # --demo shows the outbox of the demo region only, never of a real one.
        if holds_demo_or_nothing(settings.database):
            settings = settings.model_copy(update={"expose_outbox": True})
    return settings


def serve(settings: ServerSettings, demo: bool = False, demo_records: int | None = None) -> None:
    """Run the server until interrupted (Ctrl+C / SIGTERM). Raises ``StorageError``."""
    import uvicorn

    from services.server.app import create_app
    from services.server.connections import uvicorn_options
    from services.server.durable import durable_engine

    logging.basicConfig(level=logging.INFO, format="%(levelname)-9s %(message)s")
    engine, database = durable_engine(settings.database, demo=demo, demo_records=demo_records,
                                      sender=settings.mail.sender)
    try:
        uvicorn.run(create_app(engine, settings), host=settings.host, port=settings.port,
                    log_level="info", proxy_headers=False, **uvicorn_options(settings))
    finally:
        database.close()


def main(argv: list[str] | None = None) -> int:
    parser = make_parser()
    args = parser.parse_args(argv)
    if args.demo_records is not None:
        if not args.demo:
            parser.error("--demo-records needs --demo")
    try:
        settings = settings_from_args(args)
    except SettingsError as e:
        print(e, file=sys.stderr)
        return EXIT_USAGE
    from services.storage import StorageError

    try:
        serve(settings, demo=args.demo, demo_records=args.demo_records)
    except StorageError as e:
        print(f"mana serve: {e}", file=sys.stderr)
        return EXIT_STORAGE
    return 0
