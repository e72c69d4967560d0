"""Real failure conditions for the kiosk on the remote adapter: a port where
nothing listens (and the real server started on it later), a server that
answers slowly until the test lets it, and a server that answers garbage.

Nothing here replaces the service: the kiosk always talks HTTP through
``RemoteService`` to a real socket on loopback.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

from textual.app import App
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import LoadingIndicator

from services.protocol import LibraryService
from services.remote import RemoteService
from tests.services.server_harness import TEST_SETTINGS, Server, start_server


def client(url: str) -> RemoteService:
    """The kiosk's adapter, with short waits so that a failure shows quickly."""
    return RemoteService(url, timeout=5.0, retries=1, backoff=0.01)


def reserved_port() -> tuple[socket.socket, str]:
    """A loopback port that refuses connections: bound (so nobody else takes
    it) but not listening. ``serve_on`` can start the real server on it later."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock, f"http://127.0.0.1:{sock.getsockname()[1]}"


def serve_on(sock: socket.socket, engine: LibraryService) -> Server:
    """The real server (``create_app``, uvicorn in a thread) on ``sock``; it
    answers when this returns."""
    return start_server(engine, TEST_SETTINGS, sock=sock)


class SlowEngine:
    """An engine whose ``slow`` operations wait until the test opens the gate.

    It is served by the real HTTP server, so the kiosk waits on a real socket
    for an answer that has not come yet. ``asked`` is set once such a call has
    reached the server. Everything else is the wrapped engine's.
    """

    def __init__(self, engine: LibraryService, slow: set[str]) -> None:
        self._engine = engine
        self._slow = slow
        self.gate = threading.Event()
        self.asked = threading.Event()

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._engine, name)
        if name not in self._slow:
            return attribute

        async def slowly(*args: Any, **kwargs: Any) -> Any:
            self.asked.set()
            await asyncio.to_thread(self.gate.wait, 30)
            return await attribute(*args, **kwargs)

        return slowly


@contextlib.asynccontextmanager
async def garbage_server(reply: bytes) -> AsyncIterator[str]:
    """A raw TCP server on loopback answering every request with ``reply``."""

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError, asyncio.IncompleteReadError):
            await reader.readuntil(b"\r\n\r\n")
            writer.write(reply)
            await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.close()
        await server.wait_closed()


async def wait_until(pilot: Pilot, condition: Callable[[], object], what: str) -> None:
    """Let the app run until ``condition()`` holds (a deadline of 15 s, never a
    measurement: the test fails only if it never happens)."""
    deadline = time.monotonic() + 15
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"never happened: {what}")
        await pilot.pause(0.02)


def shows_loading(app: App, widget: Widget) -> bool:
    """Whether the patron sees a loading indicator where ``widget`` is: the
    indicator takes the widget's place on the screen while it loads."""
    indicator = widget._cover_widget
    if not widget.loading or not isinstance(indicator, LoadingIndicator):
        return False
    region = indicator.region
    if not region:
        return False
    shown, _ = app.screen.get_widget_at(region.x + region.width // 2, region.y + region.height // 2)
    return shown is indicator


def notifications(app: App) -> list[str]:
    return [n.message for n in app._notifications]


async def settle(pilot: Pilot) -> None:
    """Wait until every running worker has ended, failed ones included (the
    helpers' ``settle`` stops at the first failure), and the screen caught up."""
    for _ in range(3):
        workers = list(pilot.app.workers)
        await asyncio.gather(*(worker.wait() for worker in workers), return_exceptions=True)
        await pilot.pause()
