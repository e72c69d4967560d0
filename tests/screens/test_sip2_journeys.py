"""The kiosk's journeys with its accounts from a library system over SIP2
(issue 15): the kiosk's SIP2 adapter against ``mana serve``'s SIP2 listener
on a real loopback port, the catalogue from the demo region. A patron logs
in with card and PIN, sees their loans, checks a book out to themselves and
returns it, renews, places a hold; what SIP2 cannot do is not on the screen."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from argon2 import PasswordHasher

from screens.account import AccountScreen
from services.combined import CombinedService
from services.server.settings import Sip2Settings, Sip2Terminal
from services.sip2.accounts import Sip2Accounts
from services.sip2.client import Sip2Client
from services.sip2.listener import Sip2Listener
from tests.screens.account_helpers import flat_text, log_in, settle
from tests.screens.desk_helpers import copies_of, lendable, scan
from tests.screens.test_self_check import PASSWORD, TERMINAL
from tui.app import KioskApp
from tui.config import KioskConfig
from tui.i18n import format_date

TERMINAL_PASSWORD = "kioska-parole"


@pytest.fixture
async def over_sip2(service, clock) -> AsyncIterator[CombinedService]:
    """The demo region behind a SIP2 listener, and the kiosk's combined
    service: the catalogue from the region, the accounts over SIP2."""
    hashed = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(TERMINAL_PASSWORD)
    settings = Sip2Settings(port=0, terminals=[Sip2Terminal(
        login="kiosks-aizk", password_hash=hashed, library="aizk", staff_account="staff-aizk")])
    listener = Sip2Listener(service, settings, clock=clock)
    port = await listener.start()
    client = Sip2Client("127.0.0.1", port, login="kiosks-aizk", password=TERMINAL_PASSWORD,
                        timeout=5)
    try:
        yield CombinedService(service, Sip2Accounts(client, "aizk", clock=clock))
    finally:
        await client.close()
        await listener.close()


async def test_login_loans_and_self_check_over_sip2(over_sip2, service) -> None:
    (copy,) = await copies_of(service, "aizk", lendable)
    config = KioskConfig.model_validate({"kiosk": TERMINAL})
    async with KioskApp(service=over_sip2, config=config).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f3")
        await settle(pilot)
        await log_in(pilot, "1000000001", PASSWORD)  # anna's card and PIN
        assert isinstance(pilot.app.screen, AccountScreen)
        text = flat_text(pilot.app)
        assert "Anna Bērziņa" in text
        assert "Izsniegumi" in text
        assert "Izlasītās" not in text and "Brīvie pieprasījumi" not in text  # not over SIP2
        await pilot.press("i")
        await settle(pilot)
        await scan(pilot, copy.item.barcode)
        anna = await service.login("anna", PASSWORD)
        (loan,) = await service.loans(anna)  # in the library system's own books
        assert loan.loan.barcode == copy.item.barcode
        assert f"termiņš {format_date(loan.loan.due)}" in flat_text(pilot.app)
        await pilot.press("f7")
        await settle(pilot)
        await scan(pilot, copy.item.barcode)
        assert f"({copy.item.barcode}) — Nodots" in flat_text(pilot.app)
        assert await service.loans(anna) == []
        await pilot.press("escape")
        await settle(pilot)
        assert "^E" not in flat_text(pilot.app), "no e-mailed receipt over SIP2"


async def test_a_renewal_over_sip2_says_what_the_library_system_decided(
    over_sip2, service,
) -> None:
    """Līga renews "Mātes piens" at the kiosk; Mana's listener queues it for a
    librarian, and the kiosk shows that, as for its own accounts."""
    from tests.screens.test_account import move_to, row_of

    async with KioskApp(service=over_sip2, config=KioskConfig()).run_test(
            size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f3")
        await settle(pilot)
        await log_in(pilot, "1000000003", PASSWORD)  # līga's card and PIN
        screen = pilot.app.screen
        assert isinstance(screen, AccountScreen)
        await pilot.press("right")  # Rezervētie → Izsniegumi (no free requests over SIP2)
        await settle(pilot)
        assert screen.active_tab == "loans"
        await move_to(pilot, screen, "loans", "Mātes piens")
        await pilot.press("enter")
        await settle(pilot)
        assert "Neapstrādāts pagarinājums" in row_of(screen, "loans", "Mātes piens")
    staff = await service.login("staff-aizk", PASSWORD)
    (queued,) = [v for v in await service.staff_renewals(staff) if v.title == "Mātes piens"]
    assert queued.patron is not None and queued.patron.username == "liga"  # at the desk now


async def test_a_hold_placed_over_sip2_is_in_rezervetie(over_sip2, service) -> None:
    """Anna orders a copy from the region's catalogue; the hold goes to the
    library system (15) and comes back in her "Rezervētie" from it (63)."""
    from services.models import OfferKind
    from tests.screens.catalog_helpers import find_copy, order_copy

    record_id, title, index, view = await find_copy(service, OfferKind.ORDER)
    async with KioskApp(service=over_sip2, config=KioskConfig()).run_test(
            size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f3")
        await settle(pilot)
        await log_in(pilot, "1000000001", PASSWORD)
        await pilot.press("escape")  # back to the catalog
        await settle(pilot)
        await order_copy(pilot, record_id, index)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("f3")
        await settle(pilot)
        assert title[:20] in flat_text(pilot.app)
    anna = await service.login("anna", PASSWORD)
    assert view.item.barcode in {v.reservation.barcode for v in await service.reservations(anna)}
