"""``mana import`` (issue 14) on SQLite and PostgreSQL: the real LC files of
../shared/marc and records with holdings built here, into a database that
holds the demo region, as a server would then serve it."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pymarc
import pytest
import sqlalchemy as sa

from services.engine.hashing import CHEAP_HASHER
from services.marc.importer import Importer, ImportRefused, MarcFile, connect
from services.models import SearchQuery
from services.storage import fill_region, open_database, schema, search
from tests.services.postgres import fresh_database

SHARED = Path(__file__).parents[3] / "shared" / "marc"
REPOSITORY = Path(__file__).parents[2]
TODAY = date(2026, 12, 8)

needs_files = pytest.mark.skipif(not SHARED.is_dir(), reason=f"no MARC test files at {SHARED}")


@pytest.fixture(params=["sqlite", "postgresql"])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database holding the demo region (libraries aizk, kokn …)."""
    from services.demo import build_region

    def filled(where: str) -> str:
        database = open_database(where)
        fill_region(database, build_region(TODAY), CHEAP_HASHER)
        database.close()
        return where

    if request.param == "sqlite":
        yield filled(str(tmp_path / "mana.db"))
    else:
        with fresh_database() as url:
            yield filled(url)


def run(target: str, *paths: Path, dry_run: bool = False):  # type: ignore[no-untyped-def]
    engine = connect(target)
    try:
        return Importer(engine, dry_run=dry_run).run([MarcFile(p) for p in paths])
    finally:
        engine.dispose()


def found(target: str, text: str) -> list[str]:
    """The titles the catalogue search finds for ``text``."""
    engine = connect(target)
    try:
        with engine.connect() as db:
            ids = search.search(db, SearchQuery(text=text)).ids
            return list(db.scalars(sa.select(schema.records.c.title)
                                   .where(schema.records.c.id.in_(ids))))
    finally:
        engine.dispose()


def count(target: str, table: sa.Table, *where: sa.ColumnElement[bool]) -> int:
    engine = connect(target)
    try:
        with engine.connect() as db:
            return db.execute(sa.select(sa.func.count()).select_from(table).where(*where)
                              ).scalar_one()
    finally:
        engine.dispose()


def write(path: Path, *records: pymarc.Record) -> Path:
    with open(path, "wb") as file:
        for record in records:
            file.write(record.as_marc())
    return path


def item_record(number: str, *barcodes: str, deleted: bool = False) -> pymarc.Record:
    marc = pymarc.Record(leader=f"00000{'d' if deleted else 'n'}am a2200000 a 4500",
                         force_utf8=True)
    marc.add_field(pymarc.Field(tag="001", data=number), pymarc.Field(tag="003", data="TEST"))
    marc.add_field(pymarc.Field(tag="245", indicators=pymarc.Indicators("0", "0"),
                                subfields=[pymarc.Subfield("a", f"Ķēniņa grāmata {number}")]))
    for barcode in barcodes:
        marc.add_field(pymarc.Field(tag="952", indicators=pymarc.Indicators(" ", " "), subfields=[
            pymarc.Subfield("a", "aizk"), pymarc.Subfield("c", "ab"),
            pymarc.Subfield("p", barcode), pymarc.Subfield("o", "821 K")]))
    return marc


@needs_files
def test_diacritics_of_marc8_and_utf8_are_found_without_them(target: str) -> None:
    report = run(target, SHARED / "bad_marc8_escape.dat", SHARED / "utf8_errors.dat",
                 SHARED / "utf8.xml")
    assert report.added == 3 and report.clean is False  # utf8_errors: a holding without barcode
    assert found(target, "societe bordeaux") == [
        "Bulletin de la Société linnenne de Bordeaux"]  # as the record spells it
    assert found(target, "san military") == ["[Imperial military middle school, Ṣanʻāʾ]"]


@needs_files
def test_broken_records_are_reported_and_the_rest_imported(target: str) -> None:
    report = run(target, SHARED / "bad_records.mrc", SHARED / "bad_tag.xml",
                 SHARED / "marc.dat")
    assert report.added == 20
    lines = [str(p) for p in report.problems]
    assert f"{SHARED / 'bad_records.mrc'}: record 2: cannot be read: its base address " \
        "(leader/12-16) lies past its end" in lines
    assert any("bad_tag.xml: record 1: cannot be read" in line for line in lines)
    assert report.skipped["unreadable"] == 7
    assert found(target, "pragmatic programmer") == [
        "The pragmatic programmer : from journeyman to master"]


@needs_files
def test_the_same_file_twice_changes_nothing(target: str) -> None:
    first = run(target, SHARED / "marc.dat")
    second = run(target, SHARED / "marc.dat")
    assert (first.added, second.added, second.updated, second.unchanged) == (20, 0, 0, 20)


@needs_files
def test_a_dry_run_writes_nothing(target: str) -> None:
    before = count(target, schema.records)
    report = run(target, SHARED / "marc.dat", dry_run=True)
    assert report.added == 20 and count(target, schema.records) == before


@needs_files
def test_unimarc_and_other_formats_are_refused_with_the_reason(tmp_path: Path) -> None:
    with pytest.raises(ImportRefused, match="UNIMARC"):
        MarcFile(SHARED / "testunimarc.dat")
    with pytest.raises(ImportRefused, match="not MARC21"):
        MarcFile(SHARED / "README.md")


def test_copies_follow_the_holdings_and_a_deleted_record_goes(target: str,
                                                              tmp_path: Path) -> None:
    report = run(target, write(tmp_path / "a.mrc", item_record("r1", "IMP1", "IMP2")))
    assert report.copies["added"] == 2 and report.clean
    copies = schema.copies
    assert count(target, copies, copies.c.barcode.in_(["IMP1", "IMP2"])) == 2
    report = run(target, write(tmp_path / "b.mrc", item_record("r1", "IMP1")))
    assert (report.updated, report.copies["deleted"]) == (1, 1)
    report = run(target, write(tmp_path / "c.mrc", item_record("r1", deleted=True)))
    assert report.deleted == 1
    assert found(target, "kenina gramata") == []
    assert count(target, copies, copies.c.barcode == "IMP1") == 0


def test_a_copy_on_loan_is_never_deleted(target: str, tmp_path: Path) -> None:
    run(target, write(tmp_path / "a.mrc", item_record("r2", "IMP3")))
    engine = connect(target)
    with engine.begin() as db:
        patron = db.execute(sa.select(schema.accounts.c.patron_id).limit(1)).scalar_one()
        rid = db.execute(sa.select(schema.copies.c.record_id)
                         .where(schema.copies.c.barcode == "IMP3")).scalar_one()
        db.execute(schema.loans.insert().values(
            id=999999, patron_id=patron, barcode="IMP3", record_id=rid, library_id="aizk",
            checked_out=TODAY, due=TODAY))
        db.execute(schema.copies.update().where(schema.copies.c.barcode == "IMP3")
                   .values(status="on_loan"))
    engine.dispose()
    report = run(target, write(tmp_path / "b.mrc", item_record("r2", deleted=True)))
    assert report.deleted == 0
    assert any("copy IMP3: on loan or reserved: not deleted" in str(p) for p in report.problems)
    assert found(target, "kenina gramata r2") == ["Ķēniņa grāmata r2"]


def test_an_unknown_library_skips_the_copy_and_keeps_the_record(target: str,
                                                                tmp_path: Path) -> None:
    marc = item_record("r3")
    marc.add_field(pymarc.Field(tag="952", indicators=pymarc.Indicators(" ", " "), subfields=[
        pymarc.Subfield("a", "NOPE"), pymarc.Subfield("p", "IMP9")]))
    report = run(target, write(tmp_path / "a.mrc", marc))
    assert report.added == 1 and report.copies_skipped["unknown library"] == 1
    assert "unknown library 'NOPE'" in str(report.problems[0])


@needs_files
def test_the_command_prints_the_problems_and_the_summary(tmp_path: Path) -> None:
    from services.demo import build_region

    database = open_database(str(tmp_path / "mana.db"))
    fill_region(database, build_region(TODAY), CHEAP_HASHER)
    database.close()
    command = [sys.executable, "-c", "from tui.cli import main; raise SystemExit(main())",
               "import", "--database", str(tmp_path / "mana.db"),
               str(SHARED / "marc.dat"), str(SHARED / "bad_records.mrc")]
    done = subprocess.run(command, capture_output=True, text=True, cwd=REPOSITORY, timeout=120)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert "28 records read: 20 added, 0 updated, 0 deleted, 0 unchanged, 8 skipped." \
        in done.stdout
    assert "bad_records.mrc: record 4: cannot be read: its directory is damaged" in done.stdout
    assert "100%: 28 records" in done.stderr  # plain lines, not a bar, off a terminal
    refused = subprocess.run([*command[:4], "--database", str(tmp_path / "mana.db"),
                              str(SHARED / "testunimarc.dat")],
                             capture_output=True, text=True, cwd=REPOSITORY, timeout=120)
    assert refused.returncode == 2 and "UNIMARC" in refused.stderr
    assert "Traceback" not in refused.stderr


def contents(target: str) -> tuple[list[tuple[str, str]], list[tuple[str, str, str]]]:
    """The records (control number, title) and copies (barcode, record, library)."""
    engine = connect(target)
    try:
        with engine.connect() as db:
            records, copies = schema.records, schema.copies
            titles = db.execute(sa.select(records.c.control_number, records.c.title)
                                .where(records.c.control_number.is_not(None))).all()
            held = db.execute(sa.select(copies.c.barcode, records.c.control_number,
                                        copies.c.library_id)
                              .join(records, records.c.id == copies.c.record_id)).all()
            return sorted(map(tuple, titles)), sorted(map(tuple, held))
    finally:
        engine.dispose()


def test_worker_processes_read_a_large_file_as_it_is_read_here(target: str,
                                                               tmp_path: Path) -> None:
    """A file of more than a batch is decoded and mapped in worker processes:
    the same records, copies and problems, at the same positions."""
    untitled = item_record("w-none", "W-NONE")
    untitled.remove_fields("245")
    pieces = [item_record(f"w{n}", f"W{n}", f"W{n + 1}" if n % 7 == 0 else f"W{n}b").as_marc()
              for n in range(40)]
    pieces[5:5] = [b"not a record\x1d", untitled.as_marc()]
    path = tmp_path / "large.mrc"
    path.write_bytes(b"".join(pieces) + b"00042nam a22 the file ends here")
    here = str(tmp_path / "here.db")
    database = open_database(here)
    from services.demo import build_region

    fill_region(database, build_region(TODAY), CHEAP_HASHER)
    database.close()
    reports = []
    for where, workers in ((target, 2), (here, 0)):
        engine = connect(where)
        try:
            reports.append(Importer(engine, batch=4, workers=workers).run([MarcFile(path)]))
        finally:
            engine.dispose()
    apart, alone = reports
    assert apart.summary() == alone.summary()
    assert [str(p) for p in apart.problems] == [str(p) for p in alone.problems]
    lines = [str(p) for p in apart.problems]
    assert any(line.startswith(f"{path}: record 6: cannot be read") for line in lines)
    assert f"{path}: record 7 (001 w-none): no title (245 $a)" in lines
    assert any(line.startswith(f"{path}: record 43: the file ends inside") for line in lines)
    assert f"{path}: record 2 (001 w1), copy W1: the barcode is also another copy's in " \
        "this import: skipped" in lines
    assert apart.added == 40 and apart.skipped["unreadable"] == 2
    assert contents(target) == contents(here)
