"""The circulation desk (R14) in memory: queues to process, check-out, check-in."""

from __future__ import annotations

from datetime import timedelta
from typing import TypeVar

from services import messages, rules
from services.errors import Conflict, NotFound, Refused
from services.memory.base import MemoryBase
from services.models import (
    CheckInResult,
    CopyStatus,
    FreeRequestState,
    FreeRequestView,
    Loan,
    LoanView,
    MessageKind,
    Patron,
    PatronAccount,
    RenewalState,
    Reservation,
    ReservationState,
    ReservationView,
    Session,
)
from services.store import Store
from services.text import clean, fold


def _reason(text: str) -> str:
    return clean(text).strip()[:500]


View = TypeVar("View", LoanView, ReservationView, FreeRequestView)


def _with_patron(store: Store, view: View) -> View:
    """``view`` saying whose it is, for the desk."""
    item = view.loan if isinstance(view, LoanView) else (
        view.reservation if isinstance(view, ReservationView) else view.request
    )
    return view.model_copy(update={"patron": store.patron(item.patron_id)})


class StaffMixin(MemoryBase):
    # ------------------------------------------------------------- reservations

    async def staff_reservations(self, session: Session) -> list[ReservationView]:
        async with self._begin() as (store, now):
            _, library_id = self._staff(store, session)
            waiting = [
                r for r in store.reservations.values()
                if r.library_id == library_id and r.state == ReservationState.REQUESTED
            ]
            waiting.sort(key=lambda r: (r.created, r.id))
            return [_with_patron(store, store.reservation_view(r, now.date())) for r in waiting]

    def _staff_reservation(
        self, store: Store, session: Session, reservation_id: int
    ) -> Reservation:
        _, library_id = self._staff(store, session)
        res = store.reservations.get(reservation_id)
        if res is None:
            raise NotFound()
        self._own_library(res.library_id, library_id)
        if res.state != ReservationState.REQUESTED:
            raise Conflict()
        return res

    async def confirm_reservation(self, session: Session, reservation_id: int) -> ReservationView:
        async with self._begin() as (store, now):
            res = self._staff_reservation(store, session, reservation_id)
            ready = store.make_ready(res, now.date(), now)
            return store.reservation_view(ready, now.date())

    async def reject_reservation(
        self, session: Session, reservation_id: int, reason: str
    ) -> ReservationView:
        async with self._begin() as (store, now):
            res = self._staff_reservation(store, session, reservation_id)
            note = _reason(reason)
            rejected = store.end(res, ReservationState.REJECTED, now.date(), note)
            patron = store.patron(res.patron_id)
            record = store.records[res.record_id]
            text = messages.reservation_rejected(
                patron.language, patron.name, record.title, list(record.authors),
                store.library_name(res.library_id), note,
            )
            store.send(patron.id, MessageKind.RESERVATION_REJECTED, text, now)
            store.pass_on(res.barcode, now.date(), now)
            return store.reservation_view(rejected, now.date())

    # ----------------------------------------------------------------- renewals

    async def staff_renewals(self, session: Session) -> list[LoanView]:
        async with self._begin() as (store, now):
            _, library_id = self._staff(store, session)
            pending = [
                loan for loan in store.loans.values()
                if loan.library_id == library_id
                and loan.returned is None
                and loan.renewal == RenewalState.PENDING
            ]
            pending.sort(key=lambda loan: (loan.due, loan.id))
            return [_with_patron(store, store.loan_view(loan, now.date())) for loan in pending]

    def _pending_loan(self, store: Store, session: Session, loan_id: int) -> Loan:
        _, library_id = self._staff(store, session)
        loan = store.loans.get(loan_id)
        if loan is None:
            raise NotFound()
        self._own_library(loan.library_id, library_id)
        if loan.returned is not None or loan.renewal != RenewalState.PENDING:
            raise Conflict()
        return loan

    async def approve_renewal(self, session: Session, loan_id: int) -> LoanView:
        async with self._begin() as (store, now):
            loan = self._pending_loan(store, session, loan_id)
            days = store.rules_of(loan.library_id).renewal_days
            loan = loan.model_copy(
                update={
                    "due": loan.due + timedelta(days=days),
                    "renewals": loan.renewals + 1,
                    "renewal": RenewalState.NONE,
                    "last_renewal_note": "",
                }
            )
            store.loans[loan.id] = loan
            text = messages.renewal_approved(*store._about(loan), loan.due)
            store.send(loan.patron_id, MessageKind.RENEWAL_APPROVED, text, now)
            return store.loan_view(loan, now.date())

    async def deny_renewal(self, session: Session, loan_id: int, reason: str) -> LoanView:
        async with self._begin() as (store, now):
            loan = self._pending_loan(store, session, loan_id)
            note = _reason(reason)
            loan = loan.model_copy(
                update={"renewal": RenewalState.NONE, "last_renewal_note": note}
            )
            store.loans[loan.id] = loan
            text = messages.renewal_denied(*store._about(loan), loan.due, note)
            store.send(loan.patron_id, MessageKind.RENEWAL_DENIED, text, now)
            return store.loan_view(loan, now.date())

    # ------------------------------------------------------------ free requests

    async def staff_free_requests(self, session: Session) -> list[FreeRequestView]:
        async with self._begin() as (store, _):
            _, library_id = self._staff(store, session)
            open_states = (FreeRequestState.SENT, FreeRequestState.ACCEPTED)
            found = [
                fr for fr in store.free_requests.values()
                if fr.library_id == library_id and fr.state in open_states
            ]
            found.sort(key=lambda fr: (fr.submitted, fr.id))
            return [_with_patron(store, store.free_request_view(fr)) for fr in found]

    async def _process_request(
        self,
        session: Session,
        request_id: int,
        allowed: tuple[FreeRequestState, ...],
        state: FreeRequestState,
        note: str,
    ) -> FreeRequestView:
        async with self._begin() as (store, now):
            _, library_id = self._staff(store, session)
            request = store.free_requests.get(request_id)
            if request is None:
                raise NotFound()
            self._own_library(request.library_id, library_id)
            if request.state not in allowed:
                raise Conflict()
            text_note = _reason(note)
            update: dict[str, object] = {"state": state}
            if text_note:
                update["note"] = text_note
            request = request.model_copy(update=update)
            store.free_requests[request.id] = request
            patron = store.patron(request.patron_id)
            text = messages.free_request(
                patron.language, state.value, patron.name, request.title,
                store.library_name(request.library_id), text_note, request.review_by,
            )
            store.send(patron.id, MessageKind(f"free_request_{state.value}"), text, now)
            return store.free_request_view(request)

    async def accept_free_request(
        self, session: Session, request_id: int, note: str = ""
    ) -> FreeRequestView:
        return await self._process_request(
            session, request_id, (FreeRequestState.SENT,), FreeRequestState.ACCEPTED, note
        )

    async def fulfil_free_request(
        self, session: Session, request_id: int, note: str = ""
    ) -> FreeRequestView:
        allowed = (FreeRequestState.SENT, FreeRequestState.ACCEPTED)
        return await self._process_request(
            session, request_id, allowed, FreeRequestState.FULFILLED, note
        )

    async def reject_free_request(
        self, session: Session, request_id: int, note: str
    ) -> FreeRequestView:
        allowed = (FreeRequestState.SENT, FreeRequestState.ACCEPTED)
        return await self._process_request(
            session, request_id, allowed, FreeRequestState.REJECTED, note
        )

    # --------------------------------------------------------------------- desk

    async def find_patrons(self, session: Session, text: str) -> list[Patron]:
        async with self._begin() as (store, _):
            self._staff(store, session)
            needle = text.strip()
            if not needle:
                return []
            parts = fold(needle).split()
            found = [
                account.patron for account in store.accounts.values()
                if account.patron.card_number.startswith(needle)
                or account.patron.username.casefold() == needle.casefold()
                or all(p in fold(account.patron.name) for p in parts)
            ]
            found.sort(key=lambda p: (p.card_number != needle, p.name, p.id))
            return found[:50]

    async def patron_account(self, session: Session, patron_id: int) -> PatronAccount:
        async with self._begin() as (store, now):
            _, library_id = self._staff(store, session)
            if patron_id not in store.accounts:
                raise NotFound()
            today = now.date()
            loans = sorted(
                (loan for loan in store.current_loans(patron_id) if loan.library_id == library_id),
                key=lambda loan: (loan.due, loan.id),
            )
            reservations = [
                store.reservations[i] for i in store.patron_reservations.get(patron_id, ())
            ]
            active = sorted(
                (r for r in reservations if r.state.active and r.library_id == library_id),
                key=lambda r: (r.created, r.id),
            )
            requests = sorted(
                (fr for fr in store.free_requests.values()
                 if fr.patron_id == patron_id and fr.library_id == library_id),
                key=lambda fr: (fr.submitted, fr.id), reverse=True,
            )
            return PatronAccount(
                patron=store.patron(patron_id),
                loans=[store.loan_view(loan, today) for loan in loans],
                reservations=[store.reservation_view(r, today) for r in active],
                free_requests=[store.free_request_view(fr) for fr in requests],
                blocks=[rules.blocked_overdue()] if store.has_overdue(patron_id, today) else [],
            )

    async def check_out(self, session: Session, card_number: str, barcode: str) -> LoanView:
        async with self._begin() as (store, now):
            _, library_id = self._staff(store, session)
            today = now.date()
            copy = store.copies.get(barcode.strip())
            if copy is None:
                raise NotFound()
            self._own_library(copy.library_id, library_id)
            patron_id = store.by_card.get(card_number.strip())
            if patron_id is None:
                raise NotFound()
            if store.has_overdue(patron_id, today):
                raise Refused(rules.blocked_overdue())
            library = store.libraries[copy.library_id]
            collection = library.collection(copy.collection)
            if collection is not None and collection.reading_room:
                raise Refused(rules.reading_room())
            holder_id = store.holder.get(copy.barcode)
            holder = store.reservations[holder_id] if holder_id is not None else None
            if holder is not None and holder.patron_id != patron_id:
                raise Refused(rules.held_for_other())
            shelf = (CopyStatus.AVAILABLE, CopyStatus.RESERVED, CopyStatus.ON_HOLD)
            if copy.status not in shelf or copy.barcode in store.current_loan:
                raise Refused(rules.not_on_shelf())
            if copy.status != CopyStatus.AVAILABLE and holder is None:
                raise Refused(rules.held_for_other())
            if holder is not None:
                store.end(holder, ReservationState.COLLECTED, today)
            loan = Loan(
                id=store.new_loan_id(),
                patron_id=patron_id,
                barcode=copy.barcode,
                record_id=copy.record_id,
                library_id=copy.library_id,
                checked_out=today,
                due=rules.due_date(today, library.rules),
            )
            store.loans[loan.id] = loan
            store.patron_loans[patron_id].append(loan.id)
            store.current_loan[copy.barcode] = loan.id
            store.set_status(copy.barcode, CopyStatus.ON_LOAN)
            return store.loan_view(loan, today)

    async def check_in(self, session: Session, barcode: str) -> CheckInResult:
        async with self._begin() as (store, now):
            _, library_id = self._staff(store, session)
            today = now.date()
            copy = store.copies.get(barcode.strip())
            if copy is None:
                raise NotFound()
            self._own_library(copy.library_id, library_id)
            closed = None
            loan_id = store.current_loan.pop(copy.barcode, None)
            if loan_id is not None:
                closed = store.loans[loan_id].model_copy(
                    update={"returned": today, "renewal": RenewalState.NONE}
                )
                store.loans[loan_id] = closed
            next_res = None
            if copy.barcode not in store.holder and (
                closed is not None or copy.status not in (CopyStatus.AVAILABLE,)
            ):
                next_res = store.pass_on(copy.barcode, today, now)
            record = store.records.get(copy.record_id)
            return CheckInResult(
                barcode=copy.barcode,
                title=record.title if record else "",
                loan=closed,
                next_reservation=store.reservation_view(next_res, today) if next_res else None,
                hold_for=store.patron(next_res.patron_id) if next_res else None,
            )

    async def expire_holds(self) -> list[ReservationView]:
        async with self._locked() as store:
            now = self._clock.now()
            expired = store.expire(now.date(), now)
            store.remind(now.date(), now)
            return [store.reservation_view(r, now.date()) for r in expired]
