"""Exception handlers: every failure becomes a JSON ``ErrorBody`` with a status.

The package's errors keep their class's status (``wire.STATUS``); FastAPI's
validation errors become 422 ``invalid_input`` with a sentence naming the
field and what is wrong with it (a character that cannot be stored, a control
character, too long); unknown paths and methods get 404/405 in the same
shape. A database that does not answer (PostgreSQL restarted, a full
disk) is 503 with the usual sentence, like the engine's own
``ServiceUnavailable``. Anything else is a bug: it is logged and answered
with 500.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from services import rules
from services.errors import (
    ManaError,
    NotAuthenticated,
    NotFound,
    ServiceUnavailable,
    TooManyAttempts,
)
from services.server.wire import INTERNAL, ErrorBody, body_of, status_of
from services.text import clean, storable

log = logging.getLogger("mana.server")

WHERE = {"body": "", "query": "", "path": "", "header": ""}

UNSTORABLE = {"unstorable_text", "string_unicode"}
"""``models.line``/``free_text``'s check, and pydantic's own for a
constrained string holding an unpaired surrogate."""
TOO_LONG = {"string_too_long", "too_long"}


def error_response(status: int, body: ErrorBody,
                   headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(body.model_dump(mode="json", exclude_none=True), status, headers=headers)


BAD_BODY = ErrorBody(code="invalid_input", field="body",
                     lv="Pieprasījuma saturs nav derīgs JSON.",
                     en="The request body is not valid JSON.")


def describe_validation(errors: list[Any]) -> ErrorBody:
    """The first validation problem as a sentence for a person."""
    first = errors[0] if errors else {"type": "", "loc": (), "msg": ""}
    loc = [_shown(str(part)) for part in first.get("loc", ())]
    field = ".".join(loc[1:]) if loc and loc[0] in WHERE else ".".join(loc)
    kind = first.get("type", "")
    if kind == "json_invalid":
        return BAD_BODY
    if kind == "missing" and not field:
        return ErrorBody(code="invalid_input", field="body",
                         lv="Pieprasījumam trūkst satura.",
                         en="The request body is missing.")
    if not field:
        field = "body"
    message = _shown(str(first.get("msg", ""))).rstrip(".")
    if kind == "missing":
        lv, en = f"Trūkst lauka “{field}”.", f"The field “{field}” is missing."
    elif kind == "extra_forbidden":
        lv, en = f"Nezināms lauks “{field}”.", f"Unknown field “{field}”."
    elif kind in UNSTORABLE:
        lv = f"Laukā “{field}” ir rakstzīme, ko nevar saglabāt."
        en = f"The field “{field}” holds a character that cannot be stored."
    elif kind == "control_character":
        lv = f"Laukā “{field}” ir vadības rakstzīme (piemēram, NUL vai tabulēšana)."
        en = f"The field “{field}” holds a control character (such as NUL or a tab)."
    elif kind in TOO_LONG:
        lv, en = _too_long(field, first.get("ctx") or {})
    else:
        lv = f"Lauka “{field}” vērtība nav derīga."
        en = f"The value of “{field}” is not valid: {message}."
    return ErrorBody(code="invalid_input", field=field, lv=lv, en=en)


def _shown(text: str) -> str:
    """``text`` (an unknown field's name is the client's) as it can be sent
    back: a character UTF-8 cannot hold as ``\\udXXX``, no control characters."""
    if not storable(text):
        text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return clean(text)[:200]


def _too_long(field: str, ctx: dict[str, Any]) -> tuple[str, str]:
    limit = ctx.get("max_length", "?")
    if ctx.get("field_type") == "List":
        return (f"Laukā “{field}” drīkst būt ne vairāk kā {limit} elementi.",
                f"The field “{field}” may hold at most {limit} items.")
    return (f"Laukā “{field}” drīkst būt ne vairāk kā {limit} rakstzīmes.",
            f"The field “{field}” may hold at most {limit} characters.")


LONGEST_WAIT = int(rules.LOGIN_WINDOW.total_seconds())
"""The wait a ``TooManyAttempts`` that does not say its own is answered with:
the window of the engine's limits, after which every one of them has opened."""


def _retry_after(error: TooManyAttempts) -> tuple[TooManyAttempts, dict[str, str]]:
    """Every 429 says how long to wait: in ``Retry-After`` and in its sentence."""
    if error.seconds is None:
        error = TooManyAttempts(seconds=LONGEST_WAIT)
    return error, {"Retry-After": str(error.seconds)}


def allowed_methods(request: Request) -> str:
    """``Allow`` for the request's path: every method a route serves there,
    and OPTIONS. (Starlette's 405 names the methods of the first route whose
    path matched, so a path with a GET and a POST route said "GET" alone.)"""
    methods = {"OPTIONS"}
    for route in request.app.router.routes:
        match, _ = route.matches(request.scope)
        if match is not Match.NONE:
            methods |= set(getattr(route, "methods", None) or ())
    return ", ".join(sorted(methods))


def refusal_response(error: ManaError) -> JSONResponse:
    """The answer to one of the package's errors (also what an idempotency
    record of a refused write keeps, ``services.server.idempotency``)."""
    headers = {"WWW-Authenticate": "Bearer"} if isinstance(error, NotAuthenticated) else None
    if isinstance(error, TooManyAttempts):
        error, headers = _retry_after(error)
    return error_response(status_of(error), body_of(error), headers)


def install(app: FastAPI) -> None:
    @app.exception_handler(ManaError)
    async def mana_error(request: Request, error: ManaError) -> JSONResponse:
        return refusal_response(error)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, error: RequestValidationError) -> JSONResponse:
        return error_response(422, describe_validation(list(error.errors())))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
        if error.status_code == 404:
            return error_response(404, body_of(NotFound()))
        if error.status_code == 400:  # FastAPI: a body it could not read (not UTF-8 …)
            return error_response(422, BAD_BODY)
        if error.status_code == 405:
            allow = {"Allow": allowed_methods(request)}
            if request.method == "OPTIONS":  # the path is there: say what it takes
                return Response(status_code=204, headers=allow)
            body = ErrorBody(code="method_not_allowed",
                             lv="Šī metode šeit nav atļauta.",
                             en="This method is not allowed here.")
            return error_response(405, body, allow)
        body = ErrorBody(code="http_error", lv=str(error.detail), en=str(error.detail))
        return error_response(error.status_code, body, dict(error.headers or {}))

    @app.exception_handler(SQLAlchemyError)
    async def database_away(request: Request, error: SQLAlchemyError) -> JSONResponse:
        log.warning("the database did not answer %s %s: %s", request.method, request.url.path,
                    str(getattr(error, "orig", None) or error).strip()[:200])
        return error_response(503, body_of(ServiceUnavailable()))

    @app.exception_handler(Exception)
    async def bug(request: Request, error: Exception) -> JSONResponse:
        log.exception("unexpected error in %s %s", request.method, request.url.path)
        body = ErrorBody(code=INTERNAL, lv=ManaError.default_lv, en=ManaError.default_en)
        return error_response(500, body)
