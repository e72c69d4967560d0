"""The top line of the desk: whose desk it is (the staff's library) and who
is logged in, with the same offline banner as the kiosk's ``TopBar``."""

from __future__ import annotations

from rich.cells import cell_len
from textual import events
from textual.widgets import Static

from tui.i18n import texts, tr
from tui.safe import clean, plain
from widgets.topbar import TopBar

texts(
    {
        "desk.title": ("Bibliotekāra darbvieta · {library}", "Library desk · {library}"),
        "desk.title.none": ("Bibliotekāra darbvieta", "Library desk"),
    }
)


class DeskTopBar(TopBar):
    """``TopBar`` with the library's name in place of the catalog's."""

    def on_mount(self) -> None:
        # TopBar.on_mount (called after this one) watches language, session, offline.
        self.watch(self.app, "desk_library", lambda _: self.refresh_labels(), init=False)

    def on_resize(self, event: events.Resize) -> None:
        self.refresh_labels()

    def refresh_labels(self) -> None:
        super().refresh_labels()
        app = self.app
        language: str = getattr(app, "language", "lv")
        library = getattr(app, "desk_library", None)
        if library is None:
            self.query_one("#topbar-title", Static).update(tr("desk.title.none", language))
            return
        session = getattr(app, "session", None)
        who = tr("status.logged_in", language, name=session.patron.name) if session else ""
        room = (self.size.width or app.size.width) - 2 - cell_len(who) - 2
        name = clean(library.name, newlines=False)
        title = tr("desk.title", language, library=name)
        if cell_len(title) > room:
            title = tr("desk.title", language, library=clean(library.short_name, newlines=False))
        self.query_one("#topbar-title", Static).update(plain(title, newlines=False))
