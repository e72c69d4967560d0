"""Helpers for the Pilot tests of the catalog side: what the patron sees and
how to get somewhere by keyboard."""

from __future__ import annotations

import io

from rich.console import Console
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import DataTable, Static

from services.models import CopyView, OfferKind, SearchQuery
from services.protocol import LibraryService


def screen_text(app: App) -> str:
    """The text on the terminal right now, as the patron reads it (dialogs included)."""
    width, height = app.size
    console = Console(
        width=width, height=height, file=io.StringIO(), force_terminal=True,
        color_system="truecolor", record=True, legacy_windows=False, safe_box=False,
    )
    update = app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    console.print(update)
    return console.export_text()


def flat(text: str) -> str:
    """``text`` with every run of whitespace (line breaks of wrapped text too) as one space."""
    return " ".join(text.split())


def static_text(app: App, selector: str) -> str:
    """The plain text a ``Static`` on the current screen shows."""
    widget = app.screen.query_one(selector, Static)
    return str(widget.render())


async def settle(pilot: Pilot) -> None:
    """Wait until every worker has answered and the screen has caught up."""
    for _ in range(3):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


async def type_text(pilot: Pilot, text: str) -> None:
    for char in text:
        await pilot.press(char if char != " " else "space")


def table_rows(table: DataTable) -> list[list[str]]:
    """Each row of ``table`` as the plain text of its cells."""
    return [
        [getattr(cell, "plain", str(cell)) for cell in table.get_row_at(index)]
        for index in range(table.row_count)
    ]


def column_labels(table: DataTable) -> list[str]:
    return [column.label.plain for column in table.columns.values()]


async def find_copy(
    service: LibraryService, kind: OfferKind, *, with_due: bool | None = None, limit: int = 400
) -> tuple[int, str, int, CopyView]:
    """A record with a copy offering ``kind``: (record id, title, copy index, copy).

    Test setup only: the patron's side of each test drives the screens.
    """
    offset = 0
    while offset < limit:
        page = await service.search(SearchQuery(offset=offset, limit=50))
        for hit in page.items:
            copies = await service.copies(hit.id, 0, 50)
            for index, view in enumerate(copies.items):
                if view.offer.kind is not kind:
                    continue
                if with_due is not None and (view.offer.due is not None) != with_due:
                    continue
                return hit.id, hit.title, index, view
        if not page.has_next:
            break
        offset += 50
    raise LookupError(f"the demo region has no copy offering {kind}")


async def open_record(pilot: Pilot, record_id: int) -> None:
    """From the catalog: search for nothing, move to the record's row, press Enter.

    When the record is not on the first page, it is opened from the catalog
    screen as Enter on its row would (``open_record``).
    """
    from screens.catalog import CatalogScreen
    from widgets.record_table import RecordTable

    screen = pilot.app.screen
    assert isinstance(screen, CatalogScreen)
    await settle(pilot)
    table = screen.query_one(RecordTable)
    ids = [row.id for row in table.rows_shown]
    if record_id in ids:
        table.focus()
        await pilot.pause()
        for _ in range(ids.index(record_id) - table.cursor_row):
            await pilot.press("down")
        await pilot.press("enter")
    else:
        screen.open_record(record_id)
    await settle(pilot)


async def move_to_copy(pilot: Pilot, index: int) -> None:
    """On the record screen: arrow down to the copy at ``index`` (of the first page)."""
    from widgets.copy_table import CopyTable

    table = pilot.app.screen.query_one(CopyTable)
    table.focus()
    await pilot.pause()
    for _ in range(index - table.cursor_row):
        await pilot.press("down")
    await pilot.pause()


async def order_copy(pilot: Pilot, record_id: int, index: int) -> None:
    """From the catalog, logged in: open the record, Enter on the copy at
    ``index``, "Pasūtīt" in the order dialog; the dialog says it is ordered."""
    from screens.dialogs.order import OrderDialog
    from screens.record import RecordScreen
    from tests.screens.account_helpers import flat_text

    await open_record(pilot, record_id)
    assert isinstance(pilot.app.screen, RecordScreen)
    await move_to_copy(pilot, index)
    await pilot.press("enter")
    await settle(pilot)
    assert isinstance(pilot.app.screen, OrderDialog)
    await pilot.press("enter")  # "Pasūtīt"
    await settle(pilot)
    assert "Pasūtīts!" in flat_text(pilot.app)
