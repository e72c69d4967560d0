"""A record and its copies (R2) and what each copy offers (R3), including the
journey "order while logged out → log in → back to the same copy"."""

from __future__ import annotations

from textual.widgets import Button

from screens.dialogs.order import ContactDialog, OrderDialog, ReadingRoomDialog
from screens.record import RecordScreen
from services.demo_data import DEMO_PASSWORD
from services.models import OfferKind, ReservationState
from tests.screens.catalog_helpers import (
    find_copy,
    flat,
    move_to_copy,
    open_record,
    screen_text,
    settle,
    static_text,
    table_rows,
    type_text,
)
from tui.i18n import format_date
from widgets.copy_table import CopyTable

PATRON = "anna"


async def test_record_shows_its_description_and_copies(make_app, service):
    record_id, title, _index, _view = await find_copy(service, OfferKind.ORDER)
    record = await service.record(record_id)
    copies = await service.copies(record_id, 0, 50)
    async with make_app().run_test(size=(120, 40)) as pilot:
        await open_record(pilot, record_id)
        assert isinstance(pilot.app.screen, RecordScreen)
        assert static_text(pilot.app, "#record-title") == title
        fields = static_text(pilot.app, "#record-fields")
        for author in record.authors:
            assert author in fields
        if record.year:
            assert f"Izdošanas gads: {record.year}" in fields
        assert static_text(pilot.app, "#copies-title") == "EKSEMPLĀRI"
        rows = table_rows(pilot.app.screen.query_one(CopyTable))
        assert len(rows) == len(copies.items)
        for row, view in zip(rows, copies.items):
            assert row[1] == view.collection_lv
            assert row[2] == view.item.shelf_mark
        assert any(row[3] == "Pasūtīt" for row in rows)


async def test_arrow_keys_move_through_the_copies(make_app, service):
    # A record with at least two copies.
    record_id = None
    for offset in range(0, 200, 20):
        from services.models import SearchQuery

        page = await service.search(SearchQuery(offset=offset))
        hit = next((h for h in page.items if h.copies >= 2), None)
        if hit is not None:
            record_id = hit.id
            break
    assert record_id is not None
    copies = await service.copies(record_id, 0, 50)
    async with make_app().run_test(size=(80, 24)) as pilot:
        await open_record(pilot, record_id)
        table = pilot.app.screen.query_one(CopyTable)
        assert pilot.app.screen.focused is table
        assert table.current == copies.items[0]
        await pilot.press("down")
        assert table.current == copies.items[1]
        await pilot.press("up")
        assert table.current == copies.items[0]


async def test_order_while_logged_out_logs_in_and_comes_back_to_the_same_copy(make_app, service):
    record_id, _title, index, view = await find_copy(service, OfferKind.ORDER)
    async with make_app().run_test(size=(80, 24)) as pilot:
        app = pilot.app
        await open_record(pilot, record_id)
        await move_to_copy(pilot, index)
        await pilot.press("enter")  # "Pasūtīt"
        await settle(pilot)
        from screens.dialogs.login import LoginScreen

        assert isinstance(app.screen, LoginScreen)
        await type_text(pilot, PATRON)
        await pilot.press("enter")
        await type_text(pilot, DEMO_PASSWORD)
        await pilot.press("enter")
        await settle(pilot)
        # Back to the same copy, in the order dialog, with its pickup library.
        assert isinstance(app.screen, OrderDialog)
        assert app.screen.view.item.barcode == view.item.barcode
        text = flat(screen_text(app))
        assert f"Saņemšanas vieta: {view.library_name}" in text
        assert "gaidīs bibliotēkas apstiprinājumu" in text
        await pilot.press("enter")  # the focused button: "Pasūtīt"
        await settle(pilot)
        text = flat(screen_text(app))
        assert "Pasūtīts! Rezervācija gaida bibliotēkas apstiprinājumu." in text
        reservations = await service.reservations(app.session)
        mine = [r for r in reservations if r.reservation.barcode == view.item.barcode]
        assert mine and mine[0].reservation.state is ReservationState.REQUESTED
        await pilot.press("enter")  # "Labi"
        await settle(pilot)
        # The copy list is refreshed: the copy is no longer offered for ordering.
        assert isinstance(app.screen, RecordScreen)
        table = app.screen.query_one(CopyTable)
        assert table.current is not None
        assert table.current.item.barcode == view.item.barcode
        assert table_rows(table)[index][3] != "Pasūtīt"


async def test_joining_a_queue_warns_and_shows_the_position(make_app, service):
    record_id, _title, index, view = await find_copy(service, OfferKind.QUEUE, with_due=True)
    async with make_app().run_test(size=(80, 24)) as pilot:
        app = pilot.app
        app.session = await service.login(PATRON, DEMO_PASSWORD)
        await open_record(pilot, record_id)
        await move_to_copy(pilot, index)
        row = table_rows(app.screen.query_one(CopyTable))[index]
        assert row[3] == f"Izsniegts līdz {format_date(view.offer.due)}"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, OrderDialog)
        text = flat(screen_text(app))
        assert "Iestāties rindā" in text
        assert "var atšķirties" in text and "iepriekšējais lasītājs" in text
        assert f"Rindā jau gaida: {view.offer.queue_length}" in text
        assert f"Paredzamais datums: ap {format_date(view.offer.expected)}" in text
        await pilot.press("enter")  # "Iestāties rindā"
        await settle(pilot)
        position = view.offer.queue_length + 1
        assert f"Jūs esat rindā {position}. vietā." in flat(screen_text(app))
        reservations = await service.reservations(app.session)
        mine = [r for r in reservations if r.reservation.barcode == view.item.barcode]
        assert mine[0].reservation.state is ReservationState.QUEUED
        assert mine[0].reservation.position == position


async def test_a_refusal_is_shown_in_the_dialog_and_as_a_notification(make_app, service):
    record_id, _title, index, view = await find_copy(service, OfferKind.QUEUE, with_due=True)
    async with make_app().run_test(size=(80, 24)) as pilot:
        app = pilot.app
        app.session = await service.login(PATRON, DEMO_PASSWORD)
        await service.order(app.session, view.item.barcode)  # already in its queue
        await open_record(pilot, record_id)
        await move_to_copy(pilot, index)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        sentence = "Jums jau ir rezervācija uz šo eksemplāru."
        assert sentence in flat(screen_text(app))
        assert any(sentence in n.message for n in app._notifications)
        assert not app.screen.query_one("#confirm", Button).display


async def test_a_reading_room_copy_cannot_be_ordered(make_app, service):
    record_id, _title, index, _view = await find_copy(service, OfferKind.READING_ROOM)
    async with make_app().run_test(size=(80, 24)) as pilot:
        app = pilot.app
        await open_record(pilot, record_id)
        await move_to_copy(pilot, index)
        assert table_rows(app.screen.query_one(CopyTable))[index][3] == "Lasītavā"
        await pilot.press("enter")
        await settle(pilot)
        # No login asked, no order button: only the note.
        assert isinstance(app.screen, ReadingRoomDialog)
        assert "tikai bibliotēkā" in flat(screen_text(app))
        assert not app.screen.query("#confirm")
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, RecordScreen)
        assert app.session is None


async def test_a_copy_with_nothing_to_order_shows_the_library_contacts(make_app, service):
    record_id, _title, index, view = await find_copy(service, OfferKind.CONTACT)
    library = next(lib for lib in await service.libraries() if lib.id == view.item.library_id)
    async with make_app().run_test(size=(80, 24)) as pilot:
        app = pilot.app
        await open_record(pilot, record_id)
        await move_to_copy(pilot, index)
        row = table_rows(app.screen.query_one(CopyTable))[index]
        assert row[3] == "Sazinieties ar bibliotēku"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ContactDialog)
        text = flat(screen_text(app))
        assert view.offer.refusal is not None and view.offer.refusal.lv in text
        assert library.contacts.phone in text
        assert library.contacts.email in text


async def test_s_adds_the_record_to_the_list_and_removes_it(make_app, service):
    record_id, _title, _index, _view = await find_copy(service, OfferKind.ORDER)
    async with make_app().run_test(size=(80, 24)) as pilot:
        app = pilot.app
        await open_record(pilot, record_id)
        assert "Pievienot sarakstam" in screen_text(app)
        await pilot.press("s")
        await pilot.pause()
        assert record_id in app.record_list
        assert static_text(app, "#in-list") == "Sarakstā"
        assert "Izņemt no saraksta" in screen_text(app)
        await pilot.press("s")
        await pilot.pause()
        assert record_id not in app.record_list
        assert static_text(app, "#in-list") == ""


async def test_language_switch_relabels_the_record(make_app, service):
    record_id, _title, index, _view = await find_copy(service, OfferKind.ORDER)
    async with make_app().run_test(size=(80, 24)) as pilot:
        app = pilot.app
        await open_record(pilot, record_id)
        await pilot.press("f6")
        await settle(pilot)
        assert static_text(app, "#copies-title") == "COPIES"
        table = app.screen.query_one(CopyTable)
        assert table_rows(table)[index][3] == "Order"
        assert "Add to list" in screen_text(app)
        await move_to_copy(pilot, index)
        app.session = await service.login(PATRON, DEMO_PASSWORD)
        await pilot.press("enter")
        await settle(pilot)
        assert "Pickup at:" in flat(screen_text(app))
        await pilot.press("f6")
        await settle(pilot)
        assert "Saņemšanas vieta:" in flat(screen_text(app))
