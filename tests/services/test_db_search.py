"""The catalogue search answered by the database (``services.storage.search``)
gives the answers R1 asks for: the same ids in the same order and the same
totals as ``Reference``, a plain reading of the rules over the region's
records (every query word begins a word of the record; title matches first;
each group in id order; the filters as the catalog shows them), with every
filter, on SQLite and on PostgreSQL. (The reference is what the in-memory
index of Mana 0.1 answered; a test of that version compared the two.)"""

from __future__ import annotations

import shutil
from collections import Counter
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command

from services.clock import RIGA
from services.demo import build_region
from services.engine.hashing import CHEAP_HASHER
from services.models import CopyStatus, MaterialType, Record, SearchHit, SearchPage, SearchQuery
from services.region import RegionData
from services.storage import Database, fill_region, open_database
from services.storage.database import alembic_config, head_revision, migrate
from services.storage.search import COUNT_MAX, facets, query_words, record_words, search
from tests.services.postgres import fresh_database

TODAY = date(2026, 12, 4)
OLD = Path(__file__).parent / "data" / "mana-0e720eb.db"


@pytest.fixture(scope="module")
def region() -> RegionData:
    return build_region(TODAY)


class Reference:
    """R1's search, read plainly: every record checked against every word."""

    def __init__(self, records: list[Record], region: RegionData | None = None) -> None:
        self.records = sorted(records, key=lambda r: r.id)
        self.words = {r.id: record_words(r) for r in self.records}
        self.by_id = {r.id: r for r in self.records}
        self.region = region
        if region is not None:
            reading = {(lib.id, c.code) for lib in region.libraries
                       for c in lib.collections if c.reading_room}
            held = {r.barcode for r in region.reservations if r.state.active}
            self.copies: dict[int, list[tuple[str, bool]]] = {}
            for c in region.copies:
                orderable = (c.status == CopyStatus.AVAILABLE and c.barcode not in held
                             and (c.library_id, c.collection) not in reading)
                self.copies.setdefault(c.record_id, []).append((c.library_id, orderable))

    def ids(self, query: SearchQuery) -> list[int]:
        qwords = query_words(query.text)
        titled, rest = [], []
        for record in self.records:
            if not self._kept(record, query):
                continue
            title, every = self.words[record.id]
            if not all(any(w.startswith(q) for w in every) for q in qwords):
                continue
            in_title = any(w.startswith(q) for q in qwords for w in title)
            (titled if in_title else rest).append(record.id)
        if not qwords:  # the whole catalogue (filtered): by id
            return rest
        return self._ranked(titled) + self._ranked(rest)

    def _ranked(self, group: list[int]) -> list[int]:
        """Shorter titles first, then by id."""
        return sorted(group, key=lambda i: (len(self.by_id[i].title), i))

    def _kept(self, record: Record, query: SearchQuery) -> bool:
        if query.material_type is not None and record.material_type != query.material_type:
            return False
        if self.region is None:
            return True
        copies = [c for c in self.copies.get(record.id, [])
                  if query.library_id is None or c[0] == query.library_id]
        if query.library_id is not None and not copies:
            return False
        return not query.available_now or any(orderable for _, orderable in copies)

    def page(self, query: SearchQuery) -> tuple[list[int], int, bool]:
        """(ids of the page, total, whether more match): never more, since
        the demo region is smaller than a search counts."""
        ids = self.ids(query)
        assert len(ids) <= COUNT_MAX
        return ids[query.offset:query.offset + query.limit], len(ids), False

    async def search(self, query: SearchQuery) -> SearchPage:
        ids, total, more = self.page(query)
        hits = [SearchHit(id=i, title="", authors=[], year=None, material_type=MaterialType.BOOK,
                          copies=0, available=0) for i in ids]
        return SearchPage(items=hits, offset=query.offset, total=total, more=more)


@pytest.fixture(scope="module")
def reference(region: RegionData) -> Reference:
    return Reference(list(region.records), region)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, region: RegionData,
             tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    """The demo region in a database of each dialect, filled once for the module."""
    if request.param == "sqlite":
        db = open_database(str(tmp_path_factory.mktemp("search") / "mana.db"))
        try:
            fill_region(db, region, CHEAP_HASHER)
            yield db
        finally:
            db.close()
        return
    with fresh_database() as url:
        db = open_database(url)
        try:
            fill_region(db, region, CHEAP_HASHER)
            yield db
        finally:
            db.close()


async def _expected(reference: Reference, query: SearchQuery) -> tuple[list[int], int, bool]:
    page = await reference.search(query)
    return [hit.id for hit in page.items], page.total, page.more


def _found(database: Database, query: SearchQuery) -> tuple[list[int], int, bool]:
    with database.engine.connect() as connection:
        return search(connection, query)


def _texts(region: RegionData) -> list[str]:
    """Queries of every kind, some taken from the region's own records."""
    isbn = next(r.isbn for r in region.records if "-" in r.isbn)
    author = next(r.authors[0] for r in region.records if r.authors)
    publisher = next(r.publisher for r in region.records if r.publisher)
    subject = next(r.subjects[0] for r in region.records if r.subjects)
    return [
        "", "zirgs", "Zīrgs", "ZĪRGS", "zelta zirgs", "zirgs zelta", "Zelta ZIRGS",
        "k", "ka", "kal", "ē", "Ā", "z", "a b", "ka ka", "kal kalns",
        "Mērnieku laiki", "merniek", "Blaumanis", "Blaumanis Rūdolfs", "blaumanis, r",
        author, author.split(",")[0], publisher, subject, subject.split()[0][:3],
        isbn, isbn.replace("-", ""), isbn.replace("-", " "), isbn[:7], isbn.replace("-", "")[:6],
        "978", "9", "qqqxyz", "zirgs qqqxyz", "purva bridējs", "PURVA", "laiki mērnieku",
    ]


def _filters(region: RegionData) -> list[dict[str, object]]:
    library = region.libraries[0].id
    other = region.libraries[-1].id
    return [
        {}, {"library_id": library}, {"library_id": other}, {"library_id": "nav-tada"},
        {"material_type": MaterialType.BOOK}, {"material_type": MaterialType.ARTICLE},
        {"available_now": True}, {"library_id": library, "available_now": True},
        {"library_id": other, "material_type": MaterialType.BOOK, "available_now": True},
        {"material_type": MaterialType.PERIODICAL, "available_now": True},
    ]


async def test_every_query_finds_what_the_memory_engine_finds(
    database: Database, region: RegionData, reference: Reference
) -> None:
    checked = 0
    for text in _texts(region):
        for filters in _filters(region):
            for offset, limit in ((0, 20), (0, 200), (7, 5), (19, 3)):
                query = SearchQuery(text=text, offset=offset, limit=limit, **filters)
                assert _found(database, query) == await _expected(reference, query), query
                checked += 1
    assert checked > 1000


def test_the_answers_are_not_trivially_empty(database: Database, region: RegionData) -> None:
    """The battery above compares real results: titles first, then the rest."""
    zirgs = [r.id for r in region.records if "zirgs" in r.title.casefold()]
    assert _found(database, SearchQuery(text="ZĪRGS")) == (zirgs, len(zirgs), False) and zirgs
    ids, total, _ = _found(database, SearchQuery(text="ka", limit=200))
    assert total > 20 and ids != sorted(ids)  # title matches ahead of the others
    assert _found(database, SearchQuery(text=""))[1] == len(region.records)


def test_within_each_group_the_closest_title_comes_first(
    database: Database, region: RegionData, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Of the titles starting a word with "ka", the shortest come first (the
    closest to what was typed), then the records that match elsewhere."""
    records = {r.id: r for r in region.records}
    ids, _, _ = _found(database, SearchQuery(text="ka", limit=200))
    titled = [i for i in ids if any(w.startswith("ka") for w in record_words(records[i])[0])]
    assert ids[:len(titled)] == titled, "the title matches first"
    lengths = [len(records[i].title) for i in titled]
    assert len(set(lengths)) > 1 and lengths == sorted(lengths)
    assert titled != sorted(titled), "not merely the id order"


async def test_past_the_count_limit_a_search_says_more_and_offers_the_titles_first(
    database: Database, region: RegionData, reference: Reference,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With more matches than ``COUNT_MAX`` (here 5), a search answers that
    many, says more match, pages through no further, and offers title
    matches first, the shortest first; its facets are not counted. At
    exactly the limit it is still exact."""
    import services.storage.search as storage_search

    records = {r.id: r for r in region.records}
    monkeypatch.setattr(storage_search, "COUNT_MAX", 5)
    for filters in ({}, {"available_now": True}, {"library_id": region.libraries[0].id}):
        every = reference.ids(SearchQuery(text="ka", **filters))
        titled = [i for i in every if any(w.startswith("ka")
                                          for w in record_words(records[i])[0])]
        assert len(titled) > 5, filters
        ids, total, more = _found(database, SearchQuery(text="ka", limit=200, **filters))
        assert (len(ids), total, more) == (5, 5, True)
        assert set(ids) <= set(titled)
        assert [len(records[i].title) for i in ids] == sorted(len(records[i].title) for i in ids)
        assert _found(database, SearchQuery(text="ka", offset=2, limit=2, **filters)) == (
            ids[2:4], 5, True)
        assert _found(database, SearchQuery(text="ka", offset=5, **filters)) == ([], 5, True)
        with database.engine.connect() as connection:
            assert facets(connection, SearchQuery(text="ka", **filters)) is None
    ids, total, more = _found(database, SearchQuery(text="", limit=200))
    assert (ids, total, more) == (sorted(records)[:5], 5, True)
    exact = reference.ids(SearchQuery(text="Blaumanis"))
    monkeypatch.setattr(storage_search, "COUNT_MAX", len(exact))
    assert _found(database, SearchQuery(text="Blaumanis", limit=200)) == (
        exact, len(exact), False)


async def test_pages_past_the_end_are_empty_with_the_total(
    database: Database, region: RegionData, reference: Reference
) -> None:
    for text in ("", "ka", "zirgs", "k"):
        for filters in _filters(region)[:3]:
            total = (await _expected(reference, SearchQuery(text=text, **filters)))[1]
            for offset in (total - 1, total, total + 1, 10_000):
                if offset < 0:
                    continue
                query = SearchQuery(text=text, offset=offset, limit=20, **filters)
                found = _found(database, query)
                assert found == await _expected(reference, query)
                assert found[1] == total


ODD = ['"', "*", "'", ":", "&", "|", "!", "(", ")", "NEAR", "AND", "OR", "NOT", "-x", "[/]",
       "\\", "^", "{", "}", "+", "~", ";", "%", "_", "__", "$1", "?", "@@", "<->"]


async def test_odd_characters_neither_fail_nor_match_wrongly(
    database: Database, reference: Reference
) -> None:
    texts = [*ODD, " ".join(ODD), "".join(ODD),
             'zirgs"', '"zirgs', "zirgs*", "zir*", "'zirgs'", "zirgs:*", "zirgs & ka",
             "zirgs | ka", "!zirgs", "(zirgs)", "NEAR(zirgs ka)", "zirgs AND ka", "zirgs OR ka",
             "zirgs -x", "-zirgs", "[zirgs]", "body: zirgs", "title:zirgs", "{title}: ka",
             "ka'; DROP TABLE records; --", "a\\' | 'b", "foo_bar", "k_", "Ⅻ", "①②", "ﬁ",
             "ß", "İstanbul", "Straße", "\u3300" * 500, "ø" * 500, "a" * 500]
    for text in texts:
        for filters in ({}, {"available_now": True}):
            query = SearchQuery(text=text, limit=50, **filters)
            assert _found(database, query) == await _expected(reference, query), text
    assert _found(database, SearchQuery(text="zirgs"))[1] == 1  # the table is still there


async def test_facets_count_the_match_per_library_type_and_language(
    database: Database, region: RegionData, reference: Reference
) -> None:
    records = {r.id: r for r in region.records}
    libraries: dict[int, set[str]] = {}
    for copy in region.copies:
        libraries.setdefault(copy.record_id, set()).add(copy.library_id)
    for text in ("", "ka", "zirgs", "qqqxyz", "Blaumanis"):
        for filters in _filters(region)[:8]:
            matched: list[int] = []
            while True:
                query = SearchQuery(text=text, offset=len(matched), limit=200, **filters)
                ids, total, _ = await _expected(reference, query)
                matched += ids
                if len(matched) >= total:
                    break
            expected = {
                "library_id": dict(Counter(lib for i in matched for lib in libraries.get(i, ()))),
                "material_type": dict(Counter(records[i].material_type.value for i in matched)),
                "language": dict(Counter(records[i].language for i in matched)),
            }
            with database.engine.connect() as connection:
                found = facets(connection, SearchQuery(text=text, **filters))
            assert found == expected, (text, filters)


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_the_migration_indexes_the_records_a_database_already_holds(
    dialect: str, region: RegionData, tmp_path: Path
) -> None:
    """A database at 0003 with records gets them searchable by 0004."""
    if dialect == "sqlite":
        _reindexed_by_migration(str(tmp_path / "mana.db"), region)
    else:
        with fresh_database() as url:
            _reindexed_by_migration(url, region)


def _reindexed_by_migration(target: str, region: RegionData) -> None:
    database = open_database(target)
    try:
        fill_region(database, region, CHEAP_HASHER)
        with database.engine.begin() as connection:  # back to 0003: 0004 has no downgrade
            config = alembic_config()
            config.attributes["connection"] = connection
            command.downgrade(config, "0004")
            connection.exec_driver_sql("DROP TABLE record_search")
            connection.exec_driver_sql("UPDATE alembic_version SET version_num = '0003'")
        migrate(database.engine, target)
        assert database.revision == head_revision()
        index = Reference(list(region.records))
        for text in ("zirgs", "ka", "Blaumanis", "978-9934-96-001-7", "9789934960017", ""):
            query = SearchQuery(text=text, limit=200)
            with database.engine.connect() as connection:
                assert search(connection, query) == index.page(query)
    finally:
        database.close()


GIN_SEARCH = (
    "CREATE TABLE record_search (record_id integer NOT NULL, title tsvector NOT NULL,"
    " body tsvector NOT NULL, CONSTRAINT pk_record_search PRIMARY KEY (record_id),"
    " CONSTRAINT fk_record_search_record_id_records FOREIGN KEY (record_id)"
    " REFERENCES records (id) ON DELETE CASCADE)",
    "CREATE INDEX ix_record_search_title ON record_search USING gin (title)",
    "CREATE INDEX ix_record_search_body ON record_search USING gin (body)",
)
"""PostgreSQL's ``record_search`` as 0004 made it before 0008."""


def test_a_postgresql_search_of_gin_indexes_becomes_words_with_nothing_lost(
    region: RegionData,
) -> None:
    """A PostgreSQL database whose search is the ``tsvector`` table of
    before 0008 answers as the reference does once upgraded, a word longer
    than ``MAX_WORD`` included."""
    from services.storage.search import MAX_WORD, documents

    long_word = "ž" * (MAX_WORD + 40)
    records = [r.model_copy(update={"title": f"{r.title} {long_word}"}) if r.id == 1 else r
               for r in region.records]
    with fresh_database() as url:
        database = open_database(url)
        try:
            fill_region(database, region, CHEAP_HASHER)
            with database.engine.begin() as connection:
                config = alembic_config()
                config.attributes["connection"] = connection
                command.downgrade(config, "0007")
                connection.exec_driver_sql("DROP TABLE record_search")
                for statement in GIN_SEARCH:
                    connection.exec_driver_sql(statement)
                connection.execute(sa.text(
                    "INSERT INTO record_search VALUES (:id, array_to_tsvector("
                    "string_to_array(:t, ' ')), array_to_tsvector(string_to_array(:b, ' ')))"
                ), [dict(zip(("id", "t", "b"), (r.id, *documents(r)), strict=True))
                    for r in records])
                longer = next(r for r in records if r.id == 1)
                connection.execute(sa.text("UPDATE records SET title = :t WHERE id = 1"),
                                   {"t": longer.title})
            migrate(database.engine, url)
            assert database.revision == head_revision()
            index = Reference(records, region)
            for text in ("zirgs", "ka", "Blaumanis", "9789934960017", "ž" * 5, long_word):
                for filters in ({}, {"available_now": True}):
                    query = SearchQuery(text=text, limit=200, **filters)
                    with database.engine.connect() as connection:
                        assert search(connection, query) == index.page(query), text[:10]
        finally:
            database.close()


def test_a_file_of_mana_0_1_is_searchable_once_upgraded(tmp_path: Path) -> None:
    path = tmp_path / "mana.db"
    shutil.copy(OLD, path)
    database = open_database(str(path))
    try:
        with database.engine.connect() as connection:
            records = _records(connection)
            count = connection.execute(sa.text("SELECT count(*) FROM record_search")).scalar()
            assert count == len(records) > 0
            index = Reference(records)
            for text in ("a", "ka", "zirgs", "Blaumanis", "9789934"):
                query = SearchQuery(text=text, limit=200)
                assert search(connection, query) == index.page(query)
    finally:
        database.close()


def _records(connection: sa.Connection) -> list[Record]:
    from services.engine.tx import Tx

    ids = connection.execute(sa.text("SELECT id FROM records")).scalars().all()
    return list(Tx(connection, datetime.now(RIGA), "").records(ids).values())
