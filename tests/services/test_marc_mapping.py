"""MARC21 → Mana records (issue 14): the real LC records of ../shared/marc
and holdings built here, mapped as a reader would expect them."""

from __future__ import annotations

from pathlib import Path

import pymarc
import pytest

from services.marc.mapping import MappingError, map_record
from services.marc.profile import ProfileError, profile_from, read_profile
from services.marc.view import record_as_marc
from services.models import CopyStatus, MaterialType, Record

SHARED = Path(__file__).parents[3] / "shared" / "marc"
REPOSITORY = Path(__file__).parents[2]

needs_files = pytest.mark.skipif(not SHARED.is_dir(), reason=f"no MARC test files at {SHARED}")


def first(name: str) -> pymarc.Record:
    with open(SHARED / name, "rb") as file:
        return next(iter(pymarc.MARCReader(file)))


def book(*fields: pymarc.Field, leader: str = "00000nam a2200000 a 4500") -> pymarc.Record:
    marc = pymarc.Record(leader=leader, force_utf8=True)
    marc.add_field(pymarc.Field(tag="001", data="b1"), pymarc.Field(tag="003", data="LV-RgLB"))
    marc.add_field(pymarc.Field(tag="008", data="241201s2024    lv            000 0 lav d"))
    marc.add_field(data("245", ("a", "Zaļā grāmata :"), ("b", "stāsti /"), ("c", "A. Autore.")))
    for field in fields:
        marc.add_field(field)
    return marc


def data(tag: str, *pairs: tuple[str, str], indicators: str = "  ") -> pymarc.Field:
    return pymarc.Field(tag=tag, indicators=pymarc.Indicators(*indicators),
                        subfields=[pymarc.Subfield(c, v) for c, v in pairs])


@needs_files
def test_an_lc_book_reads_as_its_catalogue_card() -> None:
    mapped = map_record(first("marc.dat"))
    record = mapped.record
    assert record.title == "The pragmatic programmer : from journeyman to master"
    assert record.authors == ["Hunt, Andrew", "Thomas, David"]
    assert (record.year, record.publisher, record.isbn) == (2000, "Addison-Wesley", "020161622X")
    assert record.language == "en" and record.material_type is MaterialType.BOOK
    assert record.physical.startswith("xxiv, 321 p.")
    assert "Computer programming" in record.subjects
    assert mapped.control_number == "11778504" and not mapped.deleted


@needs_files
def test_a_date_written_as_9999_gives_the_year_of_publication() -> None:
    (marc,) = pymarc.parse_xml_to_array(str(SHARED / "utf8.xml"))
    assert marc["008"].data[7:11] == "9999"
    assert map_record(marc).record.year == 2008  # 260 $c "03 Nov 2008"


@needs_files
def test_marc8_and_utf8_diacritics_come_out_the_same() -> None:
    marc8 = map_record(first("marc8.dat")).record
    utf8 = map_record(first("utf8_with_leader_flag.dat")).record
    assert marc8 == utf8
    french = map_record(first("bad_marc8_escape.dat")).record
    assert "Société" in french.title and french.material_type is MaterialType.PERIODICAL
    assert french.isbn == "0750-6848" and french.language == "fr"


@needs_files
def test_subjects_are_joined_with_their_subdivisions_and_links_kept() -> None:
    with open(SHARED / "utf8_errors.dat", "rb") as file:
        record = map_record(next(iter(pymarc.MARCReader(file)))).record
    assert "Military education -- Yemen -- Ṣanʻāʾ -- 1880-1900" in record.subjects
    assert record.links[0].url == "http://hdl.loc.gov/loc.pnp/cph.3b28212"


@needs_files
def test_text_in_another_character_set_is_refused_with_the_reason() -> None:
    with pytest.raises(MappingError, match="character set leader/09 says"):
        map_record(first("1251.dat"))


def test_a_record_without_a_title_is_refused() -> None:
    marc = pymarc.Record()
    marc.add_field(pymarc.Field(tag="001", data="x"))
    with pytest.raises(MappingError, match="no title"):
        map_record(marc)


def test_isbd_punctuation_and_control_characters_are_dropped() -> None:
    marc = book(data("020", ("a", "978-0-306-40615-7 (pbk.)")),
                data("250", ("a", "2. izd.")),
                data("500", ("a", "Piezīme\x1b[31m ar\tvadību.")),
                data("520", ("a", "Kopsavilkums.")),
                data("490", ("a", "Sērija ;"), ("v", "3"), indicators="0 "))
    record = map_record(marc).record
    assert record.title == "Zaļā grāmata : stāsti"
    assert record.responsibility == "A. Autore"
    assert record.isbn == "9780306406157" and record.edition == "2. izd"
    assert record.notes == ["Piezīme[31m ar vadību"]  # ESC and tab gone
    assert record.description == "Kopsavilkums" and record.series == ["Sērija ; 3"]
    assert record.language == "lv" and record.year == 2024


def test_koha_holdings_give_copies_with_their_states() -> None:
    marc = book(
        data("952", ("a", "aizk"), ("c", "ab"), ("o", "821 Z"), ("p", "A1"), ("y", "BK")),
        data("952", ("a", "aizk"), ("c", "ab"), ("p", "A2"), ("7", "1")),
        data("952", ("a", "aizk"), ("c", "ab"), ("p", "A3"), ("1", "2")),
        data("952", ("a", "aizk"), ("c", "ab"), ("p", "A4"), ("4", "1")),
        data("952", ("a", "aizk"), ("c", "ab"), ("p", "A5"), ("0", "1")),
    )
    holdings = map_record(marc).holdings
    assert [(h.barcode, h.status) for h in holdings] == [
        ("A1", CopyStatus.AVAILABLE), ("A2", CopyStatus.NOT_FOR_LOAN),
        ("A3", CopyStatus.LOST), ("A4", CopyStatus.IN_REPAIR)]  # A5 withdrawn
    assert (holdings[0].library_code, holdings[0].location_code, holdings[0].shelf_mark,
            holdings[0].item_type) == ("aizk", "ab", "821 Z", "BK")


def test_852_with_876_items_and_item_type_overrides() -> None:
    marc = book(data("852", ("b", "kokn"), ("c", "las"), ("h", "821"), ("i", "Z")),
                data("876", ("p", "K1")), data("876", ("p", "K2"), ("j", "Missing")))
    holdings = map_record(marc).holdings
    assert [(h.barcode, h.library_code, h.location_code, h.shelf_mark, h.status)
            for h in holdings] == [("K1", "kokn", "las", "821 Z", CopyStatus.AVAILABLE),
                                   ("K2", "kokn", "las", "821 Z", CopyStatus.LOST)]
    profile = profile_from({"item_types": {"CD": "audiobook"}})
    marc = book(data("952", ("a", "aizk"), ("p", "C1"), ("y", "CD")))
    assert map_record(marc, profile).record.material_type is MaterialType.AUDIOBOOK


def test_types_from_the_leader() -> None:
    article = book(data("773", ("t", "Rīgas Laiks"), ("g", "2024, nr. 3")),
                   leader="00000naa a2200000 a 4500")
    assert map_record(article).record.material_type is MaterialType.ARTICLE
    assert map_record(article).record.source == "Rīgas Laiks, 2024, nr. 3"
    assert map_record(book(leader="00000nim a2200000 a 4500")).record.material_type \
        is MaterialType.AUDIOBOOK
    assert map_record(book(leader="00000dam a2200000 a 4500")).deleted


def test_a_record_of_the_region_goes_to_marc_and_back() -> None:
    record = Record(id=7, title="Dzejas", authors=["Rainis"], year=1910, isbn="9780306406157",
                    publisher="Zvaigzne", subjects=["Dzeja"], edition="2. izd",
                    series=["Klasika"], notes=["Piezīme"], physical="120 lpp")
    back = map_record(record_as_marc(record)).record
    assert (back.title, back.isbn, back.publisher, back.subjects, back.physical) == (
        record.title, record.isbn, record.publisher, record.subjects, record.physical)
    assert (back.authors, back.year, back.edition, back.series, back.notes) == (
        record.authors, record.year, record.edition, record.series, record.notes)


def test_a_bad_profile_names_the_key(tmp_path: Path) -> None:
    path = tmp_path / "import.toml"
    path.write_text('[holdings]\nfeild = "952"\n[item_types]\nCD = "vinyl"\n')
    with pytest.raises(ProfileError) as error:
        read_profile(path)
    assert "holdings.feild: unknown key" in str(error.value)
    assert "item_types.CD" in str(error.value)


def test_the_documented_profile_is_the_default() -> None:
    from services.marc.profile import DEFAULT_PROFILE

    assert read_profile(REPOSITORY / "import.toml") == DEFAULT_PROFILE
