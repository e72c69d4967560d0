"""The kiosk journeys once more, on the remote adapter (issue 4): the real
server on a loopback port in this process, serving the demo region with the
fixed clock, and the kiosk talking HTTP to it through ``RemoteService``.

The journeys are the same test functions as on the in-memory adapter,
collected here a second time with ``service`` standing for the remote
adapter (so ``make_app`` builds the kiosk on it, and each test's own checks
ask the server). One journey is written here: search → record → order with
login on the way → the reservation in "Rezervētie".
"""

from __future__ import annotations

import pytest

from screens.account import AccountScreen
from screens.dialogs.login import LoginScreen
from screens.dialogs.order import OrderDialog
from screens.record import RecordScreen
from services.demo_data import DEMO_PASSWORD
from services.models import OfferKind, ReservationState
from services.remote import RemoteService
from tests.screens.account_helpers import log_in
from tests.screens.catalog_helpers import (
    find_copy,
    flat,
    move_to_copy,
    open_record,
    screen_text,
    settle,
    table_rows,
    type_text,
)

# The journeys of the in-memory suite, run here on the remote adapter.
from tests.screens.test_account import (  # noqa: F401
    test_busy_patron_sees_free_requests_with_review_deadline,
    test_cancelling_a_reservation_asks_first,
    test_overdue_patron_sees_days_and_fine_and_no_renewal,
    test_renewing_shows_unprocessed_renewal_at_once,
)
from tests.screens.test_catalog import (  # noqa: F401
    test_filters_narrow_the_results,
    test_page_down_and_up_page_through_the_results,
    test_search_without_diacritics_finds_a_latvian_title,
)
from tests.screens.test_contacts import test_contacts_show_every_library  # noqa: F401
from tests.screens.test_free_request import (  # noqa: F401
    test_a_request_with_a_dash_for_author_is_sent_and_listed,
    test_missing_title_is_refused_at_the_field_and_nothing_is_lost,
)
from tests.screens.test_lists import test_send_to_a_good_address_lands_in_the_outbox  # noqa: F401
from tests.screens.test_login import (  # noqa: F401
    test_login_by_library_card_number,
    test_wrong_password_says_so_clears_it_and_offers_recovery,
)
from tests.screens.test_logout import (  # noqa: F401
    test_logout_from_my_library,
    test_logout_wipes_the_patron_everywhere,
)
from tests.screens.test_record import (  # noqa: F401
    test_a_refusal_is_shown_in_the_dialog_and_as_a_notification,
    test_joining_a_queue_warns_and_shows_the_position,
    test_order_while_logged_out_logs_in_and_comes_back_to_the_same_copy,
)
from tests.screens.test_recovery import test_recovery_with_the_code_from_the_e_mail  # noqa: F401
from widgets.copy_table import CopyTable
from widgets.fit_table import FitTable


@pytest.fixture
def service(remote_service: RemoteService) -> RemoteService:
    """Every test of this module runs on the remote adapter."""
    return remote_service


async def test_the_adapter_is_remote(make_app) -> None:
    async with make_app().run_test(size=(80, 24)) as pilot:
        # The app watches its service's answers (tui.watched); behind it, the adapter.
        assert isinstance(pilot.app.service.watched, RemoteService)


async def test_search_order_with_login_and_see_it_in_rezervetie(make_app, service) -> None:
    record_id, title, index, view = await find_copy(service, OfferKind.ORDER)
    async with make_app().run_test(size=(80, 24)) as pilot:
        app = pilot.app
        await settle(pilot)
        # Search for the title as a patron types it, and open the record.
        await type_text(pilot, title)
        await pilot.press("enter")
        await settle(pilot)
        assert title in [row[0] for row in table_rows(app.screen.query_one("#results"))]
        await open_record(pilot, record_id)
        assert isinstance(app.screen, RecordScreen)
        # The copy that can be ordered; logging in on the way.
        await move_to_copy(pilot, index)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)
        await log_in(pilot, "anna", DEMO_PASSWORD)
        assert isinstance(app.screen, OrderDialog)
        assert app.screen.view.item.barcode == view.item.barcode
        await pilot.press("enter")  # "Pasūtīt"
        await settle(pilot)
        assert "Pasūtīts!" in flat(screen_text(app))
        await pilot.press("enter")  # "Labi"
        await settle(pilot)
        assert isinstance(app.screen, RecordScreen)
        assert table_rows(app.screen.query_one(CopyTable))[index][3] != "Pasūtīt"
        # Mana bibliotēka opens on "Rezervētie", with the new reservation.
        await pilot.press("f3")
        await settle(pilot)
        account = app.screen
        assert isinstance(account, AccountScreen)
        assert account.active_tab == "reserved"
        rows = account.query_one("#reserved-table", FitTable).rows_text()
        mine = [row for row in rows if any(title == cell for cell in row)]
        assert mine, rows
        assert any("apstiprin" in cell for cell in mine[0])  # waiting for the library
        reservations = await service.reservations(app.session)
        ordered = [r for r in reservations if r.reservation.barcode == view.item.barcode]
        assert ordered and ordered[0].reservation.state is ReservationState.REQUESTED
