"""A read-only ``DataTable`` of plain data that fits the terminal's width.

Every cell is outside data: it is cleaned of control characters and shown as
``Content`` (never markup). Columns take their natural width; when the table
is narrower than that (80 columns), the ``flex`` columns give up room and
their cells end in "…", so the columns on the right stay in view. The full
text of the highlighted row belongs in a detail line next to the table.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

from rich.cells import cell_len
from rich.text import Text
from textual import events
from textual.content import Content
from textual.widgets import DataTable

from tui.safe import clean

SCROLLBAR = 1
"""Room kept for the vertical scrollbar."""


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    flex: bool = False
    """May be shortened (with "…") when the table is too narrow."""
    min_width: int = 8
    optional: bool = False
    """Left out when the table is too narrow for every column (the detail line still says it)."""


def shorten(text: str, width: int) -> str:
    """``text`` cut to ``width`` cells, ending in "…" when cut."""
    if cell_len(text) <= width:
        return text
    out = ""
    for char in text:
        if cell_len(out + char) > width - 1:
            break
        out += char
    return out + "…"


def header(label: str, width: int) -> tuple[str, int]:
    """``label`` in ``width`` cells: on one line, or wrapped onto two; and its height."""
    if cell_len(label) <= width:
        return label, 1
    lines = textwrap.wrap(label, width) or [label]
    if len(lines) == 1:
        return shorten(label, width), 1
    second = " ".join(lines[1:])
    return f"{shorten(lines[0], width)}\n{shorten(second, width)}", 2


def fit_widths(
    natural: Sequence[int], flex: Sequence[bool], minimum: Sequence[int], room: int
) -> list[int]:
    """Column widths that fit ``room``: the widest flex column gives up a cell
    first, none below its minimum (the table scrolls if even that is too wide)."""
    widths = list(natural)
    over = sum(widths) - room
    while over > 0:
        candidates = [i for i, f in enumerate(flex) if f and widths[i] > minimum[i]]
        if not candidates:
            break
        widest = max(candidates, key=lambda i: (widths[i], i))
        widths[widest] -= 1
        over -= 1
    return widths


def _half(label: str) -> int:
    """The width in which ``label`` wraps onto at most two lines."""
    words = label.split()
    longest = max((cell_len(w) for w in words), default=0)
    width = max(longest, (cell_len(label) + 1) // 2)
    while len(textwrap.wrap(label, width)) > 2:
        width += 1
    return width


def _grow(compact: list[int], natural: list[int], room: int) -> list[int]:
    """``compact`` widths given the spare room back, towards ``natural``, one cell at a time."""
    widths = list(compact)
    spare = room - sum(widths)
    while spare > 0:
        wanting = [i for i, w in enumerate(widths) if w < natural[i]]
        if not wanting:
            break
        for i in wanting:
            if spare == 0:
                break
            widths[i] += 1
            spare -= 1
    return widths


class FitTable(DataTable):  # type: ignore[type-arg]
    """A row-cursor table of plain data; ``show(columns, rows)`` fills it."""

    DEFAULT_CSS = """
    FitTable { height: 1fr; scrollbar-size-vertical: 1; }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes, cursor_type="row", zebra_stripes=True)
        self._columns_spec: list[Column] = []
        self._rows_spec: list[tuple[str, list[str]]] = []
        self._fitted_for = -1

    def show(self, columns: Sequence[Column], rows: Sequence[tuple[str, Sequence[object]]]) -> None:
        """Replace the content; the cursor stays on the same row key if it is still there."""
        self._columns_spec = list(columns)
        self._rows_spec = [(key, [clean(c, newlines=False) for c in cells]) for key, cells in rows]
        self._render_rows()

    @property
    def selected_key(self) -> str | None:
        """The key of the row under the cursor, or None for an empty table."""
        if self.row_count == 0:
            return None
        index = min(max(self.cursor_row, 0), self.row_count - 1)
        return self._rows_spec[index][0] if index < len(self._rows_spec) else None

    def select_key(self, key: str) -> None:
        """Move the cursor to the row ``key`` (nothing happens if it is not there)."""
        for index, (row_key, _cells) in enumerate(self._rows_spec):
            if row_key == key:
                self.move_cursor(row=index)
                return

    def row_text(self, key: str) -> list[str]:
        """The full (unshortened) cells of row ``key``."""
        for row_key, cells in self._rows_spec:
            if row_key == key:
                return list(cells)
        raise KeyError(key)

    def rows_text(self) -> list[list[str]]:
        """Every row's full cells, in order."""
        return [list(cells) for _key, cells in self._rows_spec]

    def _room(self, columns: int) -> int:
        width = self.size.width or max(self.app.size.width - 2, 20)
        return width - SCROLLBAR - 2 * self.cell_padding * columns

    def _layout(self) -> tuple[list[int], list[int]]:
        """The columns shown (indexes) and their widths.

        Long headers wrap onto two lines first; then ``optional`` columns are
        left out while even the shortest layout does not fit; then flex
        columns are shortened.
        """
        columns = self._columns_spec
        cells = [[cell_len(row[i]) for _k, row in self._rows_spec] for i in range(len(columns))]
        natural = [max([cell_len(col.label), *cells[i]]) for i, col in enumerate(columns)]
        compact = [max([_half(col.label), *cells[i]]) for i, col in enumerate(columns)]
        smallest = [
            min(compact[i], col.min_width) if col.flex else compact[i]
            for i, col in enumerate(columns)
        ]
        shown = list(range(len(columns)))
        for i, col in enumerate(columns):
            if col.optional and sum(smallest[j] for j in shown) > self._room(len(shown)):
                shown.remove(i)
        room = self._room(len(shown))
        want = [natural[i] for i in shown]
        if sum(want) > room:
            least = [compact[i] for i in shown]
            want = _grow(least, want, room) if sum(least) <= room else least
        widths = fit_widths(
            want, [columns[i].flex for i in shown], [columns[i].min_width for i in shown], room
        )
        return shown, widths

    def _render_rows(self) -> None:
        keep = self.selected_key
        shown, widths = self._layout()
        columns = [self._columns_spec[i] for i in shown]
        self._fitted_for = self.size.width
        self.clear(columns=True)
        labels = [header(col.label, width) for col, width in zip(columns, widths, strict=True)]
        self.header_height = max((height for _label, height in labels), default=1)
        for col, width, (label, _height) in zip(columns, widths, labels, strict=True):
            self.add_column(Text(label), key=col.key, width=width)
        for key, cells in self._rows_spec:
            self.add_row(
                *(
                    Content(shorten(cells[i], width))
                    for i, width in zip(shown, widths, strict=True)
                ),
                key=key,
            )
        if keep is not None:
            self.select_key(keep)

    def on_resize(self, event: events.Resize) -> None:
        if self._columns_spec and event.size.width != self._fitted_for:
            self._render_rows()
