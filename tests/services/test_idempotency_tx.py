"""An ``Idempotency-Key`` write commits its effect and its record in one transaction.

On one PostgreSQL database shared by two ``mana serve`` processes: the same
key sent to both at once is one effect, and both callers get the same
answer; a write whose record cannot be inserted leaves no effect either; a
server killed while it writes the record leaves neither (a retry then does
the write once). The record's insert is made slow or failing for real, by
a trigger on the ``idempotency`` table. And a server whose token checks
wait for the database still answers ``/health``: they run off its event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from services.engine.hashing import CHEAP_HASHER
from services.server.durable import durable_engine
from services.server.settings import ServerSettings
from services.storage import fill_region, open_database
from tests.services.fixtures import AIZ, build_region, password
from tests.services.postgres import fresh_database
from tests.services.serve_process import ServerProcess
from tests.services.server_harness import running_server


def _sql(url: str, autocommit: bool = True) -> sa.Engine:
    return sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1),
                            isolation_level="AUTOCOMMIT" if autocommit else "READ COMMITTED",
                            poolclass=sa.pool.NullPool)


def _rows(url: str, query: str, **params: object) -> list[sa.Row]:
    engine = _sql(url)
    try:
        with engine.connect() as db:
            result = db.execute(sa.text(query), params)
            return list(result) if result.returns_rows else []
    finally:
        engine.dispose()


@contextlib.contextmanager
def _filled_database() -> Iterator[str]:
    """A fresh PostgreSQL database holding the test region."""
    with fresh_database() as url:
        database = open_database(url)
        try:
            fill_region(database, build_region(), CHEAP_HASHER, source="test")
        finally:
            database.close()
        yield url


@pytest.fixture
def two_servers(tmp_path: Path) -> Iterator[tuple[str, ServerProcess, ServerProcess]]:
    with _filled_database() as url:
        a = ServerProcess.start(url, logs=tmp_path)
        b = ServerProcess.start(url, logs=tmp_path)
        try:
            yield url, a, b
        finally:
            a.stop()
            b.stop()


def _record_insert_does(url: str, body: str) -> None:
    """A trigger that runs ``body`` (PL/pgSQL) before each record is inserted."""
    _rows(url, f"CREATE FUNCTION record_insert() RETURNS trigger LANGUAGE plpgsql AS $$"
               f" BEGIN {body} RETURN NEW; END $$")
    _rows(url, "CREATE TRIGGER record_insert BEFORE INSERT ON idempotency"
               " FOR EACH ROW EXECUTE FUNCTION record_insert()")


def _record_insert_as_usual(url: str) -> None:
    _rows(url, "DROP TRIGGER record_insert ON idempotency")
    _rows(url, "DROP FUNCTION record_insert()")


async def _login(client: httpx.AsyncClient, username: str) -> dict[str, str]:
    answer = await client.post("/login", json={"identifier": username,
                                               "password": password(username)})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['token']}"}


def _api(server: ServerProcess | str) -> httpx.AsyncClient:
    url = server if isinstance(server, str) else server.url
    return httpx.AsyncClient(base_url=f"{url}/api/v1", timeout=60)


def _request(title: str) -> dict[str, str]:
    return {"title": title, "library_id": AIZ, "collection": "ab"}


def _effects(url: str, title: str) -> int:
    return len(_rows(url, "SELECT id FROM free_requests WHERE title = :t", t=title))


def _records(url: str, key: str) -> int:
    return len(_rows(url, "SELECT seq FROM idempotency WHERE key = :k", k=key))


async def test_one_key_on_two_servers_at_once_is_one_effect_with_one_answer(
    two_servers: tuple[str, ServerProcess, ServerProcess],
) -> None:
    url, a, b = two_servers
    # each record's insert takes a while, so both requests are inside their
    # transactions at once (neither finds the other's record before it starts)
    _record_insert_does(url, "PERFORM pg_sleep(0.5);")
    async with _api(a) as one, _api(b) as two:
        anna = await _login(one, "anna")
        for n in range(3):
            headers = anna | {"Idempotency-Key": f"both-{n}"}
            answers = await asyncio.gather(
                one.post("/account/free-requests", headers=headers, json=_request(f"T{n}")),
                two.post("/account/free-requests", headers=headers, json=_request(f"T{n}")))
            assert [x.status_code for x in answers] == [200, 200], [x.text for x in answers]
            assert answers[0].content == answers[1].content
            assert [x.headers.get("idempotent-replayed") for x in answers].count("true") == 1
            assert _effects(url, f"T{n}") == 1
            assert _records(url, f"both-{n}") == 1
        mine = await two.get("/account/free-requests", headers=anna)
    assert sorted(v["request"]["title"] for v in mine.json()) == ["T0", "T1", "T2"]


async def test_a_write_whose_record_cannot_be_written_leaves_no_effect(
    two_servers: tuple[str, ServerProcess, ServerProcess],
) -> None:
    url, a, b = two_servers
    _record_insert_does(url, "RAISE EXCEPTION 'no room for records';")
    async with _api(a) as one:
        anna = await _login(one, "anna")
        headers = anna | {"Idempotency-Key": "refused-record"}
        answer = await one.post("/account/free-requests", headers=headers,
                                json=_request("Bez ieraksta"))
        assert answer.status_code == 503, answer.text
        assert answer.json()["code"] == "unavailable"
        assert _effects(url, "Bez ieraksta") == 0, "the effect was rolled back with its record"
        assert _records(url, "refused-record") == 0
        _record_insert_as_usual(url)
        again = await one.post("/account/free-requests", headers=headers,
                               json=_request("Bez ieraksta"))
        assert again.status_code == 200 and "idempotent-replayed" not in again.headers
    assert _effects(url, "Bez ieraksta") == 1
    assert _records(url, "refused-record") == 1


def _writing_record(url: str) -> bool:
    """Whether a transaction is inside the slow record insert."""
    return bool(_rows(url, "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                           " AND wait_event = 'PgSleep'"))


def _open_transactions(url: str) -> int:
    return len(_rows(url, "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                          " AND xact_start IS NOT NULL AND pid <> pg_backend_pid()"))


async def test_a_server_killed_between_effect_and_record_leaves_neither(
    two_servers: tuple[str, ServerProcess, ServerProcess],
) -> None:
    url, a, b = two_servers
    _record_insert_does(url, "PERFORM pg_sleep(2);")
    async with _api(a) as one, _api(b) as two:
        anna = await _login(one, "anna")
        headers = anna | {"Idempotency-Key": "killed"}
        write = asyncio.create_task(
            one.post("/account/free-requests", headers=headers, json=_request("Nogalināts")))
        deadline = time.monotonic() + 20
        while not _writing_record(url):  # the effect is written, its record is being
            assert time.monotonic() < deadline and not write.done(), "the write did not start"
            await asyncio.sleep(0.02)
        a.kill()
        with pytest.raises(httpx.HTTPError):
            await write
        while _open_transactions(url):  # PostgreSQL ends the dead server's transaction
            assert time.monotonic() < deadline + 20, "the dead server's transaction stays"
            await asyncio.sleep(0.1)
        assert _effects(url, "Nogalināts") == 0 and _records(url, "killed") == 0
        _record_insert_as_usual(url)
        retry = await two.post("/account/free-requests", headers=headers,
                               json=_request("Nogalināts"))
        assert retry.status_code == 200, retry.text
        replay = await two.post("/account/free-requests", headers=headers,
                                json=_request("Nogalināts"))
        assert replay.headers.get("idempotent-replayed") == "true"
        assert replay.content == retry.content
    assert _effects(url, "Nogalināts") == 1 and _records(url, "killed") == 1


async def test_health_answers_while_token_checks_wait_for_the_database() -> None:
    moment = [time.time()]
    with _filled_database() as url:
        engine, database = durable_engine(url, hasher=CHEAP_HASHER)
        settings = ServerSettings(database=url, login_failures_per_client=1000)
        try:
            with running_server(engine, settings, now=lambda: moment[0]) as server:
                async with _api(server.url) as api:
                    anna = await _login(api, "anna")
                    moment[0] += 60  # each check now notes the token's use: a write
                    locker = _sql(url, autocommit=False).connect()
                    try:
                        locked = locker.begin()
                        locker.execute(sa.text("SELECT token_hash FROM sessions FOR UPDATE"))
                        checks = [asyncio.create_task(api.get("/account/loans", headers=anna))
                                  for _ in range(30)]
                        await asyncio.sleep(0.5)
                        assert not any(c.done() for c in checks), "the checks did not wait"
                        health = await asyncio.wait_for(api.get("/health"), timeout=3)
                        assert health.status_code == 200
                        libraries = await asyncio.wait_for(api.get("/libraries"), timeout=3)
                        assert libraries.status_code == 200
                        locked.rollback()
                    finally:
                        locker.close()
                    answers = await asyncio.gather(*checks)
                    assert [x.status_code for x in answers] == [200] * 30
        finally:
            database.close()
