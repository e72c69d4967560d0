"""The demo region: the libraries of Aizkraukles novads with a real catalog.

``build_region(today)`` is what the in-memory adapter loads when it is given
nothing else. It is deterministic for the same arguments, and every date is
relative to ``today``, so the demo patrons' situations hold on any day.

Demo logins (password ``demo1234`` for all; the card number works as well):

==============  ==========  ==================================================
username        card        situation
==============  ==========  ==================================================
anna            1000000001  a clean account: no loans, reservations, requests
janis           1000000002  an overdue loan with a fine: it cannot be
                            renewed, and free requests ("Veikt pasūtījumu")
                            are refused
liga            1000000003  loans (renewal pending, renewable, at the renewal
                            limit), a ready reservation, a place in a queue,
                            a reservation waiting for confirmation, free
                            requests sent/accepted/fulfilled/rejected, history
emily           1000000004  English interface: a loan, a ready reservation,
                            first in a queue
staff-aizk      9000000001  a librarian of each library, in the order
staff-kokn …    …           staff-aizk, staff-kokn, staff-jaun, staff-skri,
staff-viet      9000000010  staff-plav, staff-nere, staff-bebr, staff-irsu,
                            staff-sere, staff-viet
==============  ==========  ==================================================

Other readers (``lasitajs01`` … ``lasitajs24``, same password) borrow and
queue so that queues exist. With ``records`` above the curated 320 records,
numbered variations of the real titles are added (see ``services.demo_catalog``).
"""

from __future__ import annotations

import gc
import itertools
import random
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta

from services.clock import RIGA
from services.demo_catalog import Catalog, Shelved
from services.demo_data import (
    ANNA,
    DEMO_PASSWORD,
    DEMO_PATRONS,
    EMILY,
    JANIS,
    LIBRARIES,
    LIGA,
    READERS,
    STAFF,
)
from services.models import (
    Copy,
    CopyStatus,
    FreeRequest,
    FreeRequestState,
    Loan,
    MaterialType,
    Patron,
    Record,
    RenewalState,
    Reservation,
    ReservationState,
)
from services.region import Account, RegionData
from services.rules import reminder_due, review_by

DEMO_LOGINS: tuple[tuple[str, str, str, str], ...] = (
    (ANNA.username, ANNA.card_number, DEMO_PASSWORD, "clean account: nothing borrowed or ordered"),
    (JANIS.username, JANIS.card_number, DEMO_PASSWORD, "overdue loan with a fine"),
    (LIGA.username, LIGA.card_number, DEMO_PASSWORD,
     "loans, reservations (ready, queued, requested), free requests in every state"),
    (EMILY.username, EMILY.card_number, DEMO_PASSWORD, "English-speaking patron"),
    *((s.username, s.card_number, DEMO_PASSWORD, f"staff of {s.staff_library}") for s in STAFF),
)
"""(username, card number, password, situation) of every login a tester needs."""

_LIBS = {lib.id: lib for lib in LIBRARIES}


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=RIGA)


class _Desk:
    """Circulation while the region is built: loans, holds, queues, requests."""

    def __init__(self, catalog: Catalog, today: date, rng: random.Random) -> None:
        self.catalog = catalog
        self.today = today
        self.rng = rng
        self.loans: list[Loan] = []
        self.reservations: list[Reservation] = []
        self.requests: list[FreeRequest] = []
        self.queues: dict[str, int] = {}
        self.active: dict[tuple[int, str], int] = {}
        """(patron, library) → active reservations, to keep within the library's limit."""

    def days(self, n: int) -> date:
        return self.today + timedelta(days=n)

    def copy(self, title: str, library_id: str, reading_room: bool = False,
             material: MaterialType = MaterialType.BOOK) -> Shelved:
        """A new copy of a curated title, for a scenario that must not depend on the seed."""
        record = self.catalog.find(title, material)
        collection = "las" if reading_room else self.catalog.lending(record, library_id)
        return self.catalog.add_copy(record, library_id, collection)

    def lend(self, copy: Shelved, patron: Patron, due: date, renewals: int = 0,
             renewal: RenewalState = RenewalState.NONE, returned: date | None = None) -> Loan:
        rules = _LIBS[copy.library_id].rules
        checked_out = due - timedelta(days=rules.loan_days + renewals * rules.renewal_days)
        loan = Loan(
            id=len(self.loans) + 1, patron_id=patron.id, barcode=copy.barcode,
            record_id=copy.record_id, library_id=copy.library_id,
            checked_out=min(checked_out, self.today), due=due, renewals=renewals,
            renewal=renewal, returned=returned,
        )
        self.loans.append(loan)
        if returned is None:
            copy.status = CopyStatus.ON_LOAN
        return loan

    def _reserve(self, copy: Shelved, patron: Patron, state: ReservationState,
                 created: datetime, **extra: object) -> Reservation:
        reservation = Reservation(
            id=len(self.reservations) + 1, patron_id=patron.id, barcode=copy.barcode,
            record_id=copy.record_id, library_id=copy.library_id, state=state,
            created=created, **extra,
        )
        self.reservations.append(reservation)
        key = (patron.id, copy.library_id)
        self.active[key] = self.active.get(key, 0) + 1
        return reservation

    def hold(self, copy: Shelved, patron: Patron, confirmed: date) -> Reservation:
        """A confirmed reservation on the hold shelf until confirmed + pickup days."""
        copy.status = CopyStatus.ON_HOLD
        held_until = confirmed + timedelta(days=_LIBS[copy.library_id].rules.pickup_days)
        return self._reserve(copy, patron, ReservationState.READY,
                             _at(confirmed - timedelta(days=2), 11, 5),
                             confirmed=confirmed, held_until=held_until)

    def request(self, copy: Shelved, patron: Patron, created: datetime) -> Reservation:
        copy.status = CopyStatus.RESERVED
        return self._reserve(copy, patron, ReservationState.REQUESTED, created)

    def queue(self, copy: Shelved, patron: Patron, created: datetime) -> Reservation:
        position = self.queues.get(copy.barcode, 0) + 1
        self.queues[copy.barcode] = position
        return self._reserve(copy, patron, ReservationState.QUEUED, created, position=position)

    def free_request(self, patron: Patron, author: str, title: str, year: str, info: str,
                     library_id: str, collection: str, state: FreeRequestState,
                     submitted: datetime, note: str = "") -> FreeRequest:
        request = FreeRequest(
            id=len(self.requests) + 1, patron_id=patron.id, author=author, title=title,
            year=year, info=info, library_id=library_id, collection=collection, state=state,
            submitted=submitted, review_by=review_by(submitted), note=note,
        )
        self.requests.append(request)
        return request

    def reader(self, library_id: str, exclude: set[int]) -> Patron | None:
        """A background reader who may still reserve at ``library_id``."""
        limit = _LIBS[library_id].rules.reservation_limit
        for _ in range(12):
            patron = READERS[self.rng.randrange(len(READERS))]
            if patron.id not in exclude and self.active.get((patron.id, library_id), 0) < limit:
                return patron
        return None


def _scenario(desk: _Desk) -> None:
    """The demo patrons' situations, the same for every seed."""
    d, today = desk.days, desk.today
    r1, r2, r3 = READERS[0], READERS[1], READERS[2]

    # janis: an overdue loan (12 days, a fine), a current loan, a returned one.
    desk.lend(desk.copy("Mērnieku laiki", "kokn"), JANIS, due=d(-12))
    desk.lend(desk.copy("Jelgava 94", "kokn"), JANIS, due=d(9))
    desk.lend(desk.copy("Zagļi", "kokn"), JANIS, due=d(-60), returned=d(-62))

    # liga: loans in every renewal situation.
    desk.lend(desk.copy("Simts vientulības gadi", "aizk"), LIGA, due=d(4),
              renewal=RenewalState.PENDING)
    desk.lend(desk.copy("Mātes piens", "aizk"), LIGA, due=d(21))
    skri_limit = _LIBS["skri"].rules.renewal_limit
    desk.lend(desk.copy("Dievs, daba, darbs", "skri"), LIGA, due=d(6), renewals=skri_limit)
    desk.lend(desk.copy("Zaļā zeme", "aizk"), LIGA, due=d(-40), returned=d(-43))
    desk.lend(desk.copy("Baltā grāmata", "kokn"), LIGA, due=d(-75), returned=d(-80))
    # liga: ready for pickup, second in a queue, waiting for confirmation.
    desk.hold(desk.copy("Mazais princis", "aizk"), LIGA, confirmed=d(-3))
    queued = desk.copy("Meistars un Margarita", "aizk")
    desk.lend(queued, r1, due=d(9))
    desk.queue(queued, r2, _at(d(-6), 14, 12))
    desk.queue(queued, LIGA, _at(d(-2), 19, 47))
    desk.request(desk.copy("Laimes bērni", "plav"), LIGA, _at(d(-1), 18, 40))
    # liga: free requests in every state.
    desk.free_request(LIGA, "-", "Grāmatas par biškopību", "-",
                      "Biškopība iesācējiem, vēlams latviešu valodā", "aizk", "ab",
                      FreeRequestState.SENT, _at(today, 8, 20))
    desk.free_request(LIGA, "Hemingvejs, Ernests", "Kam zvana zvans", "-", "", "aizk", "ab",
                      FreeRequestState.ACCEPTED, _at(d(-6), 10, 15),
                      note="Pasūtīts no citas bibliotēkas (SBA).")
    desk.free_request(LIGA, "Kristi, Agata", "Nāve uz Nīlas", "2016", "", "kokn", "ab",
                      FreeRequestState.FULFILLED, _at(d(-20), 16, 30),
                      note="Grāmata izsniegta.")
    desk.free_request(LIGA, "?", "Sērenes muižas vēsture", "-",
                      "Jebkādi materiāli par muižu", "sere", "las",
                      FreeRequestState.REJECTED, _at(d(-12), 12, 0),
                      note="Šāds izdevums katalogā nav atrasts; lūdzam sazināties ar bibliotēku.")

    # emily: a loan, a ready reservation, first in a queue (English interface).
    desk.lend(desk.copy("Soviet Milk", "skri"), EMILY, due=d(12))
    desk.hold(desk.copy("Dog Town", "skri"), EMILY, confirmed=d(-1))
    potter = desk.copy("Harijs Poters un filozofu akmens", "skri")
    desk.lend(potter, r3, due=d(5))
    desk.queue(potter, EMILY, _at(d(-3), 9, 30))

    # Work for the librarians: requests waiting to be reviewed.
    for i, (reader, lib) in enumerate(((r1, "aizk"), (r2, "kokn"), (r3, "skri"))):
        desk.free_request(reader, "-", "Grāmatas par dārzkopību", "-",
                          "Augļu koku kopšana", lib, "ab", FreeRequestState.SENT,
                          _at(d(-i), 9 + i, 10))


def _circulate(desk: _Desk, copies: list[Shelved]) -> None:
    """Lend, hold, request and queue some of the curated copies for other readers."""
    rng, d = desk.rng, desk.days
    for copy in copies:
        if copy.status != CopyStatus.AVAILABLE:
            continue
        roll = rng.random()
        if copy.reading_room:
            if roll < 0.03:
                copy.status = CopyStatus.IN_REPAIR
            continue
        rules = _LIBS[copy.library_id].rules
        if roll < 0.12:
            borrower = READERS[rng.randrange(len(READERS))]
            due = d(rng.randint(-20, rules.loan_days - 1))
            pending = due >= desk.today and rng.random() < 0.15
            desk.lend(copy, borrower, due=due,
                      renewal=RenewalState.PENDING if pending else RenewalState.NONE)
            _queue_some(desk, copy, {borrower.id}, 0.3)
        elif roll < 0.15:
            holder = desk.reader(copy.library_id, set())
            if holder is not None:
                desk.hold(copy, holder, confirmed=d(-rng.randrange(rules.pickup_days)))
                _queue_some(desk, copy, {holder.id}, 0.2)
        elif roll < 0.18:
            requester = desk.reader(copy.library_id, set())
            if requester is not None:
                desk.request(copy, requester, _at(d(-rng.randint(0, 2)), rng.randint(8, 21)))
        elif roll < 0.245:
            rare = (CopyStatus.IN_TRANSIT, CopyStatus.IN_REPAIR, CopyStatus.PROCESSING,
                    CopyStatus.LOST)
            copy.status = rare[rng.randrange(len(rare))]


def _queue_some(desk: _Desk, copy: Shelved, exclude: set[int], chance: float) -> None:
    rng = desk.rng
    if rng.random() >= chance:
        return
    for k in range(rng.randint(1, 3)):
        patron = desk.reader(copy.library_id, exclude)
        if patron is None:
            return
        exclude.add(patron.id)
        desk.queue(copy, patron, _at(desk.days(-10 + 3 * k), rng.randint(8, 21), rng.randrange(60)))


def _ensure_every_status(copies: list[Shelved]) -> None:
    """Each shelf status appears at least once, whatever the seed."""
    present = {copy.status for copy in copies}
    for status in (CopyStatus.IN_TRANSIT, CopyStatus.IN_REPAIR, CopyStatus.PROCESSING,
                   CopyStatus.LOST, CopyStatus.NOT_FOR_LOAN):
        if status not in present:
            shelf = reversed(copies) if status == CopyStatus.NOT_FOR_LOAN else iter(copies)
            spare = next(c for c in shelf  # not for loan: far from the records shown first
                         if c.status == CopyStatus.AVAILABLE and not c.reading_room)
            spare.status = status


def _add_bulk(catalog: Catalog, count: int, year: int, records: list[Record],
              copies: list[Copy]) -> None:
    """Numbered variations, with the cyclic garbage collector paused.

    Millions of new objects would otherwise trigger collections that scan
    them all again and again (half the time at 1,000,000 records); nothing
    built here forms a cycle.
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        for record, record_copies in catalog.bulk(count, year):
            records.append(record)
            copies.extend(record_copies)
    finally:
        if collecting:
            gc.enable()


def build_region(today: date, records: int | None = None, seed: int = 1) -> RegionData:
    """The demo region on ``today``.

    ``records``: how many records in all; ``None`` is the curated catalog
    (the real titles and some of their other editions: 320). More adds numbered variations of the
    real titles; fewer than the curated catalog is refused (ValueError).
    """
    catalog, desk = _curated(today, records, seed)
    all_records = list(catalog.records)
    copies = catalog.frozen_copies()
    if records is not None and records > len(all_records):
        _add_bulk(catalog, records - len(all_records), today.year, all_records, copies)
    return _region(desk, all_records, copies)


def _curated(today: date, records: int | None, seed: int) -> tuple[Catalog, _Desk]:
    """The curated catalog with the scenario and its circulation; ValueError
    when ``records`` is fewer than it holds."""
    rng = random.Random(seed)
    catalog = Catalog(rng)
    catalog.curated()
    curated = len(catalog.records)
    if records is not None and records < curated:
        raise ValueError(f"the demo region has at least {curated} records, not {records}")
    shelved = list(catalog.copies)
    desk = _Desk(catalog, today, rng)
    _scenario(desk)
    _circulate(desk, shelved)
    _ensure_every_status(catalog.copies)
    return catalog, desk


def _region(desk: _Desk, records: list[Record], copies: list[Copy]) -> RegionData:
    people = (*DEMO_PATRONS, *STAFF, *READERS)
    return RegionData(
        libraries=list(LIBRARIES),
        records=records,
        copies=copies,
        accounts=[Account(patron=p, password=DEMO_PASSWORD) for p in people],
        loans=desk.loans,
        reservations=desk.reservations,
        free_requests=desk.requests,
    )


# ------------------------------------------------------------ a large region

_GIVEN = (
    ("Jānis", "Andris", "Juris", "Pēteris", "Kārlis", "Edgars", "Mārtiņš", "Roberts",
     "Oskars", "Valdis", "Ivars", "Gints", "Uldis", "Raivis", "Artūrs", "Normunds"),
    ("Anna", "Līga", "Inga", "Marta", "Zane", "Laura", "Elīna", "Ilze",
     "Dace", "Agnese", "Santa", "Baiba", "Evija", "Sanita", "Kristīne", "Ieva"),
)
_SURNAMES = (
    ("Bērziņš", "Kalniņš", "Ozols", "Liepiņš", "Kļaviņš", "Zariņš", "Vanags", "Krastiņš",
     "Jansons", "Pētersons", "Eglītis", "Balodis", "Lācis", "Siliņš", "Kalējs", "Priedītis"),
    ("Bērziņa", "Kalniņa", "Ozola", "Liepiņa", "Kļaviņa", "Zariņa", "Vanaga", "Krastiņa",
     "Jansone", "Pētersone", "Eglīte", "Balode", "Lāce", "Siliņa", "Kalēja", "Priedīte"),
)
"""Generated patrons' names, a man's or a woman's (Latvian surnames agree)."""

FIRST_GENERATED_PATRON = 1000
"""The id of the first generated patron (the curated people end below)."""


def generated_patron(n: int, rng: random.Random) -> Patron:
    """The ``n``-th generated patron (from 1): ``lasitajs000001``, card ``2000000001``."""
    woman = rng.random() < 0.55
    given, surnames = _GIVEN[woman], _SURNAMES[woman]
    username = f"lasitajs{n:06d}"
    return Patron(
        id=FIRST_GENERATED_PATRON + n - 1, username=username, card_number=f"2{n:09d}",
        name=f"{given[rng.randrange(len(given))]} {surnames[rng.randrange(len(surnames))]}",
        email=f"{username}@example.com", home_library=LIBRARIES[rng.randrange(len(LIBRARIES))].id,
        language="en" if rng.random() < 0.03 else "lv",
    )


def stream_region(
    today: date, records: int, *, copies_per_record: float | None = None, patrons: int = 0,
    seed: int = 1, batch: int = 10_000,
) -> Iterator[RegionData]:
    """The demo region with ``records`` records and ``patrons`` more patrons, in parts.

    For regions too large to hold (a country's union catalogue: a million
    records and three million copies take gigabytes as models). The first
    part is ``build_region(today, seed=seed)`` (the curated catalog and the
    demo patrons, as ever); then parts of ``batch`` generated patrons
    (password ``demo1234``), then parts of ``batch`` numbered variations of
    the real titles (``Catalog.bulk``, ``copies_per_record`` copies each on
    average) with their circulation: about 8 % of the copies on loan to
    generated patrons (a tenth of those with a patron queued; today's due
    reminders sent already), 0.5 % on the hold shelf. A later part refers
    only to what came before or in it; only the first names the libraries.
    ``records`` below the curated catalog is refused (ValueError).
    """
    catalog, desk = _curated(today, records, seed)
    first = _region(desk, list(catalog.records), catalog.frozen_copies())
    curated = len(first.records)
    yield first
    rng = desk.rng
    for start in range(1, patrons + 1, batch):
        people = [generated_patron(n, rng) for n in range(start, min(start + batch, patrons + 1))]
        yield RegionData.model_construct(
            libraries=[], records=[], copies=[], loans=[], reservations=[], free_requests=[],
            accounts=[Account(patron=p, password=DEMO_PASSWORD) for p in people])
    circulation = _BulkDesk(today, rng, patrons, len(desk.loans), len(desk.reservations))
    generated = catalog.bulk(max(0, records - curated), today.year, copies_per_record)
    while chunk := list(itertools.islice(generated, batch)):
        part = RegionData.model_construct(
            libraries=[], records=[r for r, _ in chunk], copies=[], accounts=[], loans=[],
            reservations=[], free_requests=[])
        for _, copies in chunk:
            part.copies.extend(circulation.shelve(c, part) for c in copies)
        yield part


class _BulkDesk:
    """The circulation of generated copies among generated patrons."""

    LENT, HELD, QUEUED = 0.08, 0.005, 0.1

    def __init__(self, today: date, rng: random.Random, patrons: int, loans: int,
                 reservations: int) -> None:
        self.today, self.rng, self.patrons = today, rng, patrons
        self.loan_id, self.reservation_id = loans, reservations
        self.reading_rooms = {(lib.id, c.code) for lib in LIBRARIES for c in lib.collections
                              if c.reading_room}

    def patron(self) -> int:
        return FIRST_GENERATED_PATRON + self.rng.randrange(self.patrons)

    def shelve(self, copy: Copy, part: RegionData) -> Copy:
        """``copy``, lent or held (its loan or reservations added to ``part``) or not."""
        if (not self.patrons or copy.status != CopyStatus.AVAILABLE
                or (copy.library_id, copy.collection) in self.reading_rooms):
            return copy
        roll = self.rng.random()
        if roll < self.LENT:
            rules = _LIBS[copy.library_id].rules
            due = self.today + timedelta(days=self.rng.randint(-20, rules.loan_days - 1))
            borrower = self.patron()
            self.loan_id += 1
            loan = Loan(
                id=self.loan_id, patron_id=borrower, barcode=copy.barcode,
                record_id=copy.record_id, library_id=copy.library_id,
                checked_out=min(due - timedelta(days=rules.loan_days), self.today), due=due)
            if reminder_due(loan, rules, self.today):  # as after today's reminders went out
                loan = loan.model_copy(update={"reminded": due})
            part.loans.append(loan)
            if self.rng.random() < self.QUEUED:
                waiting = self.patron()
                if waiting != borrower:
                    self._reserve(part, copy, waiting, ReservationState.QUEUED, position=1)
            return copy.model_copy(update={"status": CopyStatus.ON_LOAN})
        if roll < self.LENT + self.HELD:
            confirmed = self.today - timedelta(days=self.rng.randrange(3))
            held_until = confirmed + timedelta(days=_LIBS[copy.library_id].rules.pickup_days)
            self._reserve(part, copy, self.patron(), ReservationState.READY,
                          confirmed=confirmed, held_until=held_until)
            return copy.model_copy(update={"status": CopyStatus.ON_HOLD})
        return copy

    def _reserve(self, part: RegionData, copy: Copy, patron_id: int, state: ReservationState,
                 **extra: object) -> None:
        self.reservation_id += 1
        created = _at(self.today - timedelta(days=self.rng.randint(2, 10)), self.rng.randint(8, 21))
        part.reservations.append(Reservation(
            id=self.reservation_id, patron_id=patron_id, barcode=copy.barcode,
            record_id=copy.record_id, library_id=copy.library_id, state=state, created=created,
            **extra))
