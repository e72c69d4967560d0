"""Warm sessions: app processes started before anyone connects.

A ``WarmPool`` keeps up to ``[ssh] warm_sessions`` app processes running on
their own pty, having drawn their catalog at ``WARM_SIZE`` for nobody. Each
belongs to a *family* of terminal types, given by the caller with the fixed
environment its processes get (``tui.ssh``: 256 colours and 16 colours, the
only thing about the terminal type the app's output depends on). A new
connection takes one of its family (``take``): its output so far is thrown
away except the terminal modes it switched on (alternate screen, mouse,
bracketed paste, …), which are replayed to the client; the pty is set to the
client's size, so the app redraws the whole screen. A warm process is only
ever given to one connection, and it is ended with it like any other session.

The pool is shared between the families after the families of the last
``RECENT`` connections (warm or not), with at least one of each while the
pool is as large as the number of families; before any connection, the first
family gets three shares to every other's one.

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
from collections import Counter, deque
from collections.abc import Callable, Mapping

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

RECENT = 32
"""Connections whose families share out the pool."""

PRIOR = 3
"""Shares of the first family before (and beside) the recent connections'."""


class Warm:
    """One warm process: its pty, and the mode switches it has written."""

    def __init__(self, pool: WarmPool, family: str) -> None:
        self._pool = pool
        self.family = family
        self.modes: list[bytes] = []
        self.taken = False
        self._tail = b""
        self.output = asyncio.Event()
        self.process = PtyProcess(
            pool.launcher, pool.argv, pool.envs[family], WARM_SIZE,
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
    """Up to ``size`` warm processes of ``argv``; ``envs`` maps each family
    (the first the most common) to the environment of its processes."""

    def __init__(self, launcher: Launcher, fallback: Launcher | None, argv: list[str],
                 envs: Mapping[str, dict[str, str]], size: int, grace: float) -> None:
        self.launcher, self.fallback = launcher, fallback
        self.argv, self.envs, self.size, self.grace = argv, dict(envs), size, grace
        self._ready: deque[Warm] = deque()
        self._recent: deque[str] = deque(maxlen=RECENT)
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

    def take(self, family: str | None) -> Warm | None:
        """A warm process of ``family`` for a new connection, or None (a
        family without warm processes, or none of it left)."""
        if family not in self.envs:
            return None
        self._recent.append(family)
        warm = next((w for w in self._ready if w.family == family), None)
        if warm is None:
            return None
        self._ready.remove(warm)
        warm.taken = True
        self._wake.set()
        return warm

    def count(self, family: str) -> int:
        """Warm processes of ``family`` waiting."""
        return sum(w.family == family for w in self._ready)

    def next_family(self) -> str:
        """The family the next warm process is for: one with none waiting
        first, else the one furthest below its share."""
        families = list(self.envs)
        if self.size >= len(families):
            for family in families:
                if self.count(family) == 0:
                    return family
        weights = Counter(self._recent)
        weights[families[0]] += PRIOR
        for family in families[1:]:
            weights[family] += 1
        total = sum(weights[f] for f in families)
        return max(families,
                   key=lambda f: self.size * weights[f] / total - self.count(f))

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
            warm = Warm(self, self.next_family())
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
