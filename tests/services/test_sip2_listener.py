"""``mana serve``'s SIP2 listener on a real TCP port, with the engine on the
test region (``tests/services/fixtures.py``), driven by Mana's SIP2 client and
account adapter; and the client against small servers of the test's own that
answer slowly, badly or not at all."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date

import pysip2
import pytest
from argon2 import PasswordHasher

from services.clock import FakeClock
from services.errors import InvalidCredentials, NotAuthenticated, Refused, ServiceUnavailable
from services.memory import MemoryService
from services.models import RenewalState, ReservationState
from services.server.settings import Sip2Settings, Sip2Terminal
from services.sip2.accounts import Sip2Accounts
from services.sip2.client import Sip2Client
from services.sip2.codec import Codec, message
from services.sip2.listener import Sip2Listener
from services.sip2.messages import PatronFlag, patron_flags, sip_date
from tests.services.fixtures import PATRONS, build_region, new_clock, password

TERMINAL_PASSWORD = "termināļa-parole"
HASH = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(TERMINAL_PASSWORD)
CARD = {name: patron.card_number for name, patron in PATRONS.items()}


@dataclass
class Setup:
    listener: Sip2Listener
    port: int
    clock: FakeClock
    client: Sip2Client
    accounts: Sip2Accounts


@pytest.fixture
async def sip() -> AsyncIterator[Setup]:
    clock = new_clock()
    engine = MemoryService(region=build_region(), clock=clock)
    settings = Sip2Settings(port=0, idle_seconds=5, max_message_bytes=1024, terminals=[
        Sip2Terminal(login="kiosk-aiz", password_hash=HASH, library="aiz",
                     staff_account="aiz.darbs")])
    listener = Sip2Listener(engine, settings, clock=clock)
    port = await listener.start()
    client = Sip2Client("127.0.0.1", port, login="kiosk-aiz", password=TERMINAL_PASSWORD,
                        timeout=5)
    try:
        yield Setup(listener, port, clock, client, Sip2Accounts(client, "aiz", clock=clock))
    finally:
        await client.close()
        await listener.close()


async def raw(port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A connection whose terminal has logged in."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(Codec().encode(message("93", {"uid_algorithm": "0", "pwd_algorithm": "0"},
                                        [("CN", "kiosk-aiz"), ("CO", TERMINAL_PASSWORD)]), 0))
    assert (await reader.readuntil(b"\r")).startswith(b"941")
    return reader, writer


async def answer(reader: asyncio.StreamReader) -> bytes:
    return await asyncio.wait_for(reader.readuntil(b"\r"), 5)


# ------------------------------------------------------------------ journeys


async def test_the_terminal_logs_in_and_asks_the_status(sip: Setup) -> None:
    status = await sip.client.status()
    assert status.get("AM") == "Aizkraukles centrālā bibliotēka"
    assert status.fixed["checkout_ok"] == "Y"


async def test_a_wrong_terminal_password_is_refused(sip: Setup) -> None:
    client = Sip2Client("127.0.0.1", sip.port, login="kiosk-aiz", password="nav tā", timeout=5)
    with pytest.raises(ServiceUnavailable):
        await client.status()
    await client.close()


async def test_a_patron_sees_loans_and_holds(sip: Setup) -> None:
    session = await sip.accounts.login(CARD["cilda"], password("cilda"))
    assert session.patron.name == "Cilda Čakste"
    loans = {v.loan.barcode: v for v in await sip.accounts.loans(session)}
    assert set(loans) == {"A-0009", "K-0004"}
    assert loans["A-0009"].title == "Jūras stāsti"
    assert loans["A-0009"].loan.due == date(2026, 12, 1)
    holds = {v.reservation.barcode: v for v in await sip.accounts.reservations(session)}
    assert holds["A-0012"].reservation.state == ReservationState.READY
    assert holds["A-0012"].reservation.held_until == date(2026, 11, 22)
    assert holds["A-0012"].title == "Ezeru stāsti"
    assert {"A-0011", "A-0010"} <= set(holds)


async def test_a_wrong_pin_is_the_usual_refusal(sip: Setup) -> None:
    with pytest.raises(InvalidCredentials):
        await sip.accounts.login(CARD["cilda"], "nepareizi")


async def test_a_renewal_says_it_waits_for_a_librarian(sip: Setup) -> None:
    session = await sip.accounts.login(CARD["cilda"], password("cilda"))
    loans = {v.loan.barcode: v for v in await sip.accounts.loans(session)}
    renewed = await sip.accounts.request_renewal(session, loans["A-0009"].loan.id)
    assert renewed.loan.renewal == RenewalState.PENDING
    assert renewed.loan.due == date(2026, 12, 1)
    with pytest.raises(Refused) as caught:
        await sip.accounts.request_renewal(session, loans["K-0004"].loan.id)
    assert caught.value.refusal.code == "renewal_limit"
    assert "pagarinājumu skaita ierobežojums" in caught.value.refusal.lv


async def test_the_renewal_answer_in_the_patrons_language(sip: Setup) -> None:
    reader, writer = await raw(sip.port)
    writer.write(Codec().encode(message("29", {
        "third_party_allowed": "N", "no_block": "N", "transaction_date": sip_date(
            sip.clock.now()), "nb_due_date": sip_date(sip.clock.now())},
        [("AO", "aiz"), ("AA", CARD["eva"]), ("AD", password("eva")), ("AB", "S-0003")]), 1))
    renew = pysip2.decode_message(await answer(reader), encoding="utf-8").message
    writer.close()
    assert renew.ok == "0"
    assert renew.screen_message == ("Cannot renew: other readers are waiting for this copy.",)


async def test_holds_are_placed_and_cancelled(sip: Setup) -> None:
    session = await sip.accounts.login(CARD["anna"], password("anna"))
    placed = await sip.accounts.order(session, "A-0003")
    assert placed.reservation.state == ReservationState.REQUESTED
    queued = await sip.accounts.order(session, "A-0010")
    assert queued.reservation.state == ReservationState.QUEUED
    assert queued.reservation.position == 2
    cancelled = await sip.accounts.cancel_reservation(session, placed.reservation.id)
    assert cancelled.reservation.state == ReservationState.CANCELLED
    left = {v.reservation.barcode for v in await sip.accounts.reservations(session)}
    assert left == {"A-0010"}


async def test_too_many_holds_are_refused_and_flagged(sip: Setup) -> None:
    session = await sip.accounts.login(CARD["anna"], password("anna"))
    for barcode in ("A-0001", "A-0003", "A-0004", "A-0009", "A-0010"):
        await sip.accounts.order(session, barcode)
    with pytest.raises(Refused) as caught:
        await sip.accounts.order(session, "A-0011")
    assert caught.value.refusal.code == "reservation_limit"
    information = await sip.client.request(message("63", {
        "language": "000", "transaction_date": sip_date(sip.clock.now()),
        "summary": " " * 10}, [("AO", "aiz"), ("AA", CARD["anna"]), ("AD", password("anna"))]))
    assert PatronFlag.HOLD_DENIED in patron_flags(information.fixed["patron_status"])


async def test_self_check_out_and_in(sip: Setup) -> None:
    session = await sip.accounts.login(CARD["anna"], password("anna"))
    lent = await sip.accounts.self_check_out(session, "aiz", "A-0001")
    assert lent.title == "Grāmata par Ķēniņu"
    assert lent.loan.due == date(2026, 12, 16)
    assert "A-0001" in {v.loan.barcode for v in await sip.accounts.loans(session)}
    returned = await sip.accounts.self_check_in(session, "aiz", "A-0001")
    assert returned.title == "Grāmata par Ķēniņu"
    assert await sip.accounts.loans(session) == []


async def test_a_blocked_patron_cannot_check_out(sip: Setup) -> None:
    session = await sip.accounts.login(CARD["boris"], password("boris"))
    with pytest.raises(Refused) as caught:
        await sip.accounts.self_check_out(session, "aiz", "A-0003")
    assert caught.value.refusal.code == "blocked_overdue"
    assert caught.value.refusal.lv == "Nevar izsniegt: lasītājam ir nokavēts izsniegums."
    information = await sip.client.request(message("63", {
        "language": "000", "transaction_date": sip_date(sip.clock.now()),
        "summary": " Y        "}, [("AO", "aiz"), ("AA", CARD["boris"]),
                                   ("AD", password("boris"))]))
    assert {PatronFlag.CHARGE_DENIED, PatronFlag.TOO_MANY_OVERDUE} <= patron_flags(
        information.fixed["patron_status"])
    assert information.all("AT") == ["A-0010"]
    assert information.get("BV") == "1.00"


async def test_an_item_held_for_someone_else_is_not_checked_out(sip: Setup) -> None:
    session = await sip.accounts.login(CARD["anna"], password("anna"))
    with pytest.raises(Refused) as caught:
        await sip.accounts.self_check_out(session, "aiz", "A-0012")
    assert caught.value.refusal.code == "held_for_other"


async def test_a_checkin_with_a_queue_alerts_the_machine(sip: Setup) -> None:
    reader, writer = await raw(sip.port)
    now = sip_date(sip.clock.now())
    writer.write(Codec().encode(message("09", {"no_block": "N", "transaction_date": now,
                                               "return_date": now},
                                        [("AP", "aiz"), ("AO", "aiz"), ("AB", "A-0010")]), 1))
    checkin = pysip2.decode_message(await answer(reader), encoding="utf-8").message
    writer.close()
    assert checkin.ok == "1" and checkin.alert == "Y"
    assert "rezervēts citam lasītājam" in " ".join(checkin.screen_message)


async def test_the_end_of_a_session_logs_the_patron_out(sip: Setup) -> None:
    session = await sip.accounts.login(CARD["cilda"], password("cilda"))
    await sip.accounts.logout(session)
    with pytest.raises(NotAuthenticated):
        await sip.accounts.loans(session)


# ------------------------------------------------------------ hostile input


@pytest.mark.parametrize("frame", [
    b"this is not SIP2\r",
    b"6300020261116\r",  # truncated
    b"9900401.00AY1AZ0000\r",  # a wrong checksum
])
async def test_unreadable_messages_are_asked_again(sip: Setup, frame: bytes) -> None:
    reader, writer = await raw(sip.port)
    writer.write(frame)
    assert (await answer(reader)).startswith(b"96")
    writer.write(Codec().encode(message("99", {"status_code": "0", "max_print_width": "040",
                                               "protocol_version": "2.00"}), 2))
    assert (await answer(reader)).startswith(b"98")
    writer.close()


async def test_an_oversized_message_closes_the_connection(sip: Setup) -> None:
    reader, writer = await raw(sip.port)
    writer.write(b"17" + b"x" * 5000 + b"\r")
    assert await asyncio.wait_for(reader.read(), 5) == b""
    writer.close()
    assert (await sip.client.status()).command == "98"  # the server still serves


async def test_a_message_before_login_closes_the_connection(sip: Setup) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", sip.port)
    writer.write(Codec().encode(message("99", {"status_code": "0", "max_print_width": "040",
                                               "protocol_version": "2.00"}), 0))
    assert await asyncio.wait_for(reader.read(), 5) == b""
    writer.close()


async def test_a_client_that_drops_mid_message_leaves_the_server_serving(sip: Setup) -> None:
    reader, writer = await raw(sip.port)
    writer.write(b"6300020261116    100000  Y       AOaiz|AA10")
    await writer.drain()
    writer.close()
    session = await sip.accounts.login(CARD["cilda"], password("cilda"))
    assert len(await sip.accounts.loans(session)) == 2


async def test_an_idle_connection_is_closed() -> None:
    engine = MemoryService(region=build_region(), clock=new_clock())
    listener = Sip2Listener(engine, Sip2Settings(port=0, idle_seconds=0.3))
    port = await listener.start()
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        assert await asyncio.wait_for(reader.read(), 5) == b""
        writer.close()
    finally:
        await listener.close()


# ------------------------------------------------------------- the client


class FakeServer:
    """A SIP2 server of the test's own: ``reply(connection, frame)`` gives the
    bytes to answer (None: close the connection)."""

    def __init__(self, reply) -> None:  # type: ignore[no-untyped-def]
        self.reply = reply
        self.connections = 0
        self.frames: list[bytes] = []

    async def __aenter__(self) -> int:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return int(self.server.sockets[0].getsockname()[1])

    async def __aexit__(self, *_: object) -> None:
        self.server.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        number = self.connections
        try:
            while True:
                frame = await reader.readuntil(b"\r")
                self.frames.append(frame)
                reply = await self.reply(number, frame)
                if reply is None:
                    break
                writer.write(reply)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


def status_answer() -> bytes:
    return Codec().encode(message("98", {
        "online_status": "Y", "checkin_ok": "Y", "checkout_ok": "Y", "acs_renewal_policy": "Y",
        "status_update_ok": "N", "offline_ok": "N", "timeout_period": "030",
        "retries_allowed": "003", "date_time_sync": sip_date(new_clock().now()),
        "protocol_version": "2.00"}, [("AO", "x"), ("BX", "Y" * 16)]), sequence=None)


def login_answer() -> bytes:
    return Codec().encode(message("94", {"ok": "1"}))


async def test_a_slow_server_is_unavailable() -> None:
    async def slow(connection: int, frame: bytes) -> bytes:
        await asyncio.sleep(10)
        return login_answer()

    async with FakeServer(slow) as port:
        client = Sip2Client("127.0.0.1", port, login="a", password="b", timeout=0.3)
        with pytest.raises(ServiceUnavailable) as caught:
            await client.status()
        await client.close()
    assert caught.value.lv == ServiceUnavailable.default_lv


async def test_a_bad_checksum_is_asked_again_with_97() -> None:
    sent_bad = False

    async def flaky(connection: int, frame: bytes) -> bytes:
        nonlocal sent_bad
        if frame.startswith(b"93"):
            return login_answer()
        if frame.startswith(b"99") and not sent_bad:
            sent_bad = True
            good = status_answer()
            return good[:-5] + b"0000\r"  # the checksum spoilt
        return status_answer()  # to 97: the answer again

    server = FakeServer(flaky)
    async with server as port:
        client = Sip2Client("127.0.0.1", port, login="a", password="b", timeout=2)
        assert (await client.status()).fixed["online_status"] == "Y"
        await client.close()
    assert any(frame.startswith(b"97") for frame in server.frames)


async def test_garbage_for_ever_is_unavailable() -> None:
    async def garbage(connection: int, frame: bytes) -> bytes:
        return login_answer() if frame.startswith(b"93") else b"\x00\xffnonsense\r"

    async with FakeServer(garbage) as port:
        client = Sip2Client("127.0.0.1", port, login="a", password="b", timeout=2, resends=2)
        with pytest.raises(ServiceUnavailable):
            await client.status()
        await client.close()


async def test_a_dropped_connection_is_reopened_and_the_login_repeated() -> None:
    async def forgetful(connection: int, frame: bytes) -> bytes | None:
        if frame.startswith(b"93"):
            return login_answer()
        if connection == 1:
            return None  # the server forgot the login: it closes the connection
        return status_answer()

    server = FakeServer(forgetful)
    async with server as port:
        client = Sip2Client("127.0.0.1", port, login="a", password="b", timeout=2)
        assert (await client.status()).command == "98"
        await client.close()
    assert server.connections == 2
    assert sum(frame.startswith(b"93") for frame in server.frames) == 2


async def test_a_server_that_is_not_there_is_unavailable() -> None:
    server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()
    client = Sip2Client("127.0.0.1", port, login="a", password="b", timeout=1)
    with pytest.raises(ServiceUnavailable):
        await client.status()


async def test_mana_serve_starts_the_listener_with_its_settings() -> None:
    import socket

    from services.server.app import create_app
    from services.server.settings import ServerSettings

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    terminal = Sip2Terminal(login="kiosk-aiz", password_hash=HASH, library="aiz")
    settings = ServerSettings(sip2=Sip2Settings(port=port, terminals=[terminal]))
    app = create_app(MemoryService(region=build_region(), clock=new_clock()), settings)
    async with app.router.lifespan_context(app):
        client = Sip2Client("127.0.0.1", port, login="kiosk-aiz",
                            password=TERMINAL_PASSWORD, timeout=5)
        status = await client.status()
        await client.close()
    assert status.fixed["checkout_ok"] == "N"  # no staff_account: no checkout here


async def test_the_listener_speaks_tls(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import shutil
    import ssl
    import subprocess

    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a test certificate")
    cert, key = tmp_path / "sip2.pem", tmp_path / "sip2.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    settings = Sip2Settings(port=0, tls_cert=str(cert), tls_key=str(key), terminals=[
        Sip2Terminal(login="kiosk-aiz", password_hash=HASH, library="aiz")])
    listener = Sip2Listener(MemoryService(region=build_region(), clock=new_clock()), settings)
    port = await listener.start()
    try:
        trusted = ssl.create_default_context(cafile=str(cert))
        client = Sip2Client("127.0.0.1", port, login="kiosk-aiz", password=TERMINAL_PASSWORD,
                            tls=trusted, timeout=5)
        assert (await client.status()).command == "98"
        await client.close()
        plain = Sip2Client("127.0.0.1", port, login="kiosk-aiz", password=TERMINAL_PASSWORD,
                           timeout=2)
        with pytest.raises(ServiceUnavailable):
            await plain.status()
        await plain.close()
    finally:
        await listener.close()


# ------------------------------------------------------------- the kiosk's settings


async def test_the_kiosk_takes_its_accounts_from_sip2_by_its_settings(sip: Setup) -> None:
    """``[accounts] kind = "sip2"``: the kiosk logs in and lists loans over
    SIP2, the catalogue still its own, and offers nothing SIP2 cannot do."""
    from services.combined import CombinedService
    from tui.cli import build_service
    from tui.config import KioskConfig

    config = KioskConfig.model_validate({"accounts": {
        "kind": "sip2", "host": "127.0.0.1", "port": sip.port, "login": "kiosk-aiz",
        "password": TERMINAL_PASSWORD, "institution": "aiz", "timeout": 5}})
    service = build_service(config)
    assert isinstance(service, CombinedService)
    try:
        session = await service.login(CARD["cilda"], password("cilda"))
        assert {v.loan.barcode for v in await service.loans(session)} == {"A-0009", "K-0004"}
        abilities = await service.abilities()
        assert abilities.self_check_out and not abilities.free_requests
        assert not abilities.lists and not abilities.password_reset
    finally:
        await service.accounts.client.close()  # type: ignore[attr-defined]


# ------------------------------------------- another library system's refusals


def patron_answer(status: str) -> bytes:
    now = sip_date(new_clock().now())
    return Codec().encode(message("64", {
        "patron_status": status, "language": "000", "transaction_date": now,
        **{name: "0000" for name in ("hold_items_count", "overdue_items_count",
                                     "charged_items_count", "fine_items_count",
                                     "recall_items_count", "unavailable_holds_count")}},
        [("AO", "x"), ("AA", "2000001"), ("AE", "Pēteris Kalns"), ("BL", "Y"), ("CQ", "Y")]),
        sequence=None)


@pytest.mark.parametrize(("status", "said", "code", "words"), [
    ("Y    Y        ", "", "too_many_charged", "cik atļauts"),
    ("Y   Y         ", "", "card_lost", "nozaudēta"),
    ("Y         Y   ", "", "excessive_fines", "soda nauda"),
    ("Y             ", "", "charge_denied", "jautājiet bibliotekāram"),
    ("Y             ", "Patron card expired", "sip2_refused", "Patron card expired"),
])
async def test_a_library_systems_patron_status_is_the_reason_in_words(
    status: str, said: str, code: str, words: str,
) -> None:
    """A library system that refuses a checkout: the reason its patron
    status names, in Mana's sentence; else its own words (an expired card);
    else that the library denies it, and whom to ask."""
    async def system(connection: int, frame: bytes) -> bytes:
        if frame.startswith(b"93"):
            return login_answer()
        if frame.startswith(b"63"):
            return patron_answer(status)
        assert frame.startswith(b"11")
        return Codec().encode(message("12", {
            "ok": "0", "renewal_ok": "N", "magnetic_media": "U", "desensitize": "N",
            "transaction_date": sip_date(new_clock().now())},
            [("AO", "x"), ("AA", "2000001"), ("AB", "B-1"), ("AJ", ""),
             *([("AF", said)] if said else [])]), sequence=None)

    async with FakeServer(system) as port:
        client = Sip2Client("127.0.0.1", port, login="a", password="b", timeout=5)
        accounts = Sip2Accounts(client, "x", clock=new_clock())
        session = await accounts.login("2000001", "1234")
        with pytest.raises(Refused) as caught:
            await accounts.self_check_out(session, "x", "B-1")
        await client.close()
    assert caught.value.refusal.code == code
    assert words in caught.value.refusal.lv and caught.value.refusal.en
