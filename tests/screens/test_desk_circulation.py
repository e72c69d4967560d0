"""At the desk (R14): check-out by card and barcodes (a scanner's speed
included), refusals with their reasons, check-in that puts a copy on the hold
shelf for the next reader, patron look-up, and outside text shown as data."""

from __future__ import annotations

import pytest

from screens.desk.screen import DeskScreen
from screens.desk.checkout import CheckoutPane
from screens.desk.patron_account import PatronAccountScreen
from services import rules
from services.clock import FakeClock
from services.memory import MemoryService
from services.models import CopyView, OfferKind, ReservationState
from tests.screens.account_helpers import flat_text, settle, type_text
from tests.screens.conftest import FIXED_NOW
from tests.screens.desk_helpers import (
    copies_of,
    desk_app_factory,
    desk_login,
    lendable,
    reading_room,
    scan,
    staff_session,
)
from tests.services import fixtures
from tests.tui.hostile import KITCHEN_SINK, HostileService, check_screen
from tui.i18n import format_date
from widgets.fit_table import FitTable

LIGA_CARD = "1000000003"
JANIS_CARD = "1000000002"
"""Jānis has an overdue loan: he is blocked."""


@pytest.fixture
def make_desk_app(service):
    return desk_app_factory(service)


def checkout(app) -> CheckoutPane:
    screen = app.screen
    assert isinstance(screen, DeskScreen)
    return screen.query_one("#checkout", CheckoutPane)


async def open_checkout(pilot, card: str) -> CheckoutPane:
    await pilot.press("4")
    await settle(pilot)
    await scan(pilot, card)
    pane = checkout(pilot.app)
    assert pane.patron is not None and pane.patron.card_number == card
    return pane


# -------------------------------------------------------------- check-out


async def test_a_scanner_lends_two_copies_typed_fast(make_desk_app, service) -> None:
    first, second = await copies_of(service, "aizk", lendable, count=2)
    staff = await staff_session(service)
    async with make_desk_app().run_test(size=(80, 24)) as pilot:
        await desk_login(pilot)
        pane = await open_checkout(pilot, LIGA_CARD)
        text = flat_text(pilot.app)
        assert "Līga Ozola · karte 1000000003" in text and "Nav bloķēts." in text
        # Both codes and their Enters arrive before the app has handled any of them.
        await scan(pilot, first.item.barcode, second.item.barcode)
        lent = pane.query_one("#checkout-lent", FitTable).rows_text()
        assert [row[1] for row in lent] == [second.item.barcode, first.item.barcode]
        assert pane.query_one("#checkout-barcode").value == ""
        assert pilot.app.focused is pane.query_one("#checkout-barcode")
        text = flat_text(pilot.app)
        assert "Izsniegts šajā reizē (2)" in text
    account = await service.patron_account(staff, pane.patron.id)
    by_barcode = {v.loan.barcode: v for v in account.loans}
    assert {first.item.barcode, second.item.barcode} <= set(by_barcode)
    due = by_barcode[second.item.barcode].loan.due
    assert [row[2] for row in lent] == [format_date(due)] * 2


async def test_a_blocked_patron_is_shown_why_and_nothing_is_lent(make_desk_app, service) -> None:
    (copy,) = await copies_of(service, "aizk", lendable)
    staff = await staff_session(service)
    janis = (await service.find_patrons(staff, JANIS_CARD))[0]
    before = await service.patron_account(staff, janis.id)
    assert before.blocks, "the demo's Jānis has an overdue loan"
    reason = before.blocks[0].text("lv")
    async with make_desk_app().run_test(size=(80, 24)) as pilot:
        await desk_login(pilot)
        pane = await open_checkout(pilot, JANIS_CARD)
        assert f"Bloķēts: {reason}" in flat_text(pilot.app)
        assert pane.query_one("#checkout-blocks").has_class("-blocked")
        await scan(pilot, copy.item.barcode)
        assert f"Nav izsniegts {copy.item.barcode}: {reason}" in flat_text(pilot.app)
        assert pane.lent == []
        assert pane.query_one("#checkout-barcode").value == ""
    after = await service.patron_account(staff, janis.id)
    assert [v.loan.id for v in after.loans] == [v.loan.id for v in before.loans]
    assert copy.item.barcode not in {v.loan.barcode for v in after.loans}


async def test_a_copy_held_for_someone_else_and_a_reading_room_copy_are_refused(
    make_desk_app, service
) -> None:
    staff = await staff_session(service)
    held = (await service.staff_reservations(staff))[0]  # waiting for another patron
    (room,) = await copies_of(service, "aizk", reading_room)
    (copy,) = await copies_of(service, "aizk", lendable)
    async with make_desk_app().run_test(size=(120, 40)) as pilot:
        await desk_login(pilot)
        pane = await open_checkout(pilot, LIGA_CARD)
        await scan(pilot, held.reservation.barcode)
        text = flat_text(pilot.app)
        assert f"Nav izsniegts {held.reservation.barcode}: {rules.held_for_other().lv}" in text
        await scan(pilot, room.item.barcode)
        text = flat_text(pilot.app)
        assert f"Nav izsniegts {room.item.barcode}: {rules.reading_room().lv}" in text
        # The field is ready for the next code.
        await scan(pilot, copy.item.barcode)
        assert [row[1] for row in pane.query_one("#checkout-lent", FitTable).rows_text()] == [
            copy.item.barcode
        ]
        # F6: the refusal of the last code is in English too.
        await scan(pilot, room.item.barcode)
        await pilot.press("f6")
        await settle(pilot)
        assert f"Not checked out {room.item.barcode}: {rules.reading_room().en}" in flat_text(
            pilot.app
        )


async def test_escape_starts_over_with_the_next_patron(make_desk_app, service) -> None:
    async with make_desk_app().run_test(size=(80, 24)) as pilot:
        await desk_login(pilot)
        pane = await open_checkout(pilot, LIGA_CARD)
        await pilot.press("escape")
        await settle(pilot)
        assert pane.patron is None
        assert pilot.app.focused is pane.query_one("#checkout-card")
        await scan(pilot, "AIZK0001000")
        await pilot.press("tab")
        await scan(pilot, "AIZK0001000")
        assert "Vispirms ievadiet lasītāja kartes numuru." in flat_text(pilot.app)
        await scan(pilot, "0000000000")
        assert "Lasītājs ar kartes numuru 0000000000 nav atrasts." in flat_text(pilot.app)


# --------------------------------------------------------------- check-in


def _queued_on_loan(view: CopyView) -> bool:
    return view.offer.kind is OfferKind.QUEUE and view.offer.due is not None and (
        view.offer.queue_length >= 1
    )


async def test_check_in_of_a_copy_with_a_queue_says_to_put_it_on_the_hold_shelf(
    make_desk_app, service
) -> None:
    (copy,) = await copies_of(service, "aizk", _queued_on_loan)
    # What the service will answer, asked from a twin of the same demo region.
    twin = MemoryService(clock=FakeClock(FIXED_NOW))
    expected = await twin.check_in(await staff_session(twin), copy.item.barcode)
    assert expected.hold_for is not None and expected.next_reservation is not None
    held = format_date(expected.next_reservation.reservation.held_until)
    async with make_desk_app().run_test(size=(80, 24)) as pilot:
        await desk_login(pilot)
        await pilot.press("5")
        await settle(pilot)
        await scan(pilot, copy.item.barcode)
        text = flat_text(pilot.app)
        assert f"Nodots: {expected.title} ({copy.item.barcode})" in text
        assert (
            f"Novietojiet rezervēto plauktā: {expected.hold_for.name} "
            f"(karte {expected.hold_for.card_number}), līdz {held}"
        ) in text
        rows = pilot.app.screen.query_one("#checkin-list", FitTable).rows_text()
        assert rows[0][1] == copy.item.barcode
        await pilot.press("f6")
        await settle(pilot)
        assert f"Put it on the hold shelf for {expected.hold_for.name}" in flat_text(pilot.app)
    staff = await staff_session(service)
    account = await service.patron_account(staff, expected.hold_for.id)
    mine = [v for v in account.reservations if v.reservation.barcode == copy.item.barcode]
    assert mine and mine[0].reservation.state == ReservationState.READY


async def test_check_in_of_an_unknown_barcode_says_so(make_desk_app) -> None:
    async with make_desk_app().run_test(size=(80, 24)) as pilot:
        await desk_login(pilot)
        await pilot.press("5")
        await scan(pilot, "NAV-TADA")
        assert "Nav saņemts NAV-TADA: Nav atrasts." in flat_text(pilot.app)


# ---------------------------------------------------------------- patrons


async def test_patron_look_up_by_card_and_by_part_of_a_name(make_desk_app, service) -> None:
    staff = await staff_session(service)
    liga = (await service.find_patrons(staff, LIGA_CARD))[0]
    account = await service.patron_account(staff, liga.id)
    assert account.loans and account.reservations and account.free_requests
    janis = (await service.find_patrons(staff, JANIS_CARD))[0]
    blocked = await service.patron_account(staff, janis.id)
    async with make_desk_app().run_test(size=(120, 40)) as pilot:
        await desk_login(pilot)
        app = pilot.app
        await pilot.press("6")
        await settle(pilot)
        await type_text(pilot, LIGA_CARD)
        await pilot.press("enter")
        await settle(pilot)
        rows = app.screen.query_one("#patrons-table", FitTable).rows_text()
        assert rows[0][:2] == ["Līga Ozola", LIGA_CARD]
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, PatronAccountScreen)
        text = flat_text(app)
        assert "Līga Ozola · karte 1000000003" in text and "Nav bloķēts." in text
        assert f"Izsniegumi ({len(account.loans)})" in text
        assert f"Rezervētie ({len(account.reservations)})" in text
        loans = app.screen.query_one("#patron-loans-table", FitTable).rows_text()
        assert [row[1] for row in loans] == [v.loan.barcode for v in account.loans]
        await pilot.press("2")
        await settle(pilot)
        reserved = app.screen.query_one("#patron-reservations-table", FitTable).rows_text()
        assert [row[0] for row in reserved] == [v.title for v in account.reservations]
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, DeskScreen)

        # Part of a name, in any case and without diacritics.
        search = app.screen.query_one("#patrons-search")
        search.value = ""
        search.focus()
        await type_text(pilot, "kalnin")
        await pilot.press("enter")
        await settle(pilot)
        rows = app.screen.query_one("#patrons-table", FitTable).rows_text()
        assert ["Jānis Kalniņš", JANIS_CARD] in [row[:2] for row in rows]
        table = app.screen.query_one("#patrons-table", FitTable)
        table.select_key(str(janis.id))
        await pilot.press("enter")
        await settle(pilot)
        text = flat_text(app)
        assert f"Bloķēts: {blocked.blocks[0].text('lv')}" in text

        # I: lend to this patron.
        await pilot.press("i")
        await settle(pilot)
        assert isinstance(app.screen, DeskScreen)
        pane = checkout(app)
        assert pane.patron is not None and pane.patron.id == janis.id
        assert app.focused is pane.query_one("#checkout-barcode")


# ------------------------------------------------------------- hostile text


async def test_outside_text_shows_as_written_on_every_desk_tab() -> None:
    service = HostileService(KITCHEN_SINK, clock=FakeClock(fixtures.START))
    from tui.config import KioskConfig
    from tui.desk import DeskApp

    app = DeskApp(service, KioskConfig.model_validate({"kiosk": {"profile": "desk"}}))
    staff = await service.login("aiz.darbs", fixtures.password("aiz.darbs"))
    cilda = fixtures.PATRONS["cilda"]
    seen: dict[str, str] = {}
    async with app.run_test(size=(120, 40), notifications=True) as pilot:

        async def look(name: str) -> None:
            await settle(pilot)
            assert app.is_running, f"the app ended on {name}"
            seen[name] = check_screen(app)

        await desk_login(pilot, "aiz.darbs", fixtures.password("aiz.darbs"))
        await look("reservations")
        assert isinstance(app.screen, DeskScreen)
        await pilot.press("n")
        await look("reason dialog")
        await type_text(pilot, "x")
        await pilot.press("enter")
        await look("rejected")
        for tab in ("2", "3"):
            await pilot.press(tab)
            await look(f"tab {tab}")
        await pilot.press("4")
        await scan(pilot, cilda.card_number)
        await look("check-out patron")
        await scan(pilot, "A-0009")
        await look("check-out refused")
        await pilot.press("ctrl+right")
        await scan(pilot, "A-0010")  # boris's loan, cilda waits for it
        await look("check-in hold")
        await pilot.press("ctrl+right")
        await type_text(pilot, cilda.card_number)
        await pilot.press("enter")
        await look("patrons")
        await pilot.press("enter")
        await look("patron account")
        for tab in ("2", "3"):
            await pilot.press(tab)
            await look(f"patron tab {tab}")
    del staff
    assert "[b]T" in seen["reservations"], "a title's markup shows as written"
    assert "[b]Vārds" in seen["reservations"], "a name's markup shows as written"
    assert "[@click=app.quit]" in seen["reservations"]
    assert "[b]Vārds" in seen["check-in hold"]
    assert "Novietojiet rezervēto plauktā" in seen["check-in hold"]
    assert "[b]Vārds" in seen["patron account"]
