"""Extreme terminal sizes, from 1×1 to 300×100, and resizes between them never
crash the app, on every main screen and dialog. After the storm, the screen is
the one the patron was on, and at 80×24 it still reads as it should."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest
from argon2 import PasswordHasher
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from textual.pilot import Pilot

from screens.account import AccountScreen
from screens.catalog import CatalogScreen
from screens.contacts import ContactsScreen
from screens.free_request import FreeRequestScreen
from screens.dialogs.idle import IdleDialog
from screens.lists import ListScreen
from screens.dialogs.login import LoginScreen
from screens.dialogs.order import CopyDialog
from screens.dialogs.pin import StaffPinDialog
from screens.record import RecordScreen
from screens.dialogs.recovery import PasswordRecoveryScreen
from tests.screens.account_helpers import flat_text, log_in, settle
from tests.tui.kiosk_helpers import make_app, wait_until

GRID = [
    (1, 1), (2, 1), (1, 2), (3, 3), (10, 2), (2, 10), (20, 5), (40, 10), (79, 23), (80, 24),
    (120, 40), (300, 100), (300, 1), (1, 100), (200, 3), (5, 60), (80, 24),
]
"""Sizes walked through in this order; 80×24 last, to read the screen after."""

PIN_HASH = PasswordHasher().hash("2468")

Opener = Callable[[Pilot], Awaitable[None]]


async def to_catalog(pilot: Pilot) -> None:
    await settle(pilot)


async def to_record(pilot: Pilot) -> None:
    await settle(pilot)
    pilot.app.screen.query_one("#results").focus()
    await pilot.press("enter")
    await settle(pilot)


async def to_login(pilot: Pilot) -> None:
    await settle(pilot)
    await pilot.press("f3")
    await settle(pilot)


async def to_account(pilot: Pilot) -> None:
    await to_login(pilot)
    await log_in(pilot, "liga", "demo1234")
    await pilot.press("3")  # Izsniegumi
    await settle(pilot)


async def to_free_request(pilot: Pilot) -> None:
    await to_account(pilot)
    await pilot.press("v")
    await settle(pilot)


async def to_copy_dialog(pilot: Pilot) -> None:
    await to_account(pilot)
    await pilot.press("escape")
    await to_record(pilot)
    await pilot.press("enter")
    await settle(pilot)


async def to_recovery(pilot: Pilot) -> None:
    await to_login(pilot)
    await pilot.press("f7")
    await settle(pilot)


async def press_then_settle(pilot: Pilot, key: str) -> None:
    await settle(pilot)
    await pilot.press(key)
    await settle(pilot)


async def to_pin(pilot: Pilot) -> None:
    await press_then_settle(pilot, "f12")


async def to_idle(pilot: Pilot) -> None:
    await settle(pilot)
    app = pilot.app
    await pilot.press("a")
    app.idle_timeout = 0.05
    app.idle_countdown = 3600
    app._schedule_idle_check(0.05)
    await wait_until(pilot, lambda: isinstance(app.screen, IdleDialog), "asking")
    app.idle_timeout = 3600


SCREENS: dict[str, tuple[Opener, type]] = {
    "catalog": (to_catalog, CatalogScreen),
    "record": (to_record, RecordScreen),
    "contacts": (lambda p: press_then_settle(p, "f2"), ContactsScreen),
    "list": (lambda p: press_then_settle(p, "f4"), ListScreen),
    "login": (to_login, LoginScreen),
    "recovery": (to_recovery, PasswordRecoveryScreen),
    "account": (to_account, AccountScreen),
    "free request": (to_free_request, FreeRequestScreen),
    "copy dialog": (to_copy_dialog, CopyDialog),
    "staff pin": (to_pin, StaffPinDialog),
    "idle": (to_idle, IdleDialog),
}


@pytest.mark.parametrize("name", list(SCREENS))
async def test_every_screen_survives_extreme_sizes(name: str) -> None:
    opener, screen_type = SCREENS[name]
    app = make_app(profile="kiosk", staff_pin_hash=PIN_HASH)
    async with app.run_test(size=(80, 24)) as pilot:
        await opener(pilot)
        assert isinstance(app.screen, screen_type)
        for width, height in GRID:
            await pilot.resize_terminal(width, height)
            await pilot.pause()
            assert app.is_running, f"ended at {width}×{height}"
            assert app.size == (width, height)
            assert isinstance(app.screen, screen_type), f"left the screen at {width}×{height}"
        await settle(pilot)
        # Keys still work after the storm: the language switch relabels the
        # screen; the two dialogs without one close on a key.
        if screen_type in (StaffPinDialog, IdleDialog):
            await pilot.press("escape")
            await settle(pilot)
            assert isinstance(app.screen, CatalogScreen)
        else:
            before = flat_text(app)
            await pilot.press("f6")
            await settle(pilot)
            assert app.is_running and flat_text(app) != before


@pytest.mark.parametrize("size", [(1, 1), (2, 2), (300, 100), (300, 1), (1, 100)])
async def test_the_app_starts_and_is_used_at_an_extreme_size(size: tuple[int, int]) -> None:
    app = make_app(profile="kiosk")
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        for key in ("m", "a", "enter", "down", "enter", "f2", "escape", "f4", "escape", "f3",
                    "escape", "f6", "pagedown", "tab", "escape"):
            await pilot.press(key)
            await pilot.pause()
            assert app.is_running, key
        await settle(pilot)
        await pilot.resize_terminal(80, 24)
        await settle(pilot)
        assert app.is_running


sizes = st.tuples(st.integers(1, 300), st.integers(1, 100))


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=st.lists(sizes, min_size=1, max_size=12), screen=st.sampled_from(
    ["catalog", "record", "contacts", "login", "account"]))
def test_any_sequence_of_resizes(steps: list[tuple[int, int]], screen: str) -> None:
    opener, screen_type = SCREENS[screen]

    async def run() -> None:
        app = make_app(profile="kiosk")
        async with app.run_test(size=(80, 24)) as pilot:
            await opener(pilot)
            for width, height in steps:
                await pilot.resize_terminal(width, height)
            await settle(pilot)
            assert app.is_running and isinstance(app.screen, screen_type)

    asyncio.run(run())
