"""The copies of a record ("Eksemplāri", R2) and what each offers (R3).

The offer column shows the service's answer as the patron reads it:
"Pasūtīt", "Izsniegts līdz DD.MM.GGGG", "Lasītavā" or "Sazinieties ar
bibliotēku". The table does not decide anything; it only shows ``CopyView``.
A ``FitTable``: the library column takes the spare room, and gives way to the
libraries' short names when the full ones do not fit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from textual.binding import Binding

from services.models import CopyOffer, CopyView, OfferKind
from tui.i18n import format_date, texts, tr
from widgets.fit_table import Cell, Column, FitTable

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


_OFFER_STYLE = {
    OfferKind.ORDER: "bold",
    OfferKind.QUEUE: "",
    OfferKind.READING_ROOM: "italic",
    OfferKind.CONTACT: "dim",
}


class CopyTable(FitTable):
    """One page of a record's copies, moved through with the arrow keys."""

    BINDINGS = [Binding("enter", "select_cursor", "copies.key.choose", key_display="Enter")]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.language = "lv"
        self.views: list[CopyView] = []
        self.short_names: dict[str, str] = {}

    def show_copies(
        self,
        views: Sequence[CopyView],
        language: str,
        short_names: Mapping[str, str] | None = None,
        keep_cursor: bool = False,
    ) -> None:
        """Show ``views``; ``short_names`` (library id → short name) helps narrow screens."""
        self.language = language
        self.views = list(views)
        if short_names is not None:
            self.short_names = dict(short_names)
        self.show(_columns(language), [self._row(view) for view in self.views], keep=keep_cursor)

    def relabel(self, language: str) -> None:
        self.show_copies(self.views, language, keep_cursor=True)

    @property
    def current(self) -> CopyView | None:
        """The copy under the cursor, if any."""
        if not self.views or not 0 <= self.cursor_row < len(self.views):
            return None
        return self.views[self.cursor_row]

    def _row(self, view: CopyView) -> tuple[str, list[object]]:
        language = self.language
        short = self.short_names.get(view.item.library_id, view.library_name)
        return (
            view.item.barcode,
            [
                Cell(view.library_name, short=short),
                view.collection_name(language),
                view.item.shelf_mark,
                Cell(offer_text(view.offer, language), _OFFER_STYLE[view.offer.kind]),
            ],
        )


def _columns(language: str) -> list[Column]:
    return [
        Column("library", tr("copies.library", language), flex=True, min_width=10, grow=1),
        Column("collection", tr("copies.collection", language), flex=True, min_width=10),
        Column("shelf_mark", tr("copies.shelf_mark", language), flex=True, min_width=10),
        Column("offer", tr("copies.offer", language)),
    ]
