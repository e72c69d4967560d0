"""``mana ssh``: the catalog over SSH, like the old telnet catalogs.

An asyncssh server where anyone connects without an SSH password (any user
name, or the one set in ``[ssh] username``) and logs in inside the app. Each
connection gets one session: its own ``mana --profile ssh`` process on its own
pseudo-terminal (``tui.ssh_process``), with the client's terminal type and
window size. Up to ``[ssh] warm_sessions`` of these processes are started
ahead, their catalog already drawn (``tui.ssh_pool``); a connection takes one
of its terminal type's colour family (``colour_family``: the app's output
depends on the terminal type only through the number of colours) and sees it
redrawn at its size; a burst beyond the pool starts a process when it
connects. Nothing else is accepted: no exec requests, subsystems (sftp),
port, X11 or agent forwarding; the client's environment variables are never
read (the process gets a small fixed environment); a shell without a pty is
told to use ``ssh -t``. Connections at once and new connections per address
per minute are limited; over a limit the client is told so and disconnected.

No connection holds a place for ever: one that has not started a terminal
session ``[ssh] session_open_seconds`` after connecting is closed (it counts
against ``max_sessions`` until then), and a session without a key for
``idle_disconnect_seconds`` after its idle logout (``[kiosk] idle_timeout`` +
``idle_countdown``) is ended and its connection closed.

Every text a client shows from the SSH layer (disconnect reasons, the auth
banner, the no-terminal line) is printable ASCII, Latvian without diacritics
and English: OpenSSH prints other bytes of a disconnect reason as octal
escapes (``p\304\201r\304\201k``). Only the app itself writes UTF-8, to the pty.

    mana ssh [--config PATH] [--host HOST] [--port PORT] [--host-key PATH]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import signal
import sys
import time
from collections import defaultdict, deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

import asyncssh

from tui.config import CONFIG_ENV, ConfigError, KioskConfig, SshSection, load_config
from tui.ssh_pool import Warm, WarmPool, adopt
from tui.ssh_process import ExecLauncher, ForkLauncher, Launcher, PtyProcess

BUSY = (
    "Mana: sobrid ir par daudz savienojumu, ludzu, meginiet velak. / "
    "Too many sessions right now, please try again later."
)
TOO_OFTEN = (
    "Mana: par daudz savienojumu no jusu adreses, ludzu, pagaidiet minuti. / "
    "Too many connections from your address, please wait a minute."
)
NEEDS_TERMINAL = (
    "Mana darbojas terminali: savienojieties ar ssh -t. / "
    "Mana needs a terminal: connect with ssh -t.\r\n"
)
NO_SESSION = (
    "Mana: savienojums slegts, jo sesija netika atverta. / "
    "Connection closed: no terminal session was opened."
)
IDLE = (
    "Mana: sesija slegta, jo ilgi nekas netika ievadits. / "
    "Session closed: nothing was typed for a long time."
)
CLIENT_TEXTS = (BUSY, TOO_OFTEN, NEEDS_TERMINAL, NO_SESSION, IDLE)
"""What the SSH layer itself tells a client: printable ASCII only (tested)."""

RESTORE_TERMINAL = (
    b"\x1b[?1000l\x1b[?1003l\x1b[?1015l\x1b[?1006l\x1b[?2004l\x1b[?2048l\x1b[?7h"
    b"\x1b[<u\x1b[?1049l\x1b[?25h\x1b[?1004l\r\n"
)
"""What Textual writes when it stops (mouse, paste and focus reports off, the
main screen back, the cursor shown): sent to the client when the server ends
a session, whose app cannot do it any more."""
TERM_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]{0,63}")
"""A terminal type we pass on; anything else becomes ``xterm-256color``."""


def session_env(term: str) -> dict[str, str]:
    """The whole environment of a session's process (never the client's)."""
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "TERM": term if TERM_PATTERN.fullmatch(term) else "xterm-256color",
    }


WARM_TERMS = {"256color": "xterm-256color", "16color": "xterm"}
"""Colour families with warm sessions, the most common first, and the
terminal type their processes are started with."""


def colour_family(term: str) -> str | None:
    """The colour family of a terminal type, as Rich reads it (``Console.
    _detect_color_system``: the part after the last hyphen; ``dumb`` has
    none); None for one without warm sessions. Two terminal types of a family
    get the same bytes from the app."""
    term = term.strip().lower() if TERM_PATTERN.fullmatch(term) else "xterm-256color"
    if term in ("dumb", "unknown"):
        return None
    return "256color" if term.rpartition("-")[2] in ("256color", "kitty") else "16color"

MAX_ADDRESSES = 4096
"""Addresses remembered before the ones quiet for a minute are forgotten."""


class Limits:
    """Connections at once, and new connections per address per minute."""

    def __init__(self, settings: SshSection) -> None:
        self.settings = settings
        self.active = 0
        self._recent: dict[str, deque[float]] = defaultdict(deque)

    def admit(self, address: str) -> str | None:
        """None if a connection from ``address`` may start, else the reason to tell."""
        now = time.monotonic()
        if len(self._recent) > MAX_ADDRESSES:  # many addresses: forget the quiet ones
            for quiet in [a for a, t in self._recent.items() if not t or t[-1] <= now - 60]:
                del self._recent[quiet]
        recent = self._recent[address]
        while recent and recent[0] <= now - 60:
            recent.popleft()
        recent.append(now)
        if len(recent) > self.settings.max_new_per_minute:
            return TOO_OFTEN
        if self.active >= self.settings.max_sessions:
            return BUSY
        self.active += 1
        return None

    def release(self) -> None:
        self.active -= 1
        for address in [a for a, times in self._recent.items() if not times]:
            del self._recent[address]


class Sessions:
    """What every connection shares: the settings, the limits, the launchers and
    the live sessions (so that shutting down ends them all)."""

    def __init__(self, config: KioskConfig, config_path: Path | None) -> None:
        self.config = config
        self.limits = Limits(config.ssh)
        self.argv = ["--profile", "ssh"]
        if config_path is not None:
            self.argv += ["--config", str(config_path.resolve())]
        self.exec_launcher: Launcher = ExecLauncher()
        self.launcher: Launcher = (
            ForkLauncher(session_env("xterm-256color")) if config.ssh.prestart
            else self.exec_launcher
        )
        self.live: set[AppSession] = set()
        self.pool = WarmPool(
            self.launcher, self.exec_launcher, self.argv,
            {family: session_env(term) for family, term in WARM_TERMS.items()},
            config.ssh.warm_sessions, config.ssh.hangup_grace,
        )

    @property
    def idle_limit(self) -> float:
        """Seconds without a key before a session is ended: the app's idle
        logout, then ``idle_disconnect_seconds`` more."""
        kiosk, ssh = self.config.kiosk, self.config.ssh
        return kiosk.idle_timeout + kiosk.idle_countdown + ssh.idle_disconnect_seconds

    async def close(self) -> None:
        await self.pool.close()
        await asyncio.gather(*(s.end() for s in list(self.live)))
        await self.launcher.close()


class AppSession(asyncssh.SSHServerSession[bytes]):
    """One SSH session channel: a pty request, then a shell, which is the app.
    ``on_started`` is called once the app is (being) started."""

    def __init__(self, sessions: Sessions, on_started: Callable[[], None]) -> None:
        self._sessions = sessions
        self._on_started = on_started
        self._last_input = 0.0
        self._idle: asyncio.TimerHandle | None = None
        self._told_to_use_t = False
        self._chan: asyncssh.SSHServerChannel[bytes] | None = None
        self._term: str | None = None
        self._size = (80, 24)
        self._process: PtyProcess | None = None
        self._starting: asyncio.Task[None] | None = None
        self._ending: asyncio.Task[None] | None = None
        self._idle_ended = False

    def connection_made(self, chan: asyncssh.SSHServerChannel[bytes]) -> None:  # type: ignore[override]
        self._chan = chan

    def pty_requested(self, term_type: str, term_size: tuple[int, int, int, int],
                      term_modes: Any) -> bool:
        self._term = term_type
        self._size = (term_size[0] or 80, term_size[1] or 24)
        return True

    def shell_requested(self) -> bool:
        return True

    def exec_requested(self, command: str) -> bool:
        return False

    def subsystem_requested(self, subsystem: str) -> bool:
        return False

    def break_received(self, msec: int) -> bool:
        return False

    def session_started(self) -> None:
        assert self._chan is not None
        if self._term is None:
            self._chan.write(NEEDS_TERMINAL.encode())
            self._chan.exit(1)
            self._told_to_use_t = True  # the connection closes with the channel
            return
        self._on_started()
        self._watch_idle()
        chan = self._chan
        env = session_env(self._term)
        warm = self._sessions.pool.take(colour_family(self._term))
        self._sessions.pool.connected()
        self._sessions.live.add(self)
        if warm is not None:
            self._process = warm.process
            self._starting = asyncio.get_running_loop().create_task(self._adopt(warm))
            return
        self._process = PtyProcess(
            self._sessions.launcher, self._sessions.argv, env,
            self._size, on_output=chan.write, on_exit=self._app_ended,
            fallback=self._sessions.exec_launcher,
        )
        self._starting = asyncio.get_running_loop().create_task(self._start(self._process))

    async def _start(self, process: PtyProcess) -> None:
        try:
            await process.start()
        except OSError as e:
            print(f"mana ssh: could not start a session: {e}", file=sys.stderr)
            self._app_ended(1)

    async def _adopt(self, warm: Warm) -> None:
        assert self._chan is not None
        await adopt(warm, self._size, self._chan.write, self._app_ended)
        warm.process.resize(*self._size)  # in case the client resized meanwhile

    def data_received(self, data: bytes, datatype: asyncssh.DataType) -> None:
        self._last_input = asyncio.get_running_loop().time()
        if self._process is not None:
            self._process.write(data)

    def terminal_size_changed(self, width: int, height: int,
                              pixwidth: int, pixheight: int) -> None:
        self._size = (width, height)
        if self._process is not None:
            self._process.resize(width, height)

    def pause_writing(self) -> None:
        if self._process is not None:
            self._process.pause()

    def resume_writing(self) -> None:
        if self._process is not None:
            self._process.resume()

    def _watch_idle(self) -> None:
        """(Re)arm the idle check for when the last key is ``idle_limit`` old."""
        loop = asyncio.get_running_loop()
        if not self._last_input:
            self._last_input = loop.time()
        due = self._last_input + self._sessions.idle_limit
        self._idle = loop.call_at(due, self._idle_check)

    def _idle_check(self) -> None:
        if asyncio.get_running_loop().time() < self._last_input + self._sessions.idle_limit:
            self._watch_idle()  # a key came meanwhile
        elif self._ending is None and self._process is not None:
            self._ending = asyncio.get_running_loop().create_task(self._end_idle())

    async def _end_idle(self) -> None:
        """Nothing typed since long after the idle logout: end the app (it
        logs out on SIGHUP, as on a hang-up), put the client's terminal back
        and close the connection, saying why."""
        self._idle_ended = True  # the app's exit must not close the connection first
        await self.end()
        self._close_idle()

    def _close_idle(self) -> None:
        if self._chan is not None and not self._chan.is_closing():
            self._chan.write(RESTORE_TERMINAL)
            connection = self._chan.get_connection()
            # The reason goes first: asyncssh's disconnect() closes the channel
            # before it sends the reason and drops the connection, and a
            # client whose answer to that close meets the dropped connection
            # fails there and never reads the reason behind it.
            connection._send_disconnect(  # noqa: SLF001 - no public way to say it first
                asyncssh.DISC_BY_APPLICATION, IDLE, asyncssh.DEFAULT_LANG)
            connection.disconnect(asyncssh.DISC_BY_APPLICATION, IDLE)

    def _app_ended(self, status: int) -> None:
        self._sessions.live.discard(self)
        if self._idle_ended:
            self._close_idle()
        elif self._chan is not None:
            self._chan.exit(status)
            self._chan.get_connection().close()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._idle is not None:
            self._idle.cancel()
        if self._told_to_use_t and self._chan is not None:
            self._chan.get_connection().close()  # the one session it may have is over
        self.end_soon()

    def end_soon(self) -> None:
        if self._ending is None and self._process is not None:
            self._ending = asyncio.get_running_loop().create_task(self.end())

    async def end(self) -> None:
        """End the app (it logs out on SIGHUP) and reap it."""
        if self._starting is not None:
            await asyncio.wait([self._starting])
        if self._process is not None:
            await self._process.stop(self._sessions.config.ssh.hangup_grace)
        self._sessions.live.discard(self)


class Gate(asyncssh.SSHServer):
    """One connection: no password, one session, no forwarding of any kind.
    Without a terminal session ``session_open_seconds`` after connecting, it
    is closed (until then it holds a place of ``max_sessions``)."""

    def __init__(self, sessions: Sessions) -> None:
        self._sessions = sessions
        self._conn: asyncssh.SSHServerConnection | None = None
        self._refusal: str | None = None
        self._admitted = False
        self._has_session = False
        self._deadline: asyncio.TimerHandle | None = None

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self._conn = conn
        peer = conn.get_extra_info("peername") or ("?",)
        self._refusal = self._sessions.limits.admit(str(peer[0]))
        self._admitted = self._refusal is None
        self._deadline = asyncio.get_running_loop().call_later(
            self._sessions.config.ssh.session_open_seconds, self._no_session
        )

    def _session_started(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _no_session(self) -> None:
        self._deadline = None
        if self._conn is not None:
            self._conn.disconnect(asyncssh.DISC_BY_APPLICATION, self._refusal or NO_SESSION)

    def connection_lost(self, exc: Exception | None) -> None:
        self._session_started()  # nothing left to wait for
        if self._admitted:
            self._admitted = False
            self._sessions.limits.release()

    def begin_auth(self, username: str) -> bool:
        assert self._conn is not None
        if self._refusal is not None:
            self._conn.send_auth_banner(self._refusal + "\r\n")
            self._conn.disconnect(asyncssh.DISC_TOO_MANY_CONNECTIONS, self._refusal)
            return True
        wanted = self._sessions.config.ssh.username
        return bool(wanted) and username != wanted  # True: no method will let them in

    def session_requested(self) -> AppSession | bool:
        if self._has_session:
            return False
        self._has_session = True
        return AppSession(self._sessions, self._session_started)

    def connection_requested(self, *args: object) -> bool:
        return False

    def server_requested(self, *args: object) -> bool:
        return False

    def unix_connection_requested(self, *args: object) -> bool:
        return False

    def unix_server_requested(self, *args: object) -> bool:
        return False


# ------------------------------------------------------------------ host key


def host_key(path: Path) -> asyncssh.SSHKey:
    """The ed25519 host key at ``path``, created (mode 0600) if there is none.
    Raises ``ConfigError`` for a key others can read or one that is unreadable."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        if path.stat().st_mode & 0o077:
            raise ConfigError(
                f"{path}: the host key is readable by others; chmod 600 {path}"
            ) from None
        try:
            return asyncssh.read_private_key(path)
        except (OSError, asyncssh.KeyImportError) as e:
            raise ConfigError(f"{path}: cannot read the host key: {e}") from None
    key = asyncssh.generate_private_key("ssh-ed25519")
    with os.fdopen(fd, "wb") as file:
        file.write(key.export_private_key())
    return key


# ------------------------------------------------------------------ command


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mana ssh",
        description="The catalog over SSH: every connection gets its own mana "
        "in the ssh profile; patrons log in inside mana, not to SSH.",
        epilog=f"Settings: the [ssh] table of --config PATH (or ${CONFIG_ENV}); "
        "the flags override it.",
    )
    parser.add_argument("--config", type=Path, metavar="PATH", help="settings file (TOML)")
    parser.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, help="TCP port (default 2222; 0: any free port)")
    parser.add_argument("--host-key", type=Path, metavar="PATH",
                        help="ed25519 host key, created if missing")
    return parser


async def serve(config: KioskConfig, config_path: Path | None, key: asyncssh.SSHKey) -> None:
    """Listen until SIGINT or SIGTERM, then end every session."""
    settings = config.ssh
    sessions = Sessions(config, config_path)
    server = await asyncssh.create_server(
        lambda: Gate(sessions), settings.host, settings.port,
        server_host_keys=[key], server_version="Mana",
        encoding=None, line_editor=False, allow_pty=True,
        x11_forwarding=False, agent_forwarding=False, allow_scp=False,
        login_timeout=30, keepalive_interval=30, keepalive_count_max=3,
    )
    port = server.sockets[0].getsockname()[1]
    sessions.pool.start()
    print(f"mana ssh: listening on {settings.host}:{port} "
          f"(host key {key.get_fingerprint()})", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        await stop.wait()
    finally:
        server.close()
        await sessions.close()
        await server.wait_closed()


def main(argv: list[str] | None = None) -> int:
    args = make_parser().parse_args(argv)
    config_path = args.config
    if config_path is None and os.environ.get(CONFIG_ENV, "").strip():
        config_path = Path(os.environ[CONFIG_ENV].strip())
    try:
        config = load_config(config_path)
        overrides = {name: getattr(args, name) for name in ("host", "port", "host_key")}
        overrides = {k: str(v) if k == "host_key" else v
                     for k, v in overrides.items() if v is not None}
        if overrides:
            from tui.config import with_overrides

            config = with_overrides(config, {"ssh": overrides})
        key_path = Path(config.ssh.host_key).expanduser()
        key_path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        key = host_key(key_path)
    except ConfigError as e:
        print(e, file=sys.stderr)
        return 2
    asyncio.run(serve(config, config_path, key))
    return 0


if __name__ == "__main__":
    sys.exit(main())
