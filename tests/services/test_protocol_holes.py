"""Holes below the routes (issue 11): what `mana serve` does with a second
server on the same file, with connections that never finish a request, with
an ``Idempotency-Key`` across logins and without one, and with OPTIONS.

Real servers only: ``mana serve`` processes (``serve_process``) where the
command's own wiring matters (the file lock, the connection bounds), the
in-process server of ``server_harness`` for the HTTP answers.
"""

from __future__ import annotations

import os
import select
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from services.clock import FakeClock
from services.region import RegionData
from services.server.settings import ServerSettings
from tests.services.fixtures import password
from tests.services.serve_process import ROOT, ServerProcess, run_serve
from tests.services.server_harness import (
    memory_engine,
    no_server_errors,  # noqa: F401 - a fixture
    running_server,
)

# ------------------------------------------------------- one server per file


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Path, ServerProcess]]:
    """A running `mana serve` on ``tmp_path/data/mana.db``."""
    (tmp_path / "data").mkdir()
    database = tmp_path / "data" / "mana.db"
    server = ServerProcess.start(database)
    try:
        yield database, server
    finally:
        server.stop()


def test_a_second_server_on_another_name_of_the_same_file_is_refused(
    served: tuple[Path, ServerProcess], tmp_path: Path
) -> None:
    database, server = served
    symlink = tmp_path / "link.db"
    symlink.symlink_to(database)
    hard_link = tmp_path / "hard.db"
    os.link(database, hard_link)
    (tmp_path / "x").mkdir()
    for name in (symlink, hard_link, tmp_path / "x" / ".." / "data" / "mana.db"):
        second = run_serve("--database", str(name), timeout=30)
        assert second.returncode == 1, (name, second.stderr)
        assert "another Mana server is using this database" in second.stderr
        assert "Traceback" not in second.stderr
    assert server.process.poll() is None  # the first one serves on
    assert httpx.get(f"{server.url}/api/v1/health").status_code == 200
    # the outbox is read while the server holds the file
    outbox = subprocess.run([sys.executable, "-m", "tui", "outbox", "--database", str(symlink)],
                            cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert outbox.returncode == 0, outbox.stderr


# ----------------------------------------------------- connection deadlines

TIMEOUT = 1.0
CONNECTIONS = 6


@pytest.fixture(scope="module")
def bounded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """`mana serve` with a 1 s request deadline and room for 6 connections."""
    folder = tmp_path_factory.mktemp("bounded")
    config = folder / "server.toml"
    config.write_text(f"[server]\nrequest_timeout_seconds = {TIMEOUT}\n"
                      f"keep_alive_seconds = {TIMEOUT}\nmax_connections = {CONNECTIONS}\n")
    server = ServerProcess.start(folder / "mana.db", "--config", str(config))
    try:
        yield server
    finally:
        server.stop()


def connect(server: ServerProcess) -> socket.socket:
    return socket.create_connection(("127.0.0.1", server.port), timeout=10)


def closed_after(sock: socket.socket) -> float:
    """Seconds until the server closes ``sock`` (reading and dropping an answer)."""
    started = time.monotonic()
    with sock:
        while sock.recv(4096):
            pass
    return time.monotonic() - started


def health(server: ServerProcess) -> int:
    return httpx.get(f"{server.url}/api/v1/health", timeout=5).status_code


def test_a_request_whose_headers_never_end_is_closed_and_others_are_served(
    bounded: ServerProcess,
) -> None:
    slow = connect(bounded)
    slow.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n")
    assert health(bounded) == 200  # meanwhile, another client is answered
    assert closed_after(slow) < TIMEOUT + 2


def test_a_silent_connection_and_a_trickling_one_are_closed(bounded: ServerProcess) -> None:
    silent = connect(bounded)
    assert closed_after(silent) < TIMEOUT + 2
    trickle = connect(bounded)
    started = time.monotonic()
    with trickle:  # a byte every 0.2 s does not keep it open
        for byte in b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 100:
            if not sent_and_open(trickle, bytes([byte])):
                break
        else:
            pytest.fail("the trickling connection was never closed")
    assert time.monotonic() - started < TIMEOUT + 2


def sent_and_open(sock: socket.socket, data: bytes) -> bool:
    """Send ``data``, wait 0.2 s: whether the connection is still open."""
    try:
        sock.sendall(data)
        if select.select([sock], [], [], 0.2)[0]:
            return bool(sock.recv(4096))
    except OSError:  # reset by the server
        return False
    return True


def test_a_kept_alive_connection_that_starts_a_request_and_stops_is_closed(
    bounded: ServerProcess,
) -> None:
    sock = connect(bounded)
    sock.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n")
    answer = b""
    while b'"ok"' not in answer:
        answer += sock.recv(4096)
    assert answer.startswith(b"HTTP/1.1 200")
    sock.sendall(b"POST /api/v1/lists HTTP/1.1\r\nHost: x\r\nContent-Length: 50\r\n\r\n{")
    assert closed_after(sock) < TIMEOUT + 2


def test_past_max_connections_a_request_gets_503_at_once(bounded: ServerProcess) -> None:
    idle = [connect(bounded) for _ in range(CONNECTIONS)]
    try:
        time.sleep(0.1)
        answer = httpx.get(f"{bounded.url}/api/v1/health", timeout=5)
        assert answer.status_code == 503
        body = answer.json()  # the shape a kiosk reads: "the service is busy"
        assert body["code"] == "unavailable" and "busy" in body["en"] and body["lv"]
    finally:
        for sock in idle:
            sock.close()
    deadline = time.monotonic() + 5
    while health(bounded) != 200:  # the others gone, it answers again
        assert time.monotonic() < deadline
        time.sleep(0.05)


# ------------------------------------------------------------ idempotency

SETTINGS = ServerSettings(database=":memory:", expose_outbox=True)


@pytest.fixture
async def api(
    region: RegionData, clock: FakeClock, request: pytest.FixtureRequest
) -> AsyncIterator[httpx.AsyncClient]:
    request.getfixturevalue("no_server_errors")
    with running_server(memory_engine(region, clock), SETTINGS) as server:
        async with httpx.AsyncClient(base_url=f"{server.url}/api/v1", timeout=30) as http:
            yield http


async def login(http: httpx.AsyncClient, username: str) -> dict[str, str]:
    answer = await http.post("/login", json={"identifier": username,
                                             "password": password(username)})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['token']}"}


async def barcodes(http: httpx.AsyncClient, headers: dict[str, str]) -> list[str]:
    answer = await http.get("/account/reservations", headers=headers)
    return [v["reservation"]["barcode"] for v in answer.json()]


async def test_a_key_belongs_to_the_patron_across_logins(api: httpx.AsyncClient) -> None:
    first_login = await login(api, "anna")
    order = {"barcode": "A-0001"}
    first = await api.post("/account/orders", headers=first_login | {"Idempotency-Key": "o-1"},
                           json=order)
    assert first.status_code == 200
    assert (await api.post("/logout", headers=first_login)).status_code == 204
    second_login = await login(api, "anna")
    again = await api.post("/account/orders", headers=second_login | {"Idempotency-Key": "o-1"},
                           json=order)
    assert again.status_code == 200 and again.json() == first.json()
    assert again.headers.get("idempotent-replayed") == "true"
    assert await barcodes(api, second_login) == ["A-0001"]  # one reservation, not a refusal
    dainis = await login(api, "dainis")  # another patron's same key is their own
    mine = await api.post("/account/orders", headers=dainis | {"Idempotency-Key": "o-1"},
                          json=order)
    assert mine.status_code == 200 and "idempotent-replayed" not in mine.headers


def assert_not_authenticated(answer: httpx.Response) -> None:
    assert answer.status_code == 401, answer.text
    assert answer.json()["code"] == "not_authenticated"
    assert answer.headers["www-authenticate"] == "Bearer"
    assert "idempotent-replayed" not in answer.headers


async def test_a_write_without_a_live_token_is_401_before_its_key(api: httpx.AsyncClient) -> None:
    anna = await login(api, "anna")
    order = {"barcode": "A-0001"}
    assert (await api.post("/account/orders", headers=anna | {"Idempotency-Key": "k"},
                           json=order)).status_code == 200
    ended = dict(anna)
    assert (await api.post("/logout", headers=anna)).status_code == 204
    for headers in ({}, {"Authorization": "Bearer nonsense"}, ended):
        bad_key = headers | {"Idempotency-Key": "x" * 500}
        assert_not_authenticated(await api.post("/account/orders", headers=bad_key, json=order))
        used_key = headers | {"Idempotency-Key": "k"}  # anna's, with her answer remembered
        assert_not_authenticated(await api.post("/account/orders", headers=used_key, json=order))
        new_key = headers | {"Idempotency-Key": "fresh"}
        assert_not_authenticated(await api.post("/account/orders", headers=new_key,
                                                json={"barcode": "A-0003"}))
    # the 401 was not remembered: with a login, the key "fresh" orders
    again = await login(api, "anna")
    answer = await api.post("/account/orders", headers=again | {"Idempotency-Key": "fresh"},
                            json={"barcode": "A-0003"})
    assert answer.status_code == 200 and "idempotent-replayed" not in answer.headers
    assert sorted(await barcodes(api, again)) == ["A-0001", "A-0003"]


def lists_from(base: str, address: str) -> httpx.AsyncClient:
    """A client whose connections come from ``address`` (127.x.y.z is loopback)."""
    transport = httpx.AsyncHTTPTransport(local_address=address)
    return httpx.AsyncClient(base_url=base, transport=transport, timeout=30)


async def send_list(http: httpx.AsyncClient, key: str, email: str) -> httpx.Response:
    body: dict[str, Any] = {"record_ids": [1], "email": email}
    return await http.post("/lists", headers={"Idempotency-Key": key}, json=body)


async def test_anonymous_keys_belong_to_the_address_and_are_bounded(
    region: RegionData, clock: FakeClock, no_server_errors: None,  # noqa: F811
) -> None:
    settings = ServerSettings(database=":memory:", idempotency_records_per_caller=2)
    with running_server(memory_engine(region, clock), settings) as server:
        await anonymous_keys(f"{server.url}/api/v1")


async def anonymous_keys(base: str) -> None:
    async with lists_from(base, "127.0.0.2") as home, lists_from(base, "127.0.0.3") as other:
        first = await send_list(home, "list-1", "a@example.lv")
        assert first.status_code == 200, first.text
        again = await send_list(home, "list-1", "a@example.lv")
        assert again.headers.get("idempotent-replayed") == "true"
        assert again.json() == first.json()
        # the same key from another address is that address's own: a list of its own
        theirs = await send_list(other, "list-1", "a@example.lv")
        assert theirs.status_code == 200 and "idempotent-replayed" not in theirs.headers
        assert theirs.json()["id"] != first.json()["id"]
        # an address keeps its 2 newest answers: the oldest goes
        for n in (2, 3):
            assert (await send_list(home, f"list-{n}", f"{n}@example.lv")).status_code == 200
        newest = await send_list(home, "list-3", "3@example.lv")
        assert newest.headers.get("idempotent-replayed") == "true"
        oldest = await send_list(home, "list-1", "a@example.lv")
        assert "idempotent-replayed" not in oldest.headers
        assert oldest.json()["id"] != first.json()["id"]


# ---------------------------------------------------------------- OPTIONS


async def test_options_and_405_name_every_method_of_the_path(api: httpx.AsyncClient) -> None:
    allowed = {
        "/account/free-requests": "GET, OPTIONS, POST",  # a GET and a POST route
        "/account/orders": "OPTIONS, POST",
        "/libraries": "GET, OPTIONS",
        "/records/7/copies": "GET, OPTIONS",
    }
    for path, allow in allowed.items():
        answer = await api.options(path)
        assert answer.status_code == 204 and answer.headers["allow"] == allow, (path, answer)
        refused = await api.delete(path)
        assert refused.status_code == 405 and refused.headers["allow"] == allow
        body = refused.json()
        assert body["code"] == "method_not_allowed" and body["lv"] and body["en"]
    unknown = await api.options("/no/such/path")
    assert unknown.status_code == 404 and unknown.json()["code"] == "not_found"
