"""One ``mana`` process per SSH session, on its own pseudo-terminal.

``PtyProcess`` owns the master side of a pty whose slave is the app's
stdin/stdout/stderr and controlling terminal. It pumps bytes both ways, sets
the window size (the kernel then sends SIGWINCH to the app), and ends the
process when the connection drops: SIGHUP (the app logs out and exits), then
SIGTERM, then SIGKILL, each after a grace period, and the process is reaped.

Two ways to start the app (``Launcher``):

- ``ExecLauncher``: a fresh ``python -m tui.cli`` per session;
- ``ForkLauncher``: asks ``tui.ssh_zygote``, a process that has the app
  already imported, to fork a session (a fifth of the start-up time).

Both hand back a pidfd, so a signal never reaches a recycled pid.
This module does not import textual.
"""

from __future__ import annotations

import asyncio
import errno
import fcntl
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import termios
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

MAX_PENDING_INPUT = 64 * 1024
"""Keys typed faster than the app reads them are kept up to this many bytes."""

MAX_SIZE = 1000
"""Columns or rows beyond this are clamped (a client may claim anything)."""


def set_window_size(fd: int, columns: int, rows: int) -> None:
    """Set a pty's size; on the master, the kernel signals SIGWINCH to the app."""
    columns = min(max(columns, 1), MAX_SIZE) if columns else 80
    rows = min(max(rows, 1), MAX_SIZE) if rows else 24
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))


async def wait_readable(fd: int) -> None:
    """Wait until ``fd`` is readable (for a pidfd: until the process ended)."""
    loop = asyncio.get_running_loop()
    done = loop.create_future()
    loop.add_reader(fd, lambda: done.done() or done.set_result(None))
    try:
        await done
    finally:
        loop.remove_reader(fd)


@dataclass
class Child:
    """A started app process: its pid, a pidfd, and how to reap it."""

    pid: int
    pidfd: int
    popen: subprocess.Popen[bytes] | None = None
    """Set when this process is our child (exec); a forked session is the
    zygote's child and the zygote reaps it."""

    def signal(self, signum: int) -> None:
        try:
            signal.pidfd_send_signal(self.pidfd, signum)
        except ProcessLookupError:
            pass

    def reap(self) -> int:
        """The exit status (after the pidfd became readable)."""
        status = self.popen.wait() if self.popen is not None else 0
        os.close(self.pidfd)
        return status


class Launcher(Protocol):
    async def spawn(self, slave: int, argv: list[str], env: dict[str, str]) -> Child:
        """Start ``mana ARGV`` with ``slave`` as its terminal and exactly ``env``."""
        ...

    async def close(self) -> None: ...


def _take_controlling_terminal() -> None:  # runs in the child, after setsid
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


class ExecLauncher:
    """A fresh process per session: ``command + argv`` (by default ``python -m tui.cli``)."""

    def __init__(self, command: list[str] | None = None) -> None:
        self.command = command or [sys.executable, "-m", "tui.cli"]

    async def spawn(self, slave: int, argv: list[str], env: dict[str, str]) -> Child:
        # fork+exec takes a few ms: not worth a thread. preexec_fn is the only way
        # to take a controlling terminal; it runs one ioctl (the server's only
        # other threads are asyncio's idle resolver workers).
        popen = subprocess.Popen(  # noqa: ASYNC220
            [*self.command, *argv],
            stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True,
            start_new_session=True, preexec_fn=_take_controlling_terminal,  # noqa: PLW1509
        )
        return Child(popen.pid, os.pidfd_open(popen.pid), popen)

    async def close(self) -> None:
        pass


class ForkLauncher:
    """Sessions forked by ``tui.ssh_zygote`` (started here, with ``env``)."""

    def __init__(self, env: dict[str, str]) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self._socket = ours
        self._socket.setblocking(False)
        self._zygote = subprocess.Popen(
            [sys.executable, "-m", "tui.ssh_zygote", str(theirs.fileno())],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            pass_fds=[theirs.fileno()], env=env,
        )
        theirs.close()
        self._lock = asyncio.Lock()

    @property
    def pid(self) -> int:
        return self._zygote.pid

    async def spawn(self, slave: int, argv: list[str], env: dict[str, str]) -> Child:
        request = json.dumps({"argv": argv, "env": env}).encode()
        async with self._lock:
            if self._zygote.poll() is not None:
                raise OSError(errno.ESRCH, "the zygote has ended")
            socket.send_fds(self._socket, [request], [slave])
            while True:
                await wait_readable(self._socket.fileno())
                try:
                    data, fds, _, _ = socket.recv_fds(self._socket, 4096, 1)
                except BlockingIOError:
                    continue
                break
        if not data:
            raise OSError(errno.EPIPE, "the zygote has ended")
        answer = json.loads(data)
        if not fds:
            raise OSError(errno.ECHILD, answer.get("error", "the zygote did not fork"))
        return Child(int(answer["pid"]), fds[0])

    async def close(self) -> None:
        self._socket.close()  # the zygote ends at end of file
        try:
            await asyncio.wait_for(asyncio.to_thread(self._zygote.wait), 5)
        except TimeoutError:
            self._zygote.kill()
            self._zygote.wait()


class PtyProcess:
    """The app on a pty of ``size`` (columns, rows); ``on_output`` gets what it
    writes, ``on_exit`` its status once it ended by itself."""

    def __init__(
        self,
        launcher: Launcher,
        argv: list[str],
        env: dict[str, str],
        size: tuple[int, int],
        on_output: Callable[[bytes], None],
        on_exit: Callable[[int], None],
        fallback: Launcher | None = None,
    ) -> None:
        self._launcher, self._fallback = launcher, fallback
        self._argv, self._env = argv, env
        self._on_output, self._on_exit = on_output, on_exit
        self._master, self._slave = os.openpty()
        os.set_blocking(self._master, False)
        set_window_size(self._master, *size)
        self._pending = bytearray()
        self._reading = False
        self._stopping = False
        self.child: Child | None = None
        self._watcher: asyncio.Task[None] | None = None
        self._exited = asyncio.Event()
        self._stopped: asyncio.Future[None] | None = None
        self.exit_status: int | None = None
        """Set once the app ended by itself (not by ``stop``)."""

    def attach(self, on_output: Callable[[bytes], None], on_exit: Callable[[int], None]) -> None:
        """From now on, send the app's output and its end to these (a warm
        process handed to a connection); at once if it has already ended."""
        self._on_output, self._on_exit = on_output, on_exit
        if self.exit_status is not None:
            on_exit(self.exit_status)

    async def start(self) -> Child:
        try:
            try:
                child = await self._launcher.spawn(self._slave, self._argv, self._env)
            except OSError:
                if self._fallback is None:
                    raise
                child = await self._fallback.spawn(self._slave, self._argv, self._env)
        finally:
            os.close(self._slave)
        self.child = child
        self.resume()
        self._flush_input()
        self._watcher = asyncio.create_task(self._watch(child))
        return child

    async def _watch(self, child: Child) -> None:
        await wait_readable(child.pidfd)
        self._exited.set()
        if not self._stopping:
            self.child = None
            self._drain()
            self._close_master()
            self.exit_status = child.reap()
            self._on_exit(self.exit_status)

    # ------------------------------------------------------------- the bytes

    def pause(self) -> None:
        if self._reading:
            asyncio.get_running_loop().remove_reader(self._master)
            self._reading = False

    def resume(self) -> None:
        if not self._reading and self._master >= 0 and self.child is not None:
            asyncio.get_running_loop().add_reader(self._master, self._drain)
            self._reading = True

    def _drain(self) -> None:
        try:
            data = os.read(self._master, 65536)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:  # EIO: the app closed its terminal
            self.pause()
            return
        if data:
            self._on_output(data)
        else:
            self.pause()

    def write(self, data: bytes) -> None:
        """Keys from the client, to the app."""
        room = MAX_PENDING_INPUT - len(self._pending)
        self._pending += data[: max(room, 0)]
        self._flush_input()

    def _flush_input(self) -> None:
        if self._master < 0 or self.child is None:
            return
        loop = asyncio.get_running_loop()
        loop.remove_writer(self._master)
        while self._pending:
            try:
                written = os.write(self._master, self._pending)
            except BlockingIOError:
                loop.add_writer(self._master, self._flush_input)
                return
            except OSError:
                self._pending.clear()
                return
            del self._pending[:written]

    def resize(self, columns: int, rows: int) -> None:
        if self._master >= 0:
            set_window_size(self._master, columns, rows)

    # --------------------------------------------------------------- the end

    async def stop(self, grace: float) -> None:
        """End the app: SIGHUP, SIGTERM, SIGKILL ``grace`` seconds apart; reap it.
        Calling it again waits for the same end."""
        if self._stopped is None:
            self._stopped = asyncio.ensure_future(self._stop(grace))
        await asyncio.shield(self._stopped)

    async def _stop(self, grace: float) -> None:
        self._stopping = True
        self.pause()
        child = self.child
        if child is not None:
            for signum in (signal.SIGHUP, signal.SIGTERM, signal.SIGKILL):
                child.signal(signum)
                try:
                    await asyncio.wait_for(self._exited.wait(), grace)
                    break
                except TimeoutError:
                    continue
            await self._exited.wait()  # SIGKILL cannot be refused
            self.child = None
            child.reap()
        self._close_master()

    def _close_master(self) -> None:
        if self._master >= 0:
            self.pause()
            asyncio.get_running_loop().remove_writer(self._master)
            os.close(self._master)
            self._master = -1
