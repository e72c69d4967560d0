"""Who a write comes from, for its ``Idempotency-Key`` (``IdempotencyMiddleware``).

A route that takes the bearer token (its dependencies hold FastAPI's
``HTTPBearer``) acts for the patron of a live token: its writes belong to
``patron:<id>``, the same after a new login; without a live token the
caller is answered 401 before its key is even looked at. A route that
takes no token (the list e-mail, the password codes) belongs to the patron
when a live token comes anyway, else to ``address:<client>``, the client as
the login limits see it (``state.client_address``). A POST no route serves
belongs to nobody: its 404 or 405 is not remembered.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials
from fastapi.security.base import SecurityBase
from fastapi.security.utils import get_authorization_scheme_param
from starlette.requests import Request
from starlette.routing import Match
from starlette.types import Scope

from services.errors import NotAuthenticated
from services.models import Session
from services.server.middleware import Callers
from services.server.state import ServerState, client_address


def callers(app: FastAPI, state: ServerState) -> Callers:
    """The ``Callers`` of ``app``'s routes, with the tokens of ``state``."""
    takes_token: dict[int, bool] = {}
    """By ``id(route)`` (routes do not hash; they live as long as the app)."""

    async def caller(scope: Scope) -> str | None:
        route = next((r for r in app.router.routes if r.matches(scope)[0] is Match.FULL), None)
        if route is None:
            return None
        if id(route) not in takes_token:
            takes_token[id(route)] = isinstance(route, APIRoute) and _asks_token(route.dependant)
        request = Request(scope)
        session = await _session(state, request.headers.get("authorization"),
                                 required=takes_token[id(route)])
        if session is not None:
            return f"patron:{session.patron.id}"
        return f"address:{client_address(request)}"

    return caller


async def _session(state: ServerState, authorization: str | None, required: bool) -> Session | None:
    """The live session of the ``Authorization`` header, read as ``HTTPBearer``
    reads it. ``required``: raise ``NotAuthenticated`` instead of None."""
    scheme, token = get_authorization_scheme_param(authorization)
    credentials = (HTTPAuthorizationCredentials(scheme=scheme, credentials=token)
                   if scheme and token else None)
    try:
        return await state.session(credentials)
    except NotAuthenticated:
        if required:
            raise
        return None


def _asks_token(dependant: Dependant) -> bool:
    """Whether a security scheme (the bearer token) is among the route's
    dependencies, at any depth."""
    waiting = [dependant]
    while waiting:
        current = waiting.pop()
        if isinstance(current.call, SecurityBase):
            return True
        waiting.extend(current.dependencies)
    return False
