"""A scanner burst at Izsniegšana (issue 11): the card number, Enter, a
barcode, Enter, another barcode, Enter, all in one read. The card is looked
up first; the barcodes wait, in order, and both copies are lent to that
patron — on the in-memory adapter and over HTTP to the real server."""

from __future__ import annotations

import pytest

from screens.desk.screen import DeskScreen
from screens.desk.checkout import CheckoutPane
from services.protocol import LibraryService
from tests.screens.account_helpers import flat_text, settle
from tests.screens.desk_helpers import (
    copies_of,
    desk_app_factory,
    desk_login,
    lendable,
    scan,
    staff_session,
)
from widgets.fit_table import FitTable

LIGA_CARD = "1000000003"


@pytest.fixture(params=["memory", "remote"])
def desk_service(request) -> LibraryService:
    """The in-memory adapter, or the remote adapter in front of the real server."""
    return request.getfixturevalue("service" if request.param == "memory" else "remote_service")


async def test_a_card_and_two_barcodes_in_one_burst_lend_both_to_that_patron(
    desk_service: LibraryService,
) -> None:
    first, second = await copies_of(desk_service, "aizk", lendable, count=2)
    async with desk_app_factory(desk_service)().run_test(size=(100, 30)) as pilot:
        await desk_login(pilot)
        await pilot.press("4")
        await settle(pilot)
        await scan(pilot, LIGA_CARD, first.item.barcode, second.item.barcode)
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, DeskScreen)
        pane = screen.query_one("#checkout", CheckoutPane)
        text = flat_text(pilot.app)
        assert "nav atrasts" not in text
        assert pane.patron is not None and pane.patron.card_number == LIGA_CARD
        lent = pane.query_one("#checkout-lent", FitTable).rows_text()
        assert [row[1] for row in lent] == [second.item.barcode, first.item.barcode]
        assert pilot.app.focused is pane.query_one("#checkout-barcode")
        assert pane.query_one("#checkout-card").value == ""  # no barcode as a card number
    staff = await staff_session(desk_service)
    account = await desk_service.patron_account(staff, pane.patron.id)
    assert {first.item.barcode, second.item.barcode} <= {v.loan.barcode for v in account.loans}
