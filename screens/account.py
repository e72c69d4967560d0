"""Mana bibliotēka: the patron's reservations, free requests, loans and
loan history (R7, R9–R12), one tab each.

Every tab loads in its own worker. The screen asks and shows: whether a loan
can be renewed, a reservation cancelled or a free request made is the
service's answer, with its reason when not.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static, TabbedContent

from screens.base import ManaScreen, loader
from screens.rows import account as rows
from services.errors import Refused
from services.models import (
    FreeRequestView,
    HistoryEntry,
    LoanView,
    RenewalState,
    ReservationState,
    ReservationView,
    Session,
)
from tui.i18n import format_datetime, texts
from tui.safe import plain
from widgets.account_tab import AccountTab
from widgets.fit_table import FitTable
from widgets.keyline import KeyLine
from widgets.label import Tr
from widgets.topbar import TopBar

texts(
    {
        "account.tab.reserved": ("Rezervētie", "Reserved"),
        "account.tab.requests": ("Brīvie pieprasījumi", "Free requests"),
        "account.tab.loans": ("Izsniegumi", "Loans"),
        "account.tab.history": ("Izlasītās", "Read"),
        "account.key.renew": ("Pagarināt", "Renew"),
        "account.key.cancel": ("Atcelt", "Cancel"),
        "account.key.order": ("Veikt pasūtījumu", "Make an order"),
        "account.key.reload": ("Atjaunot", "Refresh"),
        "account.key.tabs": ("Cilnes", "Tabs"),
        "account.key.self_check": ("Izsniegt sev", "Check out to myself"),
        "account.empty.reserved": ("Jums nav rezervāciju.", "You have no reservations."),
        "account.empty.requests": ("Jums nav brīvo pieprasījumu.", "You have no free requests."),
        "account.empty.loans": ("Jums nav izsniegumu.", "You have no loans."),
        "account.empty.history": ("Izlasīto grāmatu vēl nav.", "No returned loans yet."),
        "account.note.queue": (
            "Paredzamais datums rindā ir aptuvens: tas atkarīgs no tā, vai iepriekšējais "
            "lasītājs grāmatu nodos laikā.",
            "The expected date in a queue is approximate: it depends on whether the reader "
            "before you returns the book on time.",
        ),
        "account.note.fine": (
            "Soda nauda ir aprēķināta pēc bibliotēkas noteikumiem; bibliotēkas faktiskā "
            "summa var atšķirties.",
            "The fine is computed from the library's rules; the library's actual amount "
            "may differ.",
        ),
        "account.note.order": (
            "V — Veikt pasūtījumu: pieprasīt grāmatu, kuras nav katalogā, vai grāmatas par tēmu.",
            "V — Make an order: request a book that is not in the catalog, or books on a topic.",
        ),
        "account.note.renew": (
            "P vai Enter — pagarināt iezīmēto izsniegumu.",
            "P or Enter — renew the highlighted loan.",
        ),
        "account.confirm_cancel": (
            "Atcelt rezervāciju „{title}”?",
            "Cancel the reservation of “{title}”?",
        ),
        "account.cancelled": ("Rezervācija atcelta.", "The reservation has been cancelled."),
        "account.renewal_sent": (
            "Pagarinājuma pieprasījums nosūtīts bibliotēkai.",
            "The renewal request has been sent to the library.",
        ),
        "account.request_sent": (
            "Pieprasījums nosūtīts. Bibliotēka to izskatīs līdz {when}.",
            "The request has been sent. The library will review it by {when}.",
        ),
    }
)

TABS = ("reserved", "requests", "loans", "history")


class AccountScreen(ManaScreen):
    """The four tabs of "Mana bibliotēka"."""

    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (160, "-wide")]
    """From 160 columns on, each tab's detail sits beside its table (tui/app.tcss)."""

    BINDINGS = [
        Binding("escape", "back", "key.back", key_display="Esc", id="account.back"),
        Binding("i", "self_check", "account.key.self_check", key_display="I",
                id="account.self_check"),
        Binding("p", "renew", "account.key.renew", key_display="P", id="account.renew"),
        Binding(
            "a", "cancel_reservation", "account.key.cancel", key_display="A", id="account.cancel"
        ),
        Binding("v", "free_request", "account.key.order", key_display="V", id="account.order"),
        Binding("f5", "reload", "account.key.reload", show=False, id="account.reload"),
        Binding("left", "step_tab(-1)", "account.key.tabs", key_display="←→", priority=True),
        Binding("right", "step_tab(1)", show=False, priority=True),
        Binding("1", "tab('reserved')", show=False),
        Binding("2", "tab('requests')", show=False),
        Binding("3", "tab('loans')", show=False),
        Binding("4", "tab('history')", show=False),
    ]

    def __init__(self, tab: str = "reserved") -> None:
        super().__init__()
        self._initial_tab = tab
        self._reservations: dict[str, ReservationView] = {}
        self._requests: dict[str, FreeRequestView] = {}
        self._loans: dict[str, LoanView] = {}
        self._history: dict[str, HistoryEntry] = {}
        self._offer_refusal: Refused | None = None
        self._offer_known = False
        self._loaded: set[str] = set()
        self._names: rows.Names = {}

    def compose(self) -> ComposeResult:
        yield TopBar()
        with TabbedContent(initial=self._initial_tab, id="account-tabs"):
            yield AccountTab("reserved", below=Tr("", id="reserved-note", classes="hint"))
            yield AccountTab("requests", above=Static(id="requests-offer", classes="hint"))
            yield AccountTab("loans", below=Tr("", id="loans-note", classes="hint"))
            yield AccountTab("history")
        yield KeyLine()

    def on_mount(self) -> None:
        self.relabel()
        self.focus_when_loaded(self._table(self._initial_tab))
        self.action_reload()

    @property
    def session(self) -> Session | None:
        return self.kiosk.session

    def _tab(self, tab: str) -> AccountTab:
        return self.query_one(f"#{tab}", AccountTab)

    def _table(self, tab: str) -> FitTable:
        return self._tab(tab).table

    @property
    def active_tab(self) -> str:
        return self.query_one(TabbedContent).active

    # --------------------------------------------------------------- showing

    def relabel(self) -> None:
        """The tables' columns and rows, and the service's refusal, are in
        the language they were made in: make them again."""
        self._show_reservations()
        self._show_requests()
        self._show_loans()
        self._show_history()
        self._show_offer()

    def _fill(
        self,
        tab: str,
        items: dict[str, Any],
        columns: Callable[[str], Any],
        row: Callable[[Any, str, rows.Names], list[str]],
    ) -> None:
        language = self.language
        shown_empty = not items and tab in self._loaded
        self._tab(tab).show(
            columns(language),
            [(key, row(item, language, self._names)) for key, item in items.items()],
            empty=self.tr(f"account.empty.{tab}") if shown_empty else "",
        )
        self._show_detail(tab)

    def _show_reservations(self) -> None:
        self._fill("reserved", self._reservations, rows.reservation_columns, rows.reservation_row)
        queued = any(
            v.reservation.state == ReservationState.QUEUED for v in self._reservations.values()
        )
        self.query_one("#reserved-note", Tr).key = "account.note.queue" if queued else ""

    def _show_requests(self) -> None:
        self._fill("requests", self._requests, rows.request_columns, rows.request_row)

    def _show_loans(self) -> None:
        self._fill("loans", self._loans, rows.loan_columns, rows.loan_row)
        self._show_loans_note()

    def _show_loans_note(self) -> None:
        """The fine's note when a loan is overdue, else the renewal help, shown
        only while the service says the highlighted loan can be renewed."""
        key = self._table("loans").selected_key
        renewable = key in self._loans and self._loans[key].renew.allowed
        overdue = any(v.overdue_days > 0 for v in self._loans.values())
        note = "account.note.fine" if overdue else "account.note.renew" if renewable else ""
        self.query_one("#loans-note", Tr).key = note if self._loans else ""

    def _show_history(self) -> None:
        self._fill("history", self._history, rows.history_columns, rows.history_row)

    def _show_offer(self) -> None:
        note = self.query_one("#requests-offer", Static)
        if self._offer_refusal is not None:
            note.update(plain(self._offer_refusal.text(self.language)))
            note.add_class("refusal")
        else:
            note.update(self.tr("account.note.order") if self._offer_known else "")
            note.remove_class("refusal")

    def _show_detail(self, tab: str) -> None:
        key = self._table(tab).selected_key
        if key is None:
            self._tab(tab).show_detail("")
            return
        language = self.language
        text = {
            "reserved": lambda: rows.reservation_detail(self._reservations[key], language),
            "requests": lambda: rows.request_detail(self._requests[key], language),
            "loans": lambda: rows.loan_detail(self._loans[key], language),
            "history": lambda: rows.history_detail(self._history[key], language),
        }[tab]()
        self._tab(tab).show_detail(text)

    @on(DataTable.RowHighlighted)
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        table_id = event.data_table.id or ""
        if table_id.endswith("-table"):
            self._show_detail(table_id.removesuffix("-table"))
        if table_id == "loans-table":
            self._show_loans_note()

    @on(TabbedContent.TabActivated)
    def _tab_changed(self) -> None:
        self.refresh_bindings()

    # --------------------------------------------------------------- loading

    def _loading(self, tab: str, on: bool) -> None:
        self._tab(tab).set_loading(on)

    @loader
    async def _load_reservations(self, session: Session) -> None:
        self._loading("reserved", True)
        try:
            views = await self.service.reservations(session)
        finally:
            self._loading("reserved", False)
        self._loaded.add("reserved")
        self._reservations = {str(v.reservation.id): v for v in views}
        self._show_reservations()

    @loader
    async def _load_requests(self, session: Session, select: str | None = None) -> None:
        self._loading("requests", True)
        try:
            views = await self.service.free_requests(session)
        finally:
            self._loading("requests", False)
        self._loaded.add("requests")
        self._requests = {str(v.request.id): v for v in views}
        self._show_requests()
        if select is not None:
            self._table("requests").select_key(select)

    @loader
    async def _load_loans(self, session: Session) -> None:
        self._loading("loans", True)
        try:
            views = await self.service.loans(session)
        finally:
            self._loading("loans", False)
        self._loaded.add("loans")
        self._loans = {str(v.loan.id): v for v in views}
        self._show_loans()

    @loader
    async def _load_history(self, session: Session) -> None:
        self._loading("history", True)
        try:
            entries = await self.service.loan_history(session)
        finally:
            self._loading("history", False)
        self._loaded.add("history")
        self._history = {str(e.loan.id): e for e in entries}
        self._show_history()

    @work(group="account-offer", exclusive=True, exit_on_error=False)
    async def _load_offer(self, session: Session, open_form: bool = False) -> None:
        verdict = await self.service.free_request_offer(session)
        self._offer_known = True
        self._offer_refusal = None
        if not verdict.allowed and verdict.refusal is not None:
            self._offer_refusal = Refused(verdict.refusal)
        self._show_offer()
        if not open_form:
            return
        if verdict.allowed:
            self._open_form()
        elif verdict.refusal is not None:
            self.notify(verdict.refusal.text(self.language), severity="warning", markup=False)

    # --------------------------------------------------------------- actions

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "renew":
            return self.active_tab == "loans"
        if action == "cancel_reservation":
            return self.active_tab == "reserved"
        if action == "free_request":
            return self._offers("requests")
        if action == "self_check":
            offered = self.kiosk.offered
            return self.kiosk.self_check is not None and offered is not None \
                and offered.self_check_out
        if action == "tab" and parameters:
            return self._offers(str(parameters[0]))
        return True

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab
        self.focus_when_loaded(self._table(tab))

    def action_step_tab(self, step: int) -> None:
        """←/→: the previous or next tab, keeping the focus on its table."""
        tabs = [tab for tab in TABS if self._offers(tab)]
        index = tabs.index(self.active_tab) if self.active_tab in tabs else 0
        self.action_tab(tabs[(index + step) % len(tabs)])

    def action_self_check(self) -> None:
        """I: "Izsniegt sev", where this terminal and the account source offer it."""
        if self.check_action("self_check", ()):
            from screens.self_check import SelfCheckScreen

            self.app.push_screen(SelfCheckScreen())

    def action_reload(self) -> None:
        session = self.session
        if session is None:
            return
        if self.kiosk.offered is None:
            self._load_abilities(session)  # then the tabs it offers
            return
        self._hide_unoffered()
        self._load_reservations(session)
        self._load_loans(session)
        if self._offers("requests"):
            self._load_requests(session)
            self._load_offer(session)
        if self._offers("history"):
            self._load_history(session)
        if not self._names:
            self._load_names()

    @loader
    async def _load_abilities(self, session: Session) -> None:
        """What the account source offers: the tabs it does not are hidden."""
        await self.kiosk.abilities()
        self.action_reload()

    def _hide_unoffered(self) -> None:
        """Hide the tabs the account source does not offer."""
        tabs = self.query_one(TabbedContent)
        for tab in ("requests", "history"):
            if not self._offers(tab):
                tabs.hide_tab(tab)
        self.refresh_bindings()

    def _offers(self, tab: str) -> bool:
        """Whether the account source offers ``tab`` (until it has said: yes)."""
        offered = self.kiosk.offered
        if offered is None:
            return True
        return {"requests": offered.free_requests, "history": offered.loan_history}.get(tab, True)

    @loader
    async def _load_names(self) -> None:
        libraries = await self.kiosk.libraries()
        self._names = {library.name: library.short_name for library in libraries}
        self._show_reservations()
        self._show_requests()
        self._show_loans()
        self._show_history()

    @on(DataTable.RowSelected, "#loans-table")
    def action_renew(self) -> None:
        key = self._table("loans").selected_key
        view = self._loans.get(key or "")
        if view is None or self.session is None:
            return
        if view.loan.renewal == RenewalState.PENDING or not view.renew.allowed:
            self.notify(rows.loan_status(view, self.language), severity="warning", markup=False)
            return
        self._renew(self.session, view.loan.id)

    @work(group="account-renew", exclusive=True, exit_on_error=False)
    async def _renew(self, session: Session, loan_id: int) -> None:
        try:
            view = await self.service.request_renewal(session, loan_id)
        except Refused:
            self._load_loans(session)
            raise
        self._loans[str(view.loan.id)] = view
        self._show_loans()
        self.notify(self.tr("account.renewal_sent"))

    def action_cancel_reservation(self) -> None:
        key = self._table("reserved").selected_key
        view = self._reservations.get(key or "")
        if view is None or self.session is None:
            return
        if not view.cancel.allowed:
            if view.cancel.refusal is not None:
                self.notify(
                    view.cancel.refusal.text(self.language), severity="warning", markup=False
                )
            return
        from screens.dialogs.confirm import ConfirmDialog

        session, reservation_id = self.session, view.reservation.id

        def answered(yes: bool | None) -> None:
            if yes:
                self._cancel(session, reservation_id)

        self.app.push_screen(ConfirmDialog("account.confirm_cancel", title=view.title), answered)

    @work(group="account-cancel", exclusive=True, exit_on_error=False)
    async def _cancel(self, session: Session, reservation_id: int) -> None:
        try:
            view = await self.service.cancel_reservation(session, reservation_id)
        except Refused:
            self._load_reservations(session)
            raise
        self._reservations[str(view.reservation.id)] = view
        self._show_reservations()
        self.notify(self.tr("account.cancelled"))

    def action_free_request(self) -> None:
        if self.session is not None:
            self._load_offer(self.session, open_form=True)

    def _open_form(self) -> None:
        from screens.free_request import FreeRequestScreen

        self.app.push_screen(FreeRequestScreen(), self._request_sent)

    def _request_sent(self, view: FreeRequestView | None) -> None:
        if view is None:
            return
        key = str(view.request.id)
        self._requests = {key: view, **{k: v for k, v in self._requests.items() if k != key}}
        self.action_tab("requests")
        self._show_requests()
        self._table("requests").select_key(key)
        self.notify(self.tr("account.request_sent", when=format_datetime(view.request.review_by)))
        if self.session is not None:
            self._load_requests(self.session, select=key)
