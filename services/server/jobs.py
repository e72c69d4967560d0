"""What the server does on its own while it runs: answer SIP2 when
``[server.sip2] port`` is set (``services.sip2.listener``), deliver the outbox over
SMTP (``mailer``) and, every ``maintenance_minutes``, expire uncollected
holds and send the day's due-date reminders (``expire_holds``) and delete
the e-mails sent or given up more than ``outbox_keep_days`` ago
(``forget_mail``), so the outbox does not grow for ever.

The first round begins with the server and runs beside its first requests,
so that a start never waits for it, however large the region. The rules do
not depend on it: the engine's first call of each day catches up with the
date itself before it answers, or waits for the round doing so
(``SqlBase._run``); deleting old mail concerns no request.

Any number of servers may share one PostgreSQL database. Expiring holds and
reminding are transactions that find nothing left to do when another server
did it first, so every server runs them. The mail is delivered by one
server only, whichever holds the region's ``MailerLease``: another takes it
over when that one stops or dies."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

import sqlalchemy as sa

from services.protocol import LibraryService
from services.server.mailer import Mailer, MailQueue
from services.server.settings import ServerSettings

log = logging.getLogger("mana.server")


async def maintain_once(engine: LibraryService, keep_days: float | None = None) -> None:
    """Expire holds (and remind of due dates); with ``keep_days``, also forget
    the mail that went longer ago than that. A failure is logged: the next
    round tries again."""
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


async def maintain(
    engine: LibraryService, every_seconds: float, keep_days: float | None = None
) -> None:
    """``maintain_once`` now, then every ``every_seconds``."""
    while True:
        await maintain_once(engine, keep_days)
        await asyncio.sleep(every_seconds)


MAILER_LOCK = 0x4D41494C  # "MAIL"
"""The PostgreSQL advisory lock whose holder delivers the region's mail."""


class MailerLease:
    """Whether this server delivers the region's mail now: the one holding a
    PostgreSQL advisory lock, on a connection of its own. When that server
    stops or dies, its connection ends and with it the lock; another server
    takes it at its next try (every mail pass)."""

    def __init__(self, target: str) -> None:
        from services.storage.database import create_engine

        self._engine = create_engine(target, poolclass=sa.pool.NullPool)
        self._connection: sa.Connection | None = None

    async def __call__(self) -> bool:
        return await asyncio.to_thread(self._held)

    def _held(self) -> bool:
        if self._connection is not None:
            try:
                self._connection.execute(sa.text("SELECT 1"))
                self._connection.commit()
                return True
            except sa.exc.SQLAlchemyError:
                log.warning("the connection that held the mailer lease was lost")
                self._drop()
        try:
            connection = self._engine.connect()
        except sa.exc.SQLAlchemyError:
            return False
        try:
            held = connection.execute(sa.text("SELECT pg_try_advisory_lock(:key)"),
                                      {"key": MAILER_LOCK}).scalar()
            connection.commit()
        except sa.exc.SQLAlchemyError:
            connection.close()
            return False
        if not held:
            connection.close()
            return False
        log.info("this server delivers the region's mail")
        self._connection = connection
        return True

    def _drop(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(sa.exc.SQLAlchemyError):
                self._connection.close()
            self._connection = None

    def close(self) -> None:
        self._drop()
        self._engine.dispose()


def mailer_lease(engine: LibraryService) -> MailerLease | None:
    """The lease the mailer of ``engine``'s server asks, when servers can share
    its database (PostgreSQL); None when this server is alone on it."""
    database = getattr(engine, "database", None)
    if database is None or database.dialect != "postgresql":
        return None
    return MailerLease(database.target)


@contextlib.asynccontextmanager
async def background(engine: LibraryService, settings: ServerSettings) -> AsyncIterator[None]:
    """Run the server's own jobs for as long as the context lasts. The first
    maintenance round begins at once, without holding up the start: a
    request that comes before it is done still sees the holds of today, as
    the engine catches up before its first answer of the day (see above)."""
    tasks = [asyncio.create_task(
        maintain(engine, settings.maintenance_minutes * 60, settings.outbox_keep_days)
    )]
    mailer = None
    lease = None
    mail = settings.mail
    if mail.smtp_host and engine.mail_queue:
        queue: MailQueue = engine  # type: ignore[assignment]
        lease = mailer_lease(engine)
        mailer = Mailer(queue, mail, lease=lease)
        tasks.append(asyncio.create_task(mailer.run()))
        log.info("e-mail goes to %s:%d (%s) from %s", mail.smtp_host, mail.smtp_port,
                 mail.smtp_security, mail.sender)
    else:
        log.info("no smtp_host set: messages stay in the outbox (see: mana outbox)")
    listener = None
    try:
        if settings.sip2.port:
            from services.sip2.listener import Sip2Listener

            listener = Sip2Listener(engine, settings.sip2)
            await listener.start()
        yield
    finally:
        if listener is not None:
            await listener.close()
        if mailer is not None:
            mailer.stop()  # let the message being sent finish and be marked
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(tasks[-1]), mail.smtp_timeout + 5)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if lease is not None:
            lease.close()
