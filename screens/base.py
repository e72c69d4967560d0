"""What every screen of the kiosk shares: the service, the language, and the
one place where a failed service call becomes a message for the patron."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.binding import Binding
from textual.screen import ModalScreen, Screen
from textual.worker import Worker, WorkerState

from services.protocol import LibraryService
from tui.i18n import tr

if TYPE_CHECKING:
    from tui.app import KioskApp


class ServiceMixin:
    """Access to the app's service and language for screens and dialogs.

    Workers that call the service use their own ``group`` and
    ``exit_on_error=False``; when one fails, ``on_worker_state_changed`` hands
    the error to the app, which shows it in the patron's language.
    """

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
        if event.state is WorkerState.ERROR and event.worker.error is not None:
            self.kiosk.report_error(event.worker.error)
            self.worker_failed(event.worker)

    def worker_failed(self, worker: Worker) -> None:
        """Hook: a screen restores its state after a failed call (e.g. hides a spinner)."""


class ManaScreen(ServiceMixin, Screen[None]):
    """A full screen of the kiosk."""

    def on_mount(self) -> None:
        self.watch(self.kiosk, "language", lambda _: self.relabel(), init=False)

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

    def relabel(self) -> None:
        """Hook: set every label again in the current language."""
