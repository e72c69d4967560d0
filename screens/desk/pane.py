"""What every tab of the desk shares (``DeskPane``): the service, the
language, the staff session, a status line, and the one place where a failed
service call becomes a message (``Following``, as on every screen)."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from textual.containers import Vertical
from textual.content import Content
from textual.css.query import NoMatches
from textual.widget import Widget
from textual.widgets import Static

from screens.base import Following
from services.errors import ManaError, ServiceUnavailable
from services.models import Session
from tui.i18n import tr
from tui.safe import plain

Say = Callable[[str], str]
"""A status sentence, given the language (so that F6 translates it again)."""


class DeskPane(Following, Vertical):
    """One tab of the desk; ``TAB`` is its id."""

    TAB: ClassVar[str] = ""

    def __init__(self) -> None:
        super().__init__(id=self.TAB, classes="desk-pane")
        self._say: Say | None = None
        self._say_class = ""

    def on_mount(self) -> None:
        self.relabel()

    @property
    def session(self) -> Session | None:
        return self.kiosk.session

    # --------------------------------------------------------------- hooks

    def relabel(self) -> None:
        """Set every label again in the current language."""
        self._show_status()

    def main_widget(self) -> Widget | None:
        """What takes the focus when the tab opens."""
        return None

    def activated(self) -> None:
        """The tab has just been opened."""
        widget = self.main_widget()
        if widget is not None:
            widget.focus()

    # --------------------------------------------------------------- status

    def status(self, say: Say | None, kind: str = "done") -> None:
        """Show ``say`` on the tab's status line: ``done``, ``error`` or ``info``."""
        self._say = say
        self._say_class = kind
        self._show_status()

    def failed(self, error: ManaError, key: str, **params: object) -> None:
        """A scan the service refused or could not take: the sentence ``key``
        (with ``reason``) on the status line, and a beep for whoever is
        scanning without looking at the screen."""
        if isinstance(error, ServiceUnavailable):
            self.kiosk.report_error(error)
        self.status(lambda lang: tr(key, lang, reason=error.text(lang), **params), "error")
        self.app.bell()

    def _show_status(self) -> None:
        try:
            line = self.query_one(f"#{self.TAB}-status", Static)
        except NoMatches:
            return
        text = self._say(self.language) if self._say is not None else ""
        line.update(plain(text) if text else Content(""))
        line.display = bool(text)
        for kind in ("done", "error", "info"):
            line.set_class(kind == self._say_class, f"-{kind}")
