"""The service boundary: no request stops the service (issue 11).

Against the real server on loopback over the engine the server runs (the
on a real SQLite file, ``durable_support.journaled``):

- every text of every request (each string field of each POST body and each
  string query parameter, listed from the live ``openapi.json`` so a new
  endpoint is not forgotten) takes arbitrary Unicode, unpaired surrogates and
  control characters included, without a 500 or a 503, and a normal call
  works afterwards;
- a character that cannot be stored is a 422 naming its field, in Latvian and
  English;
- a write the database refuses fails that call alone: the next call works
  on the state of the last commit, and ``/health`` is not ok while the
  service cannot serve;
- the OpenAPI description carries the limits a client needs to validate.

Bodies holding a lone surrogate are sent as ASCII JSON (``"\\ud800"``):
that is how a client can send one at all.
"""

from __future__ import annotations

import contextlib
import json
import re
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.clock import FakeClock
from services.region import RegionData
from services.storage import open_database
from tests.services.durable_support import engine_of, journaled
from tests.services.fixtures import AIZ, F1, L1, PATRONS, R1, password
from tests.services.server_harness import (
    TEST_SETTINGS,
    no_server_errors,  # noqa: F401 - a fixture
    running_server,
)

API = "/api/v1"


@dataclass
class Api:
    http: httpx.Client
    path: Path

    def post(self, path: str, body: Any, headers: dict[str, str] | None = None) -> httpx.Response:
        """POST ``body`` as ASCII JSON (a lone surrogate travels as ``\\ud800``)."""
        return self.http.post(path, content=json.dumps(body).encode("ascii"),
                              headers={"Content-Type": "application/json", **(headers or {})})

    def login(self, username: str) -> dict[str, str]:
        answer = self.post("/login", {"identifier": username, "password": password(username)})
        assert answer.status_code == 200, answer.text
        return {"Authorization": f"Bearer {answer.json()['token']}"}

    def second_connection(self) -> sqlite3.Connection:
        """Another connection to the server's file, as an administrator's tool
        would open it: what it changes the server meets on its next write."""
        return sqlite3.connect(self.path, isolation_level=None)


@contextlib.contextmanager
def serving(region: RegionData, clock: FakeClock, path: Path) -> Iterator[Api]:
    """The server over the file ``path``: filled with ``region`` when new,
    else as a restart finds it."""
    if path.exists():
        database = open_database(str(path))
        engine = engine_of(database, clock)
    else:
        engine, database = journaled(region, clock, path)
    try:
        with running_server(engine, TEST_SETTINGS.model_copy(update={"database": str(path)})) as server, \
                httpx.Client(base_url=f"{server.url}{API}", timeout=30) as http:
            yield Api(http, path)
    finally:
        database.close()


@pytest.fixture
def api(
    region: RegionData, clock: FakeClock, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[Api]:
    request.getfixturevalue("no_server_errors")
    with serving(region, clock, tmp_path / "mana.db") as running:
        yield running


def assert_invalid(answer: httpx.Response, field: str) -> dict[str, Any]:
    """A 422 ``invalid_input`` naming ``field``, with a sentence in each language."""
    assert answer.status_code == 422, (answer.status_code, answer.text)
    body = answer.json()
    assert body["code"] == "invalid_input" and body["field"] == field, body
    assert f"“{field}”" in body["lv"] and f"“{field}”" in body["en"], body
    return body


def assert_works(api: Api, username: str = "boris") -> None:
    """A normal call: the health check, a login and a read of the account."""
    health = api.http.get("/health")
    assert health.status_code == 200 and health.json() == {"status": "ok"}, health.text
    loans = api.http.get("/account/loans", headers=api.login(username))
    assert loans.status_code == 200, loans.text


# ------------------------------------------------- every text of every request

SAMPLES: dict[str, Any] = {
    "identifier": "nav-tada-lietotaja",  # no account: its own failures lock nobody out
    "password": "nav-ta-parole",
    "new_password": "Jauna-Parole-9",
    "code": "123456",
    "barcode": "A-0001",
    "card_number": PATRONS["anna"].card_number,
    "email": "lasitajs@example.lv",
    "record_ids": [1],
    "language": "lv",
    "reason": "Nav pieejams",
    "note": "Piezīme",
    "title": "Putni",
    "library_id": AIZ,
    "collection": "ab",
}
"""A plausible value of each field, so the text under test gets as deep as it can."""

IDS = {"reservation_id": R1, "loan_id": L1, "request_id": F1, "patron_id": 1, "record_id": 1}


@dataclass(frozen=True)
class Target:
    """One text a client can send: a field of a POST body or a query parameter."""

    method: str
    path: str
    field: str
    body: dict[str, Any] | None
    """The rest of the body (None: ``field`` is a query parameter)."""

    @property
    def staff(self) -> bool:
        return self.path.startswith("/staff/")


def _is_text(schema: dict[str, Any]) -> bool:
    return schema.get("type") == "string" or any(
        option.get("type") == "string" for option in schema.get("anyOf", [])
    )


def _sample(name: str, schema: dict[str, Any]) -> Any:
    if name in SAMPLES:
        return SAMPLES[name]
    return {"array": [], "integer": 1, "boolean": False}.get(schema.get("type", ""), "x")


def targets(spec: dict[str, Any]) -> list[Target]:
    """Every text field of every POST body and every string query parameter."""
    schemas = spec["components"]["schemas"]
    found = []
    for template, operations in spec["paths"].items():
        path = re.sub(r"\{(\w+)\}", lambda m: str(IDS.get(m.group(1), 1)),
                      template.removeprefix(API))
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "query" and _is_text(parameter["schema"]):
                    found.append(Target(method, path, parameter["name"], None))
            content = operation.get("requestBody", {}).get("content", {})
            reference = content.get("application/json", {}).get("schema", {}).get("$ref")
            if reference is None:
                continue
            schema = schemas[reference.rsplit("/", 1)[-1]]
            properties = schema.get("properties", {})
            required = set(schema.get("required", []))
            base = {name: _sample(name, field) for name, field in properties.items()
                    if name in required or name in SAMPLES}
            for name, field in properties.items():
                if _is_text(field):
                    found.append(Target(method, path, name, base))
    return found


def send(api: Api, target: Target, text: str, tokens: dict[str, dict[str, str]]) -> httpx.Response:
    headers = tokens["staff" if target.staff else "patron"]
    if target.body is None:  # a query string is UTF-8: a lone surrogate cannot travel
        value = text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
        return api.http.request(target.method, target.path, params={target.field: value},
                                headers=headers)
    return api.post(target.path, {**target.body, target.field: text}, headers)


SPECIAL = ["\ud800", "\udfff", "\x00", "\x1b", "\x9b", "\x7f", "\u202e", "\n", "\t", "\r",
           "[", "]", "/", "@", "\ufeff", "ā", "\U0001f600"]
CHARACTERS = st.one_of(
    st.characters(categories=["L", "M", "N", "P", "S", "Z", "Cc", "Cf", "Cs", "Co"]),
    st.sampled_from(SPECIAL),
)
TEXTS = st.one_of(
    st.text(CHARACTERS, max_size=40),
    st.sampled_from(["a\ud800", "\udc00z", "a\x00b", "[/]", "[@click=app.quit]x[/]",
                     "\x1b]52;c;aGk=\x07", "x" * 3000]),
)


def test_any_text_in_any_field_leaves_the_service_working(api: Api) -> None:
    spec = api.http.get("/openapi.json").json()
    every = targets(spec)
    fields = {(t.path, t.field) for t in every}
    for needed in [("/lists", "email"), ("/account/free-requests", "title"),
                   ("/login", "password"), (f"/staff/reservations/{R1}/reject", "reason"),
                   (f"/staff/free-requests/{F1}/accept", "note"), ("/search", "text"),
                   ("/staff/patrons", "text")]:
        assert needed in fields, f"{needed} is not among the texts tried"
    tokens = {"patron": api.login("anna"), "staff": api.login("aiz.darbs")}

    @settings(max_examples=30, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow])
    @given(text=TEXTS)
    def posts(text: str) -> None:
        for target in every:
            answer = send(api, target, text, tokens)
            assert answer.status_code < 500, (target, text, answer.status_code, answer.text)
            if not answer.is_success:
                body = answer.json()
                assert body["lv"].strip() and body["en"].strip(), (target, body)
        health = api.http.get("/health")
        assert health.status_code == 200, health.text

    posts()
    assert_works(api)


# ------------------------------------------------------ what cannot be stored


def test_a_lone_surrogate_is_refused_naming_its_field(api: Api) -> None:
    bad = "a\ud800"
    anna, staff = api.login("anna"), api.login("aiz.darbs")
    body = assert_invalid(api.post("/lists", {"record_ids": [1], "email": bad}), "email")
    assert body["lv"] == "Laukā “email” ir rakstzīme, ko nevar saglabāt."
    assert body["en"] == "The field “email” holds a character that cannot be stored."
    free_request = {"title": "Putni", "library_id": AIZ, "collection": "ab"}
    for field in ("title", "author", "year", "info"):
        assert_invalid(api.post("/account/free-requests", {**free_request, field: bad}, anna),
                       field)
    assert_invalid(api.post(f"/staff/reservations/{R1}/reject", {"reason": bad}, staff), "reason")
    assert_invalid(api.post(f"/staff/renewals/{L1}/deny", {"reason": bad}, staff), "reason")
    for action in ("accept", "fulfil", "reject"):
        assert_invalid(api.post(f"/staff/free-requests/{F1}/{action}", {"note": bad}, staff),
                       "note")
    assert_invalid(api.post("/login", {"identifier": "anna", "password": bad}), "password")
    assert_invalid(api.post("/password-reset", {"identifier": "anna", "code": "123456",
                                                "new_password": "Parole-\udfff-123"}),
                   "new_password")
    # nothing of it was kept, and the service goes on
    assert api.http.get("/account/free-requests", headers=anna).json() == []
    assert_works(api)


def test_a_control_character_in_a_single_line_field_is_refused(api: Api) -> None:
    staff = api.login("aiz.darbs")
    body = assert_invalid(
        api.post("/staff/check-out", {"card_number": "9000\x00", "barcode": "A-0001"}, staff),
        "card_number",
    )
    assert "vadības rakstzīme" in body["lv"] and "control character" in body["en"]
    assert_invalid(api.post("/lists", {"record_ids": [1], "email": "a@b.lv\r\nBcc: c@d.lv"}),
                   "email")
    too_long = assert_invalid(api.post("/staff/check-in", {"barcode": "A" * 65}, staff),
                              "barcode")
    assert "64" in too_long["lv"] and "64" in too_long["en"]


# -------------------------------------------------------- a write that fails


def free_request(title: str) -> dict[str, str]:
    return {"title": title, "author": "Liepa, Anna", "library_id": AIZ, "collection": "ab"}


def titles(api: Api, headers: dict[str, str]) -> list[str]:
    answer = api.http.get("/account/free-requests", headers=headers)
    assert answer.status_code == 200, answer.text
    return sorted(view["request"]["title"] for view in answer.json())


def test_a_failed_write_fails_that_call_only(
    region: RegionData, clock: FakeClock, tmp_path: Path
) -> None:
    with serving(region, clock, tmp_path / "mana.db") as api:
        anna = api.login("anna")
        assert api.post("/account/free-requests", free_request("Putni"), anna).status_code == 200
        admin = api.second_connection()
        admin.execute("CREATE TRIGGER refuse BEFORE INSERT ON free_requests "
                      "BEGIN SELECT RAISE(ABORT, 'the disk says no'); END")

        failed = api.post("/account/free-requests", free_request("Zivis"), anna)
        assert failed.status_code == 503 and failed.json()["code"] == "unavailable", failed.text

        # the next calls work, on the state of the last commit
        assert titles(api, anna) == ["Putni"]
        assert api.http.get("/health").status_code == 200
        order = api.post("/account/orders", {"barcode": "A-0001"}, api.login("boris"))
        assert order.status_code == 200, order.text
        admin.execute("DROP TRIGGER refuse")
        admin.close()
        assert api.post("/account/free-requests", free_request("Koki"), anna).status_code == 200
        assert titles(api, anna) == ["Koki", "Putni"]
    # and the file holds exactly what was answered
    with serving(region, clock, tmp_path / "mana.db") as restarted:
        assert titles(restarted, restarted.login("anna")) == ["Koki", "Putni"]


def test_health_is_not_ok_while_the_service_cannot_serve(
    region: RegionData, clock: FakeClock, tmp_path: Path
) -> None:
    with serving(region, clock, tmp_path / "mana.db") as api:
        anna = api.login("anna")
        assert api.post("/account/free-requests", free_request("Putni"), anna).status_code == 200
        admin = api.second_connection()
        # the table is gone: the write fails, and so does the database's probe
        admin.execute("ALTER TABLE free_requests RENAME TO free_requests_away")
        failed = api.post("/account/free-requests", free_request("Zivis"), anna)
        assert failed.status_code == 503, failed.text

        health = api.http.get("/health")
        assert health.status_code == 503, health.text
        body = health.json()
        assert body["code"] == "unavailable" and body["lv"] and body["en"], body
        assert api.http.get("/libraries").status_code == 200  # what needs no such table works

        admin.execute("ALTER TABLE free_requests_away RENAME TO free_requests")
        admin.close()
        assert api.http.get("/health").status_code == 200
        assert titles(api, anna) == ["Putni"]
        assert_works(api)


# ---------------------------------------------------------------- the limits


def test_the_openapi_description_carries_the_limits(api: Api) -> None:
    spec = api.http.get("/openapi.json").json()
    schemas = spec["components"]["schemas"]
    bodies = set()
    for operations in spec["paths"].values():
        for operation in operations.values():
            content = operation.get("requestBody", {}).get("content", {})
            reference = content.get("application/json", {}).get("schema", {}).get("$ref")
            if reference:
                bodies.add(reference.rsplit("/", 1)[-1])
    assert len(bodies) >= 10
    for name in bodies:
        for field, schema in schemas[name]["properties"].items():
            if schema.get("type") == "string" and "enum" not in schema:
                assert "maxLength" in schema, f"{name}.{field} has no maxLength"
    login = schemas["LoginForm"]
    assert set(login["required"]) == {"identifier", "password"}
    assert login["properties"]["identifier"]["pattern"]  # no control characters
    lists = schemas["ListForm"]["properties"]
    assert lists["record_ids"]["maxItems"] == 200
    assert lists["email"]["maxLength"] == 254
    assert lists["language"]["enum"] == ["lv", "en"]
    free = next(schemas[n] for n in bodies if "title" in schemas[n]["properties"])
    assert free["properties"]["title"]["maxLength"] == 300
    assert free["properties"]["info"]["maxLength"] == 2000
    (text,) = spec["paths"][f"{API}/staff/patrons"]["get"]["parameters"]
    assert text["schema"]["maxLength"]
