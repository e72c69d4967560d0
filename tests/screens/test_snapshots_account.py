"""Snapshots of the account side at 80×24 and 120×40, on the demo region with
the clock fixed (so every date on screen stays the same)."""

from __future__ import annotations

import pytest

from tests.screens.account_helpers import log_in, settle, type_text

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]


async def _login(pilot, username: str, password: str = "demo1234") -> None:
    pilot.app.animation_level = "none"
    await settle(pilot)
    await pilot.press("f3")
    await settle(pilot)
    await log_in(pilot, username, password)


@pytest.mark.parametrize("size", SIZES)
def test_login_failed(snap_compare, make_app, size) -> None:
    async def run_before(pilot) -> None:
        await _login(pilot, "liga", "not-the-password")

    assert snap_compare(make_app(), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_recovery_code_step(snap_compare, make_app, size) -> None:
    async def run_before(pilot) -> None:
        pilot.app.animation_level = "none"
        await settle(pilot)
        await pilot.press("f3")
        await settle(pilot)
        await type_text(pilot, "liga")
        await pilot.press("f7")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_account_reserved(snap_compare, make_app, size) -> None:
    async def run_before(pilot) -> None:
        await _login(pilot, "liga")

    assert snap_compare(make_app(), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_account_free_requests(snap_compare, make_app, size) -> None:
    async def run_before(pilot) -> None:
        await _login(pilot, "liga")
        await pilot.press("2")
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_account_loans_overdue(snap_compare, make_app, size) -> None:
    async def run_before(pilot) -> None:
        await _login(pilot, "janis")
        await pilot.press("3")
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_confirm_cancel(snap_compare, make_app, size) -> None:
    async def run_before(pilot) -> None:
        await _login(pilot, "liga")
        await pilot.press("a")
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_free_request_missing_title(snap_compare, make_app, size) -> None:
    async def run_before(pilot) -> None:
        await _login(pilot, "liga")
        await pilot.press("v")
        await settle(pilot)
        await type_text(pilot, "-")
        await pilot.press("f9")
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=size, run_before=run_before)


def test_account_reserved_200x60(snap_compare, make_app) -> None:
    """A large terminal: the highlighted row's detail beside the rows."""

    async def run_before(pilot) -> None:
        await _login(pilot, "liga")

    assert snap_compare(make_app(), terminal_size=(200, 60), run_before=run_before)


def test_account_loans_200x60(snap_compare, make_app) -> None:
    async def run_before(pilot) -> None:
        await _login(pilot, "janis")
        await pilot.press("3")
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=(200, 60), run_before=run_before)
