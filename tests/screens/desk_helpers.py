"""Helpers for the desk's Pilot tests: the real ``DeskApp`` on the demo region
(the fixed clock of ``conftest.py``), logging staff in by keyboard, and
finding demo copies in a given situation through the service itself.

A test module makes its ``make_desk_app`` fixture with ``desk_app_factory(service)``.
"""

from __future__ import annotations

from collections.abc import Callable

from textual import events
from textual.pilot import Pilot

from services.models import CopyView, OfferKind, SearchQuery, Session
from services.protocol import LibraryService
from tests.screens.account_helpers import log_in, settle
from tui.config import KioskConfig
from tui.desk import DeskApp

PASSWORD = "demo1234"
STAFF = "staff-aizk"
"""The librarian of the demo library with something in every queue (Aizkraukle)."""
OTHER_STAFF = "staff-kokn"
"""Koknese: two reservations and a free request, no renewals."""


def desk_app_factory(service: LibraryService) -> Callable[..., DeskApp]:
    """Build the real ``DeskApp`` on ``service``: ``build(language="en")``;
    ``service_override=`` puts another service in (a slow one, a spy)."""

    def build(
        language: str = "lv", service_override: LibraryService | None = None, **kiosk: object
    ) -> DeskApp:
        config = KioskConfig.model_validate(
            {"kiosk": {"language": language, "profile": "desk", **kiosk}}
        )
        return DeskApp(service=service_override or service, config=config)

    return build


async def desk_login(pilot: Pilot, username: str = STAFF, password: str = PASSWORD) -> None:
    """From the start of the app: log in at the desk and wait for the desk."""
    pilot.app.animation_level = "none"
    await settle(pilot)
    await log_in(pilot, username, password)
    await settle(pilot)


async def scan(pilot: Pilot, *codes: str) -> None:
    """Type ``codes`` the way a barcode scanner does: every character and each
    Enter posted at once, without waiting for the app in between."""
    app = pilot.app
    for code in codes:
        for char in code:
            app.post_message(events.Key(char, char))
        app.post_message(events.Key("enter", "\r"))
    await settle(pilot)


async def copies_of(
    service, library_id: str, want: Callable[[CopyView], bool], count: int = 1
) -> list[CopyView]:
    """``count`` copies of ``library_id`` for which ``want`` holds, asked from
    the service's catalog (as a librarian would look them up)."""
    found: list[CopyView] = []
    offset = 0
    while len(found) < count:
        page = await service.search(SearchQuery(library_id=library_id, offset=offset, limit=50))
        if not page.items:
            break
        for hit in page.items:
            copies = await service.copies(hit.id, limit=200)
            found += [c for c in copies.items if c.item.library_id == library_id and want(c)]
            if len(found) >= count:
                break
        offset += len(page.items)
    assert len(found) >= count, f"not enough copies at {library_id}"
    return found[:count]


def lendable(view: CopyView) -> bool:
    return view.offer.kind is OfferKind.ORDER and view.offer.queue_length == 0


def reading_room(view: CopyView) -> bool:
    return view.offer.kind is OfferKind.READING_ROOM


async def staff_session(service, username: str = STAFF) -> Session:
    return await service.login(username, PASSWORD)
