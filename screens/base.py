"""What every screen of the kiosk shares: the service, the language, and the
one place where a failed service call becomes a message for the patron."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from functools import partial
from typing import TYPE_CHECKING, Any, Protocol

from textual.binding import Binding
from textual.screen import ModalScreen, Screen
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Input, Select
from textual.worker import Worker, WorkerState

from services.errors import NotAuthenticated, ServiceUnavailable
from tui.i18n import tr

if TYPE_CHECKING:
    from services.models import Abilities, Library, Record, Session
    from services.protocol import LibraryService
    from tui.kiosk import SelfCheckTerminal

FIELDS = (Input, Select, Checkbox, Button)
"""Where a patron puts the focus on purpose: a list that has loaded does not take it away."""


class Host(Protocol):
    """What a screen may ask of the app (``KioskApp``, ``DeskApp``): the
    service, the terminal's user and language, and the shared ways to show an
    error and to wait for a retry. Screens reach it as ``self.kiosk`` and
    import no app."""

    service: LibraryService
    """Every call through it is watched: an answer clears the offline banner."""
    language: str
    session: Session | None
    offline: bool
    """The offline banner is up (a screen's retries follow it)."""
    started: bool
    """Whether ``service`` is there yet (``mana`` builds it after the first frame)."""
    record_list: dict[int, Record]
    offered: Abilities | None
    """What the account source offers, once ``abilities()`` has been asked."""
    self_check: SelfCheckTerminal | None
    """Where this terminal offers "Izsniegt sev" (None: not here)."""

    async def libraries(self) -> list[Library]: ...
    async def abilities(self) -> Abilities:
        """What the account source offers (asked once; call from a worker):
        a screen shows nothing it says is not offered."""
    def when_started(self, callback: Callable[[], object]) -> None: ...
    def report_error(self, error: BaseException, *, quiet: bool = False) -> None: ...
    def retry_delay(self, attempt: int) -> float: ...
    def require_login(self, then: Callable[[], object]) -> None: ...
    def forget_patron(self) -> None:
        """Leave nothing of the patron behind: the kiosk goes back to the catalog,
        the desk to the staff login. ``ServiceMixin`` calls it for a session
        that has ended (``NotAuthenticated``), on every screen."""


class Loader:
    """``@loader`` on a method of a screen (or desk pane) that loads what it
    shows: calling the method runs it as a worker of its own group (the
    method's name), ``exclusive`` and with ``exit_on_error=False``.

    When it fails because the service cannot be reached, the screen runs it
    again on its own with the same arguments (or as ``@<method>.again`` says)
    after a back-off (``Host.retry_delay``), quietly while the offline banner
    is up, and at once when another call gets through. ``@<method>.failed``
    names what the screen restores when it fails (a loading indicator, say).
    The declaration is all: no group names to keep in step elsewhere.
    """

    def __init__(self, method: Callable[..., Coroutine[Any, Any, None]]) -> None:
        self.method = method
        self.group = method.__name__
        self.__doc__ = method.__doc__
        self._failed: Callable[[Any, BaseException], None] | None = None
        self._again: Callable[[Any], None] | None = None

    def __set_name__(self, owner: type, name: str) -> None:
        self.group = name

    def __get__(self, screen: ServiceMixin | None, owner: type) -> Any:
        if screen is None:
            return self

        def run(*args: Any, **kwargs: Any) -> Worker[None]:
            screen._load_calls[self.group] = (args, kwargs)
            return screen.run_worker(  # type: ignore[attr-defined, no-any-return]
                partial(self.method, screen, *args, **kwargs),
                name=self.group, group=self.group, exclusive=True, exit_on_error=False,
            )

        return run

    def failed(self, hook: Callable[[Any, BaseException], None]) -> Callable[..., None]:
        """Decorate the method that restores the screen when this load fails."""
        self._failed = hook
        return hook

    def again(self, hook: Callable[[Any], None]) -> Callable[..., None]:
        """Decorate the method that runs the load again (default: the last call)."""
        self._again = hook
        return hook

    def run_failed(self, screen: ServiceMixin, error: BaseException) -> None:
        """The load failed: restore the screen (``@<method>.failed``)."""
        if self._failed is not None:
            self._failed(screen, error)

    def run_again(self, screen: ServiceMixin) -> None:
        """Retry the load (``@<method>.again``, or its last call once more)."""
        if self._again is not None:
            self._again(screen)
            return
        args, kwargs = screen._load_calls.get(self.group, ((), {}))
        getattr(screen, self.group)(*args, **kwargs)


def loader(method: Callable[..., Coroutine[Any, Any, None]]) -> Any:
    """Declare a retryable load of what the screen shows (see ``Loader``)."""
    return Loader(method)


class ServiceMixin:
    """Access to the app (``Host``) for screens, dialogs and desk panes.

    Workers that call the service use their own ``group`` and
    ``exit_on_error=False``; when one fails, ``on_worker_state_changed`` hands
    the error to the app, which shows it in the patron's language. Loads of
    what the screen shows are declared with ``@loader`` and retried when the
    service could not be reached. A session that has ended (``NotAuthenticated``)
    leaves nothing of the patron behind: ``Host.forget_patron`` (the kiosk goes
    back to the catalog, the desk to the staff login).
    """

    @property
    def kiosk(self) -> Host:
        """The app, as far as a screen may ask it."""
        return self.app  # type: ignore[attr-defined, no-any-return]

    @property
    def service(self) -> LibraryService:
        return self.kiosk.service

    @property
    def language(self) -> str:
        return self.kiosk.language

    def tr(self, key: str, /, **params: object) -> str:
        return tr(key, self.kiosk.language, **params)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        loaded = self._load_of(worker.group)
        if event.state is WorkerState.SUCCESS and loaded is not None:
            self._retries_done(loaded.group)
        elif event.state is WorkerState.ERROR and worker.error is not None:
            retry = loaded is not None and isinstance(worker.error, ServiceUnavailable)
            self.kiosk.report_error(worker.error, quiet=retry)
            if loaded is not None:
                loaded.run_failed(self, worker.error)
            self.worker_failed(worker)
            if retry and loaded is not None:
                self._retry_later(loaded)
            if isinstance(worker.error, NotAuthenticated):
                self.kiosk.forget_patron()

    def worker_failed(self, worker: Worker[Any]) -> None:
        """Hook: a screen restores its state after any failed call (a load's
        own restoring is its ``@<load>.failed``)."""

    @classmethod
    def _load_of(cls, group: str | None) -> Loader | None:
        """The ``@loader`` of this class whose worker group is ``group``."""
        found = getattr(cls, group, None) if group else None
        return found if isinstance(found, Loader) else None

    @property
    def _load_calls(self) -> dict[str, tuple[tuple[Any, ...], dict[str, Any]]]:
        """The arguments of each load's last call (a retry makes it again)."""
        return self.__dict__.setdefault("_loads_called", {})  # type: ignore[no-any-return]

    # ---------------------------------------------------------------- focus

    def focus_when_loaded(self, widget: Widget) -> None:
        """Focus ``widget``. A widget cannot take the focus while it shows its
        loading indicator (a slow service), so then it takes it once it has
        loaded, unless the patron has moved to a field meanwhile."""
        self._focus_wanted: Widget | None = widget
        self._focus_from: Widget | None = self.focused  # type: ignore[attr-defined]
        widget.focus()
        watched: set[int] = self.__dict__.setdefault("_focus_watched", set())
        if id(widget) not in watched:
            watched.add(id(widget))
            self.watch(  # type: ignore[attr-defined]
                widget, "loading", lambda loading: self._focus_after_load(widget, loading), init=False
            )

    def _focus_after_load(self, widget: Widget, loading: bool) -> None:
        if loading or getattr(self, "_focus_wanted", None) is not widget:
            return
        self._focus_wanted = None
        focused = self.focused  # type: ignore[attr-defined]
        if focused is widget:
            return
        if focused is None or focused is self._focus_from or not isinstance(focused, FIELDS):
            widget.focus()

    # ------------------------------------------------------------- retrying

    @property
    def _retry_timers(self) -> dict[str, Timer]:
        return self.__dict__.setdefault("_retry_timers_", {})  # type: ignore[no-any-return]

    @property
    def _retry_attempts(self) -> dict[str, int]:
        return self.__dict__.setdefault("_retry_attempts_", {})  # type: ignore[no-any-return]

    def _follow_offline(self) -> None:
        """Called from ``Following.on_mount``: retry at once when the service is back."""
        self.watch(self.kiosk, "offline", self._offline_changed, init=False)  # type: ignore[attr-defined]

    def _retry_later(self, loaded: Loader) -> None:
        group = loaded.group
        attempt = self._retry_attempts.get(group, 0)
        self._retry_attempts[group] = attempt + 1
        if (timer := self._retry_timers.pop(group, None)) is not None:
            timer.stop()
        self._retry_timers[group] = self.set_timer(  # type: ignore[attr-defined]
            self.kiosk.retry_delay(attempt), lambda: self._retry_now(group), name=f"retry {group}"
        )

    def _retry_now(self, group: str) -> None:
        if (timer := self._retry_timers.pop(group, None)) is not None:
            timer.stop()
            loaded = self._load_of(group)
            if loaded is not None:
                loaded.run_again(self)

    def _retries_done(self, group: str) -> None:
        self._retry_attempts.pop(group, None)
        if (timer := self._retry_timers.pop(group, None)) is not None:
            timer.stop()

    def _offline_changed(self, offline: bool) -> None:
        if not offline:
            for group in list(self._retry_timers):
                self._retry_now(group)


class Following(ServiceMixin):
    """What a screen, a dialog and a desk pane do as they mount: set their
    texts again (``relabel``) when the language changes, and retry their loads
    at once when the service is back. Textual runs each class's own
    ``on_mount`` once, this one included: no subclass calls it by hand."""

    def on_mount(self) -> None:
        self.watch(  # type: ignore[attr-defined]
            self.kiosk, "language", lambda _: self.relabel(), init=False
        )
        self._follow_offline()

    def relabel(self) -> None:
        """Hook: set again the texts that follow from state (the labels that
        follow the language by themselves are ``widgets.label``'s)."""


class ManaScreen(Following, Screen[None]):
    """A full screen of the kiosk."""


class ManaDialog(Following, ModalScreen):  # type: ignore[type-arg]
    """A dialog of the kiosk; ``dismiss(result)`` answers it.

    A modal screen stops the app's own keys, so the ones that must work
    everywhere (contacts R16, language R15, logout) are bound here again.
    """

    BINDINGS = [
        Binding("f2", "app.contacts", "key.contacts", id="dialog.contacts"),
        Binding("f6", "app.toggle_language", "key.language", id="dialog.language"),
        Binding("f10", "app.logout", "key.logout", id="dialog.logout"),
    ]
