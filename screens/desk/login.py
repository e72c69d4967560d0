"""The desk's login: the patrons' ``LoginScreen`` for staff accounts.

The same fields, failure messages and password recovery (F7); there is
nothing to go back to, so Esc only empties the form. An account that is not
a library staff account is logged out on the service at once and told so:
"Šis konts nav bibliotēkas darbinieka konts."
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Button, Input, Static

from screens.dialogs.login import LoginScreen
from services.errors import Forbidden, ManaError
from services.models import Session
from tui.i18n import texts, tr
from widgets.desk_topbar import DeskTopBar
from widgets.notes import put
from widgets.topbar import TopBar

texts(
    {
        "desk.login.heading": ("Bibliotekāra pieslēgšanās", "Library staff login"),
        "desk.login.placeholder": (
            "darbinieka lietotājvārds vai kartes numurs",
            "staff username or card number",
        ),
        "desk.login.not_staff": (
            "Šis konts nav bibliotēkas darbinieka konts.",
            "This account is not a library staff account.",
        ),
        "desk.key.clear": ("Notīrīt", "Clear"),
    }
)


class NotStaff(Forbidden):
    """A patron's account at the desk."""

    def __init__(self) -> None:
        super().__init__(tr("desk.login.not_staff", "lv"), tr("desk.login.not_staff", "en"))


class DeskLoginScreen(LoginScreen):
    """Log a librarian in; dismisses with ``True`` once ``app.session`` is staff."""

    HEADING = "desk.login.heading"
    PLACEHOLDER = "desk.login.placeholder"
    inherit_bindings = False
    BINDINGS = [
        Binding("f2", "app.contacts", "key.contacts", id="desk.login.contacts"),
        Binding("f6", "app.toggle_language", "key.language", id="desk.login.language"),
        Binding("f7", "recover", "login.key.recover", id="desk.login.recover"),
        Binding("escape", "clear", "desk.key.clear", key_display="Esc", id="desk.login.clear"),
    ]

    def compose(self) -> ComposeResult:
        for widget in super().compose():
            yield DeskTopBar() if isinstance(widget, TopBar) else widget

    def relabel(self) -> None:
        super().relabel()
        self.query_one("#login-cancel", Button).display = False

    def action_clear(self) -> None:
        self._failure = None
        self.query_one("#identifier", Input).clear()
        self.query_one("#password", Input).clear()
        self.relabel()
        self.query_one("#identifier", Input).focus()

    def _show_failure(self) -> None:
        super()._show_failure()
        if isinstance(self._failure, NotStaff):
            put(self.query_one("#login-contact", Static), "")

    async def _accepted(self, session: Session) -> bool:
        if session.patron.is_staff:
            return True
        await self._log_out(session)
        self.query_one("#login-box").loading = False
        self._refused(NotStaff())
        return False

    async def _log_out(self, session: Session) -> None:
        try:
            await self.service.logout(session)
        except ManaError:
            pass  # the token is dropped here either way; the server expires it
