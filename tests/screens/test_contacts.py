"""Contacts of every library, one key (F2) from every screen (R16)."""

from __future__ import annotations

from textual.containers import VerticalScroll

from screens.contacts import ContactsScreen
from screens.dialogs.order import OrderDialog
from services.demo_data import DEMO_PASSWORD
from services.models import OfferKind
from tests.screens.catalog_helpers import (
    find_copy,
    flat,
    move_to_copy,
    open_record,
    screen_text,
    settle,
)
from widgets.contact_card import ContactCard


async def _f2_shows_contacts_and_escape_returns(pilot) -> None:
    before = pilot.app.screen
    await pilot.press("f2")
    await settle(pilot)
    assert isinstance(pilot.app.screen, ContactsScreen)
    await pilot.press("escape")
    await pilot.pause()
    assert pilot.app.screen is before


async def test_contacts_show_every_library(make_app, service):
    libraries = await service.libraries()
    async with make_app().run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("f2")
        await settle(pilot)
        cards = list(pilot.app.screen.query(ContactCard))
        assert [card.library.id for card in cards] == [lib.id for lib in libraries]
        for card, library in zip(cards, libraries):
            text = str(card.render())
            assert library.name in text
            assert f"Adrese: {library.contacts.address}" in text
            assert f"Tālrunis: {library.contacts.phone}" in text
            assert f"E-pasts: {library.contacts.email}" in text
            if library.contacts.hours:
                assert f"Darba laiks: {library.contacts.hours}" in text


async def test_contacts_scroll_with_the_keyboard_at_80x24(make_app, service):
    libraries = await service.libraries()
    async with make_app().run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f2")
        await settle(pilot)
        box = pilot.app.screen.query_one("#contacts-list", VerticalScroll)
        assert pilot.app.screen.focused is box
        assert libraries[-1].name not in screen_text(pilot.app)
        await pilot.press("end")
        await pilot.pause()
        assert libraries[-1].name in screen_text(pilot.app)


async def test_f2_from_every_catalog_screen(make_app, service):
    record_id, _title, index, _view = await find_copy(service, OfferKind.ORDER)
    async with make_app().run_test(size=(80, 24)) as pilot:
        app = pilot.app
        await settle(pilot)
        await _f2_shows_contacts_and_escape_returns(pilot)  # the catalog
        await open_record(pilot, record_id)
        await _f2_shows_contacts_and_escape_returns(pilot)  # a record
        await pilot.press("f4")
        await settle(pilot)
        await _f2_shows_contacts_and_escape_returns(pilot)  # the list
        await pilot.press("escape")
        await settle(pilot)
        app.session = await service.login("anna", DEMO_PASSWORD)
        await move_to_copy(pilot, index)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, OrderDialog)
        await _f2_shows_contacts_and_escape_returns(pilot)  # a dialog
        # F2 on the contacts screen itself does not stack another one.
        await pilot.press("f2")
        await settle(pilot)
        await pilot.press("f2")
        await settle(pilot)
        assert sum(isinstance(s, ContactsScreen) for s in app.screen_stack) == 1


async def test_language_switch_relabels_the_contacts(make_app, service):
    libraries = await service.libraries()
    async with make_app().run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("f2")
        await settle(pilot)
        await pilot.press("f6")
        await settle(pilot)
        text = flat(screen_text(pilot.app))
        assert "Library contacts" in text
        assert f"Phone: {libraries[0].contacts.phone}" in text
        assert "Tālrunis" not in text
