"""How long a connection may take: uvicorn's h11 protocol with a request deadline.

uvicorn bounds only the wait *between* requests (``timeout_keep_alive``: a
timer armed after an answer and cancelled by the next byte that comes). A
connection that sends nothing, or the start of a request and then nothing
more (or a byte now and then: "slowloris"), it keeps open for good, and
enough of them use up the server's connections; uvicorn has no setting for
it (its issue #157 asks for one), and an ASGI middleware cannot help, as it
runs only once the headers are in.

``BoundedH11Protocol`` adds the missing timer: armed when a connection
opens and when the first byte of each further request comes, it closes the
connection if that request is not whole (line, headers and body) by then.
h11 says when it is (its client state leaves ``IDLE``/``SEND_BODY``); the
timer is then disarmed, so the answer takes as long as it takes, and
between requests uvicorn's keep-alive timer rules again. It also serves at
most ``max_connections`` at once: a request beyond them is answered 503 at
once, in the ``ErrorBody`` shape the kiosks read (uvicorn's own
``limit_concurrency`` answers in plain text, which a kiosk can only call "an
error"). ``uvicorn_options`` gives ``uvicorn.run`` this protocol and the
keep-alive wait. (uvicorn's ``auto`` protocol is h11 here, httptools not
being installed; naming it keeps it so.)
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import h11
from starlette.types import Receive, Scope, Send
from uvicorn.protocols.http.h11_impl import H11Protocol

from services.errors import ServiceUnavailable
from services.server.middleware import send_json
from services.server.settings import ServerSettings
from services.server.wire import body_of

log = logging.getLogger("mana.server")

WAITING = (h11.IDLE, h11.SEND_BODY)
"""h11's states of a client whose request is not all there yet."""


BUSY = body_of(ServiceUnavailable(
    "Bibliotēkas serviss ir pārslogots. Mēģiniet vēlreiz pēc brīža.",
    "The library service is busy. Try again in a moment.",
)).model_dump_json(exclude_none=True).encode()


class BoundedH11Protocol(H11Protocol):
    """``H11Protocol`` that closes a connection whose request does not arrive
    within ``request_timeout`` seconds and answers 503 past ``max_connections``
    (``bounded_protocol`` sets both)."""

    request_timeout: float = 10.0
    max_connections: int = 1000
    _deadline: asyncio.TimerHandle | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._app, self.app = self.app, self._bounded_app

    async def _bounded_app(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The application, or 503 when more connections are open (or requests
        running, of connections gone too) than may be served."""
        limit = self.max_connections
        if len(self.connections) > limit or len(self.tasks) > limit:
            await send_json(send, 503, BUSY, [(b"connection", b"close")])
            return
        await self._app(scope, receive, send)

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)  # cancels the keep-alive timer, parses what came
        self._watch()

    def on_response_complete(self) -> None:
        super().on_response_complete()  # arms the keep-alive timer (unless closing)
        self._watch()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _watch(self) -> None:
        """Armed while a request is coming in and no keep-alive timer runs."""
        coming = self.conn.their_state in WAITING and self.timeout_keep_alive_task is None
        if coming and not self.transport.is_closing():
            if self._deadline is None:  # a trickle does not move it
                self._arm()
        else:
            self._disarm()

    def _arm(self) -> None:
        self._deadline = self.loop.call_later(self.request_timeout, self._expire)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _expire(self) -> None:
        self._deadline = None
        if not self.transport.is_closing():
            log.debug("%s: no whole request within %g s, connection closed",
                      self.client, self.request_timeout)
            self.transport.close()  # connection_lost tells a waiting request


def bounded_protocol(request_timeout: float, max_connections: int) -> type[BoundedH11Protocol]:
    """``BoundedH11Protocol`` with its bounds (uvicorn builds one per
    connection from the class alone)."""
    return type("BoundedH11Protocol", (BoundedH11Protocol,),
                {"request_timeout": request_timeout, "max_connections": max_connections})


def uvicorn_options(settings: ServerSettings) -> dict[str, Any]:
    """``uvicorn.run``'s connection bounds from ``settings``."""
    return {
        "http": bounded_protocol(settings.request_timeout_seconds, settings.max_connections),
        "timeout_keep_alive": settings.keep_alive_seconds,
    }
