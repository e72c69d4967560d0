"""Keys are applied in the order they came, however many arrive in one read
(issue 11): a password typed fast never lands in the username field,
Backspace or Ctrl+U act where they were typed, and each answer of a form
goes to its own field."""

from __future__ import annotations

from textual import events
from textual.widgets import Input

from screens.account import AccountScreen
from screens.free_request import FreeRequestScreen
from screens.dialogs.login import LoginScreen
from screens.dialogs.recovery import PasswordRecoveryScreen
from tests.screens.account_helpers import log_in, screen_text, settle
from tests.screens.burst_helpers import burst, key_event
from tests.screens.test_recovery import latest_code


async def open_login(pilot) -> LoginScreen:
    await settle(pilot)
    await pilot.press("f3")
    await settle(pilot)
    assert isinstance(pilot.app.screen, LoginScreen)
    return pilot.app.screen


async def test_a_fast_login_keeps_the_password_out_of_the_username(make_app) -> None:
    async with make_app().run_test(size=(80, 24)) as pilot:
        login = await open_login(pilot)
        seen: list[str] = []
        identifier = login.query_one("#identifier", Input)
        login.watch(identifier, "value", lambda value: seen.append(value))
        await burst(pilot, "liga", "enter", "demo1234", "enter")
        assert all("demo" not in value for value in seen)
        assert "demo1234" not in screen_text(pilot.app)
        assert isinstance(pilot.app.screen, AccountScreen)
        assert pilot.app.session is not None


async def test_ctrl_u_in_a_burst_empties_only_what_came_before_it(make_app) -> None:
    async with make_app().run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        search = pilot.app.screen.query_one("#search", Input)
        assert search.has_focus
        await burst(pilot, "abc", "ctrl+u", "xyz")
        assert search.value == "xyz"


async def test_backspace_and_the_arrows_act_where_they_were_typed(make_app) -> None:
    async with make_app().run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        search = pilot.app.screen.query_one("#search", Input)
        await burst(pilot, "abc", "backspace", "d", "left", "left", "x", "end", "!")
        assert search.value == "axbd!"


async def test_a_fast_free_request_puts_each_answer_in_its_own_field(make_app) -> None:
    async with make_app().run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("f3")
        await settle(pilot)
        await log_in(pilot, "liga", "demo1234")
        assert isinstance(pilot.app.screen, AccountScreen)
        await pilot.press("v")
        await settle(pilot)
        form = pilot.app.screen
        assert isinstance(form, FreeRequestScreen)
        await burst(pilot, "Blaumanis", "enter", "Indrāni", "enter", "1904", "backspace", "5")
        assert form.query_one("#freq-author", Input).value == "Blaumanis"
        assert form.query_one("#freq-title", Input).value == "Indrāni"
        assert form.query_one("#freq-year", Input).value == "1905"


async def test_a_fast_recovery_sets_the_password_typed(make_app, service) -> None:
    async with make_app().run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f3")
        await settle(pilot)
        await burst(pilot, "liga", "f7")
        recovery = pilot.app.screen
        assert isinstance(recovery, PasswordRecoveryScreen)
        assert recovery.query_one("#identifier", Input).value == "liga"
        await burst(pilot, "enter")
        code = await latest_code(service, "liga@example.com")
        await burst(pilot, code, "enter", "jauna-parole-1", "enter", "jauna-parole-1", "enter")
        login = pilot.app.screen
        assert isinstance(login, LoginScreen)
        assert "jauna-parole" not in screen_text(pilot.app)
        await burst(pilot, "jauna-parole-1", "enter")
        assert isinstance(pilot.app.screen, AccountScreen)


async def test_a_paste_right_after_enter_goes_to_the_next_field(make_app) -> None:
    """A password manager types the username and Enter, then pastes the password."""
    async with make_app().run_test(size=(80, 24)) as pilot:
        login = await open_login(pilot)
        app = pilot.app
        for event in (*map(key_event, "liga"), key_event("enter"), events.Paste("demo1234")):
            event.set_sender(app)
            app.post_message(event)
        await settle(pilot)
        assert login.query_one("#identifier", Input).value == "liga"
        assert login.query_one("#password", Input).value == "demo1234"
        assert "demo1234" not in screen_text(app)
