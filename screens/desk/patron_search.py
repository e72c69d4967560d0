"""Lasītāji (patron look-up, R14): a card number or part of a name at Enter
lists the patrons found; Enter on one opens their account as the desk sees
it (``screens.desk.patron_account``)."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.message import Message
from textual.widget import Widget
from textual.widgets import DataTable, Input, Static

from screens.desk.pane import DeskPane
from screens.rows import desk as rows
from services.models import Patron, Session
from tui.i18n import texts, tr
from tui.safe import clean
from widgets.fit_table import FitTable
from widgets.label import follow_language

texts(
    {
        "desk.patrons.search": ("Kartes numurs vai vārds", "Card number or name"),
        "desk.patrons.placeholder": (
            "piemēram 1000000003 vai Ozola, Enter",
            "e.g. 1000000003 or Ozola, Enter",
        ),
        "desk.patrons.start": (
            "Ierakstiet kartes numuru vai vārda daļu un nospiediet Enter.",
            "Type a card number or part of a name and press Enter.",
        ),
        "desk.patrons.none": ("Neviens lasītājs nav atrasts: {text}", "No patron found: {text}"),
        "desk.patrons.found": (
            "Atrasti: {count}. ↑/↓ un Enter — atvērt lasītāja kontu.",
            "Found: {count}. ↑/↓ and Enter open the patron's account.",
        ),
    }
)


class PatronsPane(DeskPane):
    TAB = "patrons"

    class CheckOut(Message):
        """Lend to the patron with ``card`` (asked from their account, I)."""

        def __init__(self, card: str) -> None:
            super().__init__()
            self.card = card

    def __init__(self) -> None:
        super().__init__()
        self.found: list[Patron] = []
        self._libraries: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        yield Input(id="patrons-search", max_length=100, classes="desk-search")
        yield Static(id="patrons-status", classes="desk-status")
        yield FitTable(id="patrons-table")

    def on_mount(self) -> None:
        field = self.query_one("#patrons-search", Input)
        follow_language(field, "border_title", "desk.patrons.search")
        follow_language(field, "placeholder", "desk.patrons.placeholder")
        self.status(lambda lang: tr("desk.patrons.start", lang), "info")
        self.query_one("#patrons-table", FitTable).display = False

    def main_widget(self) -> Widget | None:
        table = self.query_one("#patrons-table", FitTable)
        if self.found and self.screen.focused is table:
            return table
        return self.query_one("#patrons-search", Input)

    def relabel(self) -> None:
        super().relabel()
        self.show_found()

    def show_found(self) -> None:
        language = self.language
        table = self.query_one("#patrons-table", FitTable)
        table.show(
            rows.patron_columns(language),
            [(str(p.id), rows.patron_row(p, language, self._libraries)) for p in self.found],
        )
        table.display = bool(self.found)

    @on(Input.Submitted, "#patrons-search")
    def _search(self, event: Input.Submitted) -> None:
        event.stop()
        text = clean(event.value, newlines=False).strip()
        if text and self.session is not None:
            self._find(self.session, text)

    @work(group="desk-patrons", exclusive=True, exit_on_error=False)
    async def _find(self, session: Session, text: str) -> None:
        if not self._libraries:
            libraries = await self.kiosk.libraries()
            self._libraries = {lib.id: lib.short_name for lib in libraries}
        found = await self.service.find_patrons(session, text)
        self.found = found
        self.show_found()
        if found:
            count = len(found)
            self.status(lambda lang: tr("desk.patrons.found", lang, count=count), "info")
            table = self.query_one("#patrons-table", FitTable)
            table.move_cursor(row=0)
            table.focus()
        else:
            self.status(lambda lang: tr("desk.patrons.none", lang, text=text), "error")

    @on(DataTable.RowSelected, "#patrons-table")
    def _open(self, event: DataTable.RowSelected) -> None:
        event.stop()
        key = self.query_one("#patrons-table", FitTable).selected_key
        patron = next((p for p in self.found if str(p.id) == key), None)
        if patron is None:
            return
        from screens.desk.patron_account import PatronAccountScreen

        self.app.push_screen(PatronAccountScreen(patron), self._account_closed)

    def _account_closed(self, card: str | None) -> None:
        """Back from the account: with a card, go lend to that patron."""
        if card:
            self.post_message(self.CheckOut(card))
