"""Labels follow the language by themselves (issue 12): after F6 the fields'
placeholders and titles, the tabs (with their counts), the dialogs' texts and
buttons are in English, and after F6 again in Latvian. Also: a session that
has ended leaves nothing of the patron on any screen, and the desk names the
staff's library on top."""

from __future__ import annotations

from textual.widgets import Button, Checkbox, Input, Select, TabbedContent

from screens.account import AccountScreen
from screens.catalog import CatalogScreen
from screens.desk.patron_account import PatronAccountScreen
from screens.dialogs.order import OrderDialog
from services.demo_data import DEMO_PASSWORD
from services.models import OfferKind
from tests.screens.account_helpers import flat_text, log_in, settle
from tests.screens.catalog_helpers import find_copy, move_to_copy, open_record
from tests.screens.desk_helpers import desk_app_factory, desk_login, staff_session
from widgets.desk_tabs import DeskTabs

PATRON = "anna"


def tab_labels(tabs: TabbedContent, ids: tuple[str, ...]) -> list[str]:
    return [tabs.get_tab(tab).label.plain for tab in ids]


def buttons(app) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {b.id or "": str(b.label) for b in app.screen.query(Button) if b.display}


async def test_f6_turns_the_catalog_fields_to_english_and_back(make_app) -> None:
    async with make_app().run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, CatalogScreen)
        search = screen.query_one("#search", Input)

        def fields() -> tuple[str, str, str, str, str]:
            return (
                search.placeholder, str(search.border_title),
                str(screen.query_one("#library", Select).border_title),
                str(screen.query_one("#type", Select).border_title),
                str(screen.query_one("#available", Checkbox).label),
            )

        latvian = ("vārds, nosaukums, autors, tēma vai ISBN", "Meklēt", "Bibliotēka", "Veids",
                   "Pieejams tagad")
        assert fields() == latvian
        await pilot.press("f6")
        await settle(pilot)
        assert fields() == ("word, title, author, subject or ISBN", "Search", "Library", "Type",
                            "Available now")
        await pilot.press("f6")
        await settle(pilot)
        assert fields() == latvian


async def test_f6_turns_the_account_tabs_to_english_and_back(make_app) -> None:
    async with make_app().run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("f3")
        await settle(pilot)
        await log_in(pilot, "liga", DEMO_PASSWORD)
        screen = pilot.app.screen
        assert isinstance(screen, AccountScreen)
        tabs = screen.query_one(TabbedContent)
        ids = ("reserved", "requests", "loans", "history")
        latvian = ["Rezervētie", "Brīvie pieprasījumi", "Izsniegumi", "Izlasītās"]
        assert tab_labels(tabs, ids) == latvian
        await pilot.press("f6")
        await settle(pilot)
        assert tab_labels(tabs, ids) == ["Reserved", "Free requests", "Loans", "Read"]
        await pilot.press("f6")
        await settle(pilot)
        assert tab_labels(tabs, ids) == latvian


async def test_f6_turns_the_order_dialog_to_english_and_back(make_app, service) -> None:
    record_id, _title, index, view = await find_copy(service, OfferKind.QUEUE, with_due=True)
    async with make_app().run_test(size=(100, 40)) as pilot:
        app = pilot.app
        app.session = await service.login(PATRON, DEMO_PASSWORD)
        await open_record(pilot, record_id)
        await move_to_copy(pilot, index)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, OrderDialog)
        queue = view.offer.queue_length
        assert buttons(app) == {"confirm": "Iestāties rindā", "close": "Atcelt"}
        assert f"Rindā jau gaida: {queue}" in flat_text(app)
        await pilot.press("f6")
        await settle(pilot)
        assert buttons(app) == {"confirm": "Join the queue", "close": "Cancel"}
        text = flat_text(app)
        assert f"Already waiting: {queue}" in text and "PLEASE NOTE" in text
        assert "Rindā jau gaida" not in text
        await pilot.press("f6")
        await settle(pilot)
        assert buttons(app) == {"confirm": "Iestāties rindā", "close": "Atcelt"}
        assert "UZMANĪBU!" in flat_text(app)
        await pilot.press("enter")  # "Iestāties rindā"
        await settle(pilot)
        assert buttons(app) == {"close": "Labi"}
        await pilot.press("f6")
        await settle(pilot)
        assert buttons(app) == {"close": "OK"}
        assert f"You are number {queue + 1} in the queue." in flat_text(app)


async def test_f6_turns_the_desk_tabs_and_their_counts_to_english_and_back(service) -> None:
    staff = await staff_session(service)
    waiting = len(await service.staff_reservations(staff))
    async with desk_app_factory(service)().run_test(size=(120, 40)) as pilot:
        await desk_login(pilot)
        app = pilot.app
        bar = app.screen.query_one(DeskTabs)
        assert bar.label("reservations") == f"Rezervācijas ({waiting})"
        assert bar.label("checkout") == "Izsniegšana"
        await pilot.press("f6")
        await settle(pilot)
        assert bar.label("reservations") == f"Reservations ({waiting})"
        assert bar.label("checkout") == "Check-out"
        assert f"1 Reservations ({waiting})" in flat_text(app)
        await pilot.press("f6")
        await settle(pilot)
        assert bar.label("reservations") == f"Rezervācijas ({waiting})"
        assert "Aizkraukle" in flat_text(app), "the staff's library is named on top"


async def test_f6_turns_a_patron_account_at_the_desk_to_english_and_back(service) -> None:
    staff = await staff_session(service)
    (patron, *_) = await service.find_patrons(staff, "1000000003")
    account = await service.patron_account(staff, patron.id)
    loans = len(account.loans)
    async with desk_app_factory(service)().run_test(size=(120, 40)) as pilot:
        await desk_login(pilot)
        app = pilot.app
        await app.push_screen(PatronAccountScreen(patron))
        await settle(pilot)
        tabs = app.screen.query_one(TabbedContent)
        ids = ("patron-loans", "patron-reservations", "patron-requests")
        assert tab_labels(tabs, ids)[0] == f"Izsniegumi ({loans})"
        assert f"karte {patron.card_number}" in flat_text(app)
        await pilot.press("f6")
        await settle(pilot)
        assert tab_labels(tabs, ids)[0] == f"Loans ({loans})"
        assert tab_labels(tabs, ids)[1].startswith("Reserved (")
        text = flat_text(app)
        assert f"card {patron.card_number}" in text and "E-mail:" in text
        await pilot.press("f6")
        await settle(pilot)
        assert tab_labels(tabs, ids)[0] == f"Izsniegumi ({loans})"
        assert "E-pasts:" in flat_text(app)


async def test_an_ended_session_forgets_the_patron_from_an_order(make_app, service) -> None:
    """Not only the account screen: an order sent with a session the server
    has ended leaves nothing of the patron (the kiosk goes back to the catalog)."""
    record_id, _title, index, _view = await find_copy(service, OfferKind.ORDER)
    async with make_app().run_test(size=(100, 40)) as pilot:
        app = pilot.app
        session = await service.login(PATRON, DEMO_PASSWORD)
        app.session = session
        app.record_list[record_id] = await service.record(record_id)
        await open_record(pilot, record_id)
        await move_to_copy(pilot, index)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, OrderDialog)
        await service.logout(session)  # ended on the server, e.g. from another terminal
        await pilot.press("enter")  # "Pasūtīt"
        await settle(pilot)
        assert isinstance(app.screen, CatalogScreen)
        assert len(app.screen_stack) == 2
        assert app.session is None and not app.record_list
