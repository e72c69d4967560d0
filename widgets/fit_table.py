"""A read-only ``DataTable`` of plain data that fits the terminal's width.

Every cell is outside data: it is cleaned of control characters and shown as
``Text`` (never markup). Columns take their natural width; when the table
is narrower than that (80 columns), the ``flex`` columns give up room and
their cells end in "…", so the columns on the right stay in view. When it is
wider, the ``grow`` columns take the spare room (up to their ``max_width``)
and the ``spread`` columns share what is left, so a large terminal spreads
the columns out instead of leaving the room in one column. The full text of
the highlighted row belongs in a detail line next to the table.

The one table engine of mana: the catalog's results (``RecordTable``), a
record's copies (``CopyTable``), the account's and the desk's tables.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

from rich.cells import cell_len
from rich.text import Text
from textual import events
from textual.widgets import DataTable

from tui.safe import clean

SCROLLBAR = 1
"""Room kept for the vertical scrollbar (its width, DEFAULT_CSS below)."""


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    flex: bool = False
    """May be shortened (with "…") when the table is too narrow."""
    min_width: int = 8
    optional: bool = False
    """Left out when the table is too narrow for every column (the detail line still says it)."""
    grow: int = 0
    """Its weight in sharing the spare room (beyond every column's natural width)."""
    max_width: int | None = None
    """A ``grow`` column takes spare room up to this width (None: all there is)."""
    spread: int = 0
    """Its weight in sharing what the ``grow`` columns leave (a very wide terminal)."""


@dataclass(frozen=True)
class Cell:
    """A cell with a style, or with a shorter form for a narrow table."""

    text: object
    style: str = ""
    short: object = None
    """Shown instead of ``text`` when the full texts do not fit (a library's short name)."""


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


def share(
    widths: Sequence[int], weights: Sequence[int], limits: Sequence[int | None], room: int
) -> list[int]:
    """``widths`` given the spare room up to ``room``, by weight, none past its limit."""
    widths = list(widths)
    spare = room - sum(widths)
    while spare > 0:
        left = [
            (spare if limit is None else limit - width) if weight > 0 else 0
            for width, weight, limit in zip(widths, weights, limits, strict=True)
        ]
        wanting = [i for i, cells in enumerate(left) if cells > 0]
        if not wanting:
            break
        for i in wanting:
            step = min(weights[i], spare, left[i])
            widths[i] += step
            spare -= step
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
        self._short: list[list[str | None]] = []
        self._styles: list[list[str]] = []
        self._fitted_for = -1

    def show(
        self,
        columns: Sequence[Column],
        rows: Sequence[tuple[str, Sequence[object]]],
        *,
        keep: bool = True,
    ) -> None:
        """Replace the content. A cell is any value, or a ``Cell`` with a style.

        With ``keep`` the cursor stays on the same row key if it is still there,
        else at the same place; without, it goes to the first row.
        """
        keep_key, keep_row = (self.selected_key, self.cursor_row) if keep else (None, 0)
        self._columns_spec = list(columns)
        self._rows_spec, self._short, self._styles = [], [], []
        for key, cells in rows:
            parts = [c if isinstance(c, Cell) else Cell(c) for c in cells]
            self._rows_spec.append((key, [clean(c.text, newlines=False) for c in parts]))
            self._short.append(
                [None if c.short is None else clean(c.short, newlines=False) for c in parts]
            )
            self._styles.append([c.style for c in parts])
        self._render_rows(keep_key, keep_row)

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

    def _texts(self, short: bool) -> list[list[str]]:
        """Each row's cells as shown: the short forms where asked and given."""
        if not short:
            return [cells for _key, cells in self._rows_spec]
        return [
            [s if s is not None else c for c, s in zip(cells, shorts, strict=True)]
            for (_key, cells), shorts in zip(self._rows_spec, self._short, strict=True)
        ]

    def _natural(self, texts: list[list[str]]) -> list[int]:
        return [
            max([cell_len(col.label), *(cell_len(row[i]) for row in texts)])
            for i, col in enumerate(self._columns_spec)
        ]

    def _layout(self) -> tuple[list[int], list[int], list[list[str]]]:
        """The columns shown (indexes), their widths and the rows' texts.

        Short forms replace the full texts when those do not fit; long headers
        wrap onto two lines; then ``optional`` columns are left out while even
        the shortest layout does not fit; then flex columns are shortened. Spare
        room goes to the ``grow`` columns, then to the ``spread`` ones.
        """
        columns = self._columns_spec
        texts = self._texts(short=False)
        natural = self._natural(texts)
        has_short = any(s is not None for shorts in self._short for s in shorts)
        if has_short and sum(natural) > self._room(len(columns)):
            texts = self._texts(short=True)
            natural = self._natural(texts)
        cells = [[cell_len(row[i]) for row in texts] for i in range(len(columns))]
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
        spec = [columns[i] for i in shown]
        widths = fit_widths(want, [c.flex for c in spec], [c.min_width for c in spec], room)
        widths = share(widths, [c.grow for c in spec], [c.max_width for c in spec], room)
        widths = share(widths, [c.spread for c in spec], [None] * len(spec), room)
        return shown, widths, texts

    def _render_rows(self, keep_key: str | None = None, keep_row: int = 0) -> None:
        shown, widths, texts = self._layout()
        columns = [self._columns_spec[i] for i in shown]
        self._fitted_for = self.size.width
        self.clear(columns=True)
        labels = [header(col.label, width) for col, width in zip(columns, widths, strict=True)]
        self.header_height = max((height for _label, height in labels), default=1)
        for col, width, (label, _height) in zip(columns, widths, labels, strict=True):
            self.add_column(Text(label), key=col.key, width=width)
        for (key, _cells), row, styles in zip(self._rows_spec, texts, self._styles, strict=True):
            self.add_row(*(_cell(row[i], styles[i]) for i in shown), key=key)
        if not self._rows_spec:
            return
        if keep_key is not None and any(k == keep_key for k, _c in self._rows_spec):
            self.select_key(keep_key)
        elif keep_row:
            self.move_cursor(row=min(keep_row, len(self._rows_spec) - 1))

    def on_resize(self, event: events.Resize) -> None:
        if self._columns_spec and event.size.width != self._fitted_for:
            self._render_rows(self.selected_key, self.cursor_row)


def _cell(text: str, style: str) -> Text:
    """One line of a cell: cut with "…" when wider than its column (the text stays whole)."""
    return Text(text, style=style, no_wrap=True, overflow="ellipsis", end="")
