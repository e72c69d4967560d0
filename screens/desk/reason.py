"""The reason or note the librarian gives with a decision (R14):
``ReasonDialog(heading_key, subject, required=...)`` dismisses with the text
(stripped) or ``None`` on Escape / "Atcelt".

A required reason (rejecting a reservation, denying a renewal, rejecting a
free request) cannot be left empty: the field says so and keeps the focus.
The patron receives the text by e-mail. The subject (title and patron) is
outside data, shown as plain text.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Static

from screens.base import ManaDialog
from tui.i18n import texts
from tui.safe import clean, plain
from widgets.keyline import KeyLine
from widgets.label import Tr, TrButton, TrLabel

texts(
    {
        "desk.reason.required": (
            "Iemesls (lasītājs to saņems e-pastā)",
            "Reason (the patron receives it by e-mail)",
        ),
        "desk.reason.optional": (
            "Piezīme lasītājam (nav obligāta)",
            "Note to the patron (optional)",
        ),
        "desk.reason.empty": ("Lūdzu, ierakstiet iemeslu.", "Please enter a reason."),
        "desk.reason.cancel": ("Atcelt", "Cancel"),
        "desk.key.cancel": ("Atcelt", "Cancel"),
    }
)

MAX_REASON = 500
"""The service keeps at most this many characters of a reason or note."""


class ReasonDialog(ManaDialog):
    """Ask for a reason (required) or a note (optional)."""

    BINDINGS = [
        Binding("escape", "cancel", "desk.key.cancel", key_display="Esc", id="desk.reason.cancel"),
    ]

    def __init__(self, heading_key: str, subject: str, *, required: bool) -> None:
        super().__init__()
        self._heading_key = heading_key
        self._subject = subject
        self.required = required
        self._error = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box", id="reason-box"):
            yield Tr(self._heading_key, id="reason-heading", classes="dialog-heading")
            yield Static(plain(self._subject), id="reason-subject")
            label = "desk.reason.required" if self.required else "desk.reason.optional"
            yield TrLabel(label, id="reason-label", classes="field-label")
            yield Input(id="reason", max_length=MAX_REASON)
            yield Tr("desk.reason.empty", id="reason-error", classes="field-error")
            with Horizontal(classes="dialog-buttons"):
                yield TrButton(
                    self._heading_key,
                    id="reason-send",
                    variant="warning" if self.required else "primary",
                )
                yield TrButton("desk.reason.cancel", id="reason-cancel")
        yield KeyLine()

    def on_mount(self) -> None:
        self.set_class(self.required, "-required")
        self._show_error()
        self.query_one("#reason", Input).focus()

    def _show_error(self) -> None:
        self.query_one("#reason-error", Tr).display = self._error

    @on(Input.Submitted, "#reason")
    @on(Button.Pressed, "#reason-send")
    def _send(self) -> None:
        field = self.query_one("#reason", Input)
        text = clean(field.value, newlines=False).strip()
        if self.required and not text:
            self._error = True
            self._show_error()
            field.focus()
            return
        self.dismiss(text)

    @on(Input.Changed, "#reason")
    def _typing(self, event: Input.Changed) -> None:
        if self._error and event.value.strip():
            self._error = False
            self._show_error()

    @on(Button.Pressed, "#reason-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
