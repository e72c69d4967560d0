"""What a catalogue record says beyond the basics, for a few demo records.

An imported MARC record brings a statement of responsibility, an edition,
a physical description, a series, notes, contents and links (issue 14); a
few of the curated demo records carry them too, so that the record screen
and its MARC view show them in the demo region. ``details`` gives the extra
fields of one curated record (``services.demo_catalog.Catalog.add_record``),
found by its material type, title and year: another edition of the same
title keeps the basics only. Titles are real; the details are plausible.
"""

from __future__ import annotations

from services.models import Link, MaterialType

_B, _A, _R = MaterialType.BOOK, MaterialType.AUDIOBOOK, MaterialType.ARTICLE

DETAILS: dict[tuple[MaterialType, str, int], dict[str, object]] = {
    (_B, "Mērnieku laiki", 2014): {
        "responsibility": "Reinis un Matīss Kaudzītes ; komentāri un vārdu skaidrojumi",
        "edition": "3. izdevums",
        "physical": "423 lpp. : ilustrācijas ; 21 cm",
        "series": ["Latviešu romāna klasika"],
        "notes": [
            "Pirmizdevums: 1879.",
            "Teksts pēc 1924. gada izdevuma, ar mūsdienu pareizrakstību.",
        ],
        "contents": "Priekšvārds -- Mērnieku laiki -- Komentāri -- Vārdu skaidrojumi",
        "links": [Link(url="https://gramatas.example.lv/mernieku-laiki", label="Satura rādītājs")],
    },
    (_B, "Baltā grāmata", 2017): {
        "responsibility": "Jānis Jaunsudrabiņš ; ilustrējis autors",
        "edition": "Jubilejas izdevums",
        "physical": "215 lpp. : ilustrācijas ; 24 cm",
        "series": ["Skolas bibliotēka"],
        "notes": ["Autora zīmējumi no 1921. gada izdevuma."],
        "contents": "Ziema -- Pavasaris -- Vasara -- Rudens",
    },
    (_A, "Mērnieku laiki", 2019): {
        "responsibility": "Reinis un Matīss Kaudzītes ; ierakstījusi Latvijas Neredzīgo bibliotēka",
        "physical": "1 audiodisks (MP3, 17 st. 40 min)",
        "notes": ["Ierakstīts Latvijas Neredzīgo bibliotēkas studijā."],
        "links": [Link(url="https://audio.example.lv/mernieku-laiki.mp3")],
    },
    (_R, "Staburaga atmiņas: applūdinātā Daugavas ieleja", 2023): {
        "physical": "2 lpp. : fotogrāfijas",
        "notes": ["Raksts sērijā \"Novada atmiņas\"."],
        "links": [Link(url="https://staburags.example.lv/2023/04/14/staburaga-atminas",
                       label="Raksts tiešsaistē")],
    },
}


def details(material: MaterialType, title: str, year: int) -> dict[str, object]:
    """The extra fields of the curated record of ``title`` (none for most)."""
    return DETAILS.get((material, title, year), {})
