"""The desk's tab bar: "1 Rezervācijas (3)  2 Pagarinājumi (2) …".

Textual's ``Tabs`` keep every label on one line, and the six labels of the
desk with their counts do not fit in 80 columns; this bar wraps between
labels instead (two lines at 80×24, one at 120×40). Each label starts with
the digit that opens it; a click on a label opens it too. The labels are our
own texts (i18n keys, shown in the app's language and again when it changes)
and numbers, never outside data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.cells import cell_len
from textual import events
from textual.content import Content
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

from tui.i18n import tr
from widgets.label import counted

GAP = 1
"""Cells between two labels."""


@dataclass(frozen=True)
class Span:
    line: int
    start: int
    end: int
    tab: str


class DeskTabs(Widget):
    """A wrapping row of tab labels; ``active`` is the id of the highlighted one."""

    DEFAULT_CSS = """
    DeskTabs {
        height: auto;
        background: $background;
        padding: 0 1;
    }
    """

    can_focus = False

    active: reactive[str] = reactive("", layout=True)

    class Chosen(Message):
        """A label was clicked."""

        def __init__(self, tab: str) -> None:
            super().__init__()
            self.tab = tab

    def __init__(self, tabs: Sequence[tuple[str, str]], *, id: str | None = None) -> None:
        """``tabs``: ``(tab id, i18n key of its label)`` in order; the n-th label
        is opened by the digit n."""
        super().__init__(id=id)
        self._keys = dict(tabs)
        self._counts: dict[str, int | None] = {}

    def on_mount(self) -> None:
        self.watch(self.app, "language", lambda _: self.refresh(layout=True), init=False)

    def count(self, tab: str, count: int | None) -> None:
        """Show how many wait in ``tab`` after its label (``None``: no number)."""
        if self._counts.get(tab) != count:
            self._counts[tab] = count
            self.refresh(layout=True)

    def label(self, tab: str) -> str:
        """The label of ``tab`` as shown now, in the app's language."""
        if tab not in self._keys:
            return ""
        language = getattr(self.app, "language", "lv")
        return counted(tr(self._keys[tab], language), self._counts.get(tab))

    # ------------------------------------------------------------ layout

    def _pieces(self) -> list[tuple[str, str]]:
        return [(tab, f" {n} {self.label(tab)} ") for n, tab in enumerate(self._keys, start=1)]

    def _spans(self, width: int) -> list[Span]:
        """Where each label goes: left to right, a new line when the next does not fit."""
        spans: list[Span] = []
        line, x = 0, 0
        for tab, piece in self._pieces():
            size = cell_len(piece)
            if x > 0 and x + GAP + size > width:
                line, x = line + 1, 0
            start = x + (GAP if x > 0 else 0)
            spans.append(Span(line, start, start + size, tab))
            x = start + size
        return spans

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        spans = self._spans(max(width, 1))
        return (spans[-1].line + 1) if spans else 1

    def render(self) -> Content:
        width = max(self.content_region.width or self.size.width, 1)
        pieces = dict(self._pieces())
        lines: list[list[Content]] = []
        for span in self._spans(width):
            while len(lines) <= span.line:
                lines.append([])
            row = lines[span.line]
            if row:
                row.append(Content(" " * GAP))
            number, _, label = pieces[span.tab].strip().partition(" ")
            if span.tab == self.active:
                piece = Content.from_markup(
                    "[b on $primary] $number $label [/]", number=number, label=label
                )
            else:
                piece = Content.from_markup(
                    " [b $accent]$number[/] $label ", number=number, label=label
                )
            row.append(piece)
        return Content("\n").join(Content("").join(row) for row in lines) if lines else Content("")

    # ------------------------------------------------------------ clicks

    def on_click(self, event: events.Click) -> None:
        width = max(self.content_region.width or self.size.width, 1)
        x, y = event.x - self.styles.padding.left, event.y
        for span in self._spans(width):
            if span.line == y and span.start <= x < span.end:
                self.post_message(self.Chosen(span.tab))
                return
