"""The one contract every adapter keeps: ``LibraryService``.

The app receives an object of this shape and never knows which adapter it is.
Every method is a coroutine. Errors are only the package's own
(``services.errors``); an adapter translates its transport's exceptions at the
boundary. A refusal by the rules is ``Refused`` carrying a ``Refusal`` with a
reason code and a sentence in Latvian and English.

Account methods take the ``Session`` that ``login`` returned; a session that
ended raises ``NotAuthenticated``. A patron reaches only their own data: an id
of someone else's loan, reservation or request is ``NotFound``. Staff methods
need a staff session and stay within its library (``Forbidden`` otherwise).

An adapter inherits this class: every operation is an abstract method, so an
adapter that lacks one cannot be built (``TypeError`` naming it). The
contract has two parts that may come from different sources: the catalogue
(``CatalogueService``) and the accounts (``AccountService``: logging in, the
patron's account, the staff's desk, mail and maintenance). Each operation
travels over HTTP as its line in ``services.server.operations`` says, which
is checked against this class.
What only some adapters can do is declared here too, with its default
(``ready``, ``mail_queue``), never found by ``hasattr``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar

from services.models import (
    Abilities,
    CheckInResult,
    CopyView,
    FreeRequestForm,
    FreeRequestView,
    HistoryEntry,
    Library,
    LoanView,
    MarcView,
    Message,
    Page,
    Patron,
    PatronAccount,
    Record,
    ReservationView,
    SearchPage,
    SearchQuery,
    Session,
    Verdict,
)


class CatalogueService(ABC):
    """The catalogue: what anyone may look up, without logging in. A region
    may take it from another source than its accounts (an SRU server,
    ``services.sru``); ``services.combined`` then joins the two."""

    async def ready(self) -> bool:
        """Whether the adapter can serve now (the server's ``/health``). Always,
        unless it needs something that can be away (the engine: its
        database). Never raises."""
        return True

    # ---------------------------------------------------------------- catalogue

    @abstractmethod
    async def libraries(self) -> list[Library]:
        """Every library of the region, with collections, contacts and rules.

        Raises ``ServiceUnavailable``.
        """
        ...

    @abstractmethod
    async def search(self, query: SearchQuery) -> SearchPage:
        """One page of records matching every word of ``query.text`` (R1).

        Words match the beginning of any word of the title, authors, subjects,
        publisher, source or ISBN, ignoring case and diacritics. Records whose
        title matches come first; within each group, the shorter titles
        (the closer to the words typed). With ``query.counts``, the page says what
        each library, material type and language holds of the match
        (``SearchCounts``). Raises ``ServiceUnavailable``.
        """
        ...

    @abstractmethod
    async def record(self, record_id: int) -> Record:
        """The full description of one record. Raises ``NotFound``, ``ServiceUnavailable``."""
        ...

    @abstractmethod
    async def copies(self, record_id: int, offset: int = 0, limit: int = 50) -> Page[CopyView]:
        """One page of the record's copies, each with what it offers (R2, R3).

        Ordered by library, collection and shelf mark. Raises ``NotFound``,
        ``ServiceUnavailable``.
        """
        ...

    @abstractmethod
    async def record_marc(self, record_id: int) -> MarcView:
        """The record's MARC fields, read-only (the record screen's MARC
        view): as imported when ``Record.has_marc``, else the MARC its own
        fields make. Raises ``NotFound``, ``ServiceUnavailable``."""
        ...


class AccountService(ABC):
    """The accounts: logging in, the patron's account, the staff's desk,
    mail and maintenance."""

    # -------------------------------------------------------- optional abilities

    mail_queue: ClassVar[bool] = False
    """Whether the outbox is also a delivery queue (``mail_due``,
    ``mail_sent``, ``mail_failed``, ``forget_mail``: the server's
    ``mailer.MailQueue``), which the server then delivers over SMTP and clears
    of old mail. ``MemoryService`` has one; a remote adapter's mail is its
    server's."""

    async def ready(self) -> bool:
        """Whether the adapter can serve now (the server's ``/health``). Always,
        unless it needs something that can be away (the engine: its
        database). Never raises."""
        return True

    # --------------------------------------------------------------------- auth

    @abstractmethod
    async def login(self, identifier: str, password: str) -> Session:
        """Log in with a username or library card number and password (R5).

        Raises ``InvalidCredentials`` (the same for an unknown user and a wrong
        password), ``TooManyAttempts``, ``ServiceUnavailable``.
        """
        ...

    @abstractmethod
    async def logout(self, session: Session) -> None:
        """End the session; its token is of no use afterwards. Never raises for
        a session that already ended."""
        ...

    @abstractmethod
    async def request_password_reset(self, identifier: str) -> None:
        """Send a recovery code to the e-mail on file for that username or card.

        Says nothing about whether the account exists (no error for an unknown
        one). Raises ``TooManyAttempts``, ``ServiceUnavailable``.
        """
        ...

    @abstractmethod
    async def reset_password(self, identifier: str, code: str, new_password: str) -> None:
        """Set a new password with the code from the e-mail.

        Raises ``InvalidCode``, ``InvalidInput`` (field "password": too short or
        too long), ``ServiceUnavailable``.
        """
        ...

    # ------------------------------------------------------------------ account

    @abstractmethod
    async def loans(self, session: Session) -> list[LoanView]:
        """The patron's current loans with due date, overdue days, fine and
        whether renewal is offered (R11, R12). Raises ``NotAuthenticated``."""
        ...

    @abstractmethod
    async def loan_history(self, session: Session) -> list[HistoryEntry]:
        """Returned loans, newest first. Raises ``NotAuthenticated``."""
        ...

    @abstractmethod
    async def reservations(self, session: Session) -> list[ReservationView]:
        """Active reservations (waiting, ready, queued) and those that ended in
        the last 30 days (R7). Raises ``NotAuthenticated``."""
        ...

    @abstractmethod
    async def free_requests(self, session: Session) -> list[FreeRequestView]:
        """Free requests, newest first, with state and review deadline (R10).
        Raises ``NotAuthenticated``."""
        ...

    @abstractmethod
    async def free_request_offer(self, session: Session) -> Verdict:
        """Whether "Veikt pasūtījumu" is offered now; refused while any loan is
        overdue (R9). Raises ``NotAuthenticated``."""
        ...

    @abstractmethod
    async def order(self, session: Session, barcode: str) -> ReservationView:
        """Order a copy (R3): an available copy gets a reservation waiting for
        the library's confirmation, pickup at the copy's library; a copy on
        loan or held for someone puts the patron in its queue at the next
        position. Raises ``Refused`` (reading room, lost, already reserved by
        this patron, on loan to this patron, reservation limit),
        ``NotFound``, ``NotAuthenticated``.
        """
        ...

    @abstractmethod
    async def cancel_reservation(self, session: Session, reservation_id: int) -> ReservationView:
        """Cancel an active reservation; the copy passes to the next in the
        queue or back to the shelf. Raises ``Refused``, ``NotFound``,
        ``NotAuthenticated``."""
        ...

    @abstractmethod
    async def request_renewal(self, session: Session, loan_id: int) -> LoanView:
        """Ask to renew a loan (R12); the loan shows "Neapstrādāts
        pagarinājums" until a librarian processes it. Raises ``Refused``
        (overdue, at the limit, already pending, others waiting), ``NotFound``,
        ``NotAuthenticated``."""
        ...

    @abstractmethod
    async def submit_free_request(self, session: Session, form: FreeRequestForm) -> FreeRequestView:
        """Send a free request (R8–R10). Raises ``InvalidInput`` naming the
        field (title, library_id, collection or a field that is too long),
        ``Refused`` (a loan is overdue), ``NotAuthenticated``."""
        ...

    # --------------------------------------------------------------- self-check

    @abstractmethod
    async def abilities(self) -> Abilities:
        """What this source offers (a library system over SIP2 has no free
        requests, for one); the screens show only that."""
        ...

    @abstractmethod
    async def self_check_out(self, session: Session, library_id: str, barcode: str) -> LoanView:
        """The patron checks a copy of ``library_id`` (the terminal's
        library) out to themselves, under the rules of a check-out at the desk
        (R14). Raises ``NotFound`` (no such copy), ``Refused`` (another
        library's copy, a blocked patron, held for someone else, reading
        room, not on the shelf), ``NotAuthenticated``."""
        ...

    @abstractmethod
    async def self_check_in(self, session: Session, library_id: str,
                            barcode: str) -> CheckInResult:
        """The patron returns a copy of ``library_id`` at its terminal; with
        a queue it goes to the next reader as at the desk, and the answer
        says to leave it at the desk (``set_aside``), never for whom.
        Raises ``NotFound``, ``Refused`` (another library's copy, returns
        not taken here, not on loan), ``NotAuthenticated``."""
        ...

    @abstractmethod
    async def send_receipt(self, session: Session, library_id: str, lent: list[str],
                           returned: list[str]) -> Message:
        """E-mail the patron a receipt of a self-check visit at
        ``library_id``: each of ``lent`` (barcodes now on loan to them) with
        its due date, each of ``returned`` by title. Raises ``InvalidInput``
        (field "email": no address on file; "lent": nothing to list),
        ``NotAuthenticated``."""
        ...

    # -------------------------------------------------------------------- staff

    @abstractmethod
    async def staff_reservations(self, session: Session) -> list[ReservationView]:
        """Reservations of the staff's library waiting for confirmation, oldest
        first, each with its ``patron`` (as are the other staff lists).
        Raises ``Forbidden``, ``NotAuthenticated``."""
        ...

    @abstractmethod
    async def confirm_reservation(self, session: Session, reservation_id: int) -> ReservationView:
        """Put the copy on the hold shelf until today + the library's pickup
        days (R6) and e-mail the patron. Raises ``Conflict`` (not waiting),
        ``NotFound``, ``Forbidden``, ``NotAuthenticated``."""
        ...

    @abstractmethod
    async def reject_reservation(
        self, session: Session, reservation_id: int, reason: str
    ) -> ReservationView:
        """Reject a reservation with a reason; the copy passes on. Raises
        ``Conflict``, ``NotFound``, ``Forbidden``, ``NotAuthenticated``."""
        ...

    @abstractmethod
    async def staff_renewals(self, session: Session) -> list[LoanView]:
        """Loans of the staff's library with a pending renewal request."""
        ...

    @abstractmethod
    async def approve_renewal(self, session: Session, loan_id: int) -> LoanView:
        """New due date = due date + the library's renewal days; e-mail the
        patron. Raises ``Conflict`` (nothing pending), ``NotFound``,
        ``Forbidden``, ``NotAuthenticated``."""
        ...

    @abstractmethod
    async def deny_renewal(self, session: Session, loan_id: int, reason: str) -> LoanView:
        """Deny with a reason; the due date stays. Same errors as approve."""
        ...

    @abstractmethod
    async def staff_free_requests(self, session: Session) -> list[FreeRequestView]:
        """Free requests to the staff's library that are sent or accepted."""
        ...

    @abstractmethod
    async def accept_free_request(
        self, session: Session, request_id: int, note: str = ""
    ) -> FreeRequestView:
        """Raises ``Conflict`` (not sent), ``NotFound``, ``Forbidden``."""
        ...

    @abstractmethod
    async def fulfil_free_request(
        self, session: Session, request_id: int, note: str = ""
    ) -> FreeRequestView:
        """Raises ``Conflict`` (not sent or accepted), ``NotFound``, ``Forbidden``."""
        ...

    @abstractmethod
    async def reject_free_request(
        self, session: Session, request_id: int, note: str
    ) -> FreeRequestView:
        """Raises ``Conflict`` (already fulfilled or rejected), ``NotFound``, ``Forbidden``."""
        ...

    @abstractmethod
    async def find_patrons(self, session: Session, text: str) -> list[Patron]:
        """Staff look-up by card number or name. Raises ``Forbidden``."""
        ...

    @abstractmethod
    async def patron_account(self, session: Session, patron_id: int) -> PatronAccount:
        """One patron as the desk sees them: current loans, active reservations
        and free requests at the staff's library, and what blocks them (an
        overdue loan anywhere). Raises ``NotFound``, ``Forbidden``."""
        ...

    @abstractmethod
    async def check_out(self, session: Session, card_number: str, barcode: str) -> LoanView:
        """Lend a copy of the staff's library to a patron for the library's
        loan days; collects the patron's ready reservation of it. Raises
        ``Refused`` (patron blocked by an overdue loan, copy held for someone
        else, reading-room copy, not on the shelf), ``NotFound``,
        ``Forbidden``."""
        ...

    @abstractmethod
    async def check_in(self, session: Session, barcode: str) -> CheckInResult:
        """Take a copy back; with a queue it becomes the next reader's
        reservation on the hold shelf (R14). Raises ``NotFound``, ``Forbidden``."""
        ...

    # ------------------------------------------------------ mail and maintenance

    @abstractmethod
    async def send_list(self, record_ids: list[int], email: str, language: str = "lv") -> Message:
        """Send a list of records to an e-mail address, no login needed (R4).
        Raises ``InvalidInput`` (field "email" or "records"), ``ServiceUnavailable``."""
        ...

    @abstractmethod
    async def outbox(self) -> list[Message]:
        """Every message the service has sent or will send, oldest first (R13)."""
        ...

    @abstractmethod
    async def expire_holds(self) -> list[ReservationView]:
        """Expire holds past their date and pass each copy on (R7), and send
        the day's due-date reminders (R13); returns the expired holds. Adapters
        also do both on their own as time passes."""
        ...


class LibraryService(CatalogueService, AccountService):
    """Both parts of the contract; each adapter inherits it (the engine,
    the remote adapter, the combined service)."""
