"""Hostile text and a region full of it, for the "outside text is data" tests.

``hostile_region(h)`` is the small test region of ``tests/services/fixtures``
with ``h`` put into every piece of text that comes from outside: record
titles, authors, publishers, descriptions, subjects and sources, the other
fields of a record (responsibility, edition, notes, links …), shelf marks,
library names, collections and contacts, a patron's name, loan, reservation
and free-request notes and fields. Each field starts with a tag such as
``[b]T[/b]`` so a test can see that markup shows as written.

``HostileService`` answers a login attempt for ``hostile`` with an error whose
sentence is ``h`` (the error text of a misbehaving server).
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.segment import Segment
from textual.app import App

from services.errors import InvalidCredentials
from services.memory import MemoryService
from services.models import Link, Session
from services.region import RegionData
from tests.services import fixtures

FRAGMENTS = (
    "[bold]", "[/]", "[/bold]", "[@click=app.quit]x[/]", "[@click=app.show_list]L[/]",
    "[link=file:///etc/passwd]p[/link]", "[link='https://evil.example']e[/link]",
    "\x1b[2J", "\x1b]0;title\x07", "\x1b]52;c;SGFja2Vk\x07", "\x1b[6n", "\x1bP+q\x1b\\",
    "\x9b31m", "\x9d0;t\x9c", "\u202e", "\u2066", "\u200b", "\ufeff", "\x00", "\x07", "\x7f",
    "\n", "\r", "\t", "\r\n", "$x", "{0}", "{name}", "%s", "\\", "[", "]", "[[", "]]",
    ":smile:", "🙂", "Ķēniņš", "漢字", "\u0301",
)
"""Pieces of trouble: Rich/Textual markup and actions, links, CSI/OSC/DCS
escape sequences (clear screen, window title, clipboard, queries), C1
controls, bidi and invisible characters, newlines, format placeholders,
wide and combining characters."""

KITCHEN_SINK = "".join(FRAGMENTS)

INJECTED_SEQUENCES = (
    b"\x1b]0;title", b"\x1b]52;c;SGFja2Vk", b"\x1b[2J", b"\x1b[6n", b"\x1bP+q",
    "\x9b31m".encode(), "\x9d0;t".encode(), b"\xc2\x9b", b"\xc2\x9d",
    "\u202e".encode(), "\u2066".encode(),
)
"""Byte sequences from the data that must never reach the terminal."""

CONTROL = {chr(c) for c in (*range(0x09), *range(0x0B, 0x20), *range(0x7F, 0xA0))} | {
    "\u202e", "\u2066", "\u200b", "\ufeff", "\u061c", "\u2028", "\u2029",
}
"""Characters that must not be on the screen (tab/newline never are either: a
screen is cells)."""


def tagged(tag: str, h: str) -> str:
    return f"[b]{tag}[/b]{h}"


def hostile_region(h: str) -> RegionData:
    """The fixture region with ``h`` in every outside text (see module doc)."""
    region = fixtures.build_region()

    def upd(model, **fields):  # type: ignore[no-untyped-def]
        return model.model_copy(update=fields)

    region.name = tagged("N", h)
    region.records = [
        upd(r, title=tagged(f"T{r.id}", h), authors=[tagged("A", h), "Otrs, " + h],
            publisher=tagged("P", h), description=tagged("D", h) + "\n" + h * 3,
            subjects=[tagged("S", h)], source=tagged("Src", h) if r.source else "",
            responsibility=tagged("Re", h), edition=tagged("Ed", h), physical=tagged("Ph", h),
            series=[tagged("Se", h)], notes=[tagged("No", h)], contents=tagged("Co", h),
            links=[Link(url=tagged("U", h), label=tagged("La", h))])
        for r in region.records
    ]
    region.copies = [upd(c, shelf_mark=tagged("M", h)) for c in region.copies]
    region.libraries = [
        upd(lib, name=tagged(f"L{lib.id}", h), short_name=tagged("SL", h),
            collections=[upd(c, name_lv=tagged("C", h), name_en=tagged("C", h))
                         for c in lib.collections],
            contacts=upd(lib.contacts, address=tagged("Adr", h), phone=tagged("Tel", h),
                         email=tagged("E", h), hours=tagged("H", h), website=tagged("W", h)))
        for lib in region.libraries
    ]
    region.accounts = [
        upd(a, patron=upd(a.patron, name=tagged("Vārds", h))) for a in region.accounts
    ]
    region.loans = [upd(loan, last_renewal_note=tagged("RN", h)) for loan in region.loans]
    region.reservations = [upd(r, note=tagged("RZ", h)) for r in region.reservations]
    region.free_requests = [
        upd(f, author=tagged("FA", h), title=tagged("FT", h), year=tagged("FY", h),
            info=tagged("FI", h), note=tagged("FN", h))
        for f in region.free_requests
    ]
    return RegionData.model_validate(region.model_dump())


class HostileService(MemoryService):
    """A service whose error sentences are hostile too."""

    def __init__(self, h: str, **kwargs: object) -> None:
        super().__init__(region=hostile_region(h), **kwargs)  # type: ignore[arg-type]
        self.hostile = h

    async def login(self, identifier: str, password: str) -> Session:
        if identifier == "hostile":
            raise InvalidCredentials(tagged("ERR", self.hostile), tagged("ERR", self.hostile))
        return await super().login(identifier, password)


# ------------------------------------------------------------- the screen


def segments(app: App) -> Iterable[Segment]:
    """Every segment on the terminal right now (dialogs and toasts included)."""
    update = app.screen._compositor.render_update(
        full=True, screen_stack=app._background_screens
    )
    for line in update.strips:
        for strip in line:
            yield from strip


def check_screen(app: App) -> str:
    """Assert what must hold on any screen showing hostile data; return its text.

    No control character is on the screen, and no piece of it is a link or a
    clickable action (the app's own UI has neither)."""
    parts = []
    for segment in segments(app):
        if segment.control:
            continue
        text = segment.text
        bad = CONTROL.intersection(text)
        assert not bad, f"control characters {bad!r} on screen in {text!r}"
        style = segment.style
        if style is not None:
            assert not style.link, f"a link on screen: {style.link!r} over {text!r}"
            meta = style.meta or {}
            assert "@click" not in meta, f"an action on screen: {meta!r} over {text!r}"
        parts.append(text)
    return "".join(parts)
