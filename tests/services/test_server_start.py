"""A server's start (issue 13): it answers before its first maintenance round
is done, the round still expires what is past its date, and a call that
comes meanwhile is answered on the day's holds. Against the real server on
loopback, on PostgreSQL, where another transaction holds the row of the hold
the round would expire (so the round waits, however fast the machine, while
reads such as /health go on).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

from services.clock import FakeClock
from services.models import MessageKind, ReservationState
from services.region import RegionData
from services.remote import RemoteService
from services.server.app import create_app
from services.server.settings import ServerSettings
from services.storage import schema as s
from services.storage.database import create_engine, head_of_files, head_revision
from tests.services.durable_support import journaled
from tests.services.fixtures import R2, password
from tests.services.postgres import postgres_url  # noqa: F401 - a fixture
from tests.services.server_harness import (
    no_server_errors,  # noqa: F401 - a fixture
    running_server,
)


@contextmanager
def row_held(url: str, reservation_id: int) -> Iterator[sa.Connection]:
    """Another transaction holding the reservation's row (``FOR UPDATE``)
    until it rolls back (or the block ends): a write of it waits, reads go on."""
    engine = create_engine(url, serializable=False)
    try:
        with engine.connect() as holder:
            holder.execute(sa.select(s.reservations.c.id)
                           .where(s.reservations.c.id == reservation_id).with_for_update())
            yield holder
    finally:
        engine.dispose()


def scalar(url: str, query: sa.Select) -> object:
    """``query``'s one value, read on a connection of its own."""
    engine = create_engine(url, serializable=False)
    try:
        with engine.connect() as db:
            return db.execute(query).scalar_one()
    finally:
        engine.dispose()


def state_of(url: str, reservation_id: int) -> object:
    return scalar(url, sa.select(s.reservations.c.state)
                  .where(s.reservations.c.id == reservation_id))


def expired_mail(url: str) -> object:
    return scalar(url, sa.select(sa.func.count()).select_from(s.messages).where(
        s.messages.c.kind == MessageKind.RESERVATION_EXPIRED.value))


async def test_a_server_answers_before_its_first_round_which_still_expires_the_holds(
    region: RegionData, clock: FakeClock, postgres_url: str, no_server_errors  # noqa: F811
) -> None:
    url = postgres_url
    engine, database = journaled(region, clock, url)
    clock.advance(days=7)  # Monday 23.11: cilda's R2, held until 22.11, is past its date
    try:
        app = create_app(engine, ServerSettings(database=url))
        with row_held(url, R2) as holder, running_server(engine, app=app):
            # It answers (/health) while its first round waits for the row.
            assert state_of(url, R2) == ReservationState.READY.value
            holder.rollback()
            # Then the round does its work with nobody asking.
            for _ in range(200):
                if state_of(url, R2) != ReservationState.READY.value:
                    break
                await asyncio.sleep(0.05)
            assert state_of(url, R2) == ReservationState.EXPIRED.value
            assert expired_mail(url) == 1
    finally:
        database.close()


async def test_a_call_during_the_first_round_is_answered_on_the_days_holds(
    region: RegionData, clock: FakeClock, postgres_url: str, no_server_errors  # noqa: F811
) -> None:
    url = postgres_url
    engine, database = journaled(region, clock, url)
    clock.advance(days=7)  # R2 is past its date
    try:
        app = create_app(engine, ServerSettings(database=url))
        with row_held(url, R2) as holder, running_server(engine, app=app) as server:
            client = RemoteService(server.url, retries=0)
            try:
                async def cildas_reservations() -> dict[int, ReservationState]:
                    session = await client.login("cilda", password("cilda"))
                    return {v.reservation.id: v.reservation.state
                            for v in await client.reservations(session)}

                asked = asyncio.create_task(cildas_reservations())
                await asyncio.sleep(0.5)
                assert not asked.done(), "answered before the day's holds were expired"
                holder.rollback()
                states = await asyncio.wait_for(asked, 10)
            finally:
                await client.aclose()
        assert states[R2] == ReservationState.EXPIRED  # never offered as ready
        assert expired_mail(url) == 1  # expired once, by the round or the call
    finally:
        database.close()


def test_the_schema_head_a_start_reads_from_the_files_is_alembics() -> None:
    """A start that finds the schema up to date does not import Alembic: it
    reads the newest revision from the migration files instead."""
    assert head_of_files() == head_revision()
