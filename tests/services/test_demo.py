"""The demo region is what a tester sees first: real content, every situation.

These tests check what a tester would notice: real titles, every copy status,
a reading room everywhere, libraries with their own rules, references that
resolve, and the demo patrons' situations holding on whatever day it is.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from datetime import date, datetime

import pytest

from services import rules
from services.clock import RIGA, FakeClock
from services.demo import DEMO_LOGINS, build_region
from services.demo_catalog import isbn
from services.memory import MemoryService
from services.models import (
    Copy,
    CopyStatus,
    FreeRequestState,
    MaterialType,
    Record,
    RenewalState,
    ReservationState,
)
from services.region import RegionData

TODAY = date(2026, 11, 16)
# A Monday, a Saturday before a holiday week, Midsummer Eve, New Year's Day (a Thursday).
DAYS = [TODAY, date(2026, 11, 14), date(2027, 6, 23), date(2026, 1, 1)]
ISBN = re.compile(r"^97[89]-\d+-\d+-\d+-\d$")


@pytest.fixture(scope="module")
def region() -> RegionData:
    return build_region(TODAY)


def by_username(region: RegionData) -> dict[str, int]:
    return {a.patron.username: a.patron.id for a in region.accounts}


def isbn_valid(code: str) -> bool:
    digits = code.replace("-", "")
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(digits))
    return len(digits) == 13 and total % 10 == 0


# ---------------------------------------------------------------- content


def test_the_catalog_has_at_least_300_records_of_every_kind(region: RegionData) -> None:
    assert len(region.records) >= 300
    kinds = Counter(r.material_type for r in region.records)
    assert set(kinds) == set(MaterialType)
    assert kinds[MaterialType.ARTICLE] >= 5


def test_real_titles_and_authors_are_there(region: RegionData) -> None:
    titles = {r.title for r in region.records}
    for title in (
        "Mērnieku laiki",
        "Skroderdienas Silmačos",
        "Uguns un nakts",
        "Mātes piens",
        "Jelgava 94",
        "Simts vientulības gadi",
        "Mazais princis",
        "Noziegums un sods",
        "Vinnijs Pūks",
        "Laimes bērni",
    ):
        assert title in titles
    surnames = {a.split(",")[0] for r in region.records for a in r.authors}
    for name in (
        "Blaumanis",
        "Rainis",
        "Aspazija",
        "Poruks",
        "Kaudzīte",
        "Upīts",
        "Brigadere",
        "Skalbe",
        "Zālīte",
        "Ikstena",
        "Berelis",
        "Kolmanis",
        "Joņevs",
        "Bankovskis",
        "Ābele",
        "Veidenbaums",
        "Vācietis",
        "Ziedonis",
        "Pastore",
    ):
        assert name in surnames


def test_supplied_titles_in_square_brackets_exist(region: RegionData) -> None:
    supplied = [r.title for r in region.records if r.title.startswith("[")]
    assert "[Dzejoļi]" in supplied and "[Vēstules]" in supplied


def test_articles_name_their_source_and_isbns_are_well_formed(region: RegionData) -> None:
    for record in region.records:
        if record.material_type == MaterialType.ARTICLE:
            assert re.search(r", \d{4}, .*lpp\.$", record.source), record.source
        if record.isbn:
            assert ISBN.match(record.isbn) and isbn_valid(record.isbn), record.isbn
    assert sum(1 for r in region.records if r.isbn.startswith("978-9934-")) > 150
    assert isbn_valid(isbn("978-9934-12-", 345, 3))


def test_every_record_has_subjects_a_description_and_copies(region: RegionData) -> None:
    with_copies = {c.record_id for c in region.copies}
    for record in region.records:
        assert record.subjects and record.description and record.id in with_copies, record.title
    control = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
    texts = [r.title for r in region.records] + [r.description for r in region.records]
    assert not any(control.search(t) for t in texts)


# ---------------------------------------------------------------- libraries


def test_the_libraries_of_the_region_each_have_a_reading_room_in_use(region: RegionData) -> None:
    names = {lib.name for lib in region.libraries}
    assert "Aizkraukles novada centrālā bibliotēka" in names
    assert {
        "Kokneses bibliotēka",
        "Jaunjelgavas bibliotēka",
        "Skrīveru bibliotēka",
        "Pļaviņu bibliotēka",
        "Neretas bibliotēka",
    } <= names
    assert sum("pagasta" in n for n in names) >= 4
    reading_copies = {(c.library_id, c.collection) for c in region.copies}
    for lib in region.libraries:
        rooms = [c for c in lib.collections if c.reading_room]
        assert rooms and any(c.name_lv == "Lasītava" for c in rooms), lib.id
        assert any((lib.id, c.code) in reading_copies for c in rooms), lib.id
        assert lib.contacts.phone and "@" in lib.contacts.email and lib.contacts.hours


def test_rules_differ_between_libraries(region: RegionData) -> None:
    all_rules = [lib.rules for lib in region.libraries]
    assert len({r.model_dump_json() for r in all_rules}) >= 5
    assert len({r.loan_days for r in all_rules}) >= 3
    assert len({r.fine_per_day for r in all_rules}) >= 3
    assert region.libraries[0].id == "aizk" and region.libraries[0].rules.pickup_days == 10
    for r in all_rules:
        assert 14 <= r.loan_days <= 30 and 1 <= r.renewal_limit <= 3 and 7 <= r.pickup_days <= 10


# ---------------------------------------------------------------- integrity


def test_every_status_is_present_and_barcodes_are_unique(region: RegionData) -> None:
    assert {c.status for c in region.copies} == set(CopyStatus)
    barcodes = [c.barcode for c in region.copies]
    assert len(barcodes) == len(set(barcodes))
    assert all(re.fullmatch(r"[A-Z]{4}\d{7}", b) for b in barcodes)
    assert Counter(c.record_id for c in region.copies).most_common(1)[0][1] >= 3


def test_every_reference_resolves(region: RegionData) -> None:
    libraries = {lib.id: lib for lib in region.libraries}
    records = {r.id for r in region.records}
    copies = {c.barcode: c for c in region.copies}
    patrons = {a.patron.id: a.patron for a in region.accounts}
    for items in (region.records, region.loans, region.reservations, region.free_requests):
        ids = [item.id for item in items]
        assert len(ids) == len(set(ids))
    assert len(patrons) == len(region.accounts)
    assert len({p.username for p in patrons.values()}) == len(patrons)
    assert len({p.card_number for p in patrons.values()}) == len(patrons)
    for copy in region.copies:
        assert copy.record_id in records
        assert libraries[copy.library_id].collection(copy.collection) is not None
    for item in (*region.loans, *region.reservations):
        copy = copies[item.barcode]
        assert item.patron_id in patrons
        assert (item.record_id, item.library_id) == (copy.record_id, copy.library_id)
    for request in region.free_requests:
        assert request.patron_id in patrons
        assert libraries[request.library_id].collection(request.collection) is not None
    for patron in patrons.values():
        assert patron.home_library in libraries
        assert patron.staff_library is None or patron.staff_library in libraries


@pytest.mark.parametrize("today", DAYS)
def test_copy_statuses_match_loans_and_reservations(today: date) -> None:
    region = build_region(today)
    copies = {c.barcode: c for c in region.copies}
    lent = Counter(loan.barcode for loan in region.loans if loan.returned is None)
    held = Counter(r.barcode for r in region.reservations if r.state == ReservationState.READY)
    asked = Counter(r.barcode for r in region.reservations if r.state == ReservationState.REQUESTED)
    for barcode, copy in copies.items():
        assert lent[barcode] == (copy.status == CopyStatus.ON_LOAN), barcode
        assert held[barcode] == (copy.status == CopyStatus.ON_HOLD), barcode
        assert asked[barcode] == (copy.status == CopyStatus.RESERVED), barcode
    for loan in region.loans:
        assert loan.checked_out <= today and loan.checked_out <= loan.due
    queues: dict[str, list[int]] = defaultdict(list)
    for r in region.reservations:
        if r.state == ReservationState.READY:
            assert r.confirmed is not None and r.confirmed <= today < r.held_until
        if r.state == ReservationState.QUEUED:
            assert copies[r.barcode].status in (CopyStatus.ON_LOAN, CopyStatus.ON_HOLD)
            queues[r.barcode].append(r.position)
        else:
            assert r.position == 0
    assert queues
    for positions in queues.values():
        assert sorted(positions) == list(range(1, len(positions) + 1))
    for lib in region.libraries:
        active = Counter(
            r.patron_id for r in region.reservations if r.library_id == lib.id and r.state.active
        )
        assert all(n <= lib.rules.reservation_limit for n in active.values())


def test_the_same_arguments_build_the_same_region() -> None:
    first, again = build_region(TODAY, seed=7), build_region(TODAY, seed=7)
    assert first.model_dump() == again.model_dump()
    other = build_region(TODAY, seed=8)
    assert [c.status for c in other.copies] != [c.status for c in first.copies]
    assert [r.title for r in other.records] == [r.title for r in first.records]


def test_fewer_records_than_the_curated_catalog_are_refused() -> None:
    with pytest.raises(ValueError):
        build_region(TODAY, records=10)


# ---------------------------------------------------------------- the demo patrons


@pytest.mark.parametrize("today", DAYS)
def test_the_demo_patrons_situations_hold_on_any_day(today: date) -> None:
    region = build_region(today)
    ids = by_username(region)
    libraries = {lib.id: lib for lib in region.libraries}
    loans = defaultdict(list)
    for loan in region.loans:
        loans[loan.patron_id].append(loan)
    reservations = defaultdict(list)
    for r in region.reservations:
        reservations[r.patron_id].append(r)
    requests = defaultdict(list)
    for fr in region.free_requests:
        requests[fr.patron_id].append(fr)

    anna = ids["anna"]
    assert not loans[anna] and not reservations[anna] and not requests[anna]

    janis = [loan for loan in loans[ids["janis"]] if loan.returned is None]
    overdue = [loan for loan in janis if rules.is_overdue(loan, today)]
    assert overdue
    days = rules.overdue_days(overdue[0].due, today)
    assert rules.fine(days, libraries[overdue[0].library_id].rules) > 0
    assert not rules.free_request_verdict(janis, today).allowed
    assert not rules.renewal_verdict(
        overdue[0], libraries[overdue[0].library_id].rules, today, 0
    ).allowed

    liga_loans = [loan for loan in loans[ids["liga"]] if loan.returned is None]
    assert not any(rules.is_overdue(loan, today) for loan in liga_loans)
    assert any(loan.renewal == RenewalState.PENDING for loan in liga_loans)
    verdicts = [
        rules.renewal_verdict(loan, libraries[loan.library_id].rules, today, 0)
        for loan in liga_loans
    ]
    assert any(v.allowed for v in verdicts)
    assert {v.refusal.code for v in verdicts if v.refusal} >= {
        rules.renewal_pending().code,
        rules.renewal_limit(1).code,
    }
    assert any(loan.returned for loan in loans[ids["liga"]])
    states = Counter(r.state for r in reservations[ids["liga"]])
    assert states == {
        ReservationState.READY: 1,
        ReservationState.QUEUED: 1,
        ReservationState.REQUESTED: 1,
    }
    queued = next(r for r in reservations[ids["liga"]] if r.state == ReservationState.QUEUED)
    assert queued.position >= 2
    ahead = [r for r in region.reservations if r.barcode == queued.barcode and r.position == 1]
    assert ahead and ahead[0].patron_id != ids["liga"]
    ready = next(r for r in reservations[ids["liga"]] if r.state == ReservationState.READY)
    assert ready.held_until > today
    assert {fr.state for fr in requests[ids["liga"]]} == set(FreeRequestState)
    for fr in region.free_requests:
        assert fr.review_by > fr.submitted
        assert fr.review_by == rules.review_by(fr.submitted)

    emily = next(a.patron for a in region.accounts if a.patron.username == "emily")
    assert emily.language == "en"
    assert loans[emily.id] and reservations[emily.id]


def test_every_library_has_a_staff_login_and_logins_are_listed(region: RegionData) -> None:
    accounts = {a.patron.username: a for a in region.accounts}
    staff = {a.patron.staff_library for a in region.accounts if a.patron.is_staff}
    assert staff == {lib.id for lib in region.libraries}
    for lib in region.libraries:
        assert accounts[f"staff-{lib.id}"].patron.staff_library == lib.id
    for username, card, password, _what in DEMO_LOGINS:
        account = accounts[username]
        assert account.patron.card_number == card and account.password == password
        assert len(password) >= 8


async def test_demo_logins_work_in_the_memory_adapter_by_username_and_card() -> None:
    clock = FakeClock(datetime(2026, 11, 16, 10, 0, tzinfo=RIGA))
    service = MemoryService(region=build_region(TODAY), clock=clock)
    janis = await service.login("janis", "demo1234")
    assert not (await service.free_request_offer(janis)).allowed
    liga = await service.login("1000000003", "demo1234")
    assert liga.patron.username == "liga"
    views = await service.loans(liga)
    assert any(v.renew.allowed for v in views)
    assert any(not v.renew.allowed for v in views)
    reservations = await service.reservations(liga)
    assert {v.reservation.state for v in reservations} == {
        ReservationState.READY,
        ReservationState.QUEUED,
        ReservationState.REQUESTED,
    }
    anna = await service.login("anna", "demo1234")
    assert await service.loans(anna) == [] and await service.reservations(anna) == []


# ---------------------------------------------------------------- scale


def test_a_hundred_thousand_records_generate_consistently() -> None:
    region = build_region(TODAY, records=100_000)
    assert len(region.records) == 100_000
    assert [r.id for r in region.records] == list(range(1, 100_001))
    barcodes = {c.barcode for c in region.copies}
    assert len(barcodes) == len(region.copies) > 100_000
    assert {c.record_id for c in region.copies} == set(range(1, 100_001))
    libraries = {lib.id: lib for lib in region.libraries}
    assert all(libraries[c.library_id].collection(c.collection) for c in region.copies[::97])
    words = Counter(w for r in region.records[-5000:] for w in r.title.split())
    assert words["sējums"] > 0 and words["izlase"] > 0
    # Records and copies built without validation equal validated ones.
    for record in region.records[-3:]:
        assert Record.model_validate(record.model_dump()) == record
    for copy in region.copies[-3:]:
        assert Copy.model_validate(copy.model_dump()) == copy
    last = region.copies[-1]
    status = last.status
    other = CopyStatus.LOST if status != CopyStatus.LOST else CopyStatus.AVAILABLE
    assert last.model_copy(update={"status": other}).status == other and last.status == status
    assert region.copies[-2].model_fields_set == set(Copy.model_fields)
