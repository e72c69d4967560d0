"""Every library of the region and how to reach it (R16): F2 from anywhere."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll

from screens.base import ManaScreen, loader
from tui.i18n import texts
from widgets.contact_card import ContactCard
from widgets.keyline import KeyLine
from widgets.label import Tr
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

    def compose(self) -> ComposeResult:
        yield TopBar()
        yield Tr("contacts.title", id="contacts-title")
        yield Tr("contacts.hint", id="contacts-hint", classes="hint")
        yield VerticalScroll(id="contacts-list")
        yield KeyLine()

    def on_mount(self) -> None:
        self.query_one("#contacts-list").focus()
        self.load_contacts()

    @loader
    async def load_contacts(self) -> None:
        box = self.query_one("#contacts-list", VerticalScroll)
        box.loading = True
        libraries = await self.kiosk.libraries()
        box.loading = False
        self.query_one("#contacts-hint", Tr).key = "contacts.hint"
        await box.remove_children()
        await box.mount_all(ContactCard(library, self.language) for library in libraries)

    @load_contacts.failed
    def _contacts_failed(self, error: BaseException) -> None:
        box = self.query_one("#contacts-list", VerticalScroll)
        box.loading = False
        self.query_one("#contacts-hint", Tr).key = "contacts.failed"

    def action_back(self) -> None:
        self.dismiss()
