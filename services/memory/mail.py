"""The outbox as a delivery queue (R13): what the server's mailer asks.

Messages are written by the calls that cause them, in the same journal
commit as the change they tell of, so a message exists exactly when its
change does. The mailer (``services.server.mailer``) takes the waiting ones
and reports each outcome here; the outcome is journaled like any change, so
after a restart a delivered message stays delivered and a waiting one is
tried again. Delivered and given-up messages are kept for the server's
``outbox_keep_days``, then forgotten (``forget_mail``). A recovery code lives
in its e-mail only until the mail server took it (or it was given up): then
the code is blanked in the outbox, so neither the file nor ``mana outbox``
keeps a usable code.
"""

from __future__ import annotations

import re
from datetime import timedelta

from services.errors import NotFound
from services.memory.base import MemoryBase
from services.models import Message, MessageKind
from services.store import Store

_CODE = re.compile(r"\b\d{6}\b")
BLANKED = "••••••"
"""What stands for a recovery code in an e-mail that has gone."""


def _gone(message: Message, update: dict[str, object]) -> Message:
    """``message`` with ``update``, its recovery code blanked: it is no
    longer needed once the e-mail left (or never will)."""
    if message.kind is MessageKind.PASSWORD_CODE:
        update = {**update, "body": _CODE.sub(BLANKED, message.body)}
    return message.model_copy(update=update)


class MailMixin(MemoryBase):
    async def mail_due(self, limit: int = 50) -> list[Message]:
        """Up to ``limit`` waiting messages whose next attempt is due, oldest first."""
        async with self._begin() as (store, now):
            due = []
            for message_id in sorted(store.waiting):
                message = store.outbox[message_id]
                if message.next_attempt is None or message.next_attempt <= now:
                    due.append(message)
                    if len(due) >= limit:
                        break
            return due

    async def mail_sent(self, message_id: int) -> Message:
        """The mail server accepted the message: it is not sent again."""
        async with self._begin() as (store, now):
            message = _message(store, message_id)
            if message.sent is None:
                message = _gone(message, {"sent": now, "next_attempt": None, "given_up": False})
                store.put_message(message)
            return message

    async def mail_failed(
        self, message_id: int, error: str, retry_in: float | None
    ) -> Message:
        """An attempt failed with ``error``: try again in ``retry_in`` seconds,
        or (None) never: the mail server refused it for good."""
        async with self._begin() as (store, now):
            message = _message(store, message_id)
            if message.sent is not None:
                return message  # delivered meanwhile: a late report changes nothing
            update: dict[str, object] = {
                "attempts": message.attempts + 1,
                "error": error[:500],
                "next_attempt": None if retry_in is None else now + timedelta(seconds=retry_in),
                "given_up": retry_in is None,
            }
            message = (_gone(message, update) if retry_in is None
                       else message.model_copy(update=update))
            store.put_message(message)
            return message

    async def forget_mail(self, keep_days: float) -> int:
        """Forget the messages sent or given up more than ``keep_days`` ago
        (the server's maintenance job): how many. The outbox then holds what
        waits plus the last ``keep_days`` of what went, not every e-mail ever."""
        async with self._begin() as (store, now):
            return store.forget_messages(now - timedelta(days=keep_days))


def _message(store: Store, message_id: int) -> Message:
    message = store.outbox.get(message_id)
    if message is None:
        raise NotFound()
    return message
