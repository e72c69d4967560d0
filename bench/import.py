"""Benchmark: ``mana import`` of 100,000 MARC21 records with Koha holdings.

Run: ``uv run python bench/import.py [--records N] [--postgresql URL]``.
Writes N records (UTF-8, each with two 952 copies in the demo region's
libraries) with pymarc's own writer, times pymarc's bare read of that file
(the floor: ``MARCReader`` decoding every record, nothing else) and the
import of the same file into an SQLite file and into a fresh PostgreSQL
database the bench creates and drops, and prints records/s of each next to
the floor (goal: the import at least half the bare read rate). The machine
is shared and noisy: read the ratio, not the absolute rate.
"""

from __future__ import annotations

import argparse
import secrets
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import pymarc
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from services.engine.hashing import CHEAP_HASHER  # noqa: E402
from services.marc.importer import WORKERS, Importer, MarcFile, connect  # noqa: E402
from services.storage import fill_region, open_database  # noqa: E402

WORDS = ("grāmata", "dzeja", "vēsture", "Latvija", "jūra", "ķēniņš", "mežs", "pilsēta",
         "stāsts", "zinātne", "māksla", "bērni", "ceļš", "valoda", "daba")
LIBRARIES = (("aizk", "ab"), ("kokn", "bl"), ("jaun", "las"))


def subfields(*pairs: str) -> list[pymarc.Subfield]:
    return [pymarc.Subfield(pairs[i], pairs[i + 1]) for i in range(0, len(pairs), 2)]


def make_record(n: int, rng: secrets.SystemRandom) -> pymarc.Record:
    marc = pymarc.Record(force_utf8=True, leader="00000nam a2200000 a 4500")
    title = " ".join(rng.choice(WORDS) for _ in range(4)).capitalize()
    marc.add_field(
        pymarc.Field(tag="001", data=f"b{n:07d}"), pymarc.Field(tag="003", data="BENCH"),
        pymarc.Field(tag="008", data=f"241201s{1950 + n % 75}    lv            000 0 lav d"),
        pymarc.Field(tag="020", indicators=pymarc.Indicators(" ", " "),
                     subfields=subfields("a", "9780306406157")),
        pymarc.Field(tag="100", indicators=pymarc.Indicators("1", " "),
                     subfields=subfields("a", f"{rng.choice(WORDS).capitalize()}, Autors {n},")),
        pymarc.Field(tag="245", indicators=pymarc.Indicators("1", "0"),
                     subfields=subfields("a", f"{title} /", "c", "Autors.")),
        pymarc.Field(tag="264", indicators=pymarc.Indicators(" ", "1"),
                     subfields=subfields("a", "Rīga :", "b", "Zvaigzne ABC,", "c", "2024.")),
        pymarc.Field(tag="300", indicators=pymarc.Indicators(" ", " "),
                     subfields=subfields("a", "231 lpp. ;", "c", "21 cm")),
        pymarc.Field(tag="650", indicators=pymarc.Indicators(" ", "7"),
                     subfields=subfields("a", rng.choice(WORDS), "x", "Vēsture", "2", "lnb")),
    )
    for copy in range(2):
        library, location = LIBRARIES[(n + copy) % len(LIBRARIES)]
        marc.add_field(pymarc.Field(tag="952", indicators=pymarc.Indicators(" ", " "),
                                    subfields=subfields("a", library, "c", location,
                                                        "o", f"821 {n}", "p", f"B{n:07d}{copy}",
                                                        "y", "BK")))
    return marc


def write_file(path: Path, records: int) -> None:
    rng = secrets.SystemRandom()
    with open(path, "wb") as file:
        writer = pymarc.MARCWriter(file)
        for n in range(records):
            writer.write(make_record(n, rng))


def bare_read(path: Path) -> float:
    """Seconds pymarc takes to decode every record of ``path``."""
    start = time.perf_counter()
    with open(path, "rb") as file:
        count = sum(1 for record in pymarc.MARCReader(file, to_unicode=True) if record)
    assert count
    return time.perf_counter() - start


def timed_import(target: str, path: Path) -> tuple[float, str]:
    database = open_database(target)
    from services.demo import build_region

    fill_region(database, build_region(date(2026, 12, 8)), CHEAP_HASHER)
    database.close()
    engine = connect(target)
    try:
        start = time.perf_counter()
        report = Importer(engine).run([MarcFile(path)])
        return time.perf_counter() - start, report.summary().splitlines()[0]
    finally:
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--postgresql", default="postgresql://root@127.0.0.1:5432/postgres",
                        help="an administrator URL: the bench creates and drops a database")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "bench.mrc"
        start = time.perf_counter()
        write_file(path, args.records)
        print(f"wrote {args.records:,} records ({path.stat().st_size / 2**20:.0f} MiB) "
              f"in {time.perf_counter() - start:.1f} s")
        floor = args.records / bare_read(path)
        print(f"pymarc bare read:  {floor:8,.0f} records/s (the floor); the import reads in "
              f"{WORKERS} worker processes")
        targets = [("SQLite", str(Path(directory) / "bench.db"))]
        admin = sa.create_engine(args.postgresql.replace("postgresql://", "postgresql+psycopg://"),
                                 isolation_level="AUTOCOMMIT")
        name = f"mana_bench_{secrets.token_hex(4)}"
        try:
            with admin.connect() as db:
                db.execute(sa.text(f'CREATE DATABASE "{name}"'))
            targets.append(("PostgreSQL", str(sa.make_url(args.postgresql).set(database=name)
                                              .render_as_string(hide_password=False))))
        except sa.exc.SQLAlchemyError as e:
            print(f"PostgreSQL skipped: {str(getattr(e, 'orig', e)).splitlines()[0]}")
        try:
            for label, target in targets:
                seconds, summary = timed_import(target, path)
                rate = args.records / seconds
                print(f"import {label + ':':12}{rate:8,.0f} records/s, {rate / floor:.2f}× the "
                      f"floor ({seconds:.1f} s; {summary})")
        finally:
            if len(targets) > 1:
                with admin.connect() as db:
                    db.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


if __name__ == "__main__":
    main()
