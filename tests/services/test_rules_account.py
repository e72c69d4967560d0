"""A behaviour test for every rule of ``docs/rules.md`` (continued): free
requests (R9, R10), fines (R11), renewal (R12), messages (R13) and the desk (R14).

Same approach as ``test_rules.py``: through the adapter where a user would see
the rule, the pure functions of ``services.rules`` for tables of cases.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from services import rules
from services.clock import FakeClock
from services.errors import Conflict, Refused
from services.models import (
    CopyStatus,
    FreeRequestForm,
    FreeRequestState,
    Loan,
    MessageKind,
    OfferKind,
    RenewalState,
    ReservationState,
    SearchQuery,
)
from services.protocol import LibraryService
from tests.services.fixtures import (
    AIZ,
    AIZ_RULES,
    F1,
    KOK_RULES,
    L1,
    L2,
    L3,
    L4,
    PATRONS,
    R1,
    R2,
    R3,
    SKR_RULES,
    TODAY,
    riga,
)
from tests.services.support import (
    assert_refusal,
    copy_view,
    loan_view,
    login,
    messages,
    reservation,
)

D = date


# ====================================================================== R9


async def test_r9_free_request_refused_while_overdue(service: LibraryService) -> None:
    boris = await login(service, "boris")
    verdict = await service.free_request_offer(boris)
    assert not verdict.allowed
    assert_refusal(verdict.refusal, "overdue_block")
    assert "nokavēts" in verdict.refusal.lv  # type: ignore[union-attr]
    with pytest.raises(Refused) as caught:
        await service.submit_free_request(
            boris, FreeRequestForm(title="Putni", library_id=AIZ, collection="ab")
        )
    assert_refusal(caught.value.refusal, "overdue_block")
    assert await service.free_requests(boris) == []

    # Returning the overdue book lifts the block.
    staff = await login(service, "aiz.darbs")
    await service.check_in(staff, "A-0010")
    assert (await service.free_request_offer(boris)).allowed


async def test_r9_free_request_offered_on_the_due_day_but_not_after(
    service: LibraryService, clock: FakeClock
) -> None:
    clock.set(riga(2026, 12, 1, 20))  # cilda's L1 is due today
    cilda = await login(service, "cilda")
    assert (await service.free_request_offer(cilda)).allowed
    clock.set(riga(2026, 12, 2, 9))
    cilda = await login(service, "cilda")
    assert_refusal((await service.free_request_offer(cilda)).refusal, "overdue_block")


# ===================================================================== R10


async def _submitted_at(service: LibraryService, clock: FakeClock, moment: datetime) -> datetime:
    clock.set(moment)
    anna = await login(service, "anna")
    view = await service.submit_free_request(
        anna, FreeRequestForm(title="Putni", author="-", year="-", library_id=AIZ, collection="ab")
    )
    assert view.request.state == FreeRequestState.SENT
    assert view.request.submitted == moment
    listed = [v for v in await service.free_requests(anna) if v.request.id == view.request.id]
    assert listed[0].request.review_by == view.request.review_by
    return view.request.review_by


async def test_r10_review_deadline_is_24_working_hours(
    service: LibraryService, clock: FakeClock
) -> None:
    review = await _submitted_at(service, clock, riga(2026, 11, 16, 10))  # Monday
    assert review == riga(2026, 11, 17, 10)


async def test_r10_review_deadline_skips_weekend(service: LibraryService, clock: FakeClock) -> None:
    assert await _submitted_at(service, clock, riga(2026, 11, 20, 15)) == riga(2026, 11, 23, 15)
    assert await _submitted_at(service, clock, riga(2026, 11, 21, 10)) == riga(2026, 11, 24, 0)


async def test_r10_review_deadline_skips_latvian_holiday(
    service: LibraryService, clock: FakeClock
) -> None:
    # 18.11 is Proclamation Day (a Wednesday).
    assert await _submitted_at(service, clock, riga(2026, 11, 17, 10)) == riga(2026, 11, 19, 10)
    # 24–26.12 Christmas, then the weekend.
    assert await _submitted_at(service, clock, riga(2026, 12, 23, 10)) == riga(2026, 12, 28, 10)
    # 31.12 New Year's Eve and 1.1 New Year's Day, then the weekend.
    assert await _submitted_at(service, clock, riga(2026, 12, 30, 10)) == riga(2027, 1, 4, 10)


@pytest.mark.parametrize(
    ("submitted", "review"),
    [
        (riga(2026, 11, 16, 0), riga(2026, 11, 17, 0)),
        (riga(2026, 11, 20, 15), riga(2026, 11, 23, 15)),  # Friday → Monday
        (riga(2026, 11, 21, 10), riga(2026, 11, 24, 0)),  # Saturday → Tuesday 00:00
        (riga(2026, 11, 22, 23, 30), riga(2026, 11, 24, 0)),  # Sunday → Tuesday 00:00
        (riga(2026, 11, 17, 10), riga(2026, 11, 19, 10)),  # over Proclamation Day
        (riga(2026, 11, 18, 12), riga(2026, 11, 20, 0)),  # on Proclamation Day
        (riga(2026, 12, 23, 10), riga(2026, 12, 28, 10)),  # over Christmas
        (riga(2026, 12, 30, 10), riga(2027, 1, 4, 10)),  # over New Year
    ],
)
def test_r10_review_by_counts_working_hours_only(submitted: datetime, review: datetime) -> None:
    assert rules.review_by(submitted) == review


# ===================================================================== R11


async def test_r11_overdue_loan_shows_days_and_fine(service: LibraryService) -> None:
    view = await loan_view(service, "boris", L3)
    assert (view.overdue_days, view.fine) == (10, Decimal("1.00"))  # aiz: 0,10 € a day
    fresh = await loan_view(service, "cilda", L1)
    assert (fresh.overdue_days, fresh.fine) == (0, Decimal(0))


async def test_r11_fine_uses_loan_library_rules_with_grace_and_cap(
    service: LibraryService, clock: FakeClock
) -> None:
    # L2 is a kok loan due 07.12.2026: 3 days' grace, 0,20 € a day, at most 2,00 €.
    cases = [
        (D(2026, 12, 7), 0, "0.00"),
        (D(2026, 12, 10), 3, "0.00"),
        (D(2026, 12, 12), 5, "0.40"),
        (D(2026, 12, 27), 20, "2.00"),
    ]
    for day, days, amount in cases:
        clock.set(riga(day.year, day.month, day.day, 12))
        view = await loan_view(service, "cilda", L2)
        assert (view.overdue_days, view.fine) == (days, Decimal(amount)), day
    # The same day, cilda's aiz loan (due 01.12, no grace, 0,10 €) is fined by aiz's rules.
    view = await loan_view(service, "cilda", L1)
    assert (view.overdue_days, view.fine) == (26, Decimal("2.60"))
    clock.set(riga(2027, 1, 5, 12))  # boris: 60 days × 0,10 € capped at 5,00 €
    view = await loan_view(service, "boris", L3)
    assert (view.overdue_days, view.fine) == (60, Decimal("5.00"))


@pytest.mark.parametrize(
    ("days", "lib_rules", "amount"),
    [
        (0, AIZ_RULES, "0.00"),
        (1, AIZ_RULES, "0.10"),
        (49, AIZ_RULES, "4.90"),
        (51, AIZ_RULES, "5.00"),
        (3, KOK_RULES, "0.00"),
        (4, KOK_RULES, "0.20"),
        (100, KOK_RULES, "2.00"),
        (7, SKR_RULES, "0.35"),
    ],
)
def test_r11_fine_table(days: int, lib_rules: object, amount: str) -> None:
    assert rules.fine(days, lib_rules) == Decimal(amount)  # type: ignore[arg-type]


def test_r11_overdue_days() -> None:
    assert rules.overdue_days(D(2026, 11, 6), TODAY) == 10
    assert rules.overdue_days(D(2026, 12, 1), TODAY) == 0


# ===================================================================== R12


async def test_r12_renewal_offered_while_in_time(service: LibraryService) -> None:
    assert (await loan_view(service, "cilda", L1)).renew.allowed


async def test_r12_renewal_refused_when_overdue_names_the_date(service: LibraryService) -> None:
    view = await loan_view(service, "boris", L3)  # due 06.11.2026
    assert not view.renew.allowed
    assert_refusal(view.renew.refusal, "overdue", mentions=D(2026, 11, 7))
    assert "Nevar pagarināt" in view.renew.refusal.lv  # type: ignore[union-attr]
    boris = await login(service, "boris")
    with pytest.raises(Refused) as caught:
        await service.request_renewal(boris, L3)
    assert_refusal(caught.value.refusal, "overdue", mentions=D(2026, 11, 7))


async def test_r12_renewal_refused_at_limit(service: LibraryService) -> None:
    view = await loan_view(service, "cilda", L2)  # kok allows 1, already renewed once
    assert_refusal(view.renew.refusal, "renewal_limit")
    cilda = await login(service, "cilda")
    with pytest.raises(Refused) as caught:
        await service.request_renewal(cilda, L2)
    assert_refusal(caught.value.refusal, "renewal_limit")


async def test_r12_renewal_refused_while_others_wait(service: LibraryService) -> None:
    view = await loan_view(service, "eva", L4)  # dainis waits for S-0003
    assert_refusal(view.renew.refusal, "queue_waiting")


async def test_r12_renewal_refused_when_someone_joins_the_queue(service: LibraryService) -> None:
    anna = await login(service, "anna")
    await service.order(anna, "A-0009")
    assert_refusal((await loan_view(service, "cilda", L1)).renew.refusal, "queue_waiting")


async def test_r12_renewal_pending_is_refused_first(service: LibraryService) -> None:
    cilda = await login(service, "cilda")
    await service.request_renewal(cilda, L1)
    with pytest.raises(Refused) as caught:
        await service.request_renewal(cilda, L1)
    assert_refusal(caught.value.refusal, "renewal_pending")


def test_r12_renewal_checks_in_order() -> None:
    loan = Loan(
        id=1,
        patron_id=1,
        barcode="X",
        record_id=1,
        library_id=AIZ,
        checked_out=D(2026, 9, 1),
        due=D(2026, 11, 6),
        renewals=2,
        renewal=RenewalState.PENDING,
    )
    steps = [
        ({}, "renewal_pending"),
        ({"renewal": RenewalState.NONE}, "overdue"),
        ({"renewal": RenewalState.NONE, "due": D(2026, 12, 1)}, "renewal_limit"),
        ({"renewal": RenewalState.NONE, "due": D(2026, 12, 1), "renewals": 1}, "queue_waiting"),
    ]
    for change, code in steps:
        verdict = rules.renewal_verdict(loan.model_copy(update=change), AIZ_RULES, TODAY, 1)
        assert_refusal(verdict.refusal, code)
    ok = loan.model_copy(
        update={"renewal": RenewalState.NONE, "due": D(2026, 12, 1), "renewals": 1}
    )
    assert rules.renewal_verdict(ok, AIZ_RULES, TODAY, 0).allowed
    overdue = rules.renewal_verdict(
        loan.model_copy(update={"renewal": RenewalState.NONE}), AIZ_RULES, TODAY, 0
    )
    assert_refusal(overdue.refusal, "overdue", mentions=D(2026, 11, 7))


async def test_r12_approved_renewal_extends_due_date(service: LibraryService) -> None:
    cilda = await login(service, "cilda")
    await service.request_renewal(cilda, L1)
    staff = await login(service, "aiz.darbs")
    assert L1 in {v.loan.id for v in await service.staff_renewals(staff)}
    view = await service.approve_renewal(staff, L1)
    assert view.loan.due == D(2026, 12, 15)  # 01.12 + 14 renewal days
    assert (view.loan.renewals, view.loan.renewal) == (1, RenewalState.NONE)
    assert L1 not in {v.loan.id for v in await service.staff_renewals(staff)}
    mine = await loan_view(service, "cilda", L1)
    assert (mine.loan.due, mine.renew.allowed) == (D(2026, 12, 15), True)
    assert await messages(service, MessageKind.RENEWAL_APPROVED, to=PATRONS["cilda"].email)
    with pytest.raises(Conflict):
        await service.approve_renewal(staff, L1)  # nothing pending any more


async def test_r12_denied_renewal_keeps_due_date_with_reason(service: LibraryService) -> None:
    cilda = await login(service, "cilda")
    await service.request_renewal(cilda, L1)
    staff = await login(service, "aiz.darbs")
    view = await service.deny_renewal(staff, L1, "Grāmata vajadzīga citam")
    assert view.loan.due == D(2026, 12, 1)
    assert view.loan.renewal == RenewalState.NONE
    assert view.loan.last_renewal_note == "Grāmata vajadzīga citam"
    assert await messages(service, MessageKind.RENEWAL_DENIED, to=PATRONS["cilda"].email)


# ===================================================================== R13


async def test_r13_messages_come_from_a_no_reply_address(service: LibraryService) -> None:
    staff = await login(service, "aiz.darbs")
    await service.confirm_reservation(staff, R1)
    (mail,) = await messages(service, MessageKind.RESERVATION_READY)
    assert mail.to == PATRONS["cilda"].email
    assert "no-reply" in mail.sender.lower() or "noreply" in mail.sender.lower()
    assert mail.subject.strip() and mail.body.strip()


async def reminded(service: LibraryService) -> list[tuple[str, str]]:
    """(to, subject) of every due-date reminder so far."""
    return [(m.to, m.subject) for m in await messages(service, MessageKind.DUE_REMINDER)]


async def test_r13_due_date_reminder_n_days_before(
    service: LibraryService, clock: FakeClock
) -> None:
    # eva's L4 (skr, 3 days) is due 30.11, cilda's L1 (aiz, 3 days) 01.12 and
    # her L2 (kok, 5 days) 07.12.
    clock.advance(days=10)  # Thursday 26.11
    await service.libraries()
    assert await reminded(service) == []
    clock.advance(days=1)  # 27.11: three days before 30.11
    await service.libraries()
    await service.libraries()  # a second call the same day sends nothing more
    eva, cilda = PATRONS["eva"].email, PATRONS["cilda"].email
    assert [to for to, _ in await reminded(service)] == [eva]
    clock.advance(days=1)  # 28.11: three days before 01.12
    await service.search(SearchQuery(text="x"))
    assert [to for to, _ in await reminded(service)] == [eva, cilda]
    clock.advance(days=4)  # 02.12: kok reminds five days before 07.12
    await service.libraries()
    reminders = await reminded(service)
    assert len(reminders) == 3 and reminders[2][0] == cilda
    assert "07.12.2026" in reminders[2][1]


async def test_r13_a_renewed_loan_is_reminded_of_its_new_date(
    service: LibraryService, clock: FakeClock
) -> None:
    clock.advance(days=12)  # 28.11: L1 (due 01.12) is reminded of
    cilda = await login(service, "cilda")
    assert any("01.12.2026" in s for _, s in await reminded(service))
    await service.request_renewal(cilda, L1)
    aiz = await login(service, "aiz.darbs")
    renewed = await service.approve_renewal(aiz, L1)
    assert renewed.loan.due == D(2026, 12, 15)
    clock.advance(days=13)  # 11.12: not yet (4 days before)
    await service.libraries()
    assert not any("15.12.2026" in s for _, s in await reminded(service))
    clock.advance(days=1)  # 12.12
    await service.libraries()
    assert sum("15.12.2026" in s for _, s in await reminded(service)) == 1


@pytest.mark.parametrize(
    ("checked_out", "due", "reminded", "today", "expected"),
    [
        (D(2026, 11, 1), D(2026, 11, 30), None, D(2026, 11, 26), False),  # 4 days before
        (D(2026, 11, 1), D(2026, 11, 30), None, D(2026, 11, 27), True),  # 3 days before
        (D(2026, 11, 1), D(2026, 11, 30), None, D(2026, 11, 30), True),  # the due day
        (D(2026, 11, 1), D(2026, 11, 30), None, D(2026, 12, 1), False),  # overdue
        (D(2026, 11, 1), D(2026, 11, 30), D(2026, 11, 30), D(2026, 11, 28), False),  # done
        (D(2026, 11, 1), D(2026, 12, 14), D(2026, 11, 30), D(2026, 12, 12), True),  # renewed
        (D(2026, 11, 28), D(2026, 11, 30), None, D(2026, 11, 28), False),  # lent today
    ],
)
def test_r13_reminder_due_table(
    checked_out: date, due: date, reminded: date | None, today: date, expected: bool
) -> None:
    loan = Loan(id=1, patron_id=1, barcode="X", record_id=1, library_id=AIZ,
                checked_out=checked_out, due=due, reminded=reminded)
    assert rules.reminder_due(loan, AIZ_RULES, today) is expected
    assert rules.reminder_due(loan, AIZ_RULES.model_copy(update={"reminder_days": 0}), today) \
        is False


# ===================================================================== R14


async def test_r14_check_out_lends_for_the_librarys_loan_days(service: LibraryService) -> None:
    aiz = await login(service, "aiz.darbs")
    view = await service.check_out(aiz, PATRONS["anna"].card_number, "A-0001")
    assert (view.loan.checked_out, view.loan.due) == (TODAY, D(2026, 12, 16))  # 30 days
    assert (await copy_view(service, "A-0001")).item.status == CopyStatus.ON_LOAN
    kok = await login(service, "kok.darbs")
    view = await service.check_out(kok, PATRONS["anna"].card_number, "K-0001")
    assert view.loan.due == D(2026, 12, 7)  # 21 days
    anna = await login(service, "anna")
    assert {v.loan.barcode for v in await service.loans(anna)} == {"A-0001", "K-0001"}


@pytest.mark.parametrize(
    ("username", "barcode", "code"),
    [
        ("boris", "A-0001", "blocked_overdue"),
        ("anna", "A-0002", "reading_room"),
        ("anna", "A-0011", "held_for_other"),  # waiting for cilda's confirmation
        ("anna", "A-0012", "held_for_other"),  # on the hold shelf for cilda
        ("anna", "A-0007", "not_on_shelf"),  # in transit
        ("anna", "A-0008", "not_on_shelf"),  # in repair
        ("anna", "A-0009", "not_on_shelf"),  # on loan
    ],
)
async def test_r14_check_out_refused_with_reason(
    service: LibraryService, username: str, barcode: str, code: str
) -> None:
    staff = await login(service, "aiz.darbs")
    with pytest.raises(Refused) as caught:
        await service.check_out(staff, PATRONS[username].card_number, barcode)
    assert_refusal(caught.value.refusal, code)


async def test_r14_check_out_collects_the_patrons_ready_reservation(
    service: LibraryService,
) -> None:
    staff = await login(service, "aiz.darbs")
    view = await service.check_out(staff, PATRONS["cilda"].card_number, "A-0012")
    assert view.loan.patron_id == PATRONS["cilda"].id
    cilda = await login(service, "cilda")
    assert (await reservation(service, cilda, R2)).reservation.state == ReservationState.COLLECTED


async def test_r14_check_in_with_queue_makes_next_reservation(service: LibraryService) -> None:
    staff = await login(service, "aiz.darbs")
    result = await service.check_in(staff, "A-0010")  # boris's loan; cilda waits
    assert result.loan is not None
    assert (result.loan.id, result.loan.returned) == (L3, TODAY)
    assert result.next_reservation is not None
    nxt = result.next_reservation.reservation
    assert (nxt.id, nxt.state, nxt.held_until) == (R3, ReservationState.READY, D(2026, 11, 26))
    assert result.hold_for is not None and result.hold_for.username == "cilda"
    assert (await copy_view(service, "A-0010")).item.status == CopyStatus.ON_HOLD
    assert await messages(service, MessageKind.RESERVATION_READY, to=PATRONS["cilda"].email)
    boris = await login(service, "boris")
    assert await service.loans(boris) == []
    assert [h.loan.id for h in await service.loan_history(boris)] == [L3]


async def test_r14_check_in_without_queue_returns_copy_to_shelf(service: LibraryService) -> None:
    staff = await login(service, "aiz.darbs")
    result = await service.check_in(staff, "A-0009")
    assert result.loan is not None and result.loan.id == L1
    assert result.next_reservation is None
    view = await copy_view(service, "A-0009")
    assert (view.item.status, view.offer.kind) == (CopyStatus.AVAILABLE, OfferKind.ORDER)


async def test_r14_staff_process_free_requests(service: LibraryService) -> None:
    staff = await login(service, "aiz.darbs")
    assert F1 in {v.request.id for v in await service.staff_free_requests(staff)}
    accepted = await service.accept_free_request(staff, F1, "Meklējam")
    assert accepted.request.state == FreeRequestState.ACCEPTED
    done = await service.fulfil_free_request(staff, F1, "Gaida plauktā")
    assert done.request.state == FreeRequestState.FULFILLED
    assert F1 not in {v.request.id for v in await service.staff_free_requests(staff)}
    with pytest.raises(Conflict):
        await service.reject_free_request(staff, F1, "Par vēlu")
    cilda = await login(service, "cilda")
    (mine,) = await service.free_requests(cilda)
    assert mine.request.state == FreeRequestState.FULFILLED
    assert await messages(service, MessageKind.FREE_REQUEST_FULFILLED, to=PATRONS["cilda"].email)


async def test_r14_staff_reject_free_request_with_note(service: LibraryService) -> None:
    staff = await login(service, "aiz.darbs")
    view = await service.reject_free_request(staff, F1, "Nav pieejams")
    assert (view.request.state, view.request.note) == (FreeRequestState.REJECTED, "Nav pieejams")
    with pytest.raises(Conflict):
        await service.accept_free_request(staff, F1)
