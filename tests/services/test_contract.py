"""The contract of ``LibraryService``, run for every adapter, through the protocol only.

What a patron or a librarian would notice: search finds what they typed,
logging in works the way the protocol says, account lists show their own
things and nobody else's, and the service never lets two patrons hold one copy.
"""

from __future__ import annotations

import asyncio

import pytest

from services.clock import FakeClock
from services.errors import (
    Forbidden,
    InvalidCode,
    InvalidCredentials,
    InvalidInput,
    NotAuthenticated,
    NotFound,
    Refused,
    TooManyAttempts,
)
from services.models import (
    CopyStatus,
    FreeRequestForm,
    FreeRequestState,
    MaterialType,
    MessageKind,
    RenewalState,
    ReservationState,
    SearchQuery,
)
from services.protocol import LibraryService
from services.region import RegionData
from tests.services.fixtures import (
    AIZ,
    F1,
    KOK,
    L1,
    L2,
    L3,
    LIBRARY_NAMES,
    PATRONS,
    R1,
    R2,
    R3,
    SKR,
    STORY_IDS,
    TITLES,
    password,
)
from tests.services.support import code_in, copy_view, login, messages, reservation

# ------------------------------------------------------------------- search


async def ids(service: LibraryService, **query: object) -> set[int]:
    page = await service.search(SearchQuery(limit=200, **query))  # type: ignore[arg-type]
    assert page.total == len(page.items)
    return {hit.id for hit in page.items}


async def test_libraries_are_listed_with_their_rules(service: LibraryService) -> None:
    libraries = {lib.id: lib for lib in await service.libraries()}
    assert set(libraries) == {AIZ, KOK, SKR}
    assert libraries[KOK].rules.pickup_days == 5
    assert libraries[AIZ].collection("las") is not None
    assert libraries[AIZ].collection("las").reading_room  # type: ignore[union-attr]


async def test_search_ignores_diacritics_and_case(service: LibraryService) -> None:
    assert await ids(service, text="gramata") == {1, 2}
    assert await ids(service, text="GRĀMATA") == {1, 2}
    assert await ids(service, text="kenINU") == {1}
    assert await ids(service, text="Ķēniņu") == {1}


async def test_search_matches_word_prefixes(service: LibraryService) -> None:
    assert await ids(service, text="gram") == {1, 2}
    assert await ids(service, text="ozolin") == {1}  # author
    assert await ids(service, text="rigas laik") == {4}  # source of an article
    assert await ids(service, text="9789934000011") == {1}  # ISBN
    assert await ids(service, text="amata") == set()  # not the middle of a word


async def test_search_needs_every_word(service: LibraryService) -> None:
    assert await ids(service, text="darza gramata") == {2}
    assert await ids(service, text="gramata zvaigzne") == {1}  # title word + publisher
    assert await ids(service, text="gramata putni") == set()


async def test_search_puts_title_matches_first(service: LibraryService) -> None:
    page = await service.search(SearchQuery(text="vesture"))
    assert [hit.id for hit in page.items] == [5, 3]  # 5 by title, 3 by subject


async def test_search_pages_through_results(service: LibraryService) -> None:
    first = await service.search(SearchQuery(text="stāsti", limit=4))
    second = await service.search(SearchQuery(text="stāsti", offset=4, limit=4))
    assert (first.total, second.total) == (6, 6)
    assert (len(first.items), len(second.items)) == (4, 2)
    assert (first.offset, second.offset) == (0, 4)
    assert first.has_next and not second.has_next and second.has_previous
    seen = [h.id for h in first.items] + [h.id for h in second.items]
    assert sorted(seen) == sorted(STORY_IDS)
    beyond = await service.search(SearchQuery(text="stāsti", offset=10, limit=4))
    assert beyond.items == [] and beyond.total == 6


async def test_search_filters(service: LibraryService) -> None:
    assert await ids(service, text="stasti", library_id=KOK) == {10}
    assert await ids(service, text="stasti", library_id=SKR) == {13}
    assert await ids(service, material_type=MaterialType.ARTICLE) == {4}
    assert await ids(service, material_type=MaterialType.AUDIOBOOK) == {13}
    # Only records with a copy that offers "Pasūtīt" now.
    assert await ids(service, available_now=True) == {1, 2, 3, 7}


async def test_search_counts_what_each_filter_choice_would_find(
    service: LibraryService, region: RegionData
) -> None:
    """The catalog's filter lists show, next to each library and material
    type, how many of the text's matches it would leave (R1)."""
    page = await service.search(SearchQuery(text="stasti", counts=True))
    counts = page.counts
    assert counts is not None
    for library in (AIZ, KOK, SKR):
        assert counts.libraries.get(library, 0) == len(
            await ids(service, text="stasti", library_id=library))
    for kind in MaterialType:
        assert counts.material_types.get(kind.value, 0) == len(
            await ids(service, text="stasti", material_type=kind))
    assert sum(counts.languages.values()) == page.total
    # the choice made now does not change what the others would find
    chosen = await service.search(SearchQuery(text="stasti", library_id=KOK, counts=True))
    assert chosen.counts == counts and chosen.total < page.total
    everything = await service.search(SearchQuery(text="", counts=True))
    assert everything.counts is not None
    assert everything.counts.languages == {
        lang: sum(r.language == lang for r in region.records)
        for lang in {r.language for r in region.records}}
    assert (await service.search(SearchQuery(text="stasti"))).counts is None  # not asked


async def test_empty_query_lists_the_whole_catalog(service: LibraryService) -> None:
    page = await service.search(SearchQuery(text="", limit=5))
    assert page.total == len(TITLES)
    assert len(page.items) == 5


async def test_search_hit_counts_copies_and_available(service: LibraryService) -> None:
    page = await service.search(SearchQuery(text="ķēniņu"))
    (hit,) = page.items
    assert hit.title == TITLES[1]
    assert (hit.copies, hit.available) == (3, 2)  # the reading-room copy is not orderable


async def test_available_now_follows_orders(service: LibraryService) -> None:
    anna = await login(service, "anna")
    await service.order(anna, "A-0003")  # record 2's only orderable copy
    assert 2 not in await ids(service, available_now=True)


# ------------------------------------------------------- record and copies


async def test_record_shows_full_description(service: LibraryService) -> None:
    record = await service.record(4)
    assert record.title == "Ēnu spēles"
    assert record.material_type == MaterialType.ARTICLE
    assert record.source.startswith("Rīgas Laiks")


async def test_unknown_record_is_not_found(service: LibraryService) -> None:
    with pytest.raises(NotFound):
        await service.record(9999)
    with pytest.raises(NotFound):
        await service.copies(9999)
    with pytest.raises(NotFound):
        await service.record_marc(9999)


async def test_a_record_of_the_region_has_a_marc_view_made_of_its_fields(
    service: LibraryService,
) -> None:
    record = await service.record(4)
    marc = await service.record_marc(4)
    fields = {field.tag: field for field in marc.fields}
    assert not record.has_marc
    assert marc.leader[6:8] == "ab", "an article: a component part"
    assert fields["001"].data == "4"
    assert fields["245"].subfields[0] == ("a", "Ēnu spēles")
    assert fields["773"].subfields == [("t", record.source)]
    assert fields["100"].subfields == [("a", record.authors[0])]


async def test_copies_are_paged_and_ordered(service: LibraryService) -> None:
    first = await service.copies(1, 0, 2)
    rest = await service.copies(1, 2, 2)
    assert (first.total, rest.total) == (3, 3)
    assert [c.item.barcode for c in first.items + rest.items] == ["A-0001", "A-0002", "K-0001"]
    assert first.has_next and not rest.has_next
    view = first.items[0]
    assert view.library_name == LIBRARY_NAMES[AIZ]
    assert view.collection_name("lv") == "Pieaugušo abonements"
    assert view.collection_name("en") == "Adult lending"


# -------------------------------------------------------------------- login


async def test_login_by_username_and_by_card(service: LibraryService) -> None:
    by_name = await service.login("anna", password("anna"))
    by_card = await service.login(PATRONS["anna"].card_number, password("anna"))
    upper = await service.login("ANNA", password("anna"))
    assert by_name.patron.id == by_card.patron.id == upper.patron.id == PATRONS["anna"].id
    assert by_name.token and by_name.token != by_card.token


async def test_unknown_user_and_wrong_password_look_the_same(service: LibraryService) -> None:
    with pytest.raises(InvalidCredentials) as wrong:
        await service.login("anna", "nepareiza-parole")
    with pytest.raises(InvalidCredentials) as unknown:
        await service.login("nav-tada", "nepareiza-parole")
    assert (wrong.value.lv, wrong.value.en) == (unknown.value.lv, unknown.value.en)
    assert wrong.value.lv and wrong.value.en


async def test_repeated_failures_never_lock_the_owner_out(service: LibraryService) -> None:
    # Who is guessing is the server's to judge (``services.server.auth``);
    # the engine refuses no account, so nobody can lock its owner out.
    for _ in range(12):
        with pytest.raises(InvalidCredentials):
            await service.login("boris", "nepareiza")
    session = await login(service, "boris")
    assert session.patron.username == "boris"


async def test_logout_makes_the_session_useless(service: LibraryService) -> None:
    session = await login(service, "cilda")
    assert await service.loans(session)
    await service.logout(session)
    with pytest.raises(NotAuthenticated):
        await service.loans(session)
    with pytest.raises(NotAuthenticated):
        await service.reservations(session)
    await service.logout(session)  # never raises for an ended session


# --------------------------------------------------------- password recovery


async def test_password_recovery(service: LibraryService) -> None:
    await service.request_password_reset("anna")
    (mail,) = await messages(service, MessageKind.PASSWORD_CODE)
    assert mail.to == PATRONS["anna"].email
    code = code_in(mail)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    with pytest.raises(InvalidCode):
        await service.reset_password("anna", wrong, "jauna-parole-42")
    await service.reset_password("anna", code, "jauna-parole-42")
    assert (await service.login("anna", "jauna-parole-42")).patron.username == "anna"
    with pytest.raises(InvalidCredentials):
        await service.login("anna", password("anna"))
    with pytest.raises(InvalidCode):  # a code works once
        await service.reset_password("anna", code, "vel-cita-parole")


async def test_password_recovery_by_card_number(service: LibraryService) -> None:
    card = PATRONS["eva"].card_number
    await service.request_password_reset(card)
    (mail,) = await messages(service, MessageKind.PASSWORD_CODE, to=PATRONS["eva"].email)
    await service.reset_password(card, code_in(mail), "jauna-parole-42")
    await service.login("eva", "jauna-parole-42")


async def test_password_recovery_for_unknown_identifier_is_silent(
    service: LibraryService,
) -> None:
    before = await service.outbox()
    await service.request_password_reset("nav-tada-lietotaja")
    assert await service.outbox() == before


async def test_password_recovery_refuses_bad_new_password(service: LibraryService) -> None:
    await service.request_password_reset("anna")
    (mail,) = await messages(service, MessageKind.PASSWORD_CODE)
    with pytest.raises(InvalidInput) as short:
        await service.reset_password("anna", code_in(mail), "īsa")
    assert short.value.field == "password"
    with pytest.raises(InvalidInput) as long:
        await service.reset_password("anna", code_in(mail), "x" * 129)
    assert long.value.field == "password"


async def test_recovery_code_expires_and_tries_are_limited(
    service: LibraryService, clock: FakeClock
) -> None:
    await service.request_password_reset("anna")
    (mail,) = await messages(service, MessageKind.PASSWORD_CODE)
    clock.advance(minutes=31)
    with pytest.raises(InvalidCode):
        await service.reset_password("anna", code_in(mail), "jauna-parole-42")

    await service.request_password_reset("cilda")
    (mail,) = await messages(service, MessageKind.PASSWORD_CODE, to=PATRONS["cilda"].email)
    code = code_in(mail)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(5):
        with pytest.raises((InvalidCode, TooManyAttempts)):
            await service.reset_password("cilda", wrong, "jauna-parole-42")
    with pytest.raises((InvalidCode, TooManyAttempts)):
        await service.reset_password("cilda", code, "jauna-parole-42")
    await login(service, "cilda")  # the old password still works


# ------------------------------------------------------------ account lists


async def test_account_lists_show_the_patrons_own_things(service: LibraryService) -> None:
    cilda = await login(service, "cilda")
    loans = {v.loan.id: v for v in await service.loans(cilda)}
    assert set(loans) == {1, 2}
    assert loans[L1].title == TITLES[8]
    assert loans[L1].library_name == LIBRARY_NAMES[AIZ]
    history = await service.loan_history(cilda)
    assert [h.loan.id for h in history] == [6, 5]  # newest first
    states = {v.reservation.id: v.reservation.state for v in await service.reservations(cilda)}
    assert states == {
        R1: ReservationState.REQUESTED,
        R2: ReservationState.READY,
        R3: ReservationState.QUEUED,
    }
    (request,) = await service.free_requests(cilda)
    assert request.request.id == F1
    assert request.library_name == LIBRARY_NAMES[AIZ]

    anna = await login(service, "anna")
    assert await service.loans(anna) == []
    assert await service.reservations(anna) == []
    assert await service.free_requests(anna) == []
    assert await service.loan_history(anna) == []


# ------------------------------------------------------ order, queue, cancel


async def test_order_available_copy_waits_for_confirmation(service: LibraryService) -> None:
    anna = await login(service, "anna")
    view = await service.order(anna, "A-0001")
    r = view.reservation
    assert r.state == ReservationState.REQUESTED
    assert (r.patron_id, r.library_id, r.barcode, r.record_id) == (
        PATRONS["anna"].id,
        AIZ,
        "A-0001",
        1,
    )
    assert view.title == TITLES[1]
    assert view.cancel.allowed
    assert (await copy_view(service, "A-0001")).item.status == CopyStatus.RESERVED
    assert await messages(service, MessageKind.RESERVATION_RECEIVED, to=PATRONS["anna"].email)
    assert r.id in {v.reservation.id for v in await service.reservations(anna)}


async def test_order_on_loan_copy_joins_the_queue(service: LibraryService) -> None:
    anna = await login(service, "anna")
    dainis = await login(service, "dainis")
    first = await service.order(anna, "A-0009")
    second = await service.order(dainis, "A-0009")
    assert (first.reservation.state, first.reservation.position) == (ReservationState.QUEUED, 1)
    assert (second.reservation.state, second.reservation.position) == (ReservationState.QUEUED, 2)
    assert (await copy_view(service, "A-0009")).offer.queue_length == 2

    await service.cancel_reservation(anna, first.reservation.id)
    assert (await reservation(service, anna, first.reservation.id)).reservation.state == (
        ReservationState.CANCELLED
    )
    moved = await reservation(service, dainis, second.reservation.id)
    assert (moved.reservation.state, moved.reservation.position) == (ReservationState.QUEUED, 1)


async def test_order_unknown_copy_is_not_found(service: LibraryService) -> None:
    anna = await login(service, "anna")
    with pytest.raises(NotFound):
        await service.order(anna, "NAV-TADA")


async def test_concurrent_orders_of_the_last_copy(service: LibraryService) -> None:
    anna, dainis = await asyncio.gather(login(service, "anna"), login(service, "dainis"))
    views = await asyncio.gather(service.order(anna, "A-0003"), service.order(dainis, "A-0003"))
    states = sorted((v.reservation.state, v.reservation.position) for v in views)
    assert states == [(ReservationState.QUEUED, 1), (ReservationState.REQUESTED, 0)]


# ----------------------------------------------------------------- renewal


async def test_renewal_request_shows_pending_at_once(service: LibraryService) -> None:
    cilda = await login(service, "cilda")
    view = await service.request_renewal(cilda, L1)
    assert view.loan.renewal == RenewalState.PENDING
    assert not view.renew.allowed
    (listed,) = [v for v in await service.loans(cilda) if v.loan.id == L1]
    assert listed.loan.renewal == RenewalState.PENDING
    assert listed.renew.refusal is not None and listed.renew.refusal.code == "renewal_pending"


# ------------------------------------------------------------ free requests


def form(**fields: str) -> FreeRequestForm:
    base = {
        "author": "Liepa, Anna",
        "title": "Putni",
        "year": "2018",
        "info": "",
        "library_id": AIZ,
        "collection": "ab",
    }
    return FreeRequestForm(**(base | fields))


async def test_free_request_is_sent(service: LibraryService) -> None:
    anna = await login(service, "anna")
    view = await service.submit_free_request(anna, form(author="-", year="-"))
    req = view.request
    assert req.state == FreeRequestState.SENT
    assert (req.author, req.year, req.title) == ("-", "-", "Putni")
    assert view.library_name == LIBRARY_NAMES[AIZ]
    assert [v.request.id for v in await service.free_requests(anna)] == [req.id]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "   \t "}, "title"),
        ({"library_id": ""}, "library_id"),
        ({"library_id": "nav-tadas"}, "library_id"),
        ({"collection": "bern"}, "collection"),  # aiz has no children's collection
        ({"title": "x" * 301}, "title"),
        ({"author": "x" * 301}, "author"),
        ({"year": "1" * 21}, "year"),
        ({"info": "x" * 2001}, "info"),
    ],
)
async def test_free_request_validation(
    service: LibraryService, fields: dict[str, str], field: str
) -> None:
    anna = await login(service, "anna")
    with pytest.raises(InvalidInput) as caught:
        await service.submit_free_request(anna, form(**fields))
    assert caught.value.field == field
    assert caught.value.lv and caught.value.en
    assert await service.free_requests(anna) == []


async def test_free_request_at_the_limits_is_accepted(service: LibraryService) -> None:
    anna = await login(service, "anna")
    view = await service.submit_free_request(
        anna,
        form(
            title="t" * 300,
            author="a" * 300,
            year="y" * 20,
            info="i" * 2000,
            library_id=KOK,
            collection="bern",
        ),
    )
    assert len(view.request.info) == 2000
    assert view.request.collection == "bern"


async def test_free_request_strips_control_characters(service: LibraryService) -> None:
    anna = await login(service, "anna")
    view = await service.submit_free_request(
        anna,
        form(
            title="Grā\x1b[31mmata\x07\x00",
            author="Ozo\x9bliņš",
            info="Pirmā rinda\n\totrā rinda\x1b",
        ),
    )
    req = view.request
    for text in (req.title, req.author, req.info):
        assert not any(ord(c) < 32 and c not in "\t\n" for c in text)
        assert "\x1b" not in text and "\x9b" not in text and "\x7f" not in text
    assert req.title.startswith("Grā") and "mata" in req.title
    assert req.author == "Ozoliņš"
    assert req.info == "Pirmā rinda\n\totrā rinda"


# -------------------------------------------------------------------- lists


async def test_list_is_sent_to_an_email(service: LibraryService) -> None:
    message = await service.send_list([1, 4], "lasitajs@example.lv")
    assert message.kind == MessageKind.LIST
    assert message.to == "lasitajs@example.lv"
    assert TITLES[1] in message.body and TITLES[4] in message.body
    assert message in await service.outbox()


@pytest.mark.parametrize(
    "address",
    ["", "nav-adrese", "@example.lv", "vārds @example.lv", "x@example.lv\nBcc: y@example.lv"],
)
async def test_list_to_a_bad_address_is_refused(service: LibraryService, address: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        await service.send_list([1], address)
    assert caught.value.field == "email"
    assert await messages(service, MessageKind.LIST) == []


async def test_empty_list_is_refused(service: LibraryService) -> None:
    with pytest.raises(InvalidInput) as caught:
        await service.send_list([], "lasitajs@example.lv")
    assert caught.value.field == "records"


# ---------------------------------------------------------------- isolation


async def test_patron_cannot_reach_another_patrons_things(service: LibraryService) -> None:
    boris = await login(service, "boris")
    with pytest.raises(NotFound):
        await service.cancel_reservation(boris, R1)  # cilda's
    with pytest.raises(NotFound):
        await service.request_renewal(boris, L1)  # cilda's
    assert F1 not in {v.request.id for v in await service.free_requests(boris)}
    cilda = await login(service, "cilda")
    assert (await reservation(service, cilda, R1)).reservation.state == ReservationState.REQUESTED
    (l1,) = [v for v in await service.loans(cilda) if v.loan.id == L1]
    assert l1.loan.renewal == RenewalState.NONE


async def test_patron_session_on_staff_operation_is_forbidden(service: LibraryService) -> None:
    anna = await login(service, "anna")
    card = PATRONS["anna"].card_number
    calls = [
        lambda: service.staff_reservations(anna),
        lambda: service.confirm_reservation(anna, R1),
        lambda: service.reject_reservation(anna, R1, "nē"),
        lambda: service.staff_renewals(anna),
        lambda: service.approve_renewal(anna, L1),
        lambda: service.deny_renewal(anna, L1, "nē"),
        lambda: service.staff_free_requests(anna),
        lambda: service.accept_free_request(anna, F1),
        lambda: service.fulfil_free_request(anna, F1),
        lambda: service.reject_free_request(anna, F1, "nē"),
        lambda: service.find_patrons(anna, "cilda"),
        lambda: service.patron_account(anna, PATRONS["cilda"].id),
        lambda: service.check_out(anna, card, "A-0001"),
        lambda: service.check_in(anna, "A-0009"),
    ]
    for call in calls:
        with pytest.raises(Forbidden):
            await call()
    cilda = await login(service, "cilda")
    assert (await reservation(service, cilda, R1)).reservation.state == ReservationState.REQUESTED


async def test_staff_of_another_library_is_forbidden(service: LibraryService) -> None:
    kok = await login(service, "kok.darbs")
    with pytest.raises(Forbidden):
        await service.confirm_reservation(kok, R1)  # an aiz reservation
    with pytest.raises(Forbidden):
        await service.approve_renewal(kok, L3)  # an aiz loan
    with pytest.raises(Forbidden):
        await service.check_in(kok, "A-0009")
    with pytest.raises(Forbidden):
        await service.check_out(kok, PATRONS["anna"].card_number, "A-0001")
    with pytest.raises(Forbidden):
        await service.accept_free_request(kok, F1)
    assert R1 not in {v.reservation.id for v in await service.staff_reservations(kok)}
    aiz = await login(service, "aiz.darbs")
    assert R1 in {v.reservation.id for v in await service.staff_reservations(aiz)}


async def test_staff_unknown_copy_or_card_is_not_found(service: LibraryService) -> None:
    staff = await login(service, "aiz.darbs")
    with pytest.raises(NotFound):
        await service.check_in(staff, "NAV-TADA")
    with pytest.raises(NotFound):
        await service.check_out(staff, "0000000000", "A-0001")
    with pytest.raises(NotFound):
        await service.confirm_reservation(staff, 9999)
    assert (await copy_view(service, "A-0001")).item.status == CopyStatus.AVAILABLE


async def test_staff_find_patrons(service: LibraryService) -> None:
    aiz = await login(service, "aiz.darbs")
    by_card = await service.find_patrons(aiz, PATRONS["cilda"].card_number)
    assert [p.username for p in by_card] == ["cilda"]
    by_name = await service.find_patrons(aiz, "Čakste")
    assert "cilda" in {p.username for p in by_name}


async def test_staff_lists_say_whose_it_is(service: LibraryService) -> None:
    aiz = await login(service, "aiz.darbs")
    (r1,) = [v for v in await service.staff_reservations(aiz) if v.reservation.id == R1]
    assert r1.patron is not None and r1.patron.username == "cilda"
    (f1,) = [v for v in await service.staff_free_requests(aiz) if v.request.id == F1]
    assert f1.patron is not None and f1.patron.name == PATRONS["cilda"].name
    cilda = await login(service, "cilda")
    await service.request_renewal(cilda, L1)
    (l1,) = [v for v in await service.staff_renewals(aiz) if v.loan.id == L1]
    assert l1.patron is not None and l1.patron.card_number == PATRONS["cilda"].card_number
    # A patron's own lists never carry it.
    assert all(v.patron is None for v in await service.reservations(cilda))


async def test_patron_account_at_the_desk(service: LibraryService) -> None:
    aiz = await login(service, "aiz.darbs")
    cilda = await service.patron_account(aiz, PATRONS["cilda"].id)
    assert cilda.patron.username == "cilda"
    assert {v.loan.id for v in cilda.loans} == {L1}  # L2 is kok's: not shown at aiz
    assert {v.reservation.id for v in cilda.reservations} == {R1, R2, R3}
    assert [v.request.id for v in cilda.free_requests] == [F1]
    assert cilda.blocks == []
    boris = await service.patron_account(aiz, PATRONS["boris"].id)
    assert [b.code for b in boris.blocks] == ["blocked_overdue"]
    kok = await login(service, "kok.darbs")
    assert {v.loan.id for v in (await service.patron_account(kok, PATRONS["cilda"].id)).loans} \
        == {L2}
    with pytest.raises(NotFound):
        await service.patron_account(aiz, 999_999)


# --------------------------------------------------------------- self-check


async def test_a_patron_checks_out_and_returns_at_the_terminal(service: LibraryService) -> None:
    assert (await service.abilities()).self_check_out
    anna = await login(service, "anna")
    lent = await service.self_check_out(anna, AIZ, " A-0001 ")
    assert lent.loan.barcode == "A-0001" and lent.loan.due > lent.loan.checked_out
    assert [v.loan.barcode for v in await service.loans(anna)] == ["A-0001"]
    assert (await copy_view(service, "A-0001")).item.status == CopyStatus.ON_LOAN
    back = await service.self_check_in(anna, AIZ, "A-0001")
    assert back.loan is not None and back.loan.returned is not None and not back.set_aside
    assert await service.loans(anna) == []
    assert (await copy_view(service, "A-0001")).item.status == CopyStatus.AVAILABLE


async def test_a_self_check_receipt_is_e_mailed(service: LibraryService) -> None:
    anna = await login(service, "anna")
    lent = await service.self_check_out(anna, AIZ, "A-0001")
    receipt = await service.send_receipt(anna, AIZ, ["A-0001", "A-0001"], [])
    assert receipt.kind == MessageKind.RECEIPT and receipt.to == PATRONS["anna"].email
    assert f"līdz {lent.loan.due:%d.%m.%Y}" in receipt.body
    assert receipt.body.count(lent.title) == 1
    with pytest.raises(InvalidInput) as caught:
        await service.send_receipt(anna, AIZ, ["A-0009"], [])  # cilda's loan: not hers
    assert caught.value.field == "lent"


async def test_self_check_keeps_the_desks_rules(service: LibraryService) -> None:
    anna, boris = await login(service, "anna"), await login(service, "boris")
    refusals = {
        "other_library": lambda: service.self_check_out(anna, AIZ, "K-0001"),
        "blocked_overdue": lambda: service.self_check_out(boris, AIZ, "A-0001"),
        "held_for_other": lambda: service.self_check_out(anna, AIZ, "A-0012"),
        "reading_room": lambda: service.self_check_out(anna, AIZ, "A-0002"),
        "not_on_shelf": lambda: service.self_check_out(anna, AIZ, "A-0007"),
        "not_on_loan": lambda: service.self_check_in(anna, AIZ, "A-0003"),
    }
    for code, attempt in refusals.items():
        with pytest.raises(Refused) as caught:
            await attempt()
        assert caught.value.refusal.code == code
    with pytest.raises(NotFound):
        await service.self_check_out(anna, AIZ, "NAV-TADA")
    assert await service.loans(anna) == []


async def test_a_return_someone_waits_for_is_set_aside_without_saying_for_whom(
    service: LibraryService,
) -> None:
    eva = await login(service, "eva")  # S-0003 is hers; dainis waits for it
    back = await service.self_check_in(eva, SKR, "S-0003")
    assert back.set_aside and back.hold_for is None and back.next_reservation is None
    dainis = await login(service, "dainis")
    (waiting,) = [v for v in await service.reservations(dainis) if v.reservation.state.active]
    assert waiting.reservation.state == ReservationState.READY


async def test_refused_is_a_refusal_with_both_languages(service: LibraryService) -> None:
    cilda = await login(service, "cilda")
    with pytest.raises(Refused) as caught:
        await service.order(cilda, "A-0011")  # her own request
    assert caught.value.refusal.code == "already_reserved"
    assert caught.value.lv == caught.value.refusal.lv and caught.value.en
