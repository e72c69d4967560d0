"""``KioskDriver``: Textual's Linux driver for the public profiles.

- The terminal never sends signals for keys: ISIG stays off in raw mode even
  when ``$TEXTUAL_ALLOW_SIGNALS`` is set, so Ctrl+C, Ctrl+Z and Ctrl+\\ reach
  the app as plain keys (which do nothing there).
- SIGINT, SIGTSTP and SIGQUIT are ignored: the Linux driver installs its own
  SIGTSTP handler (to suspend on Ctrl+Z), this one takes it away again.
- The app cannot be suspended (``can_suspend`` is False).

Not imported on Windows.
"""

from __future__ import annotations

import termios
from typing import Any

from textual.drivers.linux_driver import LinuxDriver

from tui.kiosk import ignore_terminal_signals


class KioskDriver(LinuxDriver):
    def __init__(self, app: Any, *, debug: bool = False, mouse: bool = True,
                 size: tuple[int, int] | None = None) -> None:
        super().__init__(app, debug=False, mouse=mouse, size=size)
        ignore_terminal_signals()

    @property
    def can_suspend(self) -> bool:
        return False

    @classmethod
    def _patch_lflag(cls, attrs: int) -> int:
        return attrs & ~(termios.ECHO | termios.ICANON | termios.IEXTEN | termios.ISIG)
