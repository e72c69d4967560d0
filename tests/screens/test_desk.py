"""The desk (R14): staff login, the three work queues with their counts, acting
on a row by one key (once), reasons, conflicts, language, logout and the
catalog, on the demo region with the clock fixed (16.11.2026).

What the service must do is asked from the service itself (due dates,
held-until dates, the outbox): the screens only show it."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from screens.catalog import CatalogScreen
from screens.desk.screen import DeskScreen
from screens.desk.login import DeskLoginScreen
from screens.desk.queue_pane import QueuePane
from screens.desk.reason import ReasonDialog
from services.errors import Forbidden
from services.memory import MemoryService
from services.models import (
    FreeRequestState,
    MessageKind,
    ReservationState,
    SearchQuery,
)
from tests.screens.account_helpers import (
    flat_text,
    log_in,
    screen_text,
    settle,
    static_text,
    type_text,
)
from tests.screens.desk_helpers import (
    OTHER_STAFF,
    PASSWORD,
    STAFF,
    desk_app_factory,
    desk_login,
    staff_session,
)
from tui.i18n import format_date
from widgets.desk_tabs import DeskTabs
from widgets.fit_table import FitTable

GUARD_PAUSE = 0.5
"""Longer than the moment after an answer during which a queue ignores keys."""


@pytest.fixture
def make_desk_app(service):
    return desk_app_factory(service)


def desk(app) -> DeskScreen:
    screen = app.screen
    assert isinstance(screen, DeskScreen), f"not on the desk but on {screen!r}"
    return screen


def table(app, tab: str) -> FitTable:
    return desk(app).query_one(f"#{tab}-table", FitTable)


def tab_label(app, tab: str) -> str:
    return desk(app).query_one(DeskTabs).label(tab)


def pane(app, tab: str) -> QueuePane:
    found = desk(app).query_one(f"#{tab}", QueuePane)
    return found


# ------------------------------------------------------------------ login


async def test_staff_login_shows_the_queues_with_their_counts(make_desk_app, service) -> None:
    staff = await staff_session(service)
    reservations = await service.staff_reservations(staff)
    renewals = await service.staff_renewals(staff)
    requests = await service.staff_free_requests(staff)
    assert reservations and renewals and requests, "the demo's Aizkraukle has work in each queue"
    async with make_desk_app().run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(pilot.app.screen, DeskLoginScreen)
        assert "Bibliotekāra pieslēgšanās" in flat_text(pilot.app)
        await desk_login(pilot)
        app = pilot.app
        assert tab_label(app, "reservations") == f"Rezervācijas ({len(reservations)})"
        assert tab_label(app, "renewals") == f"Pagarinājumi ({len(renewals)})"
        assert tab_label(app, "requests") == f"Brīvie pieprasījumi ({len(requests)})"
        text = flat_text(app)
        assert f"1 Rezervācijas ({len(reservations)})" in text
        assert "Izsniegšana" in text and "Saņemšana" in text and "Lasītāji" in text
        assert "Aizkraukle" in text and "Ilze Liepiņa" in text
        rows = table(app, "reservations").rows_text()
        assert [r[3] for r in rows] == [v.reservation.barcode for v in reservations]
        assert "A Apstiprināt" in text and "N Noraidīt" in text and "Iziet" in text


async def test_a_patron_account_is_refused_at_the_desk(make_desk_app, clock) -> None:
    logouts: list[str] = []

    class Spy(MemoryService):
        async def logout(self, session) -> None:  # type: ignore[no-untyped-def]
            logouts.append(session.patron.username)
            await super().logout(session)

    spy = Spy(clock=clock)
    async with make_desk_app(service_override=spy).run_test(size=(80, 24)) as pilot:
        await desk_login(pilot, "anna")
        app = pilot.app
        assert isinstance(app.screen, DeskLoginScreen)
        assert app.session is None
        assert "Šis konts nav bibliotēkas darbinieka konts." in flat_text(app)
        assert logouts == ["anna"], "the patron's session is ended on the service at once"
        assert not any(isinstance(s, DeskScreen) for s in app.screen_stack)
        # F6 translates the refusal too.
        await pilot.press("f6")
        await settle(pilot)
        assert "This account is not a library staff account." in flat_text(app)


async def test_a_patron_session_reaches_no_staff_operation(service) -> None:
    patron = await service.login("liga", PASSWORD)
    staff = await staff_session(service)
    reservation = (await service.staff_reservations(staff))[0].reservation.id
    loan = (await service.staff_renewals(staff))[0].loan.id
    request = (await service.staff_free_requests(staff))[0].request.id
    calls = [
        service.staff_reservations(patron),
        service.confirm_reservation(patron, reservation),
        service.reject_reservation(patron, reservation, "x"),
        service.staff_renewals(patron),
        service.approve_renewal(patron, loan),
        service.deny_renewal(patron, loan, "x"),
        service.staff_free_requests(patron),
        service.accept_free_request(patron, request),
        service.fulfil_free_request(patron, request),
        service.reject_free_request(patron, request, "x"),
        service.find_patrons(patron, "Ozola"),
        service.patron_account(patron, patron.patron.id),
        service.check_out(patron, "1000000001", "AIZK0001000"),
        service.check_in(patron, "AIZK0001000"),
    ]
    for call in calls:
        with pytest.raises(Forbidden):
            await call


async def test_each_library_sees_only_its_own_queues(make_desk_app, service) -> None:
    theirs = {}
    for username in (STAFF, OTHER_STAFF):
        session = await staff_session(service, username)
        library = session.patron.staff_library
        views = await service.staff_reservations(session)
        assert views and all(v.reservation.library_id == library for v in views)
        theirs[username] = (library, views, await service.staff_renewals(session))
    for username in (STAFF, OTHER_STAFF):
        library, reservations, renewals = theirs[username]
        async with make_desk_app().run_test(size=(120, 40)) as pilot:
            await desk_login(pilot, username)
            app = pilot.app
            assert tab_label(app, "reservations") == f"Rezervācijas ({len(reservations)})"
            assert tab_label(app, "renewals") == f"Pagarinājumi ({len(renewals)})"
            barcodes = [row[3] for row in table(app, "reservations").rows_text()]
            assert barcodes == [v.reservation.barcode for v in reservations]
            assert all(b.startswith(library.upper()) for b in barcodes)
            await pilot.press("f10")
            await settle(pilot)
            assert isinstance(app.screen, DeskLoginScreen)


async def test_the_desk_refuses_another_librarys_copy(make_desk_app, service) -> None:
    """Koknese's librarian cannot lend or take back an Aizkraukle copy."""
    page = await service.search(SearchQuery(library_id="aizk", limit=1))
    copies = await service.copies(page.items[0].id)
    barcode = next(c.item.barcode for c in copies.items if c.item.library_id == "aizk")
    async with make_desk_app().run_test(size=(80, 24)) as pilot:
        await desk_login(pilot, OTHER_STAFF)
        await pilot.press("4")
        await type_text(pilot, "1000000001")
        await pilot.press("enter")
        await settle(pilot)
        await type_text(pilot, barcode)
        await pilot.press("enter")
        await settle(pilot)
        assert f"Nav izsniegts {barcode}: Šī darbība jums nav atļauta." in flat_text(pilot.app)
        await pilot.press("ctrl+right")
        await type_text(pilot, barcode)
        await pilot.press("enter")
        await settle(pilot)
        assert f"Nav saņemts {barcode}: Šī darbība jums nav atļauta." in flat_text(pilot.app)


# ----------------------------------------------------------- reservations


async def test_confirming_a_reservation_pressed_twice_acts_once(make_desk_app, clock) -> None:
    calls: list[int] = []

    class Slow(MemoryService):
        """A service that takes a moment, as over the network."""

        async def confirm_reservation(self, session, reservation_id):  # type: ignore[no-untyped-def]
            calls.append(reservation_id)
            await asyncio.sleep(0.2)
            return await super().confirm_reservation(session, reservation_id)

    slow = Slow(clock=clock)
    staff = await staff_session(slow)
    first = (await slow.staff_reservations(staff))[0]
    before = len(await slow.staff_reservations(staff))
    pickup = {lib.id: lib for lib in await slow.libraries()}["aizk"].rules.pickup_days
    async with make_desk_app(service_override=slow).run_test(size=(80, 24)) as pilot:
        await desk_login(pilot)
        app = pilot.app
        assert table(app, "reservations").selected_key == str(first.reservation.id)
        await pilot.press("a")
        await pilot.pause()
        assert "Apstrādā…" in table(app, "reservations").row_text(str(first.reservation.id))
        await pilot.press("a")
        await settle(pilot)
        await asyncio.sleep(0.3)
        await settle(pilot)
        assert calls == [first.reservation.id], "one service call for two key presses"
        keys = [row[3] for row in table(app, "reservations").rows_text()]
        assert first.reservation.barcode not in keys, "the row has left the queue"
        assert tab_label(app, "reservations") == f"Rezervācijas ({before - 1})"
        # The patron's reservation is on the hold shelf, as the service says.
        patron = await slow.patron_account(staff, first.patron.id)
        mine = next(v for v in patron.reservations if v.reservation.id == first.reservation.id)
        assert mine.reservation.state == ReservationState.READY
        held = mine.reservation.held_until
        assert held == clock.now().date() + timedelta(days=pickup)
        text = flat_text(app)
        assert f"Apstiprināts: {first.title} — {first.patron.name}" in text
        assert format_date(held) in text
    ready = [
        m for m in await slow.outbox()
        if m.kind == MessageKind.RESERVATION_READY and m.to == first.patron.email
        and first.title in m.body
    ]
    assert len(ready) == 1


async def test_a_second_key_right_after_an_answer_does_not_act_on_the_next_row(
    make_desk_app, service, monkeypatch
) -> None:
    # A longer quiet moment than the desk's 0.3 s, so that a slow test
    # machine cannot let the second key of the double press come after it.
    monkeypatch.setattr("screens.desk.queue_pane.GUARD", 2.0)
    staff = await staff_session(service)
    first, second = (await service.staff_reservations(staff))[:2]
    async with make_desk_app().run_test(size=(80, 24)) as pilot:
        await desk_login(pilot)
        await pilot.press("a", "a")
        await settle(pilot)
        waiting = {v.reservation.id for v in await service.staff_reservations(staff)}
        assert first.reservation.id not in waiting
        assert second.reservation.id in waiting, "a double press is not a second decision"
        await asyncio.sleep(2.2)
        await pilot.press("a")
        await settle(pilot)
        waiting = {v.reservation.id for v in await service.staff_reservations(staff)}
        assert second.reservation.id not in waiting, "a deliberate press acts on the next row"


async def test_rejecting_a_reservation_needs_a_reason(make_desk_app, service) -> None:
    staff = await staff_session(service)
    first = (await service.staff_reservations(staff))[0]
    async with make_desk_app().run_test(size=(80, 24)) as pilot:
        await desk_login(pilot)
        app = pilot.app
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, ReasonDialog)
        assert first.title in flat_text(app) and first.patron.name in flat_text(app)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ReasonDialog), "an empty reason is refused at the field"
        assert "Lūdzu, ierakstiet iemeslu." in flat_text(app)
        still = {v.reservation.id for v in await service.staff_reservations(staff)}
        assert first.reservation.id in still
        await type_text(pilot, "Eksemplārs bojāts")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, DeskScreen)
        assert f"Noraidīts: {first.title} — {first.patron.name}" in flat_text(app)
    account = await service.patron_account(staff, first.patron.id)
    assert all(v.reservation.id != first.reservation.id for v in account.reservations)
    session = await service.login(first.patron.username, PASSWORD)
    mine = next(
        v for v in await service.reservations(session) if v.reservation.id == first.reservation.id
    )
    assert mine.reservation.state == ReservationState.REJECTED
    assert mine.reservation.note == "Eksemplārs bojāts"


async def test_escape_leaves_the_reason_dialog_without_a_decision(make_desk_app, service) -> None:
    staff = await staff_session(service)
    before = await service.staff_reservations(staff)
    async with make_desk_app().run_test(size=(80, 24)) as pilot:
        await desk_login(pilot)
        await pilot.press("n")
        await type_text(pilot, "x")
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(pilot.app.screen, DeskScreen)
    assert await service.staff_reservations(staff) == before


async def test_a_reservation_processed_meanwhile_is_said_and_the_queue_reloads(
    make_desk_app, service
) -> None:
    staff = await staff_session(service)
    first = (await service.staff_reservations(staff))[0]
    total = len(await service.staff_reservations(staff))
    async with make_desk_app().run_test(size=(80, 24), notifications=True) as pilot:
        await desk_login(pilot)
        # Another librarian confirms it at another desk.
        await service.confirm_reservation(await staff_session(service), first.reservation.id)
        await pilot.press("a")
        await settle(pilot)
        app = pilot.app
        assert "Šis ieraksts jau ir apstrādāts." in flat_text(app)
        assert tab_label(app, "reservations") == f"Rezervācijas ({total - 1})"
        assert str(first.reservation.id) not in [
            key for key, _ in table(app, "reservations")._rows_spec
        ]


# --------------------------------------------------------------- renewals


async def test_approving_a_renewal_moves_the_due_date_by_the_librarys_days(
    make_desk_app, service
) -> None:
    staff = await staff_session(service)
    first = (await service.staff_renewals(staff))[0]
    days = {lib.id: lib for lib in await service.libraries()}["aizk"].rules.renewal_days
    expected = first.loan.due + timedelta(days=days)
    async with make_desk_app().run_test(size=(120, 40)) as pilot:
        await desk_login(pilot)
        await pilot.press("2")
        await settle(pilot)
        app = pilot.app
        count = len(table(app, "renewals").rows_text())
        await pilot.press("a")
        await settle(pilot)
        text = flat_text(app)
        assert f"Pagarināts: {first.title} — {first.patron.name}" in text
        assert f"jaunais termiņš {format_date(expected)}" in text
        assert tab_label(app, "renewals") == f"Pagarinājumi ({count - 1})"
    account = await service.patron_account(staff, first.patron.id)
    loan = next(v.loan for v in account.loans if v.loan.id == first.loan.id)
    assert loan.due == expected
    assert loan.renewal == "none"


async def test_denying_a_renewal_with_a_reason(make_desk_app, service) -> None:
    staff = await staff_session(service)
    first = (await service.staff_renewals(staff))[0]
    async with make_desk_app().run_test(size=(80, 24)) as pilot:
        await desk_login(pilot)
        await pilot.press("2")
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(pilot.app.screen, ReasonDialog)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, ReasonDialog)
        await type_text(pilot, "Citi gaida rindā")
        await pilot.press("enter")
        await settle(pilot)
        assert f"Pagarinājums atteikts: {first.title}" in flat_text(pilot.app)
    account = await service.patron_account(staff, first.patron.id)
    loan = next(v.loan for v in account.loans if v.loan.id == first.loan.id)
    assert loan.due == first.loan.due
    assert loan.last_renewal_note == "Citi gaida rindā"


# ---------------------------------------------------------- free requests


async def test_free_requests_are_accepted_fulfilled_and_rejected(make_desk_app, service) -> None:
    staff = await staff_session(service)
    views = await service.staff_free_requests(staff)
    new = [v for v in views if v.request.state == FreeRequestState.SENT]
    assert len(new) >= 2
    first_key = str(views[0].request.id)
    async with make_desk_app().run_test(size=(120, 40)) as pilot:
        await desk_login(pilot)
        app = pilot.app
        await pilot.press("3")
        await settle(pilot)
        requests = table(app, "requests")

        async def select(request_id: int) -> None:
            for _ in range(requests.row_count + 1):
                if requests.selected_key == str(request_id):
                    return
                await pilot.press("down")
            raise AssertionError(f"request {request_id} not reached")

        # Accept the first new one with a note: it stays in the queue as accepted.
        target = new[0]
        await select(target.request.id)
        await pilot.press("p")
        await settle(pilot)
        assert isinstance(app.screen, ReasonDialog)
        await type_text(pilot, "Pasutam")
        await pilot.press("enter")
        await settle(pilot)
        assert f"Pieņemts: {target.request.title}" in flat_text(app)
        assert requests.row_text(str(target.request.id))[-1] == "Pieņemts"
        assert tab_label(app, "requests") == f"Brīvie pieprasījumi ({len(views)})"
        # Fulfil it (no note): it leaves the queue.
        await asyncio.sleep(GUARD_PAUSE)
        await pilot.press("i")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert f"Izpildīts: {target.request.title}" in flat_text(app)
        assert tab_label(app, "requests") == f"Brīvie pieprasījumi ({len(views) - 1})"
        # Reject another: the note is required.
        other = new[1]
        await asyncio.sleep(GUARD_PAUSE)
        await select(other.request.id)
        await pilot.press("n")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ReasonDialog)
        await type_text(pilot, "Nav pieejams")
        await pilot.press("enter")
        await settle(pilot)
        assert tab_label(app, "requests") == f"Brīvie pieprasījumi ({len(views) - 2})"
        assert first_key  # the table kept its rows' keys throughout
    account = await service.patron_account(staff, target.patron.id)
    states = {v.request.id: v.request for v in account.free_requests}
    assert states[target.request.id].state == FreeRequestState.FULFILLED
    other_account = await service.patron_account(staff, other.patron.id)
    rejected = next(
        v.request for v in other_account.free_requests if v.request.id == other.request.id
    )
    assert rejected.state == FreeRequestState.REJECTED
    assert rejected.note == "Nav pieejams"


# ------------------------------------------------------- language, keys


async def test_f6_switches_the_desk_to_english(make_desk_app) -> None:
    async with make_desk_app().run_test(size=(120, 40)) as pilot:
        await desk_login(pilot)
        app = pilot.app
        await pilot.press("f6")
        await settle(pilot)
        assert tab_label(app, "reservations").startswith("Reservations (")
        assert tab_label(app, "checkout") == "Check-out"
        text = flat_text(app)
        assert "Library desk" in text and "Confirm" in text and "Reject" in text
        assert "Patron" in text and "Barcode" in text
        assert "Rezervācijas" not in text and "Apstiprināt" not in text
        await pilot.press("ctrl+right")
        await settle(pilot)
        assert "Approve" in flat_text(app) and "Deny" in flat_text(app)
        await pilot.press("f6")
        await settle(pilot)
        assert "Apstiprināt" in flat_text(app)


async def test_no_untranslated_key_shows_anywhere_on_the_desk(make_desk_app) -> None:
    """Every label comes from a registered text (the keys of another screen's
    module are not assumed to be loaded)."""
    import re

    key = re.compile(r"\b(desk|account|login|status|key)\.[a-z_]+(\.[a-z_]+)*\b")
    async with make_desk_app().run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        seen = [screen_text(pilot.app)]
        await desk_login(pilot)
        for step in ("1", "2", "3", "4", "5", "6"):
            await pilot.press(step) if step == "1" else await pilot.press("ctrl+right")
            await settle(pilot)
            seen.append(screen_text(pilot.app))
        await type_text(pilot, "Ozola")
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        for tab in ("1", "2", "3"):
            await pilot.press(tab)
            await settle(pilot)
            seen.append(screen_text(pilot.app))
    for text in seen:
        assert not key.search(text), key.search(text)


async def test_f10_logs_out_to_the_staff_login_and_f5_opens_the_catalog(
    make_desk_app, service
) -> None:
    async with make_desk_app().run_test(size=(80, 24), notifications=True) as pilot:
        await desk_login(pilot)
        app = pilot.app
        await pilot.press("f3", "f4")
        await settle(pilot)
        assert isinstance(app.screen, DeskScreen), "F3/F4 are the patron's, not the desk's"
        await pilot.press("f5")
        await settle(pilot)
        assert isinstance(app.screen, CatalogScreen)
        assert app.session is not None
        await pilot.press("f5")
        await settle(pilot)
        assert isinstance(app.screen, DeskScreen)
        await pilot.press("f5")
        await settle(pilot)
        app.screen.query_one("#results").focus()
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, DeskScreen)
        session = app.session
        await pilot.press("f10")
        await settle(pilot)
        assert app.session is None
        assert isinstance(app.screen, DeskLoginScreen)
        assert len(app.screen_stack) == 2
        with pytest.raises(Exception):  # noqa: B017 - the token is of no use after logout
            await service.staff_reservations(session)
        # The next librarian logs in at the same terminal.
        await log_in(pilot, OTHER_STAFF, PASSWORD)
        await settle(pilot)
        assert isinstance(app.screen, DeskScreen)
        assert app.session is not None and app.session.patron.username == OTHER_STAFF


async def test_an_empty_queue_says_so_and_its_keys_still_work(make_desk_app, service) -> None:
    staff = await staff_session(service, OTHER_STAFF)
    assert not await service.staff_renewals(staff), "Koknese has no renewal requests"
    async with make_desk_app().run_test(size=(80, 24)) as pilot:
        await desk_login(pilot, OTHER_STAFF)
        app = pilot.app
        await pilot.press("2")
        await settle(pilot)
        assert tab_label(app, "renewals") == "Pagarinājumi (0)"
        text = flat_text(app)
        assert "Nav neapstrādātu pagarinājumu." in text
        assert "R Atjaunot" in text and "Ctrl+←→ Cilnes" in text
        assert app.focused is pane(app, "renewals")
        await pilot.press("a", "n", "r")
        await settle(pilot)
        assert isinstance(app.screen, DeskScreen)


SIZES = [
    (1, 1), (3, 3), (20, 5), (40, 10), (79, 23), (80, 24), (120, 40), (300, 100), (200, 3),
    (5, 60), (80, 24),
]


async def test_any_terminal_size_leaves_every_tab_working(make_desk_app) -> None:
    async with make_desk_app().run_test(size=(80, 24)) as pilot:
        await desk_login(pilot)
        app = pilot.app
        for tab in ("1", "2", "3", "4", "5", "6"):
            await pilot.press(tab) if tab in "123" else await pilot.press("ctrl+right")
            for size in SIZES:
                await pilot.resize_terminal(*size)
                await pilot.pause()
            await settle(pilot)
            assert app.is_running and isinstance(app.screen, DeskScreen)
        assert "Lasītāji" in flat_text(app)


async def test_an_unreachable_service_shows_the_banner_and_the_queues_come_back(
    make_desk_app, clock
) -> None:
    from services.errors import ServiceUnavailable
    from tui.i18n import tr

    class Flaky(MemoryService):
        down = False

        async def staff_reservations(self, session):  # type: ignore[no-untyped-def]
            if self.down:
                raise ServiceUnavailable()
            return await super().staff_reservations(session)

        async def check_out(self, session, card_number, barcode):  # type: ignore[no-untyped-def]
            if self.down:
                raise ServiceUnavailable()
            return await super().check_out(session, card_number, barcode)

    flaky = Flaky(clock=clock)
    app = make_desk_app(service_override=flaky)
    app.RETRY_DELAYS = (0.1,)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        flaky.down = True
        await desk_login(pilot)
        assert app.offline
        assert tr("error.offline", "lv") in flat_text(app)
        assert tab_label(app, "reservations") == "Rezervācijas"
        await pilot.press("4")
        await type_text(pilot, "1000000003")
        await pilot.press("enter")
        await settle(pilot)
        await type_text(pilot, "AIZK0001000")
        await pilot.press("enter")
        await settle(pilot)
        status = static_text(app.screen, "#checkout-status")  # toasts may cover it
        assert status == "Nav izsniegts AIZK0001000: " + ServiceUnavailable().text("lv")
        flaky.down = False
        await asyncio.sleep(0.3)
        await settle(pilot)
        assert not app.offline
        assert tab_label(app, "reservations").startswith("Rezervācijas (")
