"""``mana serve`` keeps what it was told: across a clean restart, and across
SIGKILL in the middle of many clients' writes. The real server runs as a
subprocess on a temporary database; every check goes through the HTTP API."""

from __future__ import annotations

import asyncio
import random
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from services.clock import SystemClock
from services.demo import build_region
from services.demo_data import DEMO_PASSWORD, READERS
from services.engine.hashing import CHEAP_HASHER
from services.errors import ManaError, Refused
from services.models import (
    FreeRequestForm,
    RenewalState,
    ReservationState,
    SearchQuery,
    Session,
)
from services.region import RegionData
from services.remote import RemoteService
from services.storage import fill_region, open_database
from tests.services.durable_support import orderable_barcode
from tests.services.serve_process import ServerProcess


async def _catalog_size(client: RemoteService) -> tuple[int, int]:
    return len(await client.libraries()), (await client.search(SearchQuery(text=""))).total


async def _request_form(client: RemoteService, title: str) -> FreeRequestForm:
    library = (await client.libraries())[0]
    lending = next(c for c in library.collections if not c.reading_room)
    return FreeRequestForm(author="Kalniņa, Ilze", title=title, year="2024",
                           library_id=library.id, collection=lending.code)


async def test_a_restart_keeps_what_patrons_did_and_the_demo_once(tmp_path: Path) -> None:
    database = tmp_path / "mana.db"
    server = ServerProcess.start(database, "--demo")
    try:
        async with RemoteService(server.url, timeout=30) as client:
            catalog = await _catalog_size(client)
            anna = await client.login("anna", DEMO_PASSWORD)
            ordered = await client.order(anna, await orderable_barcode(client))
            request = await client.submit_free_request(anna, await _request_form(client, "Bites"))
            liga = await client.login("liga", DEMO_PASSWORD)
            loan = next(v.loan for v in await client.loans(liga) if v.renew.allowed)
            renewal = await client.request_renewal(liga, loan.id)
            assert renewal.loan.renewal == RenewalState.PENDING
    finally:
        server.stop()
    assert "filled with the demo region" in server.output()

    server = ServerProcess.start(database)  # no --demo this time
    try:
        async with RemoteService(server.url, timeout=30) as client:
            assert await _catalog_size(client) == catalog, "the demo region was added twice"
            anna = await client.login("anna", DEMO_PASSWORD)
            assert [v.reservation for v in await client.reservations(anna)] == [
                ordered.reservation
            ]
            assert [v.request for v in await client.free_requests(anna)] == [request.request]
            liga = await client.login("liga", DEMO_PASSWORD)
            (kept,) = [v.loan for v in await client.loans(liga) if v.loan.id == loan.id]
            assert kept == renewal.loan
    finally:
        server.stop()
    log = server.output()
    assert "filled with" not in log and "holds no region" not in log


# --------------------------------------------------------------------- SIGKILL

CLIENTS = 12
WRITES_BEFORE_KILL = 60
"""The kill comes once this many writes were answered (or the clients ran out)."""


@dataclass
class Answered:
    """The writes the server answered with success, per patron."""

    reservations: dict[str, dict[int, str]]
    renewals: dict[str, set[int]]
    requests: dict[str, dict[int, str]]

    def count(self) -> int:
        return (sum(map(len, self.reservations.values())) + sum(map(len, self.renewals.values()))
                + sum(map(len, self.requests.values())))


async def _writer(url: str, username: str, barcodes: list[str], answered: Answered,
                  seed: int) -> None:
    """Orders, renewal requests and free requests until the server is gone."""
    rng = random.Random(seed)
    async with RemoteService(url, timeout=20, retries=1, backoff=0.05) as client:
        try:
            session = await client.login(username, DEMO_PASSWORD)
            renewable = [v.loan.id for v in await client.loans(session) if v.renew.allowed]
            for n in range(40):
                await _one_write(client, session, username, n, rng, barcodes, renewable, answered)
        except ManaError:
            return  # the server is gone: what was not answered may or may not be kept


async def _one_write(client: RemoteService, session: Session, username: str, n: int,
                     rng: random.Random, barcodes: list[str], renewable: list[int],
                     answered: Answered) -> None:
    kind = rng.choice(("order", "order", "renew", "request"))
    try:
        if kind == "renew" and renewable:
            view = await client.request_renewal(session, renewable.pop())
            answered.renewals[username].add(view.loan.id)
        elif kind == "request":
            title = f"{username} vēlas grāmatu {n}"
            made = await client.submit_free_request(session, await _request_form(client, title))
            answered.requests[username][made.request.id] = title
        else:
            res = (await client.order(session, rng.choice(barcodes))).reservation
            answered.reservations[username][res.id] = res.barcode
    except Refused:
        pass  # the rules said no (limit, already ordered …): an answer, but not a write


def _prefilled(database: Path) -> RegionData:
    """The demo region written into ``database`` with cheap hashes (quick logins)."""
    region = build_region(SystemClock().now().date())
    db = open_database(str(database))
    fill_region(db, region, CHEAP_HASHER)
    db.close()
    return region


async def test_sigkill_loses_no_answered_write_and_queues_stay_whole(tmp_path: Path) -> None:
    database = tmp_path / "mana.db"
    region = _prefilled(database)
    reading_rooms = {(lib.id, c.code) for lib in region.libraries
                     for c in lib.collections if c.reading_room}
    lendable = sorted(c.barcode for c in region.copies
                      if (c.library_id, c.collection) not in reading_rooms)
    barcodes = random.Random(4).sample(lendable, 30)  # few copies: queues form
    writers = [r.username for r in READERS[:CLIENTS - 2]] + ["anna", "liga"]
    answered = Answered(defaultdict(dict), defaultdict(set), defaultdict(dict))

    server = ServerProcess.start(database)
    tasks = [asyncio.create_task(_writer(server.url, name, barcodes, answered, seed))
             for seed, name in enumerate(writers)]
    deadline = time.monotonic() + 60
    while (answered.count() < WRITES_BEFORE_KILL and not all(t.done() for t in tasks)
           and time.monotonic() < deadline):
        await asyncio.sleep(0.005)
    server.kill()  # SIGKILL, with writes in flight
    await asyncio.gather(*tasks)
    assert answered.count() >= 10, "too few writes were answered before the kill to tell"

    server = ServerProcess.start(database)
    try:
        async with RemoteService(server.url, timeout=30) as client:
            queued: dict[str, list[int]] = defaultdict(list)
            for account in region.accounts:
                username = account.patron.username
                session = await client.login(username, DEMO_PASSWORD)
                reservations = {v.reservation.id: v.reservation
                                for v in await client.reservations(session)}
                for rid, barcode in answered.reservations[username].items():
                    assert rid in reservations, f"{username}'s answered order {rid} is lost"
                    assert reservations[rid].barcode == barcode
                    assert reservations[rid].state.active
                if answered.renewals[username]:
                    pending = {v.loan.id for v in await client.loans(session)
                               if v.loan.renewal == RenewalState.PENDING}
                    lost = answered.renewals[username] - pending
                    assert not lost, f"{username}'s answered renewal requests {lost} are lost"
                if answered.requests[username]:
                    kept = {v.request.id: v.request.title
                            for v in await client.free_requests(session)}
                    for fid, title in answered.requests[username].items():
                        assert kept.get(fid) == title, f"{username}'s free request {fid} is lost"
                for res in reservations.values():
                    if res.state == ReservationState.QUEUED:
                        queued[res.barcode].append(res.position)
            assert queued, "no queue to check"
            for barcode, positions in queued.items():
                assert sorted(positions) == list(range(1, len(positions) + 1)), (
                    f"the queue of {barcode} is {sorted(positions)}"
                )
    finally:
        server.stop()
