"""The staff PIN: the only way to leave a public kiosk.

``StaffPinDialog(pin_hash)`` asks for the PIN and dismisses with ``True`` only
when it matches the argon2 hash from ``kiosk.toml`` (``[kiosk]
staff_pin_hash``); Escape, or three wrong PINs, dismiss with ``False``. The
hash is checked in a thread (argon2 is slow on purpose) and every wrong PIN
costs a pause, so guessing is slow too.
"""

from __future__ import annotations

import time

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input
from textual.worker import Worker, WorkerState

from screens.base import ServiceMixin
from tui.i18n import texts
from widgets.label import Tr, TrLabel
from widgets.secret_input import SecretInput
from widgets.topbar import TopBar

texts(
    {
        "pin.heading": ("Darbinieka PIN", "Staff PIN"),
        "pin.intro": (
            "Lai aizvērtu termināli, ierakstiet darbinieka PIN un nospiediet Enter. "
            "Esc — atpakaļ.",
            "To close the terminal, enter the staff PIN and press Enter. Esc — back.",
        ),
        "pin.label": ("PIN", "PIN"),
        "pin.wrong": ("Nepareizs PIN.", "Wrong PIN."),
        "pin.checking": ("Pārbauda…", "Checking…"),
    }
)


def pin_matches(pin_hash: str, pin: str) -> bool:
    """Whether ``pin`` is the one ``pin_hash`` was made from (never raises)."""
    if not pin_hash or not pin:
        return False
    try:
        return PasswordHasher().verify(pin_hash, pin)
    except (VerificationError, InvalidHashError):
        return False


class StaffPinDialog(ServiceMixin, ModalScreen[bool]):
    """Ask for the staff PIN; ``True`` only for the right one."""

    BINDINGS = [Binding("escape", "cancel", "key.back", id="pin.back")]

    MAX_ATTEMPTS = 3
    FAILURE_PAUSE = 1.0
    """Seconds each wrong PIN costs before the next try."""

    def __init__(self, pin_hash: str) -> None:
        super().__init__(id="pin-dialog")
        self._pin_hash = pin_hash
        self._failures = 0

    def compose(self) -> ComposeResult:
        yield TopBar()
        with Vertical(classes="dialog-box", id="pin-box"):
            yield Tr("pin.heading", id="pin-heading", classes="dialog-heading")
            yield Tr("pin.intro", id="pin-intro", classes="hint")
            yield TrLabel("pin.label", id="pin-label", classes="field-label")
            yield SecretInput(id="pin", password=True, max_length=64)
            yield Tr("", id="pin-error", classes="field-error")

    def on_mount(self) -> None:
        self.query_one("#pin", SecretInput).focus()

    @on(Input.Submitted, "#pin")
    def _submitted(self) -> None:
        field = self.query_one("#pin", SecretInput)
        pin = field.value
        field.clear()
        if not pin:
            return
        field.disabled = True
        self.query_one("#pin-error", Tr).key = "pin.checking"
        self._check(pin)

    @work(group="pin", exclusive=True, thread=True, exit_on_error=False)
    def _check(self, pin: str) -> bool:
        if pin_matches(self._pin_hash, pin):
            return True
        time.sleep(self.FAILURE_PAUSE)
        return False

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "pin" or event.state not in (
            WorkerState.SUCCESS,
            WorkerState.ERROR,
        ):
            return
        if event.state is WorkerState.SUCCESS and event.worker.result:
            self.dismiss(True)
            return
        self._failures += 1
        if self._failures >= self.MAX_ATTEMPTS:
            self.dismiss(False)
            return
        self.query_one("#pin-error", Tr).key = "pin.wrong"
        field = self.query_one("#pin", SecretInput)
        field.disabled = False
        field.focus()

    def action_cancel(self) -> None:
        self.dismiss(False)
