"""Snapshots of the desk at 80×24 and 120×40, on the demo region with the
clock fixed (so every date on screen stays the same), as Aizkraukle's
librarian."""

from __future__ import annotations

import pytest

from tests.screens.account_helpers import settle, type_text
from tests.screens.desk_helpers import (
    copies_of,
    desk_app_factory,
    desk_login,
    lendable,
    reading_room,
    scan,
)

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]


@pytest.fixture
def make_desk_app(service):
    return desk_app_factory(service)


@pytest.mark.parametrize("size", SIZES)
def test_desk_login(snap_compare, make_desk_app, size) -> None:
    async def run_before(pilot) -> None:
        pilot.app.animation_level = "none"
        await settle(pilot)

    assert snap_compare(make_desk_app(), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_desk_reservations(snap_compare, make_desk_app, size) -> None:
    async def run_before(pilot) -> None:
        await desk_login(pilot)
        await pilot.press("a")
        await settle(pilot)

    assert snap_compare(make_desk_app(), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_desk_reject_reason(snap_compare, make_desk_app, size) -> None:
    async def run_before(pilot) -> None:
        await desk_login(pilot)
        await pilot.press("n")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)

    assert snap_compare(make_desk_app(), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_desk_renewals(snap_compare, make_desk_app, size) -> None:
    async def run_before(pilot) -> None:
        await desk_login(pilot)
        await pilot.press("2")
        await settle(pilot)

    assert snap_compare(make_desk_app(), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_desk_free_requests(snap_compare, make_desk_app, size) -> None:
    async def run_before(pilot) -> None:
        await desk_login(pilot)
        await pilot.press("3")
        await settle(pilot)

    assert snap_compare(make_desk_app(), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_desk_checkout(snap_compare, make_desk_app, service, size) -> None:
    async def run_before(pilot) -> None:
        lent = await copies_of(service, "aizk", lendable, count=2)
        (room,) = await copies_of(service, "aizk", reading_room)
        await desk_login(pilot)
        await pilot.press("4")
        await scan(pilot, "1000000003")
        await scan(pilot, *(c.item.barcode for c in lent), room.item.barcode)

    assert snap_compare(make_desk_app(), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_desk_checkout_blocked(snap_compare, make_desk_app, size) -> None:
    async def run_before(pilot) -> None:
        await desk_login(pilot)
        await pilot.press("4")
        await scan(pilot, "1000000002")

    assert snap_compare(make_desk_app(), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_desk_checkin_hold_shelf(snap_compare, make_desk_app, service, size) -> None:
    async def run_before(pilot) -> None:
        (lendable_copy,) = await copies_of(service, "aizk", lendable)
        queued = await copies_of(
            service, "aizk",
            lambda v: v.offer.due is not None and v.offer.queue_length >= 1,
        )
        await desk_login(pilot)
        await pilot.press("5")
        await scan(pilot, lendable_copy.item.barcode, queued[0].item.barcode)

    assert snap_compare(make_desk_app(), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_desk_patrons(snap_compare, make_desk_app, size) -> None:
    async def run_before(pilot) -> None:
        await desk_login(pilot)
        await pilot.press("6")
        await type_text(pilot, "ozol")
        await pilot.press("enter")
        await settle(pilot)

    assert snap_compare(make_desk_app(), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_desk_patron_account(snap_compare, make_desk_app, size) -> None:
    async def run_before(pilot) -> None:
        await desk_login(pilot)
        await pilot.press("6")
        await type_text(pilot, "1000000003")
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)

    assert snap_compare(make_desk_app(), terminal_size=size, run_before=run_before)
