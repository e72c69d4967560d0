"""The patron's list ("Saraksts", R4): collected without logging in, shown,
trimmed, and sent to an e-mail address ("Nosūtīt uz e-pastu").

One send at a time: while one is under way, Enter and the button do nothing.
After a list went, the same list to the same address is not sent again until
the patron asks again, by changing the list or typing the address anew (a
kiosk's Enter repeats; each send is an e-mail from the library)."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.content import Content
from textual.widgets import Button, DataTable, Input, Static
from textual.worker import Worker

from screens.base import ManaScreen, loader
from services.errors import ManaError
from tui.i18n import texts
from tui.safe import clean
from widgets.keyline import KeyLine
from widgets.label import Tr, TrButton, follow_language
from widgets.record_table import RecordTable
from widgets.topbar import TopBar

texts(
    {
        "list.title": ("Saraksts ({count})", "List ({count})"),
        "list.empty": (
            "Saraksts ir tukšs. Katalogā atveriet ierakstu un nospiediet S "
            "(\"Pievienot sarakstam\"); tad sarakstu var nosūtīt uz e-pastu.",
            "The list is empty. Open a record in the catalog and press S "
            "(\"Add to list\"); then the list can be sent to an e-mail address.",
        ),
        "list.email": ("E-pasta adrese", "E-mail address"),
        "list.email_placeholder": ("vards@piemers.lv", "name@example.com"),
        "list.send": ("Nosūtīt uz e-pastu", "Send to e-mail"),
        "list.sending": ("Sūta…", "Sending…"),
        "list.sent": ("Saraksts nosūtīts uz {email}.", "The list was sent to {email}."),
        "list.already_sent": (
            "Šis saraksts jau nosūtīts uz {email}. Lai sūtītu vēlreiz, mainiet sarakstu "
            "vai ierakstiet adresi no jauna.",
            "This list was already sent to {email}. To send it again, change the list "
            "or type the address again.",
        ),
        "list.key.open": ("Skatīt", "View"),
        "list.key.remove": ("Izņemt no saraksta", "Remove from list"),
        "list.key.email": ("E-pasts", "E-mail"),
    }
)


class ListScreen(ManaScreen):
    """The records in ``app.record_list`` and a form to e-mail them."""

    AUTO_FOCUS = ""  # show_records decides: the table, or nothing when the list is empty

    BINDINGS = [
        Binding("escape", "back", "key.back", key_display="Esc"),
        Binding("delete", "remove", "list.key.remove", key_display="Del"),
        Binding("ctrl+e", "focus_email", "list.key.email", key_display="^E", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._error: ManaError | None = None
        """The service's answer to the last attempt, shown at the e-mail field."""
        self._sent_to: str | None = None
        self._sending = False
        """A send is under way: another Enter does nothing."""
        self._delivered: tuple[tuple[int, ...], str] | None = None
        """The list and the address of the last send that went."""

    def compose(self) -> ComposeResult:
        yield TopBar()
        yield Tr("list.title", id="list-title", count=len(self.kiosk.record_list))
        yield Tr("list.empty", id="list-empty", classes="hint")
        yield RecordTable(with_copies=False, id="list-records")
        with Horizontal(id="list-send"):
            yield Input(id="list-email", max_length=254)
            yield TrButton("list.send", id="list-send-button", variant="primary")
        yield Static(id="list-email-error", classes="field-error")
        yield Static(id="list-sent")
        yield KeyLine()

    def on_mount(self) -> None:
        email = self.query_one("#list-email", Input)
        follow_language(email, "border_title", "list.email")
        follow_language(email, "placeholder", "list.email_placeholder")
        self.relabel()
        self.show_records()
        self.kiosk.when_started(self._load_abilities)

    @loader
    async def _load_abilities(self) -> None:
        """The e-mail form only where the account source sends lists."""
        await self.kiosk.abilities()
        self.show_records()

    def _sends(self) -> bool:
        """Whether lists can be e-mailed (until the source has said: yes)."""
        offered = self.kiosk.offered
        return offered is None or offered.lists

    def on_screen_resume(self) -> None:
        # A record may have been added or removed on its own screen meanwhile.
        if self.is_mounted:
            self.show_records()

    def relabel(self) -> None:
        table = self.query_one(RecordTable)
        if table.columns:
            table.relabel(self.language)
        self._show_outcome()

    def _show_outcome(self, key: str = "list.sent") -> None:
        error = self._error
        self.query_one("#list-email-error", Static).update(
            Content(clean(error.text(self.language))) if error is not None else ""
        )
        sent = self.tr(key, email=self._sent_to) if self._sent_to else ""
        self.query_one("#list-sent", Static).update(Content(clean(sent)))

    def show_records(self) -> None:
        records = list(self.kiosk.record_list.values())
        empty = not records
        self.query_one("#list-empty").display = empty
        self.query_one(RecordTable).display = not empty
        self.query_one("#list-send").display = not empty and self._sends()
        self.query_one(RecordTable).show_records(records, self.language, keep_cursor=True)
        self.query_one("#list-title", Tr).set(count=len(records))
        if empty:
            self.set_focus(None)  # nothing to act on: only the screen's keys remain
        elif not isinstance(self.focused, (Input, Button)):
            self.query_one(RecordTable).focus()
        self.refresh_bindings()

    # --------------------------------------------------------------- actions

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "remove":
            return bool(self.kiosk.record_list)
        if action == "focus_email":
            return self._sends()
        return True

    def action_back(self) -> None:
        self.dismiss()

    def action_remove(self) -> None:
        record_id = self.query_one(RecordTable).current_id
        if record_id is not None:
            self.kiosk.record_list.pop(record_id, None)
            self.show_records()

    def action_focus_email(self) -> None:
        self.query_one("#list-email", Input).focus()

    @on(DataTable.RowSelected, "#list-records")
    def _open(self, event: DataTable.RowSelected) -> None:
        event.stop()
        from screens.record import RecordScreen

        if event.row_key.value is not None:
            self.app.push_screen(RecordScreen(int(event.row_key.value)))

    # --------------------------------------------------------------- sending

    @on(Input.Submitted, "#list-email")
    @on(Button.Pressed, "#list-send-button")
    def _send_pressed(self) -> None:
        if self._sending:
            return
        email = self.query_one("#list-email", Input).value.strip()
        ids = tuple(self.kiosk.record_list)
        if self._delivered == (ids, email):
            self._error = None
            self._sent_to = email
            self._show_outcome("list.already_sent")
            return
        self._sending = True
        self._error = None
        self._sent_to = None
        self._show_outcome()
        self.query_one("#list-sent", Static).update(self.tr("list.sending"))
        self.query_one("#list-send-button", Button).disabled = True
        self.send(list(ids), email)

    @work(group="send_list", exclusive=True, exit_on_error=False)
    async def send(self, ids: list[int], email: str) -> None:
        message = await self.service.send_list(ids, email, self.language)
        self._sending = False
        self._delivered = (tuple(ids), email)
        self.query_one("#list-send-button", Button).disabled = False
        self._sent_to = message.to
        self._show_outcome()
        self.notify(clean(self.tr("list.sent", email=message.to)), markup=False)

    def worker_failed(self, worker: Worker) -> None:
        if worker.group != "send_list":
            return
        self._sending = False
        self.query_one("#list-send-button", Button).disabled = False
        if isinstance(worker.error, ManaError):  # InvalidInput (field "email") above all
            self._error = worker.error
        self._show_outcome()
        self.query_one("#list-email", Input).focus()

    @on(Input.Changed, "#list-email")
    def _typing(self) -> None:
        self._delivered = None  # a new address, or the same typed again: a new request
        if self._error is not None:
            self._error = None
            self._show_outcome()
