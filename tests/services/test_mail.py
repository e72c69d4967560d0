"""E-mail delivery (R13) through a real SMTP server (aiosmtpd on loopback):
what arrives, what happens while the mail server is down or refuses, and
that a delivered message stays delivered across a restart."""

from __future__ import annotations

import pytest

from services.clock import FakeClock
from services.memory import MemoryService
from services.models import MessageKind
from services.server.mailer import Mailer, compose
from services.server.settings import MailSettings
from tests.services.fixtures import PATRONS, R1, build_region, new_clock
from tests.services.smtp_sink import SmtpSink, free_port
from tests.services.support import login


def mail_settings(port: int, **extra: object) -> MailSettings:
    return MailSettings(smtp_host="127.0.0.1", smtp_port=port, smtp_security="none",
                        smtp_timeout=5, **extra)


@pytest.fixture
def clock() -> FakeClock:
    return new_clock()


@pytest.fixture
def engine(clock: FakeClock) -> MemoryService:
    return MemoryService(region=build_region(), clock=clock)


@pytest.fixture
def sink():
    sink = SmtpSink().start()
    yield sink
    sink.stop()


async def confirm_r1(engine: MemoryService) -> int:
    """Staff confirm cilda's reservation R1: one "ready" message; its id."""
    staff = await login(engine, "aiz.darbs")
    await engine.confirm_reservation(staff, R1)
    (message,) = [m for m in await engine.outbox() if m.kind == MessageKind.RESERVATION_READY]
    return message.id


async def test_a_message_arrives_as_written(engine: MemoryService, sink: SmtpSink) -> None:
    message_id = await confirm_r1(engine)
    assert await Mailer(engine, mail_settings(sink.port)).deliver_due() == 1
    (mail,) = sink.wait_for(1)
    cilda = PATRONS["cilda"]
    assert mail["To"] == cilda.email
    assert mail["From"] == "noreply@kis.gov.lv"
    assert mail["Subject"] == "Rezervācija saņemama līdz 26.11.2026"  # confirmed 16.11 + 10
    assert mail["Auto-Submitted"] == "auto-generated"
    assert mail["Message-ID"].startswith(f"<mana.{message_id}.")
    body = mail.get_content()
    assert f"Labdien, {cilda.name}!" in body and "26.11.2026" in body
    (stored,) = [m for m in await engine.outbox() if m.id == message_id]
    assert stored.sent is not None and not stored.waiting
    # Nothing is sent twice.
    assert await Mailer(engine, mail_settings(sink.port)).deliver_due() == 0
    assert len(sink.mails) == 1


async def test_english_patron_gets_english(engine: MemoryService, sink: SmtpSink) -> None:
    await engine.send_list([1], "reader@example.org", language="en")
    await Mailer(engine, mail_settings(sink.port)).deliver_due()
    (mail,) = sink.wait_for(1)
    assert mail["Subject"].startswith("Your list from the catalog")
    assert mail["Content-Language"] == "en"


async def test_mail_server_down_then_back_delivers_exactly_once(
    engine: MemoryService, clock: FakeClock
) -> None:
    port = free_port()  # nothing listens here yet
    mailer = Mailer(engine, mail_settings(port, retry_first_seconds=30, retry_max_seconds=100))
    message_id = await confirm_r1(engine)

    assert await mailer.deliver_due() == 0
    (waiting,) = [m for m in await engine.outbox() if m.id == message_id]
    assert waiting.waiting and waiting.attempts == 1 and waiting.error
    assert (waiting.next_attempt - clock.now()).total_seconds() == 30
    assert await mailer.deliver_due() == 0  # not due yet: not even tried
    assert [m.attempts for m in await engine.outbox() if m.id == message_id] == [1]
    clock.advance(seconds=30)
    assert await mailer.deliver_due() == 0  # still down: the wait doubles
    (waiting,) = [m for m in await engine.outbox() if m.id == message_id]
    assert waiting.attempts == 2
    assert (waiting.next_attempt - clock.now()).total_seconds() == 60

    sink = SmtpSink(port).start()
    try:
        clock.advance(seconds=60)
        assert await mailer.deliver_due() == 1
        for _ in range(3):
            clock.advance(seconds=200)
            assert await mailer.deliver_due() == 0
        (mail,) = sink.wait_for(1)
        assert mail["To"] == PATRONS["cilda"].email
        assert len(sink.mails) == 1
    finally:
        sink.stop()


async def test_the_wait_between_tries_has_a_ceiling(engine: MemoryService) -> None:
    mailer = Mailer(engine, mail_settings(1, retry_first_seconds=30, retry_max_seconds=3600))
    assert [mailer.retry_in(n) for n in range(9)] == [
        30, 60, 120, 240, 480, 960, 1920, 3600, 3600
    ]
    assert mailer.retry_in(10_000) == 3600


async def test_a_refused_recipient_is_given_up_and_the_rest_go(
    engine: MemoryService, sink: SmtpSink
) -> None:
    await engine.send_list([1], "gone@example.org")
    await engine.send_list([2], "here@example.org")
    sink.refuse["gone@example.org"] = "550 5.1.1 No such mailbox"
    mailer = Mailer(engine, mail_settings(sink.port))
    assert await mailer.deliver_due() == 1
    assert [m["To"] for m in sink.wait_for(1)] == ["here@example.org"]
    gone = next(m for m in await engine.outbox() if m.to == "gone@example.org")
    assert gone.given_up and gone.sent is None and "550" in gone.error
    assert await mailer.deliver_due() == 0  # not tried again


async def test_a_temporary_refusal_is_tried_again(
    engine: MemoryService, sink: SmtpSink, clock: FakeClock
) -> None:
    await engine.send_list([1], "busy@example.org")
    sink.refuse["busy@example.org"] = "451 4.3.0 Try again later"
    mailer = Mailer(engine, mail_settings(sink.port))
    assert await mailer.deliver_due() == 0
    (busy,) = await engine.outbox()
    assert busy.waiting and busy.attempts == 1 and "451" in busy.error
    del sink.refuse["busy@example.org"]
    clock.advance(seconds=30)
    assert await mailer.deliver_due() == 1
    assert len(sink.wait_for(1)) == 1


def test_markup_and_control_characters_travel_as_text() -> None:
    from datetime import datetime

    from services.clock import RIGA
    from services.models import Message

    message = Message(id=7, kind=MessageKind.LIST, to="a@example.org", sender="noreply@x.lv",
                      subject="[bold]Saraksts[/]", body="Ā [@click=app.quit] ž",
                      language="lv", created=datetime(2026, 11, 16, 10, tzinfo=RIGA))
    mail = compose(message)
    assert mail["Subject"] == "[bold]Saraksts[/]"
    assert mail.get_content().strip() == "Ā [@click=app.quit] ž"
    assert mail["Message-ID"] == "<mana.7.20261116100000@x.lv>"


async def test_a_recovery_code_leaves_the_outbox_once_it_went(
    engine: MemoryService, sink: SmtpSink
) -> None:
    """The patron gets the code; the outbox (the file, ``mana outbox``) keeps
    the e-mail but not a code that could still be used."""
    await engine.request_password_reset(PATRONS["cilda"].username)
    (waiting,) = [m for m in await engine.outbox() if m.kind == MessageKind.PASSWORD_CODE]
    code = "".join(ch for ch in waiting.body.split("kods ir ")[1][:6])
    assert code.isdigit()
    assert await Mailer(engine, mail_settings(sink.port)).deliver_due() == 1
    (mail,) = sink.wait_for(1)
    assert code in mail.get_content()
    (kept,) = [m for m in await engine.outbox() if m.kind == MessageKind.PASSWORD_CODE]
    assert kept.sent is not None
    assert code not in kept.body and "••••••" in kept.body
