"""The domain of Mana: libraries, records, copies, patrons and what they do.

Plain pydantic models, shared by every adapter, the server and the screens.
Nothing here knows about Textual or HTTP. The ``*View`` models are the
answers the service gives to a screen: a domain object together with what the
rules say about it (offers, refusals, dates), so that a screen only shows.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Generic, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic_core import PydanticCustomError

from services.text import has_controls, storable

T = TypeVar("T")


class Model(BaseModel):
    """Base of every domain model: immutable, no unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)


# --------------------------------------------------------------------------
# Text that comes from outside

LINE_PATTERN = "^[^\\u0000-\\u001f\\u007f-\\u009f]*$"
"""A single-line field in JSON Schema terms: no control character."""


def _storable(value: str) -> str:
    if not storable(value):
        raise PydanticCustomError("unstorable_text", "a character that cannot be stored")
    return value


def _single_line(value: str) -> str:
    _storable(value)
    if has_controls(value):
        raise PydanticCustomError("control_character", "a control character")
    return value


def line(max_length: int | None = None) -> Any:
    """The type of a single-line field (a name, a code, an address): text
    that can be stored, without control characters (NUL, ESC, tab, newline …),
    at most ``max_length`` characters. Like pydantic's ``constr``; the server's
    boundary answers 422 naming the field (``handlers.describe_validation``)."""
    return Annotated[
        str,
        Field(max_length=max_length, json_schema_extra={"pattern": LINE_PATTERN}),
        AfterValidator(_single_line),
    ]


def free_text(max_length: int | None = None) -> Any:
    """The type of a field a person writes freely (a title, a reason, a note):
    text that can be stored, at most ``max_length`` characters. Control
    characters are the engine's to strip (R8: ``rules.validate_free_request``)."""
    return Annotated[str, Field(max_length=max_length), AfterValidator(_storable)]


# --------------------------------------------------------------------------
# Answers and refusals


class Refusal(Model):
    """Why the service says no, in words a patron understands.

    ``code`` is stable and meant for programs (tests, the server's JSON);
    ``lv`` and ``en`` are the sentence shown to the patron.
    """

    code: str
    lv: str
    en: str

    def text(self, language: str) -> str:
        """The sentence in ``language`` ("lv" or "en"), Latvian otherwise."""
        return self.en if language == "en" else self.lv


class Verdict(Model):
    """Whether an action is allowed now; when not, the refusal says why."""

    allowed: bool
    refusal: Refusal | None = None

    @classmethod
    def yes(cls) -> Verdict:
        return cls(allowed=True)

    @classmethod
    def no(cls, refusal: Refusal) -> Verdict:
        return cls(allowed=False, refusal=refusal)


class Page(Model, Generic[T]):
    """One page of a larger result: ``items`` start at ``offset`` of ``total``."""

    items: list[T]
    offset: int = 0
    total: int = 0

    @property
    def has_next(self) -> bool:
        return self.offset + len(self.items) < self.total

    @property
    def has_previous(self) -> bool:
        return self.offset > 0


# --------------------------------------------------------------------------
# Libraries


class Contacts(Model):
    """How to reach a library (R16)."""

    address: str
    phone: str
    email: str
    hours: str = ""
    website: str = ""


class Collection(Model):
    """A collection ("fonds") of a library: adult lending, children's, reading room …"""

    code: str
    name_lv: str
    name_en: str
    reading_room: bool = False
    """Copies here are used in the library only ("Lasītavā"), never ordered."""

    def name(self, language: str) -> str:
        return self.name_en if language == "en" else self.name_lv


class LibraryRules(Model):
    """A library's own circulation rules."""

    loan_days: int = Field(default=30, ge=1, le=365)
    renewal_days: int = Field(default=14, ge=1, le=365)
    renewal_limit: int = Field(default=2, ge=0, le=50)
    pickup_days: int = Field(default=10, ge=1, le=60)
    """Days a confirmed reservation waits on the hold shelf (R6)."""
    fine_per_day: Decimal = Field(default=Decimal("0.10"), ge=0)
    fine_grace_days: int = Field(default=0, ge=0, le=60)
    """Overdue days that cost nothing; the fine counts the days after them."""
    fine_cap: Decimal = Field(default=Decimal("5.00"), ge=0)
    reservation_limit: int = Field(default=5, ge=0, le=100)
    """How many active reservations (waiting, ready or queued) a patron may hold here."""
    reminder_days: int = Field(default=3, ge=0, le=30)
    """Days before a due date that the reminder e-mail goes out (R13)."""
    self_check_in: bool = True
    """Whether patrons may return books at this library's self-service
    terminals (those set up for it: ``[kiosk] self_check``)."""


class Library(Model):
    """One library of the region with its collections, contacts and rules."""

    id: str
    name: str
    short_name: str
    collections: list[Collection]
    contacts: Contacts
    rules: LibraryRules = LibraryRules()

    def collection(self, code: str) -> Collection | None:
        return next((c for c in self.collections if c.code == code), None)


# --------------------------------------------------------------------------
# Catalog


class MaterialType(StrEnum):
    BOOK = "book"
    ARTICLE = "article"
    AUDIOBOOK = "audiobook"
    PERIODICAL = "periodical"


class Link(Model):
    url: str
    label: str = ""


class Record(Model):
    """A bibliographic record: a book, an article, a periodical …"""

    id: int
    title: str
    authors: list[str] = []
    year: int | None = None
    publisher: str = ""
    isbn: str = ""
    language: str = "lv"
    subjects: list[str] = []
    material_type: MaterialType = MaterialType.BOOK
    description: str = ""
    """The summary (MARC 520)."""
    source: str = ""
    """For an article: the periodical and issue it appeared in (MARC 773)."""
    responsibility: str = ""
    """The statement of responsibility as the title page gives it (245 $c)."""
    edition: str = ""
    physical: str = ""
    """The physical description: pages, illustrations, size (300)."""
    series: list[str] = []
    notes: list[str] = []
    contents: str = ""
    """The contents note (505)."""
    links: list[Link] = []
    """Electronic locations (856), shown as text."""
    has_marc: bool = False
    """Whether the record came as MARC (``record_marc`` then answers with it
    as it came; otherwise with the MARC the record's fields make)."""


class MarcField(Model):
    """One field of a MARC record as the MARC view shows it: a control field
    (tag below 010) has ``data``; a data field has two indicators and its
    subfields as (code, value) pairs, in order."""

    tag: str
    data: str = ""
    indicators: str = ""
    subfields: list[tuple[str, str]] = []


class MarcView(Model):
    """A record's MARC fields, read-only (the record screen's MARC view)."""

    leader: str
    fields: list[MarcField]


class CopyStatus(StrEnum):
    AVAILABLE = "available"
    """On the shelf; lendable unless its collection is a reading room."""
    RESERVED = "reserved"
    """Ordered by a patron, waiting for the library's confirmation."""
    ON_HOLD = "on_hold"
    """On the hold shelf for a patron until the reservation's date."""
    ON_LOAN = "on_loan"
    IN_TRANSIT = "in_transit"
    IN_REPAIR = "in_repair"
    PROCESSING = "processing"
    LOST = "lost"
    NOT_FOR_LOAN = "not_for_loan"
    """Used in the library only, whatever its collection (an imported copy
    marked not for loan)."""


class Copy(Model):
    """One physical copy of a record, in one library's collection."""

    barcode: str
    record_id: int
    library_id: str
    collection: str
    shelf_mark: str
    status: CopyStatus = CopyStatus.AVAILABLE


class OfferKind(StrEnum):
    """What a copy offers a patron (R3)."""

    ORDER = "order"
    """"Pasūtīt": create a reservation to pick up at the copy's library."""
    QUEUE = "queue"
    """"Izsniegts līdz …" / held for someone: join the copy's queue."""
    READING_ROOM = "reading_room"
    """"Lasītavā": use in the library only."""
    CONTACT = "contact"
    """Nothing to order: contact the library (its contacts are shown)."""


class CopyOffer(Model):
    kind: OfferKind
    due: date | None = None
    """For a copy on loan: the current loan's due date."""
    queue_length: int = 0
    """Patrons already waiting for this copy."""
    expected: date | None = None
    """For QUEUE: around when the next reader joining would get it."""
    refusal: Refusal | None = None
    """For CONTACT: why nothing can be ordered."""


class CopyView(Model):
    item: Copy
    library_name: str
    collection_lv: str
    collection_en: str
    offer: CopyOffer

    def collection_name(self, language: str) -> str:
        return self.collection_en if language == "en" else self.collection_lv


class SearchQuery(Model):
    """A catalog search (R1). Empty ``text`` lists the whole catalog."""

    text: free_text(500) = ""
    library_id: line(64) | None = None
    material_type: MaterialType | None = None
    available_now: bool = False
    """Only records with a copy that can be ordered now ("Pasūtīt")."""
    offset: int = Field(default=0, ge=0)
    limit: int = Field(default=20, ge=1, le=200)
    counts: bool = False
    """Also count what each choice of the catalog's filter lists would find
    (``SearchPage.counts``)."""


class SearchHit(Model):
    id: int
    title: str
    authors: list[str]
    year: int | None
    material_type: MaterialType
    copies: int
    available: int
    """Copies that can be ordered now."""


class SearchCounts(Model):
    """How many records match a search's text (and "available now") per
    library that holds a copy, per material type and per language: what each
    choice of the catalog's filter lists would find. A value nothing matches
    is left out."""

    libraries: dict[str, int] = {}
    material_types: dict[str, int] = {}
    languages: dict[str, int] = {}


class SearchPage(Page[SearchHit]):
    """One page of a search; ``counts`` when the query asked for them (and
    the source could count them). ``more``: more records match than
    ``total``, where the source stopped counting (and paging)."""

    more: bool = False
    counts: SearchCounts | None = None


# --------------------------------------------------------------------------
# People


class Patron(Model):
    """A registered reader, or a staff member when ``staff_library`` is set."""

    id: int
    username: str
    card_number: str
    name: str
    email: str
    home_library: str
    language: str = "lv"
    staff_library: str | None = None

    @property
    def is_staff(self) -> bool:
        return self.staff_library is not None


class Session(Model):
    """A logged-in patron. ``token`` is opaque and goes with every account call."""

    token: str
    patron: Patron


# --------------------------------------------------------------------------
# Circulation


class RenewalState(StrEnum):
    NONE = "none"
    PENDING = "pending"
    """"Neapstrādāts pagarinājums": waiting for a librarian (R12)."""


class Loan(Model):
    id: int
    patron_id: int
    barcode: str
    record_id: int
    library_id: str
    checked_out: date
    due: date
    renewals: int = 0
    renewal: RenewalState = RenewalState.NONE
    returned: date | None = None
    last_renewal_note: str = ""
    """The librarian's reason when the last renewal request was denied."""
    reminded: date | None = None
    """The due date the patron was last reminded of (R13): one reminder per due date."""


class LoanView(Model):
    """A loan with what the rules say about it (R11, R12)."""

    loan: Loan
    title: str
    authors: list[str]
    library_name: str
    overdue_days: int
    fine: Decimal
    renew: Verdict
    """Whether "Pagarināt" is offered, and the reason when not."""
    patron: Patron | None = None
    """Whose loan it is: in the staff's lists only, never in a patron's own."""


class ReservationState(StrEnum):
    REQUESTED = "requested"
    """Waiting for the library's confirmation."""
    READY = "ready"
    """Confirmed, on the hold shelf until ``held_until`` (R6)."""
    QUEUED = "queued"
    """In the copy's queue at ``position``."""
    COLLECTED = "collected"
    EXPIRED = "expired"
    CANCELLED = "cancelled"
    REJECTED = "rejected"

    @property
    def active(self) -> bool:
        return self in (ReservationState.REQUESTED, ReservationState.READY, ReservationState.QUEUED)


class Reservation(Model):
    id: int
    patron_id: int
    barcode: str
    record_id: int
    library_id: str
    """The pickup library: the copy's own."""
    state: ReservationState
    created: datetime
    position: int = 0
    """1… while queued, 0 otherwise."""
    confirmed: date | None = None
    held_until: date | None = None
    note: str = ""
    """The librarian's reason for a rejection."""


class ReservationView(Model):
    """A reservation with its place in the life cycle (R7)."""

    reservation: Reservation
    title: str
    authors: list[str]
    library_name: str
    expected: date | None = None
    """While queued: around when the copy should reach this patron."""
    cancel: Verdict
    patron: Patron | None = None
    """Whose reservation it is: in the staff's lists only."""


class FreeRequestState(StrEnum):
    SENT = "sent"
    """Reached the library, waiting for review."""
    ACCEPTED = "accepted"
    FULFILLED = "fulfilled"
    REJECTED = "rejected"


class FreeRequestForm(Model):
    """What the patron types into "Veikt pasūtījumu" (R8).

    Length limits are checked by the service with a message at the field
    (the server's body, ``operations.FreeRequestBody``, also refuses them at the
    door); text that cannot be stored is refused here.
    """

    author: free_text() = ""
    title: free_text() = ""
    year: free_text() = ""
    info: free_text() = ""
    library_id: free_text() = ""
    collection: free_text() = ""


class FreeRequest(Model):
    id: int
    patron_id: int
    author: str
    title: str
    year: str
    info: str
    library_id: str
    collection: str
    state: FreeRequestState
    submitted: datetime
    review_by: datetime
    """By when the library reviews it: 24 working hours (R10)."""
    note: str = ""


class FreeRequestView(Model):
    request: FreeRequest
    library_name: str
    collection_lv: str
    collection_en: str
    patron: Patron | None = None
    """Who asked: in the staff's lists only."""


class HistoryEntry(Model):
    """A returned loan ("izlasītās")."""

    loan: Loan
    title: str
    authors: list[str]
    library_name: str


class PatronAccount(Model):
    """What the desk sees of one patron (R14 look-up): their loans, reservations
    and free requests at the staff's library, and what blocks them anywhere."""

    patron: Patron
    loans: list[LoanView]
    reservations: list[ReservationView]
    free_requests: list[FreeRequestView]
    blocks: list[Refusal]
    """Why the patron cannot borrow or order now (e.g. an overdue loan); empty
    when nothing does."""


class CheckInResult(Model):
    """What happened at check-in (R14)."""

    barcode: str
    title: str
    loan: Loan | None
    """The loan that was closed, if the copy was on loan."""
    next_reservation: ReservationView | None = None
    """When the copy had a queue: the next reader's reservation, now on the hold shelf."""
    hold_for: Patron | None = None
    set_aside: bool = False
    """At a self-service return: someone waits for the copy, so the patron
    leaves it at the desk (who waits is not said)."""


class Abilities(Model):
    """What an account source offers (``AccountService.abilities``), so the
    screens show nothing it cannot do."""

    free_requests: bool = True
    loan_history: bool = True
    lists: bool = True
    """E-mailing a list of records (R4)."""
    password_reset: bool = True
    staff_desk: bool = True
    self_check_out: bool = True
    self_check_in: bool = True
    """Returns at all; each library says whether its own terminals take
    them (``LibraryRules.self_check_in``)."""
    receipts: bool = True
    """E-mailing a self-check receipt (``send_receipt``)."""


# --------------------------------------------------------------------------
# Messages


class MessageKind(StrEnum):
    PASSWORD_CODE = "password_code"
    RESERVATION_RECEIVED = "reservation_received"
    RESERVATION_READY = "reservation_ready"
    RESERVATION_REJECTED = "reservation_rejected"
    RESERVATION_EXPIRED = "reservation_expired"
    RENEWAL_APPROVED = "renewal_approved"
    RENEWAL_DENIED = "renewal_denied"
    FREE_REQUEST_RECEIVED = "free_request_received"
    FREE_REQUEST_ACCEPTED = "free_request_accepted"
    FREE_REQUEST_FULFILLED = "free_request_fulfilled"
    FREE_REQUEST_REJECTED = "free_request_rejected"
    DUE_REMINDER = "due_reminder"
    LIST = "list"
    RECEIPT = "receipt"
    """What a patron checked out and returned at a self-service terminal."""


class Message(Model):
    """An e-mail the service sends, kept in its outbox (R13)."""

    id: int
    kind: MessageKind
    to: str
    sender: str
    subject: str
    body: str
    language: str
    created: datetime
    sent: datetime | None = None
    """When the mail server accepted it; None while it waits in the outbox."""
    attempts: int = 0
    """Failed delivery attempts so far."""
    next_attempt: datetime | None = None
    """After a failed attempt: not tried again before this."""
    error: str = ""
    """What the mail server said at the last failed attempt."""
    given_up: bool = False
    """The mail server refused it for good (e.g. no such mailbox): not tried again."""

    @property
    def waiting(self) -> bool:
        """Still to be delivered."""
        return self.sent is None and not self.given_up
