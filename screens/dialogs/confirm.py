"""A yes/no question: ``ConfirmDialog(question_key, **params)`` dismisses with
``True`` for "Jā" and ``False`` for "Nē" or Escape.

The question is one of our i18n keys; its parameters may be outside data
(a title), so the whole sentence is shown as plain text, never markup.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button

from screens.base import ManaDialog
from tui.i18n import texts
from widgets.keyline import KeyLine
from widgets.label import Tr, TrButton
from widgets.topbar import TopBar

texts(
    {
        "confirm.yes": ("Jā", "Yes"),
        "confirm.no": ("Nē", "No"),
        "confirm.key.no": ("Nē", "No"),
    }
)


class ConfirmDialog(ManaDialog):
    """Ask the patron before an action that cannot be undone."""

    BINDINGS = [
        Binding("escape", "answer(False)", "confirm.key.no", id="confirm.no"),
    ]

    def __init__(self, question_key: str, /, **params: object) -> None:
        super().__init__()
        self._question_key = question_key
        self._params = params

    def compose(self) -> ComposeResult:
        yield TopBar()
        with Vertical(classes="dialog-box", id="confirm-box"):
            yield Tr(self._question_key, id="confirm-question", **self._params)
            with Horizontal(classes="dialog-buttons"):
                yield TrButton("confirm.yes", id="confirm-yes", variant="warning")
                yield TrButton("confirm.no", id="confirm-no", variant="primary")
        yield KeyLine()

    def on_mount(self) -> None:
        self.query_one("#confirm-no", Button).focus()

    @on(Button.Pressed, "#confirm-yes")
    def _yes(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#confirm-no")
    def _no(self) -> None:
        self.dismiss(False)

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)
