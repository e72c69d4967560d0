"""M on the record screen: "MARC skats", the record's MARC fields, read-only.

Every OPAC has one, for staff and the curious: the leader, then each field
as a cataloguer reads it, ``245 10 $a Title $c Responsibility`` (a control
field: ``001    data``). The tag and indicators keep their own column, so a
long field wraps under its subfields; the heading stays while the fields
scroll. Everything is plain text. It loads as
the screens do (``@loader``: retried while the service is away); Esc or M
again closes it.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Container, Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Static

from screens.base import ManaDialog, loader
from services.models import MarcField, MarcView
from tui.i18n import texts
from tui.safe import clean
from widgets.keyline import KeyLine
from widgets.label import Tr
from widgets.topbar import TopBar

texts({"marc.title": ("MARC skats", "MARC view")})

LEADER_TAG = "LDR"
"""How the leader is named in its row, as MARC views name it."""


def field_head(field: MarcField) -> str:
    """The first column of a field's row: its tag, and a data field's indicators."""
    if not field.subfields and not field.indicators:
        return clean(field.tag, newlines=False)
    return clean(f"{field.tag} {field.indicators:<2}", newlines=False)


def field_body(field: MarcField) -> Content:
    """The rest of the row: a control field's data, or the subfields as
    ``$a value $c value`` with the codes in bold."""
    if not field.subfields:
        return Content(clean(field.data, newlines=False))
    parts = [
        Content.assemble((f"${clean(code, newlines=False)}", "bold"), " ",
                         clean(value, newlines=False))
        for code, value in field.subfields
    ]
    return Content(" ").join(parts)


def marc_rows(marc: MarcView) -> list[tuple[str, Content]]:
    """(first column, rest) for the leader and every field, in order."""
    rows = [(LEADER_TAG, Content(clean(marc.leader, newlines=False)))]
    rows += [(field_head(field), field_body(field)) for field in marc.fields]
    return rows


class MarcDialog(ManaDialog):
    """The MARC fields of record ``record_id`` (titled ``title``)."""

    BINDINGS = [
        Binding("escape", "close", "key.back", key_display="Esc", id="marc.back"),
        Binding("m", "close", show=False, id="marc.close"),
    ]

    def __init__(self, record_id: int, title: str) -> None:
        super().__init__()
        self.record_id = record_id
        self.title_text = title
        self.marc: MarcView | None = None

    def compose(self) -> ComposeResult:
        yield TopBar()
        with Vertical(id="marc-box"):
            yield Tr("marc.title", classes="dialog-heading")
            yield Static(Content(clean(self.title_text)), id="marc-record")
            with VerticalScroll(id="marc-scroll"):
                yield Container(id="marc-fields")
        yield KeyLine()

    def on_mount(self) -> None:
        self.query_one("#marc-scroll").focus()
        self.load_marc()

    @loader
    async def load_marc(self) -> None:
        grid = self.query_one("#marc-fields")
        grid.loading = True
        self.marc = await self.service.record_marc(self.record_id)
        grid.loading = False
        await grid.remove_children()
        cells: list[Static] = []
        for head, body in marc_rows(self.marc):
            cells.append(Static(Content(head), classes="marc-tag"))
            cells.append(Static(body, classes="marc-data"))
        await grid.mount_all(cells)

    @load_marc.failed
    def _marc_failed(self, error: BaseException) -> None:
        self.query_one("#marc-fields").loading = False

    def action_close(self) -> None:
        self.dismiss(None)
