"""The wire of the contract: one line per ``LibraryService`` operation.

Each line says how an operation travels under ``/api/v1``: its HTTP method
(reads are GET, writes are POST), its path (``{name}``: an id the method
takes), the error statuses it can answer with, and the form its other
arguments travel in, the body of a POST or the query of a GET. Whether it
takes the bearer token, and what it answers, are the contract's: a method
with a ``session`` takes the token, and the answer is the method's return
type (``None``: 204, no body).

From these lines the server's routes (``routes.install_routes``) and the
remote adapter's calls (``services.remote``) are made. ``declare`` checks
them against the contract when this module is imported: an operation
without its line, a line without its operation, or a form whose fields are
not the method's parameters fails at once, naming it.

A form's fields are the method's parameters of those names, or, when the
method takes one model (``search``, ``submit_free_request``), the form is
that model (or a stricter one) and travels whole. The body forms take
nothing unknown and carry their limits, so a text that cannot be kept is a
422 naming its field, and the OpenAPI description tells a client the limits.

Like ``wire``, this imports neither FastAPI nor httpx: the kiosk imports it.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from services import rules
from services.models import FreeRequestForm, SearchQuery, free_text, line
from services.protocol import LibraryService

# --------------------------------------------------------------------- forms


class _Body(BaseModel):
    """A request body: no unknown fields, every text of the ``models.line`` or
    ``models.free_text`` type (storable, within its limit), so a text that
    cannot be kept is a 422 naming its field, never a failed write."""

    model_config = ConfigDict(extra="forbid")


IDENTIFIER_MAX = 254
"""A username, card number or e-mail address (``rules.EMAIL_MAX``)."""
SECRET_MAX = 1024
"""A password as typed; the rules' 8–128 is the engine's, with its message."""
CODE_MAX = 64
"""A recovery code, a barcode, a card number, a library or collection id."""
REASON_MAX = 500
"""A staff reason or note (the engine keeps at most 500 characters)."""
PATRON_SEARCH_MAX = 200


class LoginForm(_Body):
    identifier: line(IDENTIFIER_MAX)
    password: free_text(SECRET_MAX)


class ResetRequest(_Body):
    identifier: line(IDENTIFIER_MAX)


class ResetForm(_Body):
    identifier: line(IDENTIFIER_MAX)
    code: line(CODE_MAX)
    new_password: free_text(SECRET_MAX)


class OrderForm(_Body):
    barcode: line(CODE_MAX)


class ReasonForm(_Body):
    reason: free_text(REASON_MAX)


class NoteForm(_Body):
    note: free_text(REASON_MAX) = ""


class RejectForm(_Body):
    note: free_text(REASON_MAX)


class ListForm(_Body):
    record_ids: Annotated[list[int], Field(max_length=rules.LIST_MAX)]
    email: line(rules.EMAIL_MAX)
    language: Literal["lv", "en"] = "lv"


class CheckOutForm(_Body):
    card_number: line(CODE_MAX)
    barcode: line(CODE_MAX)


class CheckInForm(_Body):
    barcode: line(CODE_MAX)


class SelfCheckForm(_Body):
    library_id: line(CODE_MAX)
    barcode: line(CODE_MAX)


class ReceiptForm(_Body):
    library_id: line(CODE_MAX)
    lent: Annotated[list[line(CODE_MAX)], Field(max_length=rules.LIST_MAX)] = []
    returned: Annotated[list[line(CODE_MAX)], Field(max_length=rules.LIST_MAX)] = []


class FreeRequestBody(FreeRequestForm):
    """``FreeRequestForm`` with the limits of R8 at the door (and in the
    OpenAPI description); the engine still strips and checks it."""

    author: free_text(rules.AUTHOR_MAX) = ""
    title: free_text(rules.TITLE_MAX) = ""
    year: free_text(rules.YEAR_MAX) = ""
    info: free_text(rules.INFO_MAX) = ""
    library_id: line(CODE_MAX) = ""
    collection: line(CODE_MAX) = ""


class CopiesQuery(BaseModel):
    offset: int = Field(default=0, ge=0, le=2**31)
    limit: int = Field(default=50, ge=1, le=1000)


class PatronQuery(BaseModel):
    text: line(PATRON_SEARCH_MAX) = ""


# ----------------------------------------------------------------- operations

Method = Literal["GET", "POST"]
_IN_PATH = re.compile(r"{(\w+)}")


@dataclass(frozen=True)
class Operation:
    """How one contract method travels (see the module). ``declare`` fills in
    what the contract says: the method's ``signature`` and ``result``."""

    name: str
    method: Method
    path: str
    errors: tuple[int, ...] = ()
    """Statuses it can answer with besides 422 and 503 (and 413: a POST)."""
    form: type[BaseModel] | None = None
    idempotent: bool = True
    """A POST that takes an ``Idempotency-Key`` (all but login and logout)."""
    signature: inspect.Signature = field(default=inspect.Signature(), compare=False)
    result: Any = None

    @property
    def parameters(self) -> tuple[str, ...]:
        """The method's parameters, in order, without ``self``."""
        return tuple(self.signature.parameters)[1:]

    @property
    def token(self) -> bool:
        """Whether it takes the bearer token: the method takes a ``session``."""
        return "session" in self.signature.parameters

    @property
    def in_path(self) -> tuple[str, ...]:
        return tuple(_IN_PATH.findall(self.path))

    @property
    def in_form(self) -> tuple[str, ...]:
        """The parameters that travel in the form."""
        return tuple(p for p in self.parameters if p != "session" and p not in self.in_path)

    @property
    def whole(self) -> bool:
        """The method takes one model, and the form is that model."""
        if self.form is None or len(self.in_form) != 1:
            return False
        kind = self.signature.parameters[self.in_form[0]].annotation
        return isinstance(kind, type) and issubclass(self.form, kind)

    # The two directions, side by side: the remote adapter sends an operation's
    # arguments (``to_wire``), the server calls the engine with them (``from_wire``).

    def to_wire(self, arguments: dict[str, Any]) -> tuple[str, dict[str, Any] | None]:
        """The path and the form's data (JSON-ready; None: none) of a call with
        ``arguments`` (the method's, by name)."""
        path = self.path.format(**{name: arguments[name] for name in self.in_path})
        if self.whole:
            model: BaseModel = arguments[self.in_form[0]]
            return path, model.model_dump(mode="json", exclude_none=self.method == "GET")
        return path, {name: arguments[name] for name in self.in_form} or None

    def from_wire(self, values: dict[str, Any]) -> list[Any]:
        """The method's arguments, in order, from a request's ``values``: the
        ``session``, each id of the path by name, and the ``form``."""
        form = values.get("form")
        return [
            values[name] if name == "session" or name in self.in_path
            else form if self.whole
            else getattr(form, name)
            for name in self.parameters
        ]


def get(name: str, path: str, *errors: int, query: type[BaseModel] | None = None) -> Operation:
    return Operation(name, "GET", path, errors, query)


def post(
    name: str, path: str, *errors: int, body: type[BaseModel] | None = None,
    idempotent: bool = True,
) -> Operation:
    return Operation(name, "POST", path, errors, body, idempotent)


class WireError(TypeError):
    """The declaration and the contract disagree (see ``declare``)."""


def declare(contract: type, operations: Iterable[Operation]) -> dict[str, Operation]:
    """``operations`` by name, each with its method's signature and result,
    after checking that they are exactly the abstract methods of ``contract``
    and that each one's path and form fit its method. ``WireError`` names
    the first that does not."""
    declared: dict[str, Operation] = {}
    for operation in operations:
        name = operation.name
        if name in declared:
            raise WireError(f"the operation {name!r} is declared twice")
        if name not in contract.__abstractmethods__:
            raise WireError(f"the operation {name!r} is not a method of {contract.__name__}")
        signature = inspect.signature(getattr(contract, name), eval_str=True)
        declared[name] = _checked(replace(
            operation, signature=signature, result=signature.return_annotation
        ))
    missing = sorted(contract.__abstractmethods__ - declared.keys())
    if missing:
        raise WireError(f"{contract.__name__}.{missing[0]} has no operation: add its "
                        "line to services.server.operations")
    return declared


def _checked(operation: Operation) -> Operation:
    where = f"the operation {operation.name!r}"
    hints = {p.name: p.annotation for p in operation.signature.parameters.values()}
    for name in operation.in_path:
        if hints.get(name) is not int:
            raise WireError(f"{where}: the path's {{{name}}} is not an id the method takes")
    if operation.token and operation.parameters[0] != "session":
        raise WireError(f"{where}: the session must come first")
    if operation.in_form:
        if operation.form is None:
            raise WireError(f"{where}: {', '.join(operation.in_form)} need a form")
        fields = set(operation.form.model_fields)
        if not operation.whole and fields != set(operation.in_form):
            raise WireError(f"{where}: the form {operation.form.__name__} has the fields "
                            f"{sorted(fields)}, the method takes {sorted(operation.in_form)}")
    elif operation.form is not None:
        raise WireError(f"{where}: the method takes nothing for {operation.form.__name__}")
    return operation


# One tuple per part of the contract, in its order.

CATALOGUE = (
    get("libraries", "/libraries"),
    get("search", "/search", query=SearchQuery),
    get("record", "/records/{record_id}", 404),
    get("copies", "/records/{record_id}/copies", 404, query=CopiesQuery),
    get("record_marc", "/records/{record_id}/marc", 404),
)

AUTH = (
    post("login", "/login", 401, 429, body=LoginForm, idempotent=False),
    post("logout", "/logout", idempotent=False),
    post("request_password_reset", "/password-reset/request", 429, body=ResetRequest),
    post("reset_password", "/password-reset", 400, 429, body=ResetForm),
)

ACCOUNT = (
    get("loans", "/account/loans", 401),
    get("loan_history", "/account/history", 401),
    get("reservations", "/account/reservations", 401),
    get("free_requests", "/account/free-requests", 401),
    get("free_request_offer", "/account/free-request-offer", 401),
    post("order", "/account/orders", 401, 404, 409, body=OrderForm),
    post("cancel_reservation", "/account/reservations/{reservation_id}/cancel", 401, 404, 409),
    post("request_renewal", "/account/loans/{loan_id}/renewal", 401, 404, 409),
    post("submit_free_request", "/account/free-requests", 401, 404, 409, body=FreeRequestBody),
    get("abilities", "/abilities"),
    post("self_check_out", "/account/self-check-out", 401, 404, 409, body=SelfCheckForm),
    post("self_check_in", "/account/self-check-in", 401, 404, 409, body=SelfCheckForm),
    post("send_receipt", "/account/receipts", 401, 429, body=ReceiptForm),
)

_STAFF = (401, 403)
_STAFF_WRITE = (401, 403, 404, 409)

STAFF = (
    get("staff_reservations", "/staff/reservations", *_STAFF),
    post("confirm_reservation", "/staff/reservations/{reservation_id}/confirm", *_STAFF_WRITE),
    post("reject_reservation", "/staff/reservations/{reservation_id}/reject", *_STAFF_WRITE,
         body=ReasonForm),
    get("staff_renewals", "/staff/renewals", *_STAFF),
    post("approve_renewal", "/staff/renewals/{loan_id}/approve", *_STAFF_WRITE),
    post("deny_renewal", "/staff/renewals/{loan_id}/deny", *_STAFF_WRITE, body=ReasonForm),
    get("staff_free_requests", "/staff/free-requests", *_STAFF),
    post("accept_free_request", "/staff/free-requests/{request_id}/accept", *_STAFF_WRITE,
         body=NoteForm),
    post("fulfil_free_request", "/staff/free-requests/{request_id}/fulfil", *_STAFF_WRITE,
         body=NoteForm),
    post("reject_free_request", "/staff/free-requests/{request_id}/reject", *_STAFF_WRITE,
         body=RejectForm),
    get("find_patrons", "/staff/patrons", *_STAFF, query=PatronQuery),
    get("patron_account", "/staff/patrons/{patron_id}", 401, 403, 404),
    post("check_out", "/staff/check-out", *_STAFF_WRITE, body=CheckOutForm),
    post("check_in", "/staff/check-in", *_STAFF_WRITE, body=CheckInForm),
)

MAIL_AND_MAINTENANCE = (
    post("send_list", "/lists", 409, 429, body=ListForm),
    get("outbox", "/outbox", 403),
    post("expire_holds", "/maintenance/expire-holds", 403),
)

OPERATIONS: dict[str, Operation] = declare(
    LibraryService, (*CATALOGUE, *AUTH, *ACCOUNT, *STAFF, *MAIL_AND_MAINTENANCE)
)
"""Every operation of ``LibraryService`` by name, in the contract's order."""
