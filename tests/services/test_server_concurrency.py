"""Many clients at once against the real server: nothing lost, nothing twice."""

from __future__ import annotations

import asyncio

import pytest

from services.clock import FakeClock
from services.errors import Refused
from services.models import Patron, RenewalState, ReservationState
from services.region import Account, RegionData
from services.remote import RemoteService
from tests.services.fixtures import CILDA, KOK, L1, password
from tests.services.server_harness import (
    TEST_SETTINGS,
    memory_engine,
    no_server_errors,  # noqa: F401 - a fixture
    running_server,
)

SETTINGS = TEST_SETTINGS


def with_readers(region: RegionData, count: int) -> list[str]:
    """Add ``count`` patrons to the region; their usernames."""
    names = [f"lasitajs{n:02d}" for n in range(1, count + 1)]
    for n, name in enumerate(names, start=1):
        patron = Patron(
            id=1000 + n,
            username=name,
            card_number=f"20000000{n:02d}",
            name=f"Lasītājs {n}",
            email=f"{name}@example.lv",
            home_library=KOK,
        )
        region.accounts.append(Account(patron=patron, password=password(name)))
    return names


@pytest.mark.usefixtures("no_server_errors")
async def test_twenty_clients_order_the_last_copy_at_once(
    region: RegionData, clock: FakeClock
) -> None:
    names = with_readers(region, 20)
    with running_server(memory_engine(region, clock), SETTINGS) as server:
        clients = [RemoteService(server.url, timeout=30) for _ in names]
        try:
            sessions = [await c.login(n, password(n)) for c, n in zip(clients, names, strict=True)]
            # K-0003 is the only copy of record 7, on the shelf
            views = await asyncio.gather(
                *[c.order(s, "K-0003") for c, s in zip(clients, sessions, strict=True)]
            )
            states = [v.reservation.state for v in views]
            assert states.count(ReservationState.REQUESTED) == 1
            queued = sorted(
                v.reservation.position
                for v in views
                if v.reservation.state == ReservationState.QUEUED
            )
            assert queued == list(range(1, 20)), "a place in the queue was lost or given twice"
            # each patron sees exactly their own one reservation
            for client, session, view in zip(clients, sessions, views, strict=True):
                mine = await client.reservations(session)
                assert [v.reservation.id for v in mine] == [view.reservation.id]
        finally:
            for client in clients:
                await client.aclose()


@pytest.mark.usefixtures("no_server_errors")
async def test_twenty_parallel_renewal_requests_have_one_effect(
    region: RegionData, clock: FakeClock
) -> None:
    with running_server(memory_engine(region, clock), SETTINGS) as server:
        clients = [RemoteService(server.url, timeout=30) for _ in range(20)]
        try:
            cilda = await clients[0].login("cilda", password("cilda"))
            answers = await asyncio.gather(
                *[c.request_renewal(cilda, L1) for c in clients], return_exceptions=True
            )
            granted = [a for a in answers if not isinstance(a, BaseException)]
            refused = [a for a in answers if isinstance(a, Refused)]
            assert len(granted) == 1 and len(refused) == 19, answers
            assert granted[0].loan.renewal == RenewalState.PENDING
            staff = await clients[0].login("aiz.darbs", password("aiz.darbs"))
            pending = [v.loan.id for v in await clients[0].staff_renewals(staff)]
            assert pending.count(L1) == 1
            loans = {v.loan.id: v.loan for v in await clients[0].loans(cilda)}
            assert loans[L1].patron_id == CILDA and loans[L1].renewals == 0
        finally:
            for client in clients:
                await client.aclose()
