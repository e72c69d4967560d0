"""The outbox as a delivery queue (R13), on the database: what the mailer asks.

Messages are written by the calls that cause them, in the same transaction
as the change they tell of, so a message exists exactly when its change
does. The mailer (``services.server.mailer``) takes the waiting ones and
reports each outcome here. Delivered and given-up messages are kept for the
server's ``outbox_keep_days``, then forgotten (``forget_mail``). A recovery
code lives in its e-mail only until the mail server took it (or it was
given up): then the code is blanked in the outbox.
"""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa

from services.engine.base import SqlBase
from services.engine.tx import Tx
from services.errors import NotFound
from services.models import Message, MessageKind
from services.storage import rows
from services.storage import schema as s

_CODE = re.compile(r"\b\d{6}\b")
BLANKED = "••••••"
"""What stands for a recovery code in an e-mail that has gone."""


def gone(message: Message, update: dict[str, object]) -> Message:
    """``message`` with ``update``, its recovery code blanked: it is no
    longer needed once the e-mail left (or never will)."""
    if message.kind is MessageKind.PASSWORD_CODE:
        update = {**update, "body": _CODE.sub(BLANKED, message.body)}
    return message.model_copy(update=update)


def _message(tx: Tx, message_id: int) -> Message:
    message = tx.message(message_id)
    if message is None:
        raise NotFound()
    return message


class MailPart(SqlBase):
    async def mail_due(self, limit: int = 50) -> list[Message]:
        """Up to ``limit`` waiting messages whose next attempt is due, oldest first."""
        def work(tx: Tx) -> list[Message]:
            m = s.messages.c
            query = s.messages.select().where(
                m.sent.is_(None), m.given_up.is_(False),
                sa.or_(m.next_attempt.is_(None), m.next_attempt <= tx.now),
            ).order_by(m.id).limit(limit)
            return [rows.message_from(row) for row in tx.rows(query)]

        return await self._call(work)

    async def mail_sent(self, message_id: int) -> Message:
        """The mail server accepted the message: it is not sent again."""
        def work(tx: Tx) -> Message:
            message = _message(tx, message_id)
            if message.sent is None:
                message = tx.put_message(gone(
                    message, {"sent": tx.now, "next_attempt": None, "given_up": False}))
            return message

        return await self._call(work)

    async def mail_failed(self, message_id: int, error: str, retry_in: float | None) -> Message:
        """An attempt failed with ``error``: try again in ``retry_in`` seconds,
        or (None) never: the mail server refused it for good."""
        def work(tx: Tx) -> Message:
            message = _message(tx, message_id)
            if message.sent is not None:
                return message  # delivered meanwhile: a late report changes nothing
            update: dict[str, object] = {
                "attempts": message.attempts + 1,
                "error": error[:500],
                "next_attempt": None if retry_in is None else tx.now + timedelta(seconds=retry_in),
                "given_up": retry_in is None,
            }
            changed = gone(message, update) if retry_in is None else message.model_copy(
                update=update)
            return tx.put_message(changed)

        return await self._call(work)

    async def forget_mail(self, keep_days: float) -> int:
        """Forget the messages sent or given up more than ``keep_days`` ago."""
        return await self._call(lambda tx: tx.forget_messages(tx.now - timedelta(days=keep_days)))
