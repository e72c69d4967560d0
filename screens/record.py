"""One record (R2): its full description and its copies ("Eksemplāri").

The copy list is moved through with the arrow keys; Enter acts on what the
service offers for that copy (R3): order, join the queue, a reading-room note
or the library's contacts. "S" adds the record to the patron's list (R4).
"M" opens the record's MARC view (``screens.dialogs.marc``). From 160
columns on, the description sits beside the copies and takes the full height.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.css.scalar import Scalar
from textual.widgets import DataTable, Static

from screens.base import ManaScreen, loader
from services.models import CopyView, Library, OfferKind, Page, Record
from tui.i18n import texts
from widgets.copy_table import CopyTable
from widgets.keyline import KeyLine
from widgets.label import Tr
from widgets.paging import range_text
from widgets.record_view import RecordView
from widgets.topbar import TopBar

texts(
    {
        "record.copies": ("Eksemplāri", "Copies"),
        "record.no_copies": (
            "Šim ierakstam nav eksemplāru. Jautājiet bibliotēkā (F2 — kontakti).",
            "This record has no copies. Ask at the library (F2 — contacts).",
        ),
        "record.key.add": ("Pievienot sarakstam", "Add to list"),
        "record.key.remove": ("Izņemt no saraksta", "Remove from list"),
        "record.added": ("Pievienots sarakstam (F4).", "Added to the list (F4)."),
        "record.removed": ("Izņemts no saraksta.", "Removed from the list."),
        "record.in_list": ("Sarakstā", "In the list"),
        "record.key.marc": ("MARC skats", "MARC view"),
    }
)

COPIES_PAGE = 50


class RecordScreen(ManaScreen):
    """The full description and the copies of one record."""

    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (160, "-wide")]
    """From 160 columns on, the description beside the copies (tui/app.tcss)."""

    BINDINGS = [
        Binding("escape", "back", "key.back", key_display="Esc"),
        Binding("s", "add_to_list", "record.key.add"),
        Binding("s", "remove_from_list", "record.key.remove"),
        Binding("m", "marc", "record.key.marc"),
        Binding("pagedown", "next_copies", "page.next", key_display="PgDn", priority=True),
        Binding("pageup", "previous_copies", "page.previous", key_display="PgUp", priority=True),
    ]

    def __init__(self, record_id: int) -> None:
        super().__init__()
        self.record_id = record_id
        self._copies_offset = 0
        self.record: Record | None = None
        self.copies_page: Page[CopyView] | None = None
        self.libraries: dict[str, Library] = {}

    def compose(self) -> ComposeResult:
        yield TopBar()
        with Vertical(id="record-body"):
            yield RecordView(id="record")
            with Vertical(id="copies-pane"):
                with Horizontal(id="copies-head"):
                    yield Tr("record.copies", upper=True, id="copies-title")
                    yield Tr("", id="in-list")
                    yield Static(id="copies-range")
                yield CopyTable(id="copies")
        yield KeyLine()

    def on_mount(self) -> None:
        self.query_one(RecordView).show(None, self.language)
        self.relabel()
        self.focus_when_loaded(self.query_one(CopyTable))
        self.load_record()
        self.load_copies(0)

    def relabel(self) -> None:
        self.query_one(RecordView).show(self.record, self.language)
        self._show_copies_head()
        table = self.query_one(CopyTable)
        if table.columns:
            table.relabel(self.language)

    def _show_copies_head(self) -> None:
        page = self.copies_page
        text = ""
        if page is not None:
            text = range_text(page, self.language) if page.items else self.tr("record.no_copies")
        self.query_one("#copies-range", Static).update(text)
        in_list = self.record_id in self.kiosk.record_list
        self.query_one("#in-list", Tr).key = "record.in_list" if in_list else ""

    # -------------------------------------------------------------- loading

    @loader
    async def load_record(self) -> None:
        view = self.query_one(RecordView)
        view.loading = True
        self.record = await self.service.record(self.record_id)
        view.loading = False
        view.show(self.record, self.language)
        self.refresh_bindings()
        libraries = await self.kiosk.libraries()
        self.libraries = {library.id: library for library in libraries}
        table = self.query_one(CopyTable)
        if table.views:
            table.show_copies(table.views, self.language, self._short_names(), keep_cursor=True)

    @load_record.failed
    def _record_failed(self, error: BaseException) -> None:
        self.query_one(RecordView).loading = False

    @loader
    async def load_copies(self, offset: int, keep_cursor: bool = False) -> None:
        self._copies_offset = offset
        table = self.query_one(CopyTable)
        table.loading = True
        page = await self.service.copies(self.record_id, offset, COPIES_PAGE)
        table.loading = False
        self.copies_page = page
        table.show_copies(page.items, self.language, self._short_names(), keep_cursor=keep_cursor)
        self._show_copies_head()
        self.refresh_bindings()
        self._share_room()

    @load_copies.failed
    def _copies_failed(self, error: BaseException) -> None:
        self.query_one(CopyTable).loading = False

    @load_copies.again
    def _copies_again(self) -> None:
        """Offline retry: the page of copies that failed, keeping the cursor."""
        self.load_copies(self._copies_offset, keep_cursor=True)

    def _share_room(self) -> None:
        """One above the other, the description may take what the copies
        leave over (at least its usual 45% of the height): a long record with
        few copies is read without scrolling. Beside each other (``-wide``),
        it has the full height already."""
        view = self.query_one(RecordView)
        height: int | None = None
        if not self.has_class("-wide"):
            room = self.query_one("#record-body").size.height
            copies = self.query_one(CopyTable).row_count + 2  # the heading and the column names
            height = max(room * 45 // 100, room - copies)
        if view.styles.max_height != (None if height is None else Scalar.parse(str(height))):
            view.styles.max_height = height

    def on_resize(self) -> None:
        self.call_after_refresh(self._share_room)

    def _short_names(self) -> dict[str, str]:
        return {library_id: lib.short_name for library_id, lib in self.libraries.items()}

    # --------------------------------------------------------------- actions

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        in_list = self.record_id in self.kiosk.record_list
        page = self.copies_page
        if action == "add_to_list":
            return self.record is not None and not in_list
        if action == "remove_from_list":
            return in_list
        if action == "next_copies":
            return page is not None and page.has_next
        if action == "previous_copies":
            return page is not None and page.has_previous
        return True

    def action_back(self) -> None:
        self.dismiss()

    def action_marc(self) -> None:
        """The record's MARC fields, read-only (M again or Esc closes them)."""
        from screens.dialogs.marc import MarcDialog

        title = self.record.title if self.record is not None else ""
        self.app.push_screen(MarcDialog(self.record_id, title))

    def action_next_copies(self) -> None:
        page = self.copies_page
        if page is not None and page.has_next:
            self.load_copies(page.offset + len(page.items))

    def action_previous_copies(self) -> None:
        page = self.copies_page
        if page is not None and page.has_previous:
            self.load_copies(max(0, page.offset - COPIES_PAGE))

    def action_add_to_list(self) -> None:
        if self.record is None:
            return
        self.kiosk.record_list[self.record_id] = self.record
        self.notify(self.tr("record.added"))
        self._list_changed()

    def action_remove_from_list(self) -> None:
        self.kiosk.record_list.pop(self.record_id, None)
        self.notify(self.tr("record.removed"))
        self._list_changed()

    def _list_changed(self) -> None:
        self._show_copies_head()
        self.refresh_bindings()

    def on_screen_resume(self) -> None:
        # The list may have changed on the list screen meanwhile.
        self._list_changed()

    # ----------------------------------------------------------- the offers

    @on(DataTable.RowSelected, "#copies")
    def _copy_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        view = self.query_one(CopyTable).current
        if view is not None:
            self.choose(view)

    def choose(self, view: CopyView) -> None:
        """Act on what the service offers for this copy (R3)."""
        from screens.dialogs.order import ContactDialog, OrderDialog, ReadingRoomDialog

        library = self.libraries.get(view.item.library_id)
        title = self.record.title if self.record is not None else ""
        kind = view.offer.kind
        if kind in (OfferKind.ORDER, OfferKind.QUEUE):
            self.kiosk.require_login(
                lambda: self.app.push_screen(OrderDialog(title, view, library), self._ordered)
            )
        elif kind is OfferKind.READING_ROOM:
            self.app.push_screen(ReadingRoomDialog(title, view, library))
        else:
            self.app.push_screen(ContactDialog(title, view, library))

    def _ordered(self, changed: bool | None) -> None:
        if changed:
            page = self.copies_page
            self.load_copies(page.offset if page else 0, keep_cursor=True)
