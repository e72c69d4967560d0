"""The circulation desk (R14) on the database: queues to process, check-out, check-in."""

from __future__ import annotations

from datetime import timedelta
from typing import TypeVar

import sqlalchemy as sa

from services import messages, rules
from services.engine.base import SqlBase
from services.engine.tx import Tx
from services.errors import Conflict, NotFound, Refused
from services.models import (
    CheckInResult,
    Copy,
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
from services.storage import rows
from services.storage import schema as s
from services.text import clean, words


def _reason(text: str) -> str:
    return clean(text).strip()[:500]


View = TypeVar("View", LoanView, ReservationView, FreeRequestView)


def _starts_with(column: sa.ColumnElement[str], prefix: str,
                 checked: bool = False) -> sa.ColumnElement[bool]:
    """``column`` begins with ``prefix``: a range of its index, exact in code
    point order (``patron_words.word``); ``checked`` adds the exact test, for
    a column in the database's own collation (which may order otherwise).
    No exact test elsewhere: the planner would take it for a rare match."""
    last = ord(prefix[-1]) + 1
    if 0xD800 <= last <= 0xDFFF:  # no character there: the next one is past them
        last = 0xE000
    conditions = [column >= prefix]
    if last <= 0x10FFFF:
        conditions.append(column < prefix[:-1] + chr(last))
    if checked or last > 0x10FFFF:
        conditions.append(sa.func.substr(column, 1, len(prefix)) == prefix)
    return sa.and_(*conditions)


def _patron_search(needle: str, postgresql: bool) -> sa.Select:
    """The desk's look-up (R14), each part from an index: accounts whose card
    number begins with ``needle``, whose username it is (case aside), or
    whose name has, for each word of ``needle``, a word beginning with it
    (case and diacritics aside, ``patron_words``); the card's owner first,
    then by name (code point order, as Python sorts), at most 50."""
    a, pw = s.accounts.c, s.patron_words
    found = [sa.select(a.patron_id).where(_starts_with(a.card_number, needle, True)),
             sa.select(a.patron_id).where(a.login_name == needle.casefold())]
    parts = sorted(set(words(needle)), key=len, reverse=True)
    if parts:  # from the longest word's range, the likeliest to be short
        others = [pw.alias(f"word{n}") for n in range(1, len(parts))]
        found.append(sa.select(pw.c.patron_id).where(_starts_with(pw.c.word, parts[0]), *[
            pw.c.patron_id.in_(sa.select(other.c.patron_id)
                               .where(_starts_with(other.c.word, part)))
            for other, part in zip(others, parts[1:], strict=True)]))
    name = sa.collate(a.name, "C") if postgresql else a.name
    return (s.accounts.select().where(a.patron_id.in_(sa.union(*found)))
            .order_by(sa.case((a.card_number == needle, 0), else_=1), name, a.patron_id)
            .limit(50))


def _with_patron(tx: Tx, view: View) -> View:
    """``view`` saying whose it is, for the desk."""
    item = view.loan if isinstance(view, LoanView) else (
        view.reservation if isinstance(view, ReservationView) else view.request
    )
    return view.model_copy(update={"patron": tx.patron(item.patron_id)})


class StaffPart(SqlBase):
    # ------------------------------------------------------------- reservations

    async def staff_reservations(self, session: Session) -> list[ReservationView]:
        def work(tx: Tx) -> list[ReservationView]:
            _, library_id = self._staff(tx, session)
            r = s.reservations.c
            query = s.reservations.select().where(
                r.library_id == library_id, r.state == ReservationState.REQUESTED.value,
            ).order_by(r.created, r.id)
            waiting = [rows.reservation_from(row) for row in tx.rows(query)]
            return [_with_patron(tx, tx.reservation_view(res, tx.today)) for res in waiting]

        return await self._call(work)

    def _staff_reservation(self, tx: Tx, session: Session, reservation_id: int) -> Reservation:
        _, library_id = self._staff(tx, session)
        res = tx.reservation(reservation_id)
        if res is None:
            raise NotFound()
        self._own_library(res.library_id, library_id)
        if res.state != ReservationState.REQUESTED:
            raise Conflict()
        return res

    async def confirm_reservation(self, session: Session, reservation_id: int) -> ReservationView:
        def work(tx: Tx) -> ReservationView:
            res = self._staff_reservation(tx, session, reservation_id)
            ready = tx.make_ready(res, tx.today, tx.now)
            return tx.reservation_view(ready, tx.today)

        return await self._call(work)

    async def reject_reservation(
        self, session: Session, reservation_id: int, reason: str
    ) -> ReservationView:
        def work(tx: Tx) -> ReservationView:
            res = self._staff_reservation(tx, session, reservation_id)
            note = _reason(reason)
            rejected = tx.end(res, ReservationState.REJECTED, tx.today, note)
            patron = tx.patron(res.patron_id)
            record = tx.record(res.record_id)
            text = messages.reservation_rejected(
                patron.language, patron.name, record.title if record else "",
                list(record.authors) if record else [], tx.library_name(res.library_id), note,
            )
            tx.send(patron.id, MessageKind.RESERVATION_REJECTED, text, tx.now)
            tx.pass_on(res.barcode, tx.today, tx.now)
            return tx.reservation_view(rejected, tx.today)

        return await self._call(work)

    # ----------------------------------------------------------------- renewals

    async def staff_renewals(self, session: Session) -> list[LoanView]:
        def work(tx: Tx) -> list[LoanView]:
            _, library_id = self._staff(tx, session)
            loan = s.loans.c
            query = s.loans.select().where(
                loan.library_id == library_id, loan.returned.is_(None),
                loan.renewal == RenewalState.PENDING.value,
            ).order_by(loan.due, loan.id)
            pending = [rows.loan_from(row) for row in tx.rows(query)]
            return [_with_patron(tx, tx.loan_view(item, tx.today)) for item in pending]

        return await self._call(work)

    def _pending_loan(self, tx: Tx, session: Session, loan_id: int) -> Loan:
        _, library_id = self._staff(tx, session)
        loan = tx.loan(loan_id)
        if loan is None:
            raise NotFound()
        self._own_library(loan.library_id, library_id)
        if loan.returned is not None or loan.renewal != RenewalState.PENDING:
            raise Conflict()
        return loan

    async def approve_renewal(self, session: Session, loan_id: int) -> LoanView:
        def work(tx: Tx) -> LoanView:
            loan = self._pending_loan(tx, session, loan_id)
            days = tx.rules_of(loan.library_id).renewal_days
            loan = tx.put_loan(loan.model_copy(update={
                "due": loan.due + timedelta(days=days),
                "renewals": loan.renewals + 1,
                "renewal": RenewalState.NONE,
                "last_renewal_note": "",
            }))
            text = messages.renewal_approved(*tx._about(loan), loan.due)
            tx.send(loan.patron_id, MessageKind.RENEWAL_APPROVED, text, tx.now)
            return tx.loan_view(loan, tx.today)

        return await self._call(work)

    async def deny_renewal(self, session: Session, loan_id: int, reason: str) -> LoanView:
        def work(tx: Tx) -> LoanView:
            loan = self._pending_loan(tx, session, loan_id)
            note = _reason(reason)
            loan = tx.put_loan(loan.model_copy(
                update={"renewal": RenewalState.NONE, "last_renewal_note": note}))
            text = messages.renewal_denied(*tx._about(loan), loan.due, note)
            tx.send(loan.patron_id, MessageKind.RENEWAL_DENIED, text, tx.now)
            return tx.loan_view(loan, tx.today)

        return await self._call(work)

    # ------------------------------------------------------------ free requests

    async def staff_free_requests(self, session: Session) -> list[FreeRequestView]:
        def work(tx: Tx) -> list[FreeRequestView]:
            _, library_id = self._staff(tx, session)
            fr = s.free_requests.c
            open_states = (FreeRequestState.SENT.value, FreeRequestState.ACCEPTED.value)
            query = s.free_requests.select().where(
                fr.library_id == library_id, fr.state.in_(open_states),
            ).order_by(fr.submitted, fr.id)
            found = [rows.request_from(row) for row in tx.rows(query)]
            return [_with_patron(tx, tx.free_request_view(item)) for item in found]

        return await self._call(work)

    async def _process_request(
        self,
        session: Session,
        request_id: int,
        allowed: tuple[FreeRequestState, ...],
        state: FreeRequestState,
        note: str,
    ) -> FreeRequestView:
        def work(tx: Tx) -> FreeRequestView:
            _, library_id = self._staff(tx, session)
            request = tx.free_request(request_id)
            if request is None:
                raise NotFound()
            self._own_library(request.library_id, library_id)
            if request.state not in allowed:
                raise Conflict()
            text_note = _reason(note)
            update: dict[str, object] = {"state": state}
            if text_note:
                update["note"] = text_note
            request = tx.put_free_request(request.model_copy(update=update))
            patron = tx.patron(request.patron_id)
            text = messages.free_request(
                patron.language, state.value, patron.name, request.title,
                tx.library_name(request.library_id), text_note, request.review_by,
            )
            tx.send(patron.id, MessageKind(f"free_request_{state.value}"), text, tx.now)
            return tx.free_request_view(request)

        return await self._call(work)

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
        def work(tx: Tx) -> list[Patron]:
            self._staff(tx, session)
            needle = text.strip()
            if not needle:
                return []
            query = _patron_search(needle, tx.db.dialect.name == "postgresql")
            return [rows.account_from(row).patron for row in tx.rows(query)]

        return await self._call(work)

    async def patron_account(self, session: Session, patron_id: int) -> PatronAccount:
        def work(tx: Tx) -> PatronAccount:
            _, library_id = self._staff(tx, session)
            if tx.account(patron_id) is None:
                raise NotFound()
            today = tx.today
            loans = sorted(
                (loan for loan in tx.current_loans(patron_id) if loan.library_id == library_id),
                key=lambda loan: (loan.due, loan.id),
            )
            active = sorted(
                (r for r in tx.reservations_of(patron_id)
                 if r.state.active and r.library_id == library_id),
                key=lambda r: (r.created, r.id),
            )
            fr = s.free_requests.c
            query = s.free_requests.select().where(
                fr.patron_id == patron_id, fr.library_id == library_id)
            requests = sorted((rows.request_from(row) for row in tx.rows(query)),
                              key=lambda item: (item.submitted, item.id), reverse=True)
            return PatronAccount(
                patron=tx.patron(patron_id),
                loans=[tx.loan_view(loan, today) for loan in loans],
                reservations=[tx.reservation_view(r, today) for r in active],
                free_requests=[tx.free_request_view(item) for item in requests],
                blocks=[rules.blocked_overdue()] if tx.has_overdue(patron_id, today) else [],
            )

        return await self._call(work)

    async def check_out(self, session: Session, card_number: str, barcode: str) -> LoanView:
        def work(tx: Tx) -> LoanView:
            _, library_id = self._staff(tx, session)
            copy = tx.copy(barcode.strip())
            if copy is None:
                raise NotFound()
            self._own_library(copy.library_id, library_id)
            patron_id = tx.patron_id_of_card(card_number.strip())
            if patron_id is None:
                raise NotFound()
            return lend(tx, copy, patron_id)

        return await self._call(work)

    async def check_in(self, session: Session, barcode: str) -> CheckInResult:
        def work(tx: Tx) -> CheckInResult:
            _, library_id = self._staff(tx, session)
            copy = tx.copy(barcode.strip())
            if copy is None:
                raise NotFound()
            self._own_library(copy.library_id, library_id)
            return take_back(tx, copy)

        return await self._call(work)

    async def expire_holds(self) -> list[ReservationView]:
        def work(tx: Tx) -> list[ReservationView]:
            expired = tx.expire(tx.today, tx.now)
            tx.remind(tx.today, tx.now)
            return [tx.reservation_view(r, tx.today) for r in expired]

        return await self._call(work, catch_up=False)



# ------------------------------------------------------------- circulation


def lend(tx: Tx, copy: Copy, patron_id: int) -> LoanView:
    """Check ``copy`` out to the patron under the rules of R14 (at the desk
    or at a self-service terminal): not to a blocked patron, not a copy used
    in the library, not one held for someone else, only one on the shelf; a
    copy held for this patron ends their reservation as collected."""
    today = tx.today
    if tx.has_overdue(patron_id, today):
        raise Refused(rules.blocked_overdue())
    library = tx.libraries[copy.library_id]
    collection = library.collection(copy.collection)
    in_library = copy.status == CopyStatus.NOT_FOR_LOAN
    if in_library or (collection is not None and collection.reading_room):
        raise Refused(rules.reading_room())
    holder = tx.holder(copy.barcode)
    if holder is not None and holder.patron_id != patron_id:
        raise Refused(rules.held_for_other())
    shelf = (CopyStatus.AVAILABLE, CopyStatus.RESERVED, CopyStatus.ON_HOLD)
    if copy.status not in shelf or tx.current_loan(copy.barcode) is not None:
        raise Refused(rules.not_on_shelf())
    if copy.status != CopyStatus.AVAILABLE and holder is None:
        raise Refused(rules.held_for_other())
    if holder is not None:
        tx.end(holder, ReservationState.COLLECTED, today)
    loan = tx.put_loan(Loan(
        id=tx.new_id(s.loans),
        patron_id=patron_id,
        barcode=copy.barcode,
        record_id=copy.record_id,
        library_id=copy.library_id,
        checked_out=today,
        due=rules.due_date(today, library.rules),
    ))
    tx.set_status(copy.barcode, CopyStatus.ON_LOAN)
    return tx.loan_view(loan, today)


def take_back(tx: Tx, copy: Copy) -> CheckInResult:
    """Take ``copy`` back: its loan ends, and with a queue it becomes the
    next reader's reservation on the hold shelf (R14)."""
    today = tx.today
    closed = None
    loan = tx.current_loan(copy.barcode)
    if loan is not None:
        closed = tx.put_loan(loan.model_copy(
            update={"returned": today, "renewal": RenewalState.NONE}))
    next_res = None
    if tx.holder(copy.barcode) is None and (
        closed is not None or copy.status not in (CopyStatus.AVAILABLE,)
    ):
        next_res = tx.pass_on(copy.barcode, today, tx.now)
    record = tx.record(copy.record_id)
    return CheckInResult(
        barcode=copy.barcode,
        title=record.title if record else "",
        loan=closed,
        next_reservation=tx.reservation_view(next_res, today) if next_res else None,
        hold_for=tx.patron(next_res.patron_id) if next_res else None,
    )
