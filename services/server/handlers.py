"""Exception handlers: every failure becomes a JSON ``ErrorBody`` with a status.

The package's errors keep their class's status (``wire.STATUS``); FastAPI's
validation errors become 422 ``invalid_input`` with a sentence naming the
field; unknown paths and methods get 404/405 in the same shape. Anything else
is a bug: it is logged and answered with 500.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from services.errors import ManaError, NotAuthenticated, NotFound
from services.server.wire import INTERNAL, ErrorBody, body_of, status_of

log = logging.getLogger("mana.server")

WHERE = {"body": "", "query": "", "path": "", "header": ""}


def error_response(status: int, body: ErrorBody, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(body.model_dump(mode="json", exclude_none=True), status, headers=headers)


BAD_BODY = ErrorBody(code="invalid_input", field="body",
                     lv="Pieprasījuma saturs nav derīgs JSON.",
                     en="The request body is not valid JSON.")


def describe_validation(errors: list[Any]) -> ErrorBody:
    """The first validation problem as a sentence for a person."""
    first = errors[0] if errors else {"type": "", "loc": (), "msg": ""}
    loc = [str(part) for part in first.get("loc", ())]
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
    message = str(first.get("msg", "")).rstrip(".")
    if kind == "missing":
        lv, en = f"Trūkst lauka “{field}”.", f"The field “{field}” is missing."
    elif kind == "extra_forbidden":
        lv, en = f"Nezināms lauks “{field}”.", f"Unknown field “{field}”."
    else:
        lv = f"Lauka “{field}” vērtība nav derīga."
        en = f"The value of “{field}” is not valid: {message}."
    return ErrorBody(code="invalid_input", field=field, lv=lv, en=en)


def install(app: FastAPI) -> None:
    @app.exception_handler(ManaError)
    async def mana_error(request: Request, error: ManaError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if isinstance(error, NotAuthenticated) else None
        return error_response(status_of(error), body_of(error), headers)

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
            body = ErrorBody(code="method_not_allowed",
                             lv="Šī metode šeit nav atļauta.",
                             en="This method is not allowed here.")
            return error_response(405, body, dict(error.headers or {}))
        body = ErrorBody(code="http_error", lv=str(error.detail), en=str(error.detail))
        return error_response(error.status_code, body, dict(error.headers or {}))

    @app.exception_handler(Exception)
    async def bug(request: Request, error: Exception) -> JSONResponse:
        log.exception("unexpected error in %s %s", request.method, request.url.path)
        body = ErrorBody(code=INTERNAL, lv=ManaError.default_lv, en=ManaError.default_en)
        return error_response(500, body)
