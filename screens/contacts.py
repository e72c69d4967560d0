"""Every library of the region and how to reach it (R16): F2 from anywhere."""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static
from textual.worker import Worker

from screens.base import ManaScreen
from tui.i18n import texts
from widgets.contact_card import ContactCard
from widgets.keyline import KeyLine
from widgets.topbar import TopBar

texts(
    {
        "contacts.title": ("Bibliotēku kontakti", "Library contacts"),
        "contacts.hint": (
            "Neskaidrību gadījumā sazinieties ar bibliotēku. Ritiniet ar bultiņām.",
            "In case of doubt, contact the library. Scroll with the arrow keys.",
        ),
        "contacts.failed": (
            "Kontaktus pašlaik nevar ielādēt. Jautājiet bibliotēkas darbiniekam.",
            "The contacts cannot be loaded right now. Ask a member of the library staff.",
        ),
    }
)


class ContactsScreen(ManaScreen):
    """The region's libraries with address, phone, e-mail and opening hours."""

    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]

    BINDINGS = [Binding("escape", "back", "key.back", key_display="Esc")]

    LOADS = frozenset({"contacts"})

    def compose(self) -> ComposeResult:
        yield TopBar()
        yield Static(id="contacts-title")
        yield Static(id="contacts-hint", classes="hint")
        yield VerticalScroll(id="contacts-list")
        yield KeyLine()

    def on_mount(self) -> None:
        super().on_mount()
        self.relabel()
        self.query_one("#contacts-list").focus()
        self.load()

    def relabel(self) -> None:
        self.query_one("#contacts-title", Static).update(self.tr("contacts.title"))
        self.query_one("#contacts-hint", Static).update(self.tr("contacts.hint"))
        for card in self.query(ContactCard):
            card.relabel(self.language)

    @work(group="contacts", exclusive=True, exit_on_error=False)
    async def load(self) -> None:
        box = self.query_one("#contacts-list", VerticalScroll)
        box.loading = True
        libraries = await self.kiosk.libraries()
        box.loading = False
        self.query_one("#contacts-hint", Static).update(self.tr("contacts.hint"))
        await box.remove_children()
        await box.mount_all(ContactCard(library, self.language) for library in libraries)

    def worker_failed(self, worker: Worker) -> None:
        box = self.query_one("#contacts-list", VerticalScroll)
        box.loading = False
        self.query_one("#contacts-hint", Static).update(self.tr("contacts.failed"))

    def reload(self, group: str) -> None:
        self.load()

    def action_back(self) -> None:
        self.dismiss()
