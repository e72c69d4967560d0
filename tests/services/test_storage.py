"""The server's SQLite file: schema and migrations, one server per file,
hashes only, logins that stay locked, and no answer for an unsaved change.
(``test_schema_upgrade`` upgrades a file of Mana 0.1 and runs both dialects.)"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

import pytest

from services.clock import FakeClock
from services.engine.hashing import CHEAP_HASHER
from services.errors import InvalidCredentials, ServiceUnavailable
from services.models import MessageKind, SearchQuery
from services.region import RegionData
from services.server.durable import durable_engine
from services.server.idempotency import Answer, IdempotencyStore
from services.storage import StorageError, open_database
from services.storage.database import SCHEMA_VERSION, head_revision
from tests.services.durable_support import engine_of, journaled, orderable_barcode
from tests.services.fixtures import PATRONS, password
from tests.services.serve_process import run_serve
from tests.services.support import code_in, login, messages
from tests.services.test_schema_upgrade import FTS5, TABLES


def _tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as db:
        return {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}


def _bytes_on_disk(path: Path) -> bytes:
    """The database and its write-ahead log, as anyone reading the disk sees them."""
    return b"".join(p.read_bytes() for p in path.parent.glob(f"{path.name}*") if p.is_file())


# ------------------------------------------------------------------- schema


def test_a_fresh_file_gets_the_current_schema(tmp_path: Path) -> None:
    path = tmp_path / "mana.db"
    database = open_database(str(path))
    assert database.created
    assert database.revision == head_revision()
    database.close()
    assert _tables(path) == TABLES | FTS5
    with sqlite3.connect(path) as db:  # what Mana 0.1 (user_version 1) refuses to read
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    again = open_database(str(path))
    assert not again.created and again.revision == head_revision()
    again.close()


def test_a_file_from_a_newer_mana_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    path = tmp_path / "newer.db"
    with sqlite3.connect(path) as db:
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(StorageError) as refused:
        open_database(str(path))
    message = str(refused.value)
    assert str(path) in message
    assert f"schema version {SCHEMA_VERSION + 1}" in message
    assert "newer Mana" in message
    with sqlite3.connect(path) as db:  # nothing was changed in it
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION + 1
        assert not TABLES & _tables(path)


def test_mana_serve_stops_at_once_on_a_newer_file(tmp_path: Path) -> None:
    path = tmp_path / "newer.db"
    with sqlite3.connect(path) as db:
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 7}")
    result = run_serve("--database", str(path))
    assert result.returncode == 1
    assert f"schema version {SCHEMA_VERSION + 7}" in result.stderr
    assert "Uvicorn running" not in result.stderr + result.stdout


def test_demo_records_need_demo_and_the_curated_catalog(tmp_path: Path) -> None:
    path = str(tmp_path / "mana.db")
    alone = run_serve("--database", path, "--demo-records", "1000")
    assert alone.returncode == 2 and "--demo-records needs --demo" in alone.stderr
    too_few = run_serve("--database", path, "--demo", "--demo-records", "10")
    assert too_few.returncode == 1
    assert "--demo-records" in too_few.stderr and "320" in too_few.stderr


def test_a_file_that_is_not_a_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("Šis nav datubāzes fails.\n" * 100)
    with pytest.raises(StorageError, match="not a usable Mana database"):
        open_database(str(path))


def test_one_server_per_file(tmp_path: Path) -> None:
    path = str(tmp_path / "mana.db")
    first = open_database(path)
    with pytest.raises(StorageError, match="another Mana server"):
        open_database(path)
    first.close()
    open_database(path).close()  # free again once the first let go


def test_idempotency_records_of_an_older_file_are_kept(tmp_path: Path) -> None:
    """A file an early server wrote before the region was kept in it (only
    its idempotency tables, as Mana 0.1 made them) is migrated."""
    path = str(tmp_path / "mana.db")
    with sqlite3.connect(path) as db:
        db.executescript(
            "CREATE TABLE server_meta (name TEXT PRIMARY KEY, value BLOB NOT NULL);"
            "CREATE TABLE idempotency (principal TEXT NOT NULL, key TEXT NOT NULL,"
            " fingerprint TEXT NOT NULL, status INTEGER NOT NULL, content_type TEXT NOT NULL,"
            " body BLOB NOT NULL, created REAL NOT NULL, PRIMARY KEY (principal, key));"
            "CREATE INDEX idempotency_created ON idempotency (created);"
        )
        db.execute("INSERT INTO idempotency VALUES ('anonymous', 'key-1', ?, 200,"
                   " 'application/json', X'7B7D', 1000.0)", ("f" * 64,))
    database = open_database(path)
    assert database.created and database.revision == head_revision()
    database.close()
    again = IdempotencyStore(path, 3600, now=lambda: 1001.0)
    assert again.get("anonymous", "key-1") == Answer("f" * 64, 200, "application/json", b"{}")
    again.close()


# ------------------------------------------------------------------ accounts


async def test_the_file_holds_argon2id_hashes_never_passwords(
    tmp_path: Path, region: RegionData, clock: FakeClock
) -> None:
    path = tmp_path / "mana.db"
    engine, database = journaled(region, clock, path)
    with sqlite3.connect(path) as db:
        hashes = [h for (h,) in db.execute("SELECT password_hash FROM accounts")]
    assert len(hashes) == len(PATRONS)
    assert all(h.startswith("$argon2id$") for h in hashes)
    # a new password through recovery: kept as a hash, the old one stops working
    await engine.request_password_reset("anna")
    (mail,) = await messages(engine, MessageKind.PASSWORD_CODE)
    await engine.reset_password("anna", code_in(mail), "Jauna-Parole-9")
    reloaded = engine_of(database, clock)
    await reloaded.login("anna", "Jauna-Parole-9")
    with pytest.raises(InvalidCredentials):
        await reloaded.login("anna", password("anna"))
    database.close()
    on_disk = _bytes_on_disk(path)
    for secret in ["Jauna-Parole-9", *(password(u) for u in PATRONS)]:
        assert secret.encode() not in on_disk, f"{secret!r} is in the file"


async def test_failed_logins_lock_nothing_across_a_restart(
    tmp_path: Path, region: RegionData, clock: FakeClock
) -> None:
    engine, database = journaled(region, clock, tmp_path / "mana.db")
    for _ in range(6):
        with pytest.raises(InvalidCredentials):
            await engine.login("boris", "nav-tā")
    restarted = engine_of(database, clock)
    assert (await login(restarted, "boris")).patron.username == "boris"
    database.close()


# ------------------------------------------------------------------ journal


async def test_no_success_is_answered_for_a_change_that_was_not_saved(
    tmp_path: Path, region: RegionData, clock: FakeClock
) -> None:
    path = tmp_path / "mana.db"
    engine, database = journaled(region, clock, path)
    anna = await login(engine, "anna")
    with sqlite3.connect(path) as admin:  # the file takes no more writes of reservations
        admin.execute("CREATE TRIGGER refuse BEFORE INSERT ON reservations "
                      "BEGIN SELECT RAISE(ABORT, 'the disk is full'); END")
    with pytest.raises(ServiceUnavailable):
        await engine.order(anna, "A-0001")
    assert await engine.reservations(anna) == []  # nothing of it is shown either
    database.close()
    again = open_database(str(path))
    restarted = engine_of(again, clock)
    assert await restarted.reservations(await login(restarted, "anna")) == []
    again.close()


# --------------------------------------------------------------------- demo


async def test_demo_fills_an_empty_file_once(
    tmp_path: Path, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="mana.server")
    path = str(tmp_path / "mana.db")
    engine, database = durable_engine(path, demo=True, clock=clock, hasher=CHEAP_HASHER)
    everything = SearchQuery(text="", limit=1)
    total = (await engine.search(everything)).total
    assert total >= 320
    anna = await engine.login("anna", "demo1234")
    ordered = await engine.order(anna, await orderable_barcode(engine))
    database.close()
    assert "filled with the demo region" in caplog.text

    caplog.clear()
    engine, database = durable_engine(path, demo=True, clock=clock, hasher=CHEAP_HASHER)
    assert "already holds a region" in caplog.text
    assert "filled with" not in caplog.text
    assert (await engine.search(everything)).total == total
    anna = await engine.login("anna", "demo1234")
    assert [v.reservation for v in await engine.reservations(anna)] == [ordered.reservation]
    database.close()


async def test_an_empty_file_without_demo_starts_empty_and_says_how_to_fill_it(
    tmp_path: Path, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    path = str(tmp_path / "tukša.db")
    engine, database = durable_engine(path, clock=clock, hasher=CHEAP_HASHER)
    assert await engine.libraries() == []
    assert (await engine.search(SearchQuery(text=""))).total == 0
    assert f"mana serve --demo --database {path}" in caplog.text
    database.close()
