"""The full description of one record (R2), and the names of material types."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from services.models import MaterialType, Record
from tui.i18n import texts, tr
from tui.safe import clean

texts(
    {
        "material.book": ("Grāmata", "Book"),
        "material.article": ("Raksts", "Article"),
        "material.audiobook": ("Audiogrāmata", "Audiobook"),
        "material.periodical": ("Periodika", "Periodical"),
        "record.authors": ("Autori", "Authors"),
        "record.year": ("Izdošanas gads", "Year"),
        "record.publisher": ("Izdevējs", "Publisher"),
        "record.isbn": ("ISBN", "ISBN"),
        "record.language": ("Valoda", "Language"),
        "record.subjects": ("Tēmas", "Subjects"),
        "record.type": ("Veids", "Type"),
        "record.source": ("Avots", "Source"),
        "record.description": ("Apraksts", "Description"),
        "language.lv": ("latviešu", "Latvian"),
        "language.en": ("angļu", "English"),
        "language.ru": ("krievu", "Russian"),
        "language.de": ("vācu", "German"),
        "language.lt": ("lietuviešu", "Lithuanian"),
        "language.et": ("igauņu", "Estonian"),
        "language.fr": ("franču", "French"),
    }
)


def material_name(material: MaterialType, language: str) -> str:
    """The material type as a patron calls it: "Grāmata", "Raksts" …"""
    return tr(f"material.{material.value}", language)


def language_name(code: str, language: str) -> str:
    """``lv`` → "latviešu"; an unknown code shows as itself."""
    key = f"language.{code}"
    name = tr(key, language)
    return clean(code, newlines=False) if name == key else name


def record_fields(record: Record, language: str) -> Content:
    """The labelled lines of a record's description, without its title."""
    fields: list[tuple[str, str]] = [
        ("record.authors", "; ".join(record.authors)),
        ("record.year", str(record.year) if record.year else ""),
        ("record.publisher", record.publisher),
        ("record.source", record.source),
        ("record.isbn", record.isbn),
        ("record.language", language_name(record.language, language) if record.language else ""),
        ("record.subjects", "; ".join(record.subjects)),
        ("record.type", material_name(record.material_type, language)),
    ]
    lines = [
        Content.from_markup("[b]$label:[/] $value", label=tr(key, language), value=clean(value))
        for key, value in fields
        if value
    ]
    if record.description:
        lines.append(Content(""))
        lines.append(Content(clean(record.description)))
    return Content("\n").join(lines)


class RecordView(VerticalScroll):
    """A record's title and description; scrolls when it is long."""

    DEFAULT_CSS = """
    RecordView {
        height: auto;
        max-height: 45%;
        padding: 0 1;
        border-bottom: solid $primary-lighten-2;
    }
    RecordView:focus { border-bottom: solid $accent; }
    RecordView #record-title { text-style: bold; color: $text-primary; }
    RecordView #record-fields { height: auto; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.record: Record | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="record-title")
        yield Static(id="record-fields")

    def show(self, record: Record | None, language: str) -> None:
        """Show ``record`` (or nothing yet) in ``language``."""
        self.record = record
        title = self.query_one("#record-title", Static)
        fields = self.query_one("#record-fields", Static)
        if record is None:
            title.update(tr("status.loading", language))
            fields.update("")
            return
        title.update(Content(clean(record.title)))
        fields.update(record_fields(record, language))
