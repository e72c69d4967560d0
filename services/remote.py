"""``RemoteService``: the ``LibraryService`` contract over HTTP (``mana serve``).

Every call has a deadline. A connection that cannot be made (refused, reset,
timed out while connecting) is tried again ``retries`` times with a short
back-off: nothing reached the server. A write carries an ``Idempotency-Key``
(a uuid4) and, after a timeout, is sent once more with the same key, so the
server answers the first request's result instead of acting twice.

Every failure leaves as the package's own error: the server's JSON error body
becomes the same class with its sentences (``InvalidInput.field``,
``Refused.refusal`` included); an unreachable, slow or garbled server becomes
``ServiceUnavailable`` with a sentence a patron can read.
"""

from __future__ import annotations

import asyncio
import ssl
import uuid
from functools import cache
from typing import Any, Self, TypeVar

import httpx
from pydantic import TypeAdapter, ValidationError

from services.errors import NotAuthenticated, ServiceUnavailable
from services.models import (
    CheckInResult,
    CopyView,
    FreeRequestForm,
    FreeRequestView,
    HistoryEntry,
    Library,
    LoanView,
    Message,
    Page,
    Patron,
    PatronAccount,
    Record,
    ReservationView,
    SearchHit,
    SearchQuery,
    Session,
    Verdict,
)
from services.server.maintenance import KEY_HEADER
from services.server.wire import CLIENT_HEADER, IDEMPOTENCY_HEADER, error_from

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


class RemoteService:
    """The library service at ``base_url`` (e.g. ``http://127.0.0.1:8080``)."""

    def __init__(
        self,
        base_url: str,
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
        self._client = httpx.AsyncClient(
            base_url=base_url.rstrip("/") + "/api/v1",
            timeout=httpx.Timeout(timeout),
            transport=transport,
            verify=_tls(),
            headers={"Accept": "application/json", CLIENT_HEADER: self.client},
        )

    async def aclose(self) -> None:
        await self._client.aclose()

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
                if connects >= self._retries:
                    raise ServiceUnavailable(*UNREACHABLE) from e
                await asyncio.sleep(self._backoff * 2**connects)
                connects += 1
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

    # -------------------------------------------------------------- catalog

    async def libraries(self) -> list[Library]:
        return await self._call("GET", "/libraries", list[Library])

    async def search(self, query: SearchQuery) -> Page[SearchHit]:
        params = query.model_dump(mode="json", exclude_none=True)
        return await self._call("GET", "/search", Page[SearchHit], params=params)

    async def record(self, record_id: int) -> Record:
        return await self._call("GET", f"/records/{record_id}", Record)

    async def copies(self, record_id: int, offset: int = 0, limit: int = 50) -> Page[CopyView]:
        return await self._call("GET", f"/records/{record_id}/copies", Page[CopyView],
                                params={"offset": offset, "limit": limit})

    # ----------------------------------------------------------------- auth

    async def login(self, identifier: str, password: str) -> Session:
        return await self._call("POST", "/login", Session,
                                body={"identifier": identifier, "password": password})

    async def logout(self, session: Session) -> None:
        try:
            await self._call("POST", "/logout", session=session)
        except NotAuthenticated:
            pass

    async def request_password_reset(self, identifier: str) -> None:
        await self._call("POST", "/password-reset/request", body={"identifier": identifier},
                         idempotent=True)

    async def reset_password(self, identifier: str, code: str, new_password: str) -> None:
        await self._call(
            "POST", "/password-reset", idempotent=True,
            body={"identifier": identifier, "code": code, "new_password": new_password},
        )

    # -------------------------------------------------------------- account

    async def loans(self, session: Session) -> list[LoanView]:
        return await self._call("GET", "/account/loans", list[LoanView], session=session)

    async def loan_history(self, session: Session) -> list[HistoryEntry]:
        return await self._call("GET", "/account/history", list[HistoryEntry], session=session)

    async def reservations(self, session: Session) -> list[ReservationView]:
        return await self._call("GET", "/account/reservations", list[ReservationView],
                                session=session)

    async def free_requests(self, session: Session) -> list[FreeRequestView]:
        return await self._call("GET", "/account/free-requests", list[FreeRequestView],
                                session=session)

    async def free_request_offer(self, session: Session) -> Verdict:
        return await self._call("GET", "/account/free-request-offer", Verdict, session=session)

    async def order(self, session: Session, barcode: str) -> ReservationView:
        return await self._write(session, "/account/orders", ReservationView, barcode=barcode)

    async def cancel_reservation(self, session: Session, reservation_id: int) -> ReservationView:
        return await self._write(session, f"/account/reservations/{reservation_id}/cancel",
                                 ReservationView)

    async def request_renewal(self, session: Session, loan_id: int) -> LoanView:
        return await self._write(session, f"/account/loans/{loan_id}/renewal", LoanView)

    async def submit_free_request(self, session: Session, form: FreeRequestForm) -> FreeRequestView:
        return await self._write(session, "/account/free-requests", FreeRequestView,
                                 **form.model_dump(mode="json"))

    async def send_list(self, record_ids: list[int], email: str, language: str = "lv") -> Message:
        return await self._call(
            "POST", "/lists", Message, idempotent=True,
            body={"record_ids": record_ids, "email": email, "language": language},
        )

    async def outbox(self) -> list[Message]:
        return await self._call("GET", "/outbox", list[Message])

    # ---------------------------------------------------------------- staff

    async def staff_reservations(self, session: Session) -> list[ReservationView]:
        return await self._call("GET", "/staff/reservations", list[ReservationView],
                                session=session)

    async def confirm_reservation(self, session: Session, reservation_id: int) -> ReservationView:
        return await self._write(session, f"/staff/reservations/{reservation_id}/confirm",
                                 ReservationView)

    async def reject_reservation(
        self, session: Session, reservation_id: int, reason: str
    ) -> ReservationView:
        return await self._write(session, f"/staff/reservations/{reservation_id}/reject",
                                 ReservationView, reason=reason)

    async def staff_renewals(self, session: Session) -> list[LoanView]:
        return await self._call("GET", "/staff/renewals", list[LoanView], session=session)

    async def approve_renewal(self, session: Session, loan_id: int) -> LoanView:
        return await self._write(session, f"/staff/renewals/{loan_id}/approve", LoanView)

    async def deny_renewal(self, session: Session, loan_id: int, reason: str) -> LoanView:
        return await self._write(session, f"/staff/renewals/{loan_id}/deny", LoanView,
                                 reason=reason)

    async def staff_free_requests(self, session: Session) -> list[FreeRequestView]:
        return await self._call("GET", "/staff/free-requests", list[FreeRequestView],
                                session=session)

    async def accept_free_request(
        self, session: Session, request_id: int, note: str = ""
    ) -> FreeRequestView:
        return await self._write(session, f"/staff/free-requests/{request_id}/accept",
                                 FreeRequestView, note=note)

    async def fulfil_free_request(
        self, session: Session, request_id: int, note: str = ""
    ) -> FreeRequestView:
        return await self._write(session, f"/staff/free-requests/{request_id}/fulfil",
                                 FreeRequestView, note=note)

    async def reject_free_request(
        self, session: Session, request_id: int, note: str
    ) -> FreeRequestView:
        return await self._write(session, f"/staff/free-requests/{request_id}/reject",
                                 FreeRequestView, note=note)

    async def find_patrons(self, session: Session, text: str) -> list[Patron]:
        return await self._call("GET", "/staff/patrons", list[Patron], session=session,
                                params={"text": text})

    async def patron_account(self, session: Session, patron_id: int) -> PatronAccount:
        return await self._call("GET", f"/staff/patrons/{patron_id}", PatronAccount,
                                session=session)

    async def check_out(self, session: Session, card_number: str, barcode: str) -> LoanView:
        return await self._write(session, "/staff/check-out", LoanView,
                                 card_number=card_number, barcode=barcode)

    async def check_in(self, session: Session, barcode: str) -> CheckInResult:
        return await self._write(session, "/staff/check-in", CheckInResult, barcode=barcode)

    async def expire_holds(self) -> list[ReservationView]:
        key = {KEY_HEADER: self._maintenance_key} if self._maintenance_key else {}
        return await self._call("POST", "/maintenance/expire-holds", list[ReservationView],
                                idempotent=True, headers=key)

    async def _write(self, session: Session, path: str, expect: Any, **body: Any) -> Any:
        """A POST of an account or staff write with its idempotency key."""
        return await self._call("POST", path, expect, session=session, body=body or None,
                                idempotent=True)
