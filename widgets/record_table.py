"""A table of catalog records: search results (R1) or the patron's list (R4).

Each row's key is the record id. A ``FitTable``: cells are plain data, cut
with "…" to fit the table's width, so a long title never pushes the other
columns out of sight on an 80-column terminal. The title takes the spare room
up to ``TITLE_WIDTH``; on a larger terminal the other columns share the rest.

The catalog's first frame has an empty table, drawn before the domain models
(pydantic) are imported: the names of material types (``widgets.record_view``,
which imports them) are looked up once there are rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.binding import Binding

from tui.i18n import texts, tr
from widgets.fit_table import Cell, Column, FitTable

if TYPE_CHECKING:
    from services.models import MaterialType, Record, SearchHit

texts(
    {
        "table.title": ("Nosaukums", "Title"),
        "table.author": ("Autors", "Author"),
        "table.year": ("Gads", "Year"),
        "table.type": ("Veids", "Type"),
        "table.copies": ("Pieejami", "Available"),
        "table.copies_value": ("{available} no {copies}", "{available} of {copies}"),
        "table.key.open": ("Skatīt", "View"),
    }
)

TITLE_WIDTH = 72
"""The title column grows up to this many cells (a line's readable measure)."""


@dataclass(frozen=True)
class Row:
    id: int
    title: str
    authors: list[str]
    year: int | None
    material_type: MaterialType
    available: int | None = None
    copies: int | None = None


class RecordTable(FitTable):
    """Records with title, author, year, type and (for search hits) copies available."""

    BINDINGS = [Binding("enter", "select_cursor", "table.key.open", key_display="Enter")]

    def __init__(self, *, with_copies: bool = True, id: str | None = None) -> None:
        super().__init__(id=id)
        self.with_copies = with_copies
        self.language = "lv"
        self.rows_shown: list[Row] = []

    # ------------------------------------------------------------------ data

    def show_hits(
        self, hits: Sequence[SearchHit], language: str, keep_cursor: bool = False
    ) -> None:
        rows = [
            Row(h.id, h.title, h.authors, h.year, h.material_type, h.available, h.copies)
            for h in hits
        ]
        self._show(rows, language, keep_cursor)

    def show_records(
        self, records: Sequence[Record], language: str, keep_cursor: bool = False
    ) -> None:
        rows = [Row(r.id, r.title, r.authors, r.year, r.material_type) for r in records]
        self._show(rows, language, keep_cursor)

    def relabel(self, language: str) -> None:
        """Show the same rows in ``language``, keeping the cursor where it was."""
        self._show(self.rows_shown, language, keep_cursor=True)

    @property
    def current_id(self) -> int | None:
        """The record id under the cursor, if any."""
        if not self.rows_shown or not 0 <= self.cursor_row < len(self.rows_shown):
            return None
        return self.rows_shown[self.cursor_row].id

    # ---------------------------------------------------------------- layout

    def _columns(self, language: str) -> list[Column]:
        columns = [
            Column(
                "title",
                tr("table.title", language),
                flex=True,
                min_width=10,
                grow=1,
                max_width=TITLE_WIDTH,
            ),
            Column("author", tr("table.author", language), flex=True, min_width=10, spread=2),
            Column("year", tr("table.year", language), spread=1),
            Column("type", tr("table.type", language), spread=1),
        ]
        if self.with_copies:
            columns.append(Column("copies", tr("table.copies", language), spread=1))
        return columns

    def _cells(self, row: Row, language: str) -> list[object]:
        from widgets.record_view import material_name

        cells: list[object] = [
            Cell(row.title, "bold"),
            "; ".join(row.authors),
            row.year or "",
            material_name(row.material_type, language),
        ]
        if self.with_copies:
            copies = tr("table.copies_value", language, available=row.available, copies=row.copies)
            cells.append(Cell(copies, "bold" if row.available else "dim"))
        return cells

    def _show(self, rows: list[Row], language: str, keep_cursor: bool = False) -> None:
        self.language = language
        self.rows_shown = list(rows)
        self.show(
            self._columns(language),
            [(str(row.id), self._cells(row, language)) for row in rows],
            keep=keep_cursor,
        )
