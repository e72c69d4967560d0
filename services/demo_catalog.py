"""The demo region's catalog: records from the real titles, copies on shelves.

``Catalog`` builds the curated records (``services.demo_titles*``) and places
their copies across the libraries; ``bulk`` adds numbered variations of those
titles (other editions, volumes, selections) for benchmarks of 100,000 or
1,000,000 records, so search words stay realistic.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any, TypeVar

from pydantic import BaseModel

from services.demo_data import CENTRAL_ID, LIBRARIES
from services.demo_details import details
from services.demo_titles import SECTIONS as LV_SECTIONS
from services.demo_titles import Section
from services.demo_titles_world import ARTICLES, EDITIONS
from services.demo_titles_world import SECTIONS as WORLD_SECTIONS
from services.models import Copy, CopyStatus, Library, MaterialType, Record

_LIBS: dict[str, Library] = {lib.id: lib for lib in LIBRARIES}
_LIB_IDS = [lib.id for lib in LIBRARIES]
_BRANCH_IDS = _LIB_IDS[1:]
_PERIODICAL_LIBS = [lib.id for lib in LIBRARIES if lib.collection("per")]
_OLD_PUBLISHERS = ("Liesma", "Latvijas Valsts izdevniecība", "Zinātne", "Avots")
_NEW_PUBLISHERS = (
    "Zvaigzne ABC", "Jāņa Rozes apgāds", "Dienas Grāmata", "Liels un mazs", "Pētergailis",
    "Latvijas Mediji", "Mansards", "Nordik", "Jumava", "Atēna", "Neputns",
)
_VARIANTS = (
    "{t}", "{t}", "{t}. {n}. sējums", "{t} : {n}. izdevums", "{t} : izlase",
    "{t} : komentēts izdevums", "{t} : skolas izdevums", "Kopoti raksti. {n}. sējums",
)
_RARE_STATUSES = (CopyStatus.IN_TRANSIT, CopyStatus.IN_REPAIR, CopyStatus.PROCESSING,
                  CopyStatus.LOST)


M = TypeVar("M", bound=BaseModel)
_RECORD_FIELDS = set(Record.model_fields)
_COPY_FIELDS = set(Copy.model_fields)
_setattr = object.__setattr__


def trusted(cls: type[M], fields_set: set[str], values: dict[str, Any]) -> M:
    """``cls`` from values known to be valid, without validating them again.

    What ``cls.model_construct`` does, minus its per-field bookkeeping, with
    the fields given in declaration order and one shared ``fields_set``:
    a third of the time and half the memory per object at a million records.
    Safe to share: pydantic copies the set before changing it (``model_copy``),
    and frozen models are never changed in place. ``tests/services/test_demo.py``
    checks that the result equals a validated model. A field ``values`` lacks
    (one added to the model since) gets its default.
    """
    if len(values) < len(cls.model_fields):
        values = {name: values[name] if name in values else field.get_default(
            call_default_factory=True) for name, field in cls.model_fields.items()}
    obj = cls.__new__(cls)
    _setattr(obj, "__dict__", values)
    _setattr(obj, "__pydantic_fields_set__", fields_set)
    _setattr(obj, "__pydantic_extra__", None)
    _setattr(obj, "__pydantic_private__", None)
    return obj


@dataclass
class Shelved:
    """A copy while the region is being built (``Copy`` is frozen)."""

    barcode: str
    record_id: int
    library_id: str
    collection: str
    shelf_mark: str
    status: CopyStatus = CopyStatus.AVAILABLE

    @property
    def reading_room(self) -> bool:
        collection = _LIBS[self.library_id].collection(self.collection)
        return collection is not None and collection.reading_room

    def freeze(self) -> Copy:
        return Copy(
            barcode=self.barcode, record_id=self.record_id, library_id=self.library_id,
            collection=self.collection, shelf_mark=self.shelf_mark, status=self.status,
        )


def isbn(prefix: str, body: int, width: int) -> str:
    """A well-formed ISBN-13: ``prefix`` (with hyphens), ``body`` digits, check digit."""
    return _isbn(prefix, body % 10**width, width)


@lru_cache(maxsize=200_000)
def _isbn(prefix: str, body: int, width: int) -> str:
    digits = f"{prefix.replace('-', '')}{body:0{width}d}"
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(digits))
    return f"{prefix}{body:0{width}d}-{(10 - total % 10) % 10}"


@cache
def _publisher_code(publisher: str) -> int:
    """A stable two-digit ISBN registrant for a publisher (not Python's salted hash)."""
    return 10 + sum(map(ord, publisher)) % 90


def _isbn_for(record_id: int, year: int, publisher: str, language: str) -> str:
    if year < 1993 or not publisher:
        return ""
    if language == "en":
        return isbn(f"978-1-{5000 + record_id % 4000}-", record_id * 7919, 4)
    return isbn(f"978-9934-{_publisher_code(publisher)}-", record_id, 3)


def _lending(kind: str, library_id: str) -> str:
    """The lending collection for a kind of shelf ("children" → "bl" where there is one)."""
    library = _LIBS[library_id]
    if kind == "children" and library.collection("bl"):
        return "bl"
    if kind == "audio" and library.collection("av"):
        return "av"
    if kind in ("periodical", "article") and library.collection("per"):
        return "per"
    return "ab"


def _split(text: str) -> list[str]:
    return [part for part in text.split("; ") if part]


def shelf_mark(library_id: str, udk: str, authors: list[str], title: str) -> str:
    """"821.174-3 Bla" at the central library, "Bl" in the branches."""
    name = (authors[0] if authors else title).lstrip("[")
    if library_id == CENTRAL_ID:
        return f"{udk} {name[:3]}"
    return name[:2]


class Catalog:
    """Records and their copies, numbered as they are added."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.records: list[Record] = []
        self.copies: list[Shelved] = []
        self.shelf: dict[int, str] = {}
        """Record id → its kind of shelf ("adult", "children", …)."""
        self.udk: dict[int, str] = {}
        self._next_barcode = {lib_id: 1000 for lib_id in _LIB_IDS}
        self._by_title: dict[str, Record] = {}

    # ------------------------------------------------------------ records

    def add_record(self, section: Section, entry: tuple, year: int | None = None,
                   publisher: str | None = None) -> Record:
        title, authors, base_year, base_publisher, subjects, description = entry[:6]
        rid = len(self.records) + 1
        year = base_year if year is None else year
        publisher = base_publisher if publisher is None else publisher
        material = section.material
        record = Record(
            id=rid,
            title=title,
            authors=_split(authors),
            year=year,
            publisher=publisher,
            isbn=_isbn_for(rid, year, publisher, section.language)
            if material in (MaterialType.BOOK, MaterialType.AUDIOBOOK) else "",
            language=section.language,
            subjects=_split(subjects),
            material_type=material,
            description=description,
            source=entry[6] if len(entry) > 6 else "",
            **details(material, title, year),  # type: ignore[arg-type]
        )
        self.records.append(record)
        self.shelf[rid] = section.shelf
        self.udk[rid] = section.udk
        self._by_title.setdefault(f"{material}:{title}", record)
        return record

    def curated(self) -> None:
        """Every real title, then the other editions; copies for each."""
        entries: dict[str, tuple[Section, tuple]] = {}
        for section in (*LV_SECTIONS, *WORLD_SECTIONS, ARTICLES):
            for entry in section.entries:
                record = self.add_record(section, entry)
                entries.setdefault(record.title, (section, entry))
                self.place(record)
        for title, year, publisher in EDITIONS:
            section, entry = entries[title]
            record = self.add_record(section, entry, year, publisher)
            self.place(record, old=year < 1991)

    def find(self, title: str, material: MaterialType = MaterialType.BOOK) -> Record:
        """The first record with exactly this title and material type."""
        return self._by_title[f"{material}:{title}"]

    # ------------------------------------------------------------ copies

    def add_copy(self, record: Record, library_id: str, collection: str) -> Shelved:
        number = self._next_barcode[library_id]
        self._next_barcode[library_id] = number + 1
        shelved = Shelved(
            barcode=f"{library_id.upper()}{number:07d}",
            record_id=record.id,
            library_id=library_id,
            collection=collection,
            shelf_mark=self._shelf_mark(record, library_id, self.udk[record.id]),
        )
        self.copies.append(shelved)
        return shelved

    @staticmethod
    def _shelf_mark(record: Record, library_id: str, udk: str) -> str:
        if record.material_type in (MaterialType.PERIODICAL, MaterialType.ARTICLE):
            name = (record.source or record.title).split(",")[0].split(" : ")[0]
            return f"{name} {record.year}"
        return shelf_mark(library_id, udk, record.authors, record.title)

    def lending(self, record: Record, library_id: str) -> str:
        """The lending collection a record goes to in a library."""
        return _lending(self.shelf[record.id], library_id)

    def place(self, record: Record, old: bool = False) -> None:
        """Put a record's copies on shelves across the region."""
        rng = self.rng
        kind = self.shelf[record.id]
        if kind == "local":
            self.add_copy(record, CENTRAL_ID, "nov")
            if rng.random() < 0.5:
                self.add_copy(record, "kokn", "las")
            return
        if kind in ("periodical", "article"):
            self.add_copy(record, CENTRAL_ID, "las")
            for lib_id in rng.sample(_PERIODICAL_LIBS, rng.randint(1, 2)):
                self.add_copy(record, lib_id, "per")
            if kind == "periodical":
                self.add_copy(record, rng.choice(_BRANCH_IDS), "las")
            return
        count = rng.randint(1, 2) if old else rng.randint(2, 5)
        places = [CENTRAL_ID] if rng.random() < 0.85 else []
        places += rng.sample(_BRANCH_IDS, count - len(places))
        for lib_id in places:
            self.add_copy(record, lib_id, self.lending(record, lib_id))
        if not old and rng.random() < 0.3:
            self.add_copy(record, rng.choice(places), "las")

    def frozen_copies(self) -> list[Copy]:
        return [shelved.freeze() for shelved in self.copies]

    # ------------------------------------------------------------ bulk

    def bulk(self, count: int, latest_year: int, copies_per_record: float | None = None
             ) -> Iterator[tuple[Record, list[Copy]]]:
        """``count`` more records: numbered variations of the curated books.

        Their copies sit on the shelves (available, or in transit, repair,
        processing, lost); none is lent or held, so no patron is involved.
        A record has 1, 2 or 3 copies (1.3 on average), or with
        ``copies_per_record`` (at least 1) from 1 to about twice that many,
        evenly: that many on average, as in a large consortium's catalogue.
        Tight on purpose: it runs a million times for the benchmarks, so the
        models are built with ``trusted`` from values taken from records and
        libraries that were validated already. ISBNs repeat past a thousand
        records per publisher: the Latvian range 978-9934 is only that large.
        """
        rnd = self.rng.random
        bases = [
            (r, self.shelf[r.id], self.udk[r.id]) for r in self.records
            if r.material_type in (MaterialType.BOOK, MaterialType.AUDIOBOOK)
            and r.language == "lv" and not r.title.startswith("[")
        ]
        n_bases, n_variants, n_new = len(bases), len(_VARIANTS), len(_NEW_PUBLISHERS)
        years = max(latest_year, 1960) - 1950 + 1
        rid = len(self.records)
        marks: dict[tuple[str, int], str] = {}
        prefixes = {lib_id: lib_id.upper() for lib_id in _LIB_IDS}
        lending = {(kind, lib_id): _lending(kind, lib_id)
                   for kind in {kind for _, kind, _ in bases} for lib_id in _LIB_IDS}
        spread = None if copies_per_record is None else max(1.0, 2 * copies_per_record - 1)
        for _ in range(count):
            rid += 1
            base, kind, udk = bases[int(rnd() * n_bases)]
            template = _VARIANTS[int(rnd() * n_variants)]
            if not base.authors and template.startswith("Kopoti"):
                template = "{t} : izlase"
            year = 1950 + int(rnd() * years)
            publisher = (_OLD_PUBLISHERS[int(rnd() * 4)] if year < 1991
                         else _NEW_PUBLISHERS[int(rnd() * n_new)])
            record = trusted(Record, _RECORD_FIELDS, {
                "id": rid,
                "title": template.format(t=base.title, n=1 + int(rnd() * 12)),
                "authors": list(base.authors),
                "year": year,
                "publisher": publisher,
                "isbn": _isbn_for(rid, year, publisher, base.language),
                "language": base.language,
                "subjects": list(base.subjects),
                "material_type": base.material_type,
                "description": base.description,
                "source": "",
            })
            roll = rnd()
            copies = []
            if spread is None:
                n_copies = 1 if roll < 0.75 else 2 if roll < 0.96 else 3
            else:
                n_copies = 1 + int(roll * spread)
            for _ in range(n_copies):
                lib_id = CENTRAL_ID if rnd() < 0.35 else _BRANCH_IDS[int(rnd() * 9)]
                collection = "las" if rnd() < 0.05 else lending[kind, lib_id]
                number = self._next_barcode[lib_id]
                self._next_barcode[lib_id] = number + 1
                status_roll = rnd()
                status = (CopyStatus.AVAILABLE if status_roll < 0.9
                          else _RARE_STATUSES[int((status_roll - 0.9) * 40)])
                mark = marks.get((lib_id, base.id))
                if mark is None:
                    mark = marks[lib_id, base.id] = self._shelf_mark(base, lib_id, udk)
                copies.append(trusted(Copy, _COPY_FIELDS, {
                    "barcode": f"{prefixes[lib_id]}{number:07d}",
                    "record_id": rid,
                    "library_id": lib_id,
                    "collection": collection,
                    "shelf_mark": mark,
                    "status": status,
                }))
            yield record, copies
