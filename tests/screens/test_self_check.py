"""Izsniegt sev (issue 15) at a library's terminal on the in-memory demo (the
burst over HTTP to the real server too): a
scanner's burst of two codes (one lent with its due date, one held for
another reader and refused in words), returning, the copy someone waits for,
the receipt, logging out, and the keys that are not there where the
terminal or the account source does not offer them."""

from __future__ import annotations

import pytest

from screens.account import AccountScreen
from screens.catalog import CatalogScreen
from screens.self_check import SelfCheckScreen
from services.memory import MemoryService
from services.models import Abilities, ReservationState
from services.protocol import LibraryService
from tests.screens.account_helpers import flat_text, log_in, settle
from tests.screens.desk_helpers import copies_of, lendable, scan
from tests.tui.kiosk_helpers import wait_until
from tui.app import KioskApp
from tui.config import KioskConfig
from tui.i18n import format_date

PASSWORD = "demo1234"
TERMINAL = {"library": "aizk", "self_check": True}


async def held_for_liga(service) -> str:
    """The barcode of the copy on the hold shelf for līga (her ready reservation)."""
    liga = await service.login("liga", PASSWORD)
    views = await service.reservations(liga)
    return next(v.reservation.barcode for v in views
                if v.reservation.state == ReservationState.READY)


async def queued_loan(service) -> str:
    """The barcode of a copy on loan that līga queues for."""
    liga = await service.login("liga", PASSWORD)
    views = await service.reservations(liga)
    return next(v.reservation.barcode for v in views
                if v.reservation.state == ReservationState.QUEUED)


async def open_self_check(pilot, username: str = "anna") -> SelfCheckScreen:
    """F3, log in, then I on the account screen, all by keyboard."""
    await settle(pilot)
    await pilot.press("f3")
    await settle(pilot)
    await log_in(pilot, username, PASSWORD)
    assert isinstance(pilot.app.screen, AccountScreen)
    assert "Izsniegt sev" in flat_text(pilot.app)
    await pilot.press("i")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, SelfCheckScreen)
    return screen


@pytest.fixture(params=["memory", "remote"])
def any_service(request) -> LibraryService:
    """The in-memory adapter, or the remote adapter in front of the real server."""
    return request.getfixturevalue("service" if request.param == "memory" else "remote_service")


async def test_a_burst_of_two_codes_lends_one_and_refuses_the_held_one(
    any_service: LibraryService,
) -> None:
    service = any_service
    (copy,) = await copies_of(service, "aizk", lendable)
    held = await held_for_liga(service)
    config = KioskConfig.model_validate({"kiosk": TERMINAL})
    async with KioskApp(service=service, config=config).run_test(size=(80, 24)) as pilot:
        await open_self_check(pilot)
        await scan(pilot, copy.item.barcode, held)
        text = flat_text(pilot.app)
        anna = await service.login("anna", PASSWORD)
        (loan,) = await service.loans(anna)
        assert loan.loan.barcode == copy.item.barcode
        assert f"termiņš {format_date(loan.loan.due)}" in text
        assert loan.title[:20] in text
        assert f"Nav izsniegts {held}" in text
        assert "rezervēts" in text.lower() or "gaida" in text.lower()


async def test_returning_a_book_says_nodots_and_the_receipt_lists_both(
    make_app, service
) -> None:
    first, second = await copies_of(service, "aizk", lendable, count=2)
    async with make_app(**TERMINAL).run_test(size=(80, 24)) as pilot:
        screen = await open_self_check(pilot)
        await scan(pilot, first.item.barcode, second.item.barcode)
        await pilot.press("f7")
        await settle(pilot)
        assert screen.mode == "in"
        assert "Nodot ·" in flat_text(pilot.app)
        await scan(pilot, first.item.barcode)
        assert f"({first.item.barcode}) — Nodots" in flat_text(pilot.app)
        await pilot.press("escape")
        await settle(pilot)
        text = flat_text(pilot.app)
        assert "Kvīts" in text
        assert "Izsniegts (2)" in text and "Nodots (1)" in text
        assert second.item.barcode in text
    anna = await service.login("anna", PASSWORD)
    assert [v.loan.barcode for v in await service.loans(anna)] == [second.item.barcode]


async def test_the_receipt_goes_by_e_mail_on_ctrl_e(make_app, service) -> None:
    (copy,) = await copies_of(service, "aizk", lendable)
    async with make_app(**TERMINAL).run_test(size=(80, 24)) as pilot:
        screen = await open_self_check(pilot)
        assert not screen.check_action("email_receipt", ())  # nothing to send yet
        await scan(pilot, copy.item.barcode)
        await pilot.press("escape")
        await settle(pilot)
        assert "^E" in flat_text(pilot.app)
        await pilot.press("ctrl+e")
        await settle(pilot)
        (receipt,) = [m for m in await service.outbox() if m.kind == "receipt"]
        assert f"Kvīts nosūtīta uz {receipt.to}." in flat_text(pilot.app)
        assert copy.item.barcode not in receipt.body and "līdz" in receipt.body
        await pilot.press("ctrl+e")  # once is enough
        await settle(pilot)
        assert len([m for m in await service.outbox() if m.kind == "receipt"]) == 1


async def test_a_copy_someone_waits_for_is_left_at_the_desk(make_app, service) -> None:
    waited = await queued_loan(service)
    async with make_app(**TERMINAL).run_test(size=(80, 24)) as pilot:
        await open_self_check(pilot)
        await pilot.press("f7")
        await settle(pilot)
        await scan(pilot, waited)
        text = flat_text(pilot.app)
        assert "Atstājiet šo grāmatu pie letes: to gaida cits lasītājs" in text
        assert "Līga" not in text and "liga" not in text  # who waits is never said


async def test_in_english_the_due_date_keeps_its_form(make_app, service) -> None:
    (copy,) = await copies_of(service, "aizk", lendable)
    async with make_app(language="en", **TERMINAL).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f3")
        await settle(pilot)
        await log_in(pilot, "emily", PASSWORD)
        await pilot.press("i")
        await settle(pilot)
        assert "Check out to myself" in flat_text(pilot.app)
        await scan(pilot, copy.item.barcode)
        emily = await service.login("emily", PASSWORD)
        loan = next(v for v in await service.loans(emily) if v.loan.barcode == copy.item.barcode)
        assert f"due {format_date(loan.loan.due)}" in flat_text(pilot.app)


async def test_logging_out_leaves_nothing_of_the_self_check(make_app, service) -> None:
    (copy,) = await copies_of(service, "aizk", lendable)
    async with make_app(**TERMINAL).run_test(size=(80, 24)) as pilot:
        await open_self_check(pilot)
        await scan(pilot, copy.item.barcode)
        await pilot.press("f10")
        await settle(pilot)
        assert isinstance(pilot.app.screen, CatalogScreen)
        assert not any(isinstance(s, SelfCheckScreen) for s in pilot.app.screen_stack)
        assert copy.item.barcode not in flat_text(pilot.app)


async def test_the_idle_logout_wipes_the_self_check(make_app, service) -> None:
    (copy,) = await copies_of(service, "aizk", lendable)
    app = make_app(**TERMINAL)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_self_check(pilot)
        await scan(pilot, copy.item.barcode)
        app.idle_timeout = 0.3
        app.idle_countdown = 0.3
        app._schedule_idle_check(0.3)
        await wait_until(pilot, lambda: app.session is None
                         and isinstance(app.screen, CatalogScreen), "logged out by idleness")
        app.idle_timeout = 3600  # nothing more from the watch during the checks
        app._schedule_idle_check(3600)
        await settle(pilot)
        assert not any(isinstance(s, SelfCheckScreen) for s in app.screen_stack)
        assert copy.item.barcode not in flat_text(app)


@pytest.mark.parametrize("kiosk", [{}, {"library": "aizk"}, {"library": "aizk",
                                                                "self_check": True,
                                                                "profile": "ssh"}])
async def test_a_terminal_without_self_check_shows_no_such_key(make_app, kiosk) -> None:
    async with make_app(**kiosk).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f3")
        await settle(pilot)
        await log_in(pilot, "anna", PASSWORD)
        assert isinstance(pilot.app.screen, AccountScreen)
        assert "Izsniegt sev" not in flat_text(pilot.app)
        await pilot.press("f1")
        await settle(pilot)
        assert "Izsniegt sev" not in flat_text(pilot.app)
        await pilot.press("escape")
        await pilot.press("i")
        await settle(pilot)
        assert not isinstance(pilot.app.screen, SelfCheckScreen)


class NoReturnsService(MemoryService):
    """An account source that lends at the terminal but takes no returns."""

    async def abilities(self) -> Abilities:
        return Abilities(self_check_in=False)


async def test_no_return_key_where_the_source_takes_no_returns(clock) -> None:
    config = KioskConfig.model_validate({"kiosk": TERMINAL})
    async with KioskApp(service=NoReturnsService(clock=clock), config=config).run_test(
            size=(80, 24)) as pilot:
        screen = await open_self_check(pilot)
        assert "Nodot" not in flat_text(pilot.app)
        await pilot.press("f7")
        await settle(pilot)
        assert screen.mode == "out"


class NoFreeRequestsService(MemoryService):
    """An account source without free requests or loan history (as over SIP2)."""

    async def abilities(self) -> Abilities:
        return Abilities(free_requests=False, loan_history=False)


async def test_tabs_the_source_does_not_offer_are_hidden(clock) -> None:
    app = KioskApp(service=NoFreeRequestsService(clock=clock), config=KioskConfig())
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f3")
        await settle(pilot)
        await log_in(pilot, "liga", PASSWORD)
        text = flat_text(pilot.app)
        assert "Rezervētie" in text and "Izsniegumi" in text
        assert "Brīvie pieprasījumi" not in text and "Izlasītās" not in text
        assert "Veikt pasūtījumu" not in text
        for _ in range(3):
            await pilot.press("right")
            await settle(pilot)
            assert pilot.app.screen.active_tab in ("reserved", "loans")
