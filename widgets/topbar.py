"""The top of every screen: the service's name, who is logged in, and a
banner while the library service cannot be reached."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Static

from tui.i18n import tr
from tui.safe import plain


class TopBar(Vertical):
    DEFAULT_CSS = """
    TopBar { dock: top; height: auto; }
    TopBar > Horizontal { height: 1; background: $primary; color: $text; padding: 0 1; }
    TopBar #topbar-title { width: 1fr; text-style: bold; }
    TopBar #topbar-who { width: auto; }
    TopBar #topbar-offline {
        display: none; height: auto; background: $error; color: $text; padding: 0 1;
    }
    TopBar.-offline #topbar-offline { display: block; }
    """

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield Static(id="topbar-title")
            yield Static(id="topbar-who")
        yield Static(id="topbar-offline")

    def on_mount(self) -> None:
        for name in ("language", "session", "offline"):
            self.watch(self.app, name, lambda _: self.refresh_labels(), init=False)
        self.refresh_labels()

    def refresh_labels(self) -> None:
        app = self.app
        language: str = getattr(app, "language", "lv")
        session = getattr(app, "session", None)
        self.query_one("#topbar-title", Static).update(
            tr("app.title", language) + " · " + tr("app.subtitle", language)
        )
        if session is None:
            who = plain(tr("status.logged_out", language))
        else:
            who = plain(tr("status.logged_in", language, name=session.patron.name), newlines=False)
        self.query_one("#topbar-who", Static).update(who)
        self.query_one("#topbar-offline", Static).update(tr("error.offline", language))
        self.set_class(bool(getattr(app, "offline", False)), "-offline")
