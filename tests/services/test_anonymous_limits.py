"""What a caller without a login can make the server do or keep (issue 11):
recovery codes and lists are limited per client and per recipient, what the
engine keeps for them is bounded, the outbox does not grow without end,
recovery codes are kept hashed, ``--demo`` shows only the demo's outbox and
the maintenance call takes the server's key. Against the real server on
loopback (in this process, or ``mana serve`` as a subprocess).
"""

from __future__ import annotations

import asyncio
import os
import re
import sqlite3
import stat
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from services import rules
from services.clock import FakeClock
from services.engine.hashing import CHEAP_HASHER
from services.memory import MemoryService
from services.models import MessageKind
from services.region import RegionData
from services.server.settings import ServerSettings
from services.storage import fill_region, open_database
from tests.services.durable_support import journaled
from tests.services.fixtures import build_region
from tests.services.serve_process import ServerProcess
from tests.services.server_harness import (
    memory_engine,
    no_server_errors,  # noqa: F401 - a fixture
    running_server,
)

KEY_HEADER = "X-Mana-Maintenance-Key"
RESETS_PER_ADDRESS, LISTS_PER_RECIPIENT, LISTS_PER_ADDRESS = 10, 3, 20
"""The documented defaults."""


def settings(**values: object) -> ServerSettings:
    """``ServerSettings`` of ``values``, leaving out keys a Mana without these
    limits does not know (so there each test fails on what it checks)."""
    known = ServerSettings.model_fields
    return ServerSettings(**{k: v for k, v in values.items() if k in known})


SETTINGS = settings(database=":memory:", expose_outbox=True)
"""The defaults of every limit (the outbox shown, to read the codes)."""


def body(answer: httpx.Response, status: int, code: str) -> dict:
    assert answer.status_code == status, (answer.status_code, answer.text)
    error = answer.json()
    assert error["code"] == code, error
    assert error["lv"].strip() and error["en"].strip(), error
    return error


@pytest.fixture
async def http(
    region: RegionData, clock: FakeClock, request: pytest.FixtureRequest
) -> AsyncIterator[tuple[httpx.AsyncClient, MemoryService]]:
    """A client of a server with the default limits, and the server's engine."""
    request.getfixturevalue("no_server_errors")
    engine = memory_engine(region, clock)
    with running_server(engine, SETTINGS) as server:
        async with httpx.AsyncClient(base_url=f"{server.url}/api/v1", timeout=30) as client:
            yield client, engine  # type: ignore[misc]


# --------------------------------------------------------- password recovery


async def test_recovery_requests_from_one_address_past_the_limit_get_429(http) -> None:
    client, _ = http
    limit = RESETS_PER_ADDRESS
    for n in range(limit):  # distinct identifiers: the engine's own count per name stays low
        answer = await client.post("/password-reset/request", json={"identifier": f"kads-{n}"})
        assert answer.status_code == 204, answer.text
    over = await client.post("/password-reset/request", json={"identifier": "anna"})
    body(over, 429, "too_many_attempts")
    outbox = (await client.get("/outbox")).json()
    assert not [m for m in outbox if m["kind"] == MessageKind.PASSWORD_CODE], (
        "a code was sent past the limit"
    )


async def test_a_thousand_large_identifiers_leave_the_kept_state_bounded(
    region: RegionData, clock: FakeClock, no_server_errors
) -> None:
    engine = memory_engine(region, clock)
    with running_server(engine, settings(database=":memory:",
                                         reset_requests_per_address=10_000)) as server:
        async with httpx.AsyncClient(base_url=f"{server.url}/api/v1", timeout=30) as client:
            for n in range(1000):
                identifier = f"{n:04d}" + "x" * 200  # within the field's length
                answer = await client.post("/password-reset/request",
                                           json={"identifier": identifier})
                assert answer.status_code == 204, answer.text
            huge = await client.post("/password-reset/request",
                                     json={"identifier": "y" * 60_000})
            assert huge.status_code in (204, 422), huge.text
            kept = engine._reset_requests  # type: ignore[attr-defined]
            assert len(kept) <= 1001
            key_bytes = sum(len(key) for key in kept)
            assert key_bytes <= 32 * len(kept), f"{key_bytes} bytes of identifiers kept"
            # What expired is forgotten: a quarter of an hour later one request
            # leaves one entry, not a thousand and one.
            clock.advance(minutes=16)
            answer = await client.post("/password-reset/request", json={"identifier": "anna"})
            assert answer.status_code == 204
            assert len(kept) == 1


# ------------------------------------------------------------------- lists


async def test_lists_past_the_limit_per_recipient_are_refused_with_the_sentence(http) -> None:
    client, _ = http
    limit = LISTS_PER_RECIPIENT
    for _ in range(limit):
        answer = await client.post("/lists", json={"record_ids": [1], "email": "a@example.lv"})
        assert answer.status_code == 200, answer.text
    error = body(await client.post(
        "/lists", json={"record_ids": [2], "email": "A@Example.lv "}), 429, "too_many_attempts")
    assert f"ne vairāk kā {limit} sarakstus" in error["lv"], error
    assert re.search(r"pēc \d+ minūt(ēm|es)\.", error["lv"]), error
    assert f"At most {limit} lists an hour" in error["en"], error
    assert re.search(r"try again in \d+ minutes?\.", error["en"]), error
    # Another recipient is still served.
    answer = await client.post("/lists", json={"record_ids": [1], "email": "b@example.lv"})
    assert answer.status_code == 200, answer.text
    outbox = (await client.get("/outbox")).json()
    assert sum(m["kind"] == MessageKind.LIST for m in outbox) == limit + 1


async def test_lists_past_the_limit_per_address_are_refused_with_the_sentence(http) -> None:
    client, _ = http
    limit = LISTS_PER_ADDRESS
    for n in range(limit):
        answer = await client.post("/lists", json={"record_ids": [1],
                                                   "email": f"lasitajs{n}@example.lv"})
        assert answer.status_code == 200, answer.text
    error = body(await client.post(
        "/lists", json={"record_ids": [1], "email": "jauns@example.lv"}), 429, "too_many_attempts")
    assert "No vienas ierīces" in error["lv"] and "from one device" in error["en"], error
    assert re.search(r"try again in \d+ minutes?\.", error["en"]), error


async def test_lists_waiting_in_the_outbox_are_capped(
    region: RegionData, clock: FakeClock, monkeypatch: pytest.MonkeyPatch, no_server_errors
) -> None:
    monkeypatch.setattr(rules, "LISTS_WAITING_MAX", 5, raising=False)
    lenient = settings(database=":memory:", expose_outbox=True,
                       lists_per_recipient=100, lists_per_address=100)
    with running_server(memory_engine(region, clock), lenient) as server:
        async with httpx.AsyncClient(base_url=f"{server.url}/api/v1", timeout=30) as client:
            for n in range(5):
                answer = await client.post("/lists", json={"record_ids": [1],
                                                           "email": f"x{n}@example.lv"})
                assert answer.status_code == 200, answer.text
            refused = body(await client.post(
                "/lists", json={"record_ids": [1], "email": "y@example.lv"}), 409, "refused")
            assert refused["refusal"]["code"] == "lists_waiting"
            outbox = (await client.get("/outbox")).json()
            assert sum(m["kind"] == MessageKind.LIST for m in outbox) == 5


async def test_mail_past_the_retention_leaves_the_outbox_and_the_file(
    region: RegionData, clock: FakeClock, tmp_path: Path, no_server_errors
) -> None:
    path = tmp_path / "mana.db"
    engine, database = journaled(region, clock, path)
    often = settings(database=str(path), expose_outbox=True,
                     maintenance_minutes=0.005, outbox_keep_days=30)
    try:
        with running_server(engine, often) as server:
            async with httpx.AsyncClient(base_url=f"{server.url}/api/v1", timeout=30) as client:
                sent = (await client.post("/lists", json={"record_ids": [1],
                                                          "email": "vecs@example.lv"})).json()
                waiting = (await client.post("/lists", json={"record_ids": [2],
                                                             "email": "gaida@example.lv"})).json()
                await engine.mail_sent(sent["id"])  # what the mailer reports
                clock.advance(days=31)
                for _ in range(100):
                    ids = {m["id"] for m in (await client.get("/outbox")).json()}
                    if sent["id"] not in ids:
                        break
                    await asyncio.sleep(0.05)
                assert sent["id"] not in ids, "a message sent 31 days ago is still kept"
                assert waiting["id"] in ids, "a waiting message was dropped"
                new = (await client.post("/lists", json={"record_ids": [3],
                                                         "email": "jauns@example.lv"})).json()
                assert new["id"] > waiting["id"], "a message id was given again"
    finally:
        database.close()
    with sqlite3.connect(path) as db:
        rows = {i for (i,) in db.execute("SELECT id FROM messages")}
    assert sent["id"] not in rows and waiting["id"] in rows


# ---------------------------------------------------------- recovery codes


def _code(message: dict) -> str:
    return re.search(r"\b(\d{6})\b", message["body"]).group(1)


async def test_recovery_codes_are_not_kept_in_clear(
    region: RegionData, clock: FakeClock, tmp_path: Path, no_server_errors
) -> None:
    path = tmp_path / "mana.db"
    engine, database = journaled(region, clock, path)
    try:
        with running_server(engine, settings(database=str(path), expose_outbox=True)) as server:
            async with httpx.AsyncClient(base_url=f"{server.url}/api/v1", timeout=30) as client:
                answer = await client.post("/password-reset/request", json={"identifier": "anna"})
                assert answer.status_code == 204
                (mail,) = [m for m in (await client.get("/outbox")).json()
                           if m["kind"] == MessageKind.PASSWORD_CODE]
                code = _code(mail)
                with sqlite3.connect(path) as db:
                    rows = db.execute("SELECT * FROM accounts").fetchall()
                assert rows and not [r for r in rows if code in repr(r)], (
                    "the recovery code is in the accounts table in clear"
                )
                # The code still works, once.
                form = {"identifier": "anna", "code": code, "new_password": "jauna-parole-42"}
                assert (await client.post("/password-reset", json=form)).status_code == 204
                assert (await client.post("/password-reset", json=form)).status_code == 400
    finally:
        database.close()


# -------------------------------------------------------------------- demo


def test_demo_on_a_database_with_a_real_region_does_not_show_the_outbox(
    tmp_path: Path,
) -> None:
    path = tmp_path / "real.db"
    database = open_database(str(path))
    fill_region(database, build_region(), CHEAP_HASHER, source="import")
    database.close()
    server = ServerProcess.start(path, "--demo")
    try:
        answer = httpx.get(f"{server.url}/api/v1/outbox", timeout=30)
        assert answer.status_code == 403, answer.text
        assert answer.json()["code"] == "forbidden"
    finally:
        server.stop()
    assert "does not show the outbox" in server.output()


# ------------------------------------------------------------- maintenance


async def test_anonymous_expire_holds_is_refused(
    region: RegionData, clock: FakeClock, tmp_path: Path, no_server_errors
) -> None:
    path = tmp_path / "mana.db"
    engine, database = journaled(region, clock, path)
    clock.advance(days=8)  # R2's hold (till 22.11) is past its date
    try:
        with running_server(engine, settings(database=str(path))) as server:
            async with httpx.AsyncClient(base_url=f"{server.url}/api/v1", timeout=30) as client:
                for headers in ({}, {KEY_HEADER: "guess"}):
                    answer = await client.post("/maintenance/expire-holds", headers=headers)
                    body(answer, 403, "forbidden")
                    assert "reservation" not in answer.text
                keyfile = Path(f"{path}.maintenance-key")  # where mana expire-holds reads it
                assert stat.S_IMODE(os.stat(keyfile).st_mode) == 0o600
                key = keyfile.read_text().strip()
                answer = await client.post("/maintenance/expire-holds", headers={KEY_HEADER: key})
                assert answer.status_code == 200, answer.text
    finally:
        database.close()
