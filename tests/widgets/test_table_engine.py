"""The one table engine (widgets/fit_table.py) under the catalog's results, a
record's copies and the account's tables: how columns share the room, short
forms, and where the cursor stays (issue 12)."""

from __future__ import annotations

from textual.app import App, ComposeResult

from widgets.fit_table import Cell, Column, FitTable, fit_widths, share


def test_flex_columns_give_up_room_widest_first() -> None:
    assert fit_widths([30, 20, 4], [True, True, False], [10, 10, 4], 44) == [20, 20, 4]
    assert fit_widths([30, 20, 4], [True, True, False], [10, 10, 4], 10) == [10, 10, 4]


def test_spare_room_goes_by_weight_and_stops_at_the_limit() -> None:
    assert share([10, 10, 10], [1, 0, 0], [None, None, None], 50) == [30, 10, 10]
    assert share([10, 10, 10], [1, 0, 0], [15, None, None], 50) == [15, 10, 10]
    assert share([10, 10, 10], [0, 2, 1], [None, None, None], 42) == [10, 18, 14]


class _One(App[None]):
    def compose(self) -> ComposeResult:
        yield FitTable(id="t")


async def test_short_forms_replace_full_texts_only_when_those_do_not_fit() -> None:
    columns = [Column("library", "Library", flex=True, grow=1), Column("shelf", "Shelf")]
    rows = [("a", [Cell("Aizkraukles novada centrālā bibliotēka", short="Aizkraukle"), "821"])]
    for width, shown in ((120, "Aizkraukles novada centrālā bibliotēka"), (30, "Aizkraukle")):
        app = _One()
        async with app.run_test(size=(width, 10)) as pilot:
            table = app.query_one(FitTable)
            table.show(columns, rows)
            await pilot.pause()
            assert table.get_row_at(0)[0].plain == shown
            assert table.row_text("a")[0] == "Aizkraukles novada centrālā bibliotēka"


async def test_cursor_stays_on_its_row_or_its_place() -> None:
    columns = [Column("title", "Title")]
    app = _One()
    async with app.run_test(size=(80, 10)) as pilot:
        table = app.query_one(FitTable)
        table.show(columns, [(k, [k]) for k in "abc"])
        table.move_cursor(row=1)
        table.show(columns, [(k, [k]) for k in "xbc"])
        assert table.selected_key == "b"
        table.show(columns, [(k, [k]) for k in "ac"])  # "b" is gone: the same place
        assert table.selected_key == "c"
        table.show(columns, [(k, [k]) for k in "ac"], keep=False)
        assert table.selected_key == "a"
        await pilot.pause()
