"""Warm sessions: app processes started before anyone connects.

A ``WarmPool`` keeps up to ``[ssh] warm_sessions`` app processes running on
their own pty, each with the fixed environment of ``TERM=xterm-256color``,
having drawn its catalog at ``WARM_SIZE`` for nobody. A new connection takes
one (``take``): its output so far is thrown away except the terminal modes it
switched on (alternate screen, mouse, bracketed paste, …), which are replayed
to the client; the pty is set to the client's size, so the app redraws the
whole screen. A warm process is only ever given to one connection, and it is
ended with it like any other session.

Replacements are started one at a time, each after the previous one has
finished drawing and once no connection has started for ``CALM`` seconds
(at most ``MAX_DEFER``), so refilling the pool neither competes with a burst
of sessions being drawn nor takes more than one core. With the pool empty (a burst), connections start a
process as before. This module does not import textual.
"""

from __future__ import annotations

import asyncio
import re
import sys
from collections import deque
from collections.abc import Callable

from tui.ssh_process import Launcher, PtyProcess

WARM_SIZE = (97, 31)
"""The size warm processes draw at: one few clients have, so that setting the
client's size almost always changes it (and the app redraws)."""

QUIET = 0.3
"""Seconds without output after which a warm process counts as drawn."""

CALM = 1.0
"""Seconds without a new connection before a replacement is started…"""

MAX_DEFER = 10.0
"""…but not deferred longer than this, so that steady traffic still refills."""

MODES = re.compile(rb"\x1b\[\?[0-9;]*[hl]|\x1b\[[<>=][0-9;]*u|\x1b\[\?[0-9]+\$p")
"""Private mode switches, the keyboard protocol and mode queries: what a
client must see again of a warm process's output before the connection."""

MAX_MODES = 64


class Warm:
    """One warm process: its pty, and the mode switches it has written."""

    def __init__(self, pool: WarmPool) -> None:
        self._pool = pool
        self.modes: list[bytes] = []
        self.taken = False
        self._tail = b""
        self.output = asyncio.Event()
        self.process = PtyProcess(
            pool.launcher, pool.argv, pool.env, WARM_SIZE,
            on_output=self._seen, on_exit=self._ended, fallback=pool.fallback,
        )

    def _seen(self, data: bytes) -> None:
        data, self._tail = self._tail + data, b""
        end = 0
        for match in MODES.finditer(data):
            if len(self.modes) < MAX_MODES:
                self.modes.append(match[0])
            end = match.end()
        cut = data.rfind(b"\x1b", end)  # a sequence split between two reads
        if cut >= 0 and len(data) - cut < 16:
            self._tail = data[cut:]
        self.output.set()

    def _ended(self, status: int) -> None:
        self._pool.forget(self)

    def preamble(self) -> bytes:
        return b"".join(self.modes)


class WarmPool:
    """Up to ``size`` warm processes of ``argv`` with ``env``."""

    def __init__(self, launcher: Launcher, fallback: Launcher | None, argv: list[str],
                 env: dict[str, str], size: int, grace: float) -> None:
        self.launcher, self.fallback = launcher, fallback
        self.argv, self.env, self.size, self.grace = argv, env, size, grace
        self._ready: deque[Warm] = deque()
        self._wake = asyncio.Event()
        self._closed = False
        self._filler: asyncio.Task[None] | None = None
        self._last_connection = 0.0

    def connected(self) -> None:
        """A connection started (warm or not): refilling waits a little."""
        self._last_connection = asyncio.get_running_loop().time()

    def start(self) -> None:
        if self.size > 0 and self._filler is None:
            self._filler = asyncio.get_running_loop().create_task(self._fill())

    def __len__(self) -> int:
        return len(self._ready)

    def take(self, env: dict[str, str]) -> Warm | None:
        """A warm process for a connection whose process would get ``env``,
        or None (another terminal type, or none left)."""
        if env != self.env or not self._ready:
            return None
        warm = self._ready.popleft()
        warm.taken = True
        self._wake.set()
        return warm

    def forget(self, warm: Warm) -> None:
        """A warm process ended by itself (before anyone took it)."""
        if warm in self._ready:
            self._ready.remove(warm)
            self._wake.set()

    async def _fill(self) -> None:
        failures = 0
        while not self._closed:
            if len(self._ready) >= self.size:
                self._wake.clear()
                await self._wake.wait()
                continue
            await self._calm()
            if self._closed:
                return
            warm = Warm(self)
            try:
                await warm.process.start()
            except OSError as e:
                print(f"mana ssh: could not start a warm session: {e}", file=sys.stderr)
                failures += 1
                await asyncio.sleep(min(2.0**failures, 60))
                continue
            if self._closed:
                await warm.process.stop(self.grace)
                return
            self._ready.append(warm)
            await self._drawn(warm)
            if warm.taken or warm.process.exit_status is None:
                failures = 0
            else:  # it ended by itself at once: wait, then retry
                print(f"mana ssh: a warm session ended with status "
                      f"{warm.process.exit_status}", file=sys.stderr)
                failures += 1
                await asyncio.sleep(min(2.0**failures, 60))

    async def _calm(self) -> None:
        """Wait until no connection started for ``CALM`` seconds (or ``MAX_DEFER``)."""
        loop = asyncio.get_running_loop()
        give_up = loop.time() + MAX_DEFER
        while not self._closed and (now := loop.time()) < give_up:
            quiet = now - self._last_connection
            if quiet >= CALM:
                return
            await asyncio.sleep(min(CALM - quiet, give_up - now))

    async def _drawn(self, warm: Warm, limit: float = 30) -> None:
        """Wait until ``warm`` has written something and then nothing for ``QUIET``."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + limit
        while loop.time() < deadline and not self._closed and warm.process.exit_status is None:
            warm.output.clear()
            try:
                await asyncio.wait_for(warm.output.wait(), QUIET)
            except TimeoutError:
                if warm.modes:
                    return

    async def close(self) -> None:
        """End the warm processes nobody took."""
        self._closed = True
        self._wake.set()
        if self._filler is not None:
            await asyncio.wait([self._filler], timeout=30)
        warm = list(self._ready)
        self._ready.clear()
        await asyncio.gather(*(w.process.stop(self.grace) for w in warm))


async def adopt(warm: Warm, size: tuple[int, int], on_output: Callable[[bytes], None],
                on_exit: Callable[[int], None]) -> None:
    """Hand a taken warm process to a connection: replay its terminal modes
    to ``on_output``, then set the client's ``size`` so that it redraws the
    whole screen there (through a size one row larger first if it already is
    that size: the app redraws only when the size changes)."""
    process = warm.process
    if size == WARM_SIZE:
        warm.output.clear()
        process.resize(size[0], size[1] + 1)
        try:
            await asyncio.wait_for(warm.output.wait(), 1.0)
        except TimeoutError:
            pass
    on_output(warm.preamble())
    process.attach(on_output, on_exit)
    process.resize(*size)
