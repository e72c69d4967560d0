"""The kiosk: ``KioskApp(service, config)``.

The app is given its service and never knows which adapter is behind it.
It keeps what belongs to the terminal's current user — the session, the
list of records, the language — and wipes all of it at logout.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from textual import work
from textual.binding import Binding
from textual.reactive import reactive

from services.errors import ManaError, NotAuthenticated, ServiceUnavailable
from services.models import Library, Record, Session
from services.protocol import LibraryService
from tui.config import KioskConfig
from tui.hardened import HardenedApp
from tui.i18n import tr


class KioskApp(HardenedApp):
    """Mana bibliotēka on a terminal."""

    CSS_PATH = Path(__file__).with_name("app.tcss")
    TITLE = "Mana bibliotēka"
    ENABLE_COMMAND_PALETTE = False

    BINDINGS = [
        Binding("f2", "contacts", "key.contacts", id="contacts"),
        Binding("f3", "account", "key.account", id="account"),
        Binding("f4", "show_list", "key.list", id="list"),
        Binding("f6", "toggle_language", "key.language", id="language"),
        Binding("f10", "logout", "key.logout", id="logout"),
    ]

    language: reactive[str] = reactive("lv")
    session: reactive[Session | None] = reactive(None)
    offline: reactive[bool] = reactive(False)

    def __init__(self, service: LibraryService, config: KioskConfig | None = None) -> None:
        super().__init__()
        self.service = service
        self.config = config or KioskConfig()
        self.apply_profile()  # kiosk/ssh: no way out, idle logout (tui.hardened)
        self.set_reactive(KioskApp.language, self.config.kiosk.language)
        self.record_list: dict[int, Record] = {}
        """The patron's list of records (R4), kept until logout."""
        self._libraries: list[Library] | None = None

    # ----------------------------------------------------------------- start

    def on_mount(self) -> None:
        from screens.catalog import CatalogScreen

        self.push_screen(CatalogScreen())

    # ------------------------------------------------------------ shared data

    async def libraries(self) -> list[Library]:
        """The region's libraries, asked once (call from a worker).

        Only a real answer of the service counts as the service being back:
        the cached list says nothing about it."""
        if self._libraries is None:
            self._libraries = await self.service.libraries()
            self.service_answered()
        return self._libraries

    def tr(self, key: str, /, **params: object) -> str:
        return tr(key, self.language, **params)

    # ----------------------------------------------------------------- errors

    RETRY_DELAYS: tuple[float, ...] = (1.0, 2.0, 4.0, 8.0, 15.0, 30.0)
    """Seconds before a screen loads again what it could not load while the
    service was unreachable: the n-th retry waits the n-th delay, then the last."""

    def retry_delay(self, attempt: int) -> float:
        """How long to wait before retry number ``attempt`` (0: the first)."""
        delays = self.RETRY_DELAYS
        return delays[min(attempt, len(delays) - 1)]

    def report_error(self, error: BaseException, *, quiet: bool = False) -> None:
        """Show a failed service call to the patron, in their language.

        ``quiet``: a screen's own load that will be retried; while the offline
        banner is already up, it says all there is to say, so no notification."""
        if isinstance(error, ServiceUnavailable):
            already = self.offline
            self.offline = True
            if not (quiet and already):
                self.notify(error.text(self.language), severity="error", markup=False)
            return
        if isinstance(error, ManaError):
            self.service_answered()  # the service answered, with a refusal
        if isinstance(error, NotAuthenticated):
            self.session = None
            self.notify(error.text(self.language), severity="warning", markup=False)
        elif isinstance(error, ManaError):
            self.notify(error.text(self.language), severity="warning", markup=False)
        else:
            self.log.error("unexpected error", error=repr(error))
            self.notify(self.tr("error.unexpected"), severity="error", markup=False)

    def service_answered(self) -> None:
        """A call went through: the service is reachable again."""
        self.offline = False

    # ---------------------------------------------------------------- actions

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "logout":
            return self.session is not None
        return super().check_action(action, parameters)

    def watch_session(self, session: Session | None) -> None:
        if session is None:
            # The next person at the terminal starts in the terminal's language.
            self.language = self.config.kiosk.language
        self.refresh_bindings()

    def action_toggle_language(self) -> None:
        self.language = "en" if self.language == "lv" else "lv"

    def action_contacts(self) -> None:
        from screens.contacts import ContactsScreen

        if not isinstance(self.screen, ContactsScreen):
            self.push_screen(ContactsScreen())

    def action_show_list(self) -> None:
        from screens.lists import ListScreen

        if not isinstance(self.screen, ListScreen):
            self.push_screen(ListScreen())

    def action_account(self) -> None:
        from screens.account import AccountScreen
        from screens.login import LoginScreen

        if any(isinstance(screen, (AccountScreen, LoginScreen)) for screen in self.screen_stack):
            return
        self.require_login(lambda: self.push_screen(AccountScreen()))

    def require_login(self, then: Callable[[], object]) -> None:
        """Run ``then`` once a patron is logged in, asking to log in first if needed."""
        if self.session is not None:
            then()
            return
        from screens.login import LoginScreen

        def after_login(logged_in: bool | None) -> None:
            if logged_in:
                then()

        self.push_screen(LoginScreen(), after_login)

    def action_logout(self) -> None:
        if self.session is None:
            return
        session = self.session
        self.forget_patron()
        self._end_session(session)
        self.notify(self.tr("status.logged_out_done"))

    @work(group="logout", exit_on_error=False)
    async def _end_session(self, session: Session) -> None:
        try:
            await self.service.logout(session)
        except ManaError:
            pass  # The token is dropped here either way; the server expires it.

    def forget_patron(self) -> None:
        """Leave nothing of the patron behind: session, list, screens, fields."""
        from screens.catalog import CatalogScreen

        self.session = None
        self.record_list.clear()
        self.wipe_traces()
        while len(self.screen_stack) > 2:
            self.pop_screen()
        self.switch_screen(CatalogScreen())
