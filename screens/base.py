"""What every screen of the kiosk shares: the service, the language, and the
one place where a failed service call becomes a message for the patron."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.binding import Binding
from textual.screen import ModalScreen, Screen
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Input, Select
from textual.worker import Worker, WorkerState

from services.errors import ServiceUnavailable
from tui.i18n import tr

if TYPE_CHECKING:
    from services.protocol import LibraryService
    from tui.app import KioskApp

FIELDS = (Input, Select, Checkbox, Button)
"""Where a patron puts the focus on purpose: a list that has loaded does not take it away."""


class ServiceMixin:
    """Access to the app's service and language for screens and dialogs.

    Workers that call the service use their own ``group`` and
    ``exit_on_error=False``; when one fails, ``on_worker_state_changed`` hands
    the error to the app, which shows it in the patron's language.

    The groups in ``LOADS`` only load what the screen shows. When one fails
    because the service cannot be reached, the screen runs it again on its own
    (``reload(group)``) after a back-off (``KioskApp.retry_delay``), quietly
    while the offline banner is up, and at once when another call gets through.
    """

    LOADS: ClassVar[frozenset[str]] = frozenset()
    """Worker groups that load what the screen shows and are retried when offline."""

    _retry_timers: dict[str, Timer]
    _retry_attempts: dict[str, int]

    @property
    def kiosk(self) -> KioskApp:
        return self.app  # type: ignore[attr-defined, return-value]

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
        group = worker.group
        if event.state is WorkerState.SUCCESS and group in self.LOADS:
            self._retries_done(group)
        elif event.state is WorkerState.ERROR and worker.error is not None:
            retry = group in self.LOADS and isinstance(worker.error, ServiceUnavailable)
            self.kiosk.report_error(worker.error, quiet=retry)
            self.worker_failed(worker)
            if retry:
                self._retry_later(group)

    def worker_failed(self, worker: Worker) -> None:
        """Hook: a screen restores its state after a failed call (e.g. hides a spinner)."""

    def reload(self, group: str) -> None:
        """Hook: run the load of ``group`` (one of ``LOADS``) again."""

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

    def _follow_offline(self) -> None:
        """Called from ``on_mount``: retry at once when the service is back."""
        self._retry_timers = {}
        self._retry_attempts = {}
        self.watch(self.kiosk, "offline", self._offline_changed, init=False)  # type: ignore[attr-defined]

    def _retry_later(self, group: str) -> None:
        if not hasattr(self, "_retry_timers"):
            return
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
            self.reload(group)

    def _retries_done(self, group: str) -> None:
        if not hasattr(self, "_retry_timers"):
            return
        self._retry_attempts.pop(group, None)
        if (timer := self._retry_timers.pop(group, None)) is not None:
            timer.stop()

    def _offline_changed(self, offline: bool) -> None:
        if not offline:
            for group in list(self._retry_timers):
                self._retry_now(group)


class ManaScreen(ServiceMixin, Screen[None]):
    """A full screen of the kiosk."""

    def on_mount(self) -> None:
        self.watch(self.kiosk, "language", lambda _: self.relabel(), init=False)
        self._follow_offline()

    def relabel(self) -> None:
        """Hook: set every label again in the current language."""


class ManaDialog(ServiceMixin, ModalScreen):  # type: ignore[type-arg]
    """A dialog of the kiosk; ``dismiss(result)`` answers it.

    A modal screen stops the app's own keys, so the ones that must work
    everywhere (contacts R16, language R15, logout) are bound here again.
    """

    BINDINGS = [
        Binding("f2", "app.contacts", "key.contacts", id="dialog.contacts"),
        Binding("f6", "app.toggle_language", "key.language", id="dialog.language"),
        Binding("f10", "app.logout", "key.logout", id="dialog.logout"),
    ]

    def on_mount(self) -> None:
        self.watch(self.kiosk, "language", lambda _: self.relabel(), init=False)
        self._follow_offline()

    def relabel(self) -> None:
        """Hook: set every label again in the current language."""
