"""The dialogs behind a copy's offer (R3).

``OrderDialog`` orders an available copy ("Pasūtīt") or joins the queue of a
copy on loan ("iestāties rindā") and shows what the service answered.
``ReadingRoomDialog`` says a copy is for the library only ("Lasītavā").
``ContactDialog`` shows why nothing can be ordered and the library's contacts.
The dialogs show the service's answers; they decide nothing themselves.
"""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Button, Static
from textual.worker import Worker

from screens.base import ManaDialog
from services.errors import ManaError, NotAuthenticated
from services.models import CopyView, Library, OfferKind, ReservationState, ReservationView
from tui.i18n import format_date, texts
from tui.safe import clean
from widgets.contact_card import ContactCard
from widgets.keyline import KeyLine
from widgets.label import Tr, TrButton

texts(
    {
        "order.title": ("Pasūtīt", "Order"),
        "order.queue_title": ("Iestāties rindā", "Join the queue"),
        "order.pickup": ("Saņemšanas vieta: {library}", "Pickup at: {library}"),
        "order.explain": (
            "Rezervācija gaidīs bibliotēkas apstiprinājumu. Kad tā būs apstiprināta, "
            "jūs saņemsiet e-pastu, un grāmata būs jāizņem {days} dienu laikā.",
            "The reservation waits for the library's confirmation. Once confirmed you "
            "get an e-mail and have {days} days to pick the book up.",
        ),
        "order.explain_short": (
            "Rezervācija gaidīs bibliotēkas apstiprinājumu; kad tā būs apstiprināta, "
            "jūs saņemsiet e-pastu.",
            "The reservation waits for the library's confirmation; once confirmed you "
            "get an e-mail.",
        ),
        "order.on_loan": ("Izsniegts līdz {due}", "On loan until {due}"),
        "order.queue_length": ("Rindā jau gaida: {count}", "Already waiting: {count}"),
        "order.expected": ("Paredzamais datums: ap {date}", "Expected date: around {date}"),
        "order.warning": (
            "UZMANĪBU! Faktiskais datums var atšķirties no redzamā — atkarībā no tā, "
            "vai iepriekšējais lasītājs grāmatu atdos laikā.",
            "PLEASE NOTE: the real date can differ from the one shown, depending on "
            "whether the reader before you returns the book on time.",
        ),
        "order.confirm": ("Pasūtīt", "Order"),
        "order.confirm_queue": ("Iestāties rindā", "Join the queue"),
        "order.cancel": ("Atcelt", "Cancel"),
        "order.close": ("Labi", "OK"),
        "order.sending": ("Sūta pasūtījumu…", "Sending the order…"),
        "order.done_requested": (
            "Pasūtīts! Rezervācija gaida bibliotēkas apstiprinājumu. Saņemšanas vieta: "
            "{library}. Jūs saņemsiet e-pastu, kad grāmata būs gatava.",
            "Ordered! The reservation is waiting for the library's confirmation. Pickup at: "
            "{library}. You will get an e-mail when the book is ready.",
        ),
        "order.done_queued": (
            "Jūs esat rindā {position}. vietā. Paredzamais datums: ap {date}.",
            "You are number {position} in the queue. Expected date: around {date}.",
        ),
        "order.done_queued_nodate": (
            "Jūs esat rindā {position}. vietā.",
            "You are number {position} in the queue.",
        ),
        "order.overtaken": (
            "Kāds jūs apsteidza: eksemplārs jau ir pasūtīts, tāpēc jūs iestājāties rindā.",
            "Someone was faster: the copy is already ordered, so you joined its queue.",
        ),
        "order.done_other": ("Rezervācija saņemta.", "Reservation received."),
        "order.see_account": (
            "Rezervācijas redzamas sadaļā \"Mana bibliotēka\" (F3) → \"Rezervētie\".",
            "Your reservations are in \"My Library\" (F3) → \"Reserved\".",
        ),
        "order.failed": ("Nepasūtīja: {reason}", "Not ordered: {reason}"),
        "reading.title": ("Lasītavā", "Reading room"),
        "reading.text": (
            "Šo eksemplāru var izmantot tikai bibliotēkā, lasītavā; to nevar pasūtīt "
            "un paņemt līdzi.",
            "This copy can be used in the library only, in the reading room; it cannot "
            "be ordered or taken home.",
        ),
        "contact.title": ("Sazinieties ar bibliotēku", "Contact the library"),
        "contact.default": (
            "Šo eksemplāru pašlaik nevar pasūtīt. Lūdzu, sazinieties ar bibliotēku.",
            "This copy cannot be ordered right now. Please contact the library.",
        ),
    }
)


class CopyDialog(ManaDialog):
    """A dialog about one copy: a title, the record and copy, text, buttons."""

    BINDINGS = [
        Binding("escape", "close", "key.back", key_display="Esc"),
    ]

    TITLE = ""
    """The i18n key of the dialog's title."""

    def __init__(self, title: str, view: CopyView, library: Library | None) -> None:
        super().__init__()
        self.record_title = title
        self.view = view
        self.library = library
        self.changed = False
        """Whether the service was asked to change something (the copies are shown again)."""

    def compose(self) -> ComposeResult:
        with Vertical(classes="copy-dialog"):
            yield Tr(self.title_key(), id="dialog-title")
            yield Static(Content(clean(self.record_title)), id="dialog-record")
            yield Static(id="dialog-copy")
            yield from self.compose_body()
            yield from self.compose_extra()
            with Horizontal(classes="dialog-buttons"):
                yield from self.compose_buttons()
        yield KeyLine()

    def title_key(self) -> str:
        return self.TITLE

    def compose_body(self) -> ComposeResult:
        """The dialog's text (``#dialog-body``), as labels that follow the language."""
        yield Static(id="dialog-body")

    def compose_extra(self) -> ComposeResult:
        yield from ()

    def compose_buttons(self) -> ComposeResult:
        yield TrButton("order.close", id="close", variant="primary")

    def on_mount(self) -> None:
        self.relabel()
        self.query(Button).first().focus()

    def relabel(self) -> None:
        """The copy's collection is named in the language (the service's names)."""
        view = self.view
        copy_line = " · ".join(
            (view.library_name, view.collection_name(self.language), view.item.shelf_mark)
        )
        self.query_one("#dialog-copy", Static).update(Content(clean(copy_line, newlines=False)))

    @on(Button.Pressed, "#close")
    def _close_pressed(self) -> None:
        self.action_close()

    def action_close(self) -> None:
        self.dismiss(self.changed)


class OrderDialog(CopyDialog):
    """Confirm an order or a place in the queue, send it, show the answer."""

    def __init__(self, title: str, view: CopyView, library: Library | None) -> None:
        super().__init__(title, view, library)
        self.result: ReservationView | None = None
        self.error: ManaError | None = None
        self.queue = view.offer.kind is OfferKind.QUEUE

    def title_key(self) -> str:
        return "order.queue_title" if self.queue else "order.title"

    def compose_body(self) -> ComposeResult:
        offer = self.view.offer
        with Vertical(id="dialog-body"):
            if self.queue:
                if offer.due is not None:
                    yield Tr("order.on_loan", due=format_date(offer.due))
                yield Tr("order.queue_length", count=offer.queue_length)
                if offer.expected is not None:
                    yield Tr("order.expected", date=format_date(offer.expected))
            else:
                yield Tr("order.pickup", library=self.view.library_name)
                if self.library is not None:
                    yield Tr("order.explain", days=self.library.rules.pickup_days)
                else:
                    yield Tr("order.explain_short")

    def compose_extra(self) -> ComposeResult:
        if self.queue:
            yield Tr("order.warning", id="dialog-warning", classes="warning")
        yield Static(id="dialog-result")

    def compose_buttons(self) -> ComposeResult:
        yield TrButton(
            "order.confirm_queue" if self.queue else "order.confirm",
            id="confirm", variant="primary",
        )
        yield TrButton("order.cancel", id="close")

    def relabel(self) -> None:
        """The service's answer, once there, is put in words of the language."""
        super().relabel()
        self._show_result()

    def _show_result(self) -> None:
        result = self.query_one("#dialog-result", Static)
        if self.error is not None:
            result.update(Content(clean(self.tr("order.failed", reason=self.error.text(self.language)))))
        elif self.result is not None:
            result.update(self._result_text(self.result))
        else:
            result.update("")
        result.set_class(self.error is not None, "-error")
        result.set_class(self.result is not None, "-done")

    def _result_text(self, answer: ReservationView) -> Content:
        tr = self.tr
        reservation = answer.reservation
        if reservation.state is ReservationState.QUEUED:
            if answer.expected is not None:
                text = tr("order.done_queued", position=reservation.position,
                          date=format_date(answer.expected))
            else:
                text = tr("order.done_queued_nodate", position=reservation.position)
            if not self.queue:
                text = tr("order.overtaken") + " " + text + "\n" + tr("order.warning")
        elif reservation.state is ReservationState.REQUESTED:
            text = tr("order.done_requested", library=answer.library_name)
        else:
            text = tr("order.done_other")
        return Content(clean(text + "\n" + tr("order.see_account")))

    @on(Button.Pressed, "#confirm")
    def _confirm(self) -> None:
        self.query_one("#confirm", Button).disabled = True
        self.query_one("#dialog-result", Static).update(self.tr("order.sending"))
        self.error = None
        self.place_order()

    @work(group="order", exclusive=True, exit_on_error=False)
    async def place_order(self) -> None:
        session = self.kiosk.session
        self.changed = True
        if session is None:
            raise NotAuthenticated()
        self.result = await self.service.order(session, self.view.item.barcode)
        self._finished()

    def worker_failed(self, worker: Worker) -> None:
        if isinstance(worker.error, ManaError):
            self.error = worker.error
        self._finished()

    def _finished(self) -> None:
        confirm = self.query_one("#confirm", Button)
        confirm.display = False
        close = self.query_one("#close", TrButton)
        close.key = "order.close"
        close.variant = "primary"
        close.focus()
        self._show_result()


class ReadingRoomDialog(CopyDialog):
    """"Lasītavā": this copy is used in the library only."""

    TITLE = "reading.title"

    def compose_body(self) -> ComposeResult:
        yield Tr("reading.text", id="dialog-body")


class ContactDialog(CopyDialog):
    """Nothing to order: why, and how to reach the library (R3, R16)."""

    TITLE = "contact.title"

    def compose_extra(self) -> ComposeResult:
        yield Vertical(id="dialog-contacts")

    def on_mount(self) -> None:
        if self.library is not None:
            self._show_library(self.library)
        else:
            self.load_library()

    @work(group="libraries", exclusive=True, exit_on_error=False)
    async def load_library(self) -> None:
        libraries = await self.kiosk.libraries()
        library = next((lib for lib in libraries if lib.id == self.view.item.library_id), None)
        if library is not None:
            self.library = library
            self._show_library(library)

    def _show_library(self, library: Library) -> None:
        box = self.query_one("#dialog-contacts", Vertical)
        box.remove_children()
        box.mount(ContactCard(library, self.language))

    def relabel(self) -> None:
        super().relabel()
        refusal = self.view.offer.refusal
        text = refusal.text(self.language) if refusal is not None else self.tr("contact.default")
        self.query_one("#dialog-body", Static).update(Content(clean(text)))
