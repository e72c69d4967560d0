"""The kiosk: ``KioskApp(service, config)``.

The app is given its service and never knows which adapter is behind it.
It keeps what belongs to the terminal's current user — the session, the
list of records, the language — and wipes all of it at logout.

``mana`` starts it with ``KioskApp.starting(preview, start)`` instead: the
catalog is drawn first, and ``start`` validates the settings and builds the
service in a thread after that first frame, so that neither pydantic nor the
adapters stand between the command and the screen. Until then the screens
show that they are loading, and the keys that open other screens wait for
the service (``when_started``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Self

from textual import work
from textual.binding import Binding
from textual.reactive import reactive
from textual.worker import Worker, WorkerState

from services.errors import ManaError, NotAuthenticated, ServiceUnavailable
from tui.hardened import HardenedApp
from tui.i18n import tr
from tui.key_order import OrderedKeys
from tui.kiosk import self_check_terminal
from tui.watched import WatchedService

if TYPE_CHECKING:
    from services.models import Abilities, Library, Record, Session
    from services.protocol import LibraryService
    from tui.config import KioskConfig
    from tui.kiosk import SelfCheckTerminal
    from tui.settings_file import ConfigPreview

Start = Callable[[], "tuple[LibraryService, KioskConfig]"]
"""Validates the settings and builds the service (``tui.cli.start``); its
errors end the app (``KioskApp.start_error``)."""


class KioskApp(OrderedKeys, HardenedApp):
    """Mana bibliotēka on a terminal; its keys are applied in the order they
    came, each in full (``tui.key_order``)."""

    CSS_PATH = Path(__file__).with_name("app.tcss")
    TITLE = "Mana bibliotēka"
    ENABLE_COMMAND_PALETTE = False

    BINDINGS = [
        Binding("f2", "contacts", "key.contacts", id="contacts"),
        Binding("f3", "account", "key.account", id="account"),
        Binding("f4", "show_list", "key.list", id="list"),
        Binding("f6", "toggle_language", "key.language", id="language"),
        Binding("f10", "logout", "key.logout", id="logout"),
        Binding("f1", "keys_help", "key.help", show=False, id="help"),
    ]

    language: reactive[str] = reactive("lv")
    session: reactive[Session | None] = reactive(None)
    offline: reactive[bool] = reactive(False)

    config: KioskConfig | ConfigPreview

    def __init__(
        self,
        service: LibraryService | None = None,
        config: KioskConfig | ConfigPreview | None = None,
        *,
        start: Start | None = None,
    ) -> None:
        """The app on ``service``; or, with ``start`` instead, the app before
        its service (see ``starting``)."""
        if (service is None) == (start is None):
            raise TypeError("KioskApp takes a service or a start, one of them")
        super().__init__()
        if config is None:
            from tui.config import KioskConfig

            config = KioskConfig()
        self.config = config
        self.apply_profile()  # kiosk/ssh: no way out, idle logout (tui.hardened)
        self.set_reactive(KioskApp.language, config.kiosk.language)
        self.record_list: dict[int, Record] = {}
        """The patron's list of records (R4), kept until logout."""
        self._libraries: list[Library] | None = None
        self.offered: Abilities | None = None
        """What the account source offers, once asked (``abilities``)."""
        self.self_check: SelfCheckTerminal | None = self_check_terminal(config)
        """Where this terminal offers "Izsniegt sev" (never over SSH)."""
        if service is not None:
            self.service = service
        self.started = service is not None
        """Whether ``service`` is there (at once, unless made by ``starting``)."""
        self.start_error: BaseException | None = None
        """Why ``start`` failed (the app has ended)."""
        self._start = start
        self._when_started: list[Callable[[], object]] = []
        self._offline_cause: ServiceUnavailable | None = None
        """The failed call that put the offline banner up (its error is told once)."""

    @property
    def service(self) -> LibraryService:
        """The service, every call watched (``tui.watched``): whether it answers
        is noted here, for the offline banner, never by the screens."""
        return self._service  # type: ignore[return-value]

    @service.setter
    def service(self, service: LibraryService) -> None:
        if isinstance(service, WatchedService):
            service = service.watched
        self._service = WatchedService(service, self._service_answered, self._service_unreachable)

    @classmethod
    def starting(cls, preview: ConfigPreview, start: Start) -> Self:
        """The app before its service: it runs with ``preview`` (the profile
        and language asked for) and, once its first frame is out, calls
        ``start`` in a thread for the service and the validated settings.
        If ``start`` raises, the app ends and ``start_error`` holds the error."""
        return cls(config=preview, start=start)

    # ----------------------------------------------------------------- start

    def on_mount(self) -> None:
        from screens.catalog import CatalogScreen

        self.push_screen(CatalogScreen())
        if self._start is not None:
            self.call_after_refresh(self._begin_start)

    def _begin_start(self) -> None:
        self.run_worker(
            self._start, name="start", group="start", thread=True, exit_on_error=False
        )

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if worker.group != "start":
            return
        if event.state is WorkerState.SUCCESS and worker.result is not None:
            service, config = worker.result
            self._service_started(service, config)
        elif event.state is WorkerState.ERROR:
            self.start_error = worker.error
            self.exit()

    def _service_started(self, service: LibraryService, config: KioskConfig) -> None:
        """The service and the validated settings are in. The profile and the
        language are those of the preview (read from the same settings); the
        idle times and the staff PIN are now the real ones."""
        self.service = service
        self.config = config
        self.self_check = self_check_terminal(config)
        self.idle_timeout = float(config.kiosk.idle_timeout)
        self.idle_countdown = float(config.kiosk.idle_countdown)
        if self.hardened:
            self._schedule_idle_check(self.idle_timeout)
        self.started = True
        self.refresh_bindings()
        waiting, self._when_started = self._when_started, []
        for callback in waiting:
            callback()

    def when_started(self, callback: Callable[[], object]) -> None:
        """Call ``callback`` now if the service is there, else as soon as it is."""
        if self.started:
            callback()
        else:
            self._when_started.append(callback)

    # ------------------------------------------------------------ shared data

    async def libraries(self) -> list[Library]:
        """The region's libraries, asked once (call from a worker).

        Only a real answer of the service counts as the service being back:
        the cached list says nothing about it."""
        if self._libraries is None:
            self._libraries = await self.service.libraries()
        return self._libraries

    async def abilities(self) -> Abilities:
        """What the account source offers, asked once per start (call from a
        worker); ``offered`` holds it for the keys' checks."""
        if self.offered is None:
            self.offered = await self.service.abilities()
            self.refresh_bindings()
        return self.offered

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
            # Up already: before this very call failed (the watch put it up for the first).
            already = self.offline and error is not self._offline_cause
            self.offline = True
            if not (quiet and already):
                self.notify(error.text(self.language), severity="error", markup=False)
            return
        if isinstance(error, NotAuthenticated):
            self.session = None
            self.notify(error.text(self.language), severity="warning", markup=False)
        elif isinstance(error, ManaError):
            self.notify(error.text(self.language), severity="warning", markup=False)
        else:
            self.log.error("unexpected error", error=repr(error))
            self.notify(self.tr("error.unexpected"), severity="error", markup=False)

    def _service_answered(self) -> None:
        """A call got its answer (``tui.watched``): the service is reachable."""
        self.offline = False

    def _service_unreachable(self, error: ServiceUnavailable) -> None:
        """A call could not reach the service (``tui.watched``): the banner goes up."""
        if not self.offline:
            self._offline_cause = error
        self.offline = True

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

    # The screens that F2, F3 and F4 open ask the service as they open: while
    # ``mana`` is still building it, the key takes effect once it is there.

    def action_contacts(self) -> None:
        self.when_started(self._show_contacts)

    def _show_contacts(self) -> None:
        from screens.contacts import ContactsScreen

        if not isinstance(self.screen, ContactsScreen):
            self.push_screen(ContactsScreen())

    def action_keys_help(self) -> None:
        """F1: every key of this screen (the key line shows "F1" when some gave way)."""
        from screens.dialogs.keys_help import KeysHelpDialog

        if not isinstance(self.screen, KeysHelpDialog):
            self.push_screen(KeysHelpDialog(self.screen))

    def action_show_list(self) -> None:
        self.when_started(self._show_list)

    def _show_list(self) -> None:
        from screens.lists import ListScreen

        if not isinstance(self.screen, ListScreen):
            self.push_screen(ListScreen())

    def action_account(self) -> None:
        self.when_started(self._show_account)

    def _show_account(self) -> None:
        from screens.account import AccountScreen
        from screens.dialogs.login import LoginScreen

        if any(isinstance(screen, (AccountScreen, LoginScreen)) for screen in self.screen_stack):
            return
        self.require_login(lambda: self.push_screen(AccountScreen()))

    def require_login(self, then: Callable[[], object]) -> None:
        """Run ``then`` once a patron is logged in, asking to log in first if needed."""
        if self.session is not None:
            then()
            return
        from screens.dialogs.login import LoginScreen

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
