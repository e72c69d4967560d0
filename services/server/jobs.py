"""What the server does on its own while it runs: deliver the outbox over
SMTP (``mailer``) and, every ``maintenance_minutes``, expire uncollected
holds and send the day's due-date reminders (``expire_holds``) and delete
the e-mails sent or given up more than ``outbox_keep_days`` ago
(``forget_mail``), so the outbox does not grow for ever."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from services.protocol import LibraryService
from services.server.mailer import Mailer, MailQueue
from services.server.settings import ServerSettings

log = logging.getLogger("mana.server")


async def maintain(
    engine: LibraryService, every_seconds: float, keep_days: float | None = None
) -> None:
    """Expire holds (and remind of due dates) now and every ``every_seconds``;
    with ``keep_days``, also forget the mail that went longer ago than that."""
    while True:
        try:
            expired = await engine.expire_holds()
            if expired:
                log.info("%d uncollected hold(s) expired and passed on", len(expired))
            if keep_days is not None and engine.mail_queue:
                forgotten = await engine.forget_mail(keep_days)  # type: ignore[attr-defined]
                if forgotten:
                    log.info("%d e-mail(s) older than %g days deleted from the outbox",
                             forgotten, keep_days)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("expiring holds failed; tried again at the next round")
        await asyncio.sleep(every_seconds)


@contextlib.asynccontextmanager
async def background(engine: LibraryService, settings: ServerSettings) -> AsyncIterator[None]:
    """Run the server's own jobs for as long as the context lasts."""
    tasks = [asyncio.create_task(
        maintain(engine, settings.maintenance_minutes * 60, settings.outbox_keep_days)
    )]
    mailer = None
    mail = settings.mail
    if mail.smtp_host and engine.mail_queue:
        queue: MailQueue = engine  # type: ignore[assignment]
        mailer = Mailer(queue, mail)
        tasks.append(asyncio.create_task(mailer.run()))
        log.info("e-mail goes to %s:%d (%s) from %s", mail.smtp_host, mail.smtp_port,
                 mail.smtp_security, mail.sender)
    else:
        log.info("no smtp_host set: messages stay in the outbox (see: mana outbox)")
    try:
        yield
    finally:
        if mailer is not None:
            mailer.stop()  # let the message being sent finish and be marked
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(tasks[-1]), mail.smtp_timeout + 5)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
