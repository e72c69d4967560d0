"""``mana ssh``: SSH connect → first catalog screen, and memory per session.

Starts the real ``mana ssh`` on a free loopback port (demo region) and
connects real SSH clients (asyncssh, 80×24 pty) that play the output onto a
pyte screen, polled every 10 ms until the catalog's search field ("Meklēt")
shows. For 1 session (repeated) and 20 at once, with sessions forked from the
pre-started zygote (``prestart = true``, the default) and with a fresh Python
per session (``prestart = false``), and with a pool of warm sessions
(``warm_sessions``: processes started ahead with the catalog drawn; the
default 4, and as many as the burst), which is refilled, and given a second,
before each measurement. The floor, measured in the same run, is
the SSH handshake alone (connect + authentication, no session).

Memory: RSS and PSS (shared pages divided among the sharers, from
/proc/PID/smaps_rollup) of each session process once its first screen is up,
and the zygote's own (without warm sessions only: a warm process that served
cannot be told from its replacements in /proc).

    uv run python bench/ssh.py [--runs 10] [--sessions 20]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.tui.ssh_client import (
    SshServer,
    SshTerminal,
    connect,
    pss_kib,
    rss_kib,
    wait_gone,
)


async def first_screen(port: int) -> tuple[float, SshTerminal]:
    start = time.perf_counter()
    term = await SshTerminal.open(port)
    await term.wait_for("Meklēt", timeout=120)
    return time.perf_counter() - start, term


async def handshake(port: int) -> float:
    start = time.perf_counter()
    conn = await connect(port)
    elapsed = time.perf_counter() - start
    conn.close()
    await conn.wait_closed()
    return elapsed


async def settle(server: SshServer, warm: int, timeout: float = 180) -> None:
    """Wait until only the ``warm`` pool is left (the sessions ended, the pool
    refilled), and a second more for its last process to draw."""
    deadline = time.monotonic() + timeout
    while len(server.sessions()) != warm:
        assert time.monotonic() < deadline, f"{len(server.sessions())} sessions, not {warm}"
        await asyncio.sleep(0.05)
    await asyncio.sleep(1)


async def measure(server: SshServer, sessions: int,
                  warm: int) -> tuple[list[float], list[int], list[int]]:
    """Seconds to the first screen per session; RSS and PSS (KiB) per session."""
    await settle(server, warm)
    results = await asyncio.gather(*(first_screen(server.port) for _ in range(sessions)))
    if warm:
        await asyncio.gather(*(term.close() for _, term in results))
        await settle(server, warm)
        return [t for t, _ in results], [], []
    pids = server.wait_sessions(sessions)
    rss = [rss_kib(pid) for pid in pids]
    pss = [pss_kib(pid) for pid in pids]
    await asyncio.gather(*(term.close() for _, term in results))
    left = wait_gone(pids)
    assert not left, f"sessions left behind: {left}"
    return [t for t, _ in results], rss, pss


def ms(values: list[float]) -> str:
    return (f"median {statistics.median(values) * 1000:4.0f} ms  "
            f"(min {min(values) * 1000:.0f}, max {max(values) * 1000:.0f}, n={len(values)})")


def mib(values: list[int]) -> str:
    if not values:
        return "  n/a    "
    return f"{statistics.mean(values) / 1024:5.1f} MiB"


async def run(args: argparse.Namespace) -> None:
    limits = f"max_new_per_minute = 10000\nmax_sessions = {max(50, args.sessions)}\n"
    with tempfile.TemporaryDirectory() as tmp:
        setups = [("true", 0), ("true", 4), ("true", args.sessions), ("false", 0)]
        for prestart, warm in setups:
            work = Path(tmp) / f"{prestart}-{warm}"
            work.mkdir()
            server = SshServer(
                work, ssh=f"{limits}prestart = {prestart}\nwarm_sessions = {warm}\n"
            ).start()
            try:
                await asyncio.sleep(3)  # let the zygote finish loading
                await settle(server, warm)
                floor = [await handshake(server.port) for _ in range(args.runs)]
                single: list[float] = []
                rss1: list[int] = []
                pss1: list[int] = []
                for _ in range(args.runs):
                    times, rss, pss = await measure(server, 1, warm)
                    single += times
                    rss1 += rss
                    pss1 += pss
                many, rss_n, pss_n = await measure(server, args.sessions, warm)
                zygote = [] if warm else server_children(server)
            finally:
                server.stop()
            label = "forked from the zygote" if prestart == "true" else "fresh Python per session"
            print(f"\n== prestart = {prestart}, warm_sessions = {warm}: {label}")
            print(f"floor, SSH handshake alone:      {ms(floor)}")
            print(f"1 session, connect → catalog:    {ms(single)}   target < 1000 ms")
            print(f"{args.sessions} at once, connect → catalog:  {ms(many)}")
            print(f"ratio 1 session / handshake:     {statistics.median(single) / statistics.median(floor):.1f}")
            print(f"memory per session (1):          RSS {mib(rss1)}, PSS {mib(pss1)}")
            print(f"memory per session ({args.sessions}):         RSS {mib(rss_n)}, PSS {mib(pss_n)}")
            for pid, rss in zygote:
                print(f"zygote (pid {pid}):              RSS {rss / 1024:5.1f} MiB")


def server_children(server: SshServer) -> list[tuple[int, int]]:
    """The zygote, if any, and its RSS (the server's only child between sessions)."""
    from tests.tui.ssh_client import descendants

    return [(pid, rss_kib(pid)) for pid in sorted(descendants(server.pid))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--sessions", type=int, default=20)
    args = parser.parse_args()
    print(f"mana ssh on loopback, 80x24 pty, screen polled every 10 ms; {args.runs} runs of 1 "
          f"session, then {args.sessions} at once")
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
