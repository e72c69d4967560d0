"""The ``kiosk`` and ``ssh`` profiles in Pilot: no way out but the staff PIN,
idle logout that leaves nothing of the patron, passwords that cannot be
copied. The ``desk`` profile keeps Textual's usual keys (the contrast that
shows the tests can fail)."""

from __future__ import annotations

from pathlib import Path

import asyncio

import pytest
from argon2 import PasswordHasher
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from textual.widgets import DataTable, Input

from screens.account import AccountScreen
from screens.catalog import CatalogScreen
from screens.dialogs.idle import IdleDialog
from screens.lists import ListScreen
from screens.dialogs.login import LoginScreen
from screens.dialogs.pin import StaffPinDialog
from screens.record import RecordScreen
from services.errors import NotAuthenticated
from tests.screens.account_helpers import flat_text, log_in, settle, type_text
from tests.tui.kiosk_helpers import make_app, make_service, wait_until
from widgets.secret_input import SecretInput

PIN = "2468"
PIN_HASH = PasswordHasher().hash(PIN)

ESCAPE_KEYS = (
    "ctrl+q", "ctrl+c", "ctrl+z", "ctrl+backslash", "ctrl+p", "ctrl+d", "ctrl+s",
    "escape", "escape", "escape", "f5", "f7", "f8", "f9", "f11", "f12",
    "ctrl+x", "ctrl+v", "ctrl+w", "ctrl+t", "ctrl+y",
)
"""F1 is not among them: it opens the list of the screen's keys
(``test_f1_opens_only_the_list_of_keys``)."""


@pytest.fixture(autouse=True)
def _quick_pin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(StaffPinDialog, "FAILURE_PAUSE", 0.0)


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run in an empty directory, so any file the app writes shows up."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def still_running(app) -> bool:
    return app.is_running and not app._exit


# ------------------------------------------------------------- no way out


@pytest.mark.parametrize("profile", ["kiosk", "ssh"])
async def test_escape_keys_do_nothing_and_write_nothing(profile: str, tmp_path: Path) -> None:
    app = make_app(profile=profile)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for key in ESCAPE_KEYS:
            if profile == "ssh" and key == "f12":
                continue  # "Beigt sesiju": the ssh patron's own way out
            await pilot.press(key)
            await pilot.pause()
            assert still_running(app), key
        await settle(pilot)
        assert isinstance(app.screen, CatalogScreen)
        assert len(app.screen_stack) == 2  # no palette, no dialog
        assert app.return_code is None
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("profile", ["kiosk", "ssh"])
async def test_f1_opens_only_the_list_of_keys(profile: str, tmp_path: Path) -> None:
    app = make_app(profile=profile)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for _ in range(3):
            await pilot.press("f1")
            await pilot.pause()
        assert still_running(app)
        assert type(app.screen).__name__ == "KeysHelpDialog"
        assert len(app.screen_stack) == 3  # the catalog and one dialog
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, CatalogScreen)
        assert app.return_code is None
    assert list(tmp_path.iterdir()) == []


ANY_KEY = st.sampled_from(
    [f"ctrl+{c}" for c in "abcdefghijklmnopqrstuvwxyz"]
    + [f"f{n}" for n in range(1, 13)]
    + ["escape", "enter", "tab", "shift+tab", "up", "down", "left", "right", "pageup",
       "pagedown", "home", "end", "backspace", "delete", "space", "a", "s", "v", "1", "3",
       "ctrl+backslash", "ctrl+shift+a", "alt+f4", "ctrl+alt+delete", "super+q"]
)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(keys=st.lists(ANY_KEY, min_size=1, max_size=30))
def test_no_key_sequence_leaves_the_kiosk(keys: list[str]) -> None:
    async def run() -> None:
        app = make_app(profile="kiosk")
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            for key in keys:
                await pilot.press(key)
                assert still_running(app), key
            await settle(pilot)
            assert still_running(app)

    asyncio.run(run())


async def test_desk_profile_keeps_ctrl_q() -> None:
    app = make_app(profile="desk")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert not still_running(app)


BLOCKED = [
    "app.quit", "quit", "app.help_quit", "app.suspend_process", "app.screenshot",
    "screenshot('x.svg', '.')", "app.command_palette", "app.change_theme", "app.toggle_dark",
    "app.simulate_key('ctrl+q')", "app.push_screen('x')", "app.switch_mode('x')",
    "app.pop_screen", "app.back", "app.notify('x')", "app.bell",
    "app.add_class('Screen', 'x')", "screen.quit", "focused.quit",
]


@pytest.mark.parametrize("action", BLOCKED)
async def test_textual_actions_are_refused(action: str, tmp_path: Path) -> None:
    """Whatever calls them (a binding, ``[@click=…]`` markup, a button):
    Textual's own app actions do not run in the kiosk profile."""
    app = make_app(profile="kiosk")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert await app.run_action(action) is False
        await settle(pilot)
        assert still_running(app)
        assert isinstance(app.screen, CatalogScreen) and len(app.screen_stack) == 2
        app.save_screenshot("direct.svg", str(tmp_path))
        app.deliver_screenshot("delivered.svg", str(tmp_path))
    assert list(tmp_path.iterdir()) == []


async def test_the_apps_own_actions_still_work() -> None:
    app = make_app(profile="kiosk")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert await app.run_action("app.show_list") is True
        await settle(pilot)
        assert isinstance(app.screen, ListScreen)
        await pilot.press("escape")
        await pilot.press("tab")  # app.focus_next
        await settle(pilot)
        assert isinstance(app.screen, CatalogScreen)


async def test_copied_text_never_reaches_the_terminal() -> None:
    app = make_app(profile="kiosk")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        written: list[str] = []
        original = app._driver.write
        app._driver.write = lambda data: (written.append(data), original(data))[1]
        app.copy_to_clipboard("Ozola, Līga")
        assert app.clipboard == "Ozola, Līga"
        assert not any("\x1b]52" in data for data in written)


# ----------------------------------------------------------- the staff PIN


async def test_staff_pin_exits_only_with_the_right_pin() -> None:
    service = make_service()
    app = make_app(service, profile="kiosk", staff_pin_hash=PIN_HASH)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f3")
        await settle(pilot)
        await log_in(pilot, "anna", "demo1234")
        session = app.session
        assert session is not None

        await pilot.press("f12")
        await settle(pilot)
        assert isinstance(app.screen, StaffPinDialog)
        field = app.screen.query_one("#pin", SecretInput)
        assert field.password
        await type_text(pilot, "1357")
        await pilot.press("enter")
        await wait_until(pilot, lambda: "Nepareizs PIN." in flat_text(app), "told the PIN is wrong")
        assert still_running(app)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, AccountScreen) and still_running(app)

        await pilot.press("f12")
        await settle(pilot)
        await type_text(pilot, PIN)
        await pilot.press("enter")
        await wait_until(pilot, lambda: not still_running(app), "ended by the right PIN")
    with pytest.raises(NotAuthenticated):  # the patron was logged out on the server first
        await service.loans(session)


async def test_three_wrong_pins_close_the_dialog() -> None:
    app = make_app(profile="kiosk", staff_pin_hash=PIN_HASH)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f12")
        for guess in ("0000", "1111", "2222"):
            await wait_until(pilot, lambda: isinstance(app.screen, StaffPinDialog)
                             and not app.screen.query_one("#pin").disabled, "ready for a PIN")
            await type_text(pilot, guess)
            await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, CatalogScreen), "back at the catalog")
        assert still_running(app)


async def test_without_a_pin_hash_there_is_no_way_out() -> None:
    app = make_app(profile="kiosk")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f12")
        await settle(pilot)
        assert isinstance(app.screen, CatalogScreen) and still_running(app)
        assert "F12" not in flat_text(app)


async def test_ssh_end_session_logs_out_then_exits() -> None:
    service = make_service()
    app = make_app(service, profile="ssh")
    async with app.run_test(size=(100, 24)) as pilot:
        await settle(pilot)
        assert "F12 Beigt sesiju" in flat_text(app)
        await pilot.press("f3")
        await settle(pilot)
        await log_in(pilot, "anna", "demo1234")
        session = app.session
        assert session is not None
        await pilot.press("f12")
        await wait_until(pilot, lambda: not still_running(app), "ended by F12")
    with pytest.raises(NotAuthenticated):
        await service.loans(session)


# ------------------------------------------------------------ idle logout


async def _leave_traces(pilot, app) -> None:
    """A search, a record on the list, a login, the account open, a copy."""
    await type_text(pilot, "Mazais princis")
    await pilot.press("enter")
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)
    assert isinstance(app.screen, RecordScreen)
    await pilot.press("s")
    await settle(pilot)
    assert app.record_list
    await pilot.press("f3")
    await settle(pilot)
    await log_in(pilot, "liga", "demo1234")
    assert isinstance(app.screen, AccountScreen)
    app.copy_to_clipboard("Līga Ozola")
    app.notify("Līga Ozola", markup=False)


async def test_idle_logout_leaves_nothing_of_the_patron() -> None:
    service = make_service()
    app = make_app(service, profile="kiosk", language="lv")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await _leave_traces(pilot, app)
        session = app.session
        assert session is not None
        await pilot.press("f6")  # the patron switched to English
        app.idle_timeout = 0.3
        app.idle_countdown = 0.3
        app._schedule_idle_check(0.3)
        await wait_until(pilot, lambda: isinstance(app.screen, IdleDialog)
                         and "Are you still there?" in flat_text(app), "asking")
        await wait_until(pilot, lambda: app.session is None
                         and isinstance(app.screen, CatalogScreen), "logged out by idleness")
        app.idle_timeout = 3600  # nothing more from the watch during the checks
        app._schedule_idle_check(3600)
        await settle(pilot)

        with pytest.raises(NotAuthenticated):  # logged out on the server too
            await service.loans(session)
        assert app.language == "lv"
        assert len(app.screen_stack) == 2
        assert app.screen.query_one("#search", Input).value == ""
        assert app.record_list == {}
        assert app.clipboard == ""
        text = flat_text(app)
        assert "Līga" not in text and "Mazais princis" not in text
        assert "Nav pieslēdzies" in text

        # No key brings any of it back.
        for key in ("escape", "escape", "escape", "ctrl+v"):
            await pilot.press(key)
            await settle(pilot)
            assert isinstance(app.screen, CatalogScreen) and len(app.screen_stack) == 2
        assert app.screen.query_one("#search", Input).value == ""
        await pilot.press("f4")
        await settle(pilot)
        assert isinstance(app.screen, ListScreen)
        assert app.screen.query_one("#list-records", DataTable).row_count == 0
        await pilot.press("escape")
        await pilot.press("f3")
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)
        assert app.screen.query_one("#identifier", Input).value == ""
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, CatalogScreen) and len(app.screen_stack) == 2


async def test_a_key_during_the_countdown_keeps_the_session_and_does_nothing_else() -> None:
    app = make_app(profile="kiosk")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f3")
        await settle(pilot)
        await log_in(pilot, "anna", "demo1234")
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, CatalogScreen) and app.session is not None
        app.idle_timeout = 0.2
        app.idle_countdown = 30
        app._schedule_idle_check(0.2)
        await wait_until(pilot, lambda: isinstance(app.screen, IdleDialog), "asking")
        app.idle_timeout = 3600
        await pilot.press("x")
        await settle(pilot)
        assert isinstance(app.screen, CatalogScreen)
        assert app.session is not None
        assert app.screen.query_one("#search", Input).value == ""  # the key typed nothing


async def test_idle_without_login_resets_the_catalog() -> None:
    app = make_app(profile="ssh")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await type_text(pilot, "Mazais princis")
        await settle(pilot)
        await pilot.press("f4")
        await settle(pilot)
        app.idle_timeout = 0.2
        app.idle_countdown = 0.2
        app._schedule_idle_check(0.2)
        await wait_until(pilot, lambda: isinstance(app.screen, CatalogScreen)
                         and app.screen.query_one("#search", Input).value == "", "reset")
        app.idle_timeout = 3600
        assert len(app.screen_stack) == 2


async def test_nobody_at_the_terminal_means_no_question() -> None:
    """A catalog nobody has touched since its last wipe is left alone."""
    app = make_app(profile="kiosk")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app._idle_dirty = False
        app.idle_timeout = 0.1
        app._schedule_idle_check(0.1)
        await pilot.pause(0.5)
        assert isinstance(app.screen, CatalogScreen)


async def test_desk_profile_has_no_idle_watch() -> None:
    app = make_app(profile="desk")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("a")
        assert app._idle_timer is None


# ------------------------------------------------------------ passwords


@pytest.mark.parametrize("profile", ["kiosk", "desk"])
async def test_a_password_can_never_be_copied(profile: str) -> None:
    app = make_app(profile=profile)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f3")
        await settle(pilot)
        await type_text(pilot, "anna")
        await pilot.press("enter")
        await type_text(pilot, "slepens")
        password = app.screen.query_one("#password", Input)
        assert isinstance(password, SecretInput) and app.focused is password
        for keys in (("ctrl+shift+a", "ctrl+c"), ("ctrl+shift+a", "ctrl+x"),
                     ("shift+home", "ctrl+c")):
            await pilot.press(*keys)
            await pilot.pause()
            assert "slepens" not in app.clipboard
            assert password.value == "slepens"
        # The identifier field still copies (the test can tell).
        await pilot.press("shift+tab")
        await pilot.press("ctrl+shift+a", "ctrl+c")
        await pilot.pause()
        assert app.clipboard == "anna"

