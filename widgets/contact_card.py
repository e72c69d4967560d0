"""One library's contacts (R16): name, address, phone, e-mail, opening hours."""

from __future__ import annotations

import re

from textual.content import Content
from textual.widgets import Static

from services.models import Library
from tui.i18n import texts, tr
from tui.safe import clean

texts(
    {
        "contact.address": ("Adrese", "Address"),
        "contact.phone": ("Tālrunis", "Phone"),
        "contact.email": ("E-pasts", "E-mail"),
        "contact.hours": ("Darba laiks", "Opening hours"),
        "contact.website": ("Mājaslapa", "Website"),
    }
)


_DAYS = {"P": "Mon", "O": "Tue", "T": "Wed", "C": "Thu", "Pk": "Fri", "S": "Sat", "Sv": "Sun"}
_DAY = re.compile(r"(?<!\w)(Pk|Sv|P|O|T|C|S)\.")
_WORDS = {"pusdienas": "lunch", "slēgts": "closed", "brīvdiena": "closed"}
_WORD = re.compile(r"(?<!\w)(" + "|".join(_WORDS) + r")(?!\w)", re.IGNORECASE)


def hours_text(hours: str, language: str) -> str:
    """Opening hours as the library writes them ("P.–Pk. 9.00–18.00"), in
    English with English days ("Mon–Fri 9.00–18.00")."""
    if language != "en":
        return hours
    hours = _DAY.sub(lambda m: _DAYS[m.group(1)], hours)
    return _WORD.sub(lambda m: _WORDS[m.group(1).lower()], hours)


def contact_lines(library: Library, language: str) -> Content:
    """The library's name and its contacts as labelled lines (plain data)."""
    contacts = library.contacts
    lines = [Content.from_markup("[b]$name[/]", name=clean(library.name, newlines=False))]
    for key, value in (
        ("contact.address", contacts.address),
        ("contact.phone", contacts.phone),
        ("contact.email", contacts.email),
        ("contact.hours", hours_text(contacts.hours, language)),
        ("contact.website", contacts.website),
    ):
        if value:
            lines.append(
                Content.from_markup("$label: $value", label=tr(key, language), value=clean(value))
            )
    return Content("\n").join(lines)


class ContactCard(Static):
    """A library's contacts in a bordered box, in the app's language (and again
    when it changes)."""

    DEFAULT_CSS = """
    ContactCard {
        height: auto;
        border: round $primary-lighten-2;
        padding: 0 1;
    }
    """

    def __init__(self, library: Library, language: str, *, id: str | None = None) -> None:
        super().__init__(contact_lines(library, language), id=id)
        self.library = library

    def on_mount(self) -> None:
        self.watch(self.app, "language", self.relabel, init=False)

    def relabel(self, language: str) -> None:
        self.update(contact_lines(self.library, language))
