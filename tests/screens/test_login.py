"""R5: logging in with the username or the library card number; what a failed
attempt says and offers."""

from __future__ import annotations

from textual.widgets import Input

from screens.account import AccountScreen
from screens.dialogs.login import LoginScreen
from screens.dialogs.recovery import PasswordRecoveryScreen
from services.errors import InvalidCredentials
from tests.screens.account_helpers import flat_text, log_in, screen_text, settle, static_text

WRONG = InvalidCredentials().lv


async def open_login(pilot) -> None:
    await settle(pilot)
    await pilot.press("f3")
    await settle(pilot)
    assert isinstance(pilot.app.screen, LoginScreen)


async def test_login_by_username_opens_my_library(make_app) -> None:
    async with make_app().run_test(size=(80, 24)) as pilot:
        await open_login(pilot)
        text = screen_text(pilot.app)
        assert "Lietotājvārds" in text and "Parole" in text
        await log_in(pilot, "liga", "demo1234")
        assert isinstance(pilot.app.screen, AccountScreen)
        assert pilot.app.session is not None
        assert "Pieslēdzies: Līga Ozola" in screen_text(pilot.app)


async def test_login_by_library_card_number(make_app) -> None:
    async with make_app().run_test(size=(80, 24)) as pilot:
        await open_login(pilot)
        await log_in(pilot, "1000000002", "demo1234")
        assert isinstance(pilot.app.screen, AccountScreen)
        assert "Jānis Kalniņš" in screen_text(pilot.app)


async def test_the_password_is_not_shown(make_app) -> None:
    async with make_app().run_test(size=(80, 24)) as pilot:
        await open_login(pilot)
        await pilot.press("l", "i", "g", "a", "enter", "s", "e", "c", "r", "e", "t")
        await pilot.pause()
        text = screen_text(pilot.app)
        assert "secret" not in text
        assert pilot.app.screen.query_one("#password", Input).password


async def test_wrong_password_says_so_clears_it_and_offers_recovery(make_app) -> None:
    async with make_app().run_test(size=(120, 40)) as pilot:
        await open_login(pilot)
        await log_in(pilot, "liga", "wrong-password")
        screen = pilot.app.screen
        assert isinstance(screen, LoginScreen)
        assert pilot.app.session is None
        text = flat_text(pilot.app)
        assert WRONG in text
        # Contacting the library is suggested, with the central library's contacts.
        assert "sazinieties ar bibliotēku" in text
        assert "Aizkraukles novada centrālā bibliotēka" in text and "F2" in text
        assert "Paroles atjaunošana" in text
        # The password is cleared for the next try; the username stays.
        assert screen.query_one("#password", Input).value == ""
        assert screen.query_one("#identifier", Input).value == "liga"
        assert screen.query_one("#password", Input).has_focus
        # The recovery it offers opens with F7.
        await pilot.press("f7")
        await settle(pilot)
        assert isinstance(pilot.app.screen, PasswordRecoveryScreen)


async def test_an_unknown_user_gets_the_same_answer_as_a_wrong_password(make_app) -> None:
    answers = []
    for identifier in ("liga", "nobody-here"):
        async with make_app().run_test(size=(120, 40)) as pilot:
            await open_login(pilot)
            await log_in(pilot, identifier, "wrong-password")
            screen = pilot.app.screen
            answers.append(
                (static_text(screen, "#login-failure"), static_text(screen, "#login-contact"))
            )
    assert answers[0] == answers[1]
    assert answers[0][0] == WRONG


async def test_empty_fields_are_pointed_out_without_asking_the_service(make_app) -> None:
    async with make_app().run_test(size=(80, 24)) as pilot:
        await open_login(pilot)
        await pilot.press("enter")  # identifier empty → moves to the password
        await pilot.press("enter")  # both empty: submit
        await settle(pilot)
        text = flat_text(pilot.app)
        assert "Lūdzu, ierakstiet lietotājvārdu vai lasītāja kartes numuru." in text
        assert WRONG not in text
        assert pilot.app.screen.query_one("#identifier", Input).has_focus
        await pilot.press("l", "i", "g", "a", "enter", "enter")
        await settle(pilot)
        text = flat_text(pilot.app)
        assert "Lūdzu, ierakstiet paroli." in text
        assert "lasītāja kartes numuru." not in text
        assert WRONG not in text
        assert pilot.app.session is None


async def test_escape_returns_to_the_catalog_without_logging_in(make_app) -> None:
    async with make_app().run_test(size=(80, 24)) as pilot:
        await open_login(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(pilot.app.screen, LoginScreen)
        assert pilot.app.session is None
        assert len(pilot.app.screen_stack) == 2


async def test_login_in_english_after_f6(make_app) -> None:
    async with make_app().run_test(size=(80, 24)) as pilot:
        await open_login(pilot)
        await pilot.press("f6")
        await settle(pilot)
        text = screen_text(pilot.app)
        assert "Username" in text and "Password" in text and "Password recovery" in text
        assert "Lietotājvārds" not in text
        await log_in(pilot, "liga", "nope-nope")
        assert InvalidCredentials().en.split(".")[0] in flat_text(pilot.app)
