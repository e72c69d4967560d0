"""Snapshots of the catalog side at 80×24 and 120×40: what a patron sees.

The clock is fixed (conftest), so dates on screen are stable. Update with
``uv run pytest tests/screens/test_snapshots_catalog.py --snapshot-update``
and look at the SVGs in ``__snapshots__/`` before committing them.
"""

from __future__ import annotations

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from services.demo_data import DEMO_PASSWORD
from services.models import OfferKind
from tests.screens.catalog_helpers import (
    find_copy,
    move_to_copy,
    open_record,
    settle,
    type_text,
)

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]


def _quiet(pilot: Pilot) -> None:
    pilot.app.animation_level = "none"


async def _still(pilot: Pilot) -> None:
    """No blinking text cursor: the snapshot must not depend on the blink phase."""
    for screen in pilot.app.screen_stack:
        for field in screen.query(Input):
            field.cursor_blink = False
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES)
def test_catalog_search(snap_compare, make_app, size):
    async def run_before(pilot: Pilot) -> None:
        _quiet(pilot)
        await settle(pilot)
        await type_text(pilot, "blaumanis")
        await pilot.press("enter")
        await settle(pilot)
        await _still(pilot)

    assert snap_compare(make_app(), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_catalog_english(snap_compare, make_app, size):
    async def run_before(pilot: Pilot) -> None:
        _quiet(pilot)
        await settle(pilot)
        await _still(pilot)

    assert snap_compare(make_app(language="en"), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_record_with_copies(snap_compare, make_app, service, size):
    async def run_before(pilot: Pilot) -> None:
        _quiet(pilot)
        record_id, _title, index, _view = await find_copy(service, OfferKind.QUEUE, with_due=True)
        await open_record(pilot, record_id)
        await move_to_copy(pilot, index)
        await _still(pilot)

    assert snap_compare(make_app(), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_marc_view(snap_compare, make_app, size):
    async def run_before(pilot: Pilot) -> None:
        _quiet(pilot)
        await open_record(pilot, 1)  # "Mērnieku laiki": an edition, a series, notes, a link
        await pilot.press("m")
        await settle(pilot)
        await _still(pilot)

    assert snap_compare(make_app(), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_order_dialog(snap_compare, make_app, service, size):
    async def run_before(pilot: Pilot) -> None:
        _quiet(pilot)
        record_id, _title, index, _view = await find_copy(service, OfferKind.ORDER)
        pilot.app.session = await service.login("anna", DEMO_PASSWORD)
        await open_record(pilot, record_id)
        await move_to_copy(pilot, index)
        await pilot.press("enter")
        await settle(pilot)
        await _still(pilot)

    assert snap_compare(make_app(), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_queue_joined(snap_compare, make_app, service, size):
    async def run_before(pilot: Pilot) -> None:
        _quiet(pilot)
        record_id, _title, index, _view = await find_copy(service, OfferKind.QUEUE, with_due=True)
        pilot.app.session = await service.login("anna", DEMO_PASSWORD)
        await open_record(pilot, record_id)
        await move_to_copy(pilot, index)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await _still(pilot)

    assert snap_compare(make_app(), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_list_with_records(snap_compare, make_app, service, size):
    async def run_before(pilot: Pilot) -> None:
        _quiet(pilot)
        from services.models import SearchQuery

        page = await service.search(SearchQuery(limit=3))
        for hit in page.items:
            await open_record(pilot, hit.id)
            await pilot.press("s", "escape")
            await settle(pilot)
        await pilot.press("f4")
        await settle(pilot)
        pilot.app.clear_notifications()
        await _still(pilot)

    assert snap_compare(make_app(), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_list_empty(snap_compare, make_app, size):
    async def run_before(pilot: Pilot) -> None:
        _quiet(pilot)
        await settle(pilot)
        await pilot.press("f4")
        await settle(pilot)
        await _still(pilot)

    assert snap_compare(make_app(), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_contacts(snap_compare, make_app, size):
    async def run_before(pilot: Pilot) -> None:
        _quiet(pilot)
        await settle(pilot)
        await pilot.press("f2")
        await settle(pilot)
        await _still(pilot)

    assert snap_compare(make_app(), terminal_size=size, run_before=run_before)


def test_catalog_search_200x60(snap_compare, make_app):
    """A large terminal: the title gets its share, the other columns spread out."""

    async def run_before(pilot: Pilot) -> None:
        _quiet(pilot)
        await settle(pilot)
        await type_text(pilot, "blaumanis")
        await pilot.press("enter")
        await settle(pilot)
        await _still(pilot)

    assert snap_compare(make_app(), terminal_size=(200, 60), run_before=run_before)
