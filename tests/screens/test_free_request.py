"""R8, R10: "Veikt pasūtījumu" — the form, its refusals at the field, and the
request appearing in "Brīvie pieprasījumi" with its review deadline."""

from __future__ import annotations

from textual.widgets import Input, Select, TextArea

from screens.account import AccountScreen
from screens.free_request import FreeRequestScreen
from services.rules import review_by
from tests.screens.account_helpers import flat_text, log_in, settle, static_text, type_text
from tests.screens.conftest import FIXED_NOW
from tui.i18n import format_datetime
from widgets.fit_table import FitTable


async def open_form(pilot, username: str = "liga") -> FreeRequestScreen:
    await settle(pilot)
    await pilot.press("f3")
    await settle(pilot)
    await log_in(pilot, username, "demo1234")
    assert isinstance(pilot.app.screen, AccountScreen)
    await pilot.press("v")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, FreeRequestScreen)
    return screen


async def test_form_has_the_fields_and_the_home_library(make_app) -> None:
    async with make_app().run_test(size=(120, 40)) as pilot:
        screen = await open_form(pilot)
        text = flat_text(pilot.app)
        for label in (
            "Veikt pasūtījumu",
            "Autors",
            "Nosaukums",
            "Izdošanas gads",
            "Papildinformācija",
            "Bibliotēka",
            "Fonds",
            "Sūtīt",
        ):
            assert label in text
        assert screen.query_one("#freq-library", Select).value == "aizk"
        assert "Aizkraukles novada centrālā bibliotēka" in text
        assert screen.query_one("#freq-author", Input).has_focus


async def test_missing_title_is_refused_at_the_field_and_nothing_is_lost(make_app, service) -> None:
    async with make_app().run_test(size=(80, 24)) as pilot:
        screen = await open_form(pilot)
        await type_text(pilot, "-")
        await pilot.press("tab", "tab")  # past the empty title to the year
        await type_text(pilot, "1999")
        await pilot.press("tab")
        await type_text(pilot, "par bitem")
        before = len(await service.free_requests(pilot.app.session))
        await pilot.press("f9")
        await settle(pilot)
        assert pilot.app.screen is screen
        assert static_text(screen, "#freq-title-error") == "Lūdzu, ierakstiet nosaukumu."
        assert "Lūdzu, ierakstiet nosaukumu." in flat_text(pilot.app)
        assert screen.query_one("#freq-title", Input).has_focus
        assert screen.query_one("#freq-author", Input).value == "-"
        assert screen.query_one("#freq-year", Input).value == "1999"
        assert screen.query_one("#freq-info", TextArea).text == "par bitem"
        assert len(await service.free_requests(pilot.app.session)) == before


async def test_missing_library_is_refused_at_the_field(make_app) -> None:
    async with make_app().run_test(size=(80, 24)) as pilot:
        screen = await open_form(pilot)
        await pilot.press("tab")
        await type_text(pilot, "Bišu dravas")
        screen.query_one("#freq-library", Select).clear()
        await settle(pilot)
        await pilot.press("f9")
        await settle(pilot)
        assert static_text(screen, "#freq-library-error") == "Lūdzu, izvēlieties bibliotēku."
        assert static_text(screen, "#freq-title-error") == ""
        assert screen.query_one("#freq-title", Input).value == "Bišu dravas"


async def test_collections_follow_the_chosen_library(make_app, service) -> None:
    libraries = {lib.id: lib for lib in await service.libraries()}
    async with make_app().run_test(size=(120, 40)) as pilot:
        screen = await open_form(pilot)
        screen.query_one("#freq-library", Select).value = "bebr"
        await settle(pilot)
        collection = screen.query_one("#freq-collection", Select)
        values = [value for _label, value in collection._options if isinstance(value, str)]
        assert values == [c.code for c in libraries["bebr"].collections]
        assert collection.value == libraries["bebr"].collections[0].code


async def test_a_request_with_a_dash_for_author_is_sent_and_listed(make_app, service) -> None:
    deadline = format_datetime(review_by(FIXED_NOW))
    async with make_app().run_test(size=(80, 24)) as pilot:
        await open_form(pilot)
        await type_text(pilot, "-")
        await pilot.press("enter")  # Enter moves on to the next field
        await type_text(pilot, "Grāmatas par dārzkopību")
        await pilot.press("enter")
        await type_text(pilot, "-")
        await pilot.press("f9")
        await settle(pilot)
        account = pilot.app.screen
        assert isinstance(account, AccountScreen)
        assert account.active_tab == "requests"
        table = account.query_one("#requests-table", FitTable)
        row = table.row_text(table.selected_key or "")
        assert row[0] == "Grāmatas par dārzkopību"
        assert row[1] == "-"
        assert "Nosūtīts bibliotēkai" in row
        assert deadline in row
        assert f"Izskatīs līdz {deadline}" in flat_text(pilot.app)
        requests = await service.free_requests(pilot.app.session)
        assert requests[0].request.title == "Grāmatas par dārzkopību"
        assert requests[0].request.author == "-"


async def test_data_is_shown_as_written_never_as_markup(make_app) -> None:
    title = "[b]Dzejoļi[/b] [@click=app.quit]x[/]"
    async with make_app().run_test(size=(120, 40)) as pilot:
        await open_form(pilot)
        await pilot.press("tab")
        await type_text(pilot, title)
        await pilot.press("f9")
        await settle(pilot)
        assert isinstance(pilot.app.screen, AccountScreen)
        assert title in flat_text(pilot.app)


async def test_escape_leaves_the_form_without_sending(make_app, service) -> None:
    async with make_app().run_test(size=(80, 24)) as pilot:
        await open_form(pilot)
        before = len(await service.free_requests(pilot.app.session))
        await pilot.press("tab")
        await type_text(pilot, "Kaut kas")
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(pilot.app.screen, AccountScreen)
        assert len(await service.free_requests(pilot.app.session)) == before
