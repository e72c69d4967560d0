"""Outside text is data: hostile strings in every text that came from outside,
walked through every screen and widget that shows such text, in Pilot.

On every screen: the app does not crash, no control character reaches the
screen, no piece of the screen is a link or a clickable action, and the
markup in the data shows as written (each field starts with ``[b]tag[/b]``;
seeing ``[b]`` on the screen means it was not taken as bold). The same data in
a real terminal: ``tests/test_kiosk_pty.py``.
"""

from __future__ import annotations

import asyncio

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from textual.widgets import Input, Static

from screens.account import AccountScreen
from screens.catalog import CatalogScreen
from screens.contacts import ContactsScreen
from screens.free_request import FreeRequestScreen
from screens.lists import ListScreen
from screens.dialogs.login import LoginScreen
from screens.dialogs.marc import MarcDialog
from screens.dialogs.order import CopyDialog
from screens.record import RecordScreen
from services.clock import FakeClock
from services.errors import ManaError
from tests.screens.account_helpers import log_in, settle, type_text
from tests.services import fixtures
from tests.tui.hostile import FRAGMENTS, KITCHEN_SINK, HostileService, check_screen, tagged
from tests.tui.kiosk_helpers import FIXED_NOW, make_app
from tui.safe import clean

hostile_text = st.one_of(
    st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=12).map("".join),
    st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=4), min_size=1, max_size=8)
    .map("".join),
    st.builds(lambda piece, n: piece * n, st.sampled_from(FRAGMENTS), st.integers(200, 600)),
)


async def walk(h: str, size: tuple[int, int], language: str = "lv") -> dict[str, str]:
    """Every screen that shows outside text, on a region full of ``h``; the
    text of each screen after ``check_screen`` passed on it."""
    service = HostileService(h, clock=FakeClock(FIXED_NOW))
    app = make_app(service, profile="kiosk", language=language)
    seen: dict[str, str] = {}

    async with app.run_test(size=size, notifications=True) as pilot:

        async def look(name: str) -> None:
            await settle(pilot)
            assert app.is_running, f"the app ended on {name}"
            seen[name] = check_screen(app)

        await look("catalog")
        assert isinstance(app.screen, CatalogScreen)
        app.screen.query_one("#library").focus()
        await pilot.press("enter")
        await look("library filter")
        await pilot.press("escape")

        await pilot.press("f2")
        await look("contacts")
        assert isinstance(app.screen, ContactsScreen)
        await pilot.press("escape")

        await pilot.press("f3")
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)
        await type_text(pilot, "hostile")
        await pilot.press("enter")
        await type_text(pilot, "x")
        await pilot.press("enter")
        await look("login refused")
        app.screen.query_one("#identifier", Input).value = ""
        app.screen.query_one("#identifier", Input).focus()
        await log_in(pilot, "cilda", fixtures.password("cilda"))
        assert isinstance(app.screen, AccountScreen)
        for tab in ("1", "2", "3", "4"):
            await pilot.press(tab)
            await settle(pilot)
            await pilot.press("down")
            await look(f"account tab {tab}")
        await pilot.press("1")
        await pilot.press("v")
        await look("free request")
        assert isinstance(app.screen, FreeRequestScreen)
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, CatalogScreen)

        app.screen.query_one("#results").focus()
        await pilot.press("enter")
        await look("record")
        assert isinstance(app.screen, RecordScreen)
        await pilot.press("enter")
        await look("copy dialog")
        assert isinstance(app.screen, CopyDialog)
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("m")
        await look("marc view")
        assert isinstance(app.screen, MarcDialog)
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("s")
        await pilot.press("escape")
        await pilot.press("f4")
        await look("list")
        assert isinstance(app.screen, ListScreen)
        await pilot.press("escape")

        app.report_error(ManaError(tagged("NT", h), tagged("NT", h)))
        await look("notification")
        await pilot.press("f10")
        await look("logged out")
        assert app.is_running
    return seen


def test_kitchen_sink_shows_as_written() -> None:
    """Every fragment at once: each screen shows the tags of its data literally."""
    seen = asyncio.run(walk(KITCHEN_SINK, (160, 50)))
    expected = {
        "catalog": ["[b]T", "[b]A"],
        "library filter": ["[b]Laiz"],
        "record": ["[b]T", "[b]A", "[b]P", "[b]S", "[b]M"],
        "copy dialog": ["[b]T", "[b]M"],
        "marc view": ["[b]T", "[b]A", "[b]Re", "[b]Ed"],
        "contacts": ["[b]Laiz", "[b]Adr", "[b]Tel", "[b]E"],
        "list": ["[b]T"],
        "login refused": ["[b]ERR"],
        "account tab 1": ["[b]T", "[b]Vārds"],
        "account tab 2": ["[b]FT"],
        "account tab 3": ["[b]T"],
        "account tab 4": ["[b]T"],
        "free request": ["[b]L"],
        "notification": ["[b]NT"],
    }
    for screen, tags in expected.items():
        for tag in tags:
            assert tag in seen[screen], f"{tag!r} not shown as written on {screen}"
    assert "[b]Vārds" not in seen["logged out"]


def test_markup_and_actions_show_as_text_in_the_record() -> None:
    """The record's title widget holds exactly the cleaned title: nothing
    parsed away, nothing added."""

    async def run() -> None:
        service = HostileService(KITCHEN_SINK, clock=FakeClock(FIXED_NOW))
        app = make_app(service, profile="desk")  # desk: no guard would stop an action
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            app.screen.query_one("#results").focus()
            await pilot.press("enter")
            await settle(pilot)
            title = app.screen.query_one("#record-title", Static)
            shown = str(title.visual)
            assert shown.startswith("[b]T")
            assert shown.endswith(clean(KITCHEN_SINK))
            for fragment in ("[@click=app.quit]x[/]", "[link=file:///etc/passwd]p[/link]",
                             "[@click=app.show_list]L[/]", "[bold]", "[/]", "{name}", "$x"):
                assert fragment in shown
            # Click along the title and the record's fields: the data holds no action.
            for widget in (title, app.screen.query_one("#record-fields", Static)):
                region = widget.region
                for y in range(region.y, min(region.bottom, region.y + 3)):
                    for x in range(region.x, region.right, 6):
                        await pilot.click(offset=(x, y))
                assert app.is_running and isinstance(app.screen, RecordScreen)
                assert app.language == "lv" and app.record_list == {}

    asyncio.run(run())


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(h=hostile_text, wide=st.booleans())
@example(h="\x1b]52;c;SGFja2Vk\x07[@click=app.quit]x[/]\n" * 40, wide=False)
def test_any_hostile_text_on_every_screen(h: str, wide: bool) -> None:
    size = (160, 50) if wide else (80, 24)
    seen = asyncio.run(walk(h, size))
    assert "[b]T" in seen["record"]
