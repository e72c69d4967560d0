"""The circulation desk: ``DeskApp(service, config)``, the ``desk`` profile.

The kiosk's app with another start: a staff login (``screens.desk.login``),
then the desk (``screens.desk.screen.DeskScreen``) of the staff's library. F2
contacts, F6 language and F10 logout work as in the kiosk; F10 comes back to
the staff login with nothing of the session left. F5 opens the e-katalogs to
look records up (and F5 or Esc comes back to the desk); ordering from there
is for patrons, so the desk says to use "Izsniegšana" instead. F3 (Mana
bibliotēka) and F4 (the list) belong to patrons and do nothing here. The desk
profile is not hardened: Textual's usual keys (Ctrl+Q quits) work.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from textual import events
from textual.binding import Binding
from textual.reactive import reactive

from services.models import Library
from tui.app import KioskApp
from tui.i18n import texts

if TYPE_CHECKING:
    from screens.desk.screen import DeskScreen

texts(
    {
        "desk.key.home": ("Uz darbvietu", "To the desk"),
        "desk.catalog.no_order": (
            (
                "Pie darbvietas eksemplārus nepasūta: lai izsniegtu, izmantojiet cilni "
                "„Izsniegšana”."
            ),
            "Copies are not ordered at the desk: to lend one, use the Check-out tab.",
        ),
    }
)

HERE = Path(__file__).parent


class DeskApp(KioskApp):
    """Mana bibliotēka at the circulation desk."""

    CSS_PATH = [HERE / "app.tcss", HERE / "desk.tcss"]
    TITLE = "Mana bibliotēka"

    BINDINGS = [
        Binding("f5", "catalog", "key.catalog", id="desk.catalog"),
        Binding("f5", "desk_home", "desk.key.home", id="desk.home"),
        Binding("escape", "desk_home", "desk.key.home", show=False, id="desk.home_escape"),
    ]

    desk_library: reactive[Library | None] = reactive(None)
    """The staff's library, once the desk has asked for it (its name goes on top)."""

    # ----------------------------------------------------------------- start

    def on_mount(self, event: events.Mount) -> None:
        # Not the kiosk's start (the catalog): the staff login.
        event.prevent_default()
        self._show_login()

    def _show_login(self) -> None:
        from screens.desk.login import DeskLoginScreen

        self.push_screen(DeskLoginScreen(), self._logged_in)

    def _logged_in(self, logged_in: bool | None) -> None:
        from screens.desk.screen import DeskScreen

        if logged_in and self.session is not None and not self._desk_offered():
            return
        if logged_in and self.session is not None:
            self.push_screen(DeskScreen())
        else:
            self._show_login()

    def _desk_offered(self) -> bool:
        """Whether the account source runs a desk (a library system over SIP2
        does not); if not, the librarian is logged out and told why."""
        if self.offered is None or self.offered.staff_desk:
            return True
        from services.errors import Refused
        from services.rules import not_offered

        self.action_logout()
        self.notify(Refused(not_offered()).text(self.language), severity="error", markup=False)
        return False

    def on_desk_screen_library_known(self, message: DeskScreen.LibraryKnown) -> None:
        self.desk_library = message.library

    def forget_patron(self) -> None:
        """Back to the staff login with nothing of the session left."""
        from screens.desk.login import DeskLoginScreen

        self.session = None
        self.desk_library = None
        self.record_list.clear()
        self.wipe_traces()
        if isinstance(self.screen, DeskLoginScreen) and len(self.screen_stack) == 2:
            return
        while len(self.screen_stack) > 1:
            self.pop_screen()
        self._show_login()

    # ---------------------------------------------------------------- actions

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("account", "show_list"):
            return False  # the patron's own screens
        if action == "catalog":
            return self.session is not None and not self._in_catalog()
        if action == "desk_home":
            return self._in_catalog()
        return super().check_action(action, parameters)

    def _in_catalog(self) -> bool:
        from screens.catalog import CatalogScreen

        return any(isinstance(screen, CatalogScreen) for screen in self.screen_stack)

    def action_catalog(self) -> None:
        from screens.catalog import CatalogScreen

        if self.session is not None and not self._in_catalog():
            self.push_screen(CatalogScreen())

    def action_desk_home(self) -> None:
        from screens.desk.screen import DeskScreen

        if not self._in_catalog():
            return
        while len(self.screen_stack) > 1 and not isinstance(self.screen, DeskScreen):
            self.pop_screen()

    def action_account(self) -> None:
        """F3 opens the patron's account in the kiosk; not at the desk."""

    def action_show_list(self) -> None:
        """F4 opens the patron's list in the kiosk; not at the desk."""

    def require_login(self, then: Callable[[], object]) -> None:
        """Ordering from the catalog is the patron's; at the desk, lend instead."""
        self.notify(self.tr("desk.catalog.no_order"), severity="warning")
