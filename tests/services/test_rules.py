"""A behaviour test for every rule of ``docs/rules.md``, named after its requirement.

This module: what a copy offers and ordering (R3), and the reservation life
cycle (R6, R7); ``test_rules_account.py`` has free requests, fines, renewal,
messages and the desk (R9–R14).

Where a user would see the rule, the test goes through the adapter (and moves
the ``FakeClock`` where time matters); where a table of cases is clearest, it
calls the pure functions of ``services.rules``. Every refusal is checked for
its code and for a sentence in both languages, naming the date where one is
involved.
"""

from __future__ import annotations

from datetime import date

import pytest

from services import rules
from services.clock import FakeClock
from services.errors import Conflict, Refused
from services.models import (
    Collection,
    Copy,
    CopyStatus,
    MessageKind,
    OfferKind,
    ReservationState,
)
from services.protocol import LibraryService
from tests.services.fixtures import (
    AIZ,
    AIZ_RULES,
    CHILDREN,
    KOK_RULES,
    LENDING,
    PATRONS,
    R1,
    R2,
    R3,
    READING,
    SKR_RULES,
    TODAY,
    riga,
)
from tests.services.support import (
    assert_refusal,
    copy_view,
    login,
    messages,
    reservation,
)

D = date


# ====================================================================== R3


async def test_r3_available_copy_offers_order(service: LibraryService) -> None:
    view = await copy_view(service, "A-0001")
    assert view.item.status == CopyStatus.AVAILABLE
    assert view.offer.kind == OfferKind.ORDER
    assert (await copy_view(service, "K-0003")).offer.kind == OfferKind.ORDER  # children's


async def test_r3_on_loan_copy_offers_queue_with_due_and_expected(
    service: LibraryService,
) -> None:
    # cilda's loan, due 01.12.2026, nobody waiting: expected = the due date.
    offer = (await copy_view(service, "A-0009")).offer
    assert (offer.kind, offer.due, offer.queue_length) == (OfferKind.QUEUE, D(2026, 12, 1), 0)
    assert offer.expected == D(2026, 12, 1)
    # boris's overdue loan (due 06.11) with one waiting: max(due, today) + 1 × 30 days.
    offer = (await copy_view(service, "A-0010")).offer
    assert (offer.kind, offer.due, offer.queue_length) == (OfferKind.QUEUE, D(2026, 11, 6), 1)
    assert offer.expected == D(2026, 12, 16)
    # eva's loan at skr (14 loan days), due 30.11, one waiting.
    offer = (await copy_view(service, "S-0003")).offer
    assert (offer.due, offer.queue_length, offer.expected) == (D(2026, 11, 30), 1, D(2026, 12, 14))


async def test_r3_held_copy_offers_queue_after_the_holders_loan(service: LibraryService) -> None:
    # On the hold shelf until 22.11: + the holder's loan (30 days).
    offer = (await copy_view(service, "A-0012")).offer
    assert (offer.kind, offer.queue_length) == (OfferKind.QUEUE, 0)
    assert offer.expected == D(2026, 12, 22)
    # Waiting for confirmation: today + pickup days (10) + loan (30).
    offer = (await copy_view(service, "A-0011")).offer
    assert (offer.kind, offer.queue_length) == (OfferKind.QUEUE, 0)
    assert offer.expected == D(2026, 12, 26)


async def test_r3_reading_room_copy_is_for_the_reading_room(service: LibraryService) -> None:
    assert (await copy_view(service, "A-0002")).offer.kind == OfferKind.READING_ROOM
    assert (await copy_view(service, "K-0005")).offer.kind == OfferKind.READING_ROOM  # in repair
    lost = (await copy_view(service, "S-0004")).offer  # lost, from a reading room
    assert lost.kind == OfferKind.CONTACT
    assert_refusal(lost.refusal, "not_orderable")


@pytest.mark.parametrize("barcode", ["A-0007", "A-0008", "K-0002", "S-0002"])
async def test_r3_unavailable_copy_says_contact_the_library(
    service: LibraryService, barcode: str
) -> None:
    offer = (await copy_view(service, barcode)).offer
    assert offer.kind == OfferKind.CONTACT
    assert_refusal(offer.refusal, "not_orderable")


@pytest.mark.parametrize(
    ("username", "barcode", "code"),
    [
        ("anna", "A-0002", "reading_room"),
        ("anna", "A-0007", "not_orderable"),
        ("anna", "S-0002", "not_orderable"),
        ("cilda", "A-0011", "already_reserved"),
        ("cilda", "A-0010", "already_reserved"),  # she is in its queue
        ("cilda", "A-0009", "own_loan"),
    ],
)
async def test_r3_order_refused_with_reason(
    service: LibraryService, username: str, barcode: str, code: str
) -> None:
    session = await login(service, username)
    with pytest.raises(Refused) as caught:
        await service.order(session, barcode)
    assert_refusal(caught.value.refusal, code)


async def test_r3_order_refused_at_library_reservation_limit(service: LibraryService) -> None:
    anna = await login(service, "anna")
    await service.order(anna, "K-0001")
    await service.order(anna, "K-0003")  # kok allows 2 active reservations
    with pytest.raises(Refused) as caught:
        await service.order(anna, "K-0004")
    assert_refusal(caught.value.refusal, "reservation_limit")
    await service.order(anna, "A-0001")  # another library's limit is separate


async def test_r3_queued_reservation_shows_expected_date(service: LibraryService) -> None:
    anna = await login(service, "anna")
    view = await service.order(anna, "A-0010")  # boris's overdue loan, cilda is first
    assert (view.reservation.state, view.reservation.position) == (ReservationState.QUEUED, 2)
    # max(06.11, today 16.11) + (2 − 1) × 30 days
    assert view.expected == D(2026, 12, 16)
    assert (await reservation(service, anna, view.reservation.id)).expected == D(2026, 12, 16)


def _copy(status: CopyStatus, collection: str = "ab") -> Copy:
    return Copy(
        barcode="X-1",
        record_id=1,
        library_id=AIZ,
        collection=collection,
        shelf_mark="X",
        status=status,
    )


@pytest.mark.parametrize(
    ("status", "collection", "kind"),
    [
        (CopyStatus.AVAILABLE, LENDING, OfferKind.ORDER),
        (CopyStatus.AVAILABLE, CHILDREN, OfferKind.ORDER),
        (CopyStatus.ON_LOAN, LENDING, OfferKind.QUEUE),
        (CopyStatus.RESERVED, LENDING, OfferKind.QUEUE),
        (CopyStatus.ON_HOLD, LENDING, OfferKind.QUEUE),
        (CopyStatus.IN_TRANSIT, LENDING, OfferKind.CONTACT),
        (CopyStatus.IN_REPAIR, LENDING, OfferKind.CONTACT),
        (CopyStatus.PROCESSING, LENDING, OfferKind.CONTACT),
        (CopyStatus.LOST, LENDING, OfferKind.CONTACT),
        (CopyStatus.AVAILABLE, READING, OfferKind.READING_ROOM),
        (CopyStatus.ON_LOAN, READING, OfferKind.READING_ROOM),
        (CopyStatus.IN_REPAIR, READING, OfferKind.READING_ROOM),
        (CopyStatus.LOST, READING, OfferKind.CONTACT),
    ],
)
def test_r3_copy_offer_table(status: CopyStatus, collection: Collection, kind: OfferKind) -> None:
    due = D(2026, 12, 1) if status == CopyStatus.ON_LOAN else None
    held = D(2026, 11, 20) if status == CopyStatus.ON_HOLD else None
    offer = rules.copy_offer(
        _copy(status, collection.code),
        collection,
        AIZ_RULES,
        TODAY,
        due=due,
        held_until=held,
        held=status in (CopyStatus.RESERVED, CopyStatus.ON_HOLD),
    )
    assert offer.kind == kind
    if kind == OfferKind.CONTACT:
        assert_refusal(offer.refusal, "not_orderable")
    if kind == OfferKind.QUEUE and status == CopyStatus.ON_LOAN:
        assert offer.due == due


def test_r3_available_copy_with_active_reservation_does_not_offer_order() -> None:
    offer = rules.copy_offer(_copy(CopyStatus.AVAILABLE), LENDING, AIZ_RULES, TODAY, held=True)
    assert offer.kind != OfferKind.ORDER


def test_r3_expected_date_for_the_next_reader() -> None:
    on_loan = rules.expected_date(CopyStatus.ON_LOAN, KOK_RULES, TODAY, 2, due=D(2026, 11, 20))
    assert on_loan == D(2027, 1, 1)  # 20.11 + 2 × 21 days
    overdue = rules.expected_date(CopyStatus.ON_LOAN, KOK_RULES, TODAY, 0, due=D(2026, 11, 1))
    assert overdue == TODAY
    held = rules.expected_date(CopyStatus.ON_HOLD, SKR_RULES, TODAY, 1, held_until=D(2026, 11, 20))
    assert held == D(2026, 12, 18)  # 20.11 + 14 + 1 × 14
    waiting = rules.expected_date(CopyStatus.RESERVED, SKR_RULES, TODAY, 0)
    assert waiting == D(2026, 12, 7)  # 16.11 + 7 pickup + 14 loan


# ================================================================= R6 / R7


async def test_r6_confirmed_reservation_held_for_library_pickup_days(
    service: LibraryService,
) -> None:
    staff = await login(service, "aiz.darbs")
    view = await service.confirm_reservation(staff, R1)
    r = view.reservation
    assert r.state == ReservationState.READY
    assert (r.confirmed, r.held_until) == (TODAY, D(2026, 11, 26))  # aiz: 10 days
    assert (await copy_view(service, "A-0011")).item.status == CopyStatus.ON_HOLD
    (mail,) = await messages(service, MessageKind.RESERVATION_READY, to=PATRONS["cilda"].email)
    assert "26.11.2026" in mail.body
    assert R1 not in {v.reservation.id for v in await service.staff_reservations(staff)}
    cilda = await login(service, "cilda")
    assert (await reservation(service, cilda, R1)).reservation.held_until == D(2026, 11, 26)


async def test_r6_pickup_days_are_the_librarys_own(service: LibraryService) -> None:
    anna = await login(service, "anna")
    ordered = await service.order(anna, "K-0001")
    staff = await login(service, "kok.darbs")
    view = await service.confirm_reservation(staff, ordered.reservation.id)
    assert view.reservation.held_until == D(2026, 11, 21)  # kok: 5 days


async def test_r6_confirm_twice_is_a_conflict(service: LibraryService) -> None:
    staff = await login(service, "aiz.darbs")
    await service.confirm_reservation(staff, R1)
    with pytest.raises(Conflict):
        await service.confirm_reservation(staff, R1)
    with pytest.raises(Conflict):
        await service.confirm_reservation(staff, R3)  # queued, not waiting


async def test_r7_hold_kept_through_its_last_day(service: LibraryService, clock: FakeClock) -> None:
    clock.set(riga(2026, 11, 22, 23, 59))
    assert R2 not in {v.reservation.id for v in await service.expire_holds()}
    cilda = await login(service, "cilda")
    assert (await reservation(service, cilda, R2)).reservation.state == ReservationState.READY


async def test_r7_expired_hold_returns_copy_to_shelf(
    service: LibraryService, clock: FakeClock
) -> None:
    clock.set(riga(2026, 11, 23, 8))  # the day after 22.11
    expired = await service.expire_holds()
    assert R2 in {v.reservation.id for v in expired}
    cilda = await login(service, "cilda")
    assert (await reservation(service, cilda, R2)).reservation.state == ReservationState.EXPIRED
    view = await copy_view(service, "A-0012")
    assert (view.item.status, view.offer.kind) == (CopyStatus.AVAILABLE, OfferKind.ORDER)


async def test_r7_expiry_happens_without_being_asked(
    service: LibraryService, clock: FakeClock
) -> None:
    clock.set(riga(2026, 11, 25, 12))
    cilda = await login(service, "cilda")
    assert (await reservation(service, cilda, R2)).reservation.state == ReservationState.EXPIRED


async def test_r7_expired_hold_passes_to_next_in_queue(
    service: LibraryService, clock: FakeClock
) -> None:
    anna = await login(service, "anna")
    dainis = await login(service, "dainis")
    first = (await service.order(anna, "A-0012")).reservation
    second = (await service.order(dainis, "A-0012")).reservation
    assert (first.position, second.position) == (1, 2)

    clock.set(riga(2026, 11, 23, 10))
    await service.expire_holds()
    anna = await login(service, "anna")
    dainis = await login(service, "dainis")
    mine = (await reservation(service, anna, first.id)).reservation
    assert mine.state == ReservationState.READY
    assert mine.held_until == D(2026, 12, 3)  # 23.11 + 10 days
    theirs = (await reservation(service, dainis, second.id)).reservation
    assert (theirs.state, theirs.position) == (ReservationState.QUEUED, 1)
    assert (await copy_view(service, "A-0012")).item.status == CopyStatus.ON_HOLD
    (mail,) = await messages(service, MessageKind.RESERVATION_READY, to=PATRONS["anna"].email)
    assert "03.12.2026" in mail.body


async def test_r7_rejected_reservation_passes_copy_on(service: LibraryService) -> None:
    anna = await login(service, "anna")
    queued = (await service.order(anna, "A-0011")).reservation
    staff = await login(service, "aiz.darbs")
    rejected = await service.reject_reservation(staff, R1, "Eksemplārs bojāts")
    assert rejected.reservation.state == ReservationState.REJECTED
    assert rejected.reservation.note == "Eksemplārs bojāts"
    nxt = (await reservation(service, anna, queued.id)).reservation
    assert (nxt.state, nxt.held_until) == (ReservationState.READY, D(2026, 11, 26))
    assert (await copy_view(service, "A-0011")).item.status == CopyStatus.ON_HOLD


async def test_r7_rejected_reservation_without_queue_returns_copy(
    service: LibraryService,
) -> None:
    staff = await login(service, "aiz.darbs")
    await service.reject_reservation(staff, R1, "Nav")
    assert (await copy_view(service, "A-0011")).offer.kind == OfferKind.ORDER


async def test_r7_cancelled_hold_returns_copy_and_cannot_be_cancelled_again(
    service: LibraryService,
) -> None:
    cilda = await login(service, "cilda")
    view = await service.cancel_reservation(cilda, R2)
    assert view.reservation.state == ReservationState.CANCELLED
    assert not view.cancel.allowed
    assert (await copy_view(service, "A-0012")).offer.kind == OfferKind.ORDER
    with pytest.raises(Refused) as caught:
        await service.cancel_reservation(cilda, R2)
    assert caught.value.refusal.lv and caught.value.refusal.en
    # Ended reservations stay listed (for 30 days).
    assert (await reservation(service, cilda, R2)).reservation.state == ReservationState.CANCELLED


async def test_r7_ended_reservations_stay_listed_for_30_days(
    service: LibraryService, clock: FakeClock
) -> None:
    cilda = await login(service, "cilda")
    await service.cancel_reservation(cilda, R2)
    clock.advance(days=29)
    cilda = await login(service, "cilda")
    assert R2 in {v.reservation.id for v in await service.reservations(cilda)}
    clock.advance(days=2)
    cilda = await login(service, "cilda")
    listed = {v.reservation.id for v in await service.reservations(cilda)}
    assert R2 not in listed
    assert R3 in listed  # still queued: active ones stay


def test_r7_hold_expires_the_day_after() -> None:
    assert not rules.hold_expired(D(2026, 11, 22), D(2026, 11, 22))
    assert rules.hold_expired(D(2026, 11, 22), D(2026, 11, 23))
    assert rules.hold_until(TODAY, KOK_RULES) == D(2026, 11, 21)
