"""What one engine call changed, for a journal that keeps the region on disk.

``Store`` keeps its entities (copies, loans, reservations, free requests) in
``TrackedDict``s that remember which keys were set; account changes are
marked explicitly (``Store.account_changed``). ``take_changes(store)`` hands all of that over once and starts
afresh. Nothing here knows about SQLite: the journal (``services.storage``)
writes a ``Changes``; the in-memory adapter without a journal drops it.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, Generic, NoReturn, TypeVar

from services.models import Copy, FreeRequest, Loan, Message, Reservation

if TYPE_CHECKING:
    from services.store import AccountState, Store

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class TrackedDict(dict[K, V], Generic[K, V]):
    """A dict that remembers the keys set since the last ``take``.

    Entities (and messages) are replaced, never removed: the removing methods raise, so a
    change that a journal could not see cannot happen silently. The one way out is
    ``forget``, which the journal sees (old messages past the outbox's retention).
    """

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.changed: set[K] = set()
        self.forgotten: set[K] = set()
        """Keys removed on purpose (``forget``), for the journal to delete."""

    def __setitem__(self, key: K, value: V) -> None:
        super().__setitem__(key, value)
        self.changed.add(key)

    def take(self) -> list[V]:
        """The values set since the last ``take``, in key order."""
        if not self.changed:
            return []
        keys, self.changed = self.changed, set()
        return [self[k] for k in sorted(keys)]  # type: ignore[type-var]

    def forget(self, key: K) -> None:
        """Remove ``key`` the one visible way: the journal deletes its row too
        (the outbox's old messages, ``Store.forget_messages``)."""
        super().__delitem__(key)
        self.changed.discard(key)
        self.forgotten.add(key)

    def take_forgotten(self) -> list[K]:
        keys, self.forgotten = self.forgotten, set()
        return sorted(keys)  # type: ignore[type-var]

    def _refuse(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise TypeError("a tracked entity dict is only set item by item, never emptied")

    __delitem__ = pop = popitem = clear = update = setdefault = _refuse  # type: ignore[assignment]


@dataclass
class Changes:
    """Rows to write: every entity in its state after the call."""

    copies: list[Copy] = field(default_factory=list)
    loans: list[Loan] = field(default_factory=list)
    reservations: list[Reservation] = field(default_factory=list)
    ended: dict[int, date] = field(default_factory=dict)
    """The day each of ``reservations`` ended, for those no longer active."""
    free_requests: list[FreeRequest] = field(default_factory=list)
    accounts: list[AccountState] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)
    forgotten_messages: list[int] = field(default_factory=list)
    """Ids of messages past the outbox's retention, to delete."""

    def __bool__(self) -> bool:
        return bool(
            self.copies or self.loans or self.reservations or self.free_requests
            or self.accounts or self.messages or self.forgotten_messages
        )


def take_changes(store: Store) -> Changes:
    """What changed in ``store`` since the last call; the store forgets it."""
    reservations = store.reservations.take()
    changes = Changes(
        copies=store.copies.take(),
        loans=store.loans.take(),
        reservations=reservations,
        ended={r.id: store.ended[r.id] for r in reservations if r.id in store.ended},
        free_requests=store.free_requests.take(),
    )
    if store.changed_accounts:
        ids, store.changed_accounts = store.changed_accounts, set()
        changes.accounts = [store.accounts[i] for i in sorted(ids) if i in store.accounts]
    changes.messages = store.outbox.take()
    changes.forgotten_messages = store.outbox.take_forgotten()
    return changes
