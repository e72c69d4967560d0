"""What the SIP2 listener needs of the engine beyond the ``LibraryService``
contract: a staff session for a terminal, and a copy looked up by barcode.

Both reach into the engine (``services.engine.SqlService``, which the
server always runs), in one transaction each, and nothing else does:

- A terminal checks out and in (11, 09) as the staff member its settings name
  (``staff_account``). The terminal proved who it is with its own SIP login,
  so the listener opens that member's session itself, without a password in
  the settings file. Like any session it ends when the member's password is
  reset; the listener then opens a new one.
- Item information (17) starts from a barcode; the contract finds copies by
  record only.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date

from services.engine import SqlService
from services.engine.base import token_hash
from services.engine.tx import Tx
from services.errors import Forbidden
from services.models import CopyView, Session
from services.protocol import LibraryService
from services.storage import schema as s


class NoDesk(Exception):
    """The listener's engine cannot do what this module does (not the engine)."""


@dataclass(frozen=True)
class Item:
    """One copy as item information tells it."""

    copy: CopyView
    title: str
    due: date | None
    """The current loan's due date."""
    queue_length: int
    held_until: date | None
    """Until when it waits on the hold shelf, when it does."""


def _engine(engine: LibraryService) -> SqlService:
    if not isinstance(engine, SqlService):
        raise NoDesk(f"the SIP2 listener needs the engine, not {type(engine).__name__}")
    return engine


async def staff_session(engine: LibraryService, account: str, library: str) -> Session:
    """A new session of the staff member ``account`` (a username or card
    number) of ``library``. Raises ``Forbidden`` when there is no such staff
    member of that library, ``NoDesk``."""
    sql = _engine(engine)
    token = secrets.token_urlsafe(32)

    def work(tx: Tx) -> Session:
        found = tx.find_account(account)
        if found is None or found.patron.staff_library != library:
            raise Forbidden()
        tx.db.execute(s.sessions.insert().values(
            token_hash=token_hash(token), patron_id=found.patron.id, created=tx.now))
        return Session(token=token, patron=found.patron)

    return await sql._call(work)


async def item(engine: LibraryService, barcode: str) -> Item | None:
    """The copy with ``barcode`` and what is happening to it, or None.
    Raises ``NoDesk``, ``ServiceUnavailable``."""
    sql = _engine(engine)

    def work(tx: Tx) -> Item | None:
        copy = tx.copy(barcode.strip())
        if copy is None:
            return None
        record = tx.record(copy.record_id)
        loan = tx.current_loan(copy.barcode)
        holder = tx.holder(copy.barcode)
        return Item(
            copy=tx.copy_view(copy, tx.today),
            title=record.title if record else "",
            due=loan.due if loan else None,
            queue_length=tx.queue_length(copy.barcode),
            held_until=holder.held_until if holder else None,
        )

    return await sql._call(work)
