"""One patron as the desk sees them (``patron_account``): who they are, what
blocks them, and their loans, reservations and free requests at the staff's
library, one tab each. Esc goes back to the look-up; I starts a check-out for
this patron (the screen dismisses with the card number)."""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static, TabbedContent, TabPane

from screens.base import ManaScreen, loader
from screens.rows import desk as rows
from services.models import Patron, PatronAccount, Session
from tui.i18n import texts
from tui.safe import clean, plain
from widgets.desk_keyline import DeskKeyLine
from widgets.desk_topbar import DeskTopBar
from widgets.fit_table import FitTable
from widgets.label import Tr, follow_language
from widgets.notes import put

texts(
    {
        "desk.patron.heading": (
            "{name} · karte {card} · lietotājvārds {username}",
            "{name} · card {card} · username {username}",
        ),
        "desk.patron.contact": (
            "E-pasts: {email} · lasītāja bibliotēka: {library}",
            "E-mail: {email} · the patron's library: {library}",
        ),
        "desk.patron.empty.loans": ("Šajā bibliotēkā nav izsniegumu.", "No loans at this library."),
        "desk.patron.empty.reservations": (
            "Šajā bibliotēkā nav aktīvu rezervāciju.",
            "No active reservations at this library.",
        ),
        "desk.patron.empty.requests": (
            "Šai bibliotēkai nav brīvo pieprasījumu.",
            "No free requests to this library.",
        ),
        "desk.key.check_out": ("Izsniegt", "Check out"),
        "desk.patron.tab.loans": ("Izsniegumi", "Loans"),
        "desk.patron.tab.reservations": ("Rezervētie", "Reserved"),
        "desk.patron.tab.requests": ("Brīvie pieprasījumi", "Free requests"),
        "desk.key.patron_tabs": ("Cilnes", "Tabs"),
        "desk.patron.note.fine": (
            "Soda nauda ir aprēķināta pēc bibliotēkas noteikumiem; bibliotēkas faktiskā "
            "summa var atšķirties.",
            "The fine is computed from the library's rules; the library's actual amount "
            "may differ.",
        ),
    }
)

TABS = ("loans", "reservations", "requests")


class PatronAccountScreen(ManaScreen):
    """The account of ``patron``, loaded from the service."""

    BINDINGS = [
        Binding("escape", "back", "key.back", key_display="Esc", id="desk.patron.back"),
        Binding("i", "check_out", "desk.key.check_out", key_display="I",
                id="desk.patron.check_out"),
        Binding("r", "reload", "desk.key.reload", key_display="R", id="desk.patron.reload"),
        Binding("left", "step_tab(-1)", "desk.key.patron_tabs", key_display="←→", priority=True,
                id="desk.patron.tabs"),
        Binding("right", "step_tab(1)", show=False, priority=True),
        Binding("1", "tab('loans')", show=False),
        Binding("2", "tab('reservations')", show=False),
        Binding("3", "tab('requests')", show=False),
    ]

    def __init__(self, patron: Patron) -> None:
        super().__init__()
        self.patron = patron
        self.account: PatronAccount | None = None
        self._libraries: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        yield DeskTopBar()
        yield Tr("desk.patron.heading", id="patron-heading", classes="desk-patron",
                 **self._heading())
        yield Tr("desk.patron.contact", id="patron-contact", classes="desk-note",
                 **self._contact())
        yield Static(id="patron-blocks", classes="desk-blocks")
        with TabbedContent(id="patron-tabs"):
            for tab in TABS:
                with TabPane("", id=f"patron-{tab}"):
                    yield FitTable(id=f"patron-{tab}-table")
                    yield Tr("", id=f"patron-{tab}-empty", classes="empty")
        yield Static(id="patron-detail", classes="detail")
        yield Tr("desk.patron.note.fine", id="patron-note", classes="hint")
        yield DeskKeyLine()

    def on_mount(self) -> None:
        tabs = self.query_one(TabbedContent)
        self._tab_labels = {
            tab: follow_language(tabs.get_tab(f"patron-{tab}"), "label",
                                 f"desk.patron.tab.{tab}", count=None)
            for tab in TABS
        }
        self.relabel()
        self.query_one("#patron-loans-table", FitTable).focus()
        self.action_reload()

    @property
    def session(self) -> Session | None:
        return self.kiosk.session

    # ------------------------------------------------------------- showing

    def _heading(self) -> dict[str, object]:
        patron = self.patron
        return {
            "name": clean(patron.name, newlines=False),
            "card": clean(patron.card_number, newlines=False),
            "username": clean(patron.username, newlines=False),
        }

    def _contact(self) -> dict[str, object]:
        patron = self.patron
        library = self._libraries.get(patron.home_library, patron.home_library)
        return {
            "email": clean(patron.email or "—", newlines=False),
            "library": clean(library, newlines=False),
        }

    def _show_account(self) -> None:
        """What the service answered: the patron, the tabs' counts and rows."""
        self.query_one("#patron-heading", Tr).set(**self._heading())
        self.query_one("#patron-contact", Tr).set(**self._contact())
        account = self.account
        counts = {
            "loans": len(account.loans) if account else None,
            "reservations": len(account.reservations) if account else None,
            "requests": len(account.free_requests) if account else None,
        }
        for tab in TABS:
            self._tab_labels[tab].set(count=counts[tab])
        self.relabel()

    def relabel(self) -> None:
        """What follows the language through the account: its blocks and tables."""
        language = self.language
        account = self.account
        blocks = self.query_one("#patron-blocks", Static)
        if account is None:
            put(blocks, "")
        else:
            put(blocks, plain(rows.blocks(account, language)))
            blocks.set_class(bool(account.blocks), "-blocked")
        self._fill(account)

    def _fill(self, account: PatronAccount | None) -> None:
        language = self.language
        tables: dict[str, tuple[Any, list[tuple[str, list[str]]]]] = {
            "loans": (
                rows.loan_columns(language),
                [(str(v.loan.id), rows.loan_row(v, language))
                 for v in (account.loans if account else [])],
            ),
            "reservations": (
                rows.account_reservation_columns(language),
                [(str(v.reservation.id), rows.account_reservation_row(v, language))
                 for v in (account.reservations if account else [])],
            ),
            "requests": (
                rows.account_request_columns(language),
                [(str(v.request.id), rows.account_request_row(v, language))
                 for v in (account.free_requests if account else [])],
            ),
        }
        for tab, (columns, table_rows) in tables.items():
            table = self.query_one(f"#patron-{tab}-table", FitTable)
            table.show(columns, table_rows)
            empty = self.query_one(f"#patron-{tab}-empty", Tr)
            shown_empty = account is not None and not table_rows
            empty.key = f"desk.patron.empty.{tab}" if shown_empty else ""
            empty.display = shown_empty
            table.display = not shown_empty
        self._show_detail()
        overdue = account is not None and any(v.overdue_days > 0 for v in account.loans)
        self.query_one("#patron-note", Tr).display = overdue

    def _show_detail(self) -> None:
        """The full text of the highlighted row of the open tab."""
        detail = self.query_one("#patron-detail", Static)
        account, tab, language = self.account, self.active_tab, self.language
        key = self.query_one(f"#patron-{tab}-table", FitTable).selected_key
        text = ""
        if account is not None and key is not None:
            if tab == "loans":
                view = next((v for v in account.loans if str(v.loan.id) == key), None)
                text = rows.account_loan_detail(view, language) if view else ""
            elif tab == "reservations":
                res = next((v for v in account.reservations if str(v.reservation.id) == key), None)
                text = rows.account_reservation_detail(res, language) if res else ""
            else:
                req = next((v for v in account.free_requests if str(v.request.id) == key), None)
                text = rows.account_request_detail(req, language) if req else ""
        put(detail, plain(text) if text else "")

    @on(DataTable.RowHighlighted)
    def _highlighted(self) -> None:
        self._show_detail()

    # ------------------------------------------------------------- loading

    @loader
    async def _load(self, session: Session) -> None:
        if not self._libraries:
            libraries = await self.kiosk.libraries()
            self._libraries = {lib.id: lib.short_name for lib in libraries}
        account = await self.service.patron_account(session, self.patron.id)
        self.account = account
        self.patron = account.patron
        self._show_account()

    def action_reload(self) -> None:
        if self.session is not None:
            self._load(self.session)

    # ------------------------------------------------------------- actions

    @property
    def active_tab(self) -> str:
        return (self.query_one(TabbedContent).active or "patron-loans").removeprefix("patron-")

    def action_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = f"patron-{tab}"
        self.query_one(f"#patron-{tab}-table", FitTable).focus()

    def action_step_tab(self, step: int) -> None:
        index = TABS.index(self.active_tab) if self.active_tab in TABS else 0
        self.action_tab(TABS[(index + step) % len(TABS)])

    @on(TabbedContent.TabActivated)
    def _tab_changed(self) -> None:
        self.refresh_bindings()
        self._show_detail()

    def action_back(self) -> None:
        self.dismiss(None)

    def action_check_out(self) -> None:
        self.dismiss(self.patron.card_number)
