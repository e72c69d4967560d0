"""The circulation desk (R14): six tabs for the staff of one library.

"Rezervācijas", "Pagarinājumi" and "Brīvie pieprasījumi" are the work queues
(``screens.desk.work_queues``), their labels carrying how many wait; "Izsniegšana"
(check-out), "Saņemšana" (check-in) and "Lasītāji" (patron look-up) follow.
Digits 1–6 open a tab (when the focus is not in a field) and Ctrl+←/→ go to
the previous or next one from anywhere. The queues are asked again when
their tab opens, after every answer, and every ``REFRESH`` seconds, so the
counts stay true while others work too.

The screen asks and shows: every rule (due dates, blocks, who may do what)
is the service's, in its library.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import ContentSwitcher

from screens.base import ManaScreen, loader
from screens.desk.checkin import CheckinPane
from screens.desk.checkout import CheckoutPane
from screens.desk.pane import DeskPane
from screens.desk.patron_search import PatronsPane
from screens.desk.queue_pane import QueuePane
from screens.desk.work_queues import RenewalsPane, RequestsPane, ReservationsPane
from tui.i18n import texts
from widgets.desk_keyline import DeskKeyLine
from widgets.desk_tabs import DeskTabs
from widgets.desk_topbar import DeskTopBar

if TYPE_CHECKING:
    from services.models import Library

texts(
    {
        "desk.tab.reservations": ("Rezervācijas", "Reservations"),
        "desk.tab.renewals": ("Pagarinājumi", "Renewals"),
        "desk.tab.requests": ("Brīvie pieprasījumi", "Free requests"),
        "desk.tab.checkout": ("Izsniegšana", "Check-out"),
        "desk.tab.checkin": ("Saņemšana", "Check-in"),
        "desk.tab.patrons": ("Lasītāji", "Patrons"),
        "desk.key.tabs": ("Cilnes", "Tabs"),
    }
)

TABS = ("reservations", "renewals", "requests", "checkout", "checkin", "patrons")

REFRESH = 60.0
"""Seconds between two loads of the queues (their counts) while the desk is open."""


class DeskScreen(ManaScreen):
    """The desk's tabs; each tab is a ``DeskPane``."""

    BINDINGS = [
        Binding("ctrl+right", "step_tab(1)", "desk.key.tabs", key_display="Ctrl+←→",
                priority=True, id="desk.next_tab"),
        Binding("ctrl+left", "step_tab(-1)", show=False, priority=True, id="desk.previous_tab"),
        *(
            Binding(str(number), f"tab('{tab}')", show=False, id=f"desk.tab.{number}")
            for number, tab in enumerate(TABS, start=1)
        ),
    ]

    class LibraryKnown(Message):
        """The staff's library is known (``None``: not found); the app puts its
        name on top of every desk screen (``DeskApp.desk_library``)."""

        def __init__(self, library: Library | None) -> None:
            super().__init__()
            self.library = library

    def compose(self) -> ComposeResult:
        yield DeskTopBar()
        yield DeskTabs([(tab, f"desk.tab.{tab}") for tab in TABS], id="desk-tabs")
        with ContentSwitcher(initial=TABS[0], id="desk-panes"):
            yield ReservationsPane()
            yield RenewalsPane()
            yield RequestsPane()
            yield CheckoutPane()
            yield CheckinPane()
            yield PatronsPane()
        yield DeskKeyLine()

    def on_mount(self) -> None:
        self.query_one(DeskTabs).active = TABS[0]
        for pane in self.query(QueuePane):
            if pane.TAB != TABS[0]:
                pane.load()
        self.pane(TABS[0]).activated()  # loads its queue
        self.set_interval(REFRESH, self._refresh_queues, name="desk queues")
        self.load_library()

    # -------------------------------------------------------------- panes

    def pane(self, tab: str) -> DeskPane:
        return self.query_one(f"#{tab}", DeskPane)

    @property
    def active_tab(self) -> str:
        return self.query_one(ContentSwitcher).current or TABS[0]

    def _refresh_queues(self) -> None:
        for pane in self.query(QueuePane):
            pane.load()

    # ------------------------------------------------------------ showing

    @on(QueuePane.Counted)
    def _counted(self, event: QueuePane.Counted) -> None:
        event.stop()
        self.query_one(DeskTabs).count(event.tab, event.count)

    # ------------------------------------------------------------ actions

    def action_tab(self, tab: str) -> None:
        if tab not in TABS:
            return
        self.query_one(ContentSwitcher).current = tab
        self.query_one(DeskTabs).active = tab
        self.pane(tab).activated()
        self.refresh_bindings()

    def action_step_tab(self, step: int) -> None:
        index = TABS.index(self.active_tab) if self.active_tab in TABS else 0
        self.action_tab(TABS[(index + step) % len(TABS)])

    @on(DeskTabs.Chosen)
    def _chosen(self, event: DeskTabs.Chosen) -> None:
        self.action_tab(event.tab)

    @on(PatronsPane.CheckOut)
    def check_out_for(self, event: PatronsPane.CheckOut) -> None:
        """Open "Izsniegšana" for the patron whose account asked for it."""
        event.stop()
        self.action_tab("checkout")
        pane = self.pane("checkout")
        if isinstance(pane, CheckoutPane):
            pane.look_up(event.card)

    # --------------------------------------------------- the staff's library

    @loader
    async def load_library(self) -> None:
        """Which library the staff works for: its name goes on top."""
        session = self.kiosk.session
        if session is None or session.patron.staff_library is None:
            return
        libraries = await self.kiosk.libraries()
        library = next((lib for lib in libraries if lib.id == session.patron.staff_library), None)
        self.post_message(self.LibraryKnown(library))
