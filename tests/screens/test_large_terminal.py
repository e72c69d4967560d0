"""A large terminal used well (issue 12): at 200×60 the catalog's columns
share the room and the account's detail sits beside the rows; at 120×40 the
catalog's title still takes the spare room."""

from __future__ import annotations

from tests.screens.account_helpers import log_in, settle, type_text
from widgets.record_table import RecordTable


async def test_catalog_at_200x60_spreads_its_columns(make_app) -> None:
    async with make_app().run_test(size=(200, 60)) as pilot:
        await settle(pilot)
        await type_text(pilot, "blaumanis")
        await pilot.press("enter")
        await settle(pilot)
        table = pilot.app.screen.query_one(RecordTable)
        widths = {str(key.value): column.width for key, column in table.columns.items()}
        assert 40 <= widths["title"] <= 100  # its share, not 150 columns
        assert widths["author"] >= 30
        assert min(widths["year"], widths["type"], widths["copies"]) >= 12
        assert sum(w + 2 for w in widths.values()) >= 200 - 2


async def test_catalog_at_120x40_gives_the_spare_room_to_the_title(make_app) -> None:
    async with make_app().run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await type_text(pilot, "blaumanis")
        await pilot.press("enter")
        await settle(pilot)
        table = pilot.app.screen.query_one(RecordTable)
        widths = [column.width for column in table.columns.values()]
        assert widths[1:] == [18, 4, 12, 8]  # author, year, type, copies: their natural width


async def test_account_detail_at_200x60_sits_beside_the_rows(make_app) -> None:
    async with make_app().run_test(size=(200, 60)) as pilot:
        await settle(pilot)
        await pilot.press("f3")
        await settle(pilot)
        await log_in(pilot, "liga", "demo1234")
        screen = pilot.app.screen
        table = screen.query_one("#reserved-table")
        detail = screen.query_one("#reserved-detail")
        assert "Mazais princis" in str(detail.render())
        assert detail.region.y <= table.region.y + table.row_count
        assert detail.region.x >= table.region.x + 80
