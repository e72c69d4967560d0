"""``Tx``: one call's view of the region, inside the call's transaction.

Every lookup is a query on the connection, every change a row written
through it; nothing outlives the transaction but what was committed. What
the in-memory store of Mana 0.1 kept as indexes is a query here: the
current loan of a copy is its loan with no return date, the holder of a copy
its requested or ready reservation, its queue the queued reservations in
position order. The circulation steps (``end``, ``make_ready``, ``pass_on``,
``expire``, ``remind``) are the same steps, applied to rows.

A ``Tx`` caches the libraries, patrons and records it read (they do not
change within a call, or change only through it).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from services import messages, rules
from services.accounts import AccountState
from services.models import (
    Copy,
    CopyOffer,
    CopyStatus,
    CopyView,
    FreeRequest,
    FreeRequestView,
    HistoryEntry,
    Library,
    Link,
    Loan,
    LoanView,
    Message,
    MessageKind,
    Patron,
    Record,
    Reservation,
    ReservationState,
    ReservationView,
    Verdict,
)
from services.storage import rows
from services.storage import schema as s
from services.storage.database import upsert

HOLDING = (ReservationState.REQUESTED.value, ReservationState.READY.value)
REMINDER_BATCH = 500
"""Loans reminded per statement of the daily round."""
COPY_ORDER = (s.copies.c.library_id, s.copies.c.collection, s.copies.c.shelf_mark,
              s.copies.c.barcode)
"""The order a record's copies are listed in (R2): by code points, as on
SQLite (PostgreSQL is told so: its default collation sorts by language)."""


class Tx:
    def __init__(self, db: Connection, now: datetime, sender: str) -> None:
        self.db = db
        self.now = now
        self.today = now.date()
        self.sender = sender
        self._libraries: dict[str, Library] | None = None
        self._patrons: dict[int, Patron] = {}
        self._records: dict[int, Record | None] = {}

    # ------------------------------------------------------------- queries

    def rows(self, query: sa.Select[Any]) -> list[Any]:
        return list(self.db.execute(query).mappings())

    def first(self, query: sa.Select[Any]) -> Any:
        return self.db.execute(query).mappings().first()

    def scalar(self, query: sa.Select[Any]) -> Any:
        return self.db.execute(query).scalar()

    # ------------------------------------------------------------- libraries

    @property
    def libraries(self) -> dict[str, Library]:
        if self._libraries is None:
            collections: dict[str, list[Any]] = {}
            for row in self.rows(sa.select(s.collections).order_by(
                    s.collections.c.library_id, s.collections.c.position)):
                collections.setdefault(row["library_id"], []).append(row)
            self._libraries = {
                row["id"]: rows.library_from(row, collections.get(row["id"], []))
                for row in self.rows(sa.select(s.libraries).order_by(
                    s.libraries.c.position, s.libraries.c.id))
            }
        return self._libraries

    def library_name(self, library_id: str) -> str:
        library = self.libraries.get(library_id)
        return library.name if library else library_id

    def rules_of(self, library_id: str) -> rules.LibraryRules:
        library = self.libraries.get(library_id)
        return library.rules if library else rules.LibraryRules()

    # --------------------------------------------------------------- records

    def record(self, record_id: int) -> Record | None:
        if record_id not in self._records:
            self._records.update(self.records([record_id]))
            self._records.setdefault(record_id, None)
        return self._records[record_id]

    def records(self, ids: Iterable[int], *, details: bool = True) -> dict[int, Record]:
        """The records of ``ids`` that exist, by id. Without ``details``
        (a search page, a list: title, authors, year and type are what they
        show) the series, notes, links and MARC are not read, and the
        records are not kept for ``record``."""
        ids = list(dict.fromkeys(ids))
        if not ids:
            return {}

        def lines(table: sa.Table, *columns: str) -> dict[int, list[Any]]:
            found: dict[int, list[Any]] = {}
            for row in self.db.execute(
                    sa.select(table.c.record_id, *(table.c[c] for c in columns))
                    .where(table.c.record_id.in_(ids))
                    .order_by(table.c.record_id, table.c.position)):
                found.setdefault(row[0], []).append(row[1] if len(columns) == 1 else row[1:])
            return found

        authors = lines(s.record_authors, "name")
        subjects = lines(s.record_subjects, "subject")
        series: dict[int, list[Any]] = {}
        notes: dict[int, list[Any]] = {}
        links: dict[int, list[Link]] = {}
        marc: set[int] = set()
        if details:
            series = lines(s.record_series, "series")
            notes = lines(s.record_notes, "note")
            links = {record_id: [Link(url=url, label=label) for url, label in pairs]
                     for record_id, pairs in lines(s.record_links, "url", "label").items()}
            marc = set(self.db.scalars(sa.select(s.record_marc.c.record_id)
                                       .where(s.record_marc.c.record_id.in_(ids))))
        found = {
            row["id"]: rows.record_from(
                row, authors.get(row["id"], []), subjects.get(row["id"], []),
                series.get(row["id"], []), notes.get(row["id"], []), links.get(row["id"], []),
                row["id"] in marc)
            for row in self.rows(sa.select(s.records).where(s.records.c.id.in_(ids)))
        }
        if details:
            self._records.update(found)
        return found

    def record_exists(self, record_id: int) -> bool:
        return self.scalar(sa.select(s.records.c.id).where(s.records.c.id == record_id)) \
            is not None

    # ---------------------------------------------------------------- copies

    def copy(self, barcode: str) -> Copy | None:
        row = self.first(sa.select(s.copies).where(s.copies.c.barcode == barcode))
        return rows.copy_from(row) if row else None

    def copies_of(self, record_id: int, offset: int = 0, limit: int | None = None) -> list[Copy]:
        order = COPY_ORDER
        if self.db.dialect.name == "postgresql":
            order = tuple(column.collate("C") for column in COPY_ORDER)
        query = sa.select(s.copies).where(s.copies.c.record_id == record_id).order_by(*order)
        if offset:
            query = query.offset(offset)
        if limit is not None:
            query = query.limit(limit)
        return [rows.copy_from(row) for row in self.rows(query)]

    def count_copies(self, record_id: int) -> int:
        return int(self.scalar(sa.select(sa.func.count()).select_from(s.copies)
                               .where(s.copies.c.record_id == record_id)) or 0)

    def set_status(self, barcode: str, status: CopyStatus) -> None:
        self.db.execute(s.copies.update().where(s.copies.c.barcode == barcode)
                        .values(status=status.value))

    # -------------------------------------------------------------- accounts

    def account(self, patron_id: int) -> AccountState | None:
        row = self.first(sa.select(s.accounts).where(s.accounts.c.patron_id == patron_id))
        return rows.account_from(row) if row else None

    def find_account(self, identifier: str) -> AccountState | None:
        """By username (case-insensitive) or card number (exact)."""
        key = identifier.strip()
        row = self.first(sa.select(s.accounts).where(s.accounts.c.login_name == key.casefold()))
        if row is None:
            row = self.first(sa.select(s.accounts).where(s.accounts.c.card_number == key))
        return rows.account_from(row) if row else None

    def put_account(self, account: AccountState) -> None:
        values = rows.account_row(account)
        self.db.execute(s.accounts.update()
                        .where(s.accounts.c.patron_id == account.patron.id).values(values))
        self._patrons.pop(account.patron.id, None)

    def patron(self, patron_id: int) -> Patron:
        patron = self._patrons.get(patron_id)
        if patron is None:
            account = self.account(patron_id)
            if account is None:
                raise KeyError(patron_id)
            patron = self._patrons[patron_id] = account.patron
        return patron

    def patron_id_of_card(self, card_number: str) -> int | None:
        return self.scalar(sa.select(s.accounts.c.patron_id)
                           .where(s.accounts.c.card_number == card_number))

    # ----------------------------------------------------------------- loans

    def loan(self, loan_id: int) -> Loan | None:
        row = self.first(sa.select(s.loans).where(s.loans.c.id == loan_id))
        return rows.loan_from(row) if row else None

    def current_loan(self, barcode: str) -> Loan | None:
        row = self.first(sa.select(s.loans).where(
            s.loans.c.barcode == barcode, s.loans.c.returned.is_(None)))
        return rows.loan_from(row) if row else None

    def loans_of(self, patron_id: int, *, current: bool | None = None) -> list[Loan]:
        query = sa.select(s.loans).where(s.loans.c.patron_id == patron_id)
        if current is True:
            query = query.where(s.loans.c.returned.is_(None))
        elif current is False:
            query = query.where(s.loans.c.returned.is_not(None))
        return [rows.loan_from(row) for row in self.rows(query.order_by(s.loans.c.id))]

    def current_loans(self, patron_id: int) -> list[Loan]:
        return self.loans_of(patron_id, current=True)

    def has_overdue(self, patron_id: int, today: date) -> bool:
        return any(rules.is_overdue(loan, today) for loan in self.current_loans(patron_id))

    def put_loan(self, loan: Loan) -> Loan:
        upsert(self.db, s.loans, [rows.loan_row(loan)])
        return loan

    def new_ids(self, table: sa.Table, count: int) -> list[int]:
        """``count`` new ids of ``table`` (``new_id``, in one query)."""
        if self.db.dialect.name == "postgresql":
            series = sa.func.generate_series(1, count).table_valued("n")
            return [int(i) for i in self.db.scalars(
                sa.select(sa.func.nextval(f"{table.name}_id_seq")).select_from(series))]
        first = int(self.scalar(sa.select(sa.func.max(table.c.id))) or 0) + 1
        return list(range(first, first + count))

    def new_id(self, table: sa.Table) -> int:
        """The next id of ``table``: from its sequence on PostgreSQL (servers
        writing at once never race for it), else one past the largest (SQLite
        has one writer at a time)."""
        if self.db.dialect.name == "postgresql":
            return int(self.scalar(sa.select(sa.func.nextval(f"{table.name}_id_seq"))))
        return int(self.scalar(sa.select(sa.func.max(table.c.id))) or 0) + 1

    # ---------------------------------------------------------- reservations

    def reservation(self, reservation_id: int) -> Reservation | None:
        row = self.first(sa.select(s.reservations).where(s.reservations.c.id == reservation_id))
        return rows.reservation_from(row) if row else None

    def ended_on(self, reservation_id: int) -> date | None:
        return self.scalar(sa.select(s.reservations.c.ended)
                           .where(s.reservations.c.id == reservation_id))

    def holder(self, barcode: str) -> Reservation | None:
        """The reservation the copy is set aside for (requested or ready)."""
        row = self.first(sa.select(s.reservations).where(
            s.reservations.c.barcode == barcode, s.reservations.c.state.in_(HOLDING))
            .order_by(s.reservations.c.id).limit(1))
        return rows.reservation_from(row) if row else None

    def queue(self, barcode: str) -> list[Reservation]:
        query = sa.select(s.reservations).where(
            s.reservations.c.barcode == barcode,
            s.reservations.c.state == ReservationState.QUEUED.value,
        ).order_by(s.reservations.c.position, s.reservations.c.created, s.reservations.c.id)
        return [rows.reservation_from(row) for row in self.rows(query)]

    def queue_length(self, barcode: str) -> int:
        return int(self.scalar(sa.select(sa.func.count()).select_from(s.reservations).where(
            s.reservations.c.barcode == barcode,
            s.reservations.c.state == ReservationState.QUEUED.value)) or 0)

    def reservations_of(self, patron_id: int) -> list[Reservation]:
        query = sa.select(s.reservations).where(s.reservations.c.patron_id == patron_id)
        return [rows.reservation_from(row)
                for row in self.rows(query.order_by(s.reservations.c.id))]

    def reservations_with_end(self, patron_id: int) -> list[tuple[Reservation, date | None]]:
        query = sa.select(s.reservations).where(s.reservations.c.patron_id == patron_id)
        return [(rows.reservation_from(row), row["ended"])
                for row in self.rows(query.order_by(s.reservations.c.id))]

    def put_reservation(self, res: Reservation, ended: date | None = None) -> Reservation:
        upsert(self.db, s.reservations, [rows.reservation_row(res, ended)])
        return res

    # --------------------------------------------------------- free requests

    def free_request(self, request_id: int) -> FreeRequest | None:
        row = self.first(sa.select(s.free_requests).where(s.free_requests.c.id == request_id))
        return rows.request_from(row) if row else None

    def put_free_request(self, request: FreeRequest) -> FreeRequest:
        upsert(self.db, s.free_requests, [rows.request_row(request)])
        return request

    # ------------------------------------------------------------ what a copy offers

    def offer(self, copy: Copy, today: date) -> CopyOffer:
        library = self.libraries.get(copy.library_id)
        loan = self.current_loan(copy.barcode)
        holder = self.holder(copy.barcode)
        return rules.copy_offer(
            copy,
            library.collection(copy.collection) if library else None,
            self.rules_of(copy.library_id),
            today,
            queue_length=self.queue_length(copy.barcode),
            due=loan.due if loan is not None else None,
            held_until=holder.held_until if holder else None,
            held=holder is not None,
        )

    # ------------------------------------------------------------------ views

    def collection_names(self, library_id: str, code: str) -> tuple[str, str]:
        """A collection's Latvian and English names (its code when unknown)."""
        library = self.libraries.get(library_id)
        collection = library.collection(code) if library else None
        return (collection.name_lv, collection.name_en) if collection else (code, code)

    def copy_view(self, copy: Copy, today: date) -> CopyView:
        lv, en = self.collection_names(copy.library_id, copy.collection)
        return CopyView(
            item=copy,
            library_name=self.library_name(copy.library_id),
            collection_lv=lv,
            collection_en=en,
            offer=self.offer(copy, today),
        )

    def loan_view(self, loan: Loan, today: date) -> LoanView:
        record = self.record(loan.record_id)
        library_rules = self.rules_of(loan.library_id)
        days = rules.overdue_days(loan.due, today) if loan.returned is None else 0
        return LoanView(
            loan=loan,
            title=record.title if record else "",
            authors=list(record.authors) if record else [],
            library_name=self.library_name(loan.library_id),
            overdue_days=days,
            fine=rules.fine(days, library_rules),
            renew=rules.renewal_verdict(loan, library_rules, today,
                                        self.queue_length(loan.barcode)),
        )

    def history_entry(self, loan: Loan) -> HistoryEntry:
        record = self.record(loan.record_id)
        return HistoryEntry(
            loan=loan,
            title=record.title if record else "",
            authors=list(record.authors) if record else [],
            library_name=self.library_name(loan.library_id),
        )

    def reservation_view(self, res: Reservation, today: date) -> ReservationView:
        record = self.record(res.record_id)
        expected = None
        if res.state == ReservationState.QUEUED:
            copy = self.copy(res.barcode)
            loan = self.current_loan(res.barcode)
            holder = self.holder(res.barcode)
            expected = rules.expected_date(
                CopyStatus.ON_LOAN if loan is not None else CopyStatus.RESERVED,
                self.rules_of(copy.library_id if copy else res.library_id),
                today,
                res.position - 1,
                due=loan.due if loan is not None else None,
                held_until=holder.held_until if holder else None,
            )
        return ReservationView(
            reservation=res,
            title=record.title if record else "",
            authors=list(record.authors) if record else [],
            library_name=self.library_name(res.library_id),
            expected=expected,
            cancel=Verdict.yes() if res.state.active else Verdict.no(rules.not_active()),
        )

    def free_request_view(self, request: FreeRequest) -> FreeRequestView:
        lv, en = self.collection_names(request.library_id, request.collection)
        return FreeRequestView(
            request=request,
            library_name=self.library_name(request.library_id),
            collection_lv=lv,
            collection_en=en,
        )

    # --------------------------------------------------------------- messages

    def message(self, message_id: int) -> Message | None:
        row = self.first(sa.select(s.messages).where(s.messages.c.id == message_id))
        return rows.message_from(row) if row else None

    def send(self, patron_id: int, kind: MessageKind, text: messages.Text, now: datetime
             ) -> Message:
        patron = self.patron(patron_id)
        return self.send_to(patron.email, patron.language, kind, text, now)

    def send_to(self, to: str, language: str, kind: MessageKind, text: messages.Text,
                now: datetime) -> Message:
        return self.put_message(self._message(self.new_id(s.messages), to, language, kind,
                                              text, now))

    def send_many(self, kind: MessageKind,
                  texts: list[tuple[int, messages.Text]], now: datetime) -> None:
        """``send`` of each (patron id, text), in one statement."""
        ids = self.new_ids(s.messages, len(texts))
        upsert(self.db, s.messages, (
            rows.message_row(self._message(
                message_id, self.patron(patron_id).email, self.patron(patron_id).language,
                kind, text, now))
            for message_id, (patron_id, text) in zip(ids, texts, strict=True)
        ))

    def _message(self, message_id: int, to: str, language: str, kind: MessageKind,
                 text: messages.Text, now: datetime) -> Message:
        subject, body = text
        return Message(
            id=message_id, kind=kind, to=to, sender=self.sender, subject=subject, body=body,
            language="en" if language == "en" else "lv", created=now,
        )

    def put_message(self, message: Message) -> Message:
        upsert(self.db, s.messages, [rows.message_row(message)])
        return message

    def waiting_lists(self) -> int:
        m = s.messages.c
        return int(self.scalar(sa.select(sa.func.count()).select_from(s.messages).where(
            m.kind == MessageKind.LIST.value, m.sent.is_(None), m.given_up.is_(False))) or 0)

    def forget_messages(self, before: datetime) -> int:
        """Forget the messages delivered or given up before ``before`` (the
        outbox's retention); how many. Waiting ones stay, and so does the
        newest message, whose id the next ids follow."""
        m = s.messages.c
        newest = sa.select(sa.func.max(m.id)).scalar_subquery()
        gone = sa.or_(m.sent.is_not(None), m.given_up.is_(True))
        moment = sa.func.coalesce(m.sent, m.created)
        done = self.db.execute(s.messages.delete().where(gone, m.id != newest, moment < before))
        return int(done.rowcount or 0)

    def _about(self, res: Reservation | Loan) -> tuple[str, str, str, list[str], str]:
        """(language, name, title, authors, library) for a message about ``res``."""
        patron = self.patron(res.patron_id)
        record = self.record(res.record_id)
        return (
            patron.language,
            patron.name,
            record.title if record else "",
            list(record.authors) if record else [],
            self.library_name(res.library_id),
        )

    # ------------------------------------------------------------ circulation

    def renumber(self, barcode: str) -> None:
        """Queue positions 1…n, contiguous, in queue order."""
        for position, res in enumerate(self.queue(barcode), 1):
            if res.position != position:
                self.put_reservation(res.model_copy(update={"position": position}))

    def end(self, res: Reservation, state: ReservationState, today: date, note: str = ""
            ) -> Reservation:
        """Close an active reservation; the caller passes the copy on if it held it."""
        was_queued = res.state == ReservationState.QUEUED
        update: dict[str, object] = {"state": state, "position": 0}
        if note:
            update["note"] = note
        ended = self.put_reservation(res.model_copy(update=update), ended=today)
        if was_queued:
            self.renumber(res.barcode)
        return ended

    def make_ready(self, res: Reservation, today: date, now: datetime) -> Reservation:
        """Put the copy on the hold shelf for ``res`` and tell the patron (R6)."""
        until = rules.hold_until(today, self.rules_of(res.library_id))
        ready = self.put_reservation(res.model_copy(update={
            "state": ReservationState.READY, "confirmed": today, "held_until": until,
            "position": 0,
        }))
        self.set_status(res.barcode, CopyStatus.ON_HOLD)
        text = messages.reservation_ready(*self._about(ready), until)
        self.send(res.patron_id, MessageKind.RESERVATION_READY, text, now)
        return ready

    def pass_on(self, barcode: str, today: date, now: datetime) -> Reservation | None:
        """The copy goes to the first in its queue (now ready), or back to the shelf."""
        queue = self.queue(barcode)
        if queue:
            first = queue[0]
            # out of the queue first, so that the others move up
            self.put_reservation(first.model_copy(update={"state": ReservationState.READY,
                                                          "position": 0}))
            self.renumber(barcode)
            return self.make_ready(first, today, now)
        self.set_status(barcode, CopyStatus.AVAILABLE)
        return None

    def expire(self, today: date, now: datetime) -> list[Reservation]:
        """Expire holds past their date (the day after ``held_until``) and pass them on."""
        r = s.reservations.c
        query = sa.select(s.reservations).where(
            r.state == ReservationState.READY.value, r.held_until < today).order_by(r.id)
        expired = [rows.reservation_from(row) for row in self.rows(query)]
        done = []
        for res in expired:
            if res.held_until is None or not rules.hold_expired(res.held_until, today):
                continue
            ended = self.end(res, ReservationState.EXPIRED, today)
            text = messages.reservation_expired(*self._about(res), res.held_until or today)
            self.send(res.patron_id, MessageKind.RESERVATION_EXPIRED, text, now)
            self.pass_on(res.barcode, today, now)
            done.append(ended)
        return done

    def remind(self, today: date, now: datetime) -> list[Loan]:
        """R13: the due-date reminders of ``today`` (a loan is reminded of a due
        date once: a later call finds nothing new)."""
        longest = max((lib.rules.reminder_days for lib in self.libraries.values()), default=0)
        if not longest:
            return []
        loan = s.loans.c
        query = sa.select(s.loans).where(
            loan.returned.is_(None), loan.due >= today,
            loan.due <= today + timedelta(days=longest),
            sa.or_(loan.reminded.is_(None), loan.reminded != loan.due),
        ).order_by(loan.id)
        due = [item for item in map(rows.loan_from, self.rows(query))
               if rules.reminder_due(item, self.rules_of(item.library_id), today)]
        reminded = []
        for start in range(0, len(due), REMINDER_BATCH):  # a day's many in few statements
            batch = [item.model_copy(update={"reminded": item.due})
                     for item in due[start:start + REMINDER_BATCH]]
            self.records(item.record_id for item in batch)
            self._load_patrons(item.patron_id for item in batch)
            upsert(self.db, s.loans, map(rows.loan_row, batch))
            self.send_many(MessageKind.DUE_REMINDER, [
                (item.patron_id, messages.due_reminder(*self._about(item), item.due))
                for item in batch
            ], now)
            reminded += batch
        return reminded

    def _load_patrons(self, ids: Iterable[int]) -> None:
        """The patrons of ``ids`` in one query, for ``patron`` to find."""
        wanted = [i for i in dict.fromkeys(ids) if i not in self._patrons]
        for row in self.rows(sa.select(s.accounts).where(s.accounts.c.patron_id.in_(wanted))):
            account = rows.account_from(row)
            self._patrons[account.patron.id] = account.patron

    def recent(self, res: Reservation, ended: date | None, today: date) -> bool:
        """Active, or ended within the last ``RECENT_DAYS`` days (R7)."""
        if res.state.active:
            return True
        return today - (ended or res.created.date()) <= timedelta(days=rules.RECENT_DAYS)

