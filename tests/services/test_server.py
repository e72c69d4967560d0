"""The HTTP server as a client sees it: tokens, throttling, idempotency and
bad input. Against the real server on loopback (many clients at once:
``test_server_concurrency.py``; settings and the command: ``test_server_settings.py``).

The server's own clock (token lifetimes, login throttle, idempotency records)
is a ``Ticker`` the test moves; the engine keeps the test's ``FakeClock``.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from services.clock import FakeClock
from services.errors import NotAuthenticated
from services.models import RenewalState, ReservationState
from services.region import RegionData
from services.server.settings import ServerSettings
from tests.services.fixtures import AIZ, L1, R1, password
from tests.services.server_harness import (
    Server,
    Ticker,
    memory_engine,
    no_server_errors,  # noqa: F401 - a fixture
    running_server,
)

SETTINGS = ServerSettings(
    database=":memory:", expose_outbox=True, max_body_bytes=4096, trusted_proxies=["127.0.0.1"]
)
"""The test is a trusted proxy: its ``X-Forwarded-For`` stands for the callers."""
MINUTE = 60.0
HOUR = 3600.0


@dataclass
class Api:
    """A raw HTTP client of the running server, and its clock."""

    server: Server
    http: httpx.AsyncClient
    ticker: Ticker

    async def login(self, username: str, address: str | None = None) -> dict[str, str]:
        """Authorization headers for ``username``."""
        headers = {"X-Forwarded-For": address} if address else {}
        answer = await self.http.post(
            "/login", headers=headers, json={"identifier": username, "password": password(username)}
        )
        assert answer.status_code == 200, answer.text
        return {"Authorization": f"Bearer {answer.json()['token']}"}


@pytest.fixture
async def api(
    region: RegionData, clock: FakeClock, request: pytest.FixtureRequest
) -> AsyncIterator[Api]:
    request.getfixturevalue("no_server_errors")
    ticker = Ticker()
    with running_server(memory_engine(region, clock), SETTINGS, now=ticker) as server:
        async with httpx.AsyncClient(base_url=f"{server.url}/api/v1", timeout=30) as http:
            yield Api(server, http, ticker)


def assert_error(answer: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """The answer is ``status`` with an error body of ``code`` and two sentences."""
    assert answer.status_code == status, (answer.status_code, answer.text)
    body = answer.json()
    assert body["code"] == code, body
    assert body["lv"].strip() and body["en"].strip(), body
    return body


# --------------------------------------------------------- authorization


async def test_a_patrons_token_does_not_reach_another_patrons_data(api: Api) -> None:
    anna = await api.login("anna")
    assert_error(
        await api.http.post(f"/account/loans/{L1}/renewal", headers=anna), 404, "not_found"
    )
    assert_error(
        await api.http.post(f"/account/reservations/{R1}/cancel", headers=anna), 404, "not_found"
    )
    for path in (
        "/account/loans",
        "/account/reservations",
        "/account/free-requests",
        "/account/history",
    ):
        answer = await api.http.get(path, headers=anna)
        assert answer.status_code == 200
        assert answer.json() == [], f"anna sees someone's {path}"
    # cilda's loan and reservation are untouched
    cilda = await api.login("cilda")
    loans = {
        v["loan"]["id"]: v for v in (await api.http.get("/account/loans", headers=cilda)).json()
    }
    assert loans[L1]["loan"]["renewal"] == RenewalState.NONE
    reservations = (await api.http.get("/account/reservations", headers=cilda)).json()
    states = {v["reservation"]["id"]: v["reservation"]["state"] for v in reservations}
    assert states[R1] == ReservationState.REQUESTED


STAFF_ROUTES = [
    ("GET", "/staff/reservations", None),
    ("POST", f"/staff/reservations/{R1}/confirm", None),
    ("POST", f"/staff/reservations/{R1}/reject", {"reason": "x"}),
    ("GET", "/staff/renewals", None),
    ("POST", f"/staff/renewals/{L1}/approve", None),
    ("POST", f"/staff/renewals/{L1}/deny", {"reason": "x"}),
    ("GET", "/staff/free-requests", None),
    ("POST", "/staff/free-requests/1/accept", {"note": ""}),
    ("POST", "/staff/free-requests/1/fulfil", {"note": ""}),
    ("POST", "/staff/free-requests/1/reject", {"note": "x"}),
    ("GET", "/staff/patrons?text=anna", None),
    ("POST", "/staff/check-out", {"card_number": "1000000001", "barcode": "A-0001"}),
    ("POST", "/staff/check-in", {"barcode": "A-0009"}),
]


async def test_a_patrons_token_on_staff_routes_is_forbidden(api: Api) -> None:
    cilda = await api.login("cilda")
    for method, path, body in STAFF_ROUTES:
        answer = await api.http.request(method, path, headers=cilda, json=body)
        assert_error(answer, 403, "forbidden")
    # nothing happened: cilda's reservation still waits, her loan is still out
    states = {
        v["reservation"]["id"]: v["reservation"]["state"]
        for v in (await api.http.get("/account/reservations", headers=cilda)).json()
    }
    assert states[R1] == ReservationState.REQUESTED
    assert L1 in [
        v["loan"]["id"] for v in (await api.http.get("/account/loans", headers=cilda)).json()
    ]


ACCOUNT_READS = [
    "/account/loans",
    "/account/history",
    "/account/reservations",
    "/account/free-requests",
    "/account/free-request-offer",
]


async def test_no_or_an_unknown_token_is_not_authenticated(api: Api) -> None:
    for headers in ({}, {"Authorization": "Bearer nonsense"}, {"Authorization": "Basic YTpi"}):
        for path in ACCOUNT_READS + ["/staff/reservations"]:
            answer = await api.http.get(path, headers=headers)
            body = assert_error(answer, 401, "not_authenticated")
            assert body["en"] == NotAuthenticated.default_en
            assert answer.headers["www-authenticate"] == "Bearer"
        assert_error(
            await api.http.post("/account/orders", headers=headers, json={"barcode": "A-0001"}),
            401,
            "not_authenticated",
        )


async def test_a_token_ends_at_logout(api: Api) -> None:
    anna = await api.login("anna")
    assert (await api.http.get("/account/loans", headers=anna)).status_code == 200
    assert (await api.http.post("/logout", headers=anna)).status_code == 204
    for path in ACCOUNT_READS:
        assert_error(await api.http.get(path, headers=anna), 401, "not_authenticated")
    assert (await api.http.post("/logout", headers=anna)).status_code == 204  # again: fine


async def test_a_token_ends_after_the_idle_time(api: Api) -> None:
    anna = await api.login("anna")
    api.ticker.advance(29 * MINUTE)
    assert (await api.http.get("/account/loans", headers=anna)).status_code == 200
    api.ticker.advance(29 * MINUTE)  # used 29 minutes ago: still alive
    assert (await api.http.get("/account/loans", headers=anna)).status_code == 200
    api.ticker.advance(30 * MINUTE)
    assert_error(await api.http.get("/account/loans", headers=anna), 401, "not_authenticated")
    assert await api.login("anna")  # logging in again works


async def test_a_token_ends_after_the_absolute_time_even_when_used(api: Api) -> None:
    anna = await api.login("anna")
    for _ in range(int(12 * HOUR // (20 * MINUTE)) - 1):
        api.ticker.advance(20 * MINUTE)
        assert (await api.http.get("/account/loans", headers=anna)).status_code == 200
    api.ticker.advance(20 * MINUTE)  # now 12 hours after login
    assert_error(await api.http.get("/account/loans", headers=anna), 401, "not_authenticated")


# -------------------------------------------------------------- throttle


async def fail_login(api: Api, identifier: str, address: str) -> httpx.Response:
    return await api.http.post(
        "/login",
        headers={"X-Forwarded-For": address},
        json={"identifier": identifier, "password": "wrong-Parole1"},
    )


async def test_failed_logins_are_throttled_per_client(api: Api) -> None:
    for n in range(SETTINGS.login_failures_per_client):
        # a different unknown account each time: only the address adds up
        assert_error(await fail_login(api, f"nobody{n}", "10.0.0.1"), 401, "invalid_credentials")
    answer = await api.http.post(
        "/login",
        headers={"X-Forwarded-For": "10.0.0.1"},
        json={"identifier": "anna", "password": password("anna")},
    )
    assert_error(answer, 429, "too_many_attempts")
    # another terminal is not held up, and the address may try again later
    assert await api.login("anna", address="10.0.0.2")
    api.ticker.advance(SETTINGS.login_window_seconds + 1)
    assert await api.login("anna", address="10.0.0.1")


async def test_failed_logins_on_an_account_hold_up_that_client_only(api: Api) -> None:
    for _ in range(SETTINGS.login_failures_per_account):
        assert_error(await fail_login(api, "boris", "10.0.1.1"), 401, "invalid_credentials")
    answer = await api.http.post(
        "/login",
        headers={"X-Forwarded-For": "10.0.1.1"},
        json={"identifier": "boris", "password": password("boris")},
    )
    body = assert_error(answer, 429, "too_many_attempts")
    assert answer.headers["Retry-After"] == str(int(SETTINGS.login_window_seconds))
    assert "pēc 5 min." in body["lv"] and "in 5 min." in body["en"]
    assert await api.login("anna", address="10.0.1.1")  # other accounts are not held up
    assert await api.login("boris", address="10.0.2.1")  # nor is the owner elsewhere


# ----------------------------------------------------------- idempotency


async def my_reservations(api: Api, headers: dict[str, str]) -> list[dict[str, Any]]:
    return [
        v["reservation"]
        for v in (await api.http.get("/account/reservations", headers=headers)).json()
    ]


async def test_the_same_key_twice_has_one_effect_and_the_same_answer(api: Api) -> None:
    anna = await api.login("anna")
    headers = anna | {"Idempotency-Key": "order-1"}
    first = await api.http.post("/account/orders", headers=headers, json={"barcode": "A-0001"})
    again = await api.http.post("/account/orders", headers=headers, json={"barcode": "A-0001"})
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert again.headers.get("idempotent-replayed") == "true"
    assert [r["barcode"] for r in await my_reservations(api, anna)] == ["A-0001"]
    # without a key, the same order is a second attempt, and the rules refuse it
    third = await api.http.post("/account/orders", headers=anna, json={"barcode": "A-0001"})
    assert_error(third, 409, "refused")


async def test_a_refusal_is_remembered_too(api: Api) -> None:
    anna = await api.login("anna")
    headers = anna | {"Idempotency-Key": "reading-room"}
    first = await api.http.post("/account/orders", headers=headers, json={"barcode": "A-0002"})
    again = await api.http.post("/account/orders", headers=headers, json={"barcode": "A-0002"})
    assert_error(first, 409, "refused")
    assert again.status_code == 409 and again.json() == first.json()


async def test_the_same_key_with_another_body_is_refused(api: Api) -> None:
    anna = await api.login("anna")
    headers = anna | {"Idempotency-Key": "k-1"}
    assert (
        await api.http.post("/account/orders", headers=headers, json={"barcode": "A-0001"})
    ).status_code == 200
    other = await api.http.post("/account/orders", headers=headers, json={"barcode": "A-0003"})
    body = assert_error(other, 422, "invalid_input")
    assert body["field"] == "Idempotency-Key"
    assert "different request" in body["en"]
    assert [r["barcode"] for r in await my_reservations(api, anna)] == ["A-0001"]
    # another patron's identical key is theirs alone
    dainis = await api.login("dainis")
    mine = await api.http.post(
        "/account/orders", headers=dainis | {"Idempotency-Key": "k-1"}, json={"barcode": "A-0003"}
    )
    assert mine.status_code == 200 and mine.json()["reservation"]["barcode"] == "A-0003"


async def test_concurrent_requests_with_one_key_run_once(api: Api) -> None:
    anna = await api.login("anna")
    headers = anna | {"Idempotency-Key": "burst"}
    answers = await asyncio.gather(
        *[
            api.http.post("/account/orders", headers=headers, json={"barcode": "K-0001"})
            for _ in range(10)
        ]
    )
    assert {a.status_code for a in answers} == {200}
    assert len({a.text for a in answers}) == 1
    assert [r["barcode"] for r in await my_reservations(api, anna)] == ["K-0001"]


# ------------------------------------------------------------- bad input


async def test_bad_input_gets_a_4xx_with_a_message(api: Api) -> None:
    anna = await api.login("anna")
    post = api.http.post
    malformed = await post(
        "/account/orders",
        headers=anna | {"Content-Type": "application/json"},
        content=b'{"barcode": ',
    )
    assert assert_error(malformed, 422, "invalid_input")["field"] == "body"
    wrong_type = await post("/account/orders", headers=anna, json={"barcode": 123})
    assert assert_error(wrong_type, 422, "invalid_input")["field"] == "barcode"
    missing = await post("/account/orders", headers=anna, json={})
    assert "barcode" in assert_error(missing, 422, "invalid_input")["en"]
    unknown_field = await post(
        "/account/orders", headers=anna, json={"barcode": "A-0001", "admin": True}
    )
    assert assert_error(unknown_field, 422, "invalid_input")["field"] == "admin"
    not_a_list = await post("/lists", json="everything")
    assert_error(not_a_list, 422, "invalid_input")
    assert_error(await api.http.get("/records/abc"), 422, "invalid_input")
    assert_error(await api.http.get("/records/99999999999999999999999"), 422, "invalid_input")
    assert_error(await api.http.get("/search?limit=0"), 422, "invalid_input")
    assert_error(await api.http.get("/search?material_type=vinyl"), 422, "invalid_input")
    assert_error(await api.http.get("/records/424242"), 404, "not_found")
    assert_error(
        await post("/account/orders", headers=anna, json={"barcode": "X-9999"}), 404, "not_found"
    )
    assert_error(await api.http.get("/no/such/route"), 404, "not_found")
    assert_error(await api.http.delete("/account/loans"), 405, "method_not_allowed")
    bad_key = await post(
        "/account/orders", headers=anna | {"Idempotency-Key": "x" * 500}, json={"barcode": "A-0001"}
    )
    assert_error(bad_key, 422, "invalid_input")
    assert await my_reservations(api, anna) == []


async def test_an_oversized_body_is_refused_with_413(api: Api) -> None:
    anna = await api.login("anna")
    big = {
        "author": "",
        "title": "x" * SETTINGS.max_body_bytes,
        "library_id": AIZ,
        "collection": "ab",
    }
    answer = await api.http.post("/account/free-requests", headers=anna, json=big)
    body = assert_error(answer, 413, "too_large")
    assert "KiB" in body["en"]

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: counted as it comes
        yield b'{"title": "'
        for _ in range(10):
            yield b"y" * 1000
        yield b'"}'

    streamed = await api.http.post("/account/free-requests", headers=anna, content=chunks())
    assert_error(streamed, 413, "too_large")
    assert (await api.http.get("/account/free-requests", headers=anna)).json() == []


async def test_the_openapi_description_is_served(api: Api) -> None:
    spec = (await api.http.get("/openapi.json")).json()
    assert "/api/v1/account/orders" in spec["paths"]
    assert json.dumps(spec)  # plain JSON
    assert (await api.http.get("/health")).json() == {"status": "ok"}
