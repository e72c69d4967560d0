"""F1 "Palīdzība": every key of the screen underneath, one a line.

The key line at the bottom of a screen fits its width; when not every key
fits, the least important give way to "F1 Palīdzība" (``widgets.keyline``).
This dialog lists them all, in the patron's language, as the key line would
show them if it were wide enough. Esc closes it.
"""

from __future__ import annotations

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Static

from screens.base import ManaDialog
from tui.i18n import texts
from widgets.keyline import KeyLine
from widgets.label import Tr
from widgets.topbar import TopBar

texts({"keys.title": ("Taustiņi šajā ekrānā", "Keys on this screen")})


class KeysHelpDialog(ManaDialog):
    """The keys of ``screen`` (the one F1 was pressed on)."""

    BINDINGS = [Binding("escape", "close", "key.back", key_display="Esc", id="keys.back")]

    def __init__(self, screen: Screen) -> None:
        super().__init__()
        self._under = screen

    def compose(self) -> ComposeResult:
        yield TopBar()
        with VerticalScroll(classes="dialog-box", id="keys-box"):
            yield Tr("keys.title", classes="dialog-heading")
            yield Static(id="keys-list")
        yield KeyLine()

    def on_mount(self) -> None:
        self.relabel()
        self.query_one("#keys-box").focus()

    def relabel(self) -> None:
        self.query_one("#keys-list", Static).update(Content("\n").join(self.rows()))

    def rows(self) -> list[Content]:
        """"key   description" for every key of the screen underneath, the keys aligned."""
        lines = self._under.query(KeyLine)
        parts = [part.content for part in lines.first().key_parts()] if lines else []
        keys = [part.plain.split(" ", 1)[0] for part in parts]
        width = max((cell_len(key) for key in keys), default=0)
        return [
            Content(" " * (width - cell_len(key))) + part
            for key, part in zip(keys, parts, strict=True)
        ]

    def action_close(self) -> None:
        self.dismiss(None)
