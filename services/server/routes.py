"""One HTTP route per ``LibraryService`` method, under ``/api/v1``.

Reads are GET, writes are POST. A route asks the engine and returns its
answer; every rule lives in the engine. Account and staff routes take the
server's bearer token (``Authorization: Bearer …``). ``responses=`` lists
every status a route can answer with, each with the ``ErrorBody`` shape.
"""


import math
from collections.abc import Callable
from typing import Annotated, Any, Literal, Protocol, runtime_checkable

from fastapi import Depends, FastAPI, Header, Path, Query, Request, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field

from services import rules
from services.errors import (
    Forbidden,
    InvalidCode,
    ServiceUnavailable,
    TooManyAttempts,
)
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
    free_text,
    line,
)
from services.server.limits import HOUR, RateLimit, list_limit
from services.server.maintenance import KEY_HEADER, allows, issue_key
from services.server.state import ServerState, client_address
from services.server.wire import IDEMPOTENCY_HEADER

API = "/api/v1"

Id = Annotated[int, Path(ge=-(2**63), le=2**63 - 1)]

DESCRIPTIONS = {
    400: "The code is not correct or has expired (invalid_code).",
    401: "Not logged in, or the token ended (not_authenticated); wrong login (invalid_credentials).",
    403: "The account may not do this (forbidden).",
    404: "No such thing, or not this patron's (not_found).",
    409: "The rules say no (refused, with its refusal) or it changed meanwhile (conflict).",
    413: "The request body is too large (too_large).",
    422: "A field is missing or malformed, or an Idempotency-Key was reused (invalid_input).",
    429: "Too many attempts: wait and try again (too_many_attempts).",
    503: "The library service cannot answer now (unavailable).",
}


ERROR_CONTENT = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
"""The ``ErrorBody`` schema by reference (``app.openapi`` adds it to the
components): a ``model=`` per status would cost a pydantic field each."""


def doc(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route that can answer with ``statuses`` (+ 422, 503)."""
    return {s: {"description": DESCRIPTIONS[s], "content": ERROR_CONTENT}
            for s in sorted({*statuses, 422, 503})}


def write(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """``doc`` for a POST route (the body may be too large)."""
    return doc(413, *statuses)


class _Body(BaseModel):
    """A request body: no unknown fields, every text of the ``models.line`` or
    ``models.free_text`` type (storable, within its limit), so a text that
    cannot be kept is a 422 naming its field, never a failed write."""

    model_config = ConfigDict(extra="forbid")


IDENTIFIER_MAX = 254
"""A username, card number or e-mail address (``rules.EMAIL_MAX``)."""
SECRET_MAX = 1024
"""A password as typed; the rules' 8–128 is the engine's, with its message."""
CODE_MAX = 64
"""A recovery code, a barcode, a card number, a library or collection id."""
REASON_MAX = 500
"""A staff reason or note (the engine keeps at most 500 characters)."""
PATRON_SEARCH_MAX = 200


class LoginForm(_Body):
    identifier: line(IDENTIFIER_MAX)
    password: free_text(SECRET_MAX)


class ResetRequest(_Body):
    identifier: line(IDENTIFIER_MAX)


class ResetForm(_Body):
    identifier: line(IDENTIFIER_MAX)
    code: line(CODE_MAX)
    new_password: free_text(SECRET_MAX)


class OrderForm(_Body):
    barcode: line(CODE_MAX)


class ReasonForm(_Body):
    reason: free_text(REASON_MAX)


class NoteForm(_Body):
    note: free_text(REASON_MAX) = ""


class RejectForm(_Body):
    note: free_text(REASON_MAX)


class ListForm(_Body):
    record_ids: Annotated[list[int], Field(max_length=rules.LIST_MAX)]
    email: line(rules.EMAIL_MAX)
    language: Literal["lv", "en"] = "lv"


class CheckOutForm(_Body):
    card_number: line(CODE_MAX)
    barcode: line(CODE_MAX)


class CheckInForm(_Body):
    barcode: line(CODE_MAX)


class FreeRequestBody(FreeRequestForm):
    """``FreeRequestForm`` with the limits of R8 at the door (and in the
    OpenAPI description); the engine still strips and checks it."""

    author: free_text(rules.AUTHOR_MAX) = ""
    title: free_text(rules.TITLE_MAX) = ""
    year: free_text(rules.YEAR_MAX) = ""
    info: free_text(rules.INFO_MAX) = ""
    library_id: line(CODE_MAX) = ""
    collection: line(CODE_MAX) = ""


class Health(BaseModel):
    status: str = "ok"


@runtime_checkable
class Ready(Protocol):
    """An engine that can tell whether it serves now (``MemoryBase.ready``)."""

    async def ready(self) -> bool: ...


class _Routes:
    """``app.get``/``app.post`` with a path prefix and shared dependencies.

    Routes go straight onto the app: an ``APIRouter`` included afterwards
    would build every route a second time (a quarter of a second per app)."""

    def __init__(self, app: FastAPI, prefix: str, dependencies: list[Any] | None = None) -> None:
        self._app = app
        self._prefix = prefix
        self._dependencies = dependencies or []

    def get(self, path: str, **options: Any) -> Callable[[Any], Any]:
        return self._app.get(self._prefix + path, dependencies=self._dependencies, **options)

    def post(self, path: str, **options: Any) -> Callable[[Any], Any]:
        return self._app.post(self._prefix + path, dependencies=self._dependencies, **options)


def install_routes(app: FastAPI, state: ServerState) -> None:
    """Add every route to ``app``; each asks ``state.engine``."""
    engine = state.engine
    bearer = HTTPBearer(auto_error=False, description="The token that POST /login returned.")

    async def current(
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    ) -> Session:
        return await state.session(credentials)

    Auth = Annotated[Session, Depends(current)]

    async def idempotency_key(
        key: Annotated[str | None, Header(alias=IDEMPOTENCY_HEADER, max_length=200,
                                          description="Repeat a write safely: the same key "
                                          "gets the first answer again.")] = None,
    ) -> None:
        """Documents the header; ``IdempotencyMiddleware`` does the work."""

    r = _Routes(app, API)
    w = _Routes(app, API, [Depends(idempotency_key)])

    @r.get("/health", response_model=Health,
           responses={503: {"description": DESCRIPTIONS[503], "content": ERROR_CONTENT}})
    async def health() -> Health:
        """``ok`` while the engine can serve; 503 ``unavailable`` while it cannot
        (a write failed and the database cannot be read back or written yet)."""
        if isinstance(engine, Ready) and not await engine.ready():
            raise ServiceUnavailable()
        return Health()

    # ----------------------------------------------------------- catalog

    @r.get("/libraries", responses=doc())
    async def libraries() -> list[Library]:
        return await engine.libraries()

    @r.get("/search", responses=doc())
    async def search(query: Annotated[SearchQuery, Query()]) -> Page[SearchHit]:
        return await engine.search(query)

    @r.get("/records/{record_id}", responses=doc(404))
    async def record(record_id: Id) -> Record:
        return await engine.record(record_id)

    @r.get("/records/{record_id}/copies", responses=doc(404))
    async def copies(
        record_id: Id,
        offset: Annotated[int, Query(ge=0, le=2**31)] = 0,
        limit: Annotated[int, Query(ge=1, le=1000)] = 50,
    ) -> Page[CopyView]:
        return await engine.copies(record_id, offset, limit)

    # -------------------------------------------------------------- auth

    @r.post("/login", responses=write(401, 429))
    async def login(form: LoginForm, request: Request) -> Session:
        """A token for the right password. A client that failed too often is
        refused (429 with ``Retry-After``) as slowly as a wrong password; the
        account's owner elsewhere is not (``ServerState.login``)."""
        session = await state.login(form.identifier, form.password, client_address(request))
        return Session(token=state.tokens.issue(session), patron=session.patron)

    @r.post("/logout", status_code=204, response_class=Response, responses=write())
    async def logout(
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    ) -> Response:
        """End the token (and its engine session). A token that already ended is fine."""
        if credentials is not None:
            ended = state.tokens.revoke(credentials.credentials)
            if ended is not None:
                await engine.logout(ended)
        return Response(status_code=204)

    reset_requests = RateLimit(state.settings.reset_requests_per_address,
                               state.settings.login_window_seconds, state.now)

    @w.post("/password-reset/request", status_code=204, response_class=Response,
            responses=write(429))
    async def request_password_reset(form: ResetRequest, request: Request) -> Response:
        """Anyone may ask, so each client address gets ``reset_requests_per_address``
        codes per window (the engine counts each identifier too)."""
        wait = reset_requests.hit(client_address(request))
        if wait is not None:
            raise TooManyAttempts(seconds=math.ceil(wait))
        await engine.request_password_reset(form.identifier)
        return Response(status_code=204)

    @w.post("/password-reset", status_code=204, response_class=Response,
            responses=write(400, 429))
    async def reset_password(form: ResetForm, request: Request) -> Response:
        address = client_address(request)
        if (refusal := state.throttle.refusal(address)) is not None:
            raise refusal  # with how long to wait
        try:
            await engine.reset_password(form.identifier, form.code, form.new_password)
        except InvalidCode:
            state.throttle.failed(address)
            raise
        return Response(status_code=204)

    # ----------------------------------------------------------- account

    @r.get("/account/loans", responses=doc(401))
    async def loans(session: Auth) -> list[LoanView]:
        return await engine.loans(session)

    @r.get("/account/history", responses=doc(401))
    async def loan_history(session: Auth) -> list[HistoryEntry]:
        return await engine.loan_history(session)

    @r.get("/account/reservations", responses=doc(401))
    async def reservations(session: Auth) -> list[ReservationView]:
        return await engine.reservations(session)

    @r.get("/account/free-requests", responses=doc(401))
    async def free_requests(session: Auth) -> list[FreeRequestView]:
        return await engine.free_requests(session)

    @r.get("/account/free-request-offer", responses=doc(401))
    async def free_request_offer(session: Auth) -> Verdict:
        return await engine.free_request_offer(session)

    @w.post("/account/orders", responses=write(401, 404, 409))
    async def order(form: OrderForm, session: Auth) -> ReservationView:
        return await engine.order(session, form.barcode)

    @w.post("/account/reservations/{reservation_id}/cancel", responses=write(401, 404, 409))
    async def cancel_reservation(reservation_id: Id, session: Auth) -> ReservationView:
        return await engine.cancel_reservation(session, reservation_id)

    @w.post("/account/loans/{loan_id}/renewal", responses=write(401, 404, 409))
    async def request_renewal(loan_id: Id, session: Auth) -> LoanView:
        return await engine.request_renewal(session, loan_id)

    @w.post("/account/free-requests", responses=write(401, 404, 409))
    async def submit_free_request(form: FreeRequestBody, session: Auth) -> FreeRequestView:
        return await engine.submit_free_request(session, form)

    lists_to = RateLimit(state.settings.lists_per_recipient, HOUR, state.now)
    lists_from = RateLimit(state.settings.lists_per_address, HOUR, state.now)

    @w.post("/lists", responses=write(409, 429))
    async def send_list(form: ListForm, request: Request) -> Message:
        """No login needed (R4), so lists are limited per recipient and per client
        address within an hour; over a limit the patron is told how long to wait."""
        address = client_address(request)
        to_wait = lists_to.wait(form.email)
        if to_wait is not None:
            raise list_limit(lists_to.limit, to_wait, per_recipient=True)
        from_wait = lists_from.wait(address)
        if from_wait is not None:
            raise list_limit(lists_from.limit, from_wait, per_recipient=False)
        lists_to.hit(form.email)
        lists_from.hit(address)
        return await engine.send_list(form.record_ids, form.email, form.language)

    @r.get("/outbox", responses=doc(403))
    async def outbox() -> list[Message]:
        """Every e-mail the service sent: only when the server is set to show it
        (``expose_outbox``, the demo and tests), 403 otherwise."""
        if not state.settings.expose_outbox:
            raise Forbidden()
        return await engine.outbox()

    maintenance_key = issue_key(state.settings.database)
    app.state.maintenance_key = maintenance_key

    @w.post("/maintenance/expire-holds", responses=write(403))
    async def expire_holds(
        key: Annotated[str | None, Header(alias=KEY_HEADER, max_length=200,
                                          description="The key the server wrote next to "
                                          "its database (mana expire-holds reads it).")] = None,
    ) -> list[ReservationView]:
        """Only for the administrator's ``mana expire-holds`` (the maintenance
        key, ``services.server.maintenance``): the answer names patrons' holds."""
        if not allows(maintenance_key, key):
            raise Forbidden()
        return await engine.expire_holds()

    # ------------------------------------------------------------- staff

    staff = doc(401, 403)
    staff_write = write(401, 403, 404, 409)

    @r.get("/staff/reservations", responses=staff)
    async def staff_reservations(session: Auth) -> list[ReservationView]:
        return await engine.staff_reservations(session)

    @w.post("/staff/reservations/{reservation_id}/confirm", responses=staff_write)
    async def confirm_reservation(reservation_id: Id, session: Auth) -> ReservationView:
        return await engine.confirm_reservation(session, reservation_id)

    @w.post("/staff/reservations/{reservation_id}/reject", responses=staff_write)
    async def reject_reservation(
        reservation_id: Id, form: ReasonForm, session: Auth
    ) -> ReservationView:
        return await engine.reject_reservation(session, reservation_id, form.reason)

    @r.get("/staff/renewals", responses=staff)
    async def staff_renewals(session: Auth) -> list[LoanView]:
        return await engine.staff_renewals(session)

    @w.post("/staff/renewals/{loan_id}/approve", responses=staff_write)
    async def approve_renewal(loan_id: Id, session: Auth) -> LoanView:
        return await engine.approve_renewal(session, loan_id)

    @w.post("/staff/renewals/{loan_id}/deny", responses=staff_write)
    async def deny_renewal(loan_id: Id, form: ReasonForm, session: Auth) -> LoanView:
        return await engine.deny_renewal(session, loan_id, form.reason)

    @r.get("/staff/free-requests", responses=staff)
    async def staff_free_requests(session: Auth) -> list[FreeRequestView]:
        return await engine.staff_free_requests(session)

    @w.post("/staff/free-requests/{request_id}/accept", responses=staff_write)
    async def accept_free_request(request_id: Id, form: NoteForm, session: Auth) -> FreeRequestView:
        return await engine.accept_free_request(session, request_id, form.note)

    @w.post("/staff/free-requests/{request_id}/fulfil", responses=staff_write)
    async def fulfil_free_request(request_id: Id, form: NoteForm, session: Auth) -> FreeRequestView:
        return await engine.fulfil_free_request(session, request_id, form.note)

    @w.post("/staff/free-requests/{request_id}/reject", responses=staff_write)
    async def reject_free_request(request_id: Id, form: RejectForm, session: Auth) -> FreeRequestView:
        return await engine.reject_free_request(session, request_id, form.note)

    @r.get("/staff/patrons", responses=staff)
    async def find_patrons(
        session: Auth, text: Annotated[line(PATRON_SEARCH_MAX), Query()] = ""
    ) -> list[Patron]:
        return await engine.find_patrons(session, text)

    @r.get("/staff/patrons/{patron_id}", responses=doc(401, 403, 404))
    async def patron_account(patron_id: Id, session: Auth) -> PatronAccount:
        return await engine.patron_account(session, patron_id)

    @w.post("/staff/check-out", responses=staff_write)
    async def check_out(form: CheckOutForm, session: Auth) -> LoanView:
        return await engine.check_out(session, form.card_number, form.barcode)

    @w.post("/staff/check-in", responses=staff_write)
    async def check_in(form: CheckInForm, session: Auth) -> CheckInResult:
        return await engine.check_in(session, form.barcode)

