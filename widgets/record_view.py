"""The full description of one record (R2), and the names of material types.

Everything an imported record brings is shown, each under its label in the
patron's language, in the order a library's catalogue gives them: first the
short facts one a line ("Izdevums: 2. izdevums"), then the long texts as
paragraphs under their heading (notes, contents, summary, links). A field
the record does not have is not shown. Links (MARC 856) are text, never
something to click: a kiosk has no browser.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from services.models import Link, MaterialType, Record
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
        "record.source": ("Ietverts", "In"),
        "record.description": ("Anotācija", "Summary"),
        "record.responsibility": ("Atbildības ziņas", "Responsibility"),
        "record.edition": ("Izdevums", "Edition"),
        "record.physical": ("Fiziskais apraksts", "Physical description"),
        "record.series": ("Sērija", "Series"),
        "record.notes": ("Piezīmes", "Notes"),
        "record.contents": ("Saturs", "Contents"),
        "record.links": ("Saites", "Links"),
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


CONTENTS_SEPARATOR = " -- "
"""How a contents note (505) separates its parts, as cataloguers write it."""


def record_fields(record: Record, language: str) -> Content:
    """The labelled lines of a record's description, without its title: the
    short facts one a line, then each long text as a paragraph under its
    heading. Every value is plain text (``clean``)."""
    facts: list[tuple[str, str]] = [
        ("record.authors", "; ".join(record.authors)),
        ("record.responsibility", record.responsibility),
        ("record.edition", record.edition),
        ("record.year", str(record.year) if record.year else ""),
        ("record.publisher", record.publisher),
        ("record.source", record.source),
        ("record.physical", record.physical),
        ("record.series", "; ".join(record.series)),
        ("record.isbn", record.isbn),
        ("record.language", language_name(record.language, language) if record.language else ""),
        ("record.subjects", "; ".join(record.subjects)),
        ("record.type", material_name(record.material_type, language)),
    ]
    long_texts: list[tuple[str, list[str]]] = [
        ("record.notes", list(record.notes)),
        ("record.contents", [part for part in record.contents.split(CONTENTS_SEPARATOR) if part]),
        ("record.description", [record.description]),
        ("record.links", [link_text(link) for link in record.links]),
    ]
    lines = [
        Content.from_markup("[b]$label:[/] $value", label=tr(key, language), value=clean(value))
        for key, value in facts
        if value
    ]
    for key, paragraphs in long_texts:
        shown = [clean(text) for text in paragraphs if text.strip()]
        if shown:
            lines.append(Content(""))
            lines.append(Content.from_markup("[b]$label:[/]", label=tr(key, language)))
            lines.extend(Content(text) for text in shown)
    return Content("\n").join(lines)


def link_text(link: Link) -> str:
    """An electronic location as text: "label — URL", or the URL alone."""
    return f"{link.label} — {link.url}" if link.label else link.url


class RecordView(VerticalScroll):
    """A record's title and description; scrolls when it is long."""

    DEFAULT_CSS = """
    RecordView {
        height: auto;
        max-height: 45vh;
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
