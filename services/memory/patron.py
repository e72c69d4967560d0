"""The catalog (R1–R4) and a patron's own account (R6–R13), in memory."""

from __future__ import annotations

from collections.abc import Callable

from services import messages, rules
from services.errors import InvalidInput, NotFound, Refused
from services.memory.base import MemoryBase
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
    Message,
    MessageKind,
    OfferKind,
    Page,
    Record,
    RenewalState,
    Reservation,
    ReservationState,
    ReservationView,
    SearchHit,
    SearchQuery,
    Session,
    Verdict,
)


class PatronMixin(MemoryBase):
    # ------------------------------------------------------------------ catalog

    async def libraries(self) -> list[Library]:
        async with self._begin() as (store, _):
            return [library.model_copy(deep=True) for library in store.libraries.values()]

    async def search(self, query: SearchQuery) -> Page[SearchHit]:
        async with self._begin() as (store, _):
            within = None
            checks: list[Callable[[int], bool]] = []
            if query.library_id is not None:
                within = store.library_records.get(query.library_id, set())
            if query.material_type is not None:
                of_type = store.type_records.get(query.material_type, set())
                if within is None:
                    within = of_type
                else:
                    checks.append(of_type.__contains__)
            if query.available_now:
                library_id = query.library_id

                def available(record_id: int) -> bool:
                    return any(
                        store.orderable(b)
                        for b in store.record_copies.get(record_id, ())
                        if library_id is None or store.copies[b].library_id == library_id
                    )

                checks.append(available)
            predicate = None
            if checks:

                def predicate(record_id: int) -> bool:
                    return all(check(record_id) for check in checks)

            ids, total = store.index.search(
                query.text, query.offset, query.limit, within=within, predicate=predicate
            )
            hits = []
            for record_id in ids:
                record = store.records[record_id]
                barcodes = store.record_copies.get(record_id, [])
                hits.append(
                    SearchHit(
                        id=record.id,
                        title=record.title,
                        authors=list(record.authors),
                        year=record.year,
                        material_type=record.material_type,
                        copies=len(barcodes),
                        available=sum(store.orderable(b) for b in barcodes),
                    )
                )
            return Page[SearchHit](items=hits, offset=query.offset, total=total)

    async def record(self, record_id: int) -> Record:
        async with self._begin() as (store, _):
            record = store.records.get(record_id)
            if record is None:
                raise NotFound()
            return record.model_copy(deep=True)

    async def copies(self, record_id: int, offset: int = 0, limit: int = 50) -> Page[CopyView]:
        async with self._begin() as (store, now):
            if record_id not in store.records:
                raise NotFound()
            barcodes = store.record_copies.get(record_id, [])
            offset, limit = max(0, offset), max(1, limit)
            items = [store.copy_view(b, now.date()) for b in barcodes[offset : offset + limit]]
            return Page[CopyView](items=items, offset=offset, total=len(barcodes))

    # ------------------------------------------------------------------ account

    async def loans(self, session: Session) -> list[LoanView]:
        async with self._begin() as (store, now):
            patron = self._patron(store, session)
            current = sorted(store.current_loans(patron.id), key=lambda loan: (loan.due, loan.id))
            return [store.loan_view(loan, now.date()) for loan in current]

    async def loan_history(self, session: Session) -> list[HistoryEntry]:
        async with self._begin() as (store, _):
            patron = self._patron(store, session)
            loans = [store.loans[i] for i in store.patron_loans.get(patron.id, ())]
            returned = [loan for loan in loans if loan.returned is not None]
            returned.sort(key=lambda loan: (loan.returned, loan.id), reverse=True)
            return [store.history_entry(loan) for loan in returned]

    async def reservations(self, session: Session) -> list[ReservationView]:
        async with self._begin() as (store, now):
            patron = self._patron(store, session)
            today = now.date()
            mine = [store.reservations[i] for i in store.patron_reservations.get(patron.id, ())]
            active = sorted((r for r in mine if r.state.active), key=lambda r: (r.created, r.id))
            ended = [r for r in mine if not r.state.active and store.recent(r, today)]
            ended.sort(key=lambda r: (store.ended.get(r.id, r.created.date()), r.id), reverse=True)
            return [store.reservation_view(r, today) for r in active + ended]

    async def free_requests(self, session: Session) -> list[FreeRequestView]:
        async with self._begin() as (store, _):
            patron = self._patron(store, session)
            mine = [fr for fr in store.free_requests.values() if fr.patron_id == patron.id]
            mine.sort(key=lambda fr: (fr.submitted, fr.id), reverse=True)
            return [store.free_request_view(fr) for fr in mine]

    async def free_request_offer(self, session: Session) -> Verdict:
        async with self._begin() as (store, now):
            patron = self._patron(store, session)
            return rules.free_request_verdict(store.current_loans(patron.id), now.date())

    async def order(self, session: Session, barcode: str) -> ReservationView:
        async with self._begin() as (store, now):
            patron = self._patron(store, session)
            today = now.date()
            copy = store.copies.get(barcode.strip())
            if copy is None:
                raise NotFound()
            offer = store.offer(copy.barcode, today)
            if offer.kind == OfferKind.READING_ROOM:
                raise Refused(rules.reading_room())
            if offer.kind == OfferKind.CONTACT:
                raise Refused(offer.refusal or rules.not_orderable())
            mine = [store.reservations[i] for i in store.patron_reservations.get(patron.id, ())]
            if any(r.state.active and r.barcode == copy.barcode for r in mine):
                raise Refused(rules.already_reserved())
            loan_id = store.current_loan.get(copy.barcode)
            if loan_id is not None and store.loans[loan_id].patron_id == patron.id:
                raise Refused(rules.own_loan())
            limit = store.rules_of(copy.library_id).reservation_limit
            if sum(r.state.active and r.library_id == copy.library_id for r in mine) >= limit:
                raise Refused(rules.reservation_limit(limit))
            queued = offer.kind == OfferKind.QUEUE
            res = Reservation(
                id=store.new_reservation_id(),
                patron_id=patron.id,
                barcode=copy.barcode,
                record_id=copy.record_id,
                library_id=copy.library_id,
                state=ReservationState.QUEUED if queued else ReservationState.REQUESTED,
                created=now,
                position=store.queue_length(copy.barcode) + 1 if queued else 0,
            )
            store.put_reservation(res)
            store.patron_reservations[patron.id].append(res.id)
            if queued:
                store.queue[copy.barcode].append(res.id)
            else:
                store.holder[copy.barcode] = res.id
                store.set_status(copy.barcode, CopyStatus.RESERVED)
            record = store.records[copy.record_id]
            text = messages.reservation_received(
                patron.language, patron.name, record.title, list(record.authors),
                store.library_name(copy.library_id), res.position,
            )
            store.send(patron.id, MessageKind.RESERVATION_RECEIVED, text, now)
            return store.reservation_view(res, today)

    async def cancel_reservation(self, session: Session, reservation_id: int) -> ReservationView:
        async with self._begin() as (store, now):
            patron = self._patron(store, session)
            res = store.reservations.get(reservation_id)
            if res is None or res.patron_id != patron.id:
                raise NotFound()
            if not res.state.active:
                raise Refused(rules.not_active())
            held = store.holder.get(res.barcode) == res.id
            cancelled = store.end(res, ReservationState.CANCELLED, now.date())
            if held:
                store.pass_on(res.barcode, now.date(), now)
            return store.reservation_view(cancelled, now.date())

    async def request_renewal(self, session: Session, loan_id: int) -> LoanView:
        async with self._begin() as (store, now):
            patron = self._patron(store, session)
            loan = store.loans.get(loan_id)
            if loan is None or loan.patron_id != patron.id or loan.returned is not None:
                raise NotFound()
            verdict = store.loan_view(loan, now.date()).renew
            if not verdict.allowed and verdict.refusal is not None:
                raise Refused(verdict.refusal)
            loan = loan.model_copy(update={"renewal": RenewalState.PENDING})
            store.loans[loan.id] = loan
            return store.loan_view(loan, now.date())

    async def submit_free_request(self, session: Session, form: FreeRequestForm) -> FreeRequestView:
        async with self._begin() as (store, now):
            patron = self._patron(store, session)
            verdict = rules.free_request_verdict(store.current_loans(patron.id), now.date())
            if not verdict.allowed and verdict.refusal is not None:
                raise Refused(verdict.refusal)
            clean = rules.validate_free_request(form, store.libraries)
            request = FreeRequest(
                id=store.new_request_id(),
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
            )
            store.free_requests[request.id] = request
            text = messages.free_request(
                patron.language, "received", patron.name, request.title,
                store.library_name(request.library_id), "", request.review_by,
            )
            store.send(patron.id, MessageKind.FREE_REQUEST_RECEIVED, text, now)
            return store.free_request_view(request)

    async def send_list(self, record_ids: list[int], email: str, language: str = "lv") -> Message:
        async with self._begin() as (store, now):
            address = rules.validate_email(email)
            unique = list(dict.fromkeys(record_ids))
            if not unique or len(unique) > rules.LIST_MAX or any(
                i not in store.records for i in unique
            ):
                raise InvalidInput(
                    "records",
                    f"Sarakstā jābūt no 1 līdz {rules.LIST_MAX} kataloga ierakstiem.",
                    f"The list must hold 1 to {rules.LIST_MAX} records of the catalog.",
                )
            if len(store.waiting_lists) >= rules.LISTS_WAITING_MAX:
                raise Refused(rules.lists_waiting())
            text = messages.record_list(language, [store.records[i] for i in unique])
            return store.send_to(address, language, MessageKind.LIST, text, now)

    async def outbox(self) -> list[Message]:
        async with self._begin() as (store, _):
            return list(store.outbox.values())
