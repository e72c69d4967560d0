"""``mana ssh`` as a subprocess, and real SSH clients (asyncssh) with a screen.

Used by ``tests/tui/test_ssh.py`` and ``bench/ssh.py``. ``SshServer`` starts
``python -m tui.cli ssh`` on a free loopback port and finds its processes in
/proc; ``SshTerminal`` is one client with a pty whose output plays onto a
pyte screen.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import asyncssh
import pyte

ROOT = Path(__file__).resolve().parents[2]


# --------------------------------------------------------------------- /proc


def proc_stat(pid: int) -> list[str] | None:
    """The fields of /proc/PID/stat after the command name (state first), or None."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return text[text.rindex(")") + 2 :].split()


def descendants(root: int) -> set[int]:
    """Every living process below ``root``."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (fields := proc_stat(int(entry))) is not None:
            children.setdefault(int(fields[1]), []).append(int(entry))
    found: set[int] = set()
    todo = [root]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def environ(pid: int) -> dict[str, str]:
    raw = Path(f"/proc/{pid}/environ").read_bytes()
    pairs = (item.split(b"=", 1) for item in raw.split(b"\0") if b"=" in item)
    return {k.decode(): v.decode() for k, v in pairs}


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def pss_kib(pid: int) -> int:
    """Proportional set size: shared pages divided among the processes sharing them."""
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return 0
    for line in text.splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1])
    return 0


def gone(pid: int) -> bool:
    """Not running and reaped (a zombie still has a /proc entry)."""
    return proc_stat(pid) is None


# ------------------------------------------------------------------- server


class SshServer:
    """``mana ssh`` on a free loopback port, in its own session."""

    def __init__(self, workdir: Path, settings: str = "", ssh: str = "") -> None:
        self.config = workdir / "mana.toml"
        self.config.write_text(f"{settings}\n[ssh]\nport = 0\n{ssh}\n", encoding="utf-8")
        self.host_key = workdir / "keys" / "host_ed25519"
        self.log = workdir / "ssh.log"
        self.process: subprocess.Popen[str] | None = None
        self.port = 0
        self.fingerprint = ""

    def start(self, timeout: float = 30) -> SshServer:
        with open(self.log, "a", encoding="utf-8") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "tui.cli", "ssh", "--config", str(self.config),
                 "--host-key", str(self.host_key)],
                stdout=subprocess.PIPE, stderr=log, text=True, cwd=ROOT,
                start_new_session=True,
            )
        assert self.process.stdout is not None
        ready, _, _ = select.select([self.process.stdout], [], [], timeout)
        line = self.process.stdout.readline() if ready else ""
        match = re.search(r"listening on [^ ]+:(\d+) \(host key (\S+)\)", line)
        if match is None:
            self.stop()
            raise RuntimeError(f"mana ssh did not start: {line!r}\n{self.log.read_text()}")
        self.port, self.fingerprint = int(match[1]), match[2]
        return self

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def sessions(self) -> set[int]:
        """The session processes: the server's descendants that lead a session."""
        result = set()
        for pid in descendants(self.pid):
            fields = proc_stat(pid)
            if fields is not None and int(fields[3]) == pid:
                result.add(pid)
        return result

    def wait_sessions(self, count: int, timeout: float = 20) -> set[int]:
        deadline = time.monotonic() + timeout
        while len(found := self.sessions()) != count:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{len(found)} sessions, not {count}")
            time.sleep(0.02)
        return found

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        if self.process is not None and self.process.stdout is not None:
            self.process.stdout.close()


def wait_gone(pids: set[int], timeout: float = 15) -> set[int]:
    """Wait until every pid is gone; the ones still there after ``timeout``."""
    deadline = time.monotonic() + timeout
    while (left := {pid for pid in pids if not gone(pid)}) and time.monotonic() < deadline:
        time.sleep(0.02)
    return left


# ------------------------------------------------------------------- client


async def connect(port: int, username: str = "patron", **options: object) -> asyncssh.SSHClientConnection:
    return await asyncssh.connect(
        "127.0.0.1", port, username=username, known_hosts=None, client_keys=None,
        agent_path=None, **options,  # type: ignore[arg-type]
    )


class Watched(asyncssh.SSHClient):
    """A client connection that remembers that it ended (``closed``)."""

    def __init__(self) -> None:
        self.closed = asyncio.Event()

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed.set()


class DisconnectReasons(logging.Handler):
    """The reasons in the disconnect messages asyncssh clients receive, in
    order, while it is installed (``with DisconnectReasons() as reasons``).
    asyncssh raises no error for a disconnect "by application" after the
    login and says why only in its debug log, so they are read there."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.reasons: list[str] = []
        self._logger = logging.getLogger("asyncssh")
        self._level = self._logger.level

    def emit(self, record: logging.LogRecord) -> None:
        if "Received disconnect:" in str(record.msg) and record.args:
            self.reasons.append(str(record.args[0]))  # type: ignore[index]

    def __enter__(self) -> list[str]:
        self._logger.addHandler(self)
        self._logger.setLevel(logging.DEBUG)
        asyncssh.set_debug_level(1)
        return self.reasons

    def __exit__(self, *exc: object) -> None:
        self._logger.removeHandler(self)
        self._logger.setLevel(self._level)


async def connect_watched(port: int, username: str = "patron",
                          ) -> tuple[asyncssh.SSHClientConnection, Watched]:
    """A connection that opens nothing, and how it will end."""
    watched = Watched()
    conn = await connect(port, username, client_factory=lambda: watched)
    return conn, watched


class SshTerminal:
    """One SSH client with a pty of ``columns`` × ``lines`` and its screen."""

    def __init__(self, conn: asyncssh.SSHClientConnection,
                 process: asyncssh.SSHClientProcess[bytes], columns: int, lines: int) -> None:
        self.conn = conn
        self.process = process
        self.screen = pyte.Screen(columns, lines)
        self.stream = pyte.ByteStream(self.screen)
        self.raw = bytearray()
        self.closed = asyncio.Event()
        self._reader = asyncio.get_running_loop().create_task(self._read())

    @classmethod
    async def open(cls, port: int, *, columns: int = 80, lines: int = 24,
                   term: str = "xterm-256color", env: dict[str, str] | None = None,
                   username: str = "patron") -> SshTerminal:
        conn = await connect(port, username)
        process = await conn.create_process(
            term_type=term, term_size=(columns, lines), encoding=None, env=env or {},
        )
        return cls(conn, process, columns, lines)

    async def _read(self) -> None:
        try:
            while data := await self.process.stdout.read(65536):
                self.raw += data
                self.stream.feed(data)
        except (asyncssh.Error, OSError):
            pass
        finally:
            self.closed.set()

    def text(self) -> str:
        return "\n".join(self.screen.display)

    async def wait_for(self, needle: str, timeout: float = 30) -> float:
        """Wait until ``needle`` shows; seconds waited. Raises TimeoutError."""
        start = time.perf_counter()
        while needle not in self.text():
            if time.perf_counter() - start > timeout:
                raise TimeoutError(f"{needle!r} not on screen after {timeout}s:\n{self.text()}")
            if self.closed.is_set():
                raise RuntimeError(f"the session ended before {needle!r} showed:\n{self.text()}")
            await asyncio.sleep(0.01)
        return time.perf_counter() - start

    async def wait_until(self, check: object, what: str, timeout: float = 30) -> None:
        start = time.perf_counter()
        while not check():  # type: ignore[operator]
            if time.perf_counter() - start > timeout:
                raise TimeoutError(f"not {what} after {timeout}s:\n{self.text()}")
            await asyncio.sleep(0.01)

    def send(self, keys: str) -> None:
        self.process.stdin.write(keys.encode())

    def resize(self, columns: int, lines: int) -> None:
        self.screen.resize(lines, columns)
        self.process.change_terminal_size(columns, lines)

    async def close(self) -> None:
        self.conn.close()
        await self.conn.wait_closed()
        await self._reader
