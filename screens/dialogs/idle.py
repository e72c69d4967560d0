""""Vai jūs vēl esat šeit?": the idle countdown of the public profiles.

``IdleDialog(seconds)`` counts down and dismisses with ``False`` when the time
is up (the app then logs the patron out and wipes the terminal), or with
``True`` at the first key press or click ("still here"). The app itself
routes that first key here (``tui.hardened.HardenedApp``), so the key does
nothing else: it cannot reach the screens underneath.
"""

from __future__ import annotations

import math
import time

from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen

from screens.base import ServiceMixin
from tui.i18n import texts
from widgets.label import Tr
from widgets.topbar import TopBar

texts(
    {
        "idle.heading": ("Vai jūs vēl esat šeit?", "Are you still there?"),
        "idle.countdown": (
            "Pēc {seconds} s sesija beigsies: jūs tiksiet izrakstīts no sistēmas un viss "
            "ievadītais tiks dzēsts.",
            "In {seconds} s the session ends: you will be logged out and everything you "
            "entered will be wiped.",
        ),
        "idle.countdown_guest": (
            "Pēc {seconds} s katalogs tiks atjaunots nākamajam lasītājam un viss ievadītais "
            "tiks dzēsts.",
            "In {seconds} s the catalog is reset for the next reader and everything you "
            "entered will be wiped.",
        ),
        "idle.press_any_key": (
            "Nospiediet jebkuru taustiņu, lai turpinātu.",
            "Press any key to continue.",
        ),
    }
)


class IdleDialog(ServiceMixin, ModalScreen[bool]):
    """Count ``seconds`` down; any key or click answers "still here"."""

    def __init__(self, seconds: float) -> None:
        super().__init__(id="idle-dialog")
        self.seconds = seconds
        self._deadline = 0.0
        self._answered = False

    def compose(self) -> ComposeResult:
        yield TopBar()
        with Vertical(classes="dialog-box", id="idle-box"):
            yield Tr("idle.heading", id="idle-heading", classes="dialog-heading")
            key = "idle.countdown" if self.kiosk.session is not None else "idle.countdown_guest"
            yield Tr(key, id="idle-countdown", seconds=math.ceil(self.seconds))
            yield Tr("idle.press_any_key", id="idle-hint", classes="hint")

    def on_mount(self) -> None:
        self._deadline = time.monotonic() + self.seconds
        self.set_timer(self.seconds, self._expired, name="idle countdown")
        self.set_interval(min(1.0, self.seconds), self._tick, name="idle tick")
        self._tick()

    def remaining(self) -> int:
        """Whole seconds left, as shown."""
        return max(0, math.ceil(self._deadline - time.monotonic()))

    def _tick(self) -> None:
        self.query_one("#idle-countdown", Tr).set(seconds=self.remaining())

    def answer(self, still_here: bool) -> None:
        """Close the dialog once, whichever comes first: a key or the time."""
        if self._answered:
            return
        self._answered = True
        self.dismiss(still_here)

    def _expired(self) -> None:
        self.answer(False)

    def on_key(self, event: events.Key) -> None:
        event.stop()
        event.prevent_default()
        self.answer(True)

    def on_mouse_down(self, event: events.MouseDown) -> None:
        event.stop()
        self.answer(True)
