"""Izsniegšana (check-out, R14): the patron's card, then copy barcodes.

The card number (typed, or from a scanner that types and presses Enter) is
looked up (``find_patrons``, then ``patron_account``): name, what blocks the
patron (prominent), their ready reservations and current loans. Then each
barcode is lent at Enter. Codes go into a queue and are lent one after the
other while the field stays open for the next: nothing typed is lost or
merged, however fast the scanner. The focus moves to the barcode field at
the card's Enter: codes scanned while the card is still being looked up wait,
in order, and go to that patron once found (never taken as a card number).
A blocked patron is told what blocks them and is not asked for barcodes (the
service's ``blocks``). A refusal (blocked patron, copy held for someone else,
reading-room copy …) shows the service's reason and the field is ready for the
next code. Esc starts over with the next patron.
"""

from __future__ import annotations

from collections import deque

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widget import Widget
from textual.widgets import Static

from screens.desk.pane import DeskPane
from screens.rows import desk as rows
from services.errors import ManaError, NotAuthenticated
from services.models import LoanView, Patron, PatronAccount, ReservationState, Session
from tui.i18n import format_date, texts, tr
from tui.safe import plain
from widgets.desk_scan import ScanInput
from widgets.fit_table import FitTable
from widgets.label import follow_language
from widgets.notes import put

texts(
    {
        "desk.key.new_patron": ("Cits lasītājs", "Next patron"),
        "desk.checkout.card": ("Lasītāja karte", "Library card"),
        "desk.checkout.card_placeholder": ("kartes numurs, Enter", "card number, Enter"),
        "desk.barcode": ("Eksemplāra svītrkods", "Copy barcode"),
        "desk.barcode_placeholder": (
            "ierakstiet vai skenējiet, Enter",
            "type or scan, Enter",
        ),
        "desk.checkout.start": (
            "Ievadiet vai skenējiet lasītāja kartes numuru un nospiediet Enter.",
            "Type or scan the patron's card number and press Enter.",
        ),
        "desk.checkout.no_patron": (
            "Vispirms ievadiet lasītāja kartes numuru.",
            "Enter the patron's card number first.",
        ),
        "desk.checkout.looking": ("Meklē lasītāju {card}…", "Looking up patron {card}…"),
        "desk.checkout.not_found": (
            "Lasītājs ar kartes numuru {card} nav atrasts.",
            "No patron has the card number {card}.",
        ),
        "desk.checkout.patron": (
            "{name} · karte {card} · {library}", "{name} · card {card} · {library}"
        ),
        "desk.checkout.ready": (
            "Lasītāja rezervācijas, kas gaida plauktā: {items}",
            "The patron's reservations waiting on the hold shelf: {items}",
        ),
        "desk.checkout.scan": (
            "Lasītājs atrasts. Ievadiet vai skenējiet eksemplāru svītrkodus.",
            "Patron found. Type or scan the copies' barcodes.",
        ),
        "desk.checkout.lent": (
            "Izsniegts: {title} ({barcode}), termiņš {date}",
            "Checked out: {title} ({barcode}), due {date}",
        ),
        "desk.checkout.refused": (
            "Nav izsniegts {barcode}: {reason}",
            "Not checked out {barcode}: {reason}",
        ),
        "desk.checkout.session": (
            "Izsniegts šajā reizē ({count})", "Checked out this time ({count})"
        ),
        "desk.checkout.loans": (
            "Lasītāja izsniegumi šajā bibliotēkā ({count})",
            "The patron's loans at this library ({count})",
        ),
    }
)


class CheckoutPane(DeskPane):
    TAB = "checkout"

    BINDINGS = [
        Binding("escape", "new_patron", "desk.key.new_patron", key_display="Esc",
                id="desk.checkout.new"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.patron: Patron | None = None
        self.account: PatronAccount | None = None
        self.lent: list[LoanView] = []
        self._pending: deque[tuple[str, str]] = deque()
        self._looking_up: str | None = None
        self._early: list[str] = []
        """Barcodes scanned while the card ``_looking_up`` was still being looked up."""
        self._draining = False
        self._library_names: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        with Horizontal(classes="desk-fields"):
            yield ScanInput(id="checkout-card", max_length=40, classes="desk-card")
            yield ScanInput(id="checkout-barcode", max_length=60, classes="desk-barcode")
        yield Static(id="checkout-patron", classes="desk-patron")
        yield Static(id="checkout-blocks", classes="desk-blocks")
        yield Static(id="checkout-ready", classes="desk-note")
        yield Static(id="checkout-status", classes="desk-status")
        yield Static(id="checkout-lent-title", classes="desk-section")
        yield FitTable(id="checkout-lent", classes="desk-list")
        yield Static(id="checkout-loans-title", classes="desk-section")
        yield FitTable(id="checkout-loans", classes="desk-list")

    def on_mount(self) -> None:
        card = self.query_one("#checkout-card", ScanInput)
        follow_language(card, "border_title", "desk.checkout.card")
        follow_language(card, "placeholder", "desk.checkout.card_placeholder")
        barcode = self.query_one("#checkout-barcode", ScanInput)
        follow_language(barcode, "border_title", "desk.barcode")
        follow_language(barcode, "placeholder", "desk.barcode_placeholder")
        self.status(lambda lang: tr("desk.checkout.start", lang), "info")

    def main_widget(self) -> Widget | None:
        field = "#checkout-barcode" if self.patron is not None else "#checkout-card"
        return self.query_one(field, ScanInput)

    # ------------------------------------------------------------- showing

    def relabel(self) -> None:
        super().relabel()
        self.show_patron()
        self.show_lent()

    def show_patron(self) -> None:
        language = self.language
        patron, account = self.patron, self.account
        line = self.query_one("#checkout-patron", Static)
        blocks = self.query_one("#checkout-blocks", Static)
        ready = self.query_one("#checkout-ready", Static)
        loans_title = self.query_one("#checkout-loans-title", Static)
        loans = self.query_one("#checkout-loans", FitTable)
        if patron is None or account is None:
            for widget in (line, blocks, ready):
                put(widget, "")
            loans_title.display = loans.display = False
            return
        library = self._library_names.get(patron.home_library, patron.home_library)
        put(line, plain(tr("desk.checkout.patron", language, name=patron.name,
                           card=patron.card_number, library=library), newlines=False))
        put(blocks, plain(rows.blocks(account, language)))
        blocks.set_class(bool(account.blocks), "-blocked")
        waiting = [
            f"{v.title} ({v.reservation.barcode})"
            for v in account.reservations
            if v.reservation.state == ReservationState.READY
        ]
        put(ready, plain(tr("desk.checkout.ready", language, items="; ".join(waiting)))
            if waiting else "")
        loans_title.update(self.tr("desk.checkout.loans", count=len(account.loans)))
        loans.show(
            rows.loan_columns(language),
            [(str(v.loan.id), rows.loan_row(v, language)) for v in account.loans],
        )
        loans_title.display = loans.display = bool(account.loans)

    def show_lent(self) -> None:
        language = self.language
        title = self.query_one("#checkout-lent-title", Static)
        table = self.query_one("#checkout-lent", FitTable)
        title.update(self.tr("desk.checkout.session", count=len(self.lent)))
        table.show(
            rows.lent_columns(language),
            [(str(v.loan.id), rows.lent_row(v, language)) for v in self.lent],
        )
        title.display = table.display = self.patron is not None

    # ------------------------------------------------------------ the card

    @on(ScanInput.Scanned, "#checkout-card")
    def _card(self, event: ScanInput.Scanned) -> None:
        event.stop()
        card = event.value
        if not card or self.session is None:
            return
        self.start_over(keep_status=True)
        self.status(lambda lang: tr("desk.checkout.looking", lang, card=card), "info")
        self._start_lookup(self.session, card)
        self.query_one("#checkout-barcode", ScanInput).focus()

    def look_up(self, card: str) -> None:
        """Start a check-out for the patron with ``card`` (from the patron look-up)."""
        if self.session is None:
            return
        self.start_over(keep_status=True)
        self.query_one("#checkout-card", ScanInput).value = card
        self._start_lookup(self.session, card)

    def _start_lookup(self, session: Session, card: str) -> None:
        self._looking_up = card
        self._lookup(session, card)

    @work(group="desk-checkout-lookup", exclusive=True, exit_on_error=False)
    async def _lookup(self, session: Session, card: str) -> None:
        try:
            await self._find_patron(session, card)
        except Exception:
            self._lookup_failed()  # and the error is said as for every worker
            raise

    async def _find_patron(self, session: Session, card: str) -> None:
        if not self._library_names:
            libraries = await self.kiosk.libraries()
            self._library_names = {lib.id: lib.short_name for lib in libraries}
        found = await self.service.find_patrons(session, card)
        patron = next((p for p in found if p.card_number == card), None)
        if patron is None:
            self._lookup_failed()
            self.status(lambda lang: tr("desk.checkout.not_found", lang, card=card), "error")
            return
        account = await self.service.patron_account(session, patron.id)
        self.patron, self.account, self.lent = patron, account, []
        self._looking_up = None
        self.show_patron()
        self.show_lent()
        if account.blocks:
            self.status(None)  # what blocks them says it all; a code gets the service's refusal
        else:
            self.status(lambda lang: tr("desk.checkout.scan", lang), "info")
        self.query_one("#checkout-barcode", ScanInput).focus()
        early, self._early = self._early, []
        for barcode in early:
            self._lend(session, patron.card_number, barcode)

    def _lookup_failed(self) -> None:
        """No patron: the codes scanned meanwhile are dropped, the card field is ready."""
        self._looking_up = None
        self._early.clear()
        self.query_one("#checkout-card", ScanInput).focus()

    def action_new_patron(self) -> None:
        self.start_over()
        self.query_one("#checkout-card", ScanInput).focus()

    def start_over(self, *, keep_status: bool = False) -> None:
        self.workers.cancel_group(self, "desk-checkout-lookup")
        self._looking_up = None
        self._early.clear()
        self.patron = self.account = None
        self.lent = []
        self.query_one("#checkout-card", ScanInput).value = ""
        self.query_one("#checkout-barcode", ScanInput).value = ""
        self.show_patron()
        self.show_lent()
        if not keep_status:
            self.status(lambda lang: tr("desk.checkout.start", lang), "info")

    # ---------------------------------------------------------- the copies

    @on(ScanInput.Scanned, "#checkout-barcode")
    def _barcode(self, event: ScanInput.Scanned) -> None:
        event.stop()
        if not event.value or self.session is None:
            return
        if self.patron is None and self._looking_up is not None:
            self._early.append(event.value)  # lent once the card's patron is found
            return
        if self.patron is None:
            self.status(lambda lang: tr("desk.checkout.no_patron", lang), "error")
            self.query_one("#checkout-card", ScanInput).focus()
            return
        self._lend(self.session, self.patron.card_number, event.value)

    def _lend(self, session: Session, card: str, barcode: str) -> None:
        """Queue ``barcode`` for ``card``; the queue is lent in order."""
        self._pending.append((card, barcode))
        if not self._draining:
            self._draining = True
            self._drain(session)

    @work(group="desk-checkout", exit_on_error=False)
    async def _drain(self, session: Session) -> None:
        """Lend the queued barcodes one after the other."""
        try:
            while self._pending:
                card, barcode = self._pending.popleft()
                await self._check_out(session, card, barcode)
        finally:
            self._draining = False

    async def _check_out(self, session: Session, card: str, barcode: str) -> None:
        try:
            view = await self.service.check_out(session, card, barcode)
        except NotAuthenticated:
            self._pending.clear()
            raise
        except ManaError as error:
            self.failed(error, "desk.checkout.refused", barcode=barcode)
            return
        if self.patron is not None and self.patron.card_number == card:
            self.lent.insert(0, view)
            self.show_lent()
        due = format_date(view.loan.due)
        self.status(
            lambda lang: tr("desk.checkout.lent", lang, title=view.title, barcode=barcode,
                            date=due)
        )
