"""``mana import FILE... [--database ...] [--profile import.toml] [--dry-run]``.

The database is the one ``mana serve`` would use: ``--database``, else the
``[server]`` table of ``--config`` (or ``$MANA_CONFIG``), else ``mana.db``.
On a terminal a progress bar with the rate and the time left; otherwise a
line every few seconds. Bad input is a message, never a traceback.

Exit status: 0 everything read was imported; 1 imported, but records or
copies were skipped or left (listed); 2 nothing was done or the import
stopped (a bad command line, profile, file or database).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TextIO

EXIT_OK, EXIT_SKIPPED, EXIT_FAILED = 0, 1, 2
SHOWN_PER_KIND = 20
"""Problems listed per kind; the rest are counted."""


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mana import",
        description="Import MARC21 records (ISO 2709 in MARC-8 or UTF-8, or MARCXML) with "
                    "their holdings (952 or 852/876) into the region's database, also while "
                    "`mana serve` serves it. The same record again (001/003) is updated; "
                    "leader/05 'd' deletes it.")
    parser.add_argument("files", nargs="+", type=Path, metavar="FILE")
    parser.add_argument("--database", metavar="FILE|URL",
                        help="SQLite file or postgresql:// URL (default: the server's, from "
                             "--config, else mana.db)")
    parser.add_argument("--config", type=Path, metavar="PATH",
                        help="settings file whose [server] database to use")
    parser.add_argument("--profile", type=Path, metavar="TOML",
                        help="import profile: holdings field, library and location codes "
                             "(see import.toml)")
    parser.add_argument("--dry-run", action="store_true",
                        help="read and check everything, write nothing")
    return parser


class Progress:
    """A bar on a terminal; plain lines every ``every`` seconds elsewhere."""

    def __init__(self, out: TextIO, every: float = 5.0) -> None:
        self.out = out
        self.tty = out.isatty()
        self.every = every
        self.start = time.monotonic()
        self.last = 0.0

    def __call__(self, done: int, total: int, records: int) -> None:
        now = time.monotonic()
        if now - self.last < (0.2 if self.tty else self.every) and done < total:
            return
        self.last = now
        elapsed = max(now - self.start, 1e-6)
        rate = records / elapsed
        fraction = done / total if total else 1.0
        left = elapsed * (1 - fraction) / fraction if fraction > 0 else 0.0
        figures = f"{records:,} records, {rate:,.0f}/s, {_duration(left)} left"
        if self.tty:
            bar = "#" * int(fraction * 30)
            self.out.write(f"\r[{bar:<30}] {fraction:4.0%} {figures}   ")
            if done >= total:
                self.out.write("\n")
        else:
            self.out.write(f"{fraction:.0%}: {figures}\n")
        self.out.flush()


def _duration(seconds: float) -> str:
    seconds = int(seconds + 0.5)
    return f"{seconds // 60}:{seconds % 60:02d}"


def main(argv: list[str] | None = None) -> int:
    args = make_parser().parse_args(argv)
    from services.marc.importer import Importer, ImportRefused, MarcFile, connect
    from services.marc.profile import DEFAULT_PROFILE, ProfileError, read_profile
    from services.server.settings import SettingsError
    from services.storage import StorageError

    try:
        profile = read_profile(args.profile) if args.profile else DEFAULT_PROFILE
        target = args.database or _server_database(args)
        files = [MarcFile(path) for path in args.files]
        engine = connect(target)
    except (ProfileError, SettingsError, ImportRefused, StorageError) as e:
        print(f"mana import: {e}", file=sys.stderr)
        return EXIT_FAILED
    try:
        importer = Importer(engine, profile, dry_run=args.dry_run)
        report = importer.run(files, Progress(sys.stderr))
    except StorageError as e:
        print(f"mana import: stopped: {e}. The batches before it stay written "
              "(each is one transaction); importing the file again finishes the job.",
              file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("\nmana import: interrupted; the batches before it stay written.",
              file=sys.stderr)
        return EXIT_FAILED
    finally:
        engine.dispose()
    _print_problems(report.problems)
    print(report.summary(dry_run=args.dry_run))
    return EXIT_OK if report.clean else EXIT_SKIPPED


def _server_database(args: argparse.Namespace) -> str:
    from services.server.cli import settings_from_args

    return settings_from_args(argparse.Namespace(config=args.config)).database


def _print_problems(problems: list) -> None:  # type: ignore[type-arg]
    shown: dict[str, int] = {}
    for problem in problems:
        shown[problem.kind] = shown.get(problem.kind, 0) + 1
        if shown[problem.kind] <= SHOWN_PER_KIND:
            print(problem)
    for kind, n in shown.items():
        if n > SHOWN_PER_KIND:
            print(f"… and {n - SHOWN_PER_KIND} more: {kind}")
