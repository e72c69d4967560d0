"""A real pseudo-terminal with a screen: spawn a command, read what it shows.

Used by the benchmarks and the end-to-end test: pexpect runs the command in a
pty of a given size, pyte plays its output onto a virtual screen.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence

import pexpect
import pyte


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
        full_env = {**os.environ, "TERM": "xterm-256color", "COLORTERM": "truecolor"}
        full_env.update(env or {})
        self.child = pexpect.spawn(
            argv[0], list(argv[1:]), dimensions=(lines, columns), env=full_env, cwd=cwd
        )

    def pump(self, timeout: float = 0.01) -> int:
        """Read what the program wrote so far onto the screen; bytes read."""
        total = 0
        while True:
            try:
                data = self.child.read_nonblocking(65536, timeout=timeout)
            except (pexpect.TIMEOUT, pexpect.EOF):
                return total
            self.raw.extend(data)
            self.stream.feed(data)
            total += len(data)
            timeout = 0

    def text(self) -> str:
        return "\n".join(self.screen.display)

    def wait_for(self, needle: str, timeout: float = 20.0, poll: float = 0.01) -> float:
        """Wait until ``needle`` is on the screen; seconds waited. Raises TimeoutError."""
        start = time.perf_counter()
        while True:
            self.pump(poll)
            if needle in self.text():
                return time.perf_counter() - start
            if time.perf_counter() - start > timeout:
                raise TimeoutError(f"{needle!r} not on screen after {timeout}s:\n{self.text()}")
            if not self.child.isalive():
                self.pump(0.05)
                if needle in self.text():
                    return time.perf_counter() - start
                raise RuntimeError(f"program ended before {needle!r} showed:\n{self.text()}")

    def send(self, keys: str | bytes) -> None:
        self.child.send(keys)

    def resize(self, columns: int, lines: int) -> None:
        self.screen.resize(lines, columns)
        self.child.setwinsize(lines, columns)

    def close(self) -> None:
        if self.child.isalive():
            self.child.terminate(force=True)
        self.child.close(force=True)


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
