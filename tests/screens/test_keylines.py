"""Every key line fits 80 columns, in Latvian and in English, on every screen
and dialog, and the keys that must work everywhere are on it wherever they
work: F2 contacts, F6 the language, F10 log out (logged in), F12 "Beigt
sesiju" (SSH). What gives way is listed by F1 (issue 12)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from rich.cells import cell_len
from textual.pilot import Pilot

from screens.desk.screen import TABS
from screens.dialogs.order import CopyDialog
from tests.screens.account_helpers import flat_text, log_in, settle
from tests.screens.desk_helpers import desk_app_factory, desk_login, scan
from tests.tui.kiosk_helpers import make_app, make_service
from widgets.keyline import KeyLine

MUST_SHOW = {"contacts", "toggle_language", "logout", "end_session"}
"""Actions whose key is on the line wherever it works."""

def key_lines(app) -> list[str]:
    """The lines of the current screen's key line, as shown."""
    (line,) = app.screen.query(KeyLine)
    return line.render().plain.split("\n")


def must_show(app) -> set[str]:
    """The key of every binding of ``MUST_SHOW`` that works on this screen now."""
    keys = set()
    for _node, binding, enabled, _tooltip in app.screen.active_bindings.values():
        action = binding.action.split("(", 1)[0].rpartition(".")[2]
        if enabled and action in MUST_SHOW:
            keys.add(app.get_key_display(binding))
    return keys


async def check_fits(pilot: Pilot, where: str) -> list[str]:
    """The key line fits the terminal (80 columns) in both languages and has
    every must-show key; returns what it showed in each language."""
    app = pilot.app
    shown = []
    for _language in ("first", "second"):
        await settle(pilot)
        (line,) = app.screen.query(KeyLine)
        lines = key_lines(app)
        width = line.content_region.width
        assert width <= app.size.width
        for text in lines:
            assert cell_len(text) <= width, f"{where} ({app.language}): {text!r} is cut"
        assert len(lines) <= line.size.height, f"{where} ({app.language}): lines cut"
        words = " ".join(lines).split()
        for key in must_show(app):
            assert key in words, f"{where} ({app.language}): {key} missing in {lines!r}"
        shown.append(" ".join(lines))
        await pilot.press("f6")
    await settle(pilot)
    return shown


# ----------------------------------------------------------------- the kiosk


async def to_record(pilot: Pilot) -> None:
    pilot.app.screen.query_one("#results").focus()
    await pilot.press("enter")
    await settle(pilot)


async def logged_in(pilot: Pilot) -> None:
    await pilot.press("f3")
    await settle(pilot)
    await log_in(pilot, "liga", "demo1234")


async def kiosk_walk(pilot: Pilot, check: Callable[[str], Awaitable[object]]) -> None:
    """Through every screen and dialog of the kiosk, checking each."""
    await settle(pilot)
    await check("catalog")
    await to_record(pilot)
    await check("record")
    await pilot.press("s")
    await check("record, in the list")
    await pilot.press("escape")
    await settle(pilot)
    for key, where in (("f2", "contacts"), ("f4", "list")):
        await pilot.press(key)
        await settle(pilot)
        await check(where)
        await pilot.press("escape")
        await settle(pilot)
    await pilot.press("f3")
    await settle(pilot)
    await check("login")
    await pilot.press("f7")
    await settle(pilot)
    assert type(pilot.app.screen).__name__ == "PasswordRecoveryScreen"
    await check("password recovery")
    await pilot.press("escape")
    await settle(pilot)
    await log_in(pilot, "liga", "demo1234")
    for tab in "1234":
        await pilot.press(tab)
        assert type(pilot.app.screen).__name__ == "AccountScreen"
        await check(f"account, tab {tab}")
    await pilot.press("2")
    await pilot.press("v")
    await settle(pilot)
    assert type(pilot.app.screen).__name__ == "FreeRequestScreen"
    await check("free request")
    await pilot.press("escape")
    await pilot.press("escape")
    await settle(pilot)
    await check("catalog, logged in")
    await to_record(pilot)
    await check("record, logged in")
    await pilot.press("enter")  # the first copy's dialog
    await settle(pilot)
    assert isinstance(pilot.app.screen, CopyDialog)
    await check("copy dialog")
    await pilot.press("escape")
    await settle(pilot)
    await pilot.press("f1")
    await settle(pilot)
    assert type(pilot.app.screen).__name__ == "KeysHelpDialog"
    await check("keys help")


@pytest.mark.parametrize("profile", ["kiosk", "ssh"])
async def test_every_kiosk_key_line_fits_80_columns(profile: str) -> None:
    app = make_app(profile=profile)
    async with app.run_test(size=(80, 24)) as pilot:
        app.animation_level = "none"

        async def check(where: str) -> None:
            await check_fits(pilot, where)

        await kiosk_walk(pilot, check)


async def test_the_record_and_account_lines_keep_f6_and_f10() -> None:
    """The lines the issue found cut: "... f3 Mana" with F4, F6, F10 gone."""
    app = make_app(profile="kiosk")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await logged_in(pilot)
        await pilot.press("3")
        lv, en = await check_fits(pilot, "account")
        for text in (lv, en):
            assert {"f2", "f6", "f10"} <= set(text.split())
        assert "P Pagarināt" in lv and "P Renew" in en
        await pilot.press("escape")
        await settle(pilot)
        await to_record(pilot)
        lv, en = await check_fits(pilot, "record")
        for text in (lv, en):
            assert {"f2", "f6", "f10"} <= set(text.split())


async def test_f1_lists_every_key_that_gave_way() -> None:
    app = make_app(profile="kiosk")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await logged_in(pilot)
        await pilot.press("3")
        await settle(pilot)
        line = " ".join(key_lines(app))
        assert "Esc Atpakaļ" not in line and "f1 Vairāk" in line
        await pilot.press("f1")
        await settle(pilot)
        assert type(app.screen).__name__ == "KeysHelpDialog"
        text = flat_text(app)
        for key in ("←→ Cilnes", "Esc Atpakaļ", "P Pagarināt", "V Veikt pasūtījumu",
                    "f2 Kontakti", "f3 Mana bibliotēka", "f4 Saraksts", "f6 English",
                    "f10 Iziet"):
            assert key in text
        await pilot.press("f6")
        await settle(pilot)
        assert "P Renew" in flat_text(app) and "Keys on this screen" in flat_text(app)
        await pilot.press("escape")
        await settle(pilot)
        assert type(app.screen).__name__ == "AccountScreen"


async def test_a_line_that_fits_is_as_before() -> None:
    """Where every key fits, nothing gives way and F1 is not shown."""
    app = make_app(profile="kiosk")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        (line,) = key_lines(app)
        assert "f1" not in line.split()
        assert "f3 Mana bibliotēka" in line and "f4 Saraksts" in line


# ------------------------------------------------------------------ the desk


async def test_every_desk_key_line_fits_80_columns() -> None:
    app = desk_app_factory(make_service())()
    async with app.run_test(size=(80, 24)) as pilot:

        async def check(where: str) -> None:
            await check_fits(pilot, where)

        pilot.app.animation_level = "none"
        await settle(pilot)
        await check("desk login")
        await desk_login(pilot)
        await pilot.press("n")  # a reason to reject the first reservation
        await settle(pilot)
        assert type(app.screen).__name__ == "ReasonDialog"
        await check("reason dialog")
        await pilot.press("escape")
        for tab in range(1, 7):
            assert app.screen.active_tab == TABS[tab - 1]
            await check(f"desk, tab {tab}")
            await pilot.press("ctrl+right")  # the digits go into a tab's field
        await pilot.press("ctrl+left")
        await settle(pilot)
        assert app.screen.active_tab == "patrons"
        await scan(pilot, "1000000003")
        await pilot.press("enter")
        await settle(pilot)
        assert type(app.screen).__name__ == "PatronAccountScreen"
        await check("patron")
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("f5")
        await settle(pilot)
        assert type(app.screen).__name__ == "CatalogScreen"
        await check("desk catalog")
