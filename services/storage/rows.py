"""Rows of the database and the models they hold.

Every entity is one row: a few key columns (for lookups by hand and for
later migrations) and the pydantic model as JSON in ``data``. Reading uses
``model_validate_json`` per row: pydantic-core parses and checks a row in
Rust, which measured faster than ``json.loads`` + ``model_construct`` in
Python, so the server gets validation for free even at 1,000,000 records.
A login keeps only the argon2id hash; the clear password is never written,
nor a recovery code (only its salted hash, ``services.store.hash_reset_code``).
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from services.models import Copy, FreeRequest, Loan, Message, Patron, Reservation
from services.store import AccountState, hash_reset_code, is_hashed_code

COPY_ROW = "INSERT OR REPLACE INTO copies (barcode, record_id, library_id, data) VALUES (?,?,?,?)"
LOAN_ROW = "INSERT OR REPLACE INTO loans (id, patron_id, barcode, data) VALUES (?,?,?,?)"
RESERVATION_ROW = (
    "INSERT OR REPLACE INTO reservations (id, patron_id, barcode, ended, data) VALUES (?,?,?,?,?)"
)
REQUEST_ROW = "INSERT OR REPLACE INTO free_requests (id, patron_id, data) VALUES (?,?,?)"
MESSAGE_ROW = "INSERT OR REPLACE INTO messages (id, recipient, data) VALUES (?,?,?)"
FORGET_MESSAGE = "DELETE FROM messages WHERE id = ?"
ACCOUNT_ROW = (
    "INSERT OR REPLACE INTO accounts "
    "(patron_id, username, card_number, patron, password_hash, login) VALUES (?,?,?,?,?,?)"
)


def copy_row(copy: Copy) -> tuple[str, int, str, str]:
    return copy.barcode, copy.record_id, copy.library_id, copy.model_dump_json()


def loan_row(loan: Loan) -> tuple[int, int, str, str]:
    return loan.id, loan.patron_id, loan.barcode, loan.model_dump_json()


def reservation_row(res: Reservation, ended: date | None) -> tuple[int, int, str, str | None, str]:
    return (res.id, res.patron_id, res.barcode, ended.isoformat() if ended else None,
            res.model_dump_json())


def request_row(request: FreeRequest) -> tuple[int, int, str]:
    return request.id, request.patron_id, request.model_dump_json()


def message_row(message: Message) -> tuple[int, str, str]:
    return message.id, message.to, message.model_dump_json()


def account_row(account: AccountState) -> tuple[int, str, str, str, str, str]:
    """Raises ``ValueError`` for an account without a hash (never store clear text)."""
    if account.password_hash is None:
        raise ValueError(f"account {account.patron.id} has no password hash")
    patron = account.patron
    login = {
        "failures": [t.isoformat() for t in account.failures],
        "locked_until": _iso(account.locked_until),
        "reset_code": account.reset_code,
        "reset_expires": _iso(account.reset_expires),
        "reset_tries": account.reset_tries,
    }
    return (patron.id, patron.username, patron.card_number, patron.model_dump_json(),
            account.password_hash, json.dumps(login))


def account_from(patron: str, password_hash: str, login: str) -> AccountState:
    """The account of a row. A recovery code kept in clear (a file written
    before codes were hashed) is hashed here; ``clear_code`` tells the loader
    to write the row again, so the clear code leaves the file."""
    state: dict[str, Any] = json.loads(login)
    code = state.get("reset_code")
    return AccountState(
        patron=Patron.model_validate_json(patron),
        password=None,
        password_hash=password_hash,
        failures=[datetime.fromisoformat(t) for t in state.get("failures", [])],
        locked_until=_moment(state.get("locked_until")),
        reset_code=code if code is None or is_hashed_code(code) else hash_reset_code(code),
        reset_expires=_moment(state.get("reset_expires")),
        reset_tries=int(state.get("reset_tries", 0)),
    )


def clear_code(login: str) -> bool:
    """Whether the ``login`` column holds a recovery code in clear."""
    code = json.loads(login).get("reset_code")
    return code is not None and not is_hashed_code(code)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _moment(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None
