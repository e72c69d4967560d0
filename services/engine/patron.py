"""The catalog (R1–R4) and a patron's own account (R6–R13), on the database."""

from __future__ import annotations

from xml.sax import SAXException

import sqlalchemy as sa

from services import messages, rules
from services.engine.base import SqlBase
from services.engine.tx import Tx
from services.errors import InvalidInput, NotFound, Refused
from services.models import (
    CopyStatus,
    CopyView,
    FreeRequest,
    FreeRequestForm,
    FreeRequestState,
    FreeRequestView,
    HistoryEntry,
    Library,
    LoanView,
    MarcView,
    Message,
    MessageKind,
    OfferKind,
    Page,
    Record,
    RenewalState,
    Reservation,
    ReservationState,
    ReservationView,
    SearchCounts,
    SearchHit,
    SearchPage,
    SearchQuery,
    Session,
    Verdict,
)
from services.storage import rows
from services.storage import schema as s


class PatronPart(SqlBase):
    # ------------------------------------------------------------------ catalog

    async def libraries(self) -> list[Library]:
        return await self._call(lambda tx: list(tx.libraries.values()), reads=True)

    async def search(self, query: SearchQuery) -> SearchPage:
        return await self._call(self._search, query, reads=True)

    @staticmethod
    def _search(tx: Tx, query: SearchQuery) -> SearchPage:
        from services.storage.search import copy_counts, facets, search

        ids, total, more = search(tx.db, query)
        found = tx.records(ids, details=False)
        counted = copy_counts(tx.db, ids)
        hits = []
        for record_id in ids:
            record = found[record_id]
            copies, available = counted.get(record_id, (0, 0))
            hits.append(SearchHit(
                id=record.id,
                title=record.title,
                authors=list(record.authors),
                year=record.year,
                material_type=record.material_type,
                copies=copies,
                available=available,
            ))
        counts = None
        if query.counts:
            # what each choice of the filter lists would find: the text and
            # "available now", without the library and type chosen now
            found = facets(tx.db, query.model_copy(update={"library_id": None,
                                                           "material_type": None}))
            if found is not None:  # else too many to count
                counts = SearchCounts(libraries=found["library_id"],
                                      material_types=found["material_type"],
                                      languages=found["language"])
        return SearchPage(items=hits, offset=query.offset, total=total, more=more,
                          counts=counts)

    async def record(self, record_id: int) -> Record:
        def work(tx: Tx) -> Record:
            record = tx.record(record_id)
            if record is None:
                raise NotFound()
            return record

        return await self._call(work, reads=True)

    async def record_marc(self, record_id: int) -> MarcView:
        # pymarc, behind the MARC view, is a good part of a server's start: not before it is asked
        from services.marc.view import from_marcxml, marc_view, record_as_marc

        def work(tx: Tx) -> MarcView:
            record = tx.record(record_id)
            if record is None:
                raise NotFound()
            stored = tx.scalar(sa.select(s.record_marc.c.marcxml)
                               .where(s.record_marc.c.record_id == record_id))
            if stored is not None:
                try:
                    return marc_view(from_marcxml(stored))
                except (ValueError, SAXException):  # unreadable: as its fields make it
                    pass
            return marc_view(record_as_marc(record))

        return await self._call(work, reads=True)

    async def copies(self, record_id: int, offset: int = 0, limit: int = 50) -> Page[CopyView]:
        def work(tx: Tx) -> Page[CopyView]:
            if not tx.record_exists(record_id):
                raise NotFound()
            start, size = max(0, offset), max(1, limit)
            items = [tx.copy_view(c, tx.today) for c in tx.copies_of(record_id, start, size)]
            return Page[CopyView](items=items, offset=start, total=tx.count_copies(record_id))

        return await self._call(work, reads=True)

    # ------------------------------------------------------------------ account

    async def loans(self, session: Session) -> list[LoanView]:
        def work(tx: Tx) -> list[LoanView]:
            patron = self._patron(tx, session)
            current = sorted(tx.current_loans(patron.id), key=lambda loan: (loan.due, loan.id))
            return [tx.loan_view(loan, tx.today) for loan in current]

        return await self._call(work)

    async def loan_history(self, session: Session) -> list[HistoryEntry]:
        def work(tx: Tx) -> list[HistoryEntry]:
            patron = self._patron(tx, session)
            returned = tx.loans_of(patron.id, current=False)
            returned.sort(key=lambda loan: (loan.returned, loan.id), reverse=True)
            return [tx.history_entry(loan) for loan in returned]

        return await self._call(work)

    async def reservations(self, session: Session) -> list[ReservationView]:
        def work(tx: Tx) -> list[ReservationView]:
            patron = self._patron(tx, session)
            today = tx.today
            mine = tx.reservations_with_end(patron.id)
            active = sorted((r for r, _ in mine if r.state.active),
                            key=lambda r: (r.created, r.id))
            ended = [(r, end) for r, end in mine
                     if not r.state.active and tx.recent(r, end, today)]
            ended.sort(key=lambda item: (item[1] or item[0].created.date(), item[0].id),
                       reverse=True)
            return [tx.reservation_view(r, today) for r in active + [r for r, _ in ended]]

        return await self._call(work)

    async def free_requests(self, session: Session) -> list[FreeRequestView]:
        def work(tx: Tx) -> list[FreeRequestView]:
            patron = self._patron(tx, session)
            mine = [tx.free_request_view(fr) for fr in _requests_of(tx, patron.id)]
            mine.sort(key=lambda v: (v.request.submitted, v.request.id), reverse=True)
            return mine

        return await self._call(work)

    async def free_request_offer(self, session: Session) -> Verdict:
        def work(tx: Tx) -> Verdict:
            patron = self._patron(tx, session)
            return rules.free_request_verdict(tx.current_loans(patron.id), tx.today)

        return await self._call(work)

    async def order(self, session: Session, barcode: str) -> ReservationView:
        return await self._call(self._order, session, barcode)

    def _order(self, tx: Tx, session: Session, barcode: str) -> ReservationView:
        patron = self._patron(tx, session)
        today, now = tx.today, tx.now
        copy = tx.copy(barcode.strip())
        if copy is None:
            raise NotFound()
        offer = tx.offer(copy, today)
        if offer.kind == OfferKind.READING_ROOM:
            raise Refused(rules.reading_room())
        if offer.kind == OfferKind.CONTACT:
            raise Refused(offer.refusal or rules.not_orderable())
        mine = tx.reservations_of(patron.id)
        if any(r.state.active and r.barcode == copy.barcode for r in mine):
            raise Refused(rules.already_reserved())
        loan = tx.current_loan(copy.barcode)
        if loan is not None and loan.patron_id == patron.id:
            raise Refused(rules.own_loan())
        limit = tx.rules_of(copy.library_id).reservation_limit
        if sum(r.state.active and r.library_id == copy.library_id for r in mine) >= limit:
            raise Refused(rules.reservation_limit(limit))
        queued = offer.kind == OfferKind.QUEUE
        res = tx.put_reservation(Reservation(
            id=tx.new_id(s.reservations),
            patron_id=patron.id,
            barcode=copy.barcode,
            record_id=copy.record_id,
            library_id=copy.library_id,
            state=ReservationState.QUEUED if queued else ReservationState.REQUESTED,
            created=now,
            position=tx.queue_length(copy.barcode) + 1 if queued else 0,
        ))
        if not queued:
            tx.set_status(copy.barcode, CopyStatus.RESERVED)
        record = tx.record(copy.record_id)
        text = messages.reservation_received(
            patron.language, patron.name, record.title if record else "",
            list(record.authors) if record else [], tx.library_name(copy.library_id),
            res.position,
        )
        tx.send(patron.id, MessageKind.RESERVATION_RECEIVED, text, now)
        return tx.reservation_view(res, today)

    async def cancel_reservation(self, session: Session, reservation_id: int) -> ReservationView:
        def work(tx: Tx) -> ReservationView:
            patron = self._patron(tx, session)
            res = tx.reservation(reservation_id)
            if res is None or res.patron_id != patron.id:
                raise NotFound()
            if not res.state.active:
                raise Refused(rules.not_active())
            holder = tx.holder(res.barcode)
            held = holder is not None and holder.id == res.id
            cancelled = tx.end(res, ReservationState.CANCELLED, tx.today)
            if held:
                tx.pass_on(res.barcode, tx.today, tx.now)
            return tx.reservation_view(cancelled, tx.today)

        return await self._call(work)

    async def request_renewal(self, session: Session, loan_id: int) -> LoanView:
        def work(tx: Tx) -> LoanView:
            patron = self._patron(tx, session)
            loan = tx.loan(loan_id)
            if loan is None or loan.patron_id != patron.id or loan.returned is not None:
                raise NotFound()
            verdict = tx.loan_view(loan, tx.today).renew
            if not verdict.allowed and verdict.refusal is not None:
                raise Refused(verdict.refusal)
            loan = tx.put_loan(loan.model_copy(update={"renewal": RenewalState.PENDING}))
            return tx.loan_view(loan, tx.today)

        return await self._call(work)

    async def submit_free_request(self, session: Session, form: FreeRequestForm) -> FreeRequestView:
        def work(tx: Tx) -> FreeRequestView:
            patron = self._patron(tx, session)
            now = tx.now
            verdict = rules.free_request_verdict(tx.current_loans(patron.id), tx.today)
            if not verdict.allowed and verdict.refusal is not None:
                raise Refused(verdict.refusal)
            clean = rules.validate_free_request(form, tx.libraries)
            request = tx.put_free_request(FreeRequest(
                id=tx.new_id(s.free_requests),
                patron_id=patron.id,
                author=clean.author,
                title=clean.title,
                year=clean.year,
                info=clean.info,
                library_id=clean.library_id,
                collection=clean.collection,
                state=FreeRequestState.SENT,
                submitted=now,
                review_by=rules.review_by(now),
            ))
            text = messages.free_request(
                patron.language, "received", patron.name, request.title,
                tx.library_name(request.library_id), "", request.review_by,
            )
            tx.send(patron.id, MessageKind.FREE_REQUEST_RECEIVED, text, now)
            return tx.free_request_view(request)

        return await self._call(work)

    async def send_list(self, record_ids: list[int], email: str, language: str = "lv") -> Message:
        def work(tx: Tx) -> Message:
            address = rules.validate_email(email)
            unique = list(dict.fromkeys(record_ids))
            found = tx.records(unique, details=False) if len(unique) <= rules.LIST_MAX else {}
            if not unique or len(unique) > rules.LIST_MAX or len(found) != len(unique):
                raise InvalidInput(
                    "records",
                    f"Sarakstā jābūt no 1 līdz {rules.LIST_MAX} kataloga ierakstiem.",
                    f"The list must hold 1 to {rules.LIST_MAX} records of the catalog.",
                )
            if tx.waiting_lists() >= rules.LISTS_WAITING_MAX:
                raise Refused(rules.lists_waiting())
            text = messages.record_list(language, [found[i] for i in unique])
            return tx.send_to(address, language, MessageKind.LIST, text, tx.now)

        return await self._call(work)

    async def outbox(self) -> list[Message]:
        def work(tx: Tx) -> list[Message]:
            query = s.messages.select().order_by(s.messages.c.id)
            return [rows.message_from(row) for row in tx.rows(query)]

        return await self._call(work)


def _requests_of(tx: Tx, patron_id: int) -> list[FreeRequest]:
    query = s.free_requests.select().where(s.free_requests.c.patron_id == patron_id)
    return [rows.request_from(row) for row in tx.rows(query.order_by(s.free_requests.c.id))]
