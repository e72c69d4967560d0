"""The administrator's commands next to ``mana serve``:

    mana outbox [--config PATH] [--database FILE] [--waiting | --given-up]
                [--last N] [--show ID]
    mana expire-holds [--config PATH] [--database FILE] [--url URL]

``mana outbox`` reads the server's database (read-only, also while the
server runs) and lists the e-mails: sent, waiting (with the mail server's
last answer and the next try) or given up; ``--show ID`` prints one whole.
With no SMTP server configured (the demo) this is where messages are read.

``mana expire-holds`` expires uncollected holds now, passing each copy to
the next reader, and sends the day's due-date reminders: what the server
also does every ``maintenance_minutes``. While a server holds the database
the command asks that server (``POST /api/v1/maintenance/expire-holds``,
with the maintenance key that server wrote next to the database: run it as
the server's user); otherwise it works on the file itself. Messages to the terminal are in
English, like the other administration commands; text from the data has its
control characters removed before it is printed.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from services.models import Message, ReservationView
from services.server.cli import CONFIG_ENV, settings_from_args
from services.server.settings import ServerSettings, SettingsError
from services.text import clean, format_date

EXIT_USAGE = 2
EXIT_FAILED = 1


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, metavar="PATH",
                        help=f"settings file (TOML); default ${CONFIG_ENV} or the defaults")
    parser.add_argument("--database", metavar="FILE|URL",
                        help="the server's database: an SQLite file or a postgresql:// URL "
                        "(default: [server] database, mana.db)")


# ----------------------------------------------------------------- outbox


def outbox_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mana outbox",
        description="The e-mails of the library service: sent, waiting or given up.",
    )
    _common(parser)
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--waiting", action="store_true", help="only those still to be sent")
    which.add_argument("--given-up", action="store_true",
                       help="only those the mail server refused for good")
    parser.add_argument("--last", type=int, default=50, metavar="N",
                        help="the newest N (default 50; 0: all)")
    parser.add_argument("--show", type=int, metavar="ID", help="print message ID whole")
    return parser


def _when(message: Message) -> str:
    return f"{format_date(message.created)} {message.created:%H:%M}"


def state(message: Message) -> str:
    """One phrase: sent when, waiting since how many tries and why, or given up why."""
    if message.sent is not None:
        return f"sent {format_date(message.sent)} {message.sent:%H:%M}"
    if message.given_up:
        return f"given up: {message.error}"
    if message.attempts:
        tries = "try" if message.attempts == 1 else "tries"
        retry = message.next_attempt
        again = f", next {format_date(retry)} {retry:%H:%M}" if retry else ""
        return f"waiting ({message.attempts} failed {tries}{again}): {message.error}"
    return "waiting"


def outbox_lines(messages: list[Message]) -> list[str]:
    lines = []
    for m in messages:
        lines.append(clean(f"{m.id:>6}  {_when(m)}  {m.kind:<22}  {m.to}  {m.subject}"))
        lines.append(clean(f"{'':>6}  {state(m)}"))
    return lines


def show(message: Message) -> str:
    header = [
        f"Message {message.id} ({message.kind}), {state(message)}",
        f"From:    {message.sender}",
        f"To:      {message.to}",
        f"Date:    {_when(message)}",
        f"Subject: {message.subject}",
        "",
    ]
    return "\n".join(clean(line) for line in header) + clean(message.body, keep_newlines=True)


def outbox_main(argv: list[str]) -> int:
    parser = outbox_parser()
    args = parser.parse_args(argv)
    if args.last < 0:
        parser.error("--last must be 0 or more")
    try:
        settings = settings_from_args(args)
    except SettingsError as e:
        print(e, file=sys.stderr)
        return EXIT_USAGE
    from services.storage import StorageError, read_messages

    try:
        messages = read_messages(settings.database)
    except StorageError as e:
        print(f"mana outbox: {e}", file=sys.stderr)
        return EXIT_FAILED
    if args.show is not None:
        found = [m for m in messages if m.id == args.show]
        if not found:
            print(f"mana outbox: no message {args.show} in {settings.database}", file=sys.stderr)
            return EXIT_FAILED
        print(show(found[0]))
        return 0
    if args.waiting:
        messages = [m for m in messages if m.waiting]
    elif args.given_up:
        messages = [m for m in messages if m.given_up]
    waiting = sum(m.waiting for m in messages)
    shown = messages[-args.last:] if args.last else messages
    print("\n".join(outbox_lines(shown)) if shown else "No messages.")
    print(f"-- {len(shown)} of {len(messages)} shown; {waiting} waiting. "
          f"mana outbox --show ID prints one whole.")
    return 0


# ----------------------------------------------------------- expire-holds


def expire_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mana expire-holds",
        description="Expire uncollected holds now (each copy passes to the next reader) "
        "and send today's due-date reminders. The server also does this on its own "
        "every maintenance_minutes.",
    )
    _common(parser)
    parser.add_argument("--url", help="the running server to ask (default: from [server] "
                        "host and port) when it holds the database")
    return parser


def server_url(settings: ServerSettings) -> str:
    host = settings.host
    if host in ("0.0.0.0", "::", ""):
        host = "127.0.0.1"
    elif ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{settings.port}"


async def _expire_in_file(settings: ServerSettings) -> list[ReservationView]:
    from services.server.durable import durable_engine

    engine, database = durable_engine(settings.database, sender=settings.mail.sender)
    try:
        return await engine.expire_holds()
    finally:
        database.close()


async def _expire_by_server(url: str, settings: ServerSettings) -> list[ReservationView]:
    """Ask the server at ``url``, with the maintenance key it wrote
    (``services.server.maintenance``): without it the server refuses."""
    from services.remote import RemoteService
    from services.server.maintenance import read_key

    async with RemoteService(url, timeout=60, maintenance_key=read_key(settings)) as client:
        return await client.expire_holds()


def _held(view: ReservationView) -> str:
    held = view.reservation.held_until
    return format_date(held) if held else "-"


def expired_lines(expired: list[ReservationView]) -> list[str]:
    lines = [
        clean(f"{_held(v)}  {v.library_name}  {v.title}"
              f"  (reservation {v.reservation.id})")
        for v in expired
    ]
    count = len(expired)
    lines.append(f"{count} hold{'' if count == 1 else 's'} expired." if count
                 else "No hold had expired.")
    return lines


def expire_holds_main(argv: list[str]) -> int:
    args = expire_parser().parse_args(argv)
    try:
        settings = settings_from_args(args)
    except SettingsError as e:
        print(e, file=sys.stderr)
        return EXIT_USAGE
    from services.errors import Forbidden, ManaError
    from services.server.maintenance import key_path
    from services.storage import DatabaseInUse, StorageError

    try:
        if args.url:
            expired = asyncio.run(_expire_by_server(args.url, settings))
        else:
            try:
                expired = asyncio.run(_expire_in_file(settings))
            except DatabaseInUse:
                expired = asyncio.run(_expire_by_server(server_url(settings), settings))
    except StorageError as e:
        print(f"mana expire-holds: {e}", file=sys.stderr)
        return EXIT_FAILED
    except ManaError as e:
        url = args.url or server_url(settings)
        print(f"mana expire-holds: the server at {url} did not do it: {e.en}", file=sys.stderr)
        if isinstance(e, Forbidden):
            print(f"mana expire-holds: it takes the key the server wrote to "
                  f"{key_path(settings)}: run this as the server's user, with the "
                  f"server's --database", file=sys.stderr)
        return EXIT_FAILED
    print("\n".join(expired_lines(expired)))
    return 0
