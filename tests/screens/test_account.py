"""Mana bibliotēka (R7, R9–R12): what the demo patrons see in each tab, and
renewing and cancelling from there."""

from __future__ import annotations

from screens.account import AccountScreen
from screens.dialogs.confirm import ConfirmDialog
from screens.free_request import FreeRequestScreen
from services.models import FreeRequestState, RenewalState
from tests.screens.account_helpers import flat_text, log_in, screen_text, settle
from tui.i18n import format_datetime, format_money
from widgets.fit_table import FitTable

PASSWORD = "demo1234"


async def open_account(pilot, username: str) -> AccountScreen:
    await settle(pilot)
    await pilot.press("f3")
    await settle(pilot)
    await log_in(pilot, username, PASSWORD)
    screen = pilot.app.screen
    assert isinstance(screen, AccountScreen)
    return screen


def table(screen: AccountScreen, tab: str) -> FitTable:
    return screen.query_one(f"#{tab}-table", FitTable)


def row_of(screen: AccountScreen, tab: str, title: str) -> list[str]:
    rows = [row for row in table(screen, tab).rows_text() if any(title in c for c in row)]
    assert rows, f"{title!r} is not in the {tab} tab"
    return rows[0]


async def move_to(pilot, screen: AccountScreen, tab: str, title: str) -> None:
    """Arrow down until the highlighted row is ``title``'s."""
    t = table(screen, tab)
    for _ in range(t.row_count + 1):
        key = t.selected_key
        if key is not None and any(title in cell for cell in t.row_text(key)):
            return
        await pilot.press("down")
        await pilot.pause()
    raise AssertionError(f"{title!r} not reached in {tab}")


# --------------------------------------------------------------------------- janis


async def test_overdue_patron_sees_days_and_fine_and_no_renewal(make_app, service) -> None:
    session = await service.login("janis", PASSWORD)
    overdue = next(v for v in await service.loans(session) if v.overdue_days > 0)
    expected = f"{overdue.overdue_days} d., {format_money(overdue.fine, 'lv')}"
    async with make_app().run_test(size=(120, 40)) as pilot:
        screen = await open_account(pilot, "janis")
        await pilot.press("3")
        await settle(pilot)
        text = flat_text(pilot.app)
        assert "Termiņš" in text and "Nokavētās dienas, soda nauda" in text
        row = row_of(screen, "loans", overdue.title)
        assert expected in row
        assert expected in text
        assert "Pagarināt" not in row
        assert any(cell.startswith("Nevar pagarināt: termiņš nokavēts") for cell in row)
        assert "bibliotēkas faktiskā summa var atšķirties" in text


async def test_overdue_patron_is_not_given_the_free_request_form(make_app) -> None:
    async with make_app().run_test(size=(80, 24)) as pilot:
        await open_account(pilot, "janis")
        await pilot.press("2")
        await settle(pilot)
        reason = "Pasūtījumu nevar veikt, kamēr izsniegums ir nokavēts."
        assert reason in flat_text(pilot.app)
        await pilot.press("v")
        await settle(pilot)
        assert isinstance(pilot.app.screen, AccountScreen)
        assert not any(isinstance(s, FreeRequestScreen) for s in pilot.app.screen_stack)
        assert reason in flat_text(pilot.app)


# ---------------------------------------------------------------------------- liga


async def test_busy_patron_sees_ready_queued_and_waiting_reservations(make_app, service) -> None:
    async with make_app().run_test(size=(80, 24)) as pilot:
        screen = await open_account(pilot, "liga")
        text = flat_text(pilot.app)
        assert "Rezervētie" in text
        ready = row_of(screen, "reserved", "Mazais princis")
        assert "Gatavs saņemšanai līdz 23.11.2026" in ready
        assert "23.11.2026" in ready  # held until
        queued = row_of(screen, "reserved", "Meistars un Margarita")
        assert any(c.startswith("Rindā 2. vietā, paredzams ap ") for c in queued)
        assert "Gaida bibliotēkas apstiprinājumu" in row_of(screen, "reserved", "Laimes bērni")
        assert "Gatavs saņemšanai līdz 23.11.2026" in text
        assert "Rindā 2. vietā, paredzams ap" in text
        assert "iepriekšējais lasītājs grāmatu nodos laikā" in text


async def test_busy_patron_sees_pending_renewal_and_reasons(make_app) -> None:
    async with make_app().run_test(size=(80, 24)) as pilot:
        screen = await open_account(pilot, "liga")
        await pilot.press("3")
        await settle(pilot)
        assert "Neapstrādāts pagarinājums" in row_of(screen, "loans", "Simts vientulības gadi")
        assert "Pagarināt" in row_of(screen, "loans", "Mātes piens")
        at_limit = row_of(screen, "loans", "Dievs, daba, darbs")
        assert any("pagarinājumu skaita ierobežojums" in c for c in at_limit)
        assert "Neapstrādāts pagarinājums" in flat_text(pilot.app)


async def test_busy_patron_sees_free_requests_with_review_deadline(make_app, service) -> None:
    session = await service.login("liga", PASSWORD)
    sent = next(
        v.request
        for v in await service.free_requests(session)
        if v.request.state == FreeRequestState.SENT
    )
    async with make_app().run_test(size=(80, 24)) as pilot:
        screen = await open_account(pilot, "liga")
        await pilot.press("2")
        await settle(pilot)
        row = row_of(screen, "requests", sent.title)
        assert "Nosūtīts bibliotēkai" in row
        assert format_datetime(sent.review_by) in row
        assert "Izskatīs līdz" in flat_text(pilot.app)
        assert f"Izskatīs līdz {format_datetime(sent.review_by)}" in flat_text(pilot.app)
        assert "Noraidīts" in row_of(screen, "requests", "Sērenes muižas vēsture")


async def test_history_lists_returned_loans(make_app) -> None:
    async with make_app().run_test(size=(80, 24)) as pilot:
        screen = await open_account(pilot, "liga")
        await pilot.press("4")
        await settle(pilot)
        assert "Izlasītās" in screen_text(pilot.app)
        titles = [row[0] for row in table(screen, "history").rows_text()]
        assert "Zaļā zeme" in titles and "Baltā grāmata" in titles


async def test_renewing_shows_unprocessed_renewal_at_once(make_app, service) -> None:
    async with make_app().run_test(size=(80, 24)) as pilot:
        screen = await open_account(pilot, "liga")
        await pilot.press("right", "right")  # Rezervētie → Brīvie pieprasījumi → Izsniegumi
        await settle(pilot)
        assert screen.active_tab == "loans"
        await move_to(pilot, screen, "loans", "Mātes piens")
        await pilot.press("enter")
        await settle(pilot)
        row = row_of(screen, "loans", "Mātes piens")
        assert "Neapstrādāts pagarinājums" in row
        assert "Pagarināt" not in row
        session = pilot.app.session
        loan = next(v for v in await service.loans(session) if v.title == "Mātes piens")
        assert loan.loan.renewal == RenewalState.PENDING


async def test_renewal_not_offered_is_explained_and_not_sent(make_app, service) -> None:
    async with make_app().run_test(size=(120, 40)) as pilot:
        screen = await open_account(pilot, "liga")
        await pilot.press("3")
        await settle(pilot)
        await move_to(pilot, screen, "loans", "Dievs, daba, darbs")
        await pilot.press("p")
        await settle(pilot)
        assert "pagarinājumu skaita ierobežojums" in flat_text(pilot.app)
        loan = next(
            v for v in await service.loans(pilot.app.session) if v.title == "Dievs, daba, darbs"
        )
        assert loan.loan.renewal == RenewalState.NONE


async def test_cancelling_a_reservation_asks_first(make_app, service) -> None:
    async with make_app().run_test(size=(80, 24)) as pilot:
        screen = await open_account(pilot, "liga")
        await move_to(pilot, screen, "reserved", "Laimes bērni")
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(pilot.app.screen, ConfirmDialog)
        assert "Atcelt rezervāciju „Laimes bērni”?" in flat_text(pilot.app)
        await pilot.press("escape")  # "Nē": nothing happens
        await settle(pilot)
        assert "Gaida bibliotēkas apstiprinājumu" in row_of(screen, "reserved", "Laimes bērni")
        await pilot.press("a")
        await settle(pilot)
        await pilot.press("shift+tab", "enter")  # from "Nē" to "Jā"
        await settle(pilot)
        assert isinstance(pilot.app.screen, AccountScreen)
        assert "Atcelts" in row_of(screen, "reserved", "Laimes bērni")


async def test_clean_account_says_there_is_nothing(make_app) -> None:
    async with make_app().run_test(size=(80, 24)) as pilot:
        await open_account(pilot, "anna")
        assert "Jums nav rezervāciju." in flat_text(pilot.app)
        await pilot.press("3")
        await settle(pilot)
        assert "Jums nav izsniegumu." in flat_text(pilot.app)


async def test_english_labels_after_f6(make_app) -> None:
    async with make_app().run_test(size=(120, 40)) as pilot:
        screen = await open_account(pilot, "liga")
        await pilot.press("f6")
        await settle(pilot)
        text = flat_text(pilot.app)
        for label in (
            "Reserved",
            "Free requests",
            "Loans",
            "Read",
            "Ready for pickup until 23.11.2026",
        ):
            assert label in text
        assert "Rezervētie" not in text and "Gatavs saņemšanai" not in text
        await pilot.press("3")
        await settle(pilot)
        text = flat_text(pilot.app)
        assert "Due date" in text and "Renewal pending" in text and "Renew" in text
        assert "Renew" in row_of(screen, "loans", "Mātes piens")
        await pilot.press("f6")
        await settle(pilot)
        assert "Izsniegumi" in flat_text(pilot.app)
