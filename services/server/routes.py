"""One HTTP route per ``LibraryService`` operation, under ``/api/v1``.

Each route is made from its operation's line in ``services.server.operations``:
method, path, form and error statuses; the token's dependency when the method
takes a ``session``; the answer's schema from the method's return type. A
route asks the engine and returns its answer; every rule lives in the engine.
Most routes are only that and are made whole from their line (``_asking``);
the few that do more around the engine's answer (tokens, throttles, rate
limits, the outbox's switch, the maintenance key) are written out in
``_by_hand``. ``responses=`` lists every status a route can answer with,
each with the ``ErrorBody`` shape.
"""


import inspect
import math
from collections.abc import Callable
from inspect import Parameter, Signature
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, Path, Query, Request, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel

from services.errors import (
    Forbidden,
    InvalidCode,
    ServiceUnavailable,
    TooManyAttempts,
)
from services.models import Session
from services.server.idempotency import carrying
from services.server.limits import HOUR, RateLimit, list_limit
from services.server.maintenance import KEY_HEADER, allows, issue_key
from services.server.operations import (
    OPERATIONS,
    ListForm,
    LoginForm,
    Operation,
    ResetForm,
    ResetRequest,
    WireError,
)
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


class Health(BaseModel):
    status: str = "ok"


Endpoint = Callable[..., Any]


def install_routes(app: FastAPI, state: ServerState) -> None:
    """Add every route to ``app``, in the contract's order; each asks
    ``state.engine``. Routes go straight onto the app: an ``APIRouter``
    included afterwards would build every route a second time (a quarter of
    a second per app)."""
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

    @app.get(f"{API}/health", response_model=Health,
             responses={503: {"description": DESCRIPTIONS[503], "content": ERROR_CONTENT}})
    async def health() -> Health:
        """``ok`` while the engine can serve; 503 ``unavailable`` while it cannot
        (a write failed and the database cannot be read back or written yet)."""
        if not await engine.ready():
            raise ServiceUnavailable()
        return Health()

    by_hand = _by_hand(app, state, bearer)
    for operation in OPERATIONS.values():
        endpoint = by_hand.pop(operation.name, None)
        if endpoint is None:
            endpoint = _asking(operation, state, Auth)
        else:
            _check_form(operation, endpoint)
        keyed = operation.method == "POST" and operation.idempotent
        if keyed:  # its engine call commits the Idempotency-Key's record with its effect
            endpoint = carrying(endpoint, operation.result, state.idempotency, engine)
        _add(app, operation, endpoint, [Depends(idempotency_key)] if keyed else [])
    if by_hand:
        raise WireError(f"a route is written out for {sorted(by_hand)[0]!r}, "
                        "which is no operation of services.server.operations")


def _add(app: FastAPI, operation: Operation, endpoint: Endpoint, dependencies: list[Any]) -> None:
    """The route of ``operation`` on ``app``, answering as its method returns
    (``None``: 204 without a body)."""
    answer: dict[str, Any] = (
        {"status_code": 204, "response_class": Response, "response_model": None}
        if operation.result is None else {"response_model": operation.result}
    )
    statuses = write if operation.method == "POST" else doc
    app.add_api_route(
        API + operation.path, endpoint, methods=[operation.method], name=operation.name,
        responses=statuses(*operation.errors), dependencies=dependencies, **answer,
    )


def _asking(operation: Operation, state: ServerState, auth: Any) -> Endpoint:
    """The route of an operation that only asks the engine: the ids of its
    path, its form (the body of a POST, the query of a GET) and, when the
    method takes a session, the bearer token's, handed to the engine's method
    in its order. FastAPI reads what the route takes from its signature."""
    parameters = [Parameter(name, Parameter.KEYWORD_ONLY, annotation=Id)
                  for name in operation.in_path]
    if operation.form is not None:
        form = operation.form if operation.method == "POST" else Annotated[operation.form, Query()]
        parameters.append(Parameter("form", Parameter.KEYWORD_ONLY, annotation=form))
    if operation.token:
        parameters.append(Parameter("session", Parameter.KEYWORD_ONLY, annotation=auth))
    engine, name = state.engine, operation.name

    async def endpoint(**values: Any) -> Any:
        answer = await getattr(engine, name)(*operation.from_wire(values))
        return Response(status_code=204) if operation.result is None else answer

    endpoint.__signature__ = Signature(  # type: ignore[attr-defined]
        parameters, return_annotation=operation.result)
    endpoint.__name__ = endpoint.__qualname__ = name
    return endpoint


def _check_form(operation: Operation, endpoint: Endpoint) -> None:
    """A route written out takes the form its operation declares (the remote
    adapter sends that one)."""
    forms = [p.annotation for p in inspect.signature(endpoint).parameters.values()
             if isinstance(p.annotation, type) and issubclass(p.annotation, BaseModel)]
    if forms != ([operation.form] if operation.form else []):
        raise WireError(f"the route of {operation.name!r} takes {forms}, "
                        f"its operation {operation.form}")


def _by_hand(app: FastAPI, state: ServerState, bearer: HTTPBearer) -> dict[str, Endpoint]:
    """The routes that do more than ask the engine, by operation. Each
    answers with the contract's return type (the route takes it from the
    operation)."""
    engine = state.engine

    async def login(form: LoginForm, request: Request):
        """A token for the right password. A client that failed too often is
        refused (429 with ``Retry-After``) as slowly as a wrong password; the
        account's owner elsewhere is not (``ServerState.login``)."""
        session = await state.login(form.identifier, form.password, client_address(request))
        return Session(token=await state.tokens.issue(session), patron=session.patron)

    async def logout(
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    ) -> Response:
        """End the token (and its engine session). A token that already ended is fine."""
        if credentials is not None:
            ended = await state.tokens.revoke(credentials.credentials)
            if ended is not None:
                await engine.logout(ended)
        return Response(status_code=204)

    reset_requests = RateLimit(state.settings.reset_requests_per_address,
                               state.settings.login_window_seconds, state.now)

    async def request_password_reset(form: ResetRequest, request: Request) -> Response:
        """Anyone may ask, so each client address gets ``reset_requests_per_address``
        codes per window (the engine counts each identifier too)."""
        wait = reset_requests.hit(client_address(request))
        if wait is not None:
            raise TooManyAttempts(seconds=math.ceil(wait))
        await engine.request_password_reset(form.identifier)
        return Response(status_code=204)

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

    lists_to = RateLimit(state.settings.lists_per_recipient, HOUR, state.now)
    lists_from = RateLimit(state.settings.lists_per_address, HOUR, state.now)

    async def send_list(form: ListForm, request: Request):
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

    async def outbox():
        """Every e-mail the service sent: only when the server is set to show it
        (``expose_outbox``, the demo and tests), 403 otherwise."""
        if not state.settings.expose_outbox:
            raise Forbidden()
        return await engine.outbox()

    maintenance_key = issue_key(state.settings)
    app.state.maintenance_key = maintenance_key

    async def expire_holds(
        key: Annotated[str | None, Header(alias=KEY_HEADER, max_length=200,
                                          description="The key the server wrote next to "
                                          "its database (mana expire-holds reads it).")] = None,
    ):
        """Only for the administrator's ``mana expire-holds`` (the maintenance
        key, ``services.server.maintenance``): the answer names patrons' holds."""
        if not allows(maintenance_key, key):
            raise Forbidden()
        return await engine.expire_holds()

    return {endpoint.__name__: endpoint for endpoint in (
        login, logout, request_password_reset, reset_password, send_list, outbox, expire_holds,
    )}
