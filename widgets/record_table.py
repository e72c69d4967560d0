"""A table of catalog records: search results (R1) or the patron's list (R4).

Each row's key is the record id. Cells are plain data (``Text``), cut with
"…" to fit the table's width, so a long title never pushes the other columns
out of sight on an 80-column terminal.

The catalog's first frame has an empty table, drawn before the domain models
(pydantic) are imported: the names of material types (``widgets.record_view``,
which imports them) are looked up once there are rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.widgets import DataTable

from tui.i18n import texts, tr
from tui.safe import clean

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

SCROLLBAR = 2
"""Room kept for the vertical scrollbar."""


def cell(value: object, style: str = "") -> Text:
    """One line of outside data for a table cell: never markup, cut with "…"."""
    return Text(clean(value, newlines=False), style=style, no_wrap=True, overflow="ellipsis", end="")


def fit_widths(natural: list[int], flexible: list[bool], room: int, minimum: int = 8) -> list[int]:
    """Column widths: ``natural`` when they fit in ``room``, otherwise the
    ``flexible`` columns give up cells (the widest first) down to ``minimum``."""
    widths = list(natural)
    while sum(widths) > room:
        candidates = [i for i, flex in enumerate(flexible) if flex and widths[i] > minimum]
        if not candidates:
            break
        widest = max(candidates, key=lambda i: widths[i])
        widths[widest] -= 1
    return widths


@dataclass(frozen=True)
class Row:
    id: int
    title: str
    authors: list[str]
    year: int | None
    material_type: MaterialType
    available: int | None = None
    copies: int | None = None


class RecordTable(DataTable[Text]):
    """Records with title, author, year, type and (for search hits) copies available."""

    DEFAULT_CSS = """
    RecordTable { height: 1fr; }
    """

    BINDINGS = [Binding("enter", "select_cursor", "table.key.open", key_display="Enter")]

    def __init__(self, *, with_copies: bool = True, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
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

    def on_resize(self, event: events.Resize) -> None:
        if self.columns:
            self._show(self.rows_shown, self.language, keep_cursor=True)

    def _widths(self, rows: list[Row], language: str) -> list[int]:
        from widgets.record_view import material_name

        width = self.size.width or self.app.size.width
        headers = ["table.title", "table.author", "table.year", "table.type"]
        values: list[list[str]] = [
            [row.title for row in rows],
            ["; ".join(row.authors) for row in rows],
            ["0000"],
            [material_name(row.material_type, language) for row in rows],
        ]
        flexible = [True, True, False, False]
        if self.with_copies:
            headers.append("table.copies")
            values.append([self._copies(row, language) for row in rows])
            flexible.append(False)
        natural = [
            max([len(tr(header, language)), *(len(v) for v in column)])
            for header, column in zip(headers, values)
        ]
        room = width - SCROLLBAR - 2 * len(natural)
        widths = fit_widths(natural, flexible, room, minimum=10)
        widths[0] += max(0, room - sum(widths))  # the title takes what is left
        return widths

    @staticmethod
    def _copies(row: Row, language: str) -> str:
        return tr("table.copies_value", language, available=row.available, copies=row.copies)

    def _show(self, rows: list[Row], language: str, keep_cursor: bool = False) -> None:
        from widgets.record_view import material_name

        row_index = self.cursor_row if keep_cursor else 0
        self.language = language
        self.rows_shown = list(rows)
        widths = self._widths(self.rows_shown, language)
        self.clear(columns=True)
        keys = ["title", "author", "year", "type", "copies"]
        for key, width in zip(keys, widths):
            self.add_column(cell(tr(f"table.{key}", language)), width=width, key=key)
        for row in rows:
            cells = [
                cell(row.title, "bold"),
                cell("; ".join(row.authors)),
                cell(row.year or ""),
                cell(material_name(row.material_type, language)),
            ]
            if self.with_copies:
                cells.append(cell(self._copies(row, language), "bold" if row.available else "dim"))
            self.add_row(*cells, key=str(row.id))
        if rows:
            self.move_cursor(row=min(row_index, len(rows) - 1), animate=False)
