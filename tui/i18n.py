"""Every visible string, in Latvian (default) and English (R15).

Each module registers its own strings with ``texts({...})``: a key and its
``(lv, en)`` pair. ``tr(key, language, **params)`` looks one up and fills
``{params}``. A test imports every UI module and checks that each key used in
the source is registered with both languages.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from services import text as service_text

LANGUAGES = ("lv", "en")

_TEXTS: dict[str, tuple[str, str]] = {}


def texts(entries: dict[str, tuple[str, str]]) -> dict[str, tuple[str, str]]:
    """Register ``entries`` (key → (lv, en)); returns them for the module's use."""
    for key, pair in entries.items():
        lv, en = pair
        if not lv or not en:
            raise ValueError(f"translation of {key!r} is missing a language")
        previous = _TEXTS.get(key)
        if previous is not None and previous != pair:
            raise ValueError(f"translation key {key!r} registered twice with different text")
        _TEXTS[key] = pair
    return entries


def registered() -> dict[str, tuple[str, str]]:
    return dict(_TEXTS)


def tr(key: str, language: str, /, **params: object) -> str:
    """The text of ``key`` in ``language`` with ``params`` filled in.

    An unknown key shows as itself (and a test fails on it).
    """
    pair = _TEXTS.get(key)
    if pair is None:
        return key
    text = pair[1] if language == "en" else pair[0]
    return text.format(**params) if params else text


def format_date(value: date | datetime | None) -> str:
    """DD.MM.GGGG in both languages, as the libraries write it."""
    return "" if value is None else service_text.format_date(value)


def format_datetime(value: datetime | None) -> str:
    if value is None:
        return ""
    return value.strftime("%d.%m.%Y %H:%M")


def format_money(amount: Decimal, language: str) -> str:
    """``0,30 €`` in Latvian, ``€0.30`` in English."""
    return service_text.format_money(amount, language)


texts(
    {
        "app.title": ("Mana bibliotēka", "My Library"),
        "app.subtitle": ("Aizkraukles novada bibliotēku kopkatalogs", "Aizkraukle region union catalog"),
        "key.contacts": ("Kontakti", "Contacts"),
        "key.language": ("English", "Latviski"),
        "key.account": ("Mana bibliotēka", "My Library"),
        "key.list": ("Saraksts", "List"),
        "key.login": ("Pieslēgties", "Log in"),
        "key.logout": ("Iziet", "Log out"),
        "key.back": ("Atpakaļ", "Back"),
        "key.catalog": ("e-katalogs", "Catalog"),
        "error.offline": (
            "Bibliotēkas serviss nav sasniedzams. Katalogs var nebūt pieejams; mēģinām vēlreiz.",
            "The library service cannot be reached. The catalog may be unavailable; retrying.",
        ),
        "error.unexpected": (
            "Notika neparedzēta kļūda. Lūdzu, mēģiniet vēlreiz vai sazinieties ar bibliotēku.",
            "Something unexpected happened. Please try again or contact the library.",
        ),
        "error.session_ended": (
            "Sesija ir beigusies. Lūdzu, pieslēdzieties vēlreiz.",
            "Your session has ended. Please log in again.",
        ),
        "status.logged_in": ("Pieslēdzies: {name}", "Logged in: {name}"),
        "status.logged_out": ("Nav pieslēdzies", "Not logged in"),
        "status.loading": ("Notiek ielāde…", "Loading…"),
        "status.logged_out_done": ("Jūs esat izgājis no sistēmas.", "You have logged out."),
    }
)
