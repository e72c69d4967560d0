"""The real server on a free loopback port, in a background thread.

``running_server(engine, settings)`` starts uvicorn with
``create_app(engine, settings)`` on 127.0.0.1 (a socket bound to port 0),
waits until ``/api/v1/health`` answers and stops it cleanly on exit.
``remote_service(region, clock)`` does that for a ``MemoryService`` of the
region with the test's clock (the same ``FakeClock`` object: the server runs
in this process) and returns the ``RemoteService`` pointed at it with a stop
function; ``remote`` is the same as an async context manager, the shape of an
entry in ``tests.services.adapters.ADAPTERS``.
"""

from __future__ import annotations

import contextlib
import http.client
import logging
import socket
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass

import pytest
import uvicorn
from fastapi import FastAPI

from services.clock import Clock
from services.protocol import LibraryService
from services.region import RegionData
from services.remote import RemoteService
from services.server.app import create_app
from services.server.settings import ServerSettings

TEST_SETTINGS = ServerSettings(
    database=":memory:",
    expose_outbox=True,
    login_failures_per_account=1000,
    login_failures_per_client=1000,
)
"""The tests read the outbox (recovery codes) through the server. The
server's login throttle counts wall-clock seconds, not the contract suite's
``FakeClock``, and every test client comes from one address; so here the
server's limits stand aside (``test_server.py`` and ``test_login_abuse.py``
test them with their own settings)."""


@dataclass
class Server:
    """A server running in a thread of this process."""

    url: str
    uvicorn: uvicorn.Server
    thread: threading.Thread

    @property
    def maintenance_key(self) -> str:
        """What ``mana expire-holds`` would read next to the database."""
        return self.uvicorn.config.app.state.maintenance_key

    def stop(self) -> None:
        self.uvicorn.should_exit = True
        self.thread.join(timeout=10)
        assert not self.thread.is_alive(), "the server did not stop"


def start_server(
    engine: LibraryService,
    settings: ServerSettings = TEST_SETTINGS,
    *,
    now: Callable[[], float] = time.time,
    sock: socket.socket | None = None,
    app: FastAPI | None = None,
) -> Server:
    """Start the real server for ``engine``; it answers when this returns.
    ``sock``: a bound loopback socket to serve on (else a free port).
    ``app``: the server of ``engine``, made beforehand (else made here)."""
    app = app or create_app(engine, settings, now=now)
    if sock is None:
        # IPPROTO_TCP: asyncio then sets TCP_NODELAY on the connections (with
        # proto 0 it does not, and every keep-alive answer waits 40 ms for a
        # delayed ACK).
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app, log_level="warning", access_log=False, lifespan="on", timeout_graceful_shutdown=2,
        proxy_headers=False,  # as `mana serve`: X-Forwarded-For is the app's (trusted_proxies)
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name=f"mana-server-{port}", daemon=True
    )
    thread.start()
    url = f"http://127.0.0.1:{port}"
    running = Server(url, server, thread)
    deadline = time.monotonic() + 10
    while True:
        if _healthy(port):
            return running
        if time.monotonic() > deadline or not thread.is_alive():
            running.stop()
            raise RuntimeError("the server did not start")
        time.sleep(0.01)


def _healthy(port: int) -> bool:
    """Whether ``GET /api/v1/health`` answers 200 (http.client: no TLS set-up)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
    try:
        connection.request("GET", "/api/v1/health")
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


@contextlib.contextmanager
def running_server(
    engine: LibraryService,
    settings: ServerSettings = TEST_SETTINGS,
    *,
    now: Callable[[], float] = time.time,
    app: FastAPI | None = None,
) -> Iterator[Server]:
    server = start_server(engine, settings, now=now, app=app)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def no_server_errors(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Fails the test if the server logged a bug (a 500)."""
    caplog.set_level(logging.ERROR, logger="mana.server")
    yield
    records = [*caplog.get_records("setup"), *caplog.get_records("call"), *caplog.records]
    bugs = [r for r in records if r.name == "mana.server" and r.levelno >= logging.ERROR]
    assert not bugs, f"the server logged errors: {[r.getMessage() for r in bugs]}"


def memory_engine(region: RegionData, clock: Clock) -> LibraryService:
    from services.memory import MemoryService

    return MemoryService(region, clock)


def remote_service(
    region: RegionData, clock: Clock, settings: ServerSettings = TEST_SETTINGS, **client: float
) -> tuple[RemoteService, Callable[[], Awaitable[None]]]:
    """A ``RemoteService`` talking to a real server of ``region`` with ``clock``,
    and the coroutine function that closes the client and stops the server."""
    server = start_server(memory_engine(region, clock), settings)
    service = RemoteService(server.url, maintenance_key=server.maintenance_key,
                            **client)  # type: ignore[arg-type]

    async def stop() -> None:
        try:
            await service.aclose()
        finally:
            server.stop()

    return service, stop


@contextlib.asynccontextmanager
async def remote(region: RegionData, clock: Clock) -> AsyncIterator[LibraryService]:
    """``ADAPTERS["remote"]``: the remote adapter in front of a real server."""
    service, stop = remote_service(region, clock)
    try:
        yield service
    finally:
        await stop()


class Ticker:
    """The server's clock, in seconds; it stands still until the test moves it."""

    def __init__(self) -> None:
        self.t = 1_000_000.0

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds
