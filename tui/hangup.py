"""The ``ssh`` profile's end: a dropped connection logs the patron out.

When an SSH connection drops, the app gets SIGHUP (from the kernel, as the
pty hangs up, or from ``mana ssh``); ``mana ssh`` follows with SIGTERM and
SIGKILL if it must. The code after ``App.run()`` does not run then, and with
SIGHUP ignored Textual can spin; so both signals end the process here: the
current patron's session is logged out on the service (best effort, at most
``LOGOUT_TIMEOUT`` seconds) and the process exits at once, without restoring
a terminal that is gone. A second signal exits without waiting.
"""

from __future__ import annotations

import asyncio
import os
import signal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tui.app import KioskApp

LOGOUT_TIMEOUT = 1.5
"""Seconds the logout may take before the process ends anyway."""


def run_until_hangup(app: KioskApp) -> int:
    """Run ``app``; on SIGHUP or SIGTERM log its patron out and exit."""
    return asyncio.run(_run(app))


async def _run(app: KioskApp) -> int:
    loop = asyncio.get_running_loop()
    ending: list[asyncio.Task[None]] = []

    def on_signal(signum: int) -> None:
        if ending:
            os._exit(128 + signum)
        ending.append(loop.create_task(_hang_up(app, signum)))

    for signum in (signal.SIGHUP, signal.SIGTERM):
        loop.add_signal_handler(signum, on_signal, signum)
    await app.run_async()
    return app.return_code or 0


async def _hang_up(app: KioskApp, signum: int) -> None:
    session = app.session
    if session is not None:
        try:
            await asyncio.wait_for(app.service.logout(session), LOGOUT_TIMEOUT)
        except BaseException:  # noqa: BLE001, S110 - best effort: the process ends anyway
            pass
    os._exit(128 + signum)
