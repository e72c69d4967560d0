"""``mana import``: MARC21 files (ISO 2709 in MARC-8 or UTF-8, MARCXML) into
the region's database, while ``mana serve`` serves it.

Reading: pymarc decodes every record (``pymarc.Record``; leader/09 ``a``
means UTF-8, else MARC-8). An ISO 2709 file is cut at the record
terminators first, so a record with a broken length or directory fails
alone and the next one is read from where it starts; a MARCXML file is
parsed as a stream, record by record. UNIMARC and other formats are refused
before anything is written.

Mapping (``services.marc.mapping``): each record becomes an ``Item`` (a
Mana record with its holdings and MARCXML) or the ``Problem`` that skips it.
Decoding and mapping are most of the work, so for an ISO 2709 file of more
than a batch the ``Reader`` hands the cut records to worker processes
(``WORKERS``), ``CHUNK_RECORDS`` at a time, and takes their items back in
the file's order while this process writes the batches before: the items
and problems are the same as read here.

Writing: batches of ``BATCH`` records, each one transaction (SQLite ``BEGIN
IMMEDIATE``: the server waits for a batch at most its busy timeout and the
import for a server's call likewise; PostgreSQL SERIALIZABLE, retried when
it lost a race with a server's transaction). A record's identity is its
001 with 003: the same one again updates it, its copies matched by barcode;
leader/05 ``d`` deletes it. A record whose MARC and material type are as
stored, and whose copies are as the file says, is left untouched: the same
file twice changes nothing the second time. A copy on loan or reserved (or
in a reservation's or loan's history, which would be lost) is never deleted
or moved: the import reports it and leaves it. A record without holdings
fields keeps the copies it has. ``dry_run`` does all of it and rolls each
batch back.
"""

from __future__ import annotations

import gc
import itertools
import json
import logging
import multiprocessing
import os
import re
import secrets
import signal
import sys
import time
import warnings
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from operator import itemgetter
from pathlib import Path
from typing import Any
from xml.sax import SAXParseException, make_parser
from xml.sax.handler import feature_namespaces

import pymarc
import sqlalchemy as sa
from pymarc.marcxml import XmlHandler
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Connection, Engine

from services.marc.mapping import Mapped, MappingError, map_record
from services.marc.profile import DEFAULT_PROFILE, ImportProfile
from services.models import CopyStatus, Record
from services.storage import rows, schema, search
from services.storage.database import (
    DatabaseInUse,
    StorageError,
    create_engine,
    head_revision,
    is_url,
    open_database,
    shown,
)

logging.getLogger("pymarc").setLevel(logging.ERROR)
"""pymarc logs each field it had to repair (missing indicators …); it reads them anyway."""
warnings.filterwarnings("ignore", category=pymarc.exceptions.BadSubfieldCodeWarning)
"""A damaged subfield code: kept as pymarc read it (a filter per record costs as much
as a tenth of the reading)."""

BATCH = 1000
"""Records per transaction: small enough that a server waits for one well
within its busy timeout, large enough to write in few statements."""

CHUNK = 1 << 20
"""Bytes read from a file at a time."""

RETRIES = 20
RETRY_CODES = {"40001", "40P01"}
"""serialization_failure, deadlock_detected (PostgreSQL)."""

IMPORT_LOCK = 0x4D415243  # "MARC"
"""The PostgreSQL advisory lock an import's batch holds while it takes new record ids."""

CIRCULATING = {CopyStatus.ON_LOAN, CopyStatus.RESERVED, CopyStatus.ON_HOLD,
               CopyStatus.IN_TRANSIT}
"""Statuses the circulation gives: an import never overwrites them."""

END_OF_RECORD = b"\x1d"
LINE_TABLES = ((schema.record_authors, rows.author_rows),
               (schema.record_subjects, rows.subject_rows),
               (schema.record_series, rows.series_rows),
               (schema.record_notes, rows.note_rows),
               (schema.record_links, rows.link_rows))


class ImportRefused(Exception):
    """A file or database the import does not take; the message says why."""


@dataclass(frozen=True)
class Problem:
    """A record skipped, or a copy of it skipped or left, and why."""

    file: str
    position: int
    """The record's place in its file, from 1."""
    control_number: str
    reason: str
    kind: str
    """The reason's short form, as the summary counts it."""
    barcode: str = ""

    def __str__(self) -> str:
        where = f"{self.file}: record {self.position}"
        if self.control_number:
            where += f" (001 {self.control_number})"
        if self.barcode:
            where += f", copy {self.barcode}"
        return f"{where}: {self.reason}"


@dataclass
class Report:
    """What an import did (or, dry, would do)."""

    read: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    copies: Counter[str] = field(default_factory=Counter)
    """Copies added, updated, deleted."""
    skipped: Counter[str] = field(default_factory=Counter)
    """Records skipped, by reason."""
    copies_skipped: Counter[str] = field(default_factory=Counter)
    """Copies skipped or left as they were, by reason."""
    problems: list[Problem] = field(default_factory=list)

    def merge(self, other: Report) -> None:
        for name in ("read", "added", "updated", "unchanged", "deleted"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.copies.update(other.copies)
        self.skipped.update(other.skipped)
        self.copies_skipped.update(other.copies_skipped)
        self.problems += other.problems

    def skip(self, problem: Problem) -> None:
        (self.copies_skipped if problem.barcode else self.skipped)[problem.kind] += 1
        self.problems.append(problem)

    @property
    def clean(self) -> bool:
        return not self.problems

    def summary(self, dry_run: bool = False) -> str:
        """The closing lines: counts of records and copies, skips by reason."""
        lines = [
            f"{self.read} records read: {self.added} added, {self.updated} updated, "
            f"{self.deleted} deleted, {self.unchanged} unchanged, "
            f"{sum(self.skipped.values())} skipped" + (" (dry run: nothing written)"
                                                       if dry_run else "") + ".",
            f"Copies: {self.copies['added']} added, {self.copies['updated']} updated, "
            f"{self.copies['deleted']} deleted, {sum(self.copies_skipped.values())} "
            f"skipped or left.",
        ]
        for title, counts in (("Records skipped", self.skipped),
                              ("Copies skipped or left", self.copies_skipped)):
            lines += [f"{title}: {n} {kind}" for kind, n in counts.most_common()]
        return "\n".join(lines)


# ------------------------------------------------------------------ reading


@dataclass(frozen=True)
class Entry:
    """One record of a file: decoded, or why it could not be."""

    file: str
    position: int
    marc: pymarc.Record | None
    reason: str = ""
    control_number: str = ""


class MarcFile:
    """A MARC21 file to read, its format told by its first bytes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.name = str(path)
        self.done = 0
        """Bytes of the records read so far (the progress bar's measure)."""
        self.cut = 0
        """ISO 2709: bytes cut into records so far (``pieces``), read or not."""
        try:
            self.size = path.stat().st_size
            with open(path, "rb") as file:
                head = file.read(64)
        except OSError as e:
            raise ImportRefused(f"{path}: cannot read: {e.strerror or e}") from None
        start = head.lstrip(b"\xef\xbb\xbf \t\r\n")
        if start.startswith(b"<"):
            self.xml = True
        elif start[:5].isdigit() and len(start) >= 24:
            self.xml = False
        else:
            raise ImportRefused(
                f"{path}: not MARC21: mana import reads ISO 2709 (.mrc, .dat) and MARCXML "
                f"files, and this one begins {start[:16]!r}")
        self.check()

    def check(self) -> None:
        """Refuse UNIMARC, which is ISO 2709 too but means other things by its tags."""
        first = next((e.marc for e in itertools.islice(self, 5) if e.marc is not None), None)
        self.done = 0
        if first is not None and looks_unimarc(first):
            raise ImportRefused(
                f"{self.path}: this is UNIMARC (its title is in field 200, not 245): mana import "
                "reads MARC21 only. Export the catalogue as MARC21, or convert it first.")

    def __iter__(self) -> Iterator[Entry]:
        return self._xml() if self.xml else self._iso2709()

    def _iso2709(self) -> Iterator[Entry]:
        for position, data in self.pieces():
            self.done = self.cut
            yield decode(self.name, position, data)

    def pieces(self) -> Iterator[tuple[int, bytes]]:
        """ISO 2709: each record's place in the file and its bytes, cut at the
        record terminators but not decoded (``decode`` does that); the last
        one without a terminator when the file ends inside it."""
        position, rest = 0, b""
        self.cut = 0
        with open(self.path, "rb") as file:
            while chunk := file.read(CHUNK):
                pieces = (rest + chunk).split(END_OF_RECORD)
                rest = pieces.pop()
                for piece in pieces:
                    self.cut += len(piece) + len(END_OF_RECORD)
                    piece = piece.lstrip(b"\r\n ")
                    if piece:
                        position += 1
                        yield position, piece + END_OF_RECORD
        self.cut += len(rest)
        if rest.strip(b"\r\n \x1a"):
            yield position + 1, rest

    def _xml(self) -> Iterator[Entry]:
        handler = _StreamHandler(self.name)
        parser = make_parser()
        parser.setContentHandler(handler)
        parser.setFeature(feature_namespaces, 1)
        with open(self.path, "rb") as file:
            try:
                while chunk := file.read(CHUNK):
                    self.done += len(chunk)
                    parser.feed(chunk)  # type: ignore[attr-defined]
                    yield from handler.take()
                parser.close()  # type: ignore[attr-defined]
            except SAXParseException as e:
                yield from handler.take()
                yield Entry(self.name, handler.position + 1, None,
                            f"not well-formed XML at line {e.getLineNumber()}: "
                            f"{e.getMessage()}; the rest of the file was not read")
                return
        yield from handler.take()


def decode(file: str, position: int, data: bytes) -> Entry:
    """The record ``data`` at ``position`` of ``file`` (as ``MarcFile.pieces``
    cuts it), decoded by pymarc."""
    if not data.endswith(END_OF_RECORD):
        return Entry(file, position, None,
                     "the file ends inside this record (no record terminator)", raw_001(data))
    try:
        marc = pymarc.Record(data=data, to_unicode=True, hide_utf8_warnings=True)
    except Exception as e:  # noqa: BLE001 - pymarc raises what the bytes make it raise
        return Entry(file, position, None, _read_reason(e, data), raw_001(data))
    return Entry(file, position, marc)


class _StreamHandler(XmlHandler):
    """pymarc's MARCXML handler, record by record: a record that breaks it
    (a bad leader, tag or indicator) is one bad entry; the next one is read."""

    def __init__(self, name: str) -> None:
        super().__init__(strict=True, normalize_form="NFC")
        self.name = name
        self.position = 0
        self.entries: list[Entry] = []
        self._broken = ""

    def take(self) -> list[Entry]:
        entries, self.entries = self.entries, []
        return entries

    def startElementNS(self, name: Any, qname: Any, attrs: Any) -> None:  # noqa: N802
        if name[1] == "record":
            self.position += 1
            self._broken = ""
        if self._broken:
            return
        try:
            super().startElementNS(name, qname, attrs)
        except Exception as e:  # noqa: BLE001 - whatever the element makes pymarc raise
            self._broken = _read_reason(e, b"")

    def endElementNS(self, name: Any, qname: Any) -> None:  # noqa: N802
        if name[1] == "record" and self._broken:
            self.entries.append(Entry(self.name, self.position, None, self._broken,
                                      _xml_001(self._record)))
            self._record, self._field, self._broken = None, None, ""
            return
        if self._broken:
            return
        try:
            super().endElementNS(name, qname)
        except Exception as e:  # noqa: BLE001
            self._broken = _read_reason(e, b"")

    def process_record(self, record: pymarc.Record) -> None:
        self.entries.append(Entry(self.name, self.position, record))


_ODD_CODE = re.compile(rb"\x1f[\x80-\xff]")
"""A subfield code that is not ASCII (pymarc repairs it)."""


def _xml_001(record: pymarc.Record | None) -> str:
    field = record.get("001") if record is not None else None
    return (field.data or "").strip() if field is not None else ""


def looks_unimarc(record: pymarc.Record) -> bool:
    """UNIMARC has its title in 200 and a coded 100 $a; MARC21 has 245."""
    return record.get("245") is None and record.get("200") is not None


def raw_001(data: bytes) -> str:
    """The 001 of an undecodable record, read from its directory if it can be."""
    try:
        base = int(data[12:17])
        directory = data[24:data.index(b"\x1e")]
        for i in range(0, len(directory) - 11, 12):
            if directory[i:i + 3] == b"001":
                length, start = int(directory[i + 3:i + 7]), int(directory[i + 7:i + 12])
                value = data[base + start:base + start + length].rstrip(b"\x1e")
                return value.decode("ascii", "replace").strip()[:64]
    except (ValueError, IndexError):
        pass
    return ""


_PYMARC_REASONS = {
    "RecordLengthInvalid": "its length (leader/00-04) is not a number",
    "RecordLeaderInvalid": "its leader is not 24 characters",
    "BaseAddressInvalid": "its base address (leader/12-16) lies past its end",
    "BaseAddressNotFound": "its base address (leader/12-16) is missing",
    "RecordDirectoryInvalid": "its directory is damaged",
    "NoFieldsFound": "it has no fields",
    "TruncatedRecord": "it is shorter than its leader says",
    "EndOfRecordNotFound": "it has no record terminator",
    "BadSubfieldCodeWarning": "a subfield code is damaged",
}


def _read_reason(error: BaseException, data: bytes) -> str:
    """Why pymarc could not read a record, in words."""
    name = type(error).__name__
    if name in _PYMARC_REASONS:
        return f"cannot be read: {_PYMARC_REASONS[name]}"
    if isinstance(error, UnicodeDecodeError):
        charset = "UTF-8" if data[9:10] == b"a" else "MARC-8"
        return (f"cannot be read: bytes that are not {charset}, as its leader/09 says "
                f"(at byte {error.start} of a field)")
    if isinstance(error, ValueError | IndexError):
        return "cannot be read: its directory is damaged (a length or position is wrong)"
    text = str(error).strip().splitlines()[0] if str(error).strip() else name
    return f"cannot be read: {text}"


# ------------------------------------------------------------------ mapping


@dataclass(frozen=True)
class Item:
    """A mapped record with where it came from (not the pymarc record: a
    batch holds a thousand, and the garbage collector would walk them all)."""

    file: str
    position: int
    mapped: Mapped

    @property
    def key(self) -> tuple[str, str]:
        return self.mapped.control_number, self.mapped.control_source

    def problem(self, reason: str, kind: str, barcode: str = "") -> Problem:
        return Problem(self.file, self.position, self.mapped.control_number,
                       reason, kind, barcode)


def mapped(entry: Entry, profile: ImportProfile) -> Item | Problem:
    """``entry`` mapped to what the import writes, or the problem that skips it."""
    if entry.marc is None:
        return Problem(entry.file, entry.position, entry.control_number, entry.reason,
                       "unreadable")
    try:
        return Item(entry.file, entry.position, map_record(entry.marc, profile))
    except MappingError as e:
        return Problem(entry.file, entry.position, _xml_001(entry.marc), str(e),
                       str(e).split(":")[0].split(" (")[0])
    except Exception as e:  # noqa: BLE001 - one odd record fails only itself
        return Problem(entry.file, entry.position, _xml_001(entry.marc),
                       f"cannot be mapped: {type(e).__name__}: {e}", "cannot be mapped")


WORKERS = 2 if (os.cpu_count() or 1) > 1 else 0
"""Processes that decode and map while this one writes: two keep up with the
writer (they give it a busy core first), and on one core they would only
take turns with it."""

CHUNK_RECORDS = 250
"""Records a worker process decodes and maps at a time."""

AHEAD = 8
"""Chunks given to the workers ahead of the one being written: enough to
keep them busy while a batch is written."""


class Reader:
    """The records of the files, in their order, each mapped (an ``Item``) or
    the ``Problem`` that skips it.

    pymarc's decoding and the mapping are most of an import's work: an ISO
    2709 file of more than ``batch`` records is cut into its records here,
    and worker processes decode and map them, ``CHUNK_RECORDS`` at a time,
    while this process writes what came back before. A smaller file (not
    worth starting the processes for) and MARCXML (parsed as one stream) are
    read here. Either way the items and problems are the same."""

    def __init__(self, profile: ImportProfile, batch: int, workers: int = WORKERS) -> None:
        self.profile = profile
        self.batch = batch
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> Reader:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None

    def read(self, marc_file: MarcFile) -> Iterator[Item | Problem]:
        """``marc_file``'s records, mapped, in its order."""
        if marc_file.xml or self.workers < 1:
            return (mapped(entry, self.profile) for entry in marc_file)
        pieces = marc_file.pieces()
        first = list(itertools.islice(pieces, self.batch + 1))
        marc_file.done = marc_file.cut
        if len(first) <= self.batch:
            return self._here(marc_file.name, first)
        return self._in_workers(marc_file, itertools.chain(first, pieces))

    def _here(self, name: str, pieces: Iterable[tuple[int, bytes]]) -> Iterator[Item | Problem]:
        return (mapped(decode(name, *piece), self.profile) for piece in pieces)

    def _in_workers(self, marc_file: MarcFile, pieces: Iterator[tuple[int, bytes]]
                    ) -> Iterator[Item | Problem]:
        pool, name = self._started(), marc_file.name
        # the chunks given to the workers and not yet taken back, in the file's
        # order, with the bytes cut when each was (the progress once it is back)
        chunks: deque[tuple[list[tuple[int, bytes]], int]] = deque()
        futures: deque[Future[list[Item | Problem]]] = deque()
        try:
            while chunk := list(itertools.islice(pieces, CHUNK_RECORDS)):
                chunks.append((chunk, marc_file.cut))
                futures.append(pool.submit(_read_chunk, name, chunk))
                if len(futures) >= AHEAD:
                    yield from _taken(marc_file, chunks, futures)
            while futures:
                yield from _taken(marc_file, chunks, futures)
        except BrokenProcessPool:  # a worker was killed: the rest is read here
            self.workers = 0
            for chunk, _ in chunks:
                yield from self._here(name, chunk)
            yield from self._here(name, pieces)

    def _started(self) -> ProcessPoolExecutor:
        if self._pool is None:
            # fork: a worker starts at once, with this process's modules (a
            # new interpreter would import them again, for a second or so);
            # `mana import` runs no other thread that could hold a lock then
            context = multiprocessing.get_context(
                "fork" if sys.platform == "linux" else "spawn")
            self._pool = ProcessPoolExecutor(self.workers, mp_context=context,
                                             initializer=_start_worker,
                                             initargs=(self.profile,))
        return self._pool


def _taken(marc_file: MarcFile, chunks: deque[tuple[list[tuple[int, bytes]], int]],
           futures: deque[Future[list[Item | Problem]]]) -> list[Item | Problem]:
    """The first chunk's items, once its worker is done (then it is taken off)."""
    items = futures[0].result()
    marc_file.done = chunks.popleft()[1]
    futures.popleft()
    return items


_worker_profile = DEFAULT_PROFILE
"""In a worker process: the import's profile."""


def _start_worker(profile: ImportProfile) -> None:
    global _worker_profile
    _worker_profile = profile
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is the importing process's
    gc.freeze()  # as ``_seldom_collected`` (which a forked worker inherits)
    gc.set_threshold(COLLECT_EVERY, *gc.get_threshold()[1:])
    if hasattr(os, "nice"):
        os.nice(5)  # the writer waits for nobody: it gets a busy core first


def _read_chunk(file: str, pieces: list[tuple[int, bytes]]) -> list[Item | Problem]:
    """In a worker process: ``pieces`` of ``file`` decoded and mapped."""
    return [mapped(decode(file, *piece), _worker_profile) for piece in pieces]


COLLECT_EVERY = 50_000
"""New objects between two runs of the garbage collector while an import runs
(Python's default: 700). Every record makes dozens, and a batch keeps
thousands that each run would walk again; decoding and mapping a record
leave no cycles for it to find."""


@contextmanager
def _seldom_collected() -> Iterator[None]:
    """The garbage collector run every ``COLLECT_EVERY`` new objects, and what
    there is when it begins (modules, the engine) left out of its walks."""
    thresholds = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(COLLECT_EVERY, *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


Progress = Callable[[int, int, int], None]
"""Called now and then with (bytes read, bytes in all, records read)."""


# ------------------------------------------------------------------ database


def connect(target: str) -> Engine:
    """An engine on the region's database ``target``, whose schema is up to
    date. An SQLite file no server holds is migrated first (by
    ``open_database``, and let go of again); one a server holds is written
    alongside it (WAL, busy timeout: ``create_engine``). Raises ``ImportRefused``."""
    if not is_url(target):
        if not os.path.exists(target):
            raise ImportRefused(f"{target}: no such database. Give the one `mana serve` "
                                "uses (--database), filled with a region.")
        try:
            open_database(target).close()
        except DatabaseInUse:
            pass  # its server brought the schema up to date
        except StorageError as e:
            raise ImportRefused(str(e)) from None
        engine = create_engine(target)
    else:
        engine = create_engine(target)
        try:
            from services.storage.database import migrate

            migrate(engine, target)
        except (StorageError, sa.exc.SQLAlchemyError) as e:
            engine.dispose()
            raise ImportRefused(str(e).splitlines()[0]) from None
    try:
        with engine.connect() as db:
            revision = db.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
            region = db.execute(sa.select(schema.region_info.c.value)
                                .where(schema.region_info.c.key == "name")).scalar()
    except sa.exc.SQLAlchemyError as e:
        engine.dispose()
        raise ImportRefused(f"{shown(target)}: not a usable Mana database "
                            f"({str(getattr(e, 'orig', e)).strip().splitlines()[0]})") from None
    if revision != head_revision():
        engine.dispose()
        raise ImportRefused(f"{shown(target)}: its schema is {revision}, this Mana's is "
                            f"{head_revision()}: restart its server with this Mana first.")
    if region is None:
        engine.dispose()
        raise ImportRefused(f"{shown(target)}: holds no region yet (no libraries for the "
                            "copies): fill it first, e.g. `mana serve --demo`.")
    return engine


class Importer:
    """Imports MARC files into one database with one profile."""

    def __init__(self, engine: Engine, profile: ImportProfile = DEFAULT_PROFILE, *,
                 dry_run: bool = False, batch: int = BATCH, workers: int = WORKERS) -> None:
        self.engine = engine
        self.profile = profile
        self.dry_run = dry_run
        self.batch = batch
        self.workers = workers
        """Processes that decode and map (``Reader``); 0: all in this one."""
        self.claimed: dict[str, tuple[str, str]] = {}
        """Barcodes given to a record so far in this run: the first keeps one."""
        with engine.connect() as db:
            self.libraries = set(db.scalars(sa.select(schema.libraries.c.id)))
            self.collections = {(library, code) for library, code in db.execute(sa.select(
                schema.collections.c.library_id, schema.collections.c.code))}
        self._places: dict[tuple[str, str], tuple[str, str] | _Unplaced] = {}

    def place(self, library_code: str, location_code: str) -> tuple[str, str] | _Unplaced:
        """(library id, collection code) of a holding's codes, or why they name
        none of the region's (a file has a few pairs of codes: each is worked
        out once)."""
        codes = (library_code, location_code)
        place = self._places.get(codes)
        if place is None:
            place = self._places[codes] = self._resolved(library_code, location_code)
        return place

    def _resolved(self, library_code: str, location_code: str) -> tuple[str, str] | _Unplaced:
        library = self.profile.library(library_code)
        if library not in self.libraries:
            reason = (f"unknown library {library_code!r} (map it in [libraries] of the "
                      "profile)" if library_code else
                      "no library code (set holdings.default_library in the profile)")
            return _Unplaced(reason + ": skipped", "unknown library")
        collection = self.profile.collection(location_code)
        if (library, collection) not in self.collections:
            default = self.profile.holdings.default_collection
            if (library, default) not in self.collections:
                return _Unplaced(
                    f"unknown location {location_code!r} in {library} (map it in "
                    "[collections] of the profile, or set holdings.default_collection): "
                    "skipped", "unknown location")
            collection = default
        return library, collection

    def run(self, files: list[MarcFile], progress: Progress | None = None) -> Report:
        report = Report()
        total = sum(f.size for f in files)
        before = 0
        pending: list[Item] = []
        keys: set[tuple[str, str]] = set()
        with _seldom_collected(), Reader(self.profile, self.batch, self.workers) as reader:
            for marc_file in files:
                for item in reader.read(marc_file):
                    report.read += 1
                    if isinstance(item, Problem):
                        report.skip(item)
                    else:
                        if item.key in keys or len(pending) >= self.batch:
                            report.merge(self._write(pending))
                            pending, keys = [], set()
                        pending.append(item)
                        keys.add(item.key)
                    if progress is not None and report.read % 200 == 0:
                        progress(before + marc_file.done, total, report.read)
                before += marc_file.size
            if pending:
                report.merge(self._write(pending))
        if progress is not None:
            progress(total, total, report.read)
        return report

    def _write(self, items: list[Item]) -> Report:
        """One batch in one transaction, tried again when it lost a race."""
        for attempt in itertools.count():
            try:
                with self.engine.connect() as db, db.begin() as tx:
                    batch = _Batch(self, db, items)
                    report = batch.write()
                    if self.dry_run:
                        tx.rollback()
                self.claimed.update(batch.claims)
                return report
            except sa.exc.DBAPIError as e:
                code = getattr(e.orig, "sqlstate", None)
                locked = "database is locked" in str(e.orig)
                if (code in RETRY_CODES or locked) and attempt + 1 < RETRIES:
                    time.sleep(min(0.5, 0.005 * 2**attempt) * (0.5 + secrets.randbelow(100) / 100))
                    continue
                reason = str(e.orig or e).strip().splitlines()[0]
                raise StorageError(f"the database refused a batch: {reason}") from None
        raise AssertionError("unreachable")


@dataclass(frozen=True)
class _Unplaced:
    """Why a holding's codes name no library or collection of the region."""

    reason: str
    kind: str


class _Batch:
    """The writes of one batch, worked out from what the database holds."""

    def __init__(self, importer: Importer, db: Connection, items: list[Item]) -> None:
        self.importer, self.db, self.items = importer, db, items
        self.profile = importer.profile
        self.report = Report()
        self.claims: dict[str, tuple[str, str]] = {}
        """Barcodes this batch gives a record first (``Importer.claimed`` once written)."""
        among = partial(_among, db.dialect.name == "postgresql")
        records = schema.records
        numbers = list({i.mapped.control_number for i in items})
        found = db.execute(sa.select(records.c.id, records.c.control_number,
                                     records.c.control_source, records.c.material_type)
                           .where(among(records.c.control_number, numbers))).all()
        self.existing = {(n, s): (rid, kind) for rid, n, s, kind in found}
        ids = [rid for rid, *_ in found]
        marc = schema.record_marc
        self.marcxml: dict[int, str] = dict(db.execute(
            sa.select(marc.c.record_id, marc.c.marcxml).where(among(marc.c.record_id, ids))
        ).all()) if ids else {}
        barcodes = list({h.barcode for i in items for h in i.mapped.holdings if h.barcode})
        copies = schema.copies
        held = [dict(row) for row in db.execute(sa.select(copies).where(sa.or_(
            among(copies.c.record_id, ids), among(copies.c.barcode, barcodes)))).mappings()
        ] if ids or barcodes else []
        self.copies = {row["barcode"]: row for row in held}
        self.copies_of: dict[int, list[str]] = {}
        for row in held:
            self.copies_of.setdefault(row["record_id"], []).append(row["barcode"])
        self.busy: set[str] = set()
        """Copies on loan or reserved."""
        self.history: set[str] = set()
        """Copies that patrons' loans or reservations name."""
        if known := list(self.copies):
            loans, reservations = schema.loans, schema.reservations
            self.busy = set(db.scalars(sa.select(loans.c.barcode).where(
                among(loans.c.barcode, known), loans.c.returned.is_(None)))) | set(db.scalars(
                sa.select(reservations.c.barcode).where(
                    among(reservations.c.barcode, known),
                    reservations.c.state.in_(search.ACTIVE))))
            self.history = set(db.scalars(sa.select(loans.c.barcode).where(
                among(loans.c.barcode, known)))) | set(db.scalars(
                sa.select(reservations.c.barcode).where(among(reservations.c.barcode, known))))
        self.new_records: list[Record] = []
        self.changed_records: list[Record] = []
        self.marc_rows: list[dict[str, Any]] = []
        self.copy_inserts: list[dict[str, Any]] = []
        self.copy_updates: list[dict[str, Any]] = []
        self.copy_deletes: list[str] = []
        self.record_deletes: list[int] = []
        self.keys: dict[int, tuple[str, str]] = {}
        """The identity (001, 003) of each record written, by id."""
        self.free_ids: list[int] = []
        """Ids taken for the batch's new records and not yet given, the lowest last."""

    def write(self) -> Report:
        for item in self.items:
            if item.mapped.deleted:
                self._delete(item)
            else:
                self._put(item)
        self._flush()
        return self.report

    # ------------------------------------------------------------ deciding

    def _kept(self, item: Item, barcode: str, what: str) -> bool:
        """Whether the copy ``barcode`` must stay as it is (reported: ``what``
        would have been done to it)."""
        copy = self.copies[barcode]
        if barcode in self.busy or CopyStatus(copy["status"]) in CIRCULATING:
            self.report.skip(item.problem(f"on loan or reserved: not {what}, left as it is",
                                          f"on loan or reserved, not {what}", barcode))
            return True
        if barcode in self.history:
            self.report.skip(item.problem(f"its loans and reservations are kept in patrons' "
                                          f"history: not {what}", f"has history, not {what}",
                                          barcode))
            return True
        return False

    def _delete(self, item: Item) -> None:
        found = self.existing.get(item.key)
        if found is None:
            self.report.skip(item.problem("marked deleted (leader/05 d) and not in the database",
                                          "deleted, not in the database"))
            return
        rid = found[0]
        barcodes = self.copies_of.get(rid, [])
        kept = [b for b in barcodes if self._kept(item, b, "deleted")]
        self.copy_deletes += [b for b in barcodes if b not in kept]
        self.report.copies["deleted"] += len(barcodes) - len(kept)
        if kept:
            self.report.skip(item.problem("marked deleted, but kept for its copies that stay",
                                          "deleted, kept for its copies"))
        else:
            self.record_deletes.append(rid)
            self.report.deleted += 1

    def _put(self, item: Item) -> None:
        mapped = item.mapped
        key = item.key
        found = self.existing.get(key)
        if found is None:
            rid = self._new_id()
            changed = True
        else:
            rid, kind = found
            changed = (self.marcxml.get(rid) != mapped.marcxml
                       or kind != mapped.fields["material_type"].value)
        record = mapped.as_record(rid)
        self.keys[rid] = key
        if found is None:
            self.new_records.append(record)
        elif changed:
            self.changed_records.append(record)
        if changed:
            self.marc_rows.append({"record_id": rid, "marcxml": mapped.marcxml})
        copies_changed = self._copies(item, rid, bool(mapped.holdings) or mapped.has_holdings)
        if found is None:
            self.report.added += 1
        elif changed or copies_changed:
            self.report.updated += 1
        else:
            self.report.unchanged += 1

    def _copies(self, item: Item, rid: int, has_holdings: bool) -> bool:
        """Bring the copies of record ``rid`` to what the file says; whether any changed."""
        if not has_holdings:
            return False
        wanted = self._wanted(item, rid)
        changed = False
        for barcode, row in wanted.items():
            old = self.copies.get(barcode)
            if old is None:
                self.copy_inserts.append(row)
                self.report.copies["added"] += 1
                changed = True
                continue
            moved = (old["record_id"], old["library_id"], old["collection"]) != \
                (rid, row["library_id"], row["collection"])
            circulating = barcode in self.busy or CopyStatus(old["status"]) in CIRCULATING
            if circulating:
                if moved:
                    self._kept(item, barcode, "moved")
                continue
            if moved and old["record_id"] != rid and barcode in self.history:
                self._kept(item, barcode, "moved")
                continue
            if any(old[k] != row[k] for k in row):
                self.copy_updates.append(row)
                self.report.copies["updated"] += 1
                changed = True
        for barcode in self.copies_of.get(rid, []):
            if barcode not in wanted and self.copies[barcode]["record_id"] == rid \
                    and not self._kept(item, barcode, "deleted"):
                self.copy_deletes.append(barcode)
                self.report.copies["deleted"] += 1
                changed = True
        return changed

    def _wanted(self, item: Item, rid: int) -> dict[str, dict[str, Any]]:
        """The rows of the copies the record's holdings give, by barcode, in
        the region's libraries and collections; the others reported."""
        wanted: dict[str, dict[str, Any]] = {}
        key, claimed = item.key, self.importer.claimed
        for holding in item.mapped.holdings:
            barcode = holding.barcode
            if not barcode or len(barcode) > 64:
                self.report.skip(item.problem("a holding without a usable barcode: skipped",
                                              "no barcode", barcode[:64] or "-"))
                continue
            place = self.importer.place(holding.library_code, holding.location_code)
            if isinstance(place, _Unplaced):
                self.report.skip(item.problem(place.reason, place.kind, barcode))
                continue
            owner = claimed.get(barcode) or self.claims.setdefault(barcode, key)
            if owner != key or barcode in wanted:
                self.report.skip(item.problem(
                    "the barcode is also another copy's in this import: skipped",
                    "barcode twice in the import", barcode))
                continue
            wanted[barcode] = {"barcode": barcode, "record_id": rid, "library_id": place[0],
                               "collection": place[1], "shelf_mark": holding.shelf_mark,
                               "status": holding.status.value}
        return wanted

    def _new_id(self) -> int:
        if not self.free_ids:
            new = sum(1 for i in self.items if not i.mapped.deleted and i.key not in self.existing)
            self.free_ids = _new_ids(self.db, new)
        return self.free_ids.pop()

    # ------------------------------------------------------------ writing

    def _flush(self) -> None:
        db, records = self.db, schema.records
        if self.copy_deletes:
            db.execute(sa.delete(schema.copies).where(schema.copies.c.barcode.in_(
                self.copy_deletes)))
        if self.record_deletes:
            self._remove_records(self.record_deletes)
        keys = self.keys
        if self.new_records:
            _insert(db, records, [self._row(r, keys[r.id]) for r in self.new_records])
        if self.changed_records:
            ids = [r.id for r in self.changed_records]
            update = records.update().where(records.c.id == sa.bindparam("rid"))
            values = []
            for r in self.changed_records:
                row = self._row(r, keys[r.id])
                row["rid"] = row.pop("id")
                values.append(row)
            db.execute(update, values)
            for table, _ in LINE_TABLES:
                db.execute(sa.delete(table).where(table.c.record_id.in_(ids)))
            db.execute(sa.delete(schema.record_marc).where(schema.record_marc.c.record_id.in_(ids)))
        touched = [*self.new_records, *self.changed_records]
        for table, lines in LINE_TABLES:
            _insert(db, table, [line for r in touched for line in lines(r)])
        _insert(db, schema.record_marc, self.marc_rows)
        search.index_records(db, touched)
        _insert(db, schema.copies, self.copy_inserts)
        if self.copy_updates:
            update = schema.copies.update().where(schema.copies.c.barcode == sa.bindparam("bc"))
            db.execute(update, [{**{k: v for k, v in row.items() if k != "barcode"},
                                 "bc": row["barcode"]} for row in self.copy_updates])

    @staticmethod
    def _row(record: Record, key: tuple[str, str]) -> dict[str, Any]:
        return {**rows.record_row(record), "control_number": key[0], "control_source": key[1]}

    def _remove_records(self, ids: list[int]) -> None:
        db = self.db
        for table, _ in LINE_TABLES:
            db.execute(sa.delete(table).where(table.c.record_id.in_(ids)))
        db.execute(sa.delete(schema.record_marc).where(schema.record_marc.c.record_id.in_(ids)))
        if db.dialect.name == "sqlite":
            db.execute(sa.text("DELETE FROM record_search WHERE rowid IN :ids").bindparams(
                sa.bindparam("ids", expanding=True)), {"ids": ids})
        else:
            db.execute(sa.delete(search.record_search).where(
                search.record_search.c.record_id.in_(ids)))
        db.execute(sa.delete(schema.records).where(schema.records.c.id.in_(ids)))


def _among(postgresql: bool, column: sa.ColumnElement[Any], values: list[Any]
           ) -> sa.ColumnElement[bool]:
    """``column IN values``, the values as one parameter: on PostgreSQL an
    array (``= ANY``), on SQLite a JSON array (``json_each``). SQLAlchemy and
    psycopg would take milliseconds to write out an ``IN`` list of a batch's
    thousands of values, and do it again for every batch."""
    if postgresql:
        return column == sa.any_(sa.bindparam(None, values, type_=ARRAY(column.type)))
    listed = sa.func.json_each(sa.bindparam(None, json.dumps(values), type_=sa.Text))
    return column.in_(sa.select(listed.table_valued("value").c.value))


def _insert(db: Connection, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    """``rows`` (each with the same keys) into ``table``, straight to the
    driver: SQLite's ``executemany``; PostgreSQL's ``COPY`` (one stream,
    where ``executemany`` sends a statement a row). SQLAlchemy's statement
    would process every value of every row again, costing as much as the
    database's work."""
    if not rows:
        return
    names = list(rows[0])
    quote = db.dialect.identifier_preparer.quote
    columns = f"{quote(table.name)} ({', '.join(map(quote, names))})"
    values = map(itemgetter(*names), rows) if len(names) > 1 else ((r[names[0]],) for r in rows)
    if db.dialect.name == "sqlite":
        db.exec_driver_sql(f"INSERT INTO {columns} VALUES ({', '.join('?' * len(names))})",
                           list(values))
        return
    driver, error = db.connection.driver_connection, db.dialect.loaded_dbapi.Error
    assert driver is not None
    statement = f"COPY {columns} FROM STDIN"
    try:
        with driver.cursor() as cursor, cursor.copy(statement) as copy:
            for row in values:
                copy.write_row(row)
    except error as e:  # as SQLAlchemy would raise it: the batch is retried or reported
        raise sa.exc.DBAPIError.instance(statement, None, e, error) from None


def _new_ids(db: Connection, count: int) -> list[int]:
    """``count`` record ids no record has, the lowest last. SQLite: the next
    free ones (its writer holds the file's write lock). PostgreSQL: from
    ``records_id_seq``, moved past every id there first, under the import
    lock (``nextval`` then gives ids no other import takes), in one query."""
    top = db.execute(sa.select(sa.func.coalesce(sa.func.max(schema.records.c.id), 0))).scalar_one()
    if db.dialect.name != "postgresql":
        return list(range(int(top) + count, int(top), -1))
    db.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": IMPORT_LOCK})
    db.execute(sa.text("SELECT setval('records_id_seq', greatest(:top, "
                       "(SELECT last_value FROM records_id_seq)))"), {"top": top})
    ids = db.scalars(sa.text("SELECT nextval('records_id_seq') FROM generate_series(1, :n)"),
                     {"n": count}).all()
    return sorted(map(int, ids), reverse=True)

