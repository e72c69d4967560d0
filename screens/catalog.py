"""The e-katalogs (R1): search the union catalog without logging in.

Typing searches as you go (an exclusive worker in the group "search", so a new
key press cancels the previous call and the screen never waits); results page
through the service a screenful at a time. Filters: library, material type and
"available now". Enter on a result opens it ("Skatīt").

The catalog is ``mana``'s first screen and is drawn before the service exists
(``KioskApp.starting``): it composes without the domain models (pydantic),
shows that it is loading, and asks its first page once the service is there.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.content import Content
from textual.widgets import Checkbox, DataTable, Input, Select, Static

from screens.base import ManaScreen, loader
from tui.i18n import texts
from tui.safe import clean
from widgets.keyline import KeyLine
from widgets.label import follow_language, replace_options
from widgets.paging import range_text
from widgets.record_table import RecordTable
from widgets.topbar import TopBar

if TYPE_CHECKING:
    from services.models import Library, SearchCounts, SearchPage, SearchQuery

texts(
    {
        "catalog.search": ("Meklēt", "Search"),
        "catalog.placeholder": (
            "vārds, nosaukums, autors, tēma vai ISBN",
            "word, title, author, subject or ISBN",
        ),
        "catalog.library": ("Bibliotēka", "Library"),
        "catalog.all_libraries": ("Visas bibliotēkas", "All libraries"),
        "catalog.type": ("Veids", "Type"),
        "catalog.all_types": ("Visi veidi", "All types"),
        "catalog.available": ("Pieejams tagad", "Available now"),
        "catalog.found": ("Atrasts: {range}", "Found: {range}"),
        "catalog.nothing": (
            "Nekas nav atrasts. Pārbaudiet vārdus vai noņemiet filtrus.",
            "Nothing found. Check the words or remove the filters.",
        ),
        "catalog.key.search": ("Meklēt", "Search"),
    }
)

ALL = ""
"""The Select value meaning "no filter"."""

TYPING_PAUSE = 0.25
"""Seconds of quiet after a key press before the catalog is asked."""


class CatalogScreen(ManaScreen):
    """Search field, filters, and one page of results.

    A page is as many results as the table shows at once (at least 10), so
    PgDn/PgUp turn whole pages and a large terminal shows more.
    """

    CHROME_ROWS = 10
    """Rows around the results at 80×24: top bar, search, filters, summary, header, keys."""

    BINDINGS = [
        Binding("pagedown", "next_page", "page.next", key_display="PgDn", priority=True),
        Binding("pageup", "previous_page", "page.previous", key_display="PgUp", priority=True),
        Binding("down", "focus_results", show=False),
        Binding("ctrl+f", "focus_search", "catalog.key.search", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._requested: SearchQuery | None = None
        self._failed_offset = 0
        self._page: SearchPage | None = None
        self._libraries: list[Library] = []
        self._counts: SearchCounts | None = None
        """What each choice of the filter lists would find (the last search's)."""

    # ---------------------------------------------------------------- layout

    def compose(self) -> ComposeResult:
        yield TopBar()
        yield Input(id="search", max_length=500, select_on_focus=False)
        with Horizontal(id="filters"):
            yield Select([(self.tr("catalog.all_libraries"), ALL)], id="library",
                         allow_blank=False, value=ALL)
            yield Select(self._type_options(), id="type", allow_blank=False, value=ALL)
            yield Checkbox(id="available")
        yield Static(id="summary")
        yield RecordTable(id="results")
        yield KeyLine()

    def on_mount(self) -> None:
        search = self.query_one("#search", Input)
        follow_language(search, "border_title", "catalog.search")
        follow_language(search, "placeholder", "catalog.placeholder")
        follow_language(self.query_one("#library", Select), "border_title", "catalog.library")
        follow_language(self.query_one("#type", Select), "border_title", "catalog.type")
        follow_language(self.query_one("#available", Checkbox), "label", "catalog.available")
        self.relabel()
        search.focus()
        # The first frame goes out before the catalog is asked for anything.
        self.call_after_refresh(self._first_load)

    def _first_load(self) -> None:
        if self.kiosk.started:
            self._load()
            return
        # The results show that they are loading while mana builds the
        # service; whatever is typed meanwhile is searched for then.
        self.query_one(RecordTable).loading = True
        self.kiosk.when_started(self._service_started)

    def _service_started(self) -> None:
        self._set_select(self.query_one("#type", Select), self._type_options())
        self._load()

    def _load(self) -> None:
        self.load_libraries()
        self.request()

    def relabel(self) -> None:
        """The filter lists' choices, the summary and the table's columns."""
        self._set_select(self.query_one("#library", Select), self._library_options())
        self._set_select(self.query_one("#type", Select), self._type_options())
        self._show_summary()
        table = self.query_one(RecordTable)
        if table.columns:
            table.relabel(self.language)

    def _type_options(self) -> list[tuple[Content | str, str]]:
        """The "all types" choice and, once the service is there, each material
        type (they come with the domain models, imported with the service)."""
        options: list[tuple[Content | str, str]] = [(self.tr("catalog.all_types"), ALL)]
        if self.kiosk.started:
            from services.models import MaterialType
            from widgets.record_view import material_name

            options += [(self._counted(material_name(m, self.language),
                                       self._counts and self._counts.material_types, m.value),
                         m.value) for m in MaterialType]
        return options

    def _library_options(self) -> list[tuple[Content | str, str]]:
        options: list[tuple[Content | str, str]] = [(self.tr("catalog.all_libraries"), ALL)]
        options += [(Content(self._counted(clean(lib.name, newlines=False),
                                           self._counts and self._counts.libraries, lib.id)),
                     lib.id) for lib in self._libraries]
        return options

    @staticmethod
    def _counted(label: str, counts: dict[str, int] | None, value: str) -> str:
        """``label`` with the number of matches the choice would leave, once
        a search said (R1): "Kokneses bibliotēka (5)"."""
        return label if counts is None else f"{label} ({counts.get(value, 0)})"

    @staticmethod
    def _set_select(select: Select[str], options: list[tuple[Content | str, str]]) -> None:
        """Replace the options, keeping the choice (set_options would reset it)."""
        replace_options(select, options)

    # ------------------------------------------------------------- searching

    def query_from_fields(self, offset: int = 0) -> SearchQuery:
        from services.models import MaterialType, SearchQuery

        library = self.query_one("#library", Select).value
        material = self.query_one("#type", Select).value
        return SearchQuery(
            text=clean(self.query_one("#search", Input).value, newlines=False).strip(),
            library_id=library if isinstance(library, str) and library else None,
            material_type=MaterialType(material) if isinstance(material, str) and material else None,
            available_now=self.query_one("#available", Checkbox).value,
            offset=offset,
            limit=self.page_size(),
            counts=offset == 0,  # a new search: the filter lists say what they would find
        )

    def page_size(self) -> int:
        """How many results fit in the table (10–50)."""
        table = self.query_one(RecordTable)
        rows = table.size.height - 1 if table.size.height else self.app.size.height - self.CHROME_ROWS
        return max(10, min(50, rows))

    def request(self, offset: int = 0, delay: float = 0.0) -> None:
        """Ask for the page at ``offset`` of what the fields say, unless already
        asked (or the service is not there yet: its first search reads the fields)."""
        if not self.kiosk.started:
            return
        query = self.query_from_fields(offset)
        if query == self._requested:
            return
        self._requested = query
        self.search(query, delay)

    @loader
    async def search(self, query: SearchQuery, delay: float = 0.0) -> None:
        if delay:
            await asyncio.sleep(delay)
        table = self.query_one(RecordTable)
        table.loading = True
        page = await self.service.search(query)
        table.loading = False
        self._page = page
        if query.counts:  # a new search: its counts, or none when it had too many to count
            self._counts = page.counts
            self._set_select(self.query_one("#library", Select), self._library_options())
            self._set_select(self.query_one("#type", Select), self._type_options())
        table.show_hits(page.items, self.language)
        self._show_summary()
        self.refresh_bindings()

    @search.failed
    def _search_failed(self, error: BaseException) -> None:
        self.query_one(RecordTable).loading = False
        if self._requested is not None:
            self._failed_offset = self._requested.offset
        self._requested = None  # the same search may be tried again

    @search.again
    def _search_again(self) -> None:
        """Offline retry: the search the fields say now, at the page that failed."""
        self.request(offset=self._failed_offset)

    @loader
    async def load_libraries(self) -> None:
        self._libraries = await self.kiosk.libraries()
        self._set_select(self.query_one("#library", Select), self._library_options())

    def _show_summary(self) -> None:
        summary = self.query_one("#summary", Static)
        page = self._page
        if page is None:
            summary.update(self.tr("status.loading"))
        elif not page.items:
            summary.update(self.tr("catalog.nothing"))
        else:
            summary.update(self.tr("catalog.found", range=range_text(page, self.language)))

    @on(Input.Changed, "#search")
    def _typed(self) -> None:
        self.request(delay=TYPING_PAUSE)

    @on(Input.Submitted, "#search")
    def _submitted(self) -> None:
        self.request()
        self.focus_when_loaded(self.query_one(RecordTable))

    @on(Select.Changed)
    @on(Checkbox.Changed)
    def _filter_changed(self) -> None:
        self.request()

    # ---------------------------------------------------------------- paging

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        page = self._page
        if action == "next_page":
            return page is not None and page.has_next
        if action == "previous_page":
            return page is not None and page.has_previous
        return True

    def action_next_page(self) -> None:
        if self._page is not None and self._page.has_next:
            self.request(offset=self._page.offset + len(self._page.items))

    def action_previous_page(self) -> None:
        if self._page is not None and self._page.has_previous:
            self.request(offset=max(0, self._page.offset - self.page_size()))

    # --------------------------------------------------------------- opening

    @on(DataTable.RowSelected, "#results")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value is not None:
            self.open_record(int(event.row_key.value))

    def open_record(self, record_id: int) -> None:
        from screens.record import RecordScreen

        self.app.push_screen(RecordScreen(record_id))

    def on_key(self, event: events.Key) -> None:
        """Typing on the results goes on with the search: the field takes the key."""
        if isinstance(self.focused, RecordTable) and event.is_printable and event.character:
            event.stop()
            search = self.query_one("#search", Input)
            search.focus()
            search.insert_text_at_cursor(event.character)

    def action_focus_results(self) -> None:
        if isinstance(self.focused, (Input, Checkbox)):
            self.focus_when_loaded(self.query_one(RecordTable))

    def action_focus_search(self) -> None:
        self.query_one("#search", Input).focus()
