"""SRU diagnostics (``info:srw/diagnostic/1/N``) as sentences for the patron.

A diagnostic about the patron's words (the query: numbers 10–50, and 60,
too many hits) is ``InvalidInput`` on the field ``text``: the patron can
change the words. Every other one says the catalogue cannot answer now
(``ServiceUnavailable``, which the kiosk retries): the server is down, or it
does not speak the SRU Mana asks for (version, record schema, database),
which staff must set right in kiosk.toml; its number is in the sentence, for
them. The server's own message is not shown: it is untranslated text from
elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass

from services.errors import InvalidInput, ManaError, ServiceUnavailable

PREFIX = "info:srw/diagnostic/1/"
OUT_OF_RANGE = 61
"""First record position out of range: a page past the end, not an error."""

UNREACHABLE = (
    "Nevar sazināties ar bibliotēkas katalogu. Pārbaudiet savienojumu vai mēģiniet vēlāk.",
    "The library's catalogue cannot be reached. Check the connection or try again later.",
)
SLOW = (
    "Bibliotēkas katalogs neatbild laikā. Mēģiniet vēlreiz pēc brīža.",
    "The library's catalogue is not answering in time. Try again in a moment.",
)
BAD_ANSWER = (
    "Bibliotēkas katalogs atbildēja nesaprotami. Mēģiniet vēlāk vai sazinieties ar bibliotēku.",
    "The library's catalogue gave an answer Mana cannot read. Try again later or contact "
    "the library.",
)
NO_DATABASE = (
    "Bibliotēkas katalogā nav norādītās datubāzes. Lūdzu, ziņojiet bibliotēkai "
    "(kiosk.toml [catalogue] database).",
    "The library's catalogue has no such database. Please tell the library "
    "(kiosk.toml [catalogue] database).",
)


@dataclass(frozen=True)
class Diagnostic:
    """One diagnostic as the server sent it."""

    uri: str
    details: str = ""
    message: str = ""

    @property
    def number(self) -> int | None:
        """N of ``info:srw/diagnostic/1/N``; None for another diagnostic set."""
        if not self.uri.startswith(PREFIX):
            return None
        tail = self.uri[len(PREFIX):]
        return int(tail) if tail.isdigit() else None


_QUERY: dict[int, tuple[str, str]] = {
    22: ("Kāds no vārdiem ir pārāk garš meklēšanai. Saīsiniet to.",
         "One of the words is too long to search for. Shorten it."),
    27: ("Meklēšanai vajag vismaz vienu vārdu.", "Type at least one word to search for."),
    28: ("Šis katalogs nemeklē pēc vārdu sākuma (*, ?). Ierakstiet pilnus vārdus.",
         "This catalogue does not search by the beginning of words (*, ?). Type whole words."),
    35: ("Meklējamie vārdi ir pārāk bieži sastopami. Pievienojiet kādu retāku vārdu.",
         "The words are too common to search for. Add a less common word."),
    38: ("Pārāk daudz meklējamo vārdu. Meklējiet ar mazāk vārdiem.",
         "Too many words to search for at once. Search with fewer words."),
    60: ("Atrasts pārāk daudz ierakstu. Pievienojiet vēl kādu vārdu.",
         "Too many records match. Add another word."),
}
_QUERY_OTHER = (
    "Katalogs nevar meklēt pēc šiem vārdiem (SRU diagnostika {n}). Mēģiniet citus vārdus.",
    "The catalogue cannot search for these words (SRU diagnostic {n}). Try other words.",
)
_SERVER: dict[int, tuple[str, str]] = {
    1: ("Bibliotēkas katalogā radās kļūda. Mēģiniet vēlāk.",
        "The library's catalogue had an error. Try again later."),
    2: ("Bibliotēkas katalogs pašlaik nav pieejams. Mēģiniet vēlāk.",
        "The library's catalogue is not available right now. Try again later."),
    3: ("Bibliotēkas katalogs neļauj Mana meklēt (autentifikācija). Lūdzu, ziņojiet bibliotēkai.",
        "The library's catalogue does not let Mana search (authentication). Please tell "
        "the library."),
    66: ("Bibliotēkas katalogs nedod ierakstus MARCXML formātā. Lūdzu, ziņojiet bibliotēkai.",
         "The library's catalogue does not give records as MARCXML. Please tell the library."),
    235: NO_DATABASE,
    236: ("Bibliotēkas katalogs neļauj piekļūt šai datubāzei. Lūdzu, ziņojiet bibliotēkai.",
          "The library's catalogue does not allow access to this database. Please tell "
          "the library."),
}
_SERVER[67] = _SERVER[66]
_SERVER_OTHER = (
    "Bibliotēkas katalogs atteica meklēšanu (SRU diagnostika {n}). Mēģiniet vēlāk vai "
    "sazinieties ar bibliotēku.",
    "The library's catalogue refused the search (SRU diagnostic {n}). Try again later or "
    "contact the library.",
)


def is_query_problem(number: int | None) -> bool:
    """Whether the diagnostic is about the patron's words (CQL, 10–50), or too many hits."""
    return number is not None and (10 <= number <= 50 or number == 60)


def error_for(diagnostic: Diagnostic) -> ManaError:
    """The error a diagnostic becomes, with its sentences."""
    n = diagnostic.number
    if is_query_problem(n):
        lv, en = _QUERY.get(n, _QUERY_OTHER)  # type: ignore[arg-type]
        return InvalidInput("text", lv.format(n=n), en.format(n=n))
    label = str(n) if n is not None else diagnostic.uri[:80]
    lv, en = _SERVER.get(n, _SERVER_OTHER) if n is not None else _SERVER_OTHER
    return ServiceUnavailable(lv.format(n=label), en.format(n=label))


def record_problem(diagnostic: Diagnostic) -> tuple[str, str]:
    """Why one record of a page could not be given (a surrogate diagnostic,
    e.g. 64 "record temporarily unavailable"), for its placeholder."""
    n = diagnostic.number
    label = str(n) if n is not None else diagnostic.uri[:80]
    return (f"Katalogs šo ierakstu nedeva (SRU diagnostika {label}).",
            f"The catalogue did not give this record (SRU diagnostic {label}).")
