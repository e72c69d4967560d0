"""The screens show only what the account source offers (issue 15:
``AccountService.abilities``; a library system over SIP2 offers less):
password recovery on the login dialog, e-mailing the list, the desk."""

from __future__ import annotations

from screens.desk.login import DeskLoginScreen
from screens.desk.screen import DeskScreen
from screens.dialogs.login import LoginScreen
from screens.dialogs.recovery import PasswordRecoveryScreen
from services.memory import MemoryService
from services.models import Abilities, SearchQuery
from tests.screens.account_helpers import flat_text, log_in, settle
from tests.screens.desk_helpers import desk_app_factory
from tui.app import KioskApp
from tui.config import KioskConfig


class LittleService(MemoryService):
    """An account source without password recovery, list e-mails or a desk."""

    async def abilities(self) -> Abilities:
        return Abilities(password_reset=False, lists=False, staff_desk=False)


async def test_no_password_recovery_where_the_source_has_none(clock) -> None:
    app = KioskApp(service=LittleService(clock=clock), config=KioskConfig())
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f3")
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)
        assert "Paroles atjaunošana" not in flat_text(app)
        await pilot.press("f7")
        await settle(pilot)
        assert not isinstance(app.screen, PasswordRecoveryScreen)


async def test_the_recovery_stays_where_the_source_offers_it(make_app) -> None:
    async with make_app().run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f3")
        await settle(pilot)
        assert "Paroles atjaunošana" in flat_text(pilot.app)


async def test_no_e_mail_form_for_the_list_where_the_source_sends_none(clock) -> None:
    service = LittleService(clock=clock)
    app = KioskApp(service=service, config=KioskConfig())
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        hit = (await service.search(SearchQuery(text=""))).items[0]
        app.record_list[hit.id] = await service.record(hit.id)
        await pilot.press("f4")
        await settle(pilot)
        text = flat_text(app)
        assert hit.title[:15] in text
        assert "E-pasta adrese" not in text and "Nosūtīt uz e-pastu" not in text


async def test_no_desk_where_the_source_runs_none(clock) -> None:
    app = desk_app_factory(LittleService(clock=clock))()
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await settle(pilot)
        await log_in(pilot, "staff-aizk", "demo1234")
        await settle(pilot)
        assert not any(isinstance(s, DeskScreen) for s in app.screen_stack)
        assert isinstance(app.screen, DeskLoginScreen)
        assert app.session is None
        assert "nepiedāvā" in flat_text(app)
