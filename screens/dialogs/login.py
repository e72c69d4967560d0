"""Logging in (R5): "Lietotājvārds" (or the library card number) and "Parole".

``LoginScreen`` dismisses with ``True`` once ``app.session`` is set and with
``False`` on Escape. A failed attempt shows the service's sentence (the same
for an unknown user and a wrong password), clears the password, points to the
library's contacts and offers "Paroles atjaunošana".
"""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Static

from screens.base import ManaDialog, loader
from services.errors import InvalidCredentials, ManaError, TooManyAttempts
from services.models import Library, Session
from tui.i18n import texts
from tui.safe import plain
from widgets.keyline import KeyLine
from widgets.label import Tr, TrButton, TrLabel, follow_language
from widgets.notes import put
from widgets.secret_input import SecretInput
from widgets.topbar import TopBar

texts(
    {
        "login.heading": ("Pieslēgšanās Mana bibliotēka", "Log in to My Library"),
        "login.identifier": ("Lietotājvārds", "Username"),
        "login.identifier.placeholder": (
            "lietotājvārds vai lasītāja kartes numurs",
            "username or library card number",
        ),
        "login.password": ("Parole", "Password"),
        "login.submit": ("Pieslēgties", "Log in"),
        "login.recover": ("Paroles atjaunošana", "Password recovery"),
        "login.cancel": ("Atpakaļ", "Back"),
        "login.key.recover": ("Paroles atjaunošana", "Password recovery"),
        "login.key.submit": ("Pieslēgties", "Log in"),
        "login.empty_identifier": (
            "Lūdzu, ierakstiet lietotājvārdu vai lasītāja kartes numuru.",
            "Please enter your username or library card number.",
        ),
        "login.empty_password": ("Lūdzu, ierakstiet paroli.", "Please enter your password."),
        "login.contact": (
            "Ja neizdodas pieslēgties, sazinieties ar bibliotēku: {name}, tālr. {phone}, {email}. "
            "Visu bibliotēku kontakti: F2.",
            "If you cannot log in, contact the library: {name}, phone {phone}, {email}. "
            "Contacts of every library: F2.",
        ),
        "login.contact_any": (
            "Ja neizdodas pieslēgties, sazinieties ar savu bibliotēku (kontakti: F2).",
            "If you cannot log in, contact your library (contacts: F2).",
        ),
        "login.password_changed": (
            "Parole ir nomainīta. Pieslēdzieties ar jauno paroli.",
            "Your password has been changed. Log in with the new password.",
        ),
    }
)


class LoginScreen(ManaDialog):
    """Ask for the username or card number and the password."""

    BINDINGS = [
        Binding("escape", "cancel", "key.back", id="login.back"),
        Binding("f7", "recover", "login.key.recover", id="login.recover"),
    ]

    HEADING = "login.heading"
    PLACEHOLDER = "login.identifier.placeholder"
    """The i18n key of the dialog's heading."""

    def __init__(self) -> None:
        super().__init__()
        self._failure: ManaError | None = None
        self._contact: Library | None = None
        self._notice = False

    def compose(self) -> ComposeResult:
        yield TopBar()
        with Vertical(classes="dialog-box", id="login-box"):
            yield Tr(self.HEADING, id="login-heading", classes="dialog-heading")
            yield TrLabel("login.identifier", id="identifier-label", classes="field-label")
            yield Input(id="identifier", max_length=100)
            yield Tr("", id="identifier-error", classes="field-error")
            yield TrLabel("login.password", id="password-label", classes="field-label")
            yield SecretInput(id="password", password=True, max_length=200)
            yield Tr("", id="password-error", classes="field-error")
            yield Tr("login.password_changed", id="login-notice", classes="notice")
            yield Static(id="login-failure", classes="failure")
            yield Static(id="login-contact", classes="hint")
            with Horizontal(classes="dialog-buttons"):
                yield TrButton("login.submit", id="login-submit", variant="primary")
                yield TrButton("login.recover", id="login-recover")
                yield TrButton("login.cancel", id="login-cancel")
        yield KeyLine()

    def on_mount(self) -> None:
        identifier = self.query_one("#identifier", Input)
        follow_language(identifier, "placeholder", self.PLACEHOLDER)
        for field in ("identifier", "password"):
            self._field_error(field, None)
        self._show_notice()
        self.relabel()
        identifier.focus()
        self.kiosk.when_started(self._load_abilities)

    @loader
    async def _load_abilities(self) -> None:
        """Password recovery only where the account source offers it."""
        offered = await self.kiosk.abilities()
        self.query_one("#login-recover", Button).display = offered.password_reset
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "recover":
            offered = self.kiosk.offered
            return offered is None or offered.password_reset
        return True

    def relabel(self) -> None:
        """The service's refusal and the library's contacts, in the language."""
        self._show_failure()

    def _show_notice(self) -> None:
        self.query_one("#login-notice", Tr).display = self._notice

    # ----------------------------------------------------------------- input

    @on(Input.Submitted, "#identifier")
    def _identifier_done(self) -> None:
        self.query_one("#password", Input).focus()

    @on(Input.Submitted, "#password")
    @on(Button.Pressed, "#login-submit")
    def _submit(self) -> None:
        identifier = self.query_one("#identifier", Input).value.strip()
        password = self.query_one("#password", Input).value
        self._field_error("identifier", None if identifier else "login.empty_identifier")
        self._field_error("password", None if password else "login.empty_password")
        if not identifier:
            self.query_one("#identifier", Input).focus()
            return
        if not password:
            self.query_one("#password", Input).focus()
            return
        self._notice = False
        self._show_notice()
        self.query_one("#login-box").loading = True
        self._login(identifier, password)

    @on(Input.Changed)
    def _typing(self, event: Input.Changed) -> None:
        if event.input.id in ("identifier", "password") and event.value:
            self._field_error(event.input.id, None)

    def _field_error(self, field: str, key: str | None) -> None:
        error = self.query_one(f"#{field}-error", Tr)
        error.key = key or ""
        error.display = key is not None

    # --------------------------------------------------------------- service

    @work(group="login", exclusive=True, exit_on_error=False)
    async def _login(self, identifier: str, password: str) -> None:
        try:
            session = await self.service.login(identifier, password)
        except (InvalidCredentials, TooManyAttempts) as error:
            self.query_one("#login-box").loading = False
            self._refused(error)
            return
        if await self._accepted(session):
            self.kiosk.session = session
            self.dismiss(True)

    async def _accepted(self, session: Session) -> bool:
        """Whether this login lets ``session`` in (every account here; the
        desk's login lets only staff in)."""
        return True

    def worker_failed(self, worker: object) -> None:
        self.query_one("#login-box").loading = False

    def _refused(self, error: ManaError) -> None:
        self._failure = error
        password = self.query_one("#password", Input)
        password.clear()
        password.focus()
        self._show_failure()
        if self._contact is None:
            self._load_contact()

    @work(group="login-contact", exclusive=True, exit_on_error=False)
    async def _load_contact(self) -> None:
        libraries = await self.kiosk.libraries()
        self._contact = _central(libraries)
        self._show_failure()

    def _show_failure(self) -> None:
        failure = self.query_one("#login-failure", Static)
        contact = self.query_one("#login-contact", Static)
        if self._failure is None:
            put(failure, "")
            put(contact, "")
            return
        put(failure, plain(self._failure.text(self.language)))
        if self._contact is None:
            put(contact, self.tr("login.contact_any"))
        else:
            c = self._contact
            put(
                contact,
                plain(
                    self.tr(
                        "login.contact", name=c.name, phone=c.contacts.phone, email=c.contacts.email
                    )
                ),
            )

    # --------------------------------------------------------------- actions

    @on(Button.Pressed, "#login-cancel")
    def action_cancel(self) -> None:
        self.dismiss(False)

    @on(Button.Pressed, "#login-recover")
    def action_recover(self) -> None:
        from screens.dialogs.recovery import PasswordRecoveryScreen

        if not self.check_action("recover", ()):
            return
        identifier = self.query_one("#identifier", Input).value.strip()
        self.app.push_screen(PasswordRecoveryScreen(identifier), self._recovered)

    def _recovered(self, identifier: str | None) -> None:
        if not identifier:
            return
        self._failure = None
        self._notice = True
        self.query_one("#identifier", Input).value = identifier
        self.query_one("#password", Input).clear()
        self._show_notice()
        self._show_failure()
        self.query_one("#password", Input).focus()



def _central(libraries: list[Library]) -> Library | None:
    """The region's central library: named so, or else the first one."""
    for library in libraries:
        if "centr" in library.name.casefold() or "centr" in library.id.casefold():
            return library
    return libraries[0] if libraries else None
