"""A small hand-made region that the service tests control completely.

Independent of the demo generator: every situation a test needs is written
here on purpose, so a change to the demo data never changes what a test sees.

The clock starts on Monday 16.11.2026 10:00 in Riga (``START``). 18.11 is
Proclamation Day, a Latvian public holiday.

Libraries (each with a lending collection and a reading room)

=====  ==========================  ====  =====  ======  ======  =====  ====  =====
id     name                        loan  renew  limit   pickup  fine   grace cap
=====  ==========================  ====  =====  ======  ======  =====  ====  =====
aiz    Aizkraukles centrālā …      30    14     2       10      0,10   0     5,00
kok    Kokneses bibliotēka         21    7      1       5       0,20   3     2,00
skr    Skrīveru bibliotēka         14    14     3       7       0,05   0     1,00
=====  ==========================  ====  =====  ======  ======  =====  ====  =====

Reservation limits: aiz 5, kok 2, skr 3. Due-date reminders: kok 5 days
before, aiz and skr 3.

Patrons
- anna: clean, nothing on loan or reserved.
- boris: loan L3 of A-0010 at aiz, due 06.11.2026 (10 days overdue); cilda
  waits for that copy (queue position 1).
- cilda: loans L1 (A-0009, aiz, due 01.12.2026, renewable) and L2 (K-0004,
  kok, due 07.12.2026, already renewed once = kok's limit); returned loans L5,
  L6; reservations R1 requested (A-0011), R2 ready until 22.11.2026 (A-0012),
  R3 queued at 1 (A-0010); free request F1 sent.
- dainis: queued at position 1 for S-0003 (eva's loan).
- eva: loan L4 of S-0003 at skr, due 30.11.2026, someone waiting.
- staff: aiz.darbs, kok.darbs, skr.darbs, one per library.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from services.clock import RIGA, FakeClock
from services.models import (
    Collection,
    Contacts,
    Copy,
    CopyStatus,
    FreeRequest,
    FreeRequestState,
    Library,
    LibraryRules,
    Loan,
    MaterialType,
    Patron,
    Record,
    Reservation,
    ReservationState,
)
from services.region import Account, RegionData

START = datetime(2026, 11, 16, 10, 0, tzinfo=RIGA)
"""Monday 16.11.2026 10:00 in Riga."""
TODAY = START.date()


def riga(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=RIGA)


def new_clock() -> FakeClock:
    return FakeClock(START)


# ---------------------------------------------------------------- libraries

AIZ, KOK, SKR = "aiz", "kok", "skr"

AIZ_RULES = LibraryRules(
    loan_days=30,
    renewal_days=14,
    renewal_limit=2,
    pickup_days=10,
    fine_per_day=Decimal("0.10"),
    fine_grace_days=0,
    fine_cap=Decimal("5.00"),
    reservation_limit=5,
)
KOK_RULES = LibraryRules(
    loan_days=21,
    renewal_days=7,
    renewal_limit=1,
    pickup_days=5,
    fine_per_day=Decimal("0.20"),
    fine_grace_days=3,
    fine_cap=Decimal("2.00"),
    reservation_limit=2,
    reminder_days=5,
)
SKR_RULES = LibraryRules(
    loan_days=14,
    renewal_days=14,
    renewal_limit=3,
    pickup_days=7,
    fine_per_day=Decimal("0.05"),
    fine_grace_days=0,
    fine_cap=Decimal("1.00"),
    reservation_limit=3,
)
RULES = {AIZ: AIZ_RULES, KOK: KOK_RULES, SKR: SKR_RULES}

LENDING = Collection(code="ab", name_lv="Pieaugušo abonements", name_en="Adult lending")
CHILDREN = Collection(code="bern", name_lv="Bērnu literatūra", name_en="Children's books")
READING = Collection(code="las", name_lv="Lasītava", name_en="Reading room", reading_room=True)

LIBRARY_NAMES = {
    AIZ: "Aizkraukles centrālā bibliotēka",
    KOK: "Kokneses bibliotēka",
    SKR: "Skrīveru bibliotēka",
}


def _libraries() -> list[Library]:
    return [
        Library(
            id=AIZ,
            name=LIBRARY_NAMES[AIZ],
            short_name="Aizkraukle",
            collections=[LENDING, READING],
            contacts=Contacts(
                address="Lāčplēša iela 1, Aizkraukle",
                phone="+371 65100001",
                email="aiz@example.lv",
                hours="P–Pk 9–18",
            ),
            rules=AIZ_RULES,
        ),
        Library(
            id=KOK,
            name=LIBRARY_NAMES[KOK],
            short_name="Koknese",
            collections=[LENDING, CHILDREN, READING],
            contacts=Contacts(
                address="Melioratoru iela 1, Koknese", phone="+371 65100002", email="kok@example.lv"
            ),
            rules=KOK_RULES,
        ),
        Library(
            id=SKR,
            name=LIBRARY_NAMES[SKR],
            short_name="Skrīveri",
            collections=[LENDING, READING],
            contacts=Contacts(
                address="Daugavas iela 1, Skrīveri", phone="+371 65100003", email="skr@example.lv"
            ),
            rules=SKR_RULES,
        ),
    ]


# ------------------------------------------------------------------ catalog

TITLES = {
    1: "Grāmata par Ķēniņu",
    2: "Dārza grāmata",
    3: "Zaļā pļava",
    4: "Ēnu spēles",
    5: "Latvijas vēsture",
    6: "Ceļojums uz Mēnesi",
    7: "Putni un zvēri",
    8: "Jūras stāsti",
    9: "Meža stāsti",
    10: "Kalnu stāsti",
    11: "Upju stāsti",
    12: "Ezeru stāsti",
    13: "Pilsētas stāsti",
}
STORY_IDS = {8, 9, 10, 11, 12, 13}
"""Records whose title has the word "stāsti": a set for paging."""


def _records() -> list[Record]:
    def rec(rid: int, authors: list[str], year: int, **kw: object) -> Record:
        return Record(id=rid, title=TITLES[rid], authors=authors, year=year, **kw)  # type: ignore[arg-type]

    return [
        rec(
            1,
            ["Ozoliņš, Jānis"],
            2019,
            publisher="Zvaigzne ABC",
            isbn="9789934000011",
            subjects=["pasakas"],
        ),
        rec(2, ["Kalniņa, Ilze"], 2021, publisher="Jumava", subjects=["dārzkopība"]),
        rec(3, ["Bērziņa, Līga"], 2015, publisher="Liels un mazs", subjects=["daba", "vēsture"]),
        rec(
            4,
            ["Ābele, Dace"],
            2020,
            material_type=MaterialType.ARTICLE,
            source="Rīgas Laiks, 2020, Nr. 3",
            subjects=["teātris"],
        ),
        rec(5, ["Šteins, Pēteris"], 2005, publisher="Zinātne", subjects=["Latvija"]),
        rec(6, ["Verns, Žils"], 1998, publisher="Liesma", subjects=["fantastika"]),
        rec(7, ["Liepa, Anna"], 2018, publisher="Pētergailis", subjects=["dzīvnieki"]),
        rec(8, ["Krūmiņš, Edgars"], 2010, subjects=["jūra"]),
        rec(9, ["Krūmiņš, Edgars"], 2011, subjects=["mežs"]),
        rec(10, ["Krūmiņš, Edgars"], 2012, subjects=["kalni"]),
        rec(11, ["Krūmiņš, Edgars"], 2013, subjects=["upes"]),
        rec(12, ["Krūmiņš, Edgars"], 2014, subjects=["ezeri"]),
        rec(
            13,
            ["Krūmiņš, Edgars"],
            2016,
            material_type=MaterialType.AUDIOBOOK,
            subjects=["pilsēta"],
        ),
    ]


def _copy(barcode: str, rid: int, lib: str, coll: str, status: CopyStatus) -> Copy:
    return Copy(
        barcode=barcode,
        record_id=rid,
        library_id=lib,
        collection=coll,
        shelf_mark=f"{rid:03d}/{barcode}",
        status=status,
    )


A = CopyStatus


def _copies() -> list[Copy]:
    return [
        _copy("A-0001", 1, AIZ, "ab", A.AVAILABLE),
        _copy("A-0002", 1, AIZ, "las", A.AVAILABLE),
        _copy("K-0001", 1, KOK, "ab", A.AVAILABLE),
        _copy("A-0003", 2, AIZ, "ab", A.AVAILABLE),
        _copy("K-0005", 2, KOK, "las", A.IN_REPAIR),
        _copy("A-0004", 3, AIZ, "ab", A.AVAILABLE),
        _copy("S-0001", 3, SKR, "ab", A.AVAILABLE),
        _copy("A-0005", 4, AIZ, "las", A.AVAILABLE),
        _copy("A-0006", 5, AIZ, "las", A.AVAILABLE),
        _copy("S-0004", 5, SKR, "las", A.LOST),
        _copy("A-0007", 6, AIZ, "ab", A.IN_TRANSIT),
        _copy("A-0008", 6, AIZ, "ab", A.IN_REPAIR),
        _copy("K-0002", 6, KOK, "ab", A.PROCESSING),
        _copy("S-0002", 6, SKR, "ab", A.LOST),
        _copy("K-0003", 7, KOK, "bern", A.AVAILABLE),
        _copy("A-0009", 8, AIZ, "ab", A.ON_LOAN),
        _copy("A-0010", 9, AIZ, "ab", A.ON_LOAN),
        _copy("K-0004", 10, KOK, "ab", A.ON_LOAN),
        _copy("A-0011", 11, AIZ, "ab", A.RESERVED),
        _copy("A-0012", 12, AIZ, "ab", A.ON_HOLD),
        _copy("S-0003", 13, SKR, "ab", A.ON_LOAN),
    ]


BARCODE_RECORD = {c.barcode: c.record_id for c in _copies()}
BARCODE_LIBRARY = {c.barcode: c.library_id for c in _copies()}

# ------------------------------------------------------------------- people

ANNA, BORIS, CILDA, DAINIS, EVA = 1, 2, 3, 4, 5
STAFF_AIZ, STAFF_KOK, STAFF_SKR = 101, 102, 103

PATRONS: dict[str, Patron] = {
    "anna": Patron(
        id=ANNA,
        username="anna",
        card_number="1000000001",
        name="Anna Ābola",
        email="anna@example.lv",
        home_library=AIZ,
    ),
    "boris": Patron(
        id=BORIS,
        username="boris",
        card_number="1000000002",
        name="Boriss Bērziņš",
        email="boris@example.lv",
        home_library=AIZ,
    ),
    "cilda": Patron(
        id=CILDA,
        username="cilda",
        card_number="1000000003",
        name="Cilda Čakste",
        email="cilda@example.lv",
        home_library=AIZ,
    ),
    "dainis": Patron(
        id=DAINIS,
        username="dainis",
        card_number="1000000004",
        name="Dainis Dūmiņš",
        email="dainis@example.lv",
        home_library=KOK,
    ),
    "eva": Patron(
        id=EVA,
        username="eva",
        card_number="1000000005",
        name="Eva Ērgle",
        email="eva@example.lv",
        home_library=SKR,
        language="en",
    ),
    "aiz.darbs": Patron(
        id=STAFF_AIZ,
        username="aiz.darbs",
        card_number="9000000101",
        name="Aija Āboltiņa",
        email="aiz.staff@example.lv",
        home_library=AIZ,
        staff_library=AIZ,
    ),
    "kok.darbs": Patron(
        id=STAFF_KOK,
        username="kok.darbs",
        card_number="9000000102",
        name="Kārlis Kociņš",
        email="kok.staff@example.lv",
        home_library=KOK,
        staff_library=KOK,
    ),
    "skr.darbs": Patron(
        id=STAFF_SKR,
        username="skr.darbs",
        card_number="9000000103",
        name="Sandra Siliņa",
        email="skr.staff@example.lv",
        home_library=SKR,
        staff_library=SKR,
    ),
}
STAFF_OF = {AIZ: "aiz.darbs", KOK: "kok.darbs", SKR: "skr.darbs"}


def password(username: str) -> str:
    """Every account's password in the fixture: ``<username>-Parole1``."""
    return f"{username}-Parole1"


# -------------------------------------------------------------- circulation

L1, L2, L3, L4, L5, L6 = 1, 2, 3, 4, 5, 6
R1, R2, R3, R4 = 1, 2, 3, 4
F1 = 1


def _loans() -> list[Loan]:
    return [
        Loan(
            id=L1,
            patron_id=CILDA,
            barcode="A-0009",
            record_id=8,
            library_id=AIZ,
            checked_out=date(2026, 11, 1),
            due=date(2026, 12, 1),
        ),
        Loan(
            id=L2,
            patron_id=CILDA,
            barcode="K-0004",
            record_id=10,
            library_id=KOK,
            checked_out=date(2026, 11, 9),
            due=date(2026, 12, 7),
            renewals=1,
        ),
        Loan(
            id=L3,
            patron_id=BORIS,
            barcode="A-0010",
            record_id=9,
            library_id=AIZ,
            checked_out=date(2026, 10, 7),
            due=date(2026, 11, 6),
        ),
        Loan(
            id=L4,
            patron_id=EVA,
            barcode="S-0003",
            record_id=13,
            library_id=SKR,
            checked_out=date(2026, 11, 16),
            due=date(2026, 11, 30),
        ),
        Loan(
            id=L5,
            patron_id=CILDA,
            barcode="A-0004",
            record_id=3,
            library_id=AIZ,
            checked_out=date(2026, 9, 1),
            due=date(2026, 10, 1),
            returned=date(2026, 9, 25),
        ),
        Loan(
            id=L6,
            patron_id=CILDA,
            barcode="A-0003",
            record_id=2,
            library_id=AIZ,
            checked_out=date(2026, 10, 2),
            due=date(2026, 11, 1),
            returned=date(2026, 10, 20),
        ),
    ]


def _reservations() -> list[Reservation]:
    return [
        Reservation(
            id=R1,
            patron_id=CILDA,
            barcode="A-0011",
            record_id=11,
            library_id=AIZ,
            state=ReservationState.REQUESTED,
            created=riga(2026, 11, 15, 12),
        ),
        Reservation(
            id=R2,
            patron_id=CILDA,
            barcode="A-0012",
            record_id=12,
            library_id=AIZ,
            state=ReservationState.READY,
            created=riga(2026, 11, 10, 9),
            confirmed=date(2026, 11, 12),
            held_until=date(2026, 11, 22),
        ),
        Reservation(
            id=R3,
            patron_id=CILDA,
            barcode="A-0010",
            record_id=9,
            library_id=AIZ,
            state=ReservationState.QUEUED,
            position=1,
            created=riga(2026, 11, 1, 14),
        ),
        Reservation(
            id=R4,
            patron_id=DAINIS,
            barcode="S-0003",
            record_id=13,
            library_id=SKR,
            state=ReservationState.QUEUED,
            position=1,
            created=riga(2026, 11, 16, 9),
        ),
    ]


def _free_requests() -> list[FreeRequest]:
    return [
        FreeRequest(
            id=F1,
            patron_id=CILDA,
            author="Bērziņš, Jānis",
            title="Par biškopību",
            year="-",
            info="Jebkas par bitēm",
            library_id=AIZ,
            collection="ab",
            state=FreeRequestState.SENT,
            submitted=riga(2026, 11, 13, 15),
            review_by=riga(2026, 11, 16, 15),
        ),
    ]


def build_region() -> RegionData:
    """A fresh copy of the test region (a test may change it before use)."""
    return RegionData(
        name="Testa novads",
        libraries=_libraries(),
        records=_records(),
        copies=_copies(),
        accounts=[Account(patron=p, password=password(u)) for u, p in PATRONS.items()],
        loans=_loans(),
        reservations=_reservations(),
        free_requests=_free_requests(),
    )
