"""The contract is declared: an adapter cannot leave an operation out, and the
wire follows from one declaration (issue 12).

- an adapter class lacking any one operation cannot be built, and the error
  names the operation;
- ``services.server.operations`` has exactly one line per abstract method,
  and a contract with a method the lines lack (or a line the contract lacks,
  or a form that does not fit) fails when declared, naming it;
- the server serves every declared operation with a route of its name, and
  ``RemoteService`` calls each one on that route, with a body or query the
  route's form takes, the token exactly when the method takes a session and
  an ``Idempotency-Key`` on every write but login and logout;
- what only some adapters can do is declared, with its default.
"""

from __future__ import annotations

import inspect
import json
import re
from abc import abstractmethod
from dataclasses import replace
from typing import Any, get_args, get_origin

import httpx
import pytest
from fastapi.routing import APIRoute
from starlette.routing import Match

from services.errors import NotFound
from services.memory import MemoryService
from services.models import FreeRequestForm, SearchQuery, Session
from services.protocol import LibraryService
from services.remote import RemoteService
from services.server import operations as wire
from services.server import routes
from services.server.app import create_app
from services.server.operations import OPERATIONS, WireError, declare
from services.server.settings import ServerSettings
from services.server.wire import IDEMPOTENCY_HEADER

NAMES = sorted(LibraryService.__abstractmethods__)


async def _stub(self: Any, *args: Any, **kwargs: Any) -> None:
    return None


def adapter_without(name: str) -> type[LibraryService]:
    """An adapter class with every operation but ``name``."""
    methods = {other: _stub for other in NAMES if other != name}
    return type(f"Without_{name}", (LibraryService,), methods)


# --------------------------------------------------------------- the adapters


@pytest.mark.parametrize("name", NAMES)
def test_an_adapter_lacking_an_operation_cannot_be_built(name: str) -> None:
    with pytest.raises(TypeError, match=rf"\b{name}\b"):
        adapter_without(name)()


def test_an_adapter_with_every_operation_can_be_built() -> None:
    adapter_without("")()  # every operation there: no error
    assert not MemoryService.__abstractmethods__
    assert not RemoteService.__abstractmethods__
    assert isinstance(MemoryService(), LibraryService)


def test_optional_abilities_are_declared_with_their_default() -> None:
    assert adapter_without("").mail_queue is False
    assert MemoryService.mail_queue is True
    assert RemoteService.mail_queue is False
    assert "ready" not in LibraryService.__abstractmethods__


async def test_an_adapter_without_state_of_its_own_is_ready() -> None:
    assert await adapter_without("")().ready() is True


# ------------------------------------------------------------ the declaration


def test_every_operation_is_declared_exactly_once() -> None:
    lines = [*wire.CATALOGUE, *wire.AUTH, *wire.ACCOUNT, *wire.STAFF, *wire.MAIL_AND_MAINTENANCE]
    assert sorted(line.name for line in lines) == NAMES
    assert sorted(OPERATIONS) == NAMES
    assert len({(op.method, op.path) for op in OPERATIONS.values()}) == len(NAMES)


def test_a_contract_with_a_new_method_fails_until_it_is_declared() -> None:
    class Bigger(LibraryService):
        @abstractmethod
        async def renew_card(self, session: Session) -> Session:
            """A new operation nobody declared yet."""

    with pytest.raises(WireError, match=r"Bigger\.renew_card has no operation"):
        declare(Bigger, OPERATIONS.values())
    declared = declare(Bigger, [*OPERATIONS.values(), wire.post("renew_card", "/card", 401)])
    assert declared["renew_card"].token and declared["renew_card"].result is Session


def test_a_line_without_its_operation_fails() -> None:
    with pytest.raises(WireError, match="'renew_card' is not a method of LibraryService"):
        declare(LibraryService, [*OPERATIONS.values(), wire.post("renew_card", "/card")])


def test_a_line_declared_twice_fails() -> None:
    with pytest.raises(WireError, match="'order' is declared twice"):
        declare(LibraryService, [*OPERATIONS.values(), OPERATIONS["order"]])


@pytest.mark.parametrize(
    ("line", "says"),
    [
        (replace(OPERATIONS["order"], form=wire.NoteForm), "the form NoteForm has the fields"),
        (replace(OPERATIONS["order"], form=None), "barcode need a form"),
        (replace(OPERATIONS["loans"], form=wire.NoteForm), "takes nothing for NoteForm"),
        (replace(OPERATIONS["record"], path="/records/{id}"), "{id} is not an id"),
    ],
)
def test_a_line_that_does_not_fit_its_method_fails(line: wire.Operation, says: str) -> None:
    lines = [line if op.name == line.name else op for op in OPERATIONS.values()]
    with pytest.raises(WireError, match=rf"'{line.name}'.*{re.escape(says)}"):
        declare(LibraryService, lines)


# ------------------------------------------------------------------- the wire


def app_routes() -> list[APIRoute]:
    app = create_app(object(), ServerSettings(database=":memory:"))  # type: ignore[arg-type]
    return [route for route in app.routes if isinstance(route, APIRoute)]


def test_the_server_serves_every_operation_by_its_line() -> None:
    served = {route.name: route for route in app_routes()}
    assert sorted(set(served) - {"health"}) == NAMES
    for name, operation in OPERATIONS.items():
        route = served[name]
        assert route.methods == {operation.method}
        assert route.path == routes.API + operation.path
        assert operation.errors == tuple(
            s for s in sorted(route.responses) if s not in (413, 422, 503))


def test_a_route_written_out_for_no_operation_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    written = routes._by_hand

    def with_a_stray(*args: Any) -> dict[str, Any]:
        return {**written(*args), "renew_card": _stub}

    monkeypatch.setattr(routes, "_by_hand", with_a_stray)
    with pytest.raises(WireError, match="'renew_card'"):
        app_routes()


def sample(parameter: inspect.Parameter) -> Any:
    """An argument of the parameter's type (its default when it has one)."""
    if parameter.default is not inspect.Parameter.empty:
        return parameter.default
    kind = parameter.annotation
    if kind is Session:
        return Session.model_construct(token="the-token")
    samples = {int: 7, str: "x", SearchQuery: SearchQuery(text="ozols"),
               FreeRequestForm: FreeRequestForm(title="Ozols", library_id="AIZ")}
    if get_origin(kind) is list:
        (item,) = get_args(kind)
        return [samples[item], samples[item]]
    return samples[kind]


@pytest.mark.parametrize("name", NAMES)
async def test_the_remote_adapter_calls_each_operation_on_its_route(name: str) -> None:
    operation = OPERATIONS[name]
    sent: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(404, json={"code": "not_found", "lv": "Nav.", "en": "None."})

    remote = RemoteService("http://mana.test", transport=httpx.MockTransport(answer),
                           maintenance_key="key")
    parameters = list(operation.signature.parameters.values())[1:]
    arguments = [sample(p) for p in parameters]
    async with remote:
        try:
            await getattr(remote, name)(*arguments)
        except NotFound:
            pass  # the answer above: the request is what is checked
    (request,) = sent

    # the route of this operation serves it
    scope = {"type": "http", "method": request.method, "path": request.url.path}
    matching = [r.name for r in app_routes() if r.matches(scope)[0] is Match.FULL]
    assert matching == [name]
    # with what the route's form takes
    data = (json.loads(request.content) if request.content
            else dict(request.url.params) or None)
    if operation.form is None:
        assert data is None
    else:
        operation.form.model_validate(data)
    assert ("Authorization" in request.headers) == operation.token
    if operation.token:
        assert request.headers["Authorization"] == "Bearer the-token"
    keyed = operation.method == "POST" and name not in ("login", "logout")
    assert (IDEMPOTENCY_HEADER in request.headers) == keyed
