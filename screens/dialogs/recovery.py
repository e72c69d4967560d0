"""Password recovery, "Paroles atjaunošana" (R5).

Step 1: the username or card number → the service sends a code to the
e-mail the library has on file (the answer is the same whether or not the
account exists). Step 2: the code and the new password twice. The dialog
dismisses with the identifier once the password is changed (the login then
asks for the new password), or with ``None`` on Escape.
"""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Static

from screens.base import ManaDialog
from services.errors import InvalidCode, InvalidInput, ManaError, TooManyAttempts
from tui.i18n import texts
from tui.safe import plain
from widgets.keyline import KeyLine
from widgets.label import Tr, TrButton, TrLabel
from widgets.notes import put
from widgets.secret_input import SecretInput
from widgets.topbar import TopBar

texts(
    {
        "recovery.heading": ("Paroles atjaunošana", "Password recovery"),
        "recovery.intro": (
            "Ierakstiet lietotājvārdu vai lasītāja kartes numuru. Kodu nosūtīsim uz e-pastu, "
            "ko esat norādījis bibliotēkā.",
            "Enter your username or library card number. We will send a code to the e-mail "
            "address you gave the library.",
        ),
        "recovery.identifier": (
            "Lietotājvārds vai lasītāja kartes numurs",
            "Username or library card number",
        ),
        "recovery.send_code": ("Sūtīt kodu", "Send code"),
        "recovery.sent": (
            "Ja šāds konts ir, kods ir nosūtīts uz bibliotēkā norādīto e-pastu. "
            "Ierakstiet kodu un jauno paroli.",
            "If such an account exists, a code has been sent to the e-mail address on file. "
            "Enter the code and your new password.",
        ),
        "recovery.code": ("Kods no e-pasta", "Code from the e-mail"),
        "recovery.new_password": ("Jaunā parole", "New password"),
        "recovery.repeat": ("Jaunā parole vēlreiz", "New password again"),
        "recovery.change": ("Mainīt paroli", "Change password"),
        "recovery.again": ("Sūtīt jaunu kodu", "Send a new code"),
        "recovery.cancel": ("Atpakaļ", "Back"),
        "recovery.empty_identifier": (
            "Lūdzu, ierakstiet lietotājvārdu vai lasītāja kartes numuru.",
            "Please enter your username or library card number.",
        ),
        "recovery.empty_code": (
            "Lūdzu, ierakstiet kodu no e-pasta.",
            "Please enter the code from the e-mail.",
        ),
        "recovery.mismatch": (
            "Paroles nesakrīt. Ierakstiet to pašu paroli vēlreiz.",
            "The passwords differ. Type the same password again.",
        ),
    }
)

_FIELDS = ("identifier", "code", "new-password", "repeat")


class PasswordRecoveryScreen(ManaDialog):
    """Two steps: ask for a code, then set a new password with it."""

    BINDINGS = [
        Binding("escape", "cancel", "key.back", id="recovery.back"),
    ]

    def __init__(self, identifier: str = "") -> None:
        super().__init__()
        self._identifier = identifier
        self._errors: dict[str, str | ManaError | None] = {}
        self._step = 1

    def compose(self) -> ComposeResult:
        yield TopBar()
        with Vertical(classes="dialog-box", id="recovery-box"):
            yield Tr("recovery.heading", id="recovery-heading", classes="dialog-heading")
            with Vertical(id="step-1"):
                yield Tr("recovery.intro", id="recovery-intro", classes="hint")
                yield TrLabel("recovery.identifier", id="identifier-label", classes="field-label")
                yield Input(self._identifier, id="identifier", max_length=100)
                yield Static(id="identifier-error", classes="field-error")
                with Horizontal(classes="dialog-buttons"):
                    yield TrButton("recovery.send_code", id="send-code", variant="primary")
                    yield TrButton("recovery.cancel", id="cancel-1")
            with Vertical(id="step-2"):
                yield Tr("recovery.sent", id="recovery-sent", classes="notice")
                yield TrLabel("recovery.code", id="code-label", classes="field-label")
                yield Input(id="code", max_length=50)
                yield Static(id="code-error", classes="field-error")
                yield TrLabel(
                    "recovery.new_password", id="new-password-label", classes="field-label"
                )
                yield SecretInput(id="new-password", password=True, max_length=200)
                yield Static(id="new-password-error", classes="field-error")
                yield TrLabel("recovery.repeat", id="repeat-label", classes="field-label")
                yield SecretInput(id="repeat", password=True, max_length=200)
                yield Static(id="repeat-error", classes="field-error")
                with Horizontal(classes="dialog-buttons"):
                    yield TrButton("recovery.change", id="change", variant="primary")
                    yield TrButton("recovery.again", id="again")
                    yield TrButton("recovery.cancel", id="cancel-2")
            yield Static(id="recovery-failure", classes="failure")
        yield KeyLine()

    def on_mount(self) -> None:
        self.relabel()
        self._show_step(1)

    def relabel(self) -> None:
        for field in (*_FIELDS, "failure"):
            self._show_error(field)

    def _show_step(self, step: int) -> None:
        self._step = step
        self.query_one("#step-1").display = step == 1
        self.query_one("#step-2").display = step == 2
        self.query_one("#identifier" if step == 1 else "#code", Input).focus()

    # ----------------------------------------------------------------- errors

    def _set_error(self, field: str, error: str | ManaError | None) -> None:
        """Show ``error`` (an i18n key or the service's error) at ``field``."""
        self._errors[field] = error
        self._show_error(field)

    def _show_error(self, field: str) -> None:
        widget = self.query_one(
            f"#{field}-error" if field != "failure" else "#recovery-failure", Static
        )
        error = self._errors.get(field)
        if error is None:
            put(widget, "")
        elif isinstance(error, ManaError):
            put(widget, plain(error.text(self.language)))
        else:
            put(widget, self.tr(error))

    def _clear_errors(self) -> None:
        for field in (*_FIELDS, "failure"):
            self._set_error(field, None)

    # ------------------------------------------------------------------ step 1

    @on(Input.Submitted, "#identifier")
    @on(Button.Pressed, "#send-code")
    def _send_code(self) -> None:
        identifier = self.query_one("#identifier", Input).value.strip()
        self._clear_errors()
        if not identifier:
            self._set_error("identifier", "recovery.empty_identifier")
            self.query_one("#identifier", Input).focus()
            return
        self._identifier = identifier
        self.query_one("#recovery-box").loading = True
        self._request_code(identifier)

    @work(group="recovery-request", exclusive=True, exit_on_error=False)
    async def _request_code(self, identifier: str) -> None:
        try:
            await self.service.request_password_reset(identifier)
        except TooManyAttempts as error:
            self._set_error("failure", error)
            return
        finally:
            self.query_one("#recovery-box").loading = False
        self._show_step(2)

    # ------------------------------------------------------------------ step 2

    @on(Input.Submitted, "#code")
    def _code_done(self) -> None:
        self.query_one("#new-password", Input).focus()

    @on(Input.Submitted, "#new-password")
    def _password_done(self) -> None:
        self.query_one("#repeat", Input).focus()

    @on(Input.Submitted, "#repeat")
    @on(Button.Pressed, "#change")
    def _change(self) -> None:
        code = self.query_one("#code", Input).value.strip()
        password = self.query_one("#new-password", Input).value
        repeat = self.query_one("#repeat", Input).value
        self._clear_errors()
        if not code:
            self._set_error("code", "recovery.empty_code")
            self.query_one("#code", Input).focus()
            return
        if password != repeat:
            self._set_error("repeat", "recovery.mismatch")
            self.query_one("#repeat", Input).clear()
            self.query_one("#repeat", Input).focus()
            return
        self.query_one("#recovery-box").loading = True
        self._reset(code, password)

    @work(group="recovery-reset", exclusive=True, exit_on_error=False)
    async def _reset(self, code: str, password: str) -> None:
        try:
            await self.service.reset_password(self._identifier, code, password)
        except InvalidCode as error:
            self._set_error("code", error)
            self.query_one("#code", Input).focus()
            return
        except InvalidInput as error:
            field = "code" if error.field == "code" else "new-password"
            self._set_error(field, error)
            self.query_one("#repeat", Input).clear()
            self.query_one(f"#{field}", Input).focus()
            return
        except TooManyAttempts as error:
            self._set_error("failure", error)
            return
        finally:
            self.query_one("#recovery-box").loading = False
        self.dismiss(self._identifier)

    @on(Button.Pressed, "#again")
    def _again(self) -> None:
        self._clear_errors()
        for field in ("code", "new-password", "repeat"):
            self.query_one(f"#{field}", Input).clear()
        self._show_step(1)

    def worker_failed(self, worker: object) -> None:
        self.query_one("#recovery-box").loading = False

    # ----------------------------------------------------------------- actions

    @on(Button.Pressed, "#cancel-1")
    @on(Button.Pressed, "#cancel-2")
    def action_cancel(self) -> None:
        self.dismiss(None)
