"""The whole loop of issue 5 against the real server: a patron acts in the
kiosk, a librarian answers at the desk, the patron sees the answer in the
kiosk, and the e-mail arrives at a real SMTP server (aiosmtpd).

Both apps talk HTTP through ``RemoteService`` to ``mana serve``'s app
(uvicorn on a loopback port in this process), which delivers its outbox to
the SMTP server like a library's server would. The demo region and the
clock are the UI suite's (16.11.2026 10:00).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage

import pytest

from screens.account import AccountScreen
from services.clock import FakeClock
from services.demo import build_region
from services.memory import MemoryService
from services.models import FreeRequestState, OfferKind, RenewalState, ReservationState
from services.remote import RemoteService
from services.server.settings import MailSettings
from tests.screens.account_helpers import flat_text, log_in, settle, type_text
from tests.screens.catalog_helpers import order_copy
from tests.screens.desk_helpers import copies_of, desk_app_factory, desk_login
from tests.screens.test_account import move_to, open_account, row_of
from tests.screens.test_free_request import open_form
from tests.services.server_harness import TEST_SETTINGS, running_server
from tests.services.smtp_sink import SmtpSink
from tui.app import KioskApp
from tui.config import KioskConfig
from tui.i18n import format_date
from widgets.fit_table import FitTable

PASSWORD = "demo1234"
STAFF = "staff-aizk"


@dataclass
class Region:
    """The real server of the demo region and the mail server it sends to."""

    url: str
    engine: MemoryService
    sink: SmtpSink
    clock: FakeClock

    def client(self) -> RemoteService:
        return RemoteService(self.url, timeout=10)

    def kiosk(self) -> KioskApp:
        return KioskApp(service=self.client(), config=KioskConfig())

    def desk(self):  # type: ignore[no-untyped-def]
        return desk_app_factory(self.client())()

    def mail_to(self, address: str, subject: str, timeout: float = 10) -> EmailMessage:
        """The one e-mail to ``address`` whose subject has ``subject``, once it arrived."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [m for m in self.sink.to(address) if subject in m["Subject"]]
            if found:
                time.sleep(0.5)  # a second copy would have come by now
                found = [m for m in self.sink.to(address) if subject in m["Subject"]]
                assert len(found) == 1, f"{len(found)} e-mails {subject!r} to {address}"
                return found[0]
            time.sleep(0.05)
        subjects = [m["Subject"] for m in self.sink.to(address)]
        raise AssertionError(f"no e-mail {subject!r} to {address}; got {subjects}")


@pytest.fixture
def region(clock: FakeClock) -> Iterator[Region]:
    sink = SmtpSink().start()
    engine = MemoryService(build_region(clock.now().date()), clock)
    mail = MailSettings(smtp_host="127.0.0.1", smtp_port=sink.port, smtp_security="none",
                        smtp_timeout=5, poll_seconds=0.1, retry_first_seconds=0.2,
                        retry_max_seconds=0.5)
    try:
        with running_server(engine, TEST_SETTINGS.model_copy(update={"mail": mail})) as server:
            yield Region(server.url, engine, sink, clock)
    finally:
        sink.stop()


async def staff_select(pilot, tab: str, key: int) -> None:  # type: ignore[no-untyped-def]
    """On the desk's ``tab``, arrow down to the row of ``key``."""
    table = pilot.app.screen.query_one(f"#{tab}-table", FitTable)
    for _ in range(table.row_count + 1):
        if table.selected_key == str(key):
            return
        await pilot.press("down")
        await pilot.pause()
    raise AssertionError(f"row {key} not reached in {tab}")


async def test_renewal_kiosk_desk_kiosk_and_e_mail(region: Region) -> None:
    # 1. liga asks to renew "Mātes piens" in the kiosk.
    async with region.kiosk().run_test(size=(80, 24)) as pilot:
        screen = await open_account(pilot, "liga")
        await pilot.press("3")
        await settle(pilot)
        await move_to(pilot, screen, "loans", "Mātes piens")
        await pilot.press("enter")
        await settle(pilot)
        assert "Neapstrādāts pagarinājums" in row_of(screen, "loans", "Mātes piens")
        loan = next(v for v in await pilot.app.service.loans(pilot.app.session)
                    if v.title == "Mātes piens")
        email = pilot.app.session.patron.email
    libraries = {lib.id: lib for lib in await region.engine.libraries()}
    new_due = loan.loan.due + timedelta(days=libraries["aizk"].rules.renewal_days)

    # 2. The librarian of Aizkraukle approves it at the desk.
    async with region.desk().run_test(size=(80, 24)) as pilot:
        await desk_login(pilot, STAFF, PASSWORD)
        await pilot.press("2")
        await settle(pilot)
        await staff_select(pilot, "renewals", loan.loan.id)
        await pilot.press("a")
        await settle(pilot)
        assert f"jaunais termiņš {format_date(new_due)}" in flat_text(pilot.app)

    # 3. liga sees the new due date, and the e-mail has come.
    async with region.kiosk().run_test(size=(80, 24)) as pilot:
        screen = await open_account(pilot, "liga")
        await pilot.press("3")
        await settle(pilot)
        row = row_of(screen, "loans", "Mātes piens")
        assert format_date(new_due) in row and "Neapstrādāts pagarinājums" not in row
        renewed = next(v for v in await pilot.app.service.loans(pilot.app.session)
                       if v.title == "Mātes piens")
        assert renewed.loan.renewal == RenewalState.NONE
    mail = region.mail_to(email, f"Izsniegums pagarināts līdz {format_date(new_due)}")
    assert "Mātes piens" in mail.get_content()


async def test_reservation_kiosk_desk_kiosk_and_e_mail(region: Region) -> None:
    client = region.client()
    (view,) = await copies_of(client, "aizk", lambda c: c.offer.kind is OfferKind.ORDER)
    record_id = view.item.record_id
    title = (await client.record(record_id)).title
    page = await client.copies(record_id, 0, 50)
    index = [c.item.barcode for c in page.items].index(view.item.barcode)
    # 1. anna orders the copy in the kiosk.
    async with region.kiosk().run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f3")
        await settle(pilot)
        await log_in(pilot, "anna", PASSWORD)
        await pilot.press("escape")
        await settle(pilot)
        await order_copy(pilot, record_id, index)
        (ordered,) = [r for r in await pilot.app.service.reservations(pilot.app.session)
                      if r.reservation.barcode == view.item.barcode]
        email = pilot.app.session.patron.email
    libraries = {lib.id: lib for lib in await region.engine.libraries()}
    until = region.clock.now().date() + timedelta(days=libraries["aizk"].rules.pickup_days)

    # 2. The librarian confirms it: the copy goes on the hold shelf.
    async with region.desk().run_test(size=(120, 40)) as pilot:
        await desk_login(pilot, STAFF, PASSWORD)
        await staff_select(pilot, "reservations", ordered.reservation.id)
        await pilot.press("a")
        await settle(pilot)
        assert f"Apstiprināts: {title}" in flat_text(pilot.app)
        assert format_date(until) in flat_text(pilot.app)

    # 3. anna sees it ready until that date, and the e-mail has come.
    async with region.kiosk().run_test(size=(120, 40)) as pilot:
        screen = await open_account(pilot, "anna")
        assert screen.active_tab == "reserved"
        row = row_of(screen, "reserved", title)
        assert any(format_date(until) in cell for cell in row), row
        (ready,) = [r for r in await pilot.app.service.reservations(pilot.app.session)
                    if r.reservation.id == ordered.reservation.id]
        assert ready.reservation.state == ReservationState.READY
    mail = region.mail_to(email, f"Rezervācija saņemama līdz {format_date(until)}")
    assert title in mail.get_content()


async def test_free_request_kiosk_desk_kiosk_and_e_mail(region: Region) -> None:
    wanted = "Biškopība Latvijā"
    # 1. anna sends a free request to her home library (Aizkraukle).
    async with region.kiosk().run_test(size=(80, 24)) as pilot:
        await open_form(pilot, "anna")
        await type_text(pilot, "-")
        await pilot.press("enter")
        await type_text(pilot, wanted)
        await pilot.press("f9")
        await settle(pilot)
        account = pilot.app.screen
        assert isinstance(account, AccountScreen) and account.active_tab == "requests"
        (sent,) = [r for r in await pilot.app.service.free_requests(pilot.app.session)
                   if r.request.title == wanted]
        assert sent.request.library_id == "aizk"
        email = pilot.app.session.patron.email

    # 2. The librarian accepts it with a note.
    async with region.desk().run_test(size=(120, 40)) as pilot:
        await desk_login(pilot, STAFF, PASSWORD)
        await pilot.press("3")
        await settle(pilot)
        await staff_select(pilot, "requests", sent.request.id)
        await pilot.press("p")
        await settle(pilot)
        await type_text(pilot, "Pasūtīts no SBA")
        await pilot.press("enter")
        await settle(pilot)
        assert f"Pieņemts: {wanted}" in flat_text(pilot.app)

    # 3. anna sees it accepted, and the e-mail has come.
    async with region.kiosk().run_test(size=(120, 40)) as pilot:
        screen = await open_account(pilot, "anna")
        await pilot.press("2")
        await settle(pilot)
        assert "Pieņemts" in " ".join(row_of(screen, "requests", wanted))
        (accepted,) = [r for r in await pilot.app.service.free_requests(pilot.app.session)
                       if r.request.title == wanted]
        assert accepted.request.state == FreeRequestState.ACCEPTED
    mail = region.mail_to(email, "Brīvais pieprasījums pieņemts")
    body = mail.get_content()
    assert wanted in body and "Pasūtīts no SBA" in body
