"""The package's own errors. Nothing else leaves a service.

Every error carries a sentence for the patron in Latvian and English
(``text(language)``); adapters translate their transport's exceptions into
these at the boundary (``raise ServiceUnavailable(...) from e``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # a type hint only: the kiosk's first frame loads no pydantic
    from services.models import Refusal


class ManaError(Exception):
    """Base of every error a service raises."""

    code = "error"
    default_lv = "Notika kļūda. Lūdzu, mēģiniet vēlreiz vai sazinieties ar bibliotēku."
    default_en = "Something went wrong. Please try again or contact the library."

    def __init__(self, lv: str | None = None, en: str | None = None) -> None:
        self.lv = lv or self.default_lv
        self.en = en or self.default_en
        super().__init__(self.en)

    def text(self, language: str) -> str:
        """The sentence for the patron in ``language`` ("lv" or "en")."""
        return self.en if language == "en" else self.lv


class NotFound(ManaError):
    """The thing asked for does not exist, or is not this patron's."""

    code = "not_found"
    default_lv = "Nav atrasts."
    default_en = "Not found."


class InvalidCredentials(ManaError):
    """Unknown user or wrong password: the same answer for both."""

    code = "invalid_credentials"
    default_lv = (
        "Lietotājvārds vai parole nav pareizi. Ja parole nedarbojas, "
        "sazinieties ar bibliotēku vai izmantojiet paroles atjaunošanu."
    )
    default_en = (
        "The username or password is not correct. If your password does not work, "
        "contact the library or use password recovery."
    )


class TooManyAttempts(ManaError):
    """Too many failed attempts from here: try again in ``seconds`` (the HTTP
    answer's ``Retry-After``); the sentence says how long."""

    code = "too_many_attempts"
    default_lv = "Pārāk daudz mēģinājumu. Lūdzu, uzgaidiet brīdi un mēģiniet vēlreiz."
    default_en = "Too many attempts. Please wait a moment and try again."

    def __init__(
        self, lv: str | None = None, en: str | None = None, *, seconds: int | None = None
    ) -> None:
        self.seconds = max(1, int(seconds)) if seconds is not None else None
        if self.seconds is not None and lv is None and en is None:
            lv_wait, en_wait = _wait(self.seconds)
            lv = f"Pārāk daudz mēģinājumu. Mēģiniet vēlreiz pēc {lv_wait}."
            en = f"Too many attempts. Try again in {en_wait}."
        super().__init__(lv, en)


def _wait(seconds: int) -> tuple[str, str]:
    """``seconds`` as the patron reads it: "45 s" under a minute, else whole
    minutes rounded up ("4 min")."""
    if seconds < 60:
        return f"{seconds} s", f"{seconds} s"
    minutes = -(-seconds // 60)
    return f"{minutes} min", f"{minutes} min"


class NotAuthenticated(ManaError):
    """No session, or it expired or was revoked: log in again."""

    code = "not_authenticated"
    default_lv = "Sesija ir beigusies. Lūdzu, pieslēdzieties vēlreiz."
    default_en = "Your session has ended. Please log in again."


class Forbidden(ManaError):
    """The account may not do this (a patron on a staff operation, another library's staff)."""

    code = "forbidden"
    default_lv = "Šī darbība jums nav atļauta."
    default_en = "You are not allowed to do this."


class InvalidInput(ManaError):
    """A field of a form is missing or malformed; ``field`` names it."""

    code = "invalid_input"

    def __init__(self, field: str, lv: str, en: str) -> None:
        self.field = field
        super().__init__(lv, en)


class InvalidCode(ManaError):
    code = "invalid_code"
    default_lv = "Kods nav pareizs vai ir novecojis. Pieprasiet jaunu kodu."
    default_en = "The code is not correct or has expired. Ask for a new code."


class Refused(ManaError):
    """The rules say no; ``refusal`` is the answer with its reason code."""

    code = "refused"

    def __init__(self, refusal: Refusal) -> None:
        self.refusal = refusal
        super().__init__(refusal.lv, refusal.en)


class Conflict(ManaError):
    """The thing changed meanwhile (e.g. already processed by someone else)."""

    code = "conflict"
    default_lv = "Šis ieraksts jau ir apstrādāts. Atjaunojiet sarakstu."
    default_en = "This has already been processed. Refresh the list."


class ServiceUnavailable(ManaError):
    """The library service cannot be reached or answered badly."""

    code = "unavailable"
    default_lv = "Bibliotēkas serviss pašlaik nav pieejams. Mēģiniet vēlāk."
    default_en = "The library service is not available right now. Try again later."
