"""The outbox as a delivery queue (R13): what the server's mailer asks.

Messages are written by the calls that cause them, in the same journal
commit as the change they tell of, so a message exists exactly when its
change does. The mailer (``services.server.mailer``) takes the waiting ones
and reports each outcome here; the outcome is journaled like any change, so
after a restart a delivered message stays delivered and a waiting one is
tried again.
"""

from __future__ import annotations

from datetime import timedelta

from services.errors import NotFound
from services.memory.base import MemoryBase
from services.models import Message
from services.store import Store


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
                message = message.model_copy(
                    update={"sent": now, "next_attempt": None, "given_up": False}
                )
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
            message = message.model_copy(update=update)
            store.put_message(message)
            return message


def _message(store: Store, message_id: int) -> Message:
    message = store.outbox.get(message_id)
    if message is None:
        raise NotFound()
    return message
