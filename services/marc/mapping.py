"""One MARC21 bibliographic record → a Mana record and its holdings.

``map_record`` reads the fields issue 14 names (title 245, authors 1XX/7XX,
edition 250, publication 260/264 and 008, physical description 300, series
490/830, notes 5XX, subjects 6XX, ISBN/ISSN 020/022, language 008/041,
material type from the leader, host item 773, links 856) and the holdings
(952 or 852/876, as the profile says). Every text is made storable: control
characters and unpaired surrogates dropped, white space collapsed, NFC. A
record it cannot use raises ``MappingError`` with the reason in English.
``services.marc.view.record_as_marc`` is the way back; the two agree.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from operator import mul
from typing import Any, NamedTuple
from xml.sax.saxutils import escape, quoteattr

import pymarc

from services.marc.languages import mana_language
from services.marc.profile import ANY, DEFAULT_PROFILE, ImportProfile
from services.models import CopyStatus, Link, MaterialType, Record
from services.text import clean


class MappingError(ValueError):
    """Why a record cannot be imported, in English, for the import report."""


class Holding(NamedTuple):
    """One copy as the record's holdings field gives it (codes as in the file)."""

    barcode: str
    library_code: str
    location_code: str
    shelf_mark: str
    status: CopyStatus
    item_type: str = ""


@dataclass(frozen=True)
class Mapped:
    fields: dict[str, Any]
    """The record's fields but its id, as ``Record`` takes them: the import
    makes the record once it knows the id (``as_record``), and a dict is
    cheaper than a model to send from the import's worker processes."""
    control_number: str
    control_source: str
    deleted: bool
    """Leader/05 ``d``: the record is to be deleted."""
    holdings: tuple[Holding, ...]
    marcxml: str
    """The record as it came, for the MARC view."""
    has_holdings: bool = False
    """Whether it has a holdings field (952, 852) at all: one without keeps
    the copies it has."""

    @property
    def record(self) -> Record:
        """The record with id 0: not yet in a database."""
        return self.as_record(0)

    def as_record(self, rid: int) -> Record:
        # Every text went through ``text`` (storable, one line) and every list
        # is of them: the validation only checks that again, and costs less
        # than ``model_construct`` (which runs in Python).
        return Record(id=rid, **self.fields)


_SURROGATES = re.compile("[\ud800-\udfff]")
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
"""Characters XML 1.0 cannot hold (the kept MARCXML must read back)."""
_SPACES = re.compile(r"[ \t\r\n]+")
_TRAILING = "".join(c for c in map(chr, range(0x3001)) if c.isspace()) + "/:;,="
"""ISBD's closing punctuation and white space (``str.isspace``'s characters,
none of which lies above U+3000), for ``str.rstrip``."""
_YEAR = re.compile(r"(?<!\d)(\d{4})(?!\d)")
_NOTES = ("500", "501", "502", "504", "508", "511", "515", "518", "521", "530", "533",
          "534", "538", "546", "550", "580", "586")
"""The general notes kept: 500 and the 5XX notes a reader may want."""
_SUBJECTS = ("600", "610", "611", "630", "647", "648", "650", "651", "653", "654", "655")
_SUBDIVISIONS = "vxyz"
_NAME_CODES = {"100": "abcq", "700": "abcq", "110": "ab", "710": "ab", "111": "acdn",
               "711": "acdn"}
_TYPE_CODES = "acdefgijkmoprt"


def text(value: str | None, *, newlines: bool = False) -> str:
    """``value`` as it can be stored and shown: NFC, no control characters or
    unpaired surrogates, white space collapsed (paragraphs kept with ``newlines``)."""
    if not value:
        return ""
    if value.isprintable():  # the common case: no control, format or surrogate character
        if not value.isascii():
            value = unicodedata.normalize("NFC", value)
        return " ".join(value.split()) if "  " in value else value.strip()
    value = unicodedata.normalize("NFC", _SURROGATES.sub("", value))
    if newlines:
        paragraphs = (_SPACES.sub(" ", clean(p)).strip() for p in value.split("\n"))
        return "\n".join(p for p in paragraphs if p)
    return _SPACES.sub(" ", clean(value.replace("\n", " ").replace("\t", " "))).strip()


def trimmed(value: str) -> str:
    """``value`` without ISBD's closing punctuation (`` /``, `` :``, ``,``, a final ``.``)."""
    value = value.rstrip(_TRAILING)
    if value.endswith(".") and not value.endswith(".."):
        value = value[:-1].rstrip(_TRAILING)
    return value


class Fields:
    """A record's fields looked up by tag once: pymarc's ``get_fields`` scans
    every field on each call, and a mapping asks for some forty tags."""

    __slots__ = ("leader", "data", "by_tag", "control")

    def __init__(self, marc: pymarc.Record) -> None:
        self.leader = str(marc.leader)
        self.data: list[pymarc.Field] = []
        """The data fields, in the record's order."""
        self.by_tag: dict[str, list[pymarc.Field]] = {}
        self.control: dict[str, list[pymarc.Field]] = {}
        for field in marc.fields:
            if field.control_field:
                self.control.setdefault(field.tag, []).append(field)
            else:
                self.data.append(field)
                self.by_tag.setdefault(field.tag, []).append(field)

    def __call__(self, *tags: str) -> list[pymarc.Field]:
        """The data fields of ``tags``, in the record's order (as ``get_fields``); the
        index's own list: not to be changed."""
        by_tag = self.by_tag
        if len(tags) == 1:
            return by_tag.get(tags[0], [])
        present = by_tag.keys() & tags
        if len(present) == 1:
            return by_tag[present.pop()]
        if not present:
            return []
        return [f for f in self.data if f.tag in present]

    def fixed(self, tag: str) -> str:
        """The first control field ``tag``'s data as it is (positions count)."""
        fields = self.control.get(tag)
        return (fields[0].data or "") if fields else ""

    def controls(self, tag: str) -> list[str]:
        """The data of every control field ``tag``."""
        return [f.data or "" for f in self.control.get(tag, ())]


def _values(field: pymarc.Field, codes: str) -> list[str]:
    return [v for s in field.subfields if s.code in codes and (v := text(s.value))]


def _joined(field: pymarc.Field, codes: str, separator: str = " ") -> str:
    return trimmed(separator.join(_values(field, codes)))


def _first(field: pymarc.Field, code: str) -> str:
    """The first non-empty value of subfield ``code``, as text."""
    for sub in field.subfields:
        if sub.code in code and (value := text(sub.value)):
            return value
    return ""


def _unique(values: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    kept = []
    for value in values:
        key = value.casefold()
        if value and key not in seen:
            seen.add(key)
            kept.append(value)
    return kept


# ---------------------------------------------------------------- bibliographic


def title(marc: Fields) -> str:
    field = next(iter(marc("245")), None)
    return _joined(field, "abnp") if field is not None else ""


def responsibility(marc: Fields) -> str:
    field = next(iter(marc("245")), None)
    return _joined(field, "c") if field is not None else ""


def authors(marc: Fields) -> list[str]:
    return _unique(_joined(f, _NAME_CODES[f.tag])
                   for f in marc("100", "110", "111", "700", "710", "711"))


def edition(marc: Fields) -> str:
    return next((e for f in marc("250") if (e := _joined(f, "ab"))), "")


def _publication(marc: Fields) -> list[pymarc.Field]:
    """264 (publication first) and 260, in the order they tell the publisher."""
    return sorted(marc("264"), key=lambda f: f.indicators[1] != "1") + marc("260")


def publisher(marc: Fields) -> str:
    for field in _publication(marc):
        names = _values(field, "b")
        if names:
            return trimmed(names[0])
    return ""


def year(marc: Fields) -> int | None:
    """The first date of 008/07-10, else the first year in 264/260 $c. A
    "9999" there (a date not known: some systems write it so) is none."""
    fixed = marc.fixed("008")
    if len(fixed) >= 11 and fixed[7:11].isdigit() and fixed[7:11] not in ("0000", "9999"):
        return int(fixed[7:11])
    for field in _publication(marc):
        for value in _values(field, "c"):
            if match := _YEAR.search(value):
                return int(match.group(1)) or None
    return None


def physical(marc: Fields) -> str:
    return next((p for f in marc("300") if (p := _joined(f, "abce"))), "")


def series(marc: Fields) -> list[str]:
    stated = (" ; ".join(filter(None, (_joined(f, "a"), _joined(f, "v"))))
              for f in marc("490"))
    added = (_joined(f, "anpv") for f in marc("830", "800", "810", "811"))
    return _unique(s for s in [*added, *stated] if s)


def notes(marc: Fields) -> list[str]:
    return _unique(n for f in marc(*_NOTES) if (n := _joined(f, "abcdegmnpr3")))


def contents(marc: Fields) -> str:
    return " ".join(c for f in marc("505") if (c := _joined(f, "agrtu")))


def summary(marc: Fields) -> str:
    return "\n".join(s for f in marc("520") if (s := _joined(f, "ab")))


def subject(field: pymarc.Field) -> str:
    """A heading with its subdivisions: ``Latvia -- History -- 1918-1940``."""
    main, parts = [], []
    for sub in field.subfields:
        if not sub.code.isalpha() or sub.code == "e":
            continue
        value = trimmed(text(sub.value))
        if not value:
            continue
        if sub.code in _SUBDIVISIONS and main:
            parts.append(value)
        elif not parts:
            main.append(value)
    return " -- ".join([" ".join(main), *parts]) if main else ""


def subjects(marc: Fields) -> list[str]:
    found = []
    for field in marc(*_SUBJECTS):
        if field.tag == "653":  # uncontrolled terms: each $a is one
            found += [trimmed(v) for v in _values(field, "a")]
        else:
            found.append(subject(field))
    return _unique(found)


_ISBN13_WEIGHTS = (1, 3) * 7


def _isbn_ok(digits: str) -> bool:
    if len(digits) == 10 and digits[:9].isdigit() and (digits[9].isdigit() or digits[9] == "X"):
        total = sum((10 - i) * (10 if c == "X" else int(c)) for i, c in enumerate(digits))
        return total % 11 == 0
    if len(digits) == 13 and digits.isdigit():
        return sum(map(mul, _ISBN13_WEIGHTS, map(int, digits))) % 10 == 0
    return False


def _issn_ok(digits: str) -> bool:
    if len(digits) != 8 or not digits[:7].isdigit() or not (digits[7].isdigit()
                                                             or digits[7] == "X"):
        return False
    total = sum((8 - i) * int(c) for i, c in enumerate(digits[:7]))
    return (11 - total % 11) % 11 == (10 if digits[7] == "X" else int(digits[7]))


def _code(value: str) -> str:
    """The number at the start of an 020/022 $a (``0596007973 (pbk.)``), cleaned."""
    first = value.strip().split(" ")[0] if value.strip() else ""
    return first.replace("-", "").upper()


def isbn(marc: Fields) -> str:
    """The first valid ISBN (020 $a), else the first valid ISSN (022 $a, ``1234-5679``)."""
    for field in marc("020"):
        for value in _values(field, "a"):
            if _isbn_ok(code := _code(value)):
                return code
    for field in marc("022"):
        for value in _values(field, "a"):
            if _issn_ok(code := _code(value)):
                return f"{code[:4]}-{code[4:]}"
    return ""


def language(marc: Fields) -> str:
    fixed = marc.fixed("008")
    if len(fixed) >= 38 and fixed[35:38].isalpha():
        return mana_language(fixed[35:38])
    for field in marc("041"):
        for value in _values(field, "a"):
            if value[:3].isalpha():
                return mana_language(value[:3])
    return ""


def material_type(marc: Fields) -> MaterialType:
    """Leader/06-07, with 007 and 008 where they tell more."""
    kind, level = marc.leader[6:7], marc.leader[7:8]
    if level in ("a", "b") and (level == "b" or marc("773")):
        return MaterialType.ARTICLE
    if kind == "i":
        return MaterialType.AUDIOBOOK
    fixed = marc.fixed("008")
    if level == "s" or (level == "i" and fixed[21:22] in ("p", "n")):
        return MaterialType.PERIODICAL
    if kind == "a" and any(data.startswith("s") for data in marc.controls("007")):
        return MaterialType.AUDIOBOOK  # text catalogued as a sound recording (007/00 s)
    return MaterialType.BOOK


def host_item(marc: Fields) -> str:
    """773: the host's title and the part (``Rīgas Laiks, 2024, nr. 3, 10.-14. lpp.``)."""
    for field in marc("773"):
        parts = [trimmed(v) for v in _values(field, "atbdg")]
        if parts:
            return ", ".join(parts)
    return ""


def links(marc: Fields) -> list[Link]:
    found = []
    for field in marc("856"):
        label = _first(field, "y") or _first(field, "3")
        found += [Link(url=url, label=label) for url in _values(field, "u") if " " not in url]
    return found


# ---------------------------------------------------------------- holdings


def _means(value: str, values: list[str]) -> bool:
    value = value.strip()
    if ANY in values and value not in ("", "0"):
        return True
    return value in values


def koha_holdings(marc: Fields, profile: ImportProfile) -> list[Holding]:
    """952: $a home library ($b holding), $c location ($8 collection), $o call
    number, $p barcode, $y item type, $7 not for loan, $1 lost, $4 damaged, $0 withdrawn."""
    status, found = profile.status, []
    location = profile.holdings.koha_location
    other = "8" if location == "c" else "c"
    for field in marc("952"):
        one = _firsts(field, _KOHA_CODES)
        if _means(one["0"], status.withdrawn):
            continue
        state = CopyStatus.AVAILABLE
        if _means(one["1"], status.lost):
            state = CopyStatus.LOST
        elif _means(one["4"], status.damaged):
            state = CopyStatus.IN_REPAIR
        elif one["7"].strip() in status.processing:
            state = CopyStatus.PROCESSING
        elif _means(one["7"], status.not_for_loan):
            state = CopyStatus.NOT_FOR_LOAN
        found.append(Holding(
            barcode=one["p"], library_code=one["a"] or one["b"],
            location_code=one[location] or one[other],
            shelf_mark=one["o"], status=state, item_type=one["y"]))
    return found


_KOHA_CODES = "01478abcopy"
"""The 952 subfields ``koha_holdings`` reads."""


def _firsts(field: pymarc.Field, codes: str) -> dict[str, str]:
    """``_first`` of ``field`` for each of ``codes``, its subfields read once
    (a 952 is asked for a dozen codes)."""
    found = dict.fromkeys(codes, "")
    for code, value in field.subfields:
        if len(code) != 1:  # a damaged code: matched as ``_first`` matches it
            return {code: _first(field, code) for code in codes}
        if not found.get(code, "-") and (value := text(value)):  # wanted, not yet found
            found[code] = value
    return found


def _link(field: pymarc.Field) -> str:
    """The field link number of a field's $8 (``1.2`` → ``1``)."""
    value = _first(field, "8")
    return value.split(".")[0].split("\\")[0]


def marc_holdings(marc: Fields, profile: ImportProfile) -> list[Holding]:
    """852 (location) with the 876 items that belong to it: $8 links them;
    without links, every 876 belongs to the only 852 (or the nth to the nth).
    852: $b library ($a without it), $c location, $k $h $i $m call number
    ($j without them), $p barcode; 876: $p barcode, $j item status."""
    locations, items = marc("852"), marc("876")
    found = []
    for n, location in enumerate(locations):
        link = _link(location)
        mine = [i for i in items if link and _link(i) == link] if link else []
        if not link and not any(_link(i) for i in items):
            mine = items if len(locations) == 1 else items[n:n + 1]
        shelf = " ".join(_values(location, "khim")) or " ".join(_values(location, "j"))
        library = _first(location, "b") or _first(location, "a")
        place = _first(location, "c")
        pieces = [(_first(i, "p"), _item_status(i, profile)) for i in mine] \
            or [(_first(location, "p"), CopyStatus.AVAILABLE)]
        found += [Holding(barcode=barcode, library_code=library, location_code=place,
                          shelf_mark=shelf, status=state)
                  for barcode, state in pieces if state is not None]
    return found


def _item_status(item: pymarc.Field, profile: ImportProfile) -> CopyStatus | None:
    """876 $j as a copy status; None: withdrawn (not imported)."""
    value = _first(item, "j").casefold()
    state = profile.status.item_status.get(value, "available")
    return None if state == "withdrawn" else CopyStatus(state)


def holdings(marc: Fields, profile: ImportProfile) -> list[Holding]:
    field = profile.holdings.field
    if field == "952" or (field == "auto" and marc("952")):
        return koha_holdings(marc, profile)
    return marc_holdings(marc, profile)


# ---------------------------------------------------------------- the record


def identity(marc: Fields, profile: ImportProfile) -> tuple[str, str]:
    """(control number, its source): 001 and 003, or the profile's subfield."""
    where = profile.holdings.control_number
    if where == "001":
        return text(marc.fixed("001")), text(marc.fixed("003"))
    tag, code = where.split("$")
    number = next((v for f in marc(tag) for v in _values(f, code)), "")
    return number, text(marc.fixed("003"))


def _unreadable(value: str) -> bool:
    """Whether a title decoded into mostly combining marks: text in another
    character set (e.g. Windows-1251) read as MARC-8."""
    if value.isascii():
        return False
    # A mark takes at least two bytes of UTF-8: a title with fewer extra bytes
    # than a third of its letters cannot be mostly marks (the usual case).
    extra = len(value.encode("utf-8", "surrogatepass")) - len(value)
    if 3 * extra <= len("".join(value.split())):
        return False
    letters = [c for c in value if not c.isspace()]
    marks = sum(1 for c in letters if unicodedata.combining(c))
    return len(letters) > 3 and marks * 3 > len(letters)


def map_record(record: pymarc.Record, profile: ImportProfile = DEFAULT_PROFILE) -> Mapped:
    """``record`` as a Mana record's fields with its holdings. Raises ``MappingError``."""
    marc = Fields(record)
    number, source = identity(marc, profile)
    if not number:
        where = profile.holdings.control_number
        raise MappingError(f"no control number ({where}): a later import could not find "
                           "the record again")
    if len(number) > 64 or len(source) > 64:
        raise MappingError("the control number (001/003) is longer than 64 characters")
    deleted = marc.leader[5:6] == "d"
    name = title(marc)
    if not deleted and not name:
        raise MappingError("no title (245 $a)")
    if _unreadable(name):
        raise MappingError("the text is not in the character set leader/09 says "
                           "(MARC-8 or UTF-8): the title reads as "
                           f"{name[:30]!r}")
    found = holdings(marc, profile) if not deleted else []
    kind = material_type(marc)
    overrides = [profile.item_types[h.item_type] for h in found if h.item_type in
                 profile.item_types]
    fields = {
        "title": name, "authors": authors(marc), "year": year(marc),
        "publisher": publisher(marc), "isbn": isbn(marc), "language": language(marc),
        "subjects": subjects(marc), "material_type": overrides[0] if overrides else kind,
        "description": summary(marc), "source": host_item(marc),
        "responsibility": responsibility(marc), "edition": edition(marc),
        "physical": physical(marc), "series": series(marc), "notes": notes(marc),
        "contents": contents(marc), "links": links(marc), "has_marc": True,
    }
    return Mapped(fields=fields, control_number=number, control_source=source,
                  deleted=deleted, holdings=tuple(found), marcxml=marcxml(record),
                  has_holdings=bool(marc("952", "852")))


def marcxml(marc: pymarc.Record) -> str:
    """``marc`` as one MARCXML record (what ``view.from_marcxml`` reads back),
    written directly: ElementTree's writer costs more than the whole mapping.
    Characters XML cannot hold and unpaired surrogates are left out."""
    out = [f'<record xmlns="http://www.loc.gov/MARC21/slim"><leader>{_xml(str(marc.leader))}'
           "</leader>"]
    for field in marc.fields:
        if field.control_field:
            out.append(f'{_CONTROLFIELDS[field.tag]}{_xml(field.data or "")}</controlfield>')
            continue
        ind1, ind2 = field.indicators
        subfields = field.subfields
        joined = "".join([value for _, value in subfields])
        if not joined.isprintable() or "&" in joined or "<" in joined or ">" in joined:
            subfields = [(code, _xml(value)) for code, value in subfields]
        body = "".join([f"{_SUBFIELDS[code]}{value}</subfield>" for code, value in subfields])
        out.append(f"{_DATAFIELDS[field.tag, ind1 or ' ', ind2 or ' ']}{body}</datafield>")
    out.append("</record>")
    return "".join(out)


class _Tags(dict[Any, str]):
    """Opening tags by their attributes, made once: a file has a few hundred."""

    def __init__(self, make: Callable[..., str]) -> None:
        super().__init__()
        self.make = make

    def __missing__(self, key: Any) -> str:
        tag = self.make(*key) if isinstance(key, tuple) else self.make(key)
        if len(self) < 4096:
            self[key] = tag
        return tag


_DATAFIELDS = _Tags(lambda tag, ind1, ind2: f"<datafield tag={_xml(tag, attribute=True)} "
                    f"ind1={_xml(ind1, attribute=True)} ind2={_xml(ind2, attribute=True)}>")
_SUBFIELDS = _Tags(lambda code: f"<subfield code={_xml(code, attribute=True)}>")
_CONTROLFIELDS = _Tags(lambda tag: f"<controlfield tag={_xml(tag, attribute=True)}>")


def _xml(value: str, *, attribute: bool = False) -> str:
    if not value.isprintable():
        value = _NOT_XML.sub("", value)
    if attribute:
        return f'"{value}"' if value.isalnum() or value == " " else quoteattr(value)
    return escape(value) if ("&" in value or "<" in value or ">" in value) else value
