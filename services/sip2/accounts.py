"""``Sip2Accounts``: the patrons' accounts from a library system's SIP2 server.

A patron logs in with card number and PIN (63 with AD: the server says
whether both are right, BL and CQ). The session keeps them, in this process
only, because every SIP2 message about the patron carries them again. Loans
and holds come from the patron information lists (AU, AT, AV, AS, CD) with
17 item information for each title and date; renewals (29), holds (15 +/-)
and the end of the session (35) go to the server as they are, and its
answers (the refusals and screen messages, AF) come back as they are.

What SIP2 cannot carry (free requests, the loan history, lists, password
recovery, the staff's desk) is refused with a sentence, never a dead end.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from services import rules
from services.clock import Clock, SystemClock
from services.errors import Forbidden, InvalidCredentials, NotAuthenticated, NotFound, Refused
from services.models import (
    Abilities,
    CheckInResult,
    FreeRequestForm,
    FreeRequestView,
    HistoryEntry,
    Loan,
    LoanView,
    Patron,
    PatronAccount,
    Refusal,
    RenewalState,
    Reservation,
    ReservationState,
    ReservationView,
    Session,
    Verdict,
)
from services.models import (
    Message as Mail,
)
from services.protocol import AccountService
from services.sip2.client import Sip2Client
from services.sip2.codec import Message, message
from services.sip2.messages import (
    LANGUAGE_UNKNOWN,
    PatronFlag,
    Summary,
    language_of,
    parse_day,
    patron_flags,
    sip_date,
    summary,
)

PAGE = 50
"""Items asked for at a time (BP..BQ)."""
PAGES = 20
"""At most this many pages of one list."""


def not_offered() -> Refusal:
    return Refusal(
        code="not_offered",
        lv="To šeit nevar izdarīt: bibliotēkas sistēma to nepiedāvā. "
        "Lūdzu, vērsieties bibliotēkā.",
        en="This cannot be done here: the library system does not offer it. "
        "Please ask at the library.",
    )


# Why a patron is refused, from the patron status of a library system that
# says no more (no AF of its own, or none of Mana's ZC): the first flag that
# bears on the action, in Mana's words.
_FLAG_REFUSALS: tuple[tuple[PatronFlag, str, str, str], ...] = (
    (PatronFlag.CARD_LOST, "card_lost",
     "Jūsu lasītāja karte ir pieteikta kā nozaudēta. Lūdzu, vērsieties bibliotēkā.",
     "Your library card has been reported lost. Please ask at the library."),
    (PatronFlag.TOO_MANY_OVERDUE, "blocked_overdue",
     "Jums ir nokavēti izsniegumi: vispirms nododiet tos. Lūdzu, vērsieties bibliotēkā.",
     "You have overdue loans: please return them first, or ask at the library."),
    (PatronFlag.EXCESSIVE_FINES, "excessive_fines",
     "Jums ir nenomaksāta soda nauda. Lūdzu, nokārtojiet to bibliotēkā.",
     "You have unpaid fines. Please settle them at the library."),
    (PatronFlag.EXCESSIVE_FEES, "excessive_fees",
     "Jums ir nenomaksātas maksas. Lūdzu, nokārtojiet tās bibliotēkā.",
     "You have unpaid fees. Please settle them at the library."),
    (PatronFlag.TOO_MANY_CHARGED, "too_many_charged",
     "Jums jau ir izsniegts tik grāmatu, cik atļauts. Vispirms nododiet kādu.",
     "You already have as many books as allowed. Please return one first."),
    (PatronFlag.TOO_MANY_LOST, "too_many_lost",
     "Uz jūsu vārda ir nozaudētas grāmatas. Lūdzu, vērsieties bibliotēkā.",
     "Books on your card are lost. Please ask at the library."),
    (PatronFlag.TOO_MANY_BILLED, "too_many_billed",
     "Jums ir neapmaksāti rēķini. Lūdzu, vērsieties bibliotēkā.",
     "You have unpaid bills. Please ask at the library."),
    (PatronFlag.TOO_MANY_RENEWALS, "renewal_limit",
     "Šo grāmatu vairs nevar pagarināt: sasniegts pagarinājumu skaits.",
     "This book cannot be renewed again: the number of renewals is reached."),
)
_DENIED = {"charge": PatronFlag.CHARGE_DENIED, "renewal": PatronFlag.RENEWAL_DENIED,
           "hold": PatronFlag.HOLD_DENIED}


def flag_refusal(flags: set[PatronFlag], action: str) -> Refusal | None:
    """Why ``action`` ("charge", "renewal" or "hold") is refused, when the
    patron status names a reason."""
    reasons = [r for r in _FLAG_REFUSALS if r[0] in flags
               and (action == "renewal" or r[0] != PatronFlag.TOO_MANY_RENEWALS)]
    if not reasons:
        return None
    _, code, lv, en = reasons[0]
    return Refusal(code=code, lv=lv, en=en)


def denied(flags: set[PatronFlag], action: str) -> Refusal | None:
    """That the library denies ``action`` on the account, when the patron
    status says only that (never a bare "not allowed": it says whom to ask)."""
    if _DENIED[action] not in flags:
        return None
    return Refusal(code=f"{action}_denied",
                   lv="Bibliotēka jūsu kontam to pašlaik neatļauj. Lūdzu, jautājiet "
                   "bibliotekāram, kāpēc.",
                   en="The library does not allow this on your account right now. "
                   "Please ask a librarian why.")


def refused_by_server(answer: Message) -> Refusal:
    """The server's refusal: its screen messages as it wrote them (a SIP2
    server speaks one language), its code when it is Mana's (ZC)."""
    text = " ".join(line.strip() for line in answer.all("AF") if line.strip())
    if not text:
        return Refusal(
            code="sip2_refused",
            lv="Bibliotēkas sistēma šo pieprasījumu noraidīja. Lūdzu, vērsieties bibliotēkā.",
            en="The library system refused this request. Please ask at the library.",
        )
    return Refusal(code=answer.get("ZC") or "sip2_refused", lv=text, en=text)


@dataclass
class _Account:
    card: str
    pin: str
    patron: Patron
    ids: dict[str, int] = field(default_factory=dict)
    """A number for every barcode seen, standing for its loan or reservation."""

    def id_of(self, barcode: str) -> int:
        return self.ids.setdefault(barcode, len(self.ids) + 1)

    def barcode_of(self, item_id: int) -> str:
        barcode = next((b for b, i in self.ids.items() if i == item_id), None)
        if barcode is None:
            raise NotFound()
        return barcode


@dataclass(frozen=True)
class _Item:
    title: str
    due: date | None
    library: str
    held_until: date | None


class Sip2Accounts(AccountService):
    """``AccountService`` over SIP2 (``Sip2Client``). ``institution`` is the
    AO every message carries."""

    def __init__(self, client: Sip2Client, institution: str, *,
                 clock: Clock | None = None, language: str = "lv") -> None:
        self.client = client
        self.institution = institution
        self.clock = clock or SystemClock()
        self.language = language
        self._accounts: dict[str, _Account] = {}

    async def ready(self) -> bool:
        try:
            await self.client.status()
        except Exception:  # noqa: BLE001 - whatever it is: not ready
            return False
        return True

    # --------------------------------------------------------------- messages

    def _now(self) -> str:
        return sip_date(self.clock.now())

    def _today(self) -> date:
        return self.clock.now().date()

    def _account(self, session: Session) -> _Account:
        account = self._accounts.get(session.token)
        if account is None:
            raise NotAuthenticated()
        return account

    def _patron_fields(self, account: _Account) -> list[tuple[str, str | None]]:
        return [("AO", self.institution), ("AA", account.card), ("AD", account.pin)]

    async def _information(self, card: str, pin: str, which: Summary | None = None,
                           start: int = 1) -> Message:
        fields: list[tuple[str, str | None]] = [("AO", self.institution), ("AA", card),
                                                ("AD", pin)]
        if which is not None:
            fields += [("BP", str(start)), ("BQ", str(start + PAGE - 1))]
        return await self.client.request(message("63", {
            "language": LANGUAGE_UNKNOWN, "transaction_date": self._now(),
            "summary": summary(which)}, fields))

    async def _list(self, account: _Account, which: Summary, field_id: str) -> list[str]:
        """Every entry of one list of the patron's, page by page."""
        entries: list[str] = []
        for page in range(PAGES):
            answer = await self._information(account.card, account.pin, which, 1 + page * PAGE)
            if answer.get("CQ") == "N":
                raise NotAuthenticated()
            got = answer.all(field_id)
            entries += got
            if len(got) < PAGE:
                break
        return entries

    async def _item(self, barcode: str) -> _Item:
        answer = await self.client.request(message(
            "17", {"transaction_date": self._now()}, [("AO", self.institution),
                                                       ("AB", barcode)]))
        return _Item(
            title=answer.get("AJ") or barcode,
            due=parse_day(answer.get("AH")) if answer.get("AH") else None,
            library=answer.get("BG") or answer.get("AQ") or self.institution,
            held_until=parse_day(answer.get("CM")) if answer.get("CM") else None,
        )

    # ------------------------------------------------------------------- auth

    async def login(self, identifier: str, password: str) -> Session:
        card = identifier.strip()
        answer = await self._information(card, password)
        if answer.command != "64" or answer.get("BL") != "Y" or answer.get("CQ") != "Y":
            raise InvalidCredentials()
        patron = Patron(
            id=int.from_bytes(hashlib.sha256(card.encode()).digest()[:6], "big"),
            username=card,
            card_number=answer.get("AA") or card,
            name=answer.get("AE") or card,
            email=answer.get("BE"),
            home_library=self.institution,
            language=language_of(answer.fixed.get("language", ""), self.language),
        )
        token = secrets.token_urlsafe(32)
        self._accounts[token] = _Account(card, password, patron)
        return Session(token=token, patron=patron)

    async def logout(self, session: Session) -> None:
        account = self._accounts.pop(session.token, None)
        if account is not None:
            await self.client.request(message("35", {"transaction_date": self._now()},
                                              self._patron_fields(account)))

    async def request_password_reset(self, identifier: str) -> None:
        raise Refused(not_offered())

    async def reset_password(self, identifier: str, code: str, new_password: str) -> None:
        raise Refused(not_offered())

    # ---------------------------------------------------------------- account

    async def loans(self, session: Session) -> list[LoanView]:
        account = self._account(session)
        charged = await self._list(account, Summary.CHARGED, "AU")
        fines: dict[str, Decimal] = {}
        for entry in await self._list(account, Summary.FINE, "AV"):
            parts = entry.split()
            if len(parts) >= 2:
                try:
                    fines[parts[0]] = Decimal(parts[1].replace(",", "."))
                except InvalidOperation:
                    continue
        today = self._today()
        views = []
        for barcode in charged:
            views.append(self._loan_view(account, barcode, await self._item(barcode),
                                         today, fines.get(barcode, Decimal("0"))))
        return views

    def _loan_view(self, account: _Account, barcode: str, item: _Item, today: date,
                   fine: Decimal, renewal: RenewalState = RenewalState.NONE) -> LoanView:
        due = item.due or today
        overdue = rules.overdue_days(due, today)
        if renewal == RenewalState.PENDING:
            verdict = Verdict.no(rules.renewal_pending())
        elif overdue:
            verdict = Verdict.no(rules.overdue(due))
        else:
            verdict = Verdict.yes()
        return LoanView(
            loan=Loan(id=account.id_of(barcode), patron_id=account.patron.id, barcode=barcode,
                      record_id=0, library_id=self.institution, checked_out=min(today, due),
                      due=due, renewal=renewal),
            title=item.title, authors=[], library_name=item.library,
            overdue_days=overdue, fine=fine, renew=verdict)

    async def loan_history(self, session: Session) -> list[HistoryEntry]:
        self._account(session)
        return []

    async def reservations(self, session: Session) -> list[ReservationView]:
        account = self._account(session)
        views = []
        for which, field_id, state in ((Summary.HOLD, "AS", ReservationState.READY),
                                       (Summary.UNAVAILABLE_HOLD, "CD",
                                        ReservationState.REQUESTED)):
            for barcode in await self._list(account, which, field_id):
                item = await self._item(barcode)
                views.append(self._reservation_view(account, barcode, item.title, item.library,
                                                    state, held_until=item.held_until))
        return views

    def _reservation_view(self, account: _Account, barcode: str, title: str, library: str,
                          state: ReservationState, position: int = 0,
                          held_until: date | None = None) -> ReservationView:
        return ReservationView(
            reservation=Reservation(
                id=account.id_of(barcode), patron_id=account.patron.id, barcode=barcode,
                record_id=0, library_id=self.institution, state=state,
                created=self.clock.now(), position=position,
                held_until=held_until if state == ReservationState.READY else None),
            title=title, authors=[], library_name=library,
            cancel=Verdict.yes() if state.active else Verdict.no(rules.not_active()))

    async def free_requests(self, session: Session) -> list[FreeRequestView]:
        self._account(session)
        return []

    async def free_request_offer(self, session: Session) -> Verdict:
        self._account(session)
        return Verdict.no(not_offered())

    async def submit_free_request(self, session: Session, form: FreeRequestForm) -> FreeRequestView:
        self._account(session)
        raise Refused(not_offered())

    async def order(self, session: Session, barcode: str) -> ReservationView:
        account = self._account(session)
        answer = await self._hold(account, "+", barcode.strip())
        if answer.fixed.get("ok") != "1":
            raise Refused(await self._refusal(account, answer, "hold"))
        position = answer.get("BR")
        if answer.fixed.get("available") == "Y":
            state = ReservationState.READY
        elif position.isdigit() and int(position) > 0:
            state = ReservationState.QUEUED
        else:
            state = ReservationState.REQUESTED
        return self._reservation_view(
            account, barcode.strip(), answer.get("AJ") or barcode, self.institution, state,
            position=int(position) if state == ReservationState.QUEUED else 0,
            held_until=parse_day(answer.get("BW")) if answer.get("BW") else None)

    async def cancel_reservation(self, session: Session, reservation_id: int) -> ReservationView:
        account = self._account(session)
        barcode = account.barcode_of(reservation_id)
        answer = await self._hold(account, "-", barcode)
        if answer.fixed.get("ok") != "1":
            raise Refused(refused_by_server(answer))
        return self._reservation_view(account, barcode, answer.get("AJ") or barcode,
                                      self.institution, ReservationState.CANCELLED)

    async def _refusal(self, account: _Account, answer: Message, action: str) -> Refusal:
        """Why the library system said no: Mana's own words when it is Mana
        (ZC); else the reason the patron status (read afresh) names; else the
        system's screen message (AF: an expired card, say); else that the
        library denies it, or that the system refused."""
        if answer.get("ZC"):
            return refused_by_server(answer)
        status = await self._information(account.card, account.pin)
        flags = patron_flags(status.fixed.get("patron_status", ""))
        reason = flag_refusal(flags, action)
        if reason is None and not any(line.strip() for line in answer.all("AF")):
            reason = denied(flags, action)
        return reason or refused_by_server(answer)

    async def _hold(self, account: _Account, mode: str, barcode: str) -> Message:
        return await self.client.request(message(
            "15", {"hold_mode": mode, "transaction_date": self._now()},
            [*self._patron_fields(account), ("AB", barcode)]))

    async def request_renewal(self, session: Session, loan_id: int) -> LoanView:
        account = self._account(session)
        barcode = account.barcode_of(loan_id)
        answer = await self.client.request(message(
            "29", {"third_party_allowed": "N", "no_block": "N",
                   "transaction_date": self._now(), "nb_due_date": self._now()},
            [*self._patron_fields(account), ("AB", barcode)]))
        pending = answer.get("ZR") == "pending"
        if answer.fixed.get("ok") != "1" and not pending:
            raise Refused(await self._refusal(account, answer, "renewal"))
        item = _Item(title=answer.get("AJ") or barcode, due=parse_day(answer.get("AH")),
                     library=self.institution, held_until=None)
        if item.due is None:
            item = await self._item(barcode)
        return self._loan_view(account, barcode, item, self._today(), Decimal("0"),
                               RenewalState.PENDING if pending else RenewalState.NONE)

    # --------------------------------------------------------------- self-check

    async def abilities(self) -> Abilities:
        """SIP2 has no free requests, no loan history, no e-mail (lists,
        receipts), no password recovery and no staff queues."""
        return Abilities(free_requests=False, loan_history=False, lists=False,
                         password_reset=False, staff_desk=False, receipts=False)

    async def self_check_out(self, session: Session, library_id: str, barcode: str) -> LoanView:
        """Check ``barcode`` out to the session's patron (11); the library
        system knows the terminal's library by its SIP login. Raises
        ``Refused``."""
        account = self._account(session)
        answer = await self.client.request(message(
            "11", {"sc_renewal_policy": "N", "no_block": "N", "transaction_date": self._now(),
                   "nb_due_date": self._now()},
            [("AO", self.institution), ("AA", account.card), ("AB", barcode.strip()),
             ("AC", ""), ("AD", account.pin)]))
        if answer.fixed.get("ok") != "1":
            raise Refused(await self._refusal(account, answer, "charge"))
        item = _Item(title=answer.get("AJ") or barcode, due=parse_day(answer.get("AH")),
                     library=self.institution, held_until=None)
        return self._loan_view(account, barcode.strip(), item, self._today(), Decimal("0"))

    async def self_check_in(self, session: Session, library_id: str,
                            barcode: str) -> CheckInResult:
        """Return ``barcode`` (09). Raises ``Refused``."""
        answer = await self.client.request(message(
            "09", {"no_block": "N", "transaction_date": self._now(),
                   "return_date": self._now()},
            [("AP", self.institution), ("AO", self.institution), ("AB", barcode.strip()),
             ("AC", "")]))
        if answer.fixed.get("ok") != "1":
            raise Refused(refused_by_server(answer))
        return CheckInResult(barcode=barcode.strip(), title=answer.get("AJ") or barcode,
                             loan=None)

    # ------------------------------------------------------------------ staff

    async def staff_reservations(self, session: Session) -> list[ReservationView]:
        raise Forbidden()

    async def confirm_reservation(self, session: Session, reservation_id: int) -> ReservationView:
        raise Forbidden()

    async def reject_reservation(self, session: Session, reservation_id: int,
                                 reason: str) -> ReservationView:
        raise Forbidden()

    async def staff_renewals(self, session: Session) -> list[LoanView]:
        raise Forbidden()

    async def approve_renewal(self, session: Session, loan_id: int) -> LoanView:
        raise Forbidden()

    async def deny_renewal(self, session: Session, loan_id: int, reason: str) -> LoanView:
        raise Forbidden()

    async def staff_free_requests(self, session: Session) -> list[FreeRequestView]:
        raise Forbidden()

    async def accept_free_request(self, session: Session, request_id: int,
                                  note: str = "") -> FreeRequestView:
        raise Forbidden()

    async def fulfil_free_request(self, session: Session, request_id: int,
                                  note: str = "") -> FreeRequestView:
        raise Forbidden()

    async def reject_free_request(self, session: Session, request_id: int,
                                  note: str) -> FreeRequestView:
        raise Forbidden()

    async def find_patrons(self, session: Session, text: str) -> list[Patron]:
        raise Forbidden()

    async def patron_account(self, session: Session, patron_id: int) -> PatronAccount:
        raise Forbidden()

    async def check_out(self, session: Session, card_number: str, barcode: str) -> LoanView:
        raise Forbidden()

    async def check_in(self, session: Session, barcode: str) -> CheckInResult:
        raise Forbidden()

    # ------------------------------------------------------ mail and maintenance

    async def send_list(self, record_ids: list[int], email: str, language: str = "lv") -> Mail:
        raise Refused(not_offered())

    async def send_receipt(self, session: Session, library_id: str, lent: list[str],
                           returned: list[str]) -> Mail:
        raise Refused(not_offered())

    async def outbox(self) -> list[Mail]:
        return []

    async def expire_holds(self) -> list[ReservationView]:
        return []


__all__ = ["Sip2Accounts", "not_offered", "refused_by_server"]
