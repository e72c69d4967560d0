"""A real pseudo-terminal with a screen: spawn a command, read what it shows.

Used by the end-to-end test (``tests/test_e2e_pty.py``) and the benchmarks
(``bench/``, which put the repository root on ``sys.path`` to import it):
pexpect runs the command in a pty of a given size, pyte plays its output onto
a virtual screen, and the helpers wait for text to show up on that screen.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from typing import TypeVar

import pexpect
import pyte

T = TypeVar("T")

SYNC_QUERY = b"\x1b[?2026$p"
"""The program asks whether the terminal supports synchronized output."""
SYNC_SUPPORTED = b"\x1b[?2026;2$y"
"""The answer: supported (and off until the program turns it on)."""
SYNC_START = b"\x1b[?2026h"
SYNC_END = b"\x1b[?2026l"

KEYS = {
    "enter": "\r",
    "escape": "\x1b",
    "tab": "\t",
    "up": "\x1b[A",
    "down": "\x1b[B",
    "right": "\x1b[C",
    "left": "\x1b[D",
    "f2": "\x1bOQ",
    "f3": "\x1bOR",
    "f4": "\x1bOS",
    "f6": "\x1b[17~",
    "f10": "\x1b[21~",
    "pagedown": "\x1b[6~",
    "pageup": "\x1b[5~",
}
"""What a terminal (xterm) sends for each key."""


class Terminal:
    """A command running in a pty of ``columns`` × ``lines``, with its screen."""

    def __init__(
        self,
        argv: Sequence[str],
        *,
        columns: int = 80,
        lines: int = 24,
        env: dict[str, str] | None = None,
        cwd: str | None = None,
    ) -> None:
        self.screen = pyte.Screen(columns, lines)
        self.stream = pyte.ByteStream(self.screen)
        self.raw = bytearray()
        self._pending = bytearray()
        self._answered = False
        full_env = {**os.environ, "TERM": "xterm-256color", "COLORTERM": "truecolor"}
        full_env.update(env or {})
        self.child = pexpect.spawn(
            argv[0], list(argv[1:]), dimensions=(lines, columns), env=full_env, cwd=cwd
        )

    # ------------------------------------------------------------- reading

    def pump(self, timeout: float = 0.01) -> int:
        """Read what the program wrote so far onto the screen; bytes read.

        Like a modern terminal, this one answers that it supports synchronized
        output (mode 2026), and a frame the program brackets with its begin and
        end marks reaches the screen whole: a check never sees half a frame.
        """
        total = 0
        while True:
            try:
                data = self.child.read_nonblocking(65536, timeout=timeout)
            except (pexpect.TIMEOUT, pexpect.EOF):
                return total
            self.raw.extend(data)
            if not self._answered and SYNC_QUERY in self.raw:
                self.child.send(SYNC_SUPPORTED)
                self._answered = True
            self._pending.extend(data)
            self._feed_whole_frames()
            total += len(data)
            timeout = 0

    def _feed_whole_frames(self) -> None:
        """Play what is pending onto the screen, up to an unfinished frame."""
        pending = self._pending
        while pending:
            start = pending.find(SYNC_START)
            if start == -1:
                # Keep a tail that may be the first bytes of a begin mark.
                keep = next(
                    (
                        n
                        for n in range(len(SYNC_START) - 1, 0, -1)
                        if pending.endswith(SYNC_START[:n])
                    ),
                    0,
                )
                self.stream.feed(bytes(pending[: len(pending) - keep]))
                del pending[: len(pending) - keep]
                return
            end = pending.find(SYNC_END, start)
            if end == -1:
                self.stream.feed(bytes(pending[:start]))
                del pending[:start]
                return
            end += len(SYNC_END)
            self.stream.feed(bytes(pending[:end]))
            del pending[:end]

    def text(self) -> str:
        """The whole screen as text, one line per row."""
        return "\n".join(self.screen.display)

    def lines(self) -> list[str]:
        return list(self.screen.display)

    def background(self, row: int) -> str:
        """The background colour of ``row`` (of its second cell: the first may be a border)."""
        return self.screen.buffer[row][1].bg

    # ------------------------------------------------------------- waiting

    def wait_until(
        self,
        check: Callable[[], T | None],
        what: str,
        timeout: float = 20.0,
        poll: float = 0.01,
    ) -> T:
        """Pump until ``check()`` answers something truthy and return it.

        Raises ``TimeoutError`` (or ``RuntimeError`` when the program ended)
        with ``what`` and the screen as the program left it.
        """
        start = time.perf_counter()
        while True:
            self.pump(poll)
            found = check()
            if found:
                return found
            if not self.child.isalive():
                self.pump(0.05)
                found = check()
                if found:
                    return found
                raise RuntimeError(f"program ended before {what}:\n{self.text()}")
            if time.perf_counter() - start > timeout:
                raise TimeoutError(f"not {what} after {timeout}s; the screen:\n{self.text()}")

    def wait_for(self, needle: str, timeout: float = 20.0, poll: float = 0.01) -> float:
        """Wait until ``needle`` is on the screen; seconds waited."""
        start = time.perf_counter()
        self.wait_until(lambda: needle in self.text(), f"showing {needle!r}", timeout, poll)
        return time.perf_counter() - start

    def wait_gone(self, needle: str, timeout: float = 20.0) -> None:
        """Wait until ``needle`` is no longer on the screen."""
        self.wait_until(lambda: needle not in self.text(), f"rid of {needle!r}", timeout)

    def wait_steady(
        self, read: Callable[[], T], what: str, quiet: float = 0.15, timeout: float = 20.0
    ) -> T:
        """Wait until ``read()`` has given the same truthy answer for ``quiet``
        seconds (a screen between two frames, e.g. while focus moves, is not
        what stays) and return it."""
        seen: list[tuple[T, float]] = []

        def steady() -> T | None:
            value, now = read(), time.perf_counter()
            if not value or not seen or seen[-1][0] != value:
                seen[:] = [(value, now)]
                return None
            return value if now - seen[0][1] >= quiet else None

        return self.wait_until(steady, f"{what} (steady for {quiet}s)", timeout)

    # ------------------------------------------------------------- writing

    def send(self, keys: str | bytes) -> None:
        self.child.send(keys)

    def press(self, *names: str) -> None:
        """Send each named key of ``KEYS``."""
        for name in names:
            self.child.send(KEYS[name])

    def resize(self, columns: int, lines: int) -> None:
        self.screen.resize(lines, columns)
        self.child.setwinsize(lines, columns)

    def close(self) -> None:
        if self.child.isalive():
            self.child.terminate(force=True)
        self.child.close(force=True)
