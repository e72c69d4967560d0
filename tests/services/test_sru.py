"""The catalogue over SRU (``services.sru``) against a real SRU server,
Debian's ``yaz-ztest``, and the combined service (SRU catalogue, in-memory
accounts) with the kiosk on top.

What yaz-ztest does, which these tests lean on: a query that is one digit N
finds exactly N records (other terms find a number derived from the term);
records are its built-in Library of Congress test records in a fixed order
(001 with 003 "DLC"); an unknown database is HTTP 404; an unknown
recordSchema gives a surrogate diagnostic (63) in place of each record; a
``startRecord`` past the end is diagnostic 61. With ``YAZ_ZTEST_XML_FETCH``
set, recordSchema "xml" serves the record at position N from a file of
ours: that is how records with holdings (952, 852/876) are served.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from services.combined import LIST_REFUSED, CombinedService
from services.errors import InvalidInput, NotFound, ServiceUnavailable
from services.memory import MemoryService
from services.models import (
    Collection,
    Contacts,
    CopyStatus,
    Library,
    OfferKind,
    SearchQuery,
)
from services.protocol import AccountService, CatalogueService
from services.sru import SruCatalogue
from services.sru import diagnostics as diag
from services.sru.catalogue import UNREADABLE_TITLE
from services.sru.cql import ALL_RECORDS, cql_query
from tests.services.fixtures import build_region, new_clock
from tests.services.support import login

ZTEST = shutil.which("yaz-ztest") or "/usr/bin/yaz-ztest"

LIBRARY = Library(
    id="AIZ", name="Aizkraukles bibliotēka", short_name="Aizkraukle",
    collections=[Collection(code="ABON", name_lv="Abonements", name_en="Lending")],
    contacts=Contacts(address="Lāčplēša iela 1", phone="+371 65100000",
                      email="biblioteka@example.lv"),
)
FIRST_TITLES = ["How to program a computer", "How to program a computer",
                "Computer processing of dynamic images from an Anger scintillation camera"]

HOLDINGS = {
    1: """<datafield tag="952" ind1=" " ind2=" "><subfield code="a">AIZ</subfield>
        <subfield code="c">ABON</subfield><subfield code="o">821 K</subfield>
        <subfield code="p">B-1</subfield></datafield>
        <datafield tag="952" ind1=" " ind2=" "><subfield code="a">AIZ</subfield>
        <subfield code="c">ABON</subfield><subfield code="o">821 K</subfield>
        <subfield code="p">B-2</subfield><subfield code="1">1</subfield></datafield>""",
    2: """<datafield tag="852" ind1=" " ind2=" "><subfield code="b">AIZ</subfield>
        <subfield code="c">ABON</subfield><subfield code="h">94 V</subfield></datafield>
        <datafield tag="876" ind1=" " ind2=" "><subfield code="p">C-1</subfield>
        <subfield code="j">Not for loan</subfield></datafield>""",
    3: "",
}


def _marcxml(position: int) -> str:
    number = f'<controlfield tag="001">LV-{position}</controlfield>' if position != 3 else ""
    return (
        '<record xmlns="http://www.loc.gov/MARC21/slim">'
        "<leader>00000nam a2200000 a 4500</leader>"
        f'{number}<controlfield tag="003">LNB</controlfield>'
        '<datafield tag="245" ind1="0" ind2="0">'
        f'<subfield code="a">Ķēniņu stāsti {position}</subfield></datafield>'
        f"{HOLDINGS[position]}</record>"
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def _ztest(log: Path, env: dict[str, str] | None = None) -> Iterator[str]:
    """yaz-ztest on a free loopback port (threaded: one process), its base URL."""
    if not os.access(ZTEST, os.X_OK):
        pytest.skip("yaz-ztest is not installed (Debian package yaz: apt-get install yaz)")
    port = _free_port()
    process = subprocess.Popen(
        [ZTEST, "-T", "-l", str(log), f"tcp:127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, **(env or {})})
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"yaz-ztest did not start: {log.read_text(errors='replace')}")
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def ztest(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with _ztest(tmp_path_factory.mktemp("ztest") / "ztest.log") as url:
        yield url


@pytest.fixture(scope="module")
def ztest_holdings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """yaz-ztest serving our three records (recordSchema "xml")."""
    folder = tmp_path_factory.mktemp("ztest-records")
    for position in HOLDINGS:
        (folder / f"rxml.{position}.xml").write_text(_marcxml(position), encoding="utf-8")
    with _ztest(folder / "ztest.log", {"YAZ_ZTEST_XML_FETCH": str(folder / "r")}) as url:
        yield url


@pytest.fixture
async def catalogue(ztest: str) -> AsyncIterator[SruCatalogue]:
    async with SruCatalogue(ztest, [LIBRARY], database="Default", version="1.1") as sru:
        yield sru


@contextlib.asynccontextmanager
async def answering(answer: bytes | None, delay: float = 0.0) -> AsyncIterator[str]:
    """A tiny HTTP server of our own: after ``delay`` it sends ``answer`` (a
    whole HTTP response) and closes; None: it never answers."""
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        await asyncio.sleep(delay if answer is not None else 3600)
        writer.write(answer or b"")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.close()


def _http(body: bytes, status: str = "200 OK") -> bytes:
    return (f"HTTP/1.1 {status}\r\nContent-Type: text/xml\r\nContent-Length: {len(body)}\r\n"
            "Connection: close\r\n\r\n").encode() + body


def _diagnostic(number: int) -> bytes:
    return (
        '<?xml version="1.0"?><searchRetrieveResponse xmlns="http://www.loc.gov/zing/srw/">'
        "<version>1.2</version><numberOfRecords>0</numberOfRecords>"
        '<diagnostics><diagnostic xmlns="http://www.loc.gov/zing/srw/diagnostic/">'
        f"<uri>info:srw/diagnostic/1/{number}</uri><message>x</message></diagnostic>"
        "</diagnostics></searchRetrieveResponse>").encode()


# ------------------------------------------------------------------- search


async def test_search_pages_through_the_servers_records(catalogue: SruCatalogue) -> None:
    pages = [await catalogue.search(SearchQuery(text="9", offset=offset, limit=4))
             for offset in (0, 4, 8)]
    assert [page.total for page in pages] == [9, 9, 9]
    assert [len(page.items) for page in pages] == [4, 4, 1]
    assert pages[0].has_next and pages[1].has_next and not pages[2].has_next
    assert pages[2].has_previous and pages[2].offset == 8
    titles = [hit.title for hit in pages[0].items]
    assert [t.split(" :")[0] for t in titles[:3]] == FIRST_TITLES
    ids = [hit.id for page in pages for hit in page.items]
    assert len(set(ids)) == 9, "two records with the same title are still two"
    beyond = await catalogue.search(SearchQuery(text="9", offset=20, limit=4))
    assert beyond.items == [] and beyond.total == 9


async def test_pages_agree_with_one_large_page(catalogue: SruCatalogue) -> None:
    """What holds for any source: the pages together are the whole result."""
    whole = await catalogue.search(SearchQuery(text="8", limit=50))
    paged = [hit for offset in range(0, 8, 3)
             for hit in (await catalogue.search(SearchQuery(text="8", offset=offset,
                                                            limit=3))).items]
    assert [h.id for h in paged] == [h.id for h in whole.items]
    assert whole.total == len(whole.items) == 8


async def test_a_page_never_asks_for_more_than_page_size(ztest: str) -> None:
    async with SruCatalogue(ztest, [LIBRARY], database="Default", page_size=2) as sru:
        page = await sru.search(SearchQuery(text="5", limit=20))
    assert (page.total, len(page.items)) == (5, 2) and page.has_next


async def test_every_sru_version_is_read(ztest: str) -> None:
    for version in ("1.1", "1.2", "2.0"):
        async with SruCatalogue(ztest, [LIBRARY], database="Default", version=version) as sru:
            page = await sru.search(SearchQuery(text="3"))
        assert page.total == 3 and page.items[0].title == FIRST_TITLES[0], version


async def test_any_text_is_a_safe_query(catalogue: SruCatalogue) -> None:
    """Quotes, backslashes, masking characters, relations, brackets, control
    characters and operators are searched for as typed, never a CQL error."""
    nasty = 'Ķēniņš "citāts" \\ * ? ^ = < > [x] (y) / and or not prox\x00\x1b\u200f 9'
    page = await catalogue.search(SearchQuery(text=nasty))
    assert page.total >= 0
    cql = cql_query(nasty)
    assert cql.startswith('Ķēniņš and "\\"citāts\\"" and "\\\\" and "\\*" and "\\?"')
    assert '"and" and "or" and "not" and "prox"' in cql and "\x00" not in cql
    assert cql_query("  \x00 ") == ALL_RECORDS
    assert cql_query("grām ķēn", prefix=True) == "grām* and ķēn*"


async def test_what_sru_cannot_filter(catalogue: SruCatalogue) -> None:
    """Nothing here is orderable through Mana: "available now" finds nothing;
    another region's library finds nothing; the source's own finds all."""
    assert (await catalogue.search(SearchQuery(text="5", available_now=True))).total == 0
    assert (await catalogue.search(SearchQuery(text="5", library_id="KOK"))).total == 0
    own = await catalogue.search(SearchQuery(text="5", library_id="AIZ", counts=True))
    assert own.total == 5 and own.counts is None
    assert all(hit.available == 0 for hit in own.items)


# ------------------------------------------------------- record and copies


async def test_record_and_its_marc_view_as_the_server_gave_it(catalogue: SruCatalogue) -> None:
    page = await catalogue.search(SearchQuery(text="3"))
    hit = page.items[2]
    record = await catalogue.record(hit.id)
    assert record.id == hit.id and record.title == hit.title and record.has_marc
    assert record.year == 1974 and "Larson, Kenneth B" in record.authors
    assert record.physical.startswith("xiv, p. : ill.")
    marc = await catalogue.record_marc(hit.id)
    fields = {field.tag: field for field in marc.fields}
    assert fields["001"].data.strip() == "73090924 //r82"
    assert fields["003"].data == "DLC"
    assert fields["245"].subfields[0][1].startswith("Computer processing of dynamic images")
    again = await catalogue.search(SearchQuery(text="3"))
    assert [h.id for h in again.items] == [h.id for h in page.items], "ids stay"


async def test_an_id_never_given_or_forgotten_is_not_found(ztest: str) -> None:
    async with SruCatalogue(ztest, [LIBRARY], database="Default", remember=3) as sru:
        with pytest.raises(NotFound) as caught:
            await sru.record(1)
        assert "meklējiet to vēlreiz" in caught.value.text("lv")
        page = await sru.search(SearchQuery(text="6"))
        first, last = page.items[0].id, page.items[-1].id
        assert (await sru.record(last)).title == page.items[-1].title
        for call in (sru.record, sru.copies, sru.record_marc):
            with pytest.raises(NotFound):
                await call(first)  # type: ignore[operator]


async def test_copies_come_from_the_holdings_fields(ztest_holdings: str) -> None:
    async with SruCatalogue(ztest_holdings, [LIBRARY], database="Default",
                            record_schema="xml") as sru:
        page = await sru.search(SearchQuery(text="3"))
        koha, marc, bare = page.items
        assert (koha.title, koha.copies, marc.copies, bare.copies) == (
            "Ķēniņu stāsti 1", 2, 1, 0)
        copies = await sru.copies(koha.id)
        assert copies.total == 2
        assert [(c.item.barcode, c.item.status) for c in copies.items] == [
            ("B-1", CopyStatus.AVAILABLE), ("B-2", CopyStatus.LOST)]
        view = copies.items[0]
        assert (view.library_name, view.collection_name("en"), view.item.shelf_mark) == (
            LIBRARY.name, "Lending", "821 K")
        assert view.offer.kind is OfferKind.CONTACT and view.offer.refusal is not None
        assert view.offer.refusal.text("lv").startswith("Plauktā. Caur Mana")
        assert "+371 65100000" in view.offer.refusal.text("en")
        assert "Lost." in copies.items[1].offer.refusal.text("en")  # type: ignore[union-attr]
        (item,) = (await sru.copies(marc.id)).items
        assert (item.item.barcode, item.item.status, item.item.shelf_mark) == (
            "C-1", CopyStatus.NOT_FOR_LOAN, "94 V")
        assert (await sru.copies(bare.id)).total == 0  # the screen: ask the library
        record = await sru.record(bare.id)
        assert record.title == "Ķēniņu stāsti 3", "a record without 001 keeps its place"
        assert "001" not in {f.tag for f in (await sru.record_marc(bare.id)).fields}


async def test_a_record_the_server_cannot_give_keeps_its_place(ztest_holdings: str) -> None:
    """yaz-ztest has our files for positions 1–3 only: the 4th is a surrogate
    diagnostic, shown as a placeholder that says why."""
    async with SruCatalogue(ztest_holdings, [LIBRARY], database="Default",
                            record_schema="xml") as sru:
        page = await sru.search(SearchQuery(text="4"))
        assert page.total == 4 and len(page.items) == 4
        broken = page.items[3]
        assert broken.title == UNREADABLE_TITLE
        assert "SRU" in (await sru.record(broken.id)).description
        with pytest.raises(NotFound):
            await sru.record_marc(broken.id)


# -------------------------------------------------------------- failures


async def test_unknown_database_is_a_sentence(ztest: str) -> None:
    async with SruCatalogue(ztest, [LIBRARY], database="Nav") as sru:
        with pytest.raises(ServiceUnavailable) as caught:
            await sru.search(SearchQuery(text="5"))
    assert caught.value.text("lv") == diag.NO_DATABASE[0]
    assert caught.value.text("en") == diag.NO_DATABASE[1]


async def test_unknown_record_schema_is_a_sentence(ztest: str) -> None:
    async with SruCatalogue(ztest, [LIBRARY], database="Default", record_schema="nav") as sru:
        with pytest.raises(ServiceUnavailable) as caught:
            await sru.search(SearchQuery(text="5"))
    assert "SRU diagnostika 63" in caught.value.text("lv")
    assert "refused the search (SRU diagnostic 63)" in caught.value.text("en")


@pytest.mark.parametrize(("number", "lv"), [
    (10, "nevar meklēt pēc šiem vārdiem (SRU diagnostika 10)"),
    (28, "nemeklē pēc vārdu sākuma"),
    (60, "Atrasts pārāk daudz ierakstu"),
])
async def test_a_query_diagnostic_asks_for_other_words(number: int, lv: str) -> None:
    async with answering(_http(_diagnostic(number))) as url, \
            SruCatalogue(url, [LIBRARY]) as sru:
        with pytest.raises(InvalidInput) as caught:
            await sru.search(SearchQuery(text="x"))
    assert caught.value.field == "text" and lv in caught.value.text("lv")


async def test_a_server_that_cannot_list_everything_lists_nothing() -> None:
    async with answering(_http(_diagnostic(16))) as url, SruCatalogue(url, [LIBRARY]) as sru:
        page = await sru.search(SearchQuery(text=""))
    assert page.total == 0 and page.items == []


async def test_a_server_that_is_down_is_unreachable() -> None:
    async with SruCatalogue(f"http://127.0.0.1:{_free_port()}", [LIBRARY]) as sru:
        with pytest.raises(ServiceUnavailable) as caught:
            await sru.search(SearchQuery(text="5"))
    assert caught.value.text("lv") == diag.UNREACHABLE[0]


async def test_a_slow_server_is_given_up_on_in_time() -> None:
    async with answering(None) as url, SruCatalogue(url, [LIBRARY], timeout=0.3) as sru:
        started = time.monotonic()
        with pytest.raises(ServiceUnavailable) as caught:
            await sru.search(SearchQuery(text="5"))
    assert time.monotonic() - started < 2
    assert caught.value.text("en") == diag.SLOW[1]


@pytest.mark.parametrize("answer", [
    _http(b"<html><body>Welcome</body></html>"),
    _http(b"\x00\xff garbage"),
    _http(b"<searchRetrieveResponse><numberOfRecords>many</numberOfRecords>"
          b"</searchRetrieveResponse>"),
    _http(b"", "500 Internal Server Error"),
    b"NOT HTTP AT ALL\r\n\r\n",
])
async def test_a_garbled_answer_is_a_bad_answer(answer: bytes) -> None:
    async with answering(answer) as url, SruCatalogue(url, [LIBRARY]) as sru:
        with pytest.raises(ServiceUnavailable) as caught:
            await sru.search(SearchQuery(text="5"))
    assert caught.value.text("lv") == diag.BAD_ANSWER[0]


# ---------------------------------------------------- the combined service


async def test_combined_service_takes_catalogue_and_accounts_apart(
    catalogue: SruCatalogue,
) -> None:
    accounts = MemoryService(build_region(), new_clock())
    service = CombinedService(catalogue, accounts)
    assert await service.ready()
    cilda = await login(service, "cilda")
    assert cilda.patron.username == "cilda"
    loans = await service.loans(cilda)
    assert loans and loans == await accounts.loans(cilda)
    page = await service.search(SearchQuery(text="2"))
    assert [hit.title for hit in page.items] == FIRST_TITLES[:2]
    assert (await service.libraries()) == [LIBRARY]
    assert (await service.record(page.items[0].id)).has_marc
    with pytest.raises(InvalidInput) as caught:
        await service.send_list([page.items[0].id], "cilda@example.lv")
    assert caught.value.field == "records" and caught.value.text("lv") == LIST_REFUSED[0]


def test_combined_service_forwards_every_method_of_the_contract() -> None:
    """A method added to either half of the contract is forwarded to its part
    without a line in ``services.combined``; only ``send_list`` is its own."""
    assert not CombinedService.__abstractmethods__
    for contract in (CatalogueService, AccountService):
        for name in contract.__abstractmethods__ - {"send_list"}:
            method = getattr(CombinedService, name)
            assert method.__wrapped__ is getattr(contract, name), name


def test_kiosk_toml_builds_the_combined_service(ztest: str) -> None:
    from tui.cli import build_service
    from tui.config import ConfigError, validate_config

    config = validate_config({"catalogue": {
        "kind": "sru", "url": ztest, "database": "Default",
        "libraries": [{"id": "AIZ", "name": "Aizkraukles bibliotēka", "phone": "+371 1"}],
    }}, source="kiosk.toml")
    service = build_service(config)
    assert isinstance(service, CombinedService)
    assert isinstance(service.catalogue, SruCatalogue)
    assert isinstance(service.accounts, MemoryService)
    with pytest.raises(ConfigError, match=r"kiosk.toml: catalogue: .*needs the url"):
        validate_config({"catalogue": {"kind": "sru"}}, source="kiosk.toml")
    with pytest.raises(ConfigError, match=r"at least one \[\[catalogue.libraries\]\]"):
        validate_config({"catalogue": {"kind": "sru", "url": ztest}}, source="kiosk.toml")


# ---------------------------------------------------------------- the kiosk


async def test_the_kiosk_searches_and_opens_an_sru_record(catalogue: SruCatalogue) -> None:
    from screens.record import RecordScreen
    from tests.screens.catalog_helpers import settle, static_text, type_text
    from tui.app import KioskApp
    from tui.config import KioskConfig

    service = CombinedService(catalogue, MemoryService(build_region(), new_clock()))
    app = KioskApp(service=service, config=KioskConfig())
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await type_text(pilot, "3")
        await pilot.press("enter")
        await settle(pilot)
        summary = static_text(app, "#summary")
        assert "3" in summary
        await pilot.press("down", "down", "enter")
        await settle(pilot)
        assert isinstance(app.screen, RecordScreen)
        assert static_text(app, "#record-title").startswith(FIRST_TITLES[2])
        assert "Ask at the library" in static_text(app, "#copies-range") or \
            "Jautājiet bibliotēkā" in static_text(app, "#copies-range")
