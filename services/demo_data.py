"""The demo region's libraries and people.

The libraries are the real libraries of Aizkraukles novads; their contacts
and opening hours are plausible inventions, and so are all the people.
"""

from __future__ import annotations

from decimal import Decimal

from services.models import Collection, Contacts, Library, LibraryRules, Patron

DEMO_PASSWORD = "demo1234"

_ADULT = Collection(code="ab", name_lv="Pieaugušo abonements", name_en="Adult lending")
_CHILDREN = Collection(code="bl", name_lv="Bērnu literatūra", name_en="Children's literature")
_READING = Collection(code="las", name_lv="Lasītava", name_en="Reading room", reading_room=True)
_PERIODICALS = Collection(code="per", name_lv="Periodika", name_en="Periodicals")
_LOCAL = Collection(
    code="nov", name_lv="Novadpētniecība", name_en="Local history", reading_room=True
)
_AUDIO = Collection(code="av", name_lv="Audiovizuālie materiāli", name_en="Audiovisual materials")


def _rules(
    loan: int, renewal: int, limit: int, pickup: int, fine: str, grace: int, cap: str, res: int,
    reminder: int = 3,
) -> LibraryRules:
    return LibraryRules(
        loan_days=loan,
        renewal_days=renewal,
        renewal_limit=limit,
        pickup_days=pickup,
        fine_per_day=Decimal(fine),
        fine_grace_days=grace,
        fine_cap=Decimal(cap),
        reservation_limit=res,
        reminder_days=reminder,
    )


_WEEK = "P.–Pk. 9.00–18.00, S. 10.00–14.00"
_TOWN = "P., T., Pk. 10.00–18.00; O., C. 9.00–17.00; S. 10.00–14.00"
_PARISH = "O.–Pk. 9.00–17.00 (pusdienas 12.00–13.00)"

LIBRARIES: tuple[Library, ...] = (
    Library(
        id="aizk",
        name="Aizkraukles novada centrālā bibliotēka",
        short_name="Aizkraukle",
        collections=[_ADULT, _CHILDREN, _READING, _PERIODICALS, _LOCAL, _AUDIO],
        contacts=Contacts(
            address="Lāčplēša iela 1a, Aizkraukle, Aizkraukles novads, LV-5101",
            phone="+371 65 122 431",
            email="biblioteka@aizkraukle.lv",
            hours="P.–Pk. 9.00–19.00, S. 10.00–16.00",
            website="https://biblioteka.aizkraukle.lv",
        ),
        rules=_rules(30, 14, 3, 10, "0.10", 0, "5.00", 10),
    ),
    Library(
        id="kokn",
        name="Kokneses bibliotēka",
        short_name="Koknese",
        collections=[_ADULT, _CHILDREN, _READING, _PERIODICALS],
        contacts=Contacts(
            address="Melioratoru iela 1, Koknese, Aizkraukles novads, LV-5113",
            phone="+371 65 161 254",
            email="biblioteka@koknese.lv",
            hours=_WEEK,
        ),
        rules=_rules(21, 14, 2, 7, "0.05", 2, "3.00", 5),
    ),
    Library(
        id="jaun",
        name="Jaunjelgavas bibliotēka",
        short_name="Jaunjelgava",
        collections=[_ADULT, _CHILDREN, _READING],
        contacts=Contacts(
            address="Rīgas iela 201, Jaunjelgava, Aizkraukles novads, LV-5134",
            phone="+371 65 153 127",
            email="biblioteka@jaunjelgava.lv",
            hours=_TOWN,
        ),
        rules=_rules(28, 14, 2, 8, "0.07", 1, "4.00", 5, 2),
    ),
    Library(
        id="skri",
        name="Skrīveru bibliotēka",
        short_name="Skrīveri",
        collections=[_ADULT, _CHILDREN, _READING, _PERIODICALS],
        contacts=Contacts(
            address="Daugavas iela 45, Skrīveri, Aizkraukles novads, LV-5125",
            phone="+371 65 197 046",
            email="biblioteka@skriveri.lv",
            hours=_WEEK,
        ),
        rules=_rules(30, 21, 1, 9, "0.10", 3, "5.00", 6),
    ),
    Library(
        id="plav",
        name="Pļaviņu bibliotēka",
        short_name="Pļaviņas",
        collections=[_ADULT, _CHILDREN, _READING],
        contacts=Contacts(
            address="Daugavas iela 43, Pļaviņas, Aizkraukles novads, LV-5120",
            phone="+371 65 133 518",
            email="biblioteka@plavinas.lv",
            hours=_TOWN,
        ),
        rules=_rules(14, 7, 3, 7, "0.15", 0, "6.00", 4, 2),
    ),
    Library(
        id="nere",
        name="Neretas bibliotēka",
        short_name="Nereta",
        collections=[_ADULT, _CHILDREN, _READING],
        contacts=Contacts(
            address="Biržu iela 2, Nereta, Aizkraukles novads, LV-5118",
            phone="+371 65 176 302",
            email="biblioteka@nereta.lv",
            hours=_TOWN,
        ),
        rules=_rules(28, 14, 2, 8, "0.05", 0, "3.00", 5),
    ),
    Library(
        id="bebr",
        name="Bebru pagasta bibliotēka",
        short_name="Bebri",
        collections=[_ADULT, _READING],
        contacts=Contacts(
            address="Skolas iela 4, Bebri, Bebru pagasts, Aizkraukles novads, LV-5135",
            phone="+371 65 164 219",
            email="bebri.biblioteka@aizkraukle.lv",
            hours=_PARISH,
        ),
        rules=_rules(30, 14, 1, 7, "0.05", 3, "2.00", 3),
    ),
    Library(
        id="irsu",
        name="Iršu pagasta bibliotēka",
        short_name="Irši",
        collections=[_ADULT, _READING],
        contacts=Contacts(
            address="\"Pagastmāja\", Irši, Iršu pagasts, Aizkraukles novads, LV-5126",
            phone="+371 65 163 540",
            email="irsi.biblioteka@aizkraukle.lv",
            hours=_PARISH,
        ),
        rules=_rules(21, 14, 2, 7, "0.05", 2, "2.00", 3, 2),
    ),
    Library(
        id="sere",
        name="Sērenes pagasta bibliotēka",
        short_name="Sērene",
        collections=[_ADULT, _READING],
        contacts=Contacts(
            address="\"Krasti\", Sērenes pagasts, Aizkraukles novads, LV-5133",
            phone="+371 65 155 712",
            email="serene.biblioteka@aizkraukle.lv",
            hours=_PARISH,
        ),
        rules=_rules(30, 14, 2, 8, "0.07", 0, "2.50", 3),
    ),
    Library(
        id="viet",
        name="Vietalvas pagasta bibliotēka",
        short_name="Vietalva",
        collections=[_ADULT, _READING],
        contacts=Contacts(
            address="\"Skola\", Vietalva, Vietalvas pagasts, Aizkraukles novads, LV-5128",
            phone="+371 65 131 807",
            email="vietalva.biblioteka@aizkraukle.lv",
            hours=_PARISH,
        ),
        rules=_rules(28, 7, 1, 7, "0.05", 5, "2.00", 3),
    ),
)
"""Central library first; every library has a reading room ("Lasītava")."""

CENTRAL_ID = "aizk"


def _patron(
    pid: int, username: str, card: str, name: str, home: str, language: str = "lv",
    staff: str | None = None,
) -> Patron:
    local = username.replace("-", ".")
    return Patron(
        id=pid,
        username=username,
        card_number=card,
        name=name,
        email=f"{local}@example.com",
        home_library=home,
        language=language,
        staff_library=staff,
    )


ANNA = _patron(1, "anna", "1000000001", "Anna Bērziņa", "aizk")
JANIS = _patron(2, "janis", "1000000002", "Jānis Kalniņš", "kokn")
LIGA = _patron(3, "liga", "1000000003", "Līga Ozola", "aizk")
EMILY = _patron(4, "emily", "1000000004", "Emily Clarke", "skri", language="en")

_STAFF_NAMES = {
    "aizk": "Ilze Liepiņa", "kokn": "Sandra Krūmiņa", "jaun": "Inese Vītola",
    "skri": "Dace Eglīte", "plav": "Gunta Zariņa", "nere": "Ruta Balode",
    "bebr": "Aija Siliņa", "irsu": "Vija Lapiņa", "sere": "Maija Rozīte",
    "viet": "Laima Jansone",
}
STAFF: tuple[Patron, ...] = tuple(
    _patron(100 + i, f"staff-{lib.id}", f"90000000{i + 1:02d}", _STAFF_NAMES[lib.id], lib.id,
            staff=lib.id)
    for i, lib in enumerate(LIBRARIES)
)

_READER_NAMES = (
    "Kristaps Zariņš", "Inga Kļaviņa", "Edgars Vanags", "Marta Liepa", "Roberts Ozols",
    "Elīna Krastiņa", "Artūrs Pētersons", "Zane Jansone", "Oskars Lācis", "Laura Siliņa",
    "Raivis Balodis", "Sanita Grīnberga", "Valdis Eglītis", "Agnese Vītola", "Ivars Kalējs",
    "Dace Strautiņa", "Mārtiņš Sproģis", "Līva Ābele", "Gints Rubenis", "Baiba Dzene",
    "Uldis Priede", "Santa Bērziņa", "Normunds Kalns", "Evija Saulīte",
)
READERS: tuple[Patron, ...] = tuple(
    Patron(
        id=200 + i,
        username=f"lasitajs{i + 1:02d}",
        card_number=f"10000001{i + 1:02d}",
        name=name,
        email=f"lasitajs{i + 1:02d}@example.com",
        home_library=LIBRARIES[i % len(LIBRARIES)].id,
    )
    for i, name in enumerate(_READER_NAMES)
)
"""Other readers of the region: they borrow, queue and wait, so queues exist."""

DEMO_PATRONS: tuple[Patron, ...] = (ANNA, JANIS, LIGA, EMILY)
