"""What travels between the server and ``RemoteService``: the error body.

Both sides use this module, so an error leaves the engine, crosses HTTP and
is raised again in the kiosk as the same class with the same sentences. It
imports neither FastAPI nor httpx (the kiosk imports it at start).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from services.errors import (
    Conflict,
    Forbidden,
    InvalidCode,
    InvalidCredentials,
    InvalidInput,
    ManaError,
    NotAuthenticated,
    NotFound,
    Refused,
    ServiceUnavailable,
    TooManyAttempts,
)
from services.models import Refusal

STATUS: dict[type[ManaError], int] = {
    NotFound: 404,
    InvalidCredentials: 401,
    NotAuthenticated: 401,
    Forbidden: 403,
    InvalidInput: 422,
    InvalidCode: 400,
    Refused: 409,
    Conflict: 409,
    TooManyAttempts: 429,
    ServiceUnavailable: 503,
}
"""The HTTP status of each of the package's errors."""

BY_CODE: dict[str, type[ManaError]] = {cls.code: cls for cls in STATUS}

TOO_LARGE = "too_large"
INTERNAL = "internal"
IDEMPOTENCY_HEADER = "Idempotency-Key"
CLIENT_HEADER = "X-Mana-Client"
"""Which terminal or SSH connection a request comes from (the kiosk's
``[service] terminal_id``, or one random name per kiosk process); the server
believes it only from ``[server] trusted_proxies``."""


class ErrorBody(BaseModel):
    """The JSON body of every error answer.

    ``code`` is stable and meant for programs; ``lv``/``en`` are the sentence
    for the patron; ``field`` names the bad field of an ``invalid_input``;
    ``refusal`` is the rules' answer of a ``refused``; ``retry_after`` the
    seconds a ``too_many_attempts`` must wait (also the ``Retry-After`` header).
    """

    model_config = ConfigDict(extra="forbid")

    code: str
    lv: str
    en: str
    field: str | None = None
    refusal: Refusal | None = None
    retry_after: int | None = Field(default=None, ge=1)


def status_of(error: ManaError) -> int:
    for cls in type(error).__mro__:
        if cls in STATUS:
            return STATUS[cls]  # type: ignore[index]
    return 500


def body_of(error: ManaError) -> ErrorBody:
    """The JSON body the server sends for ``error``."""
    return ErrorBody(
        code=getattr(error, "code", "error"),
        lv=error.lv,
        en=error.en,
        field=error.field if isinstance(error, InvalidInput) else None,
        refusal=error.refusal if isinstance(error, Refused) else None,
        retry_after=error.seconds if isinstance(error, TooManyAttempts) else None,
    )


def error_from(status: int, data: Any) -> ManaError | None:
    """The package error an error answer stands for, or None when ``data`` is
    not a well-formed error body of a known code (the caller then treats the
    answer as a bad one)."""
    try:
        body = ErrorBody.model_validate(data)
    except ValidationError:
        return None
    if not body.lv.strip() or not body.en.strip():
        return None
    if status >= 500:
        return ServiceUnavailable(body.lv, body.en) if body.code in BY_CODE else None
    if body.code == TOO_LARGE:
        return InvalidInput("body", body.lv, body.en)
    cls = BY_CODE.get(body.code)
    if cls is None:
        return None
    if cls is InvalidInput:
        return InvalidInput(body.field or "", body.lv, body.en)
    if cls is Refused:
        if body.refusal is None:
            return None
        return Refused(body.refusal)
    if cls is TooManyAttempts:
        return TooManyAttempts(body.lv, body.en, seconds=body.retry_after)
    return cls(body.lv, body.en)
