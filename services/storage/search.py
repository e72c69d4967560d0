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
- PostgreSQL: ``tsvector`` columns with GIN indexes, built by
  ``array_to_tsvector`` from the words as they are (``to_tsvector`` would
  parse them again, splitting ``foo_bar`` too), and a ``tsquery`` of quoted
  lexemes with ``:*`` (a prefix), passed as one bound parameter.

A query word matches the beginning of a word; every query word must match
(AND); records whose title matches one of them come first, then the rest.
Within each group the shorter titles come first, then the lower ids (the
relevance order); a group of more than ``RANKED_MAX`` matches is read in id
order straight from the match (``LIMIT``/``OFFSET``, no sort of a huge
match). The filters are
``EXISTS`` lookups on the indexes of ``copies``, ``reservations`` and
``collections``, evaluated for the matched records only. An empty text lists
every (filtered) record: from ``copies`` by library when there is a library
filter, else from ``records`` by material type or id.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection

from services.models import Record, ReservationState, SearchQuery
from services.storage import schema
from services.text import fold, words

BATCH = 2000
"""Records per statement while indexing."""

MAX_LEXEME = 2047
"""PostgreSQL's longest lexeme, in UTF-8 bytes."""

MAX_QUERY_LEXEME = MAX_LEXEME - 3
"""A query word's longest prefix on PostgreSQL: a stored word cut at
``MAX_LEXEME`` on a character boundary keeps at least this many bytes, so a
query word of at most this length matches it exactly as it matches the
whole word. (A query word longer than this, ~500 folded characters, matches
by its first ``MAX_QUERY_LEXEME`` bytes.)"""

ACTIVE = [s.value for s in ReservationState if s.active]

record_search = sa.Table(
    "record_search", sa.MetaData(),
    sa.Column("record_id", sa.Integer, primary_key=True),
    sa.Column("title", postgresql.TSVECTOR),
    sa.Column("body", postgresql.TSVECTOR),
)
"""The PostgreSQL table (SQLite's is the FTS5 one, read with ``rowid``)."""

SQLITE_TABLE = (
    "CREATE VIRTUAL TABLE record_search USING fts5("
    "title, body, tokenize = \"ascii tokenchars '_'\", detail = column, prefix = '1 2 3')"
)

POSTGRESQL_TABLE = (
    ("CREATE TABLE record_search ("
    " record_id integer NOT NULL,"
    " title tsvector NOT NULL,"
    " body tsvector NOT NULL,"
    " CONSTRAINT pk_record_search PRIMARY KEY (record_id),"
    " CONSTRAINT fk_record_search_record_id_records FOREIGN KEY (record_id)"
    " REFERENCES records (id) ON DELETE CASCADE)"),
    "CREATE INDEX ix_record_search_title ON record_search USING gin (title)",
    "CREATE INDEX ix_record_search_body ON record_search USING gin (body)",
)



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


def _lexemes(text: str) -> str:
    """``text``'s words, each cut to PostgreSQL's longest lexeme."""
    if len(text) * 4 <= MAX_LEXEME:  # no word of it can be that long
        return text
    return " ".join(_cut(w, MAX_LEXEME) for w in text.split(" "))


def _cut(word: str, size: int) -> str:
    """``word``'s longest start of at most ``size`` UTF-8 bytes."""
    return word.encode()[:size].decode(errors="ignore")


def index_records(connection: Connection, records: Iterable[Record]) -> None:
    """(Re)write the search rows of ``records``, ``BATCH`` records per statement."""
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        delete = sa.text("DELETE FROM record_search WHERE rowid IN :ids").bindparams(
            sa.bindparam("ids", expanding=True))
        insert = sa.text("INSERT INTO record_search (rowid, title, body) VALUES (:id, :t, :b)")
    else:
        delete = sa.delete(record_search).where(
            record_search.c.record_id.in_(sa.bindparam("ids", expanding=True)))
        words = sa.func.string_to_array
        insert = sa.insert(record_search).values(
            record_id=sa.bindparam("id", type_=sa.Integer),
            title=sa.func.array_to_tsvector(words(sa.bindparam("t", type_=sa.Text), " ")),
            body=sa.func.array_to_tsvector(words(sa.bindparam("b", type_=sa.Text), " ")),
        )
    iterator = iter(records)
    while batch := list(itertools.islice(iterator, BATCH)):
        rows = []
        for record in batch:
            title, body = documents(record)
            if not sqlite:
                title, body = _lexemes(title), _lexemes(body)
            rows.append({"id": record.id, "t": title, "b": body})
        connection.execute(delete, {"ids": [row["id"] for row in rows]})
        connection.execute(insert, rows)


# ------------------------------------------------------------------ queries


def _fts_phrase(word: str) -> str:
    """``word`` as an FTS5 prefix query: quoted, a ``"`` doubled."""
    return '"' + word.replace('"', '""') + '"*'


def _ts_lexeme(word: str) -> str:
    """``word`` as a ``tsquery`` prefix lexeme: quoted, ``'`` and ``\\`` escaped."""
    word = _cut(word, MAX_QUERY_LEXEME)
    return "'" + word.replace("\\", "\\\\").replace("'", "''") + "':*"


class _Match:
    """The record ids matching the query words, as SQL: all of them, or
    those whose title matches a word (``titled``), or the others; on
    PostgreSQL also whether a row's title matches (``in_title``)."""

    def __init__(self, connection: Connection, qwords: list[str]) -> None:
        self.sqlite = connection.dialect.name == "sqlite"
        if self.sqlite:
            every = " AND ".join(map(_fts_phrase, qwords))
            anywhere = " OR ".join(map(_fts_phrase, qwords))
            self.strings = {
                None: f"body : ({every})",
                True: f"body : ({every}) AND title : ({anywhere})",
                False: f"body : ({every}) NOT title : ({anywhere})",
            }
        else:
            self.every = " & ".join(map(_ts_lexeme, qwords))
            self.anywhere = " | ".join(map(_ts_lexeme, qwords))

    def select(self, titled: bool | None = None) -> tuple[sa.Select, sa.ColumnElement[int]]:
        """The matching ids and their column."""
        if self.sqlite:
            table = sa.table("record_search", sa.column("rowid", sa.Integer))
            rid = table.c.rowid
            string = sa.bindparam("match", self.strings[titled], type_=sa.Text)
            matches = sa.literal_column("record_search").op("MATCH", is_comparison=True)
            return sa.select(rid).where(matches(string)), rid
        rid = record_search.c.record_id
        every = sa.cast(sa.bindparam("every", self.every, type_=sa.Text), postgresql.TSQUERY)
        query = sa.select(rid).where(record_search.c.body.op("@@", is_comparison=True)(every))
        if titled is not None:
            in_title = self.in_title()
            query = query.where(in_title if titled else sa.not_(in_title))
        return query, rid

    def in_title(self) -> sa.ColumnElement[bool]:
        """PostgreSQL: whether a ``record_search`` row's title matches a query word."""
        anywhere = sa.cast(sa.bindparam("anywhere", self.anywhere, type_=sa.Text),
                           postgresql.TSQUERY)
        return record_search.c.title.op("@@", is_comparison=True)(anywhere)


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
    return sa.and_(copy.c.status == "available", ~held, ~reading_room)


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


def _count(connection: Connection, select: sa.Select) -> int:
    return connection.execute(
        sa.select(sa.func.count()).select_from(select.subquery())).scalar_one()


RANKED_MAX = 20_000
"""The largest group of matches put in relevance order; a larger one (a
word as common as "a") is read in id order, straight from the index, since
sorting it would cost every patron who types it."""


def _page(connection: Connection, select: sa.Select, rid: sa.ColumnElement[int],
          offset: int, limit: int, ranked: bool = False) -> list[int]:
    """``limit`` ids of ``select`` from ``offset``: in id order, or, when
    ``ranked``, the shorter titles first (the closest to the words typed:
    "Zirgs" before "Zirgs un viņa draugi"), then by id."""
    if ranked:
        found = select.subquery()
        records = schema.records
        select = (sa.select(found.c[0]).join(records, records.c.id == found.c[0])
                  .order_by(sa.func.length(records.c.title), records.c.id))
    else:
        select = select.order_by(rid)
    return list(connection.execute(select.offset(offset).limit(limit)).scalars())


def search(connection: Connection, query: SearchQuery) -> tuple[list[int], int]:
    """One page of the record ids matching ``query`` (R1, with the catalog's
    filters) and their number."""
    qwords = query_words(query.text)
    if not qwords:
        select, rid = _all_records(query)
        total = _count(connection, select)
        if query.offset >= total:
            return [], total
        return _page(connection, select, rid, query.offset, query.limit), total

    match = _Match(connection, qwords)
    titled, rid = match.select(True)
    titled = titled.where(*_filters(query, rid))
    rest, rid_rest = match.select(False)
    rest = rest.where(*_filters(query, rid_rest))
    if match.sqlite:
        first, second = _count(connection, titled), _count(connection, rest)
    else:
        first, second = _group_sizes(connection, match, query)
    total = first + second
    page: list[int] = []
    if query.offset < first:
        page = _page(connection, titled, rid, query.offset, query.limit, first <= RANKED_MAX)
    if len(page) < query.limit and query.offset + len(page) < total:
        skip = max(0, query.offset - first)
        page += _page(connection, rest, rid_rest, skip, query.limit - len(page),
                      second <= RANKED_MAX)
    return page, total


def _group_sizes(connection: Connection, match: _Match, query: SearchQuery) -> tuple[int, int]:
    """PostgreSQL: how many records of each group match ``query`` (title
    matches, the rest), in one pass over the match that checks each row's
    title (two counts read it twice, most of it from disk at a million
    records; SQLite's FTS5 finds each group by itself, fast enough there)."""
    _tune(connection)
    select, rid = match.select()
    counted = select.with_only_columns(sa.func.count().filter(match.in_title()), sa.func.count())
    first, every = connection.execute(counted.where(*_filters(query, rid))).one()
    return first, every - first


def _tune(connection: Connection) -> None:
    """For this transaction: no JIT (compiling the plan of a search, which
    the planner thinks costly for a common word, takes longer than running
    it) and the memory to hash the filters' copies of a large match."""
    connection.execute(sa.text(
        "SELECT set_config('jit', 'off', true), set_config('work_mem', '64MB', true)"))


def _matching(connection: Connection, query: SearchQuery) -> sa.Select:
    """The ids of every record matching ``query`` (text and filters), as SQL."""
    qwords = query_words(query.text)
    if not qwords:
        return _all_records(query)[0]
    select, rid = _Match(connection, qwords).select()
    return select.where(*_filters(query, rid))


def facets(connection: Connection, query: SearchQuery) -> dict[str, dict[str, int]]:
    """How many records matching ``query`` there are per library (a copy
    there), per material type and per language: ``{"library_id": {"RCB": 12,
    …}, "material_type": {"book": 40, …}, "language": {"lv": 30, …}}``; a
    value with no matching record is left out.

    Each count is one pass over the matching records (and their copies):
    immediate for the demo, linear in the size of the match for a large
    catalogue, so an empty text there counts the whole catalogue.
    """
    matching = _matching(connection, query).subquery("matching")
    ids = sa.select(matching.c[0])
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
