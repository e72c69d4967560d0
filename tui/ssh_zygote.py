"""A waiting process with mana already imported; it forks one per SSH session.

Started by ``tui.ssh_process.ForkLauncher`` with a socket (SOCK_SEQPACKET) as
its only argument and the fixed environment of the sessions (so settings that
Textual reads at import time come from that environment, not the server's).
Each request is ``{"argv": [...], "env": {...}}`` with the pty's slave as the
one file descriptor; the answer is ``{"pid": N}`` with a pidfd of the new
session, or ``{"error": "..."}``. The session process starts a new session,
takes the pty as its controlling terminal and its stdin/stdout/stderr, and
runs ``tui.cli.main(argv)`` exactly as ``python -m tui.cli`` would.

The zygote reaps its children, ignores Ctrl+C (the server stops it by closing
the socket) and ends at end of file.
"""

from __future__ import annotations

import fcntl
import importlib
import json
import os
import pkgutil
import select
import signal
import socket
import sys
import termios
import threading
import traceback

_KEEP: list[object] = []
"""The zygote's own stdio objects, kept so that collecting them never closes
the session's fds 0–2."""


def preload() -> None:
    """Import everything a session would import before its first screen."""
    import textual.drivers.linux_driver  # noqa: F401

    for package in ("tui", "screens", "widgets", "services"):
        module = importlib.import_module(package)
        for info in pkgutil.walk_packages(module.__path__, f"{package}."):
            if info.name.startswith(("tui.ssh", "services.server", "tui.__main__")):
                continue
            try:
                importlib.import_module(info.name)
            except Exception as e:  # noqa: BLE001 - the session imports it again and says why
                print(f"mana ssh: preloading {info.name}: {e!r}", file=sys.stderr)


def run_session(slave: int, argv: list[str], env: dict[str, str]) -> None:
    """In the forked child: become the session on ``slave``; never returns."""
    code = 70
    try:
        signal.set_wakeup_fd(-1)
        for signum in (signal.SIGCHLD, signal.SIGHUP, signal.SIGTERM):
            signal.signal(signum, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        os.setsid()
        for fd in (0, 1, 2):
            os.dup2(slave, fd)
        os.close(slave)
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)
        _KEEP.extend((sys.stdin, sys.stdout, sys.stderr))
        sys.stdin = sys.__stdin__ = open(0, encoding="utf-8", closefd=False)  # noqa: SIM115
        sys.stdout = sys.__stdout__ = open(  # noqa: SIM115
            1, "w", encoding="utf-8", buffering=1, closefd=False
        )
        sys.stderr = sys.__stderr__ = open(  # noqa: SIM115
            2, "w", encoding="utf-8", errors="backslashreplace", buffering=1,
            closefd=False,
        )
        os.environ.clear()
        os.environ.update(env)
        sys.argv = ["mana", *argv]
        from tui.cli import main

        code = main(argv) or 0
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else 1
    except BaseException:  # noqa: BLE001 - the child must never return into the loop
        traceback.print_exc()
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def serve(sock: socket.socket) -> None:
    """Fork a session per request until the server closes ``sock``."""
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_r, False)
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    while True:
        ready, _, _ = select.select([sock, wake_r], [], [])
        if wake_r in ready:
            while True:
                try:
                    if not os.read(wake_r, 512):
                        break
                except BlockingIOError:
                    break
            reap()
        if sock not in ready:
            continue
        data, fds, _, _ = socket.recv_fds(sock, 1 << 20, 1)
        if not data:
            return
        if not fds:
            sock.send(json.dumps({"error": "no terminal"}).encode())
            continue
        slave = fds[0]
        try:
            request = json.loads(data)
            argv = [str(a) for a in request["argv"]]
            env = {str(k): str(v) for k, v in request["env"].items()}
            sys.stdout.flush()
            sys.stderr.flush()
            pid = os.fork()
        except Exception as e:  # noqa: BLE001 - tell the server, keep serving
            os.close(slave)
            sock.send(json.dumps({"error": repr(e)}).encode())
            continue
        if pid == 0:
            sock.close()
            os.close(wake_r)
            os.close(wake_w)
            run_session(slave, argv, env)
        os.close(slave)
        pidfd = os.pidfd_open(pid)  # before reaping, so the pid cannot be reused
        socket.send_fds(sock, [json.dumps({"pid": pid}).encode()], [pidfd])
        os.close(pidfd)
        reap()


def reap() -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def main() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    sock = socket.socket(fileno=int(sys.argv[1]))
    sock.setblocking(True)
    preload()
    if threading.active_count() != 1:
        print("mana ssh: the zygote has threads; forking it is unsafe", file=sys.stderr)
        sys.exit(1)
    serve(sock)


if __name__ == "__main__":
    main()
