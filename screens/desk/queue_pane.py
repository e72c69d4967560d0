"""A work queue of the desk (``QueuePane``): a table of what waits for the
librarian, moved through with the arrow keys, one key acting on the
highlighted row.

A row being processed shows "Apstrādā…" and ignores further keys (no second
service call), and for a moment after an answer (``GUARD``) the keys are
ignored too, so a key pressed twice does not act on the row that moved up
under the cursor. When the service answers, the row leaves the queue (or
shows its new state) and the tab's count follows (``Counted``); "Conflict"
(someone else processed it meanwhile) is said and the queue is loaded again.
The three queues are in ``screens.desk.work_queues``.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any, ClassVar, Generic, TypeVar

from textual import on, work
from textual.app import ComposeResult
from textual.message import Message
from textual.widget import Widget
from textual.widgets import DataTable, Static

from screens.base import loader
from screens.desk.pane import DeskPane
from services.errors import Conflict
from services.models import FreeRequestView, LoanView, ReservationView, Session
from tui.safe import plain
from widgets.fit_table import Column, FitTable

View = TypeVar("View", ReservationView, LoanView, FreeRequestView)

GUARD = 0.3
"""Seconds after an answer during which the queue's keys do nothing."""


class QueuePane(DeskPane, Generic[View]):
    """One queue: ``load()`` asks the service, the subclasses say what each
    key does (``act(...)``)."""

    EMPTY: ClassVar[str] = ""

    class Counted(Message):
        """The queue's count changed (``None`` while not loaded)."""

        def __init__(self, tab: str, count: int | None) -> None:
            super().__init__()
            self.tab = tab
            self.count = count

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[str, View] = {}
        self.busy: set[str] = set()
        self.loaded = False
        self._quiet_until = 0.0

    def compose(self) -> ComposeResult:
        yield Static(id=f"{self.TAB}-empty", classes="empty")
        yield FitTable(id=f"{self.TAB}-table")
        yield Static(id=f"{self.TAB}-detail", classes="detail")
        yield Static(id=f"{self.TAB}-status", classes="desk-status")

    @property
    def table(self) -> FitTable:
        return self.query_one(f"#{self.TAB}-table", FitTable)

    can_focus = False
    """True only while the queue is empty (see ``show_rows``)."""

    def main_widget(self) -> Widget | None:
        if self.items or not self.loaded:
            return self.table
        self.can_focus = True
        return self

    def activated(self) -> None:
        super().activated()
        self.load()

    @property
    def count(self) -> int | None:
        return len(self.items) if self.loaded else None

    # --------------------------------------------------------- the subclass

    def columns(self, language: str) -> list[Column]:
        raise NotImplementedError

    def row(self, view: View, language: str, busy: bool) -> list[str]:
        raise NotImplementedError

    def detail(self, view: View, language: str) -> str:
        raise NotImplementedError

    async def fetch(self, session: Session) -> list[View]:
        raise NotImplementedError

    @staticmethod
    def key_of(view: View) -> str:
        raise NotImplementedError

    def still_open(self, view: View) -> bool:
        """Whether the answer ``view`` stays in this queue (a free request accepted)."""
        return False

    # ------------------------------------------------------------- showing

    def relabel(self) -> None:
        super().relabel()
        self.show_rows()

    def show_rows(self) -> None:
        language = self.language
        table = self.table
        table.show(
            self.columns(language),
            [(key, self.row(view, language, key in self.busy)) for key, view in self.items.items()],
        )
        empty = self.query_one(f"#{self.TAB}-empty", Static)
        if not self.loaded:
            empty.update(self.tr("status.loading"))
        else:
            empty.update(self.tr(self.EMPTY))
        shown_empty = self.loaded and not self.items
        empty.display = not self.items
        table.display = not shown_empty
        # An empty queue has no table to hold the focus: the pane holds it
        # (its keys, such as R, keep working), and gives it back to the rows.
        self.can_focus = shown_empty
        focused = self.screen.focused if self.is_attached else None
        if shown_empty and focused is table:
            self.focus()
        elif not shown_empty and focused is self:
            table.focus()
        self._show_detail()
        self.post_message(self.Counted(self.TAB, self.count))

    def _show_detail(self) -> None:
        key = self.table.selected_key
        view = self.items.get(key or "")
        detail = self.query_one(f"#{self.TAB}-detail", Static)
        detail.update(plain(self.detail(view, self.language)) if view is not None else "")
        detail.display = view is not None

    @on(DataTable.RowHighlighted)
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_detail()

    # ------------------------------------------------------------- loading

    def load(self) -> None:
        if self.session is not None:
            self._load(self.session)

    @loader
    async def _load(self, session: Session) -> None:
        views = await self.fetch(session)
        self.loaded = True
        fresh = {self.key_of(v): v for v in views}
        # A row still being processed keeps its place until its answer comes.
        self.items = {**fresh, **{k: v for k, v in self.items.items() if k in self.busy}}
        self.show_rows()

    def action_reload(self) -> None:
        self.load()

    # -------------------------------------------------------------- acting

    def selected(self) -> tuple[str, View] | None:
        """The highlighted row, unless it is being processed or an answer just came."""
        key = self.table.selected_key
        if key is None or key in self.busy or key not in self.items:
            return None
        if time.monotonic() < self._quiet_until:
            return None
        return key, self.items[key]

    def act(
        self,
        call: Callable[[Session, View, str], Awaitable[Any]],
        done: Callable[[View, Any], Callable[[str], str]],
        *,
        note: str | None = None,
        required: bool = False,
    ) -> None:
        """Run ``call`` on the highlighted row; with ``note`` (a heading key)
        ask for a reason or note first. ``done`` words the answer."""
        chosen = self.selected()
        if chosen is None or self.session is None:
            return
        key, view = chosen
        if note is None:
            self._start(key, view, call, done, "")
            return
        from screens.desk.reason import ReasonDialog

        def answered(text: str | None) -> None:
            if text is not None:
                self._start(key, view, call, done, text)

        subject = self._subject(view)
        self.app.push_screen(ReasonDialog(note, subject, required=required), answered)

    def _subject(self, view: View) -> str:
        line = self.row(view, self.language, False)
        return f"{line[2]} — {line[0]} ({line[1]})"

    def _start(self, key: str, view: View, call: Any, done: Any, text: str) -> None:
        session = self.session
        if session is None or key in self.busy or key not in self.items:
            return
        self.busy.add(key)
        self.show_rows()
        self._run(session, key, view, call, done, text)

    @work(group="desk-queue-act", exit_on_error=False)
    async def _run(
        self, session: Session, key: str, view: View, call: Any, done: Any, text: str
    ) -> None:
        try:
            answer = await call(session, view, text)
        except Conflict as error:
            self.busy.discard(key)
            self.kiosk.report_error(error)
            self.load()
            return
        except BaseException:
            self.busy.discard(key)
            self.show_rows()
            raise
        self.busy.discard(key)
        self._quiet_until = time.monotonic() + GUARD
        if self.still_open(answer):
            self.items[key] = answer
        else:
            self.items.pop(key, None)
        self.show_rows()
        self.status(done(view, answer))
