"""Saņemšana (check-in, R14): a copy's barcode at Enter takes it back.

The answer says "Nodots: <title>" with whose loan it was, and when the copy
had a queue it has become the next reader's reservation: a prominent line
says to put it on the hold shelf for that reader, until when. Codes are
queued and taken back one after the other, so a scanner can go on while the
service answers; this visit's check-ins are listed below.
"""

from __future__ import annotations

from collections import deque

from textual import on, work
from textual.app import ComposeResult
from textual.widget import Widget
from textual.widgets import Static

from screens.desk.pane import DeskPane
from screens.rows import desk as rows
from services.errors import ManaError, NotAuthenticated
from services.models import CheckInResult, Patron, Session
from tui.i18n import format_date, texts, tr
from tui.safe import plain
from widgets.desk_scan import ScanInput
from widgets.fit_table import FitTable
from widgets.label import follow_language
from widgets.notes import put

texts(
    {
        "desk.checkin.start": (
            "Ievadiet vai skenējiet nodotā eksemplāra svītrkodu un nospiediet Enter.",
            "Type or scan the returned copy's barcode and press Enter.",
        ),
        "desk.checkin.returned": ("Nodots: {title} ({barcode})", "Returned: {title} ({barcode})"),
        "desk.checkin.returned_by": (
            "Nodots: {title} ({barcode}) — {name}, karte {card}",
            "Returned: {title} ({barcode}) — {name}, card {card}",
        ),
        "desk.checkin.not_on_loan": (
            "Saņemts: {title} ({barcode}); eksemplārs nebija izsniegts.",
            "Checked in: {title} ({barcode}); the copy was not on loan.",
        ),
        "desk.checkin.hold": (
            "Novietojiet rezervēto plauktā: {name} (karte {card}), līdz {date}",
            "Put it on the hold shelf for {name} (card {card}), until {date}",
        ),
        "desk.checkin.failed": (
            "Nav saņemts {barcode}: {reason}",
            "Not checked in {barcode}: {reason}",
        ),
        "desk.checkin.session": ("Saņemts šajā reizē ({count})", "Checked in this time ({count})"),
    }
)


class CheckinPane(DeskPane):
    TAB = "checkin"

    def __init__(self) -> None:
        super().__init__()
        self.results: list[tuple[CheckInResult, Patron | None]] = []
        self._pending: deque[str] = deque()
        self._draining = False
        self._patrons: dict[int, Patron] = {}
        self._last: tuple[CheckInResult, Patron | None] | None = None

    def compose(self) -> ComposeResult:
        yield ScanInput(id="checkin-barcode", max_length=60, classes="desk-barcode")
        yield Static(id="checkin-status", classes="desk-status")
        yield Static(id="checkin-hold", classes="desk-hold")
        yield Static(id="checkin-list-title", classes="desk-section")
        yield FitTable(id="checkin-list", classes="desk-list")

    def on_mount(self) -> None:
        field = self.query_one("#checkin-barcode", ScanInput)
        follow_language(field, "border_title", "desk.barcode")
        follow_language(field, "placeholder", "desk.barcode_placeholder")
        self.status(lambda lang: tr("desk.checkin.start", lang), "info")

    def main_widget(self) -> Widget | None:
        return self.query_one("#checkin-barcode", ScanInput)

    # ------------------------------------------------------------- showing

    def relabel(self) -> None:
        super().relabel()
        self.show_hold()
        self.show_results()

    def show_hold(self) -> None:
        hold = self.query_one("#checkin-hold", Static)
        last = self._last
        if last is None or last[0].next_reservation is None:
            put(hold, "")
            return
        result = last[0]
        reservation = result.next_reservation
        patron = result.hold_for
        put(
            hold,
            plain(
                self.tr(
                    "desk.checkin.hold",
                    name=patron.name if patron else "—",
                    card=patron.card_number if patron else "—",
                    date=format_date(reservation.reservation.held_until) or "—",
                )
            ),
        )

    def show_results(self) -> None:
        language = self.language
        title = self.query_one("#checkin-list-title", Static)
        table = self.query_one("#checkin-list", FitTable)
        title.update(self.tr("desk.checkin.session", count=len(self.results)))
        table.show(
            rows.checkin_columns(language),
            [
                (str(n), rows.checkin_row(result, by, language))
                for n, (result, by) in zip(range(len(self.results), 0, -1), self.results)
            ],
        )
        title.display = table.display = bool(self.results)

    # ---------------------------------------------------------- the copies

    @on(ScanInput.Scanned, "#checkin-barcode")
    def _barcode(self, event: ScanInput.Scanned) -> None:
        event.stop()
        if not event.value or self.session is None:
            return
        self._pending.append(event.value)
        if not self._draining:
            self._draining = True
            self._drain(self.session)

    @work(group="desk-checkin", exit_on_error=False)
    async def _drain(self, session: Session) -> None:
        try:
            while self._pending:
                await self._check_in(session, self._pending.popleft())
        finally:
            self._draining = False

    async def _check_in(self, session: Session, barcode: str) -> None:
        try:
            result = await self.service.check_in(session, barcode)
        except NotAuthenticated:
            self._pending.clear()
            raise
        except ManaError as error:
            self.failed(error, "desk.checkin.failed", barcode=barcode)
            return
        returned_by = await self._patron(session, result)
        self._last = (result, returned_by)
        self.results.insert(0, self._last)
        self.status(self._said(result, returned_by))
        self.show_hold()
        self.show_results()

    async def _patron(self, session: Session, result: CheckInResult) -> Patron | None:
        """Whose loan it was (asked once per patron)."""
        if result.loan is None:
            return None
        patron_id = result.loan.patron_id
        if patron_id not in self._patrons:
            try:
                account = await self.service.patron_account(session, patron_id)
            except ManaError:
                return None  # the copy is back all the same; the name is a nicety
            self._patrons[patron_id] = account.patron
        return self._patrons[patron_id]

    @staticmethod
    def _said(result: CheckInResult, by: Patron | None):  # type: ignore[no-untyped-def]
        title, barcode = result.title, result.barcode
        if result.loan is None:
            return lambda lang: tr("desk.checkin.not_on_loan", lang, title=title, barcode=barcode)
        if by is None:
            return lambda lang: tr("desk.checkin.returned", lang, title=title, barcode=barcode)
        return lambda lang: tr(
            "desk.checkin.returned_by", lang, title=title, barcode=barcode,
            name=by.name, card=by.card_number,
        )
