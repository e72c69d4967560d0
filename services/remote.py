"""``RemoteService``: the ``LibraryService`` contract over HTTP (``mana serve``).

Every call has a deadline. A connection that cannot be made (refused, reset,
timed out while connecting) is tried again ``retries`` times with a short
back-off: nothing reached the server. Given several servers of one region
(they share its database), a connection that cannot be made moves on to the
next one at once, and the calls after it stay there. A write carries an ``Idempotency-Key``
(a uuid4) and, after a timeout, is sent once more with the same key, so the
server answers the first request's result instead of acting twice.

Every failure leaves as the package's own error: the server's JSON error body
becomes the same class with its sentences (``InvalidInput.field``,
``Refused.refusal`` included); an unreachable, slow or garbled server becomes
``ServiceUnavailable`` with a sentence a patron can read.
"""

from __future__ import annotations

import abc
import asyncio
import ssl
import uuid
from collections.abc import Callable, Coroutine, Sequence
from functools import cache
from typing import TYPE_CHECKING, Any, Self, TypeVar

import httpx
from pydantic import TypeAdapter, ValidationError

from services.errors import NotAuthenticated, ServiceUnavailable
from services.models import Session
from services.protocol import LibraryService
from services.server.maintenance import KEY_HEADER
from services.server.operations import OPERATIONS, Operation
from services.server.wire import CLIENT_HEADER, IDEMPOTENCY_HEADER, error_from

if TYPE_CHECKING:
    from services.models import ReservationView

T = TypeVar("T")

UNREACHABLE = (
    "Nevar sazināties ar bibliotēkas servisu. Pārbaudiet savienojumu vai mēģiniet vēlāk.",
    "The library service cannot be reached. Check the connection or try again later.",
)
SLOW = (
    "Bibliotēkas serviss neatbild laikā. Mēģiniet vēlreiz pēc brīža.",
    "The library service is not answering in time. Try again in a moment.",
)
BAD_ANSWER = (
    "Bibliotēkas serviss atbildēja ar kļūdu. Mēģiniet vēlāk vai sazinieties ar bibliotēku.",
    "The library service answered with an error. Try again later or contact the library.",
)

_NOT_REACHED = (httpx.ConnectError, httpx.ConnectTimeout, httpx.RemoteProtocolError)
"""Failures after which the request can be sent again: a read is safe, and a
write carries its idempotency key."""


@cache
def _adapter(kind: Any) -> TypeAdapter[Any]:
    return TypeAdapter(kind)


@cache
def _tls() -> ssl.SSLContext:
    """One TLS context for every client (making one costs tens of milliseconds)."""
    return httpx.create_ssl_context()


class RemoteService(LibraryService):
    """The library service at ``base_url`` (e.g. ``http://127.0.0.1:8080``),
    or at the first of several that answers.

    Each operation of the contract is one request, made from its line in
    ``services.server.operations`` (``_calls``, below the class): the path
    with its ids, the form's fields as the JSON body of a POST or the query
    of a GET, the token of a ``session``, and the answer read as the
    method's return type. Only what needs more is written out here."""

    def __init__(
        self,
        base_url: str | Sequence[str],
        *,
        timeout: float = 10.0,
        retries: int = 2,
        transport: httpx.AsyncBaseTransport | None = None,
        backoff: float = 0.1,
        maintenance_key: str | None = None,
        client: str | None = None,
    ) -> None:
        """``maintenance_key``: the server's (``services.server.maintenance``),
        without which ``expire_holds`` is refused (``Forbidden``). ``client``:
        this terminal's name in every request (``CLIENT_HEADER``; a random
        one per ``RemoteService`` when not given), so that a server behind
        which it is a trusted proxy counts its failed logins apart from other
        terminals at the same address."""
        self._maintenance_key = maintenance_key
        self.client = client or f"mana-{uuid.uuid4().hex[:16]}"
        self._timeout = timeout
        self._retries = retries
        self._backoff = backoff
        urls = [base_url] if isinstance(base_url, str) else list(base_url)
        if not urls:
            raise ValueError("RemoteService needs the address of a server")
        self._clients = [
            httpx.AsyncClient(
                base_url=url.rstrip("/") + "/api/v1",
                timeout=httpx.Timeout(timeout),
                transport=transport,
                verify=_tls(),
                headers={"Accept": "application/json", CLIENT_HEADER: self.client},
            )
            for url in urls
        ]
        self._current = 0
        """The server the calls go to, until it cannot be reached."""

    @property
    def _client(self) -> httpx.AsyncClient:
        return self._clients[self._current]

    async def aclose(self) -> None:
        for client in self._clients:
            await client.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # ------------------------------------------------------------ transport

    async def _call(
        self,
        method: str,
        path: str,
        expect: Any = None,
        *,
        session: Session | None = None,
        params: dict[str, Any] | None = None,
        body: Any = None,
        idempotent: bool = False,
        headers: dict[str, str] | None = None,
    ) -> Any:
        """Send one request; the decoded answer as ``expect`` (None: no body)."""
        headers = dict(headers or {})
        if session is not None:
            headers["Authorization"] = f"Bearer {session.token}"
        write = method == "POST" and idempotent
        if write:
            headers[IDEMPOTENCY_HEADER] = str(uuid.uuid4())
        connects = timeouts = 0
        while True:
            try:
                async with asyncio.timeout(self._timeout):
                    response = await self._client.request(
                        method, path, params=params, json=body, headers=headers
                    )
                break
            except _NOT_REACHED as e:
                servers = len(self._clients)
                if connects >= (self._retries + 1) * servers - 1:
                    raise ServiceUnavailable(*UNREACHABLE) from e
                connects += 1
                self._current = (self._current + 1) % servers
                if connects % servers == 0:  # every server was tried: wait a little
                    await asyncio.sleep(self._backoff * 2 ** (connects // servers - 1))
            except (httpx.TimeoutException, TimeoutError) as e:
                if write and timeouts == 0:
                    timeouts += 1
                    continue
                raise ServiceUnavailable(*SLOW) from e
            except (httpx.HTTPError, httpx.InvalidURL) as e:
                raise ServiceUnavailable(*BAD_ANSWER) from e
        return self._decode(response, expect)

    @staticmethod
    def _decode(response: httpx.Response, expect: Any) -> Any:
        status = response.status_code
        if not 200 <= status < 300:
            try:
                data = response.json()
            except ValueError:
                data = None
            error = error_from(status, data)
            if error is None:
                raise ServiceUnavailable(*BAD_ANSWER)
            raise error
        if expect is None:
            return None
        try:
            return _adapter(expect).validate_json(response.content)
        except ValidationError as e:
            raise ServiceUnavailable(*BAD_ANSWER) from e

    # ----------------------------------------------------------- operations

    async def _send(self, name: str, /, *, headers: dict[str, str] | None = None,
                    **arguments: Any) -> Any:
        """Call the operation ``name`` with the method's ``arguments`` (by
        name), as its line in ``services.server.operations`` says."""
        operation = OPERATIONS[name]
        path, data = operation.to_wire(arguments)
        get = operation.method == "GET"
        return await self._call(
            operation.method, path, operation.result, session=arguments.get("session"),
            params=data if get else None, body=None if get else data,
            idempotent=operation.idempotent, headers=headers,
        )

    # The operations that need more than their declared call; every other
    # one is made from its declaration (``_calls``).

    async def logout(self, session: Session) -> None:
        try:
            await self._send("logout", session=session)
        except NotAuthenticated:
            pass

    async def expire_holds(self) -> list[ReservationView]:
        key = {KEY_HEADER: self._maintenance_key} if self._maintenance_key else {}
        return await self._send("expire_holds", headers=key)


def _call_of(operation: Operation) -> Callable[..., Coroutine[Any, Any, Any]]:
    """``RemoteService``'s method for ``operation``: it sends the arguments
    it was given, with the contract's signature and docstring."""
    signature = operation.signature
    contract = getattr(LibraryService, operation.name)

    async def call(self: RemoteService, /, *args: Any, **kwargs: Any) -> Any:
        bound = signature.bind(self, *args, **kwargs)
        bound.apply_defaults()
        arguments = dict(bound.arguments)
        del arguments["self"]
        return await self._send(operation.name, **arguments)

    call.__name__ = operation.name
    call.__qualname__ = f"RemoteService.{operation.name}"
    call.__doc__ = contract.__doc__
    call.__signature__ = signature  # type: ignore[attr-defined]
    return call


def _calls(cls: type[RemoteService]) -> None:
    """Give ``cls`` the call of every operation it does not write out."""
    for name, operation in OPERATIONS.items():
        if name not in vars(cls):
            setattr(cls, name, _call_of(operation))
    abc.update_abstractmethods(cls)


_calls(RemoteService)
