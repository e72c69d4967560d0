"""``mana serve``: run the library service over HTTP with uvicorn.

    mana serve [--config PATH] [--host H] [--port P] [--database FILE] [--demo]

Settings come from the ``[server]`` table of ``--config PATH`` (else of the
file named by ``$MANA_CONFIG``, else the defaults); the flags override it.
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
    parser.add_argument("--database", metavar="FILE", help="SQLite file (default mana.db)")
    parser.add_argument("--demo", action="store_true",
                        help="serve the demo region (and show its outbox at /api/v1/outbox)")
    return parser


def settings_from_args(args: argparse.Namespace) -> ServerSettings:
    """Raises ``SettingsError``."""
    overrides: dict[str, Any] = {
        name: getattr(args, name)
        for name in ("host", "port", "database")
        if getattr(args, name) is not None
    }
    if args.demo:
        overrides["expose_outbox"] = True
    path = args.config or (Path(os.environ[CONFIG_ENV]) if os.environ.get(CONFIG_ENV) else None)
    if path is None:
        return settings_from(overrides)
    return read_server_settings(path, overrides)


def serve(settings: ServerSettings, demo: bool = False) -> None:
    """Run the server until interrupted (Ctrl+C / SIGTERM)."""
    import uvicorn

    from services.clock import SystemClock
    from services.memory import MemoryService
    from services.server.app import create_app

    # Until durable storage lands, the engine keeps the region in memory: the
    # demo region (MemoryService's default), with or without --demo.
    engine = MemoryService(clock=SystemClock())
    if not demo:
        logging.getLogger("mana.server").warning(
            "the library data is kept in memory for now; changes end with the server"
        )
    uvicorn.run(create_app(engine, settings, warm_up=True), host=settings.host, port=settings.port,
                log_level="info")


def main(argv: list[str] | None = None) -> int:
    args = make_parser().parse_args(argv)
    try:
        settings = settings_from_args(args)
    except SettingsError as e:
        print(e, file=sys.stderr)
        return EXIT_USAGE
    serve(settings, demo=args.demo)
    return 0
