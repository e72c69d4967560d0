"""One tab of "Mana bibliotēka": a table, what it says when there is nothing,
and the detail line of the highlighted row.

The screen has four of them ("Rezervētie", "Brīvie pieprasījumi",
"Izsniegumi", "Izlasītās": the i18n keys ``account.tab.{tab}``, in the app's
language and again when it changes), each with the ids ``{tab}-table``,
``{tab}-empty`` and ``{tab}-detail``; a tab may carry a line of its own
above the table (the free-request offer) or below the detail (a note).

The detail sits below the table; on a wide terminal (the screen's ``-wide``
class, tui/app.tcss) it sits beside the rows instead, where the eye is.
"""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import ComposeResult
from textual.containers import Container, Vertical
from textual.widget import Widget
from textual.widgets import Static, TabbedContent, TabPane

from tui.safe import plain
from widgets.fit_table import Column, FitTable
from widgets.label import follow_language


class AccountTab(TabPane):
    """The tab ``tab``: ``show`` its rows (or its empty text), ``show_detail``."""

    def __init__(self, tab: str, *, above: Widget | None = None, below: Widget | None = None):
        super().__init__("", id=tab)
        self.tab = tab
        self._above = above
        self._below = below

    def compose(self) -> ComposeResult:
        if self._above is not None:
            yield self._above
        with Container(classes="tab-body"):
            yield FitTable(id=f"{self.tab}-table")
            yield Static(id=f"{self.tab}-empty", classes="empty")
            with Vertical(classes="tab-side"):
                yield Static(id=f"{self.tab}-detail", classes="detail")
                if self._below is not None:
                    yield self._below

    def on_mount(self) -> None:
        tab = self.query_ancestor(TabbedContent).get_tab(self)
        follow_language(tab, "label", f"account.tab.{self.tab}")

    @property
    def table(self) -> FitTable:
        return self.query_one(f"#{self.tab}-table", FitTable)

    def show(
        self,
        columns: Sequence[Column],
        rows: Sequence[tuple[str, Sequence[object]]],
        empty: str = "",
    ) -> None:
        """Fill the table; with an ``empty`` text, show that in its place."""
        table = self.table
        table.show(columns, rows)
        note = self.query_one(f"#{self.tab}-empty", Static)
        note.update(empty)
        note.display = bool(empty)
        table.display = not empty

    def show_detail(self, text: str) -> None:
        """The highlighted row in full (outside data: shown as plain text)."""
        self.query_one(f"#{self.tab}-detail", Static).update(plain(text))

    def set_loading(self, on: bool) -> None:
        """The table shows that it is loading (in place of the empty text)."""
        table = self.table
        table.loading = on
        if on:
            table.display = True
            self.query_one(f"#{self.tab}-empty", Static).display = False
