"""``mana serve`` delivering e-mail to a real SMTP server (aiosmtpd): the
mail server is down while a librarian approves a renewal; once it is back the
patron gets the message, exactly once, also across a restart of the server."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from pathlib import Path

from services.models import MessageKind
from services.remote import RemoteService
from tests.services.serve_process import ServerProcess
from tests.services.smtp_sink import SmtpSink, free_port

DEMO_PASSWORD = "demo1234"


def settings_file(tmp_path: Path, smtp_port: int) -> Path:
    path = tmp_path / "server.toml"
    path.write_text(
        "[server.mail]\n"
        'sender = "noreply@aizkraukle.example.lv"\n'
        f'smtp_host = "127.0.0.1"\nsmtp_port = {smtp_port}\nsmtp_security = "none"\n'
        "smtp_timeout = 5\npoll_seconds = 0.2\n"
        "retry_first_seconds = 0.5\nretry_max_seconds = 1\n",
        encoding="utf-8",
    )
    return path


async def approve_ligas_renewal(client: RemoteService) -> tuple[str, str]:
    """Staff of Aizkraukle approve liga's pending renewal: (her e-mail, new due date)."""
    liga = await client.login("liga", DEMO_PASSWORD)
    staff = await client.login("staff-aizk", DEMO_PASSWORD)
    (pending,) = [v for v in await client.staff_renewals(staff)
                  if v.patron is not None and v.patron.username == "liga"]
    approved = await client.approve_renewal(staff, pending.loan.id)
    return liga.patron.email, approved.loan.due.strftime("%d.%m.%Y")


def renewal_mails(sink: SmtpSink, to: str) -> list[str]:
    return [m["Message-ID"] for m in sink.to(to) if "pagarināts" in m["Subject"]]


async def test_smtp_down_while_staff_approve_then_delivered_once(tmp_path: Path) -> None:
    port = free_port()
    config = settings_file(tmp_path, port)
    database = tmp_path / "mana.db"
    server = ServerProcess.start(database, "--demo", "--config", str(config))
    sink = SmtpSink(port)
    try:
        async with RemoteService(server.url, timeout=30) as client:
            email, due = await approve_ligas_renewal(client)
            await asyncio.sleep(1.5)  # several passes of the mailer find the server down
            (waiting,) = [m for m in await client.outbox()
                          if m.kind == MessageKind.RENEWAL_APPROVED and m.to == email]
            assert waiting.sent is None and waiting.attempts >= 1 and waiting.error

            sink.start()
            deadline = time.monotonic() + 15
            while not renewal_mails(sink, email) and time.monotonic() < deadline:
                await asyncio.sleep(0.1)
            (mail,) = [m for m in sink.to(email) if "pagarināts" in m["Subject"]]
            assert due in mail["Subject"] and due in mail.get_content()
            assert mail["From"] == "noreply@aizkraukle.example.lv"
            await asyncio.sleep(2)  # more passes, and retries of nothing
            assert len(renewal_mails(sink, email)) == 1
            (sent,) = [m for m in await client.outbox()
                       if m.kind == MessageKind.RENEWAL_APPROVED and m.to == email]
            assert sent.sent is not None
    finally:
        server.stop()

    server = ServerProcess.start(database, "--config", str(config))  # a restart
    try:
        await asyncio.sleep(1.5)
    finally:
        server.stop()
        sink.stop()
    assert len(renewal_mails(sink, email)) == 1, "sent again after the restart"
    duplicates = [i for i, n in Counter(m["Message-ID"] for m in sink.mails).items() if n > 1]
    assert duplicates == []
