"""Logout (F10) returns to the catalog and leaves nothing of the patron behind."""

from __future__ import annotations

from textual.widgets import DataTable, Input

from screens.account import AccountScreen
from screens.catalog import CatalogScreen
from screens.free_request import FreeRequestScreen
from screens.lists import ListScreen
from screens.dialogs.login import LoginScreen
from tests.screens.account_helpers import flat_text, log_in, settle, table_rows, type_text

PATRON_SCREENS = (AccountScreen, FreeRequestScreen, LoginScreen)


def results(app) -> list[list[str]]:
    return table_rows(app.screen.query_one("#results", DataTable))


async def test_logout_wipes_the_patron_everywhere(make_app) -> None:
    async with make_app().run_test(size=(80, 24)) as pilot:
        app = pilot.app
        await settle(pilot)
        fresh = results(app)
        # A search, a record put on the list …
        await type_text(pilot, "Mazais princis")
        await pilot.press("enter")
        await settle(pilot)
        searched = results(app)
        assert searched != fresh
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert app.record_list
        # … a login, and a free request half typed.
        await pilot.press("f3")
        await settle(pilot)
        await log_in(pilot, "liga", "demo1234")
        assert isinstance(app.screen, AccountScreen)
        await pilot.press("v")
        await settle(pilot)
        assert isinstance(app.screen, FreeRequestScreen)
        await pilot.press("tab")
        await type_text(pilot, "Slepena vēlme")

        await pilot.press("f10")
        await settle(pilot)

        assert app.session is None
        assert isinstance(app.screen, CatalogScreen)
        assert len(app.screen_stack) == 2
        assert not any(isinstance(s, PATRON_SCREENS) for s in app.screen_stack)
        assert app.screen.query_one("#search", Input).value == ""
        assert results(app) == fresh
        assert app.record_list == {}
        text = flat_text(app)
        assert "Līga" not in text and "Slepena vēlme" not in text and "Mazais princis" not in text
        assert "Nav pieslēdzies" in text
        # The list is empty …
        await pilot.press("f4")
        await settle(pilot)
        assert isinstance(app.screen, ListScreen)
        assert app.screen.query_one("#list-records", DataTable).row_count == 0
        await pilot.press("escape")
        await settle(pilot)
        # … and My Library asks for a login again, with empty fields.
        await pilot.press("f3")
        await settle(pilot)
        login = app.screen
        assert isinstance(login, LoginScreen)
        assert login.query_one("#identifier", Input).value == ""
        assert login.query_one("#password", Input).value == ""


async def test_logout_from_my_library(make_app, service) -> None:
    async with make_app().run_test(size=(120, 40)) as pilot:
        app = pilot.app
        await settle(pilot)
        await pilot.press("f3")
        await settle(pilot)
        await log_in(pilot, "1000000003", "demo1234")
        assert isinstance(app.screen, AccountScreen)
        session = app.session
        await pilot.press("f10")
        await settle(pilot)
        assert isinstance(app.screen, CatalogScreen)
        assert len(app.screen_stack) == 2
        assert "Pieslēdzies" not in flat_text(app)
        # The session is over at the service too.
        from services.errors import NotAuthenticated

        try:
            await service.loans(session)
        except NotAuthenticated:
            pass
        else:
            raise AssertionError("the session still works after logout")
