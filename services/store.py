"""The in-memory adapter's state and the circulation steps that change it.

``Store`` holds the region as dictionaries of frozen models (replaced with
``model_copy(update=…)`` on every change, so nothing handed out can alter
it) plus the indexes the rules need: the current loan, the holder
(``requested``/``ready``) and the queue of every copy. It is not thread-safe
and does no locking: ``MemoryService`` calls it under one ``asyncio.Lock``.
It remembers what each call changed (``services.changes``) for a journal.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from services import messages, rules
from services.changes import TrackedDict
from services.models import (
    Copy,
    CopyOffer,
    CopyStatus,
    CopyView,
    FreeRequest,
    FreeRequestView,
    HistoryEntry,
    Library,
    Loan,
    LoanView,
    MaterialType,
    Message,
    MessageKind,
    Patron,
    Record,
    Reservation,
    ReservationState,
    ReservationView,
    Verdict,
)
from services.region import RegionData
from services.search import CatalogIndex

HOLDING = (ReservationState.REQUESTED, ReservationState.READY)


CODE_HASH = "sha256"
"""The prefix of a kept recovery code: ``sha256$<salt hex>$<digest hex>``."""


def hash_reset_code(code: str) -> str:
    """A recovery code as it is kept: salted SHA-256, never the code itself.

    A fast hash is enough here: the code lives 30 minutes and a wrong guess
    counts against ``RESET_CODE_TRIES``; what it stops is the code being read
    from the database file, its backups or a row dump."""
    salt = secrets.token_bytes(16)
    digest = hashlib.sha256(salt + code.encode()).hexdigest()
    return f"{CODE_HASH}${salt.hex()}${digest}"


def reset_code_matches(kept: str, code: str) -> bool:
    """Whether ``code`` is the one ``kept`` (``hash_reset_code``) stands for,
    compared in constant time."""
    try:
        scheme, salt_hex, digest = kept.split("$")
        salt = bytes.fromhex(salt_hex)
    except ValueError:
        return False
    given = hashlib.sha256(salt + code.encode("utf-8", "surrogatepass")).hexdigest()
    return scheme == CODE_HASH and hmac.compare_digest(given, digest)


def is_hashed_code(kept: str) -> bool:
    return kept.startswith(f"{CODE_HASH}$")


@dataclass
class AccountState:
    """A patron's login data; ``password`` is the clear text until it is hashed
    (an account loaded from the server's database has only ``password_hash``).
    ``reset_code`` is the pending recovery code's hash (``hash_reset_code``)."""

    patron: Patron
    password: str | None
    password_hash: str | None = None
    failures: list[datetime] = field(default_factory=list)
    locked_until: datetime | None = None
    reset_code: str | None = None
    reset_expires: datetime | None = None
    reset_tries: int = 0


class Store:
    """A region's mutable state, consistent after every method."""

    def __init__(
        self, region: RegionData, sender: str, accounts: Iterable[AccountState] | None = None
    ) -> None:
        """``accounts``, when given, replaces ``region.accounts`` (ready hashes)."""
        self.sender = sender
        self.libraries: dict[str, Library] = {lib.id: lib for lib in region.libraries}
        self.records: dict[int, Record] = {r.id: r for r in region.records}
        self.index = CatalogIndex(region.records)
        self.copies: TrackedDict[str, Copy] = TrackedDict({c.barcode: c for c in region.copies})
        self.record_copies: dict[int, list[str]] = defaultdict(list)
        self.library_records: dict[str, set[int]] = defaultdict(set)
        self.type_records: dict[MaterialType, set[int]] = defaultdict(set)
        for record in region.records:
            self.type_records[record.material_type].add(record.id)
        for copy in sorted(
            region.copies, key=lambda c: (c.library_id, c.collection, c.shelf_mark, c.barcode)
        ):
            self.record_copies[copy.record_id].append(copy.barcode)
            self.library_records[copy.library_id].add(copy.record_id)

        self.accounts: dict[int, AccountState] = {}
        self.by_username: dict[str, int] = {}
        self.by_card: dict[str, int] = {}
        if accounts is None:
            accounts = (AccountState(a.patron, a.password) for a in region.accounts)
        for state in accounts:
            self.add_account(state)
        self.changed_accounts: set[int] = set()

        self.loans: TrackedDict[int, Loan] = TrackedDict()
        self.current_loan: dict[str, int] = {}
        self.patron_loans: dict[int, list[int]] = defaultdict(list)
        for loan in region.loans:
            self.loans[loan.id] = loan
            self.patron_loans[loan.patron_id].append(loan.id)
            if loan.returned is None:
                self.current_loan[loan.barcode] = loan.id

        self.reservations: TrackedDict[int, Reservation] = TrackedDict()
        self.holder: dict[str, int] = {}
        self.queue: dict[str, list[int]] = defaultdict(list)
        self.ready: set[int] = set()
        self.ended: dict[int, date] = {}
        self.patron_reservations: dict[int, list[int]] = defaultdict(list)
        for res in sorted(region.reservations, key=lambda r: (r.position, r.created, r.id)):
            self.reservations[res.id] = res
            self.patron_reservations[res.patron_id].append(res.id)
            if res.state in HOLDING and res.barcode not in self.holder:
                self.holder[res.barcode] = res.id
                if res.state == ReservationState.READY:
                    self.ready.add(res.id)
            elif res.state == ReservationState.QUEUED:
                self.queue[res.barcode].append(res.id)
            elif not res.state.active:
                self.ended[res.id] = res.held_until or res.confirmed or res.created.date()
        for barcode in list(self.queue):
            self.renumber(barcode)
        for barcode, copy in self.copies.items():
            status = self._derived_status(barcode)
            if status is not None and status != copy.status:
                self.copies[barcode] = copy.model_copy(update={"status": status})

        self.free_requests: TrackedDict[int, FreeRequest] = TrackedDict(
            {fr.id: fr for fr in region.free_requests}
        )
        self.outbox: TrackedDict[int, Message] = TrackedDict()
        """Every message by id, in the order they were written (R13)."""
        self.waiting: set[int] = set()
        """Ids of the messages still to be delivered."""
        self.waiting_lists: set[int] = set()
        """Those of them that are lists (R4): anyone may send one, so their
        number is capped (``rules.LISTS_WAITING_MAX``)."""
        self.last_message = 0
        """The highest message id ever kept: ids go on from it, also after
        old messages were forgotten (``forget_messages``)."""
        self.reminded_on: date | None = None
        """The last day the due-date reminders were looked for."""
        for tracked in (self.copies, self.loans, self.reservations, self.free_requests,
                        self.outbox):
            tracked.changed.clear()  # what was loaded is not a change
        self.next_loan = max(self.loans, default=0) + 1
        self.next_reservation = max(self.reservations, default=0) + 1
        self.next_request = max(self.free_requests, default=0) + 1

    def _derived_status(self, barcode: str) -> CopyStatus | None:
        if barcode in self.current_loan:
            return CopyStatus.ON_LOAN
        holder = self.holder.get(barcode)
        if holder is not None:
            state = self.reservations[holder].state
            return CopyStatus.ON_HOLD if state == ReservationState.READY else CopyStatus.RESERVED
        return None

    def add_account(self, state: AccountState) -> None:
        patron = state.patron
        self.accounts[patron.id] = state
        self.by_username[patron.username.casefold()] = patron.id
        self.by_card[patron.card_number] = patron.id

    def account_changed(self, account: AccountState) -> None:
        """Mark a changed login (hash, failures, lock, reset code) for the journal."""
        self.changed_accounts.add(account.patron.id)

    # ------------------------------------------------------------------ lookups

    def library_name(self, library_id: str) -> str:
        library = self.libraries.get(library_id)
        return library.name if library else library_id

    def rules_of(self, library_id: str) -> rules.LibraryRules:
        library = self.libraries.get(library_id)
        return library.rules if library else rules.LibraryRules()

    def patron(self, patron_id: int) -> Patron:
        return self.accounts[patron_id].patron

    def current_loans(self, patron_id: int) -> list[Loan]:
        loans = (self.loans[i] for i in self.patron_loans.get(patron_id, ()))
        return [loan for loan in loans if loan.returned is None]

    def has_overdue(self, patron_id: int, today: date) -> bool:
        return any(rules.is_overdue(loan, today) for loan in self.current_loans(patron_id))

    def queue_length(self, barcode: str) -> int:
        return len(self.queue.get(barcode, ()))

    def offer(self, barcode: str, today: date) -> CopyOffer:
        copy = self.copies[barcode]
        library = self.libraries.get(copy.library_id)
        loan_id = self.current_loan.get(barcode)
        holder_id = self.holder.get(barcode)
        holder = self.reservations[holder_id] if holder_id is not None else None
        return rules.copy_offer(
            copy,
            library.collection(copy.collection) if library else None,
            self.rules_of(copy.library_id),
            today,
            queue_length=self.queue_length(barcode),
            due=self.loans[loan_id].due if loan_id is not None else None,
            held_until=holder.held_until if holder else None,
            held=holder is not None,
        )

    def orderable(self, barcode: str) -> bool:
        """Whether the copy offers "Pasūtīt" now (cheap; the same as ``offer``)."""
        copy = self.copies[barcode]
        if copy.status != CopyStatus.AVAILABLE or barcode in self.holder or self.queue.get(barcode):
            return False
        library = self.libraries.get(copy.library_id)
        collection = library.collection(copy.collection) if library else None
        return not (collection and collection.reading_room)

    # ------------------------------------------------------------------- views

    def copy_view(self, barcode: str, today: date) -> CopyView:
        copy = self.copies[barcode]
        library = self.libraries.get(copy.library_id)
        collection = library.collection(copy.collection) if library else None
        return CopyView(
            item=copy,
            library_name=self.library_name(copy.library_id),
            collection_lv=collection.name_lv if collection else copy.collection,
            collection_en=collection.name_en if collection else copy.collection,
            offer=self.offer(barcode, today),
        )

    def loan_view(self, loan: Loan, today: date) -> LoanView:
        record = self.records.get(loan.record_id)
        library_rules = self.rules_of(loan.library_id)
        days = rules.overdue_days(loan.due, today) if loan.returned is None else 0
        return LoanView(
            loan=loan,
            title=record.title if record else "",
            authors=list(record.authors) if record else [],
            library_name=self.library_name(loan.library_id),
            overdue_days=days,
            fine=rules.fine(days, library_rules),
            renew=rules.renewal_verdict(
                loan, library_rules, today, self.queue_length(loan.barcode)
            ),
        )

    def history_entry(self, loan: Loan) -> HistoryEntry:
        record = self.records.get(loan.record_id)
        return HistoryEntry(
            loan=loan,
            title=record.title if record else "",
            authors=list(record.authors) if record else [],
            library_name=self.library_name(loan.library_id),
        )

    def reservation_view(self, res: Reservation, today: date) -> ReservationView:
        record = self.records.get(res.record_id)
        expected = None
        if res.state == ReservationState.QUEUED:
            copy = self.copies[res.barcode]
            loan_id = self.current_loan.get(res.barcode)
            holder_id = self.holder.get(res.barcode)
            expected = rules.expected_date(
                CopyStatus.ON_LOAN if loan_id is not None else CopyStatus.RESERVED,
                self.rules_of(copy.library_id),
                today,
                res.position - 1,
                due=self.loans[loan_id].due if loan_id is not None else None,
                held_until=self.reservations[holder_id].held_until if holder_id else None,
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
        library = self.libraries.get(request.library_id)
        collection = library.collection(request.collection) if library else None
        return FreeRequestView(
            request=request,
            library_name=self.library_name(request.library_id),
            collection_lv=collection.name_lv if collection else request.collection,
            collection_en=collection.name_en if collection else request.collection,
        )

    # ---------------------------------------------------------------- messages

    def send(
        self, patron_id: int, kind: MessageKind, text: messages.Text, now: datetime
    ) -> Message:
        patron = self.patron(patron_id)
        return self.send_to(patron.email, patron.language, kind, text, now)

    def send_to(
        self, to: str, language: str, kind: MessageKind, text: messages.Text, now: datetime
    ) -> Message:
        subject, body = text
        message = Message(
            id=self.last_message + 1,
            kind=kind,
            to=to,
            sender=self.sender,
            subject=subject,
            body=body,
            language="en" if language == "en" else "lv",
            created=now,
        )
        self.put_message(message)
        return message

    def put_message(self, message: Message) -> None:
        self.outbox[message.id] = message
        self.last_message = max(self.last_message, message.id)
        if message.waiting:
            self.waiting.add(message.id)
            if message.kind == MessageKind.LIST:
                self.waiting_lists.add(message.id)
        else:
            self.waiting.discard(message.id)
            self.waiting_lists.discard(message.id)

    def forget_messages(self, before: datetime) -> int:
        """Forget the messages delivered or given up before ``before`` (the
        outbox's retention); how many. Waiting ones stay, and so does the
        newest message, whose id the next ids follow after a restart."""
        old = [
            m.id for m in self.outbox.values()
            if not m.waiting and m.id != self.last_message
            and (m.sent or m.created) < before
        ]
        for message_id in old:
            self.outbox.forget(message_id)
        return len(old)

    def remind(self, today: date, now: datetime) -> list[Loan]:
        """R13: the due-date reminders of ``today``, once a day (a later call
        on the same day finds nothing new: reminders are per due date)."""
        if self.reminded_on == today:
            return []
        self.reminded_on = today
        reminded = []
        for loan_id in self.current_loan.values():
            loan = self.loans[loan_id]
            if not rules.reminder_due(loan, self.rules_of(loan.library_id), today):
                continue
            loan = loan.model_copy(update={"reminded": loan.due})
            self.loans[loan.id] = loan
            text = messages.due_reminder(*self._about(loan), loan.due)
            self.send(loan.patron_id, MessageKind.DUE_REMINDER, text, now)
            reminded.append(loan)
        return reminded

    def _about(self, res: Reservation | Loan) -> tuple[str, str, str, list[str], str]:
        """(language, name, title, authors, library) for a message about ``res``."""
        patron = self.patron(res.patron_id)
        record = self.records.get(res.record_id)
        return (
            patron.language,
            patron.name,
            record.title if record else "",
            list(record.authors) if record else [],
            self.library_name(res.library_id),
        )

    # ------------------------------------------------------------- circulation

    def put_reservation(self, res: Reservation) -> Reservation:
        self.reservations[res.id] = res
        return res

    def set_status(self, barcode: str, status: CopyStatus) -> None:
        copy = self.copies[barcode]
        if copy.status != status:
            self.copies[barcode] = copy.model_copy(update={"status": status})

    def renumber(self, barcode: str) -> None:
        """Queue positions 1…n, contiguous, in queue order."""
        for position, res_id in enumerate(self.queue.get(barcode, ()), 1):
            res = self.reservations[res_id]
            if res.position != position:
                self.put_reservation(res.model_copy(update={"position": position}))
        if barcode in self.queue and not self.queue[barcode]:
            del self.queue[barcode]

    def end(
        self, res: Reservation, state: ReservationState, today: date, note: str = ""
    ) -> Reservation:
        """Close an active reservation; the caller passes the copy on if it held it."""
        if self.holder.get(res.barcode) == res.id:
            del self.holder[res.barcode]
        self.ready.discard(res.id)
        if res.state == ReservationState.QUEUED:
            self.queue[res.barcode].remove(res.id)
            self.renumber(res.barcode)
        update: dict[str, object] = {"state": state, "position": 0}
        if note:
            update["note"] = note
        self.ended[res.id] = today
        return self.put_reservation(res.model_copy(update=update))

    def make_ready(self, res: Reservation, today: date, now: datetime) -> Reservation:
        """Put the copy on the hold shelf for ``res`` and tell the patron (R6)."""
        until = rules.hold_until(today, self.rules_of(res.library_id))
        ready = self.put_reservation(
            res.model_copy(
                update={
                    "state": ReservationState.READY,
                    "confirmed": today,
                    "held_until": until,
                    "position": 0,
                }
            )
        )
        self.holder[res.barcode] = res.id
        self.ready.add(res.id)
        self.set_status(res.barcode, CopyStatus.ON_HOLD)
        text = messages.reservation_ready(*self._about(ready), until)
        self.send(res.patron_id, MessageKind.RESERVATION_READY, text, now)
        return ready

    def pass_on(self, barcode: str, today: date, now: datetime) -> Reservation | None:
        """The copy goes to the first in its queue (now ready), or back to the shelf."""
        queue = self.queue.get(barcode)
        if queue:
            first = self.reservations[queue.pop(0)]
            self.renumber(barcode)
            return self.make_ready(first, today, now)
        self.set_status(barcode, CopyStatus.AVAILABLE)
        return None

    def expire(self, today: date, now: datetime) -> list[Reservation]:
        """Expire holds past their date (the day after ``held_until``) and pass them on."""
        expired = []
        for res_id in sorted(self.ready):
            res = self.reservations[res_id]
            if res.held_until is not None and rules.hold_expired(res.held_until, today):
                expired.append(res)
        done = []
        for res in expired:
            ended = self.end(res, ReservationState.EXPIRED, today)
            text = messages.reservation_expired(*self._about(res), res.held_until or today)
            self.send(res.patron_id, MessageKind.RESERVATION_EXPIRED, text, now)
            self.pass_on(res.barcode, today, now)
            done.append(ended)
        return done

    def new_reservation_id(self) -> int:
        self.next_reservation += 1
        return self.next_reservation - 1

    def new_loan_id(self) -> int:
        self.next_loan += 1
        return self.next_loan - 1

    def new_request_id(self) -> int:
        self.next_request += 1
        return self.next_request - 1

    def recent(self, res: Reservation, today: date) -> bool:
        """Active, or ended within the last ``RECENT_DAYS`` days (R7)."""
        if res.state.active:
            return True
        ended = self.ended.get(res.id, res.created.date())
        return today - ended <= timedelta(days=rules.RECENT_DAYS)
