"""Veikt pasūtījumu (R8): a free request for a book that is not in the catalog,
or for books on a topic.

The screen checks nothing itself: what is required and what an unknown
author or year may look like is the service's rule. A refused field shows the
service's sentence at that field and nothing typed is lost. The screen
(pushed with a callback) dismisses with the new ``FreeRequestView`` once
sent, ``None`` on Escape.
"""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widget import Widget
from textual.widgets import Button, Input, Select, Static, TextArea

from screens.base import ManaScreen, loader
from services.errors import InvalidInput, ManaError, Refused
from services.models import FreeRequestForm, Library, Session
from tui.i18n import texts
from tui.safe import plain
from widgets.keyline import KeyLine
from widgets.label import Tr, TrButton, TrLabel, follow_language
from widgets.notes import put
from widgets.topbar import TopBar

texts(
    {
        "freq.heading": ("Veikt pasūtījumu", "Make an order"),
        "freq.hint": (
            "Nezināmu autoru vai gadu var norādīt ar domuzīmi (-) vai citu zīmi. Grāmatām par "
            "tēmu ierakstiet tēmu laukos Nosaukums un Papildinformācija.",
            "An unknown author or year may be given as a dash (-) or another mark. For books on "
            "a topic, put the topic in Title and Additional information.",
        ),
        "freq.author": ("Autors", "Author"),
        "freq.title": ("Nosaukums", "Title"),
        "freq.year": ("Izdošanas gads", "Year"),
        "freq.info": ("Papildinformācija", "Additional information"),
        "freq.library": ("Bibliotēka", "Library"),
        "freq.collection": ("Fonds", "Collection"),
        "freq.choose_library": ("Izvēlieties bibliotēku", "Choose a library"),
        "freq.choose_collection": ("Izvēlieties fondu", "Choose a collection"),
        "freq.send": ("Sūtīt", "Send"),
        "freq.cancel": ("Atcelt", "Cancel"),
        "freq.key.send": ("Sūtīt", "Send"),
    }
)

FIELDS = {
    "author": "freq-author",
    "title": "freq-title",
    "year": "freq-year",
    "info": "freq-info",
    "library_id": "freq-library",
    "collection": "freq-collection",
}
"""The service's field names → the ids of the widgets on the form."""


class FreeRequestScreen(ManaScreen):
    """The form of a free request, with the pickup library and collection."""

    BINDINGS = [
        Binding("escape", "cancel", "key.back", key_display="Esc", id="freq.back"),
        Binding("f9", "send", "freq.key.send", id="freq.send"),
        Binding("f3", "noop", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._libraries: dict[str, Library] = {}
        self._errors: dict[str, ManaError] = {}
        self._failure: ManaError | None = None

    def compose(self) -> ComposeResult:
        yield TopBar()
        with VerticalScroll(id="freq-form"):
            yield Tr("freq.heading", id="freq-heading", classes="dialog-heading")
            yield Tr("freq.hint", id="freq-hint", classes="hint")
            yield from self._field("author", Input(id="freq-author"))
            yield from self._field("title", Input(id="freq-title"))
            yield from self._field("year", Input(id="freq-year"))
            yield from self._field(
                "info", TextArea(id="freq-info", soft_wrap=True, show_line_numbers=False)
            )
            yield from self._field("library", Select[str]([], id="freq-library"))
            yield from self._field("collection", Select[str]([], id="freq-collection"))
            yield Static(id="freq-failure", classes="failure")
            with Horizontal(classes="dialog-buttons", id="freq-buttons"):
                yield TrButton("freq.send", id="freq-send", variant="primary")
                yield TrButton("freq.cancel", id="freq-cancel")
        yield KeyLine()

    def _field(self, name: str, widget: Widget) -> ComposeResult:
        with Horizontal(classes="form-row", id=f"freq-{name}-row"):
            yield TrLabel(f"freq.{name}", id=f"freq-{name}-label", classes="form-label")
            with Vertical(classes="form-field"):
                yield widget
                yield Static(id=f"freq-{name}-error", classes="field-error")

    def on_mount(self) -> None:
        follow_language(self.query_one("#freq-library", Select), "prompt", "freq.choose_library")
        follow_language(
            self.query_one("#freq-collection", Select), "prompt", "freq.choose_collection"
        )
        self.relabel()
        self.query_one("#freq-author", Input).focus()
        self._load_libraries()

    def relabel(self) -> None:
        self._fill_collections()
        self._show_errors()

    # ------------------------------------------------------------- libraries

    @loader
    async def _load_libraries(self) -> None:
        libraries = await self.kiosk.libraries()
        self._libraries = {library.id: library for library in libraries}
        select: Select[str] = self.query_one("#freq-library", Select)
        select.set_options(
            [(plain(library.name, newlines=False), library.id) for library in libraries]
        )
        session = self.kiosk.session
        if session is not None and session.patron.home_library in self._libraries:
            select.value = session.patron.home_library
        self._fill_collections()

    @on(Select.Changed, "#freq-library")
    def _library_changed(self) -> None:
        self._fill_collections()

    def _fill_collections(self) -> None:
        """The chosen library's collections, keeping the chosen one if it is still there."""
        library_select: Select[str] = self.query_one("#freq-library", Select)
        select: Select[str] = self.query_one("#freq-collection", Select)
        library = self._libraries.get(library_select.selection or "")
        previous = select.selection
        collections = library.collections if library is not None else []
        select.set_options(
            [(plain(c.name(self.language), newlines=False), c.code) for c in collections]
        )
        codes = [c.code for c in collections]
        if previous in codes:
            select.value = previous
        elif codes:
            select.value = codes[0]

    # ------------------------------------------------------------------ send

    def _form(self) -> FreeRequestForm:
        return FreeRequestForm(
            author=self.query_one("#freq-author", Input).value,
            title=self.query_one("#freq-title", Input).value,
            year=self.query_one("#freq-year", Input).value,
            info=self.query_one("#freq-info", TextArea).text,
            library_id=self.query_one("#freq-library", Select).selection or "",
            collection=self.query_one("#freq-collection", Select).selection or "",
        )

    @on(Input.Submitted)
    def _next_field(self) -> None:
        self.focus_next()

    @on(Button.Pressed, "#freq-send")
    def action_send(self) -> None:
        session = self.kiosk.session
        if session is None:
            return
        self._errors.clear()
        self._failure = None
        self._show_errors()
        self.query_one("#freq-buttons").loading = True
        self._submit(session, self._form())

    @work(group="freq-submit", exclusive=True, exit_on_error=False)
    async def _submit(self, session: Session, form: FreeRequestForm) -> None:
        try:
            view = await self.service.submit_free_request(session, form)
        except InvalidInput as error:
            self._refused_field(error)
            return
        except Refused as error:
            self._failure = error
            self._show_errors()
            return
        finally:
            self.query_one("#freq-buttons").loading = False
        self.dismiss(view)  # type: ignore[arg-type]

    def worker_failed(self, worker: object) -> None:
        self.query_one("#freq-buttons").loading = False

    def _refused_field(self, error: InvalidInput) -> None:
        name = FIELDS.get(error.field)
        if name is None:
            self._failure = error
        else:
            self._errors[name] = error
        self._show_errors()
        if name is not None:
            self.query_one(f"#{name}").focus()

    def _show_errors(self) -> None:
        for name in FIELDS.values():
            error = self._errors.get(name)
            widget = self.query_one(f"#{name}-error", Static)
            put(widget, plain(error.text(self.language)) if error else "")
        failure = self.query_one("#freq-failure", Static)
        put(failure, plain(self._failure.text(self.language)) if self._failure else "")

    # --------------------------------------------------------------- actions

    @on(Button.Pressed, "#freq-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_noop(self) -> None:
        """Swallow a key that must do nothing here."""
