"""Two pure ASGI middlewares: a body size limit and ``Idempotency-Key``.

Both read the request body once into memory (it is at most
``max_body_bytes``) and hand it on to the application unchanged. A key
belongs to the caller ``IdempotencyMiddleware`` is told of (``Callers``):
authentication comes before the key, so a write to an account route with a
missing or ended token is answered 401, never a 422 about its key nor
another caller's remembered answer. The store's calls run on a worker
thread, never on the event loop.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.errors import InvalidInput, NotAuthenticated, ServiceUnavailable
from services.server.idempotency import (
    PENDING,
    Answer,
    IdempotencyStore,
    Pending,
    Replayed,
    remembered,
)
from services.server.wire import IDEMPOTENCY_HEADER, TOO_LARGE, ErrorBody, body_of

log = logging.getLogger("mana.server")

KEY_MAX = 200

Callers = Callable[[Scope], Awaitable[str | None]]
"""Who a POST is from, as a principal of ``IdempotencyStore``; None when no
route serves it (its 404 or 405 is not remembered). Raises
``NotAuthenticated`` when its route needs a token it does not have."""


async def send_json(send: Send, status: int, body: bytes,
                    headers: Iterable[tuple[bytes, bytes]] = ()) -> None:
    await send({
        "type": "http.response.start",
        "status": status,
        "headers": [(b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()), *headers],
    })
    await send({"type": "http.response.body", "body": body})


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return value.decode("latin-1")
    return None


def _replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that gives ``body`` once, then waits on the real one."""
    sent = False

    async def again() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return again


async def read_body(receive: Receive, limit: int, drain: int = 0) -> bytes | None:
    """The whole body, or None if it is longer than ``limit`` (or the client
    left). A longer body is still read and dropped up to ``drain`` bytes, so a
    client still sending it can read the answer instead of a reset connection."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return None
        chunk = message.get("body", b"")
        size += len(chunk)
        if size <= limit:
            chunks.append(chunk)
        else:
            chunks.clear()
        if not message.get("more_body", False):
            return b"".join(chunks) if size <= limit else None
        if size > max(limit, drain):
            return None


class BodyLimitMiddleware:
    """Refuse request bodies larger than ``limit`` bytes with 413."""

    DRAIN = 1024 * 1024
    """A body up to this size is read (and dropped) before the 413 is sent."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = _header(scope, b"content-length")
        chunked = _header(scope, b"transfer-encoding") is not None
        if length is None and not chunked:
            await self.app(scope, receive, send)
            return
        if length is not None and (not length.isdigit() or int(length) > self.limit):
            if length.isdigit() and int(length) <= self.DRAIN:
                await read_body(receive, 0, self.DRAIN)
            await self._too_large(send)
            return
        body = await read_body(receive, self.limit, self.DRAIN)
        if body is None:
            await self._too_large(send)
            return
        await self.app(scope, _replay(body, receive), send)

    async def _too_large(self, send: Send) -> None:
        kib = self.limit // 1024
        body = ErrorBody(
            code=TOO_LARGE,
            lv=f"Pieprasījums ir pārāk liels (ne vairāk kā {kib} KiB).",
            en=f"The request is too large (at most {kib} KiB).",
        )
        await send_json(send, 413, body.model_dump_json(exclude_none=True).encode(),
                        [(b"connection", b"close")])


class IdempotencyMiddleware:
    """Remember the first answer to each POST that carries an ``Idempotency-Key``:
    in the transaction of its effect, through ``PENDING`` (see
    ``services.server.idempotency``), else once it is sent."""

    def __init__(self, app: ASGIApp, store: IdempotencyStore, limit: int, callers: Callers,
                 exempt: Iterable[str] = ()) -> None:
        self.app = app
        self.store = store
        self.limit = limit
        self.callers = callers
        self.exempt = set(exempt)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        http = scope["type"] == "http"
        key = _header(scope, IDEMPOTENCY_HEADER.lower().encode()) if http else None
        if key is None or scope["method"] != "POST" or scope["path"] in self.exempt:
            await self.app(scope, receive, send)
            return
        try:
            principal = await self.callers(scope)
        except NotAuthenticated as e:
            error = body_of(e).model_dump_json(exclude_none=True).encode()
            await send_json(send, 401, error, [(b"www-authenticate", b"Bearer")])
            return
        except SQLAlchemyError as e:
            await _database_away(send, e)
            return
        if principal is None:
            await self.app(scope, receive, send)
            return
        if not 1 <= len(key) <= KEY_MAX or not key.isascii() or not key.isprintable():
            await self._refuse(
                send, "Idempotency-Key nav derīga (1–200 drukājamas ASCII zīmes).",
                "The Idempotency-Key is not valid (1–200 printable ASCII characters).")
            return
        body = await read_body(receive, self.limit)
        if body is None:
            return  # the client left; BodyLimitMiddleware has checked the size
        fingerprint = self.store.fingerprint(
            scope["method"], scope["path"], scope.get("query_string", b""), body
        )
        pending = Pending(self.store, principal, key, fingerprint)
        async with self.store.lock(principal, key):
            try:
                first = await asyncio.to_thread(self.store.get, principal, key)
            except SQLAlchemyError as e:
                await _database_away(send, e)
                return
            if first is None:
                first = await self._first(scope, _replay(body, receive), send, pending)
            if first is not None:
                await self._again(send, first, fingerprint)
        await self._purge()

    async def _first(self, scope: Scope, receive: Receive, send: Send,
                     pending: Pending) -> Answer | None:
        """Run the write and remember its answer, unless its transaction did;
        the answer its transaction found instead (``Replayed``: the key was
        answered meanwhile on another server), else None."""
        captured = _Captured()

        async def tee(message: Message) -> None:
            captured.add(message)
            await send(message)

        running = PENDING.set(pending)
        try:
            await self.app(scope, receive, tee)
        except Replayed as found:
            return found.answer
        finally:
            PENDING.reset(running)
        if not captured.complete or not remembered(captured.status):
            return None
        answer = Answer(pending.fingerprint, *answer_fields(captured))
        if answer == pending.written:
            return None  # committed with its effect
        try:
            await asyncio.to_thread(self.store.put, pending.principal, pending.key, answer)
        except SQLAlchemyError:  # answered already; a repeat would run again
            log.warning("the first answer of %s could not be remembered", scope["path"])
        return None

    async def _again(self, send: Send, first: Answer, fingerprint: str) -> None:
        """The remembered ``first`` answer, for a request with its fingerprint."""
        if first.fingerprint != fingerprint:
            await self._refuse(
                send,
                "Šī Idempotency-Key jau izmantota citam pieprasījumam.",
                "This Idempotency-Key was already used for a different request.",
            )
            return
        await send({
            "type": "http.response.start",
            "status": first.status,
            "headers": [(b"content-type", first.content_type.encode()),
                        (b"content-length", str(len(first.body)).encode()),
                        (b"idempotent-replayed", b"true")],
        })
        await send({"type": "http.response.body", "body": first.body})

    async def _purge(self) -> None:
        if self.store.purge_due():
            try:
                await asyncio.to_thread(self.store.purge)
            except SQLAlchemyError:  # the next write tries again
                log.warning("expired idempotency records could not be forgotten")

    async def _refuse(self, send: Send, lv: str, en: str) -> None:
        error = body_of(InvalidInput(IDEMPOTENCY_HEADER, lv, en))
        await send_json(send, 422, error.model_dump_json(exclude_none=True).encode())


async def _database_away(send: Send, error: SQLAlchemyError) -> None:
    log.warning("the database did not answer: %s",
                str(getattr(error, "orig", None) or error).strip()[:200])
    body = body_of(ServiceUnavailable()).model_dump_json(exclude_none=True).encode()
    await send_json(send, 503, body)


class _Captured:
    def __init__(self) -> None:
        self.status = 0
        self.content_type = "application/json"
        self.chunks: list[bytes] = []
        self.complete = False

    def add(self, message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            for name, value in message.get("headers", []):
                if name.lower() == b"content-type":
                    self.content_type = value.decode("latin-1")
        elif message["type"] == "http.response.body":
            self.chunks.append(message.get("body", b""))
            self.complete = not message.get("more_body", False)


def answer_fields(captured: _Captured) -> tuple[int, str, bytes]:
    return captured.status, captured.content_type, b"".join(captured.chunks)
