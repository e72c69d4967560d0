"""Issue 11: nobody can lock a patron out, and no answer tells whether an
account exists. Against the real server on loopback (and ``mana serve`` as a
process where uvicorn's own settings matter).

The server's clock (the throttle's window) is a ``Ticker`` the test moves or
keeps still; a trusted proxy's ``X-Forwarded-For`` stands for the many
addresses of the callers, ``X-Mana-Client`` for the terminals behind one.
"""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher

from services.clock import FakeClock
from services.errors import InvalidCredentials, TooManyAttempts
from services.memory import MemoryService
from services.region import RegionData
from services.remote import RemoteService
from services.server.settings import ServerSettings
from tests.services.fixtures import password
from tests.services.serve_process import ServerProcess
from tests.services.server_harness import (  # noqa: F401
    Server,
    Ticker,
    no_server_errors,
    running_server,
)

WRONG = "wrong-Parole1"
LOOPBACK = ["127.0.0.1"]


@dataclass
class Api:
    server: Server
    http: httpx.AsyncClient
    ticker: Ticker

    async def login(
        self, identifier: str, secret: str, address: str | None = None, client: str | None = None
    ) -> httpx.Response:
        headers = {"X-Forwarded-For": address} if address else {}
        if client:
            headers["X-Mana-Client"] = client
        return await self.http.post(
            "/login", headers=headers, json={"identifier": identifier, "password": secret}
        )

    def throttle_size(self) -> int:
        return len(self.server.uvicorn.config.app.state.mana.throttle)


@contextlib.asynccontextmanager
async def serving(
    region: RegionData, clock: FakeClock, hasher: PasswordHasher | None = None, **values: Any
) -> AsyncIterator[Api]:
    settings = ServerSettings(database=":memory:", expose_outbox=True, **values)
    ticker = Ticker()
    engine = MemoryService(region, clock, hasher=hasher)
    with running_server(engine, settings, now=ticker) as server:
        async with httpx.AsyncClient(base_url=f"{server.url}/api/v1", timeout=30) as http:
            yield Api(server, http, ticker)


@pytest.fixture(autouse=True)
def _no_bugs(no_server_errors: None) -> None:  # noqa: F811
    """No test here may make the server log a bug."""


def body(answer: httpx.Response) -> dict[str, Any]:
    return answer.json()


# ------------------------------------------------------------ no lockout


async def test_failures_from_many_addresses_do_not_lock_the_owner_out(
    region: RegionData, clock: FakeClock
) -> None:
    async with serving(region, clock, trusted_proxies=LOOPBACK, login_delay_max_seconds=1) as api:
        for n in range(5):
            answer = await api.login("boris", WRONG, address=f"203.0.113.{n}")
            assert answer.status_code == 401, answer.text
        # one address that keeps guessing is stopped, even with the right password …
        for _ in range(5):
            await api.login("cilda", WRONG, address="203.0.113.99")
        refused = await api.login("cilda", password("cilda"), address="203.0.113.99")
        assert refused.status_code == 429, refused.text
        # … while the owner, elsewhere, logs in (slowed by a second at most)
        started = time.monotonic()
        owner = await api.login("boris", password("boris"), address="198.51.100.7")
        assert owner.status_code == 200, owner.text
        assert time.monotonic() - started < 5
        # and once in, the account's count starts again: no more waiting
        again = await api.login("boris", password("boris"), address="198.51.100.8")
        assert again.status_code == 200


async def test_refused_unknown_and_wrong_answers_look_alike(
    region: RegionData, clock: FakeClock
) -> None:
    hasher = PasswordHasher(time_cost=2, memory_cost=32 * 1024, parallelism=1)
    async with serving(
        region, clock, hasher, trusted_proxies=LOOPBACK,
        login_failures_per_account=2, login_delay_max_seconds=0,
    ) as api:
        # one caller guessed at boris (who exists), another at a card nobody has
        for _ in range(2):
            assert (await api.login("boris", WRONG, address="198.51.100.1")).status_code == 401
            assert (await api.login("1099999", WRONG, address="198.51.100.2")).status_code == 401
        refused_right = await api.login("boris", password("boris"), address="198.51.100.1")
        refused_wrong = await api.login("boris", WRONG, address="198.51.100.1")
        refused_unknown = await api.login("1099999", WRONG, address="198.51.100.2")
        for answer in (refused_right, refused_wrong, refused_unknown):
            assert answer.status_code == 429
            assert answer.headers["Retry-After"] == refused_right.headers["Retry-After"]
            assert body(answer) == body(refused_right)
        wrong = await api.login("boris", WRONG, address="198.51.100.3")
        unknown = await api.login("1099999", WRONG, address="198.51.100.4")
        assert wrong.status_code == unknown.status_code == 401
        assert body(wrong) == body(unknown)

        async def timed(identifier: str, secret: str, address: str) -> float:
            started = time.perf_counter()
            answer = await api.login(identifier, secret, address=address)
            assert answer.status_code in (401, 429)
            return time.perf_counter() - started

        kinds = {
            "refused, right password": ("boris", password("boris"), "198.51.100.1"),
            "refused, unknown": ("1099999", WRONG, "198.51.100.2"),
            "wrong password": ("boris", WRONG, None),
            "unknown": ("1099998", WRONG, None),
        }
        times: dict[str, list[float]] = {kind: [] for kind in kinds}
        for n in range(7):  # interleaved, so a busy moment slows every kind alike
            for kind, (identifier, secret, address) in kinds.items():
                times[kind].append(await timed(identifier, secret, address or f"192.0.2.{n}"))
        medians = {kind: statistics.median(values) for kind, values in times.items()}
        slowest = max(medians.values())
        for kind, median in medians.items():
            assert median >= 0.5 * slowest, (kind, medians)


# ----------------------------------------------------------- how long


async def test_every_429_says_how_long_to_wait(region: RegionData, clock: FakeClock) -> None:
    async with serving(region, clock, trusted_proxies=LOOPBACK,
                       login_failures_per_account=2, login_delay_max_seconds=0) as api:
        for _ in range(2):
            await api.login("anna", WRONG, address="198.51.100.1")
        api.ticker.advance(60)
        answer = await api.login("anna", WRONG, address="198.51.100.1")
        assert answer.status_code == 429
        assert answer.headers["Retry-After"] == "240"
        assert "Mēģiniet vēlreiz pēc 4 min." in body(answer)["lv"]
        assert "Try again in 4 min." in body(answer)["en"]

        # the kiosk's adapter brings the time back with the sentence
        async with RemoteService(api.server.url, client="kiosk-7") as kiosk:
            for _ in range(2):
                with pytest.raises(InvalidCredentials):
                    await kiosk.login("anna", WRONG)
            api.ticker.advance(250)
            with pytest.raises(TooManyAttempts) as caught:
                await kiosk.login("anna", password("anna"))
        assert caught.value.seconds == 50
        assert caught.value.text("lv") == "Pārāk daudz mēģinājumu. Mēģiniet vēlreiz pēc 50 s."
        assert caught.value.text("en") == "Too many attempts. Try again in 50 s."

        # a wrong recovery code, too often, is a 429 that says how long as well
        for _ in range(10):
            await api.http.post("/password-reset", headers={"X-Forwarded-For": "198.51.100.5"},
                                json={"identifier": "anna", "code": "000000",
                                      "new_password": "Jauna-Parole-9"})
        reset = await api.http.post(
            "/password-reset", headers={"X-Forwarded-For": "198.51.100.5"},
            json={"identifier": "anna", "code": "000000", "new_password": "Jauna-Parole-9"})
        assert reset.status_code == 429
        seconds = int(reset.headers["Retry-After"])
        assert seconds >= 1 and body(reset)["retry_after"] == seconds
        wait = f"{seconds} s" if seconds < 60 else f"{-(-seconds // 60)} min"
        assert f"pēc {wait}." in body(reset)["lv"] and f"in {wait}." in body(reset)["en"]


# ---------------------------------------------------------- who is asking


async def test_forwarded_for_from_an_untrusted_peer_does_not_bypass_the_limit(
    tmp_path: Path,
) -> None:
    """``mana serve`` itself (uvicorn as it starts it), with no trusted proxy:
    rotating ``X-Forwarded-For`` or ``X-Mana-Client`` is not a new caller."""
    server = ServerProcess.start(tmp_path / "mana.db", "--demo")
    try:
        async with httpx.AsyncClient(base_url=f"{server.url}/api/v1", timeout=30) as http:
            answers = []
            for n in range(11):  # the default limit is 10 failures per caller
                answers.append(await http.post(
                    "/login",
                    headers={"X-Forwarded-For": f"203.0.113.{n}", "X-Mana-Client": f"k{n}"},
                    json={"identifier": f"nobody-{n}", "password": WRONG},
                ))
        assert [a.status_code for a in answers] == [401] * 10 + [429]
    finally:
        server.stop()


async def test_one_terminal_does_not_block_another_behind_the_same_address(
    region: RegionData, clock: FakeClock
) -> None:
    async with serving(region, clock, trusted_proxies=LOOPBACK) as api:
        url = api.server.url
        async with RemoteService(url, client="kiosk-1") as one, \
                RemoteService(url, client="kiosk-2") as two:
            for n in range(10):  # someone at kiosk 1 tries ten cards
                with pytest.raises(InvalidCredentials):
                    await one.login(f"10000000{n}", WRONG)
            with pytest.raises(TooManyAttempts):
                await one.login("anna", password("anna"))
            # the patron at kiosk 2, same address, is not held up
            session = await two.login("anna", password("anna"))
            assert session.patron.username == "anna"


def test_each_ssh_connection_names_itself_apart() -> None:
    from tui.config import KioskConfig, client_name

    ssh = KioskConfig.model_validate({"kiosk": {"profile": "ssh"},
                                      "service": {"terminal_id": "gw"}})
    first, second = client_name(ssh), client_name(ssh)
    assert first != second and first.startswith("gw/")
    kiosk = KioskConfig.model_validate({"service": {"terminal_id": "centrala-2"}})
    assert client_name(kiosk) == "centrala-2"


async def test_the_throttle_stays_bounded_whatever_callers_send(
    region: RegionData, clock: FakeClock
) -> None:
    async with serving(region, clock, trusted_proxies=LOOPBACK,
                       login_throttle_entries=30) as api:
        for start in range(0, 150, 25):
            await asyncio.gather(*(
                api.login(f"nobody-{n}", WRONG, address=f"10.9.{n // 250}.{n % 250}")
                for n in range(start, start + 25)
            ))
            assert api.throttle_size() <= 30
        # what it keeps still counts: a caller that goes on failing is stopped
        answers = [await api.login(f"x-{n}", WRONG, address="10.8.0.1") for n in range(11)]
        assert answers[-1].status_code == 429
        assert api.throttle_size() <= 30
