"""The copies of a record ("Eksemplāri", R2) and what each offers (R3).

The offer column shows the service's answer as the patron reads it:
"Pasūtīt", "Izsniegts līdz DD.MM.GGGG", "Lasītavā" or "Sazinieties ar
bibliotēku". The table does not decide anything; it only shows ``CopyView``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.widgets import DataTable

from services.models import CopyOffer, CopyView, OfferKind
from tui.i18n import format_date, texts, tr
from widgets.record_table import SCROLLBAR, cell, fit_widths

texts(
    {
        "copies.library": ("Bibliotēka", "Library"),
        "copies.collection": ("Fonds", "Collection"),
        "copies.shelf_mark": ("Šifrs", "Shelf mark"),
        "copies.offer": ("Statuss", "Status"),
        "offer.order": ("Pasūtīt", "Order"),
        "offer.on_loan": ("Izsniegts līdz {due}", "On loan until {due}"),
        "offer.reserved": ("Rezervēts", "Reserved"),
        "offer.reserved_queue": ("Rezervēts (rindā: {count})", "Reserved ({count} waiting)"),
        "offer.reading_room": ("Lasītavā", "Reading room"),
        "offer.contact": ("Sazinieties ar bibliotēku", "Contact the library"),
        "copies.key.choose": ("Izvēlēties", "Choose"),
    }
)


def offer_text(offer: CopyOffer, language: str) -> str:
    """What the status column says for ``offer``."""
    if offer.kind is OfferKind.ORDER:
        return tr("offer.order", language)
    if offer.kind is OfferKind.QUEUE:
        if offer.due is not None:
            return tr("offer.on_loan", language, due=format_date(offer.due))
        if offer.queue_length:
            return tr("offer.reserved_queue", language, count=offer.queue_length)
        return tr("offer.reserved", language)
    if offer.kind is OfferKind.READING_ROOM:
        return tr("offer.reading_room", language)
    return tr("offer.contact", language)


_COLUMNS = ("library", "collection", "shelf_mark", "offer")

_OFFER_STYLE = {
    OfferKind.ORDER: "bold",
    OfferKind.QUEUE: "",
    OfferKind.READING_ROOM: "italic",
    OfferKind.CONTACT: "dim",
}


class CopyTable(DataTable[Text]):
    """One page of a record's copies, moved through with the arrow keys."""

    DEFAULT_CSS = """
    CopyTable { height: 1fr; }
    """

    BINDINGS = [Binding("enter", "select_cursor", "copies.key.choose", key_display="Enter")]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.language = "lv"
        self.views: list[CopyView] = []
        self.short_names: dict[str, str] = {}

    def show(
        self,
        views: Sequence[CopyView],
        language: str,
        short_names: Mapping[str, str] | None = None,
        keep_cursor: bool = False,
    ) -> None:
        """Show ``views``; ``short_names`` (library id → short name) helps narrow screens."""
        row_index = self.cursor_row if keep_cursor else 0
        self.language = language
        self.views = list(views)
        if short_names is not None:
            self.short_names = dict(short_names)
        rows = self._rows(language, short=False)
        if sum(self._natural(rows, language)) > self._room():
            rows = self._rows(language, short=True)  # short library names on a narrow screen
        widths = self._widths(rows, language)
        self.clear(columns=True)
        for key, width in zip(_COLUMNS, widths):
            self.add_column(cell(tr(f"copies.{key}", language)), width=width, key=key)
        for view, row in zip(self.views, rows):
            self.add_row(
                *(cell(value) for value in row[:3]),
                cell(row[3], _OFFER_STYLE[view.offer.kind]),
                key=view.item.barcode,
            )
        if self.views:
            self.move_cursor(row=min(row_index, len(self.views) - 1), animate=False)

    def relabel(self, language: str) -> None:
        self.show(self.views, language, keep_cursor=True)

    @property
    def current(self) -> CopyView | None:
        """The copy under the cursor, if any."""
        if not self.views or not 0 <= self.cursor_row < len(self.views):
            return None
        return self.views[self.cursor_row]

    def on_resize(self, event: events.Resize) -> None:
        if self.columns:
            self.show(self.views, self.language, keep_cursor=True)

    def _room(self) -> int:
        width = self.size.width or self.app.size.width
        return width - SCROLLBAR - 2 * len(_COLUMNS)

    def _rows(self, language: str, short: bool) -> list[tuple[str, str, str, str]]:
        rows = []
        for view in self.views:
            library = view.library_name
            if short:
                library = self.short_names.get(view.item.library_id, library)
            rows.append(
                (
                    library,
                    view.collection_name(language),
                    view.item.shelf_mark,
                    offer_text(view.offer, language),
                )
            )
        return rows

    @staticmethod
    def _natural(rows: list[tuple[str, str, str, str]], language: str) -> list[int]:
        return [
            max([len(tr(f"copies.{key}", language)), *(len(row[i]) for row in rows)])
            for i, key in enumerate(_COLUMNS)
        ]

    def _widths(self, rows: list[tuple[str, str, str, str]], language: str) -> list[int]:
        natural = self._natural(rows, language)
        widths = fit_widths(natural, [True, True, True, False], self._room(), minimum=10)
        widths[0] += max(0, self._room() - sum(widths))
        return widths
