"""The MARC view of a record (``LibraryService.record_marc``): the fields of
the MARC it came as, or, for a record of the region's own, the MARC its
fields make (``record_as_marc``), so every record has one."""

from __future__ import annotations

import io

import pymarc

from services.marc.languages import marc_language
from services.models import MarcField, MarcView, MaterialType, Record

_TYPE = {  # leader/06 and /07 of each material type
    MaterialType.BOOK: "am", MaterialType.ARTICLE: "ab", MaterialType.AUDIOBOOK: "im",
    MaterialType.PERIODICAL: "as",
}


def marc_view(record: pymarc.Record) -> MarcView:
    fields = [
        MarcField(tag=f.tag, data=f.data or "") if f.is_control_field()
        else MarcField(tag=f.tag, indicators="".join(i or " " for i in f.indicators),
                       subfields=[(s.code, s.value) for s in f.subfields])
        for f in record.get_fields()
    ]
    return MarcView(leader=str(record.leader), fields=fields)


def from_marcxml(text: str) -> pymarc.Record:
    """The one record of a MARCXML document (as ``record_marc`` keeps it)."""
    records = pymarc.parse_xml_to_array(io.BytesIO(text.encode("utf-8")))
    if not records or records[0] is None:
        raise ValueError("no MARC record in the MARCXML")
    return records[0]


def to_marcxml(record: pymarc.Record) -> str:
    return pymarc.record_to_xml(record, namespace=True).decode("utf-8")


def record_as_marc(record: Record) -> pymarc.Record:
    """The MARC21 a record of the region's own makes: the fields the import
    reads (``services.marc.mapping``), so that the two agree."""
    leader = f"00000n{_TYPE[record.material_type]} a2200000 a 4500"
    marc = pymarc.Record(leader=leader, force_utf8=True)
    year = f"{record.year:04d}" if record.year else "    "
    language = marc_language(record.language)
    marc.add_field(pymarc.Field(tag="001", data=str(record.id)))
    marc.add_field(pymarc.Field(tag="008", data=f"000000s{year}    xx {' ' * 17}{language} d"))

    def data(tag: str, *pairs: tuple[str, str], indicators: str = "  ") -> None:
        subfields = [pymarc.Subfield(code, value) for code, value in pairs if value]
        if subfields:
            marc.add_field(pymarc.Field(tag=tag, indicators=pymarc.Indicators(*indicators),
                                        subfields=subfields))

    data("020", ("a", record.isbn))
    for i, author in enumerate(record.authors):
        data("100" if i == 0 else "700", ("a", author), indicators="1 ")
    data("245", ("a", record.title), ("c", record.responsibility), indicators="00")
    data("250", ("a", record.edition))
    data("264", ("b", record.publisher), ("c", str(record.year or "")), indicators=" 1")
    data("300", ("a", record.physical))
    for series in record.series:
        data("490", ("a", series), indicators="0 ")
    for note in record.notes:
        data("500", ("a", note))
    data("505", ("a", record.contents), indicators="0 ")
    data("520", ("a", record.description))
    for subject in record.subjects:
        data("650", ("a", subject), indicators=" 4")
    data("773", ("t", record.source), indicators="0 ")
    for link in record.links:
        data("856", ("u", link.url), ("y", link.label), indicators="40")
    return marc
