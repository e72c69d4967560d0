"""``mana ssh``: real SSH clients (asyncssh) against the real server on loopback.

Each session is a real ``mana --profile ssh`` process on its own pty; the
tests read what it shows through a pyte screen and find its processes in /proc.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import asyncssh
import pytest

from services.clock import SystemClock
from services.memory import MemoryService
from tests.services.server_harness import running_server
from tests.tui.ssh_client import (
    SshServer,
    SshTerminal,
    connect,
    descendants,
    environ,
    gone,
    proc_stat,
    wait_gone,
)
from tui.ssh import BUSY, TOO_OFTEN, session_env
from tui.ssh_process import ExecLauncher, PtyProcess

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(
    not hasattr(os, "pidfd_open") or not hasattr(os, "openpty"), reason="needs Linux pidfds and ptys"
)

KEYS = {"enter": "\r", "tab": "\t", "f3": "\x1bOR"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SshServer]:
    """One ``mana ssh`` (demo region, fork sessions) for the tests that do not
    need their own settings; loopback may connect often. No warm sessions, so
    that every session process is one a client started."""
    ssh = SshServer(
        tmp_path_factory.mktemp("ssh"), ssh="max_new_per_minute = 1000\nwarm_sessions = 0"
    ).start()
    try:
        yield ssh
    finally:
        ssh.stop()


@pytest.fixture
def settled(server: SshServer) -> Iterator[SshServer]:
    """``server``, checked to be back to its own processes after the test."""
    before = descendants(server.pid)
    yield server
    assert wait_gone(server.sessions()) == set(), "a session process is left"
    assert descendants(server.pid) == before, "the process count did not return"


def controlling_terminal(pid: int) -> tuple[int, int]:
    """``(tty_nr, foreground process group)`` of ``pid``."""
    fields = proc_stat(pid)
    assert fields is not None
    return int(fields[4]), int(fields[5])


def focus_mark(term: SshTerminal, label: str) -> str:
    """The colour of the left border of the field under ``label``."""
    lines = term.screen.display
    row = next(i for i, line in enumerate(lines) if label in line) + 1
    return term.screen.buffer[row][lines[row].index("▊")].fg


# ------------------------------------------------------------- a patron's visit


async def test_a_patron_searches_logs_in_resizes_and_hangs_up(tmp_path: Path) -> None:
    engine = MemoryService(clock=SystemClock())
    with running_server(engine) as library:
        tokens = library.uvicorn.config.app.state.mana.tokens
        ssh = SshServer(
            tmp_path, settings=f'[service]\nkind = "remote"\nurl = "{library.url}"\n',
            ssh="warm_sessions = 0",
        ).start()
        try:
            term = await SshTerminal.open(ssh.port)
            await term.wait_for("Nav pieslēdzies")
            await term.wait_for("Meklēt")
            await term.wait_for("Atrasts:")
            (pid,) = ssh.sessions()
            tty, foreground = controlling_terminal(pid)
            assert tty != 0 and foreground == pid, "the pty is the app's controlling terminal"

            term.send("Brigadere")
            await term.wait_for("Skarbos vējos")
            await term.wait_for("Akmeņu sprostā")

            term.send(KEYS["f3"])
            await term.wait_for("Pieslēgšanās Mana bibliotēka")
            term.send("anna")
            await term.wait_for("anna")
            password_border = focus_mark(term, "Parole")
            term.send(KEYS["enter"])  # to the password field, whose border lights up
            await term.wait_until(
                lambda: focus_mark(term, "Parole") != password_border, "the password focused"
            )
            term.send("demo1234")
            await term.wait_for("•" * 8)
            term.send(KEYS["enter"])
            await term.wait_for("Pieslēdzies: Anna Bērziņa")
            assert len(tokens) == 1, "the library service has her login"

            # The client's window grows: the app redraws at the new width.
            def top_bar_width() -> int:
                return len(term.screen.display[0].rstrip())

            assert top_bar_width() <= 80
            term.resize(132, 30)
            await term.wait_until(lambda: top_bar_width() > 110, "drawn 132 columns wide")
            await term.wait_until(
                lambda: "Pieslēdzies: Anna Bērziņa" in term.screen.display[0], "top bar redrawn"
            )

            # The connection drops: the process ends and her login is revoked.
            await term.close()
            assert wait_gone({pid}) == set(), "the session's process ended and was reaped"
            assert len(tokens) == 0, "the dropped session was logged out on the service"
            assert ssh.sessions() == set()
        finally:
            ssh.stop()
    assert ssh.process is not None and ssh.process.returncode == 0


async def test_the_clients_environment_is_ignored(settled: SshServer) -> None:
    term = await SshTerminal.open(
        settled.port,
        env={
            "TEXTUAL_DRIVER": "textual.drivers.headless_driver:HeadlessDriver",
            "COLORTERM": "truecolor",
            "TERM": "dumb",
            "MANA_CONFIG": "/nonexistent.toml",
            "LD_PRELOAD": "/nonexistent.so",
        },
    )
    try:
        await term.wait_for("Meklēt")  # drawn: not headless, no config error
        await term.wait_for("Atrasts:")
        raw = bytes(term.raw)
        assert b"38;5;" in raw or b"48;5;" in raw, "256 colours: TERM from the pty request"
        assert b"38;2;" not in raw and b"48;2;" not in raw, "no true colour: COLORTERM ignored"
    finally:
        await term.close()


async def test_the_terminal_type_comes_from_the_pty_request(settled: SshServer) -> None:
    term = await SshTerminal.open(settled.port, term="xterm-16color")
    try:
        await term.wait_for("Atrasts:")
        assert b"38;5;" not in term.raw and b"48;5;" not in term.raw, "16 colours only"
    finally:
        await term.close()


async def test_nothing_but_a_terminal_session_is_accepted(settled: SshServer) -> None:
    conn = await connect(settled.port)
    try:
        with pytest.raises(asyncssh.ChannelOpenError):
            await conn.run("id")
        with pytest.raises(asyncssh.ChannelOpenError):
            await conn.start_sftp_client()
        with pytest.raises(asyncssh.ChannelOpenError):
            await conn.create_connection(asyncssh.SSHTCPSession, "127.0.0.1", settled.port)
        with pytest.raises(asyncssh.ChannelListenError):
            await conn.forward_remote_port("127.0.0.1", 0, "127.0.0.1", 80)
        with pytest.raises(asyncssh.ChannelOpenError):
            await conn.create_unix_connection(asyncssh.SSHUNIXSession, "/run/x.sock")
        assert settled.sessions() == set(), "no process was started for any of them"
    finally:
        conn.close()
        await conn.wait_closed()


async def test_a_shell_without_a_terminal_is_told_to_use_ssh_t(settled: SshServer) -> None:
    conn = await connect(settled.port)
    try:
        process = await conn.create_process(encoding=None)
        output = await asyncio.wait_for(process.stdout.read(), 20)
        await process.wait_closed()
        assert "ssh -t" in output.decode()
        assert "Mana darbojas terminali" in output.decode()
        assert process.exit_status == 1
    finally:
        conn.close()
        await conn.wait_closed()


async def test_twenty_sessions_at_once(settled: SshServer) -> None:
    terms = await asyncio.gather(*(SshTerminal.open(settled.port) for _ in range(20)))
    try:
        await asyncio.gather(*(t.wait_for("Meklēt", timeout=120) for t in terms))
        await asyncio.gather(*(t.wait_for("Atrasts:", timeout=120) for t in terms))
        pids = settled.sessions()
        assert len(pids) == 20, "one process per session"
    finally:
        await asyncio.gather(*(t.close() for t in terms))
    assert wait_gone(pids) == set()


# --------------------------------------------------------------- the server's own


async def test_limits_turn_connections_away_politely(tmp_path: Path) -> None:
    ssh = SshServer(
        tmp_path, ssh="max_sessions = 2\nmax_new_per_minute = 3\nwarm_sessions = 0"
    ).start()
    terms: list[SshTerminal] = []
    try:
        terms = [await SshTerminal.open(ssh.port) for _ in range(2)]
        await asyncio.gather(*(t.wait_for("Meklēt") for t in terms))
        with pytest.raises(asyncssh.DisconnectError) as busy:
            await connect(ssh.port)
        assert busy.value.reason.startswith(BUSY)
        assert "meginiet velak" in busy.value.reason and "try again later" in busy.value.reason
        await terms.pop().close()
        with pytest.raises(asyncssh.DisconnectError) as often:
            await connect(ssh.port)  # a free place, but the fourth new connection this minute
        assert often.value.reason.startswith(TOO_OFTEN)
        assert len(ssh.wait_sessions(1)) == 1, "the one left goes on"
    finally:
        for term in terms:
            await term.close()
        ssh.stop()


async def test_the_host_key_is_created_private_and_kept(tmp_path: Path) -> None:
    first = SshServer(tmp_path).start()
    try:
        conn = await connect(first.port)
        seen = conn.get_server_host_key()
        conn.close()
        await conn.wait_closed()
    finally:
        first.stop()
    assert seen is not None and seen.algorithm == b"ssh-ed25519"
    assert stat.S_IMODE(first.host_key.stat().st_mode) == 0o600
    again = SshServer(tmp_path).start()
    again.stop()
    assert again.fingerprint == first.fingerprint == seen.get_fingerprint()


def test_a_host_key_others_can_read_is_refused(tmp_path: Path) -> None:
    key = tmp_path / "key"
    key.write_bytes(asyncssh.generate_private_key("ssh-ed25519").export_private_key())
    key.chmod(0o644)
    result = subprocess.run(
        [sys.executable, "-m", "tui.cli", "ssh", "--port", "0", "--host-key", str(key)],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert result.returncode == 2
    assert "chmod 600" in result.stderr


async def test_a_configured_username_is_the_only_way_in(tmp_path: Path) -> None:
    ssh = SshServer(tmp_path, ssh='username = "catalog"').start()
    try:
        with pytest.raises(asyncssh.PermissionDenied):
            await connect(ssh.port, username="root")
        term = await SshTerminal.open(ssh.port, username="catalog")
        await term.wait_for("Meklēt")
        await term.close()
    finally:
        ssh.stop()


async def test_without_prestart_each_session_is_a_fresh_process(tmp_path: Path) -> None:
    ssh = SshServer(tmp_path, ssh="prestart = false\nwarm_sessions = 0").start()
    try:
        term = await SshTerminal.open(ssh.port, term="xterm", env={"FOO": "bar"})
        await term.wait_for("Meklēt")
        (pid,) = ssh.sessions()
        assert environ(pid) == session_env("xterm"), "exactly the fixed environment"
        assert controlling_terminal(pid)[1] == pid
        await term.close()
        assert wait_gone({pid}) == set()
        assert descendants(ssh.pid) == set()
    finally:
        ssh.stop()


async def test_a_warm_session_is_drawn_at_the_clients_size_and_replaced(
    tmp_path: Path,
) -> None:
    ssh = SshServer(tmp_path, ssh="warm_sessions = 2").start()
    try:
        warm = ssh.wait_sessions(2, timeout=60)  # started before anyone connected
        term = await SshTerminal.open(ssh.port, columns=100, lines=30)
        await term.wait_for("Meklēt")
        await term.wait_for("Atrasts:")
        await term.wait_until(
            lambda: len(term.screen.display[0].rstrip()) > 97, "drawn 100 columns wide"
        )
        await term.wait_until(lambda: term.screen.display[29].strip() != "", "30 lines tall")
        assert b"\x1b[?1049h" in term.raw, "the alternate screen was switched on"
        assert len(ssh.wait_sessions(3, timeout=60)) == 3, "the pool was refilled"
        refill = ssh.sessions() - warm
        assert len(refill) == 1

        await term.close()
        left = ssh.wait_sessions(2, timeout=30)
        (served,) = warm - left
        assert gone(served), "the warm process that served the connection ended with it"
        assert refill <= left, "its replacement waits for the next connection"
        other = await SshTerminal.open(ssh.port, term="xterm-16color")
        await other.wait_for("Atrasts:")
        assert b"38;5;" not in other.raw, "16 colours: a process of that colour family"
        await other.close()
    finally:
        ssh.stop()
    assert ssh.process is not None and ssh.process.returncode == 0


STUBBORN = """
import signal, sys, time
signal.signal(signal.SIGHUP, signal.SIG_IGN)
signal.signal(signal.SIGTERM, signal.SIG_IGN)
print("stubborn", flush=True)
while True:
    time.sleep(0.05)
"""


async def test_a_process_that_ignores_hangup_is_killed_and_reaped() -> None:
    output = bytearray()
    process = PtyProcess(
        ExecLauncher([sys.executable, "-c", STUBBORN]), [], {"PATH": "/usr/bin:/bin"},
        (80, 24), on_output=output.extend, on_exit=lambda status: None,
    )
    child = await process.start()
    popen = child.popen
    assert popen is not None
    while b"stubborn" not in output:
        await asyncio.sleep(0.01)
    await process.stop(grace=0.2)
    assert popen.returncode == -9, "SIGHUP and SIGTERM were ignored; SIGKILL ended it"
    assert gone(child.pid)


# ------------------------------------------------------ the OpenSSH alternative

SSHD = shutil.which("sshd") or next(
    (p for p in ("/usr/sbin/sshd", "/usr/local/sbin/sshd") if os.access(p, os.X_OK)), None
)


def readme_sshd_snippet() -> str:
    """The ``sshconfig`` block of README.md's "Over SSH" section."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## Over SSH") :]
    match = re.search(r"```sshconfig\n(.*?)```", section, re.DOTALL)
    assert match is not None, "README's Over SSH section has an sshconfig block"
    return match[1]


def test_the_readme_sshd_snippet_is_there() -> None:
    snippet = readme_sshd_snippet()
    assert "Match User catalog" in snippet
    assert "ForceCommand " in snippet and "--profile ssh" in snippet


@pytest.mark.skipif(SSHD is None, reason="OpenSSH's sshd is not installed (CI does not install it)")
@pytest.mark.skipif(
    not Path("/run/sshd").is_dir(),
    reason="sshd checks need its privilege separation directory /run/sshd",
)
def test_the_readme_sshd_snippet_is_valid_and_closes_everything(tmp_path: Path) -> None:
    assert SSHD is not None
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(tmp_path / "hk")],
                   check=True)
    config = tmp_path / "sshd_config"
    config.write_text(f"HostKey {tmp_path / 'hk'}\n{readme_sshd_snippet()}", encoding="utf-8")
    checked = subprocess.run(
        [SSHD, "-t", "-f", str(config)], capture_output=True, text=True, check=False
    )
    assert checked.returncode == 0, checked.stderr

    def effective(user: str) -> dict[str, str]:
        result = subprocess.run(
            [SSHD, "-T", "-f", str(config), "-C", f"user={user},host=x,addr=127.0.0.1"],
            capture_output=True, text=True, check=True,
        )
        return dict(line.split(" ", 1) for line in result.stdout.splitlines() if " " in line)

    catalog = effective("catalog")
    assert "--profile ssh" in catalog["forcecommand"]
    assert catalog["permittty"] == "yes"
    assert catalog["permitemptypasswords"] == "yes"
    assert catalog["authenticationmethods"] == "none"
    for key in ("allowtcpforwarding", "allowagentforwarding", "x11forwarding",
                "allowstreamlocalforwarding", "permittunnel", "permituserenvironment",
                "permituserrc"):
        assert catalog[key] == "no", key
    assert catalog["disableforwarding"] == "yes"
    assert catalog["permitopen"] == catalog["permitlisten"] == "none"
    other = effective("librarian")
    assert other["forcecommand"] == "none", "only the catalog user is forced into mana"
    assert other["permitemptypasswords"] == "no"
