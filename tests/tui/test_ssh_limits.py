"""``mana ssh`` holds no place for ever, tells clients why in ASCII, and keeps
warm sessions for every terminal type: real asyncssh clients against the real
server on loopback, with short times from its settings.
"""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

import asyncssh
import pytest

import tui.ssh as ssh_server
from tests.tui.ssh_client import (
    DisconnectReasons,
    SshServer,
    SshTerminal,
    connect,
    connect_watched,
    wait_gone,
)

pytestmark = pytest.mark.skipif(
    not hasattr(os, "pidfd_open") or not hasattr(os, "openpty"), reason="needs Linux pidfds and ptys"
)


def printable_ascii(text: str) -> bool:
    """What OpenSSH prints as it is (other bytes become octal escapes)."""
    return all(" " <= char <= "~" for char in text)


# ------------------------------------------------- connections without a session


async def test_connections_without_a_session_are_closed_and_free_their_place(
    tmp_path: Path,
) -> None:
    bound = 1.5
    ssh = SshServer(
        tmp_path,
        ssh=f"max_sessions = 2\nmax_new_per_minute = 100\nwarm_sessions = 0\n"
        f"session_open_seconds = {bound}",
    ).start()
    try:
        with DisconnectReasons() as reasons:
            await no_session_closed(ssh.port, bound)
        assert sorted(reasons) == sorted([ssh_server.BUSY] + [ssh_server.NO_SESSION] * 2)
        assert printable_ascii(ssh_server.NO_SESSION)

        term = await SshTerminal.open(ssh.port)  # a patron now finds a place
        try:
            await term.wait_for("Atrasts:")
            await asyncio.sleep(bound + 0.5)
            assert not term.closed.is_set(), "a real session is not closed by the bound"
        finally:
            await term.close()
    finally:
        ssh.stop()


async def no_session_closed(port: int, bound: float) -> None:
    """Two connections that start no session take both places for a moment,
    and are closed within ``bound`` (and a little)."""
    start = time.monotonic()
    quiet, quiet_end = await connect_watched(port)  # like ssh -N: no channel at all
    refused, refused_end = await connect_watched(port)
    with pytest.raises(asyncssh.ChannelOpenError):
        await refused.run("id")  # a command is refused; the connection stays up
    with pytest.raises(asyncssh.DisconnectError) as busy:
        await connect(port)  # both places are taken meanwhile
    assert busy.value.reason.startswith(ssh_server.BUSY)

    await asyncio.wait_for(quiet_end.closed.wait(), bound + 5)
    await asyncio.wait_for(refused_end.closed.wait(), bound + 5)
    assert time.monotonic() - start < bound + 3, "closed within the bound"


async def test_a_shell_without_a_terminal_ends_its_connection(tmp_path: Path) -> None:
    ssh = SshServer(tmp_path, ssh="warm_sessions = 0\nsession_open_seconds = 60").start()
    try:
        conn, end = await connect_watched(ssh.port)
        process = await conn.create_process(encoding=None)
        output = await asyncio.wait_for(process.stdout.read(), 20)
        assert output.decode("ascii") == ssh_server.NEEDS_TERMINAL
        assert printable_ascii(output.decode("ascii").rstrip("\r\n"))
        await asyncio.wait_for(end.closed.wait(), 5)  # not left holding a place
        assert ssh.sessions() == set()
    finally:
        ssh.stop()


# ------------------------------------------------------------ idle after logout


async def test_an_idle_session_is_closed_after_its_idle_logout(tmp_path: Path) -> None:
    ssh = SshServer(
        tmp_path, settings="[kiosk]\nidle_timeout = 10\nidle_countdown = 1\n",
        ssh="warm_sessions = 0\nidle_disconnect_seconds = 1",
    ).start()
    with DisconnectReasons() as reasons:
        await idle_closed(ssh)
    assert reasons == [ssh_server.IDLE], "told why"
    assert printable_ascii(ssh_server.IDLE)


async def idle_closed(ssh: SshServer) -> None:
    """One session is left alone after a search, another is typed in."""
    try:
        idle, busy = await asyncio.gather(SshTerminal.open(ssh.port), SshTerminal.open(ssh.port))
        await asyncio.gather(idle.wait_for("Atrasts:"), busy.wait_for("Atrasts:"))
        idle.send("Brigadere")
        typed = time.monotonic()
        await idle.wait_for("Skarbos vējos")

        async def keep_typing() -> None:
            while not idle.closed.is_set():
                busy.send("a")
                await asyncio.sleep(1)

        typist = asyncio.create_task(keep_typing())
        await idle.wait_for("Vai jūs vēl esat šeit?", timeout=20)  # the app's countdown
        await idle.wait_until(lambda: "Skarbos vējos" not in idle.text(), "wiped", timeout=5)
        assert not idle.closed.is_set(), "the logout itself does not close the connection"
        await asyncio.wait_for(idle.closed.wait(), 10)
        waited = time.monotonic() - typed
        await typist
        assert waited >= 10 + 1 + 1 - 0.5, "closed only after the logout and the further second"
        assert idle.raw.endswith(ssh_server.RESTORE_TERMINAL), "the client's terminal put back"
        assert b"\x1b[?1049l" in ssh_server.RESTORE_TERMINAL
        assert not busy.closed.is_set(), "a session in use stays"
        await busy.close()
        assert wait_gone(ssh.sessions()) == set(), "both processes ended"
    finally:
        ssh.stop()


# ------------------------------------------------------------------ the texts


def test_every_text_the_ssh_layer_sends_is_printable_ascii() -> None:
    texts = ssh_server.CLIENT_TEXTS
    assert {ssh_server.BUSY, ssh_server.TOO_OFTEN, ssh_server.NEEDS_TERMINAL,
            ssh_server.NO_SESSION, ssh_server.IDLE} <= set(texts)
    for text in texts:
        assert printable_ascii(text.removesuffix("\r\n")), text
        latvian, english = text.split(" / ")
        assert latvian.startswith("Mana") and english, text


async def test_refusals_reach_the_client_in_ascii(tmp_path: Path) -> None:
    ssh = SshServer(tmp_path, ssh="max_sessions = 1\nmax_new_per_minute = 2\nwarm_sessions = 0")
    ssh.start()
    try:
        first = await connect(ssh.port)
        with pytest.raises(asyncssh.DisconnectError) as busy:
            await connect(ssh.port)
        with pytest.raises(asyncssh.DisconnectError) as often:
            await connect(ssh.port)
        first.close()
        for refusal in (busy.value.reason, often.value.reason):
            assert printable_ascii(refusal), refusal
        assert "meginiet velak" in busy.value.reason and "try again later" in busy.value.reason
        assert "pagaidiet minuti" in often.value.reason and "wait a minute" in often.value.reason
    finally:
        ssh.stop()


# ------------------------------------------------------ warm for every terminal


async def test_tmux_and_linux_consoles_get_warm_sessions(tmp_path: Path) -> None:
    ssh = SshServer(tmp_path, ssh="warm_sessions = 2\nmax_new_per_minute = 100").start()
    try:
        warm = ssh.wait_sessions(2, timeout=60)
        await asyncio.sleep(1.5)  # both drawn
        tmux, linux = await asyncio.gather(
            SshTerminal.open(ssh.port, term="tmux-256color", columns=100, lines=30),
            SshTerminal.open(ssh.port, term="linux"),
        )
        try:
            await asyncio.gather(tmux.wait_for("Atrasts:"), linux.wait_for("Atrasts:"))
            await tmux.wait_until(
                lambda: len(tmux.screen.display[0].rstrip()) > 97, "drawn 100 columns wide"
            )
            assert b"38;5;" in tmux.raw, "tmux-256color: 256 colours"
            assert b"38;5;" not in linux.raw and b"48;5;" not in linux.raw, "linux: 16 colours"
        finally:
            await asyncio.gather(tmux.close(), linux.close())
        assert wait_gone(warm, timeout=10) == set(), (
            "both warm processes served (and ended with) the two connections"
        )
    finally:
        ssh.stop()
