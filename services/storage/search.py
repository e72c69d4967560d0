"""The catalogue search (R1), answered by the database.

``record_search`` holds, per record, its folded title words and the folded
words of every searched field (``record_words``: title, authors, subjects,
publisher, source, the ISBN with and without its hyphens), space-joined;
case and diacritics are ignored (``services.text.fold``). Folding and
splitting stay in Python, so the database never decides what a word is: it
only stores the words and finds those starting with a query word.

- SQLite: an FTS5 table (``rowid`` = the record's id) with the ``ascii``
  tokenizer and ``_`` as a token character. It splits at the spaces only
  (every character of a Python word is a token character to it) and lowers
  nothing but ASCII, which folded text has no capitals of: each stored token
  is exactly one Python word. (``unicode61`` would split ``foo_bar`` and
  fold ``ø`` into ``o``, which ``fold`` keeps apart.) ``detail=column``: no
  positions, since no query asks for a phrase; prefix indexes for the 1-, 2-
  and 3-letter words typed first.
- PostgreSQL: one row per record and distinct word (``record_id``,
  ``word`` in the "C" collation, ``in_title``, ``title_length``) under a
  B-tree on ``(word, record_id)`` that includes the other two: a query word
  is a range of that index (every word starting with it), read by an
  index-only scan, so that even a word in a tenth of a million records is
  counted and ranked without visiting the rows (a GIN index over
  ``tsvector`` columns has to visit each matching row, scattered over the
  table: 0.4 s for such a word). Words longer than ``MAX_WORD`` characters
  are cut there, query words too.

A query word matches the beginning of a word; every query word must match
(AND); records whose title matches one of them come first, then the rest;
within each group the shorter titles first, then the lower ids (the
relevance order). A search counts and offers at most ``COUNT_MAX`` records
and says whether more match. The filters are ``EXISTS`` lookups on the
indexes of ``copies`` (``copies_on_shelf`` for "available now"),
``reservations`` and ``collections``, evaluated for the matched records
only, and only until enough are found. An empty text lists every (filtered)
record in id order: from ``copies`` by library when there is a library
filter, else from ``records`` by material type or id.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection

from services.models import CopyStatus, Record, ReservationState, SearchQuery
from services.storage import schema
from services.text import fold, words

BATCH = 2000
"""Records per statement while indexing."""

MAX_WORD = 250
"""PostgreSQL: a stored word's longest start, in characters (at most 1,000
bytes of UTF-8, within a B-tree entry's limit); a query word is cut to it
too, so that it matches a cut word as it matches the whole one."""

ACTIVE = [s.value for s in ReservationState if s.active]

record_search = sa.Table(
    "record_search", sa.MetaData(),
    sa.Column("word", sa.Text, primary_key=True),
    sa.Column("record_id", sa.Integer, primary_key=True),
    sa.Column("in_title", sa.Boolean),
    sa.Column("title_length", sa.SmallInteger),
)
"""The PostgreSQL table (SQLite's is the FTS5 one, read with ``rowid``).
Its rows follow from the records and are written only here, so there is no
foreign key to check on each of a record's dozen words: whoever deletes a
record deletes its rows first (``services.marc.importer``)."""

SQLITE_TABLE = (
    "CREATE VIRTUAL TABLE record_search USING fts5("
    "title, body, tokenize = \"ascii tokenchars '_'\", detail = column, prefix = '1 2 3')"
)

POSTGRESQL_TABLE = (
    ("CREATE TABLE record_search ("
     " word text COLLATE \"C\" NOT NULL,"
     " record_id integer NOT NULL,"
     " in_title boolean NOT NULL,"
     " title_length smallint NOT NULL,"
     " CONSTRAINT pk_record_search PRIMARY KEY (word, record_id)"
     " INCLUDE (in_title, title_length))"),
    "CREATE INDEX ix_record_search_record_word ON record_search (record_id, word)"
    " INCLUDE (in_title)",
)

TITLE_LENGTH_MAX = 32767
"""A ``title_length`` is at most this (a ``smallint``): longer titles rank alike."""


def record_words(record: Record) -> tuple[list[str], list[str]]:
    """(title words, all words) of ``record``."""
    title = words(record.title)
    rest = words(" ".join([*record.authors, *record.subjects, record.publisher, record.source]))
    if record.isbn:
        isbn = fold(record.isbn)
        rest += words(isbn)
        rest.append(isbn.replace("-", "").replace(" ", ""))
    return title, title + rest


def query_words(text: str) -> list[str]:
    """The distinct words of a query, dropping those implied by a longer one.

    ``kal kalns`` needs only ``kalns``: every record with a word starting
    with ``kalns`` has one starting with ``kal``.
    """
    unique = sorted(set(words(text)), key=len, reverse=True)
    kept: list[str] = []
    for word in unique:
        if not any(longer.startswith(word) for longer in kept):
            kept.append(word)
    return kept

def create_structure(connection: Connection) -> None:
    """The search table of ``connection``'s dialect (what migration 0004 creates)."""
    statements = (SQLITE_TABLE,) if connection.dialect.name == "sqlite" else POSTGRESQL_TABLE
    for statement in statements:
        connection.exec_driver_sql(statement)


def documents(record: Record) -> tuple[str, str]:
    """(title words, all words) of ``record``, each distinct word once, space-joined."""
    title, every = record_words(record)
    return " ".join(dict.fromkeys(title)), " ".join(dict.fromkeys(every))


def word_rows(record: Record) -> list[tuple[int, str, bool, int]]:
    """PostgreSQL: ``record``'s rows of ``record_search``, each distinct word
    (cut to ``MAX_WORD``) once: (record id, word, in the title, title length)."""
    title, every = record_words(record)
    in_title = {word[:MAX_WORD] for word in title}
    length = min(len(record.title), TITLE_LENGTH_MAX)
    return [(record.id, word, word in in_title, length)
            for word in dict.fromkeys(word[:MAX_WORD] for word in every)]


def index_records(connection: Connection, records: Iterable[Record]) -> None:
    """(Re)write the search rows of ``records``, ``BATCH`` records per
    statement (PostgreSQL: with ``COPY``)."""
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        delete = sa.text("DELETE FROM record_search WHERE rowid IN :ids").bindparams(
            sa.bindparam("ids", expanding=True))
        insert = sa.text("INSERT INTO record_search (rowid, title, body) VALUES (:id, :t, :b)")
    else:  # the ids as one array (a list of 2,000 parameters costs more than the delete)
        delete = sa.delete(record_search).where(record_search.c.record_id == sa.func.any(
            sa.bindparam("ids", type_=postgresql.ARRAY(sa.Integer))))
    iterator = iter(records)
    while batch := list(itertools.islice(iterator, BATCH)):
        connection.execute(delete, {"ids": [record.id for record in batch]})
        if sqlite:
            rows = []
            for record in batch:
                title, body = documents(record)
                rows.append({"id": record.id, "t": title, "b": body})
            connection.execute(insert, rows)
            continue
        cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        with cursor, cursor.copy("COPY record_search (record_id, word, in_title, title_length)"
                                 " FROM STDIN") as copy:
            for record in batch:
                for row in word_rows(record):
                    copy.write_row(row)


# ------------------------------------------------------------------ queries


def _fts_phrase(word: str) -> str:
    """``word`` as an FTS5 prefix query: quoted, a ``"`` doubled."""
    return '"' + word.replace('"', '""') + '"*'


def word_range(word: str) -> tuple[str, str | None]:
    """PostgreSQL: the words starting with ``word`` (cut to ``MAX_WORD``) as
    a range ``[low, high)`` of the "C" collation, which orders by code point:
    ``high`` is ``word`` with its last character raised by one (past the
    surrogates, which no text holds), or ``None`` when nothing is above."""
    low = word = word[:MAX_WORD]
    while word:
        above = ord(word[-1]) + 1
        if above == 0xD800:
            above = 0xE000
        if above <= 0x10FFFF:
            return low, word[:-1] + chr(above)
        word = word[:-1]
    return low, None


SIZE_PROBE = 20_000
"""How far the rows of each query word are counted to choose the one the
search starts from (the fewest)."""


def _in_range(table: sa.FromClause, low: str, high: str | None) -> list[sa.ColumnElement[bool]]:
    """PostgreSQL: ``table``'s words in ``[low, high)``."""
    conditions = [table.c.word >= low]
    if high is not None:
        conditions.append(table.c.word < high)
    return conditions


def _range_size(connection: Connection, low: str, high: str | None) -> int:
    """PostgreSQL: how many rows have a word in ``[low, high)``, up to ``SIZE_PROBE``."""
    rows = sa.select(sa.literal(1)).where(*_in_range(record_search, low, high))
    return connection.execute(sa.select(sa.func.count()).select_from(
        rows.limit(SIZE_PROBE).subquery())).scalar_one()


def _also(rid: sa.ColumnElement[int], other: sa.FromClause, bounds: tuple[str, str | None]
          ) -> tuple[sa.ColumnElement[bool], sa.ColumnElement[bool]]:
    """PostgreSQL: whether the record ``rid`` has a word of ``other`` in
    ``bounds``, and whether one in its title, looked up for each row of the
    first word (``ix_record_search_record_word``), so that the search stops
    as soon as it has found enough. OFFSET 0 keeps PostgreSQL to that: it
    would otherwise join the two words' every row on its own, often wrong,
    guess of how many rows a range of words holds (0.5 s instead of 10 ms
    for two words of a few thousand records each at a million records)."""
    lookup = sa.select(sa.literal(1)).where(other.c.record_id == rid, *_in_range(other, *bounds))
    return lookup.offset(0).exists(), lookup.where(other.c.in_title).offset(0).exists()


class _Match:
    """The records matching the query words, as SQL: those whose title
    matches a word (``titled``) or the others, each row with the record's
    id and its title's length."""

    def __init__(self, connection: Connection, qwords: list[str]) -> None:
        self.sqlite = connection.dialect.name == "sqlite"
        if self.sqlite:
            every = " AND ".join(map(_fts_phrase, qwords))
            anywhere = " OR ".join(map(_fts_phrase, qwords))
            self.strings = {
                True: f"body : ({every}) AND title : ({anywhere})",
                False: f"body : ({every}) NOT title : ({anywhere})",
            }
            return
        # PostgreSQL: the rows of the query word with the fewest (as far as
        # ``SIZE_PROBE``), and of those the records where each other word
        # matches too (``_also``)
        ranges = [word_range(word) for word in qwords]
        sized = sorted((_range_size(connection, *bounds) if len(ranges) > 1 else 0, bounds)
                       for bounds in ranges)
        first = record_search.alias("w")
        self.rid: sa.ColumnElement[int] = first.c.record_id
        rows = sa.select(self.rid, first.c.title_length).where(*_in_range(first, *sized[0][1]))
        titled = [first.c.in_title]
        for n, (_, bounds) in enumerate(sized[1:], 1):
            other = record_search.alias(f"w{n}")
            has, in_title = _also(self.rid, other, bounds)
            rows = rows.where(has)
            titled.append(in_title)
        self.titled = sa.or_(*titled)
        self.rows = rows

    def select(self, titled: bool, others_than: list[int]
               ) -> tuple[sa.Select, sa.ColumnElement[int]]:
        """The (id, title length) rows of one group and the id column; on
        PostgreSQL a record may come more than once (two of its words start
        with a query word), and the records whose title matches are left out
        of the others by their ids (``others_than``: all of them)."""
        if self.sqlite:
            table = sa.table("record_search", sa.column("rowid", sa.Integer))
            records = schema.records
            string = sa.bindparam("match", self.strings[titled], type_=sa.Text)
            matches = sa.literal_column("record_search").op("MATCH", is_comparison=True)
            query = (sa.select(table.c.rowid, sa.func.length(records.c.title))
                     .join(records, records.c.id == table.c.rowid).where(matches(string)))
            return query, table.c.rowid
        if titled:
            return self.rows.where(self.titled), self.rid
        query = self.rows.where(sa.not_(self.titled))
        if others_than:
            query = query.where(self.rid != sa.func.all(
                sa.bindparam("titled", others_than, type_=postgresql.ARRAY(sa.Integer))))
        return query, self.rid


def _filters(query: SearchQuery, rid: sa.ColumnElement[int], *, by_library: bool = False,
             by_type: bool = False) -> list[sa.ColumnElement[bool]]:
    """``query``'s filters on the record id ``rid``, as ``services.memory`` applies
    them, but for those the ids were already read by (``by_library``, ``by_type``);
    with "available now" the orderable copy's own library condition is the
    library filter (one lookup of ``copies``, not two)."""
    copies, records = schema.copies.alias("here"), schema.records.alias("kind")
    conditions: list[sa.ColumnElement[bool]] = []
    if query.library_id is not None and not by_library and not query.available_now:
        conditions.append(sa.exists().where(
            copies.c.library_id == query.library_id, copies.c.record_id == rid))
    if query.material_type is not None and not by_type:
        conditions.append(sa.exists().where(
            records.c.id == rid, records.c.material_type == query.material_type.value))
    if query.available_now:
        conditions.append(_orderable_copy(rid, query.library_id))
    return conditions


def orderable(copy: sa.FromClause) -> sa.ColumnElement[bool]:
    """Whether a row of ``copy`` (``copies`` or an alias) offers "Pasūtīt" now:
    on the shelf, no active reservation on it, not in a reading room (R3,
    what ``rules.copy_offer`` says of such a copy)."""
    reservations, collections = schema.reservations, schema.collections
    held = sa.exists().where(
        reservations.c.barcode == copy.c.barcode, reservations.c.state.in_(ACTIVE))
    reading_room = sa.exists().where(
        collections.c.library_id == copy.c.library_id, collections.c.code == copy.c.collection,
        collections.c.reading_room.is_(True))
    # the status as a literal: the partial index ``copies_on_shelf`` answers it
    on_shelf = sa.literal_column(f"'{CopyStatus.AVAILABLE.value}'")
    return sa.and_(copy.c.status == on_shelf, ~held, ~reading_room)


def copy_counts(connection: Connection, ids: list[int]) -> dict[int, tuple[int, int]]:
    """Per record of ``ids``: how many copies it has and how many of them
    offer "Pasūtīt" now (a search hit's figures), in one query."""
    copies = schema.copies
    query = (sa.select(copies.c.record_id, sa.func.count(),
                       sa.func.sum(sa.case((orderable(copies), 1), else_=0)))
             .where(copies.c.record_id.in_(ids)).group_by(copies.c.record_id))
    return {rid: (int(n), int(free or 0)) for rid, n, free in connection.execute(query)}


def _orderable_copy(rid: sa.ColumnElement[int], library_id: str | None) -> sa.ColumnElement[bool]:
    """A copy of ``rid`` (in ``library_id``) that offers "Pasūtīt" now."""
    copy = schema.copies.alias("orderable")
    conditions = [copy.c.record_id == rid, orderable(copy)]
    if library_id is not None:
        conditions.append(copy.c.library_id == library_id)
    return sa.exists().where(*conditions)


def _all_records(query: SearchQuery) -> tuple[sa.Select, sa.ColumnElement[int]]:
    """Every record id passing ``query``'s filters, read from the narrowest
    index a filter offers: ``copies`` by library, else ``records`` by type."""
    if query.library_id is not None:
        copies = schema.copies
        select = (sa.select(copies.c.record_id).where(copies.c.library_id == query.library_id)
                  .distinct())
        return select.where(*_filters(query, copies.c.record_id, by_library=True)), \
            copies.c.record_id
    records = schema.records
    select = sa.select(records.c.id)
    if query.material_type is not None:
        select = select.where(records.c.material_type == query.material_type.value)
    return select.where(*_filters(query, records.c.id, by_type=True)), records.c.id


COUNT_MAX = 1000
"""The most matches a search counts and pages through. Past it the answer
says "more than" (``Found.more``) and offers that many, the title matches
first: at a million records a common word matches a hundred thousand, and
checking "available now" for each takes half a second, while a patron
refines the words long before paging past a thousand."""


class Found(NamedTuple):
    """A page of the ids a search found, their number (at most
    ``COUNT_MAX``) and whether more records match than were counted."""

    ids: list[int]
    total: int
    more: bool = False


def _capped_count(connection: Connection, select: sa.Select) -> tuple[int, bool]:
    """How many rows ``select`` has, up to ``COUNT_MAX``; whether it has more."""
    counted = connection.execute(sa.select(sa.func.count()).select_from(
        select.limit(COUNT_MAX + 1).subquery())).scalar_one()
    return min(counted, COUNT_MAX), counted > COUNT_MAX


def _page(connection: Connection, select: sa.Select, rid: sa.ColumnElement[int],
          offset: int, limit: int) -> list[int]:
    """``limit`` ids of ``select`` from ``offset``, in id order."""
    return list(connection.execute(select.order_by(rid).offset(offset).limit(limit)).scalars())


def search(connection: Connection, query: SearchQuery) -> Found:
    """One page of the record ids matching ``query`` (R1, with the catalog's
    filters), their number and whether more match (``COUNT_MAX``)."""
    qwords = query_words(query.text)
    if not qwords:  # the whole catalogue (filtered), in id order
        select, rid = _all_records(query)
        total, more = _capped_count(connection, select)
        limit = min(query.limit, total - query.offset)
        if limit <= 0:
            return Found([], total, more)
        return Found(_page(connection, select, rid, query.offset, limit), total, more)
    ids, more = matching(connection, query)
    return Found(ids[query.offset:query.offset + query.limit], len(ids), more)


def matching(connection: Connection, query: SearchQuery) -> tuple[list[int], bool]:
    """Up to ``COUNT_MAX`` ids of the records matching ``query``'s words and
    filters, in relevance order: title matches first, and within each group
    the shorter titles first (the closest to the words typed: "Zirgs"
    before "Zirgs un viņa draugi"), then by id; and whether more match.

    Each group is read once, up to what is still wanted, without an order
    (in the order of the index) and put in order here; so when more than
    ``COUNT_MAX`` match, the ones offered are those the index gives first.
    """
    if connection.dialect.name == "postgresql":
        _tune(connection)
    match = _Match(connection, query_words(query.text))
    found: list[int] = []
    for group in (True, False):
        wanted = COUNT_MAX + 1 - len(found)
        select, rid = match.select(group, found)
        rows = connection.execute(select.where(*_filters(query, rid)).limit(wanted)).all()
        lengths = dict(rows)  # a record twice: the same length
        found += sorted(lengths, key=lambda i: (lengths[i], i))
        if len(rows) == wanted:  # more than it read (the group may be cut short)
            return found[:COUNT_MAX], True
    return found, False


def _tune(connection: Connection) -> None:
    """For this transaction: no JIT (compiling the plan of a search, which
    the planner thinks costly for a common word, takes longer than running
    it)."""
    connection.execute(sa.text("SELECT set_config('jit', 'off', true)"))


def facets(connection: Connection, query: SearchQuery) -> dict[str, dict[str, int]] | None:
    """How many records matching ``query`` there are per library (a copy
    there), per material type and per language: ``{"library_id": {"RCB": 12,
    …}, "material_type": {"book": 40, …}, "language": {"lv": 30, …}}``; a
    value with no matching record is left out. ``None`` when more than
    ``COUNT_MAX`` records match: counting them all is what ``COUNT_MAX``
    spares."""
    if query_words(query.text):
        ids, more = matching(connection, query)
    else:
        select, _ = _all_records(query)
        ids = list(connection.execute(select.limit(COUNT_MAX + 1)).scalars())
        more = len(ids) > COUNT_MAX
    if more:
        return None
    copies, records = schema.copies, schema.records
    per_library = (
        sa.select(copies.c.library_id, sa.func.count(sa.distinct(copies.c.record_id)))
        .where(copies.c.record_id.in_(ids)).group_by(copies.c.library_id)
    )
    answer = {"library_id": dict(connection.execute(per_library).all())}
    for name in ("material_type", "language"):
        column = records.c[name]
        counted = (sa.select(column, sa.func.count()).where(records.c.id.in_(ids))
                   .group_by(column))
        answer[name] = dict(connection.execute(counted).all())
    return answer
