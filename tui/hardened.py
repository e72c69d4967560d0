"""The in-app half of the public profiles (``kiosk``, ``ssh``): ``HardenedApp``.

``KioskApp`` derives from it and calls ``apply_profile()`` once its settings
are known. In the ``desk`` profile nothing here changes Textual's behaviour.
In ``kiosk`` and ``ssh``:

- **No way out.** Every action is checked before it runs (``run_action`` is
  where bindings, ``[@click=…]`` markup and buttons meet): quit, suspend,
  screenshot, command palette, theme switching, simulated keys and every
  other action of Textual's own ``App`` are refused; the app's own actions
  (F2, F3 …) and focus moves pass. Screenshots write no file; the clipboard
  stays inside the app (no OSC 52 to the terminal). The driver ignores
  ``$TEXTUAL_DRIVER``, never lets the terminal send signals (even with
  ``$TEXTUAL_ALLOW_SIGNALS``), cannot suspend, and ignores SIGINT, SIGTSTP
  and SIGQUIT.
- **The staff exit.** F12: in ``kiosk`` it asks for the staff PIN
  (``screens.dialogs.pin``) and ends the app only for the right one; with no PIN hash
  configured F12 does nothing. In ``ssh`` F12 is "Beigt sesiju" (End
  session), shown on the key line. Either way the patron is logged out on the
  server before the app ends (``leave()``).
- **Idle logout.** After ``idle_timeout`` seconds without a key, click or
  paste, ``screens.dialogs.idle.IdleDialog`` counts ``idle_countdown`` seconds down;
  the first key answers "still here" and does nothing else; when the time is
  up the patron is logged out on the server and the terminal is wiped
  (``idle_reset``). A terminal nobody touched since its last wipe is left alone.

In every profile, ``notify`` strips control characters from the message and
title: error sentences from a server reach the patron through it; and
``[kiosk] monochrome`` draws the app without colour (``get_line_filters``), the
way to ask for what ``NO_COLOR`` would do where the environment is scrubbed.
"""

from __future__ import annotations

import asyncio
import sys
import time
from typing import TYPE_CHECKING, Any, ClassVar

from textual import events, work
from textual.actions import ActionError, parse
from textual.app import App
from textual.binding import Binding
from textual.filter import LineFilter, Monochrome, NoColor
from textual.timer import Timer

from services.errors import ManaError
from tui.i18n import texts
from tui.kiosk import is_hardened
from tui.safe import clean

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from textual.dom import DOMNode

    from screens.dialogs.idle import IdleDialog
    from services.models import Session
    from services.protocol import LibraryService
    from tui.config import KioskConfig

texts(
    {
        "kiosk.key.end_session": ("Beigt sesiju", "End session"),
        "kiosk.key.staff": ("Darbinieks", "Staff"),
    }
)

BLOCKED_ACTIONS = frozenset(
    {
        "quit",
        "help_quit",
        "suspend_process",
        "screenshot",
        "command_palette",
        "change_theme",
        "toggle_dark",
        "simulate_key",
    }
)
"""Refused in the public profiles whatever node they are addressed to."""

ACTION_TARGETS = ("app", "screen", "focused")
"""The namespaces an action string may name without the caller giving them
("app.quit", "screen.dismiss", "focused.copy"), as Textual's ``App`` knows them."""

TEXTUAL_APP_ACTIONS = frozenset({"focus_next", "focus_previous"})
"""Actions of Textual's own ``App`` that stay allowed (Tab and Shift+Tab)."""

LOGOUT_WAIT = 5.0
"""Seconds ``leave()`` waits for the server to end the session."""


def neutralize_textual_constants() -> None:
    """Put back the defaults of the ``textual.constants`` that Textual reads
    while running and that could end the app, press keys or write files.

    ``mana`` scrubs the environment before textual is imported
    (``tui.kiosk.scrub_environment``); this covers a process that imported
    textual earlier (a pre-started SSH worker, a test)."""
    from textual import constants

    defaults: dict[str, object] = {
        "DRIVER": None,
        "LOG_FILE": None,
        "PRESS": "",
        "SCREENSHOT_DELAY": -1,
        "SCREENSHOT_LOCATION": None,
        "SCREENSHOT_FILENAME": None,
        "SHOW_RETURN": False,
    }
    for name, value in defaults.items():
        setattr(constants, name, value)


class HardenedApp(App[None]):
    """Textual's ``App`` closed up for the ``kiosk`` and ``ssh`` profiles."""

    BINDINGS: ClassVar = [
        Binding("f12", "staff_exit", "kiosk.key.staff", show=False, priority=True,
                id="kiosk.staff_exit"),
        Binding("f12", "end_session", "kiosk.key.end_session", key_display="F12",
                priority=True, id="kiosk.end_session"),
    ]

    # Provided by KioskApp.
    if TYPE_CHECKING:
        config: KioskConfig
        service: LibraryService
        session: Session | None
        language: str

        def forget_patron(self) -> None: ...
        def action_logout(self) -> None: ...

    profile: str = "desk"
    hardened: bool = False
    _copied: str = ""
    """What was copied in the app (``clipboard``); wiped at logout."""
    idle_timeout: float = 120.0
    """Seconds without input before the countdown; tests may set a shorter one."""
    idle_countdown: float = 20.0
    """Seconds the countdown lasts; tests may set a shorter one."""

    def apply_profile(self) -> None:
        """Take the profile and the idle times from ``self.config``."""
        kiosk = self.config.kiosk
        self.profile = kiosk.profile
        self.hardened = is_hardened(kiosk.profile)
        self.idle_timeout = float(kiosk.idle_timeout)
        self.idle_countdown = float(kiosk.idle_countdown)
        self._last_input = time.monotonic()
        self._idle_dirty = False
        self._idle_dialog: IdleDialog | None = None
        self._idle_timer: Timer | None = None
        self._leaving = False
        self._colourless: LineFilter | None = None
        if getattr(kiosk, "monochrome", False):
            self.no_color = True  # Textual's own NO_COLOR flag (the -nocolor CSS class)
            self._colourless = NoColor() if self.native_ansi_color else Monochrome()
        if self.hardened:
            self.features = frozenset()  # $TEXTUAL=devtools,debug: no devtools, no debug
            neutralize_textual_constants()
            if sys.platform != "win32":
                from tui.kiosk_driver import KioskDriver

                self.driver_class = KioskDriver

    def get_line_filters(self) -> Sequence[LineFilter]:
        """Textual's filters, and one that takes the colour out when
        ``[kiosk] monochrome`` asks for it (as ``NO_COLOR`` would; Textual reads
        that variable only from the environment, which the public profiles scrub)."""
        filters = super().get_line_filters()
        colourless = getattr(self, "_colourless", None)
        if colourless is None or any(isinstance(f, (Monochrome, NoColor)) for f in filters):
            return filters
        return [*filters, colourless]

    # ------------------------------------------------------------ no way out

    async def run_action(
        self,
        action: Any,
        default_namespace: DOMNode | None = None,
        namespaces: Mapping[str, DOMNode] | None = None,
    ) -> bool:
        if self.hardened and not self._allowed(action, default_namespace, namespaces):
            self.log.warning("kiosk: action refused", action=action)
            return False
        return await super().run_action(action, default_namespace, namespaces)

    def _allowed(
        self, action: Any, default: DOMNode | None, namespaces: Mapping[str, DOMNode] | None
    ) -> bool:
        try:
            destination, name, _params = action if isinstance(action, tuple) else parse(action)
        except ActionError:
            return True  # not an action at all: run_action reports it as usual
        target = self._action_target(destination, self if default is None else default, namespaces)
        if name in BLOCKED_ACTIONS:
            return False
        if target is self:
            return name in self._own_actions()
        return True

    def _action_target(
        self, destination: str, default: DOMNode, namespaces: Mapping[str, DOMNode] | None
    ) -> DOMNode | None:
        """The node an action of ``destination`` ("app.", "screen.", "focused."
        or a namespace the caller gives) runs on, as Textual resolves it; None
        for a namespace Textual does not know (``run_action`` refuses it)."""
        if namespaces is not None and destination in namespaces:
            return namespaces[destination]
        if not destination:
            return default
        return getattr(self, destination, None) if destination in ACTION_TARGETS else None

    @classmethod
    def _own_actions(cls) -> frozenset[str]:
        """``action_*`` methods of this class and its subclasses, not of Textual's ``App``."""
        names = set(TEXTUAL_APP_ACTIONS)
        for klass in cls.__mro__:
            if isinstance(klass, type) and issubclass(klass, HardenedApp):
                names.update(n[len("action_"):] for n in vars(klass) if n.startswith("action_"))
        return frozenset(names - BLOCKED_ACTIONS)

    async def action_quit(self) -> None:
        if not self.hardened:
            await super().action_quit()

    def action_suspend_process(self) -> None:
        if not self.hardened:
            super().action_suspend_process()

    def action_command_palette(self) -> None:
        if not self.hardened:
            super().action_command_palette()

    def save_screenshot(
        self, filename: str | None = None, path: str | None = None,
        time_format: str | None = None,
    ) -> str:
        if self.hardened:
            self.log.warning("kiosk: screenshot refused")
            return ""
        return super().save_screenshot(filename, path, time_format)

    def deliver_screenshot(
        self, filename: str | None = None, path: str | None = None,
        time_format: str | None = None,
    ) -> str | None:
        if self.hardened:
            self.log.warning("kiosk: screenshot refused")
            return None
        return super().deliver_screenshot(filename, path, time_format)

    def copy_to_clipboard(self, text: str) -> None:
        """In the public profiles copied text stays in the app (wiped at
        logout); it is never sent to the terminal's clipboard."""
        self._copied = text
        if not self.hardened:
            super().copy_to_clipboard(text)

    @property
    def clipboard(self) -> str:
        """What was last copied in the app (``Input`` and ``TextArea`` paste it)."""
        return self._copied

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: Any = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Every notification without control characters, whoever sends it
        (error sentences from a server reach the patron through here)."""
        super().notify(
            clean(message), title=clean(title), severity=severity, timeout=timeout, markup=markup
        )

    def wipe_traces(self) -> None:
        """Forget what the app keeps outside the screens: clipboard, notifications."""
        self._copied = ""
        self.clear_notifications()

    # -------------------------------------------------------- the staff exit

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "staff_exit":
            return self.profile == "kiosk" and bool(self.config.kiosk.staff_pin_hash)
        if action == "end_session":
            return self.profile == "ssh"
        return True

    def action_staff_exit(self) -> None:
        from screens.dialogs.pin import StaffPinDialog

        pin_hash = self.config.kiosk.staff_pin_hash
        if self.profile != "kiosk" or not pin_hash or self._leaving:
            return
        if any(isinstance(screen, StaffPinDialog) for screen in self.screen_stack):
            return
        self.push_screen(StaffPinDialog(pin_hash), self._pin_answered)

    def _pin_answered(self, right: bool | None) -> None:
        if right:
            self.leave()

    def action_end_session(self) -> None:
        if self.profile == "ssh":
            self.leave()

    def leave(self) -> None:
        """End the app cleanly: log the patron out on the server, then exit."""
        if self._leaving:
            return
        self._leaving = True
        self._logout_and_exit()

    @work(group="leave", exclusive=True, exit_on_error=False)
    async def _logout_and_exit(self) -> None:
        session = self.session
        if session is not None:
            self.session = None  # the screens stay as they are: the app is ending
            try:
                await asyncio.wait_for(self.service.logout(session), LOGOUT_WAIT)
            except (ManaError, TimeoutError) as error:
                self.log.warning("kiosk: logout on leaving failed", error=repr(error))
        self.exit()

    # ------------------------------------------------------------ idle logout

    def on_mount(self) -> None:
        if self.hardened:
            self._last_input = time.monotonic()
            self._schedule_idle_check(self.idle_timeout)

    async def on_event(self, event: events.Event) -> None:
        if (
            self.hardened
            and isinstance(event, (events.InputEvent, events.Paste))
            and not event.is_forwarded
        ):
            self._last_input = time.monotonic()
            self._idle_dirty = True
            dialog = self._idle_dialog
            if (
                dialog is not None
                and self.screen is dialog
                and isinstance(event, (events.Key, events.MouseDown, events.Paste))
            ):
                dialog.answer(True)  # the key says "still here" and nothing else
                return
        await super().on_event(event)

    def _schedule_idle_check(self, delay: float) -> None:
        if self._idle_timer is not None:
            self._idle_timer.stop()
        self._idle_timer = self.set_timer(max(delay, 0.01), self._idle_check, name="idle watch")

    def _idle_check(self) -> None:
        if self._idle_dialog is not None or self._leaving:
            return
        left = self._last_input + self.idle_timeout - time.monotonic()
        if left > 0:
            self._schedule_idle_check(left)
        elif not self._idle_dirty and self.session is None:
            self._schedule_idle_check(self.idle_timeout)  # nothing to wipe
        else:
            from screens.dialogs.idle import IdleDialog

            self._idle_dialog = IdleDialog(self.idle_countdown)
            self.push_screen(self._idle_dialog, self._idle_answered)

    def _idle_answered(self, still_here: bool | None) -> None:
        self._idle_dialog = None
        if not still_here:
            self.idle_reset()
        self._last_input = time.monotonic()
        self._schedule_idle_check(self.idle_timeout)

    def idle_reset(self) -> None:
        """Leave the terminal as the next person should find it: the patron
        logged out (on the server too), a fresh catalog, nothing typed,
        nothing in the list or the clipboard, the terminal's language."""
        self._idle_dirty = False
        if self.session is not None:
            self.action_logout()
        else:
            self.forget_patron()
        self.language = self.config.kiosk.language
