"""The schema on both dialects, and a database file of Mana 0.1 upgraded in place.

``data/mana-0e720eb.db`` was written by ``mana serve --demo`` of Mana 0.1
(commit 0e720eb, the schema with each model as JSON) and then used through
its API: loans asked to be renewed, a free request, an order, a list
e-mail, a password recovery code pending, idempotency records. The upgrade
must carry every entity across, field by field.
"""

from __future__ import annotations

import shutil
import sqlite3
from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from services.accounts import is_hashed_code, reset_code_matches
from services.clock import RIGA, FakeClock
from services.engine.hashing import CHEAP_HASHER
from services.models import (
    Copy,
    FreeRequest,
    Library,
    Loan,
    Message,
    Patron,
    Record,
    Reservation,
    SearchQuery,
)
from services.region import RegionData
from services.server.durable import durable_engine
from services.storage import Database, StorageError, fill_region, open_database, rows
from services.storage import schema as tables
from services.storage.database import SCHEMA_VERSION, head_revision
from tests.services.durable_support import engine_of, orderable_barcode
from tests.services.postgres import postgres_url  # noqa: F401 - a fixture

OLD = Path(__file__).parent / "data" / "mana-0e720eb.db"
"""A file of Mana 0.1 (schema user_version 1), as its server left it."""

TABLES = {"region_info", "libraries", "collections", "records", "record_authors",
          "record_subjects", "record_series", "record_notes", "record_links",
          "record_marc", "copies", "accounts", "loans", "reservations", "free_requests",
          "messages", "sessions", "server_meta", "idempotency", "record_search",
          "patron_words",
          "alembic_version"}
"""The tables of the schema, on both dialects."""

FTS5 = {"record_search_config", "record_search_content", "record_search_data",
        "record_search_docsize", "record_search_idx"}
"""The tables SQLite's FTS5 keeps ``record_search`` in."""

ENTITIES = {
    "libraries": (Library, "libraries", "id"),
    "records": (Record, "records", "id"),
    "copies": (Copy, "copies", "barcode"),
    "loans": (Loan, "loans", "id"),
    "reservations": (Reservation, "reservations", "id"),
    "free_requests": (FreeRequest, "free_requests", "id"),
    "messages": (Message, "messages", "id"),
}
"""Table of 0.1 → (model, the table now holding it, its key)."""


def _old_copy(tmp_path: Path) -> Path:
    path = tmp_path / "mana.db"
    shutil.copy(OLD, path)
    return path


def _read_0_1(path: Path) -> dict[str, dict[object, object]]:
    """Every entity of a 0.1 file, read as 0.1 read it (the JSON of each row)."""
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == 1
        found: dict[str, dict[object, object]] = {}
        for table, (model, _, key) in ENTITIES.items():
            items = [model.model_validate_json(d)
                     for (d,) in db.execute(f"SELECT data FROM {table}")]
            found[table] = {getattr(item, key): item for item in items}
        found["accounts"] = {
            patron_id: (Patron.model_validate_json(patron), password_hash)
            for patron_id, patron, password_hash in db.execute(
                "SELECT patron_id, patron, password_hash FROM accounts")
        }
        found["idempotency"] = {
            (principal, key): (fingerprint, status, bytes(body))
            for principal, key, fingerprint, status, body in db.execute(
                "SELECT principal, key, fingerprint, status, body FROM idempotency")
        }
    return found


class Read:
    """Every entity of a database, read as the engine reads it."""

    def __init__(self, database: Database) -> None:
        from services.engine.tx import Tx

        with database.engine.connect() as db:
            tx = Tx(db, datetime.now(RIGA), "")
            self.libraries = tx.libraries
            ids = db.execute(sa.select(tables.records.c.id)).scalars().all()
            self.records = dict(sorted(tx.records(ids).items()))

            def every(table: sa.Table, read, key):  # type: ignore[no-untyped-def]
                found = [read(row) for row in db.execute(sa.select(table)).mappings()]
                return {key(item): item for item in found}

            self.copies = every(tables.copies, rows.copy_from, lambda c: c.barcode)
            self.loans = every(tables.loans, rows.loan_from, lambda x: x.id)
            self.reservations = every(tables.reservations, rows.reservation_from, lambda x: x.id)
            self.free_requests = every(tables.free_requests, rows.request_from, lambda x: x.id)
            self.messages = every(tables.messages, rows.message_from, lambda x: x.id)
            self.accounts = every(tables.accounts, rows.account_from, lambda a: a.patron.id)


def _tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as db:
        return {n for (n,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}


def test_a_file_of_mana_0_1_is_upgraded_in_place_with_nothing_lost(tmp_path: Path) -> None:
    path = _old_copy(tmp_path)
    before = _read_0_1(path)
    assert all(before.values()), "the fixture has rows of every kind"

    database = open_database(str(path))
    assert not database.created and database.revision == head_revision()
    store = Read(database)
    database.close()

    for table, (_, attribute, _) in ENTITIES.items():
        assert dict(getattr(store, attribute)) == before[table], f"{table} changed"
    assert {i: (a.patron, a.password_hash) for i, a in store.accounts.items()} == \
        before["accounts"]
    assert _tables(path) == TABLES | FTS5  # the JSON tables are gone
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        kept = {(p, k): (f, s, bytes(b)) for p, k, f, s, b in db.execute(
            "SELECT principal, key, fingerprint, status, body FROM idempotency")}
        assert kept == before["idempotency"]
        assert db.execute("SELECT count(*) FROM record_authors").fetchone()[0] > 300
        # what an administrator now asks by hand, in plain columns
        (on_loan,) = db.execute("SELECT count(*) FROM copies WHERE status = 'on_loan'").fetchone()
        assert on_loan == sum(c.status == "on_loan" for c in before["copies"].values())


async def test_the_upgraded_file_serves_the_patrons_as_before(tmp_path: Path) -> None:
    path = _old_copy(tmp_path)
    before = _read_0_1(path)
    clock = FakeClock(datetime(2026, 12, 4, 18, 40, tzinfo=RIGA))  # when 0.1 wrote it
    engine, database = durable_engine(str(path), clock=clock, hasher=CHEAP_HASHER)
    try:
        # lasitajs12 sent a free request and ordered a copy through 0.1's API
        session = await engine.login("lasitajs12", "demo1234")
        mine = session.patron.id
        assert [v.request for v in await engine.free_requests(session)] == [
            r for r in before["free_requests"].values() if r.patron_id == mine]
        assert {v.reservation.id for v in await engine.reservations(session)} >= {
            r.id for r in before["reservations"].values()
            if r.patron_id == mine and r.state.active}
        order = await engine.order(session, await orderable_barcode(engine))
    finally:
        database.close()
    again, database = durable_engine(str(path), clock=clock, hasher=CHEAP_HASHER)
    try:
        session = await again.login("lasitajs12", "demo1234")
        assert order.reservation in [v.reservation for v in await again.reservations(session)]
    finally:
        database.close()


async def test_a_recovery_code_0_1_kept_in_clear_is_hashed_by_the_upgrade(
    tmp_path: Path,
) -> None:
    path = _old_copy(tmp_path)
    with sqlite3.connect(path) as db:
        (patron_id,) = db.execute(
            "SELECT patron_id FROM accounts WHERE username = 'lasitajs05'").fetchone()
        db.execute(
            "UPDATE accounts SET login = ? WHERE patron_id = ?",
            ('{"failures": [], "locked_until": null, "reset_code": "271828", '
             '"reset_expires": "2030-01-01T10:00:00+02:00", "reset_tries": 0}', patron_id),
        )
    database = open_database(str(path))
    try:
        with database.engine.connect() as db:
            (kept,) = db.execute(sa.text(
                "SELECT reset_code FROM accounts WHERE patron_id = :p"), {"p": patron_id}).one()
        assert "271828" not in kept and is_hashed_code(kept)
        assert reset_code_matches(kept, "271828")
        engine = engine_of(database, FakeClock())
        await engine.reset_password("lasitajs05", "271828", "jauna-parole-42")
        await engine.login("lasitajs05", "jauna-parole-42")
    finally:
        database.close()
    assert b"271828" not in b"".join(p.read_bytes() for p in tmp_path.glob("mana.db*"))


def test_an_upgrade_that_fails_leaves_the_file_as_it_was(tmp_path: Path) -> None:
    path = _old_copy(tmp_path)
    with sqlite3.connect(path) as db:
        db.execute("UPDATE records SET data = '{\"id\": 7, \"title\"' WHERE id = 7")
    tables = _tables(path)
    with pytest.raises(StorageError) as refused:
        open_database(str(path))
    message = str(refused.value)
    assert str(path) in message and "left as it was" in message
    assert _tables(path) == tables
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == 1
        assert db.execute("SELECT count(*) FROM records").fetchone()[0] == 320


# --------------------------------------------------------------- PostgreSQL


def test_postgresql_gets_the_same_schema(postgres_url: str) -> None:  # noqa: F811
    database = open_database(postgres_url)
    try:
        assert database.created and database.revision == head_revision()
        assert set(sa.inspect(database.engine).get_table_names()) == TABLES
        _same_as_the_metadata(database)
    finally:
        database.close()
    again = open_database(postgres_url)
    assert not again.created
    again.close()


def test_servers_open_one_postgresql_database_together(postgres_url: str) -> None:  # noqa: F811
    """Unlike a file, a PostgreSQL database takes any number of servers
    (``test_many_servers``); the first migrates, the others find it done."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(4) as pool:
        opened = list(pool.map(lambda _: open_database(postgres_url), range(4)))
    try:
        assert sum(d.created for d in opened) == 1
        assert {d.revision for d in opened} == {head_revision()}
    finally:
        for database in opened:
            database.close()


def test_a_region_reads_back_from_postgresql_as_it_was_written(
    postgres_url: str, region: RegionData  # noqa: F811
) -> None:
    database = open_database(postgres_url)
    try:
        fill_region(database, region, CHEAP_HASHER, source="test")
        store = Read(database)
    finally:
        database.close()
    assert list(store.libraries.values()) == list(region.libraries)
    assert list(store.records.values()) == list(region.records)
    assert sorted(store.copies.values(), key=lambda c: c.barcode) == \
        sorted(region.copies, key=lambda c: c.barcode)
    assert sorted(store.loans.values(), key=lambda x: x.id) == \
        sorted(region.loans, key=lambda x: x.id)
    assert sorted(store.reservations.values(), key=lambda x: x.id) == \
        sorted(region.reservations, key=lambda x: x.id)
    assert [a.patron for a in store.accounts.values()] == \
        sorted((a.patron for a in region.accounts), key=lambda p: p.id)


async def test_a_server_on_postgresql_keeps_what_it_answered_across_a_restart(
    postgres_url: str, clock: FakeClock  # noqa: F811
) -> None:
    engine, database = durable_engine(postgres_url, demo=True, clock=clock, hasher=CHEAP_HASHER)
    try:
        assert (await engine.search(SearchQuery(text="", limit=1))).total >= 320
        anna = await engine.login("anna", "demo1234")
        ordered = await engine.order(anna, await orderable_barcode(engine))
    finally:
        database.close()
    engine, database = durable_engine(postgres_url, demo=True, clock=clock, hasher=CHEAP_HASHER)
    try:
        anna = await engine.login("anna", "demo1234")
        assert [v.reservation for v in await engine.reservations(anna)] == [ordered.reservation]
        with database.engine.connect() as db:
            state = db.execute(sa.text("SELECT state FROM reservations WHERE id = :i"),
                               {"i": ordered.reservation.id}).scalar()
        assert state == "requested"
    finally:
        database.close()


def _same_as_the_metadata(database: Database) -> None:
    """The migrations make what ``services.storage.schema`` declares (the
    search table, which the metadata does not declare, aside)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with database.engine.connect() as db:
        differences = compare_metadata(MigrationContext.configure(db), tables.metadata)
    assert [d for d in differences if "record_search" not in repr(d)] == []


def test_the_migrations_make_the_declared_schema_on_sqlite(tmp_path: Path) -> None:
    database = open_database(str(tmp_path / "mana.db"))
    try:
        _same_as_the_metadata(database)
    finally:
        database.close()


def test_a_database_made_in_memory_has_the_schema_the_migrations_make(tmp_path: Path) -> None:
    """The kiosk's demo makes its in-memory database from the declared tables
    (``create_in_memory``, no Alembic): the same tables, columns, indexes and
    search table as a database the migrations made."""
    from services.storage.database import create_engine, create_in_memory

    def shape(engine: sa.Engine) -> dict[str, object]:
        with engine.connect() as db:
            inspector = sa.inspect(db)
            names = sorted(set(inspector.get_table_names()) - {"alembic_version"})
            version = db.exec_driver_sql("PRAGMA user_version").scalar()
            return {"version": version, **{name: (
                sorted((c["name"], str(c["type"]), c["nullable"])  # migrations add at the end
                       for c in inspector.get_columns(name)),
                sorted((i["name"], tuple(i["column_names"]), bool(i["unique"]))
                       for i in inspector.get_indexes(name)),
            ) for name in names}}

    migrated = open_database(str(tmp_path / "mana.db"))
    memory = create_engine(":memory:")
    try:
        create_in_memory(memory)
        assert shape(memory) == shape(migrated.engine)
    finally:
        migrated.close()
        memory.dispose()
