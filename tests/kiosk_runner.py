"""Run the kiosk for the pseudo-terminal tests (``tests/test_kiosk_pty.py``).

    python -m tests.kiosk_runner [--hostile] [--idle SECONDS COUNTDOWN] [--config PATH]

Like ``mana`` (the process is hardened before textual is imported), with two
things the command line does not offer: ``--hostile`` runs on the test region
full of hostile text (``tests/tui/hostile.py``), and ``--idle`` sets idle times
shorter than the settings allow (10 s at least).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tui.config import load_config
from tui.kiosk import harden_process, is_hardened


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--hostile", action="store_true")
    parser.add_argument("--idle", nargs=2, type=float, metavar=("SECONDS", "COUNTDOWN"))
    parser.add_argument("--config", type=Path)
    args = parser.parse_args()

    config = load_config(args.config)
    if is_hardened(config.kiosk.profile):
        harden_process()

    from services.memory import MemoryService
    from tui.app import KioskApp

    if args.hostile:
        from tests.tui.hostile import KITCHEN_SINK, HostileService

        service: MemoryService = HostileService(KITCHEN_SINK)
    else:
        service = MemoryService()
    app = KioskApp(service=service, config=config)
    if args.idle:
        app.idle_timeout, app.idle_countdown = args.idle
    app.run()
    return app.return_code or 0


if __name__ == "__main__":
    sys.exit(main())
