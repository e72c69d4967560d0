"""R5: "Paroles atjaunošana" — a code by e-mail, then a new password."""

from __future__ import annotations

import re

from textual.widgets import Input

from screens.account import AccountScreen
from screens.dialogs.login import LoginScreen
from screens.dialogs.recovery import PasswordRecoveryScreen
from services.errors import InvalidCode
from services.models import MessageKind
from tests.screens.account_helpers import flat_text, settle, static_text, type_text

SENT = "Ja šāds konts ir, kods ir nosūtīts uz bibliotēkā norādīto e-pastu."


async def open_recovery(pilot, identifier: str = "") -> PasswordRecoveryScreen:
    await settle(pilot)
    await pilot.press("f3")
    await settle(pilot)
    assert isinstance(pilot.app.screen, LoginScreen)
    await type_text(pilot, identifier)
    await pilot.press("f7")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, PasswordRecoveryScreen)
    return screen


async def latest_code(service, email: str) -> str:
    codes = [
        m for m in await service.outbox() if m.kind == MessageKind.PASSWORD_CODE and m.to == email
    ]
    assert codes, f"no recovery code was sent to {email}"
    match = re.search(r"\b(\d{6})\b", codes[-1].body)
    assert match
    return match.group(1)


async def test_recovery_with_the_code_from_the_e_mail(make_app, service) -> None:
    async with make_app().run_test(size=(80, 24)) as pilot:
        screen = await open_recovery(pilot, "liga")
        # The identifier typed on the login comes along.
        assert screen.query_one("#identifier", Input).value == "liga"
        await pilot.press("enter")
        await settle(pilot)
        assert SENT in flat_text(pilot.app)
        assert screen.query_one("#code", Input).has_focus
        code = await latest_code(service, "liga@example.com")
        await type_text(pilot, code)
        await pilot.press("enter")
        await type_text(pilot, "jauna-parole-1")
        await pilot.press("enter")
        await type_text(pilot, "jauna-parole-1")
        await pilot.press("enter")
        await settle(pilot)
        # Back on the login, which says so and waits for the new password.
        login = pilot.app.screen
        assert isinstance(login, LoginScreen)
        assert "Parole ir nomainīta" in flat_text(pilot.app)
        assert login.query_one("#identifier", Input).value == "liga"
        assert login.query_one("#password", Input).has_focus
        await type_text(pilot, "jauna-parole-1")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, AccountScreen)


async def test_the_answer_is_the_same_for_an_unknown_account(make_app, service) -> None:
    async with make_app().run_test(size=(80, 24)) as pilot:
        await open_recovery(pilot, "nav-tada-lietotaja")
        before = len(await service.outbox())
        await pilot.press("enter")
        await settle(pilot)
        assert SENT in flat_text(pilot.app)
        assert len(await service.outbox()) == before  # nothing was sent, and nothing said so


async def test_a_wrong_code_is_shown_at_the_code_field(make_app) -> None:
    async with make_app().run_test(size=(80, 24)) as pilot:
        screen = await open_recovery(pilot, "1000000003")
        await pilot.press("enter")
        await settle(pilot)
        await type_text(pilot, "000000x")
        await pilot.press("enter")
        await type_text(pilot, "jauna-parole-1")
        await pilot.press("enter")
        await type_text(pilot, "jauna-parole-1")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, PasswordRecoveryScreen)
        assert static_text(screen, "#code-error") == InvalidCode().lv
        assert screen.query_one("#code", Input).has_focus


async def test_a_too_short_password_is_shown_at_the_password_field(make_app, service) -> None:
    async with make_app().run_test(size=(80, 24)) as pilot:
        screen = await open_recovery(pilot, "anna")
        await pilot.press("enter")
        await settle(pilot)
        await type_text(pilot, await latest_code(service, "anna@example.com"))
        await pilot.press("enter")
        await type_text(pilot, "abc")
        await pilot.press("enter")
        await type_text(pilot, "abc")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, PasswordRecoveryScreen)
        assert "vismaz 8 rakstzīmes" in static_text(screen, "#new-password-error")
        assert static_text(screen, "#code-error") == ""


async def test_passwords_that_differ_are_pointed_out(make_app) -> None:
    async with make_app().run_test(size=(80, 24)) as pilot:
        screen = await open_recovery(pilot, "anna")
        await pilot.press("enter")
        await settle(pilot)
        await type_text(pilot, "123456")
        await pilot.press("enter")
        await type_text(pilot, "jauna-parole-1")
        await pilot.press("enter")
        await type_text(pilot, "jauna-parole-2")
        await pilot.press("enter")
        await settle(pilot)
        assert "Paroles nesakrīt" in static_text(screen, "#repeat-error")


async def test_an_empty_identifier_is_pointed_out(make_app, service) -> None:
    async with make_app().run_test(size=(80, 24)) as pilot:
        screen = await open_recovery(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert "Lūdzu, ierakstiet" in static_text(screen, "#identifier-error")
        assert SENT not in flat_text(pilot.app)
