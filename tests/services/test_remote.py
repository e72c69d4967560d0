"""``RemoteService`` against servers that fail: down, slow, garbled.

Whatever goes wrong on the wire, the kiosk gets ``ServiceUnavailable`` with a
sentence a patron can read (never an httpx or JSON exception), and a server's
own error body comes back as the same error class with its sentences.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest

from services.clock import FakeClock
from services.errors import (
    InvalidInput,
    ManaError,
    NotAuthenticated,
    NotFound,
    Refused,
    ServiceUnavailable,
)
from services.models import MessageKind, ReservationState, SearchQuery, Session
from services.region import RegionData
from services.remote import RemoteService
from tests.services.fixtures import BARCODE_RECORD, PATRONS
from tests.services.server_harness import memory_engine, running_server
from tests.services.support import login

Handler = Callable[[bytes], Awaitable[bytes | None]]


def free_port() -> int:
    """A loopback port where nothing listens (connections are refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http(status: int, body: bytes | str, content_type: str = "application/json") -> bytes:
    data = body.encode() if isinstance(body, str) else body
    head = (
        f"HTTP/1.1 {status} X\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: {len(data)}\r\nConnection: close\r\n\r\n"
    )
    return head.encode() + data


async def raw_server(answer: bytes | None, *, hang: bool = False) -> tuple[str, asyncio.Server]:
    """A bare TCP server on loopback that answers every request with the bytes
    ``answer`` (None: closes at once; ``hang``: never answers)."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reader.readuntil(b"\r\n\r\n")
            if hang:
                await asyncio.sleep(3600)
            if answer is not None:
                writer.write(answer)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    return f"http://127.0.0.1:{port}", server


@pytest.fixture
async def garbage() -> AsyncIterator[Callable[..., Awaitable[RemoteService]]]:
    """``await garbage(answer)``: a RemoteService pointed at a raw server."""
    opened: list[tuple[RemoteService, asyncio.Server]] = []

    async def make(
        answer: bytes | None, *, hang: bool = False, timeout: float = 5.0
    ) -> RemoteService:
        url, server = await raw_server(answer, hang=hang)
        service = RemoteService(url, timeout=timeout, retries=1, backoff=0.001)
        opened.append((service, server))
        return service

    yield make
    for service, server in opened:
        await service.aclose()
        server.close()


def assert_readable(error: ManaError) -> None:
    assert error.lv.strip() and error.en.strip()
    assert "httpx" not in error.en.lower() and "json" not in error.en.lower()


# ------------------------------------------------------------------ down


async def test_a_server_that_is_down_is_unavailable_with_a_sentence() -> None:
    service = RemoteService(f"http://127.0.0.1:{free_port()}", retries=2, backoff=0.001)
    try:
        with pytest.raises(ServiceUnavailable) as caught:
            await service.libraries()
        assert_readable(caught.value)
        assert "cannot be reached" in caught.value.en
        with pytest.raises(ServiceUnavailable):
            await service.login("anna", "anna-Parole1")
        with pytest.raises(ServiceUnavailable):
            await service.order(Session(token="x", patron=PATRONS["anna"]), "A-0001")
    finally:
        await service.aclose()


async def test_a_server_that_does_not_answer_in_time_is_unavailable(garbage: Any) -> None:
    service = await garbage(None, hang=True, timeout=0.2)
    with pytest.raises(ServiceUnavailable) as caught:
        await service.search(SearchQuery(text="stāsti"))
    assert_readable(caught.value)
    assert "not answering" in caught.value.en
    # a write is sent twice (same key) and then given up
    with pytest.raises(ServiceUnavailable):
        await service.order(Session(token="x", patron=PATRONS["anna"]), "A-0001")


# --------------------------------------------------------------- garbage

GARBAGE = {
    "html instead of json": http(200, "<html>hello</html>", "text/html"),
    "json of the wrong shape": http(200, json.dumps({"libraries": "none"})),
    "truncated json": http(200, '[{"id": "aiz", "name": '),
    "a 500 with an html page": http(500, "<h1>Internal Server Error</h1>", "text/html"),
    "a 500 with an error body": http(500, json.dumps({"code": "internal", "lv": "x", "en": "y"})),
    "a 404 that is no error body": http(404, json.dumps({"detail": "Not Found"})),
    "an unknown error code": http(409, json.dumps({"code": "weird", "lv": "a", "en": "b"})),
    "refused without its refusal": http(409, json.dumps({"code": "refused", "lv": "a", "en": "b"})),
    "a redirect": b"HTTP/1.1 302 Found\r\nLocation: /elsewhere\r\nContent-Length: 0\r\n\r\n",
    "not http at all": b"SSH-2.0-OpenSSH_9.6\r\n\r\n",
    "a closed connection": None,
}


@pytest.mark.parametrize("answer", GARBAGE.values(), ids=GARBAGE.keys())
async def test_a_garbled_answer_is_unavailable_never_another_exception(
    garbage: Any, answer: bytes | None
) -> None:
    service = await garbage(answer)
    with pytest.raises(ServiceUnavailable) as caught:
        await service.libraries()
    assert_readable(caught.value)


async def test_the_servers_error_body_comes_back_as_the_same_error(garbage: Any) -> None:
    refusal = {"code": "reading_room", "lv": "Lasītavā.", "en": "Reading room only."}
    body = {"code": "refused", "lv": "Lasītavā.", "en": "Reading room only.", "refusal": refusal}
    service = await garbage(http(409, json.dumps(body)))
    with pytest.raises(Refused) as caught:
        await service.order(Session(token="x", patron=PATRONS["anna"]), "A-0002")
    assert caught.value.refusal.code == "reading_room"
    assert caught.value.text("lv") == "Lasītavā."

    invalid = {
        "code": "invalid_input",
        "field": "email",
        "lv": "Nepareizs e-pasts.",
        "en": "Not an e-mail address.",
    }
    service = await garbage(http(422, json.dumps(invalid)))
    with pytest.raises(InvalidInput) as bad:
        await service.send_list([1], "nav-epasts")
    assert bad.value.field == "email"
    assert bad.value.en == "Not an e-mail address."

    service = await garbage(
        http(401, json.dumps({"code": "not_authenticated", "lv": "a", "en": "b"}))
    )
    with pytest.raises(NotAuthenticated):
        await service.loans(Session(token="x", patron=PATRONS["anna"]))
    await service.logout(Session(token="x", patron=PATRONS["anna"]))  # never raises for that


# ------------------------------------------------- against the real server


class Attempts(httpx.AsyncBaseTransport):
    """The real transport, noting each attempt's idempotency key; ``second``
    is set when a request is sent the second time."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.keys: list[str | None] = []
        self.second = threading.Event()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.keys.append(request.headers.get("Idempotency-Key"))
        if len(self.keys) == 2:
            self.second.set()
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


class HeldFirst:
    """An engine whose first call of ``method`` waits until ``release`` is set."""

    def __init__(self, engine: Any, method: str, release: threading.Event) -> None:
        self._engine = engine
        self._method = method
        self._release = release
        self.calls = 0

    def __getattr__(self, name: str) -> Any:
        target = getattr(self._engine, name)
        if name != self._method:
            return target

        async def held(*args: Any, **kwargs: Any) -> Any:
            self.calls += 1
            if self.calls == 1:
                await asyncio.to_thread(self._release.wait, 30)
            return await target(*args, **kwargs)

        return held


async def test_a_write_retried_after_a_timeout_has_one_effect(
    region: RegionData, clock: FakeClock
) -> None:
    attempts = Attempts()
    # the first order is held in the server until the client, having given up
    # waiting, sends it again; then both finish
    engine = HeldFirst(memory_engine(region, clock), "order", attempts.second)
    with running_server(engine) as server:  # type: ignore[arg-type]
        impatient = RemoteService(server.url, timeout=1.0, transport=attempts)
        patient = RemoteService(server.url)
        try:
            anna = await login(patient, "anna")
            view = await impatient.order(anna, "A-0001")
            assert view.reservation.state == ReservationState.REQUESTED
            assert len(attempts.keys) == 2 and attempts.keys[0] == attempts.keys[1] is not None
            assert engine.calls == 1, "the retry reached the engine again"
            mine = [v.reservation for v in await patient.reservations(anna)]
            assert [(r.id, r.barcode) for r in mine] == [(view.reservation.id, "A-0001")]
            received = [
                m
                for m in await patient.outbox()
                if m.kind == MessageKind.RESERVATION_RECEIVED and m.to == "anna@example.lv"
            ]
            assert len(received) == 1
        finally:
            await impatient.aclose()
            await patient.aclose()


async def test_the_real_servers_errors_come_back_as_the_package_errors(
    region: RegionData, clock: FakeClock
) -> None:
    with running_server(memory_engine(region, clock)) as server:
        async with RemoteService(server.url) as service:
            with pytest.raises(NotFound):
                await service.record(999_999)
            anna = await login(service, "anna")
            with pytest.raises(Refused) as caught:
                await service.order(anna, "A-0002")  # a reading-room copy
            assert caught.value.refusal.code
            copies = await service.copies(BARCODE_RECORD["A-0002"])
            assert copies.items
            await service.logout(anna)
            with pytest.raises(NotAuthenticated):
                await service.loans(anna)
            await service.logout(anna)  # an ended session: no error
