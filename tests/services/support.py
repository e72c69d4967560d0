"""Small helpers the service tests share: log in, find a copy, read the outbox."""

from __future__ import annotations

import re
from datetime import date

from services.models import (
    CopyView,
    LoanView,
    Message,
    MessageKind,
    Refusal,
    ReservationView,
    Session,
)
from services.protocol import LibraryService
from tests.services.fixtures import BARCODE_RECORD, password


async def login(service: LibraryService, username: str) -> Session:
    return await service.login(username, password(username))


async def loan_view(service: LibraryService, username: str, loan_id: int) -> LoanView:
    """The loan as "Izsniegumi" shows it to ``username`` (logged in now)."""
    session = await login(service, username)
    (view,) = [v for v in await service.loans(session) if v.loan.id == loan_id]
    return view


async def copy_view(service: LibraryService, barcode: str) -> CopyView:
    """The copy as the catalog shows it now (its status and offer)."""
    page = await service.copies(BARCODE_RECORD[barcode], 0, 200)
    matches = [c for c in page.items if c.item.barcode == barcode]
    assert len(matches) == 1, f"copy {barcode} listed {len(matches)} times"
    return matches[0]


async def reservation(service: LibraryService, session: Session, rid: int) -> ReservationView:
    """The patron's reservation ``rid`` as "Rezervētie" shows it."""
    views = [v for v in await service.reservations(session) if v.reservation.id == rid]
    assert len(views) == 1, f"reservation {rid} listed {len(views)} times"
    return views[0]


async def messages(
    service: LibraryService, kind: MessageKind, to: str | None = None
) -> list[Message]:
    return [m for m in await service.outbox() if m.kind == kind and (to is None or m.to == to)]


def dmy(day: date) -> str:
    """A date as the patron reads it: DD.MM.GGGG."""
    return day.strftime("%d.%m.%Y")


def assert_refusal(refusal: Refusal | None, code: str, mentions: date | None = None) -> None:
    """The refusal has ``code``, a sentence in both languages, and names the date."""
    assert refusal is not None, f"expected a refusal {code!r}, got none"
    assert refusal.code == code, f"expected refusal {code!r}, got {refusal.code!r}"
    assert refusal.lv.strip(), "the Latvian sentence is empty"
    assert refusal.en.strip(), "the English sentence is empty"
    if mentions is not None:
        assert dmy(mentions) in refusal.lv, f"{dmy(mentions)} missing in {refusal.lv!r}"
        assert dmy(mentions) in refusal.en, f"{dmy(mentions)} missing in {refusal.en!r}"


CODE = re.compile(r"(?<!\d)\d{6}(?!\d)")


def code_in(message: Message) -> str:
    """The 6-digit recovery code in a password e-mail."""
    found = CODE.findall(message.subject + "\n" + message.body)
    assert found, f"no 6-digit code in {message.body!r}"
    return found[-1]
