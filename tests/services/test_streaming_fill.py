"""A large demo region streamed into a database in parts (issue 13's benchmark
size, here small): the same catalogue as the demo builds whole, generated
patrons who borrow and reserve, and the desk finding them by card and name."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from services.clock import FakeClock
from services.demo import build_region, stream_region
from services.demo_data import DEMO_PASSWORD
from services.engine.hashing import CHEAP_HASHER
from services.models import CopyStatus, ReservationState
from services.storage import open_database, schema
from services.storage.region import fill_region_streaming
from tests.services.durable_support import engine_of
from tests.services.postgres import postgres_url  # noqa: F401 - a fixture

TODAY = date(2026, 11, 16)


def test_the_parts_without_patrons_are_the_demo_region_built_whole() -> None:
    whole = build_region(TODAY, records=3000)
    parts = list(stream_region(TODAY, 3000, batch=700))
    assert [r for p in parts for r in p.records] == whole.records
    assert [c for p in parts for c in p.copies] == whole.copies
    assert parts[0].accounts == whole.accounts and parts[0].loans == whole.loans
    assert all(not p.libraries for p in parts[1:])


def test_generated_copies_and_circulation() -> None:
    parts = list(stream_region(TODAY, 5320, copies_per_record=3, patrons=400, batch=1000))
    generated = [c for p in parts[2:] for c in p.copies]
    assert 2.8 < len(generated) / 5000 < 3.2
    loans = [loan for p in parts for loan in p.loans]
    lent = {c.barcode for c in generated if c.status == CopyStatus.ON_LOAN}
    assert lent and lent <= {loan.barcode for loan in loans}
    held = [r for p in parts[2:] for r in p.reservations if r.state == ReservationState.READY]
    assert held and all(r.held_until and r.held_until >= TODAY for r in held)
    assert sum(len(p.accounts) for p in parts[1:]) == 400


async def _filled_and_searched(target: str) -> None:
    database = open_database(target)
    try:
        parts = stream_region(TODAY, 2320, copies_per_record=3, patrons=300, batch=500)
        written = list(fill_region_streaming(database, parts, CHEAP_HASHER, source="test"))
        with database.engine.connect() as db:
            count = db.execute(sa.select(sa.func.count()).select_from(schema.copies)).scalar()
        assert count == sum(len(p.copies) for p in written)
        engine = engine_of(database, FakeClock())  # 16.11.2026, as TODAY
        who = next(a.patron for p in written[1:] for a in p.accounts
                   if a.patron.username == "lasitajs000007")
        patron = await engine.login(who.username, DEMO_PASSWORD)
        assert await engine.loans(patron) is not None
        staff = await engine.login("staff-aizk", DEMO_PASSWORD)
        assert [p.username for p in await engine.find_patrons(staff, who.card_number)] == \
            [who.username]
        nine = await engine.find_patrons(staff, who.card_number[:9])  # cards 2000000001…9
        assert len(nine) == 9 and who.username in {p.username for p in nine}
        assert len(await engine.find_patrons(staff, "2")) == 50  # at most 50 shown
        surname = who.name.split()[1]
        by_name = await engine.find_patrons(staff, surname[:4].upper())
        assert by_name and all(
            any(w.startswith(surname[:4].casefold()) for w in p.name.casefold().split())
            for p in by_name)
        assert [p.name for p in by_name] == sorted(p.name for p in by_name)
        assert await engine.find_patrons(staff, "Zqx") == []
    finally:
        database.close()


async def test_a_streamed_region_in_an_sqlite_file() -> None:
    with tempfile.TemporaryDirectory() as folder:
        await _filled_and_searched(str(Path(folder) / "mana.db"))


async def test_a_streamed_region_in_postgresql(postgres_url: str) -> None:  # noqa: F811
    await _filled_and_searched(postgres_url)


def test_a_database_with_a_region_is_refused() -> None:
    from services.storage import StorageError

    with tempfile.TemporaryDirectory() as folder:
        database = open_database(str(Path(folder) / "mana.db"))
        try:
            list(fill_region_streaming(database, stream_region(TODAY, 320), CHEAP_HASHER))
            with pytest.raises(StorageError, match="already holds a region"):
                list(fill_region_streaming(database, stream_region(TODAY, 320), CHEAP_HASHER))
        finally:
            database.close()
