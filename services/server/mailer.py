"""``Mailer``: the server's delivery of the outbox over SMTP (R13).

Every message is written to the outbox by the call that causes it, in the
same commit as the change it tells of (``services.memory.mail``). The mailer
takes the waiting ones, oldest first, hands each to the mail server, and
reports the outcome back, where it is committed like any change:

- accepted (250 after DATA) → marked sent at once, so it is never sent again,
  after a restart neither;
- refused for good (a 5xx answer about this recipient or this message) →
  marked given up with the mail server's words, shown by ``mana outbox``;
- anything else (server down, 4xx, timeout, a dropped connection, a login
  the server refused) → tried again after ``retry_first_seconds``, doubling
  after each further failure up to ``retry_max_seconds``. An outage loses
  nothing.

One mailer runs per server and sends one message at a time, so nothing is
delivered twice by two senders. The one gap no SMTP client closes: if the
process dies after the mail server accepted a message and before "sent" is
written, that message goes again after the restart. Its ``Message-ID`` is
the same both times (``<mana.ID.CREATED@domain>``), so the copies can be
recognised as one.

``smtplib`` does the protocol (blocking: each step runs in a worker thread);
no extra dependency is needed for it.
"""

from __future__ import annotations

import asyncio
import logging
import smtplib
import ssl
from collections.abc import Awaitable, Callable
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Protocol

from services.models import Message
from services.server.settings import MailSettings

log = logging.getLogger("mana.mail")

BATCH = 50
"""Messages taken from the outbox per pass (one SMTP connection)."""


class MailQueue(Protocol):
    """The outbox as the engine offers it (``services.memory.mail.MailMixin``)."""

    async def mail_due(self, limit: int = BATCH) -> list[Message]: ...

    async def mail_sent(self, message_id: int) -> Message: ...

    async def mail_failed(self, message_id: int, error: str, retry_in: float | None) -> Message: ...


class DeliveryError(Exception):
    """An attempt failed; ``permanent``: the mail server refused this message
    for good, so trying again cannot help."""

    def __init__(self, text: str, *, permanent: bool = False) -> None:
        super().__init__(text)
        self.permanent = permanent


def compose(message: Message) -> EmailMessage:
    """The e-mail of ``message``: plain UTF-8 text from the no-reply address,
    marked as automatic (RFC 3834) so that mail robots do not answer it."""
    mail = EmailMessage()
    domain = message.sender.rpartition("@")[2] or "localhost"
    mail["From"] = message.sender
    mail["To"] = message.to
    mail["Subject"] = message.subject
    mail["Date"] = format_datetime(message.created)
    mail["Message-ID"] = f"<mana.{message.id}.{message.created:%Y%m%d%H%M%S}@{domain}>"
    mail["Auto-Submitted"] = "auto-generated"
    mail.set_content(message.body)
    mail["Content-Language"] = message.language  # after: set_content drops Content-*
    return mail


class SmtpConnection:
    """One blocking SMTP session (run its methods in a worker thread)."""

    def __init__(self, settings: MailSettings) -> None:
        self._settings = settings
        self._smtp: smtplib.SMTP | None = None

    def open(self) -> None:
        """Raises ``DeliveryError`` (never permanent: it is about the server)."""
        s = self._settings
        try:
            if s.smtp_security == "tls":
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                    s.smtp_host, s.smtp_port, timeout=s.smtp_timeout,
                    context=ssl.create_default_context(),
                )
            else:
                smtp = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout)
            self._smtp = smtp
            smtp.ehlo()
            if s.smtp_security == "starttls":
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if s.smtp_username:
                smtp.login(s.smtp_username, s.smtp_password)
        except (smtplib.SMTPException, OSError) as error:
            self.close()
            raise DeliveryError(_describe(error)) from None

    def send(self, mail: EmailMessage) -> None:
        """Raises ``DeliveryError``: permanent for a 5xx about this message."""
        if self._smtp is None:
            raise DeliveryError("not connected")
        try:
            self._smtp.send_message(mail)
        except smtplib.SMTPRecipientsRefused as error:
            codes = [code for code, _ in error.recipients.values()]
            raise DeliveryError(
                _describe(error), permanent=bool(codes) and min(codes) >= 500
            ) from None
        except smtplib.SMTPDataError as error:
            raise DeliveryError(_describe(error), permanent=error.smtp_code >= 500) from None
        except (smtplib.SMTPException, OSError) as error:
            raise DeliveryError(_describe(error)) from None

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()


def _describe(error: BaseException) -> str:
    """The mail server's answer (or the network's error) in one line."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        parts = [f"{to}: {code} {_text(reply)}" for to, (code, reply) in error.recipients.items()]
        return "recipient refused: " + "; ".join(parts)
    if isinstance(error, smtplib.SMTPResponseException):
        return f"{error.smtp_code} {_text(error.smtp_error)}"
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


class Mailer:
    """Delivers the outbox of ``queue`` until ``stop()``."""

    def __init__(
        self,
        queue: MailQueue,
        settings: MailSettings,
        connect: Callable[[MailSettings], SmtpConnection] = SmtpConnection,
        lease: Callable[[], Awaitable[bool]] | None = None,
    ) -> None:
        """``lease``: asked before every pass, whether this server is the one
        that delivers the region's mail now (``jobs.MailerLease``); None: it is."""
        self._queue = queue
        self._lease = lease
        self._settings = settings
        self._connect = connect
        self._stopping = asyncio.Event()

    def retry_in(self, attempts: int) -> float:
        """Seconds before the next try of a message that failed ``attempts``
        times before this failure."""
        s = self._settings
        return min(s.retry_max_seconds, s.retry_first_seconds * 2 ** min(attempts, 32))

    async def deliver_due(self) -> int:
        """One pass over the messages that are due; the number sent."""
        due = await self._queue.mail_due(BATCH)
        if not due:
            return 0
        connection = self._connect(self._settings)
        try:
            await asyncio.to_thread(connection.open)
        except DeliveryError as error:
            log.warning("mail server %s:%s: %s; %d message(s) wait",
                        self._settings.smtp_host, self._settings.smtp_port, error, len(due))
            await self._retry(due, str(error))
            return 0
        sent = 0
        try:
            for index, message in enumerate(due):
                if self._stopping.is_set():
                    break
                try:
                    await asyncio.to_thread(connection.send, compose(message))
                except DeliveryError as error:
                    if error.permanent:
                        log.warning("message %d to %s refused for good: %s",
                                    message.id, message.to, error)
                        await self._queue.mail_failed(message.id, str(error), None)
                        continue
                    log.warning("message %d: %s; tried again later", message.id, error)
                    await self._retry(due[index:], str(error))
                    break
                await self._queue.mail_sent(message.id)
                sent += 1
                log.info("message %d (%s) sent to %s", message.id, message.kind, message.to)
        finally:
            await asyncio.to_thread(connection.close)
        return sent

    async def _retry(self, messages: list[Message], error: str) -> None:
        for message in messages:
            await self._queue.mail_failed(message.id, error, self.retry_in(message.attempts))

    async def run(self) -> None:
        """Pass after pass, ``poll_seconds`` apart, until ``stop()``; a pass
        that fails in an unexpected way is logged and the next one comes."""
        while not self._stopping.is_set():
            try:
                if self._lease is None or await self._lease():
                    await self.deliver_due()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("mail delivery pass failed")
            try:
                await asyncio.wait_for(self._stopping.wait(), self._settings.poll_seconds)
            except TimeoutError:
                pass

    def stop(self) -> None:
        """Finish the message being sent, then stop."""
        self._stopping.set()
