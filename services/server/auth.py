"""The server's bearer tokens and its guard against password guessing.

A client gets an opaque token for its login. On a database
(``DatabaseTokens``) it is the engine session's own token, kept by its hash
in the ``sessions`` table: every server of the region knows it, and a
restart forgets nobody. On an engine of its own in memory (``TokenStore``)
it is a token of this server's, mapped to the engine's session. A token
ends when it has not been used for the idle time, at the absolute lifetime
after login, or at logout. Times come from an injected ``now()`` (seconds,
wall clock by default) so tests can move them. Both answer the same
coroutines; ``DatabaseTokens`` asks the database on threads of its own,
never on the event loop.
"""

from __future__ import annotations

import asyncio
import math
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

import sqlalchemy as sa

from services import rules
from services.engine.base import token_hash
from services.errors import TooManyAttempts
from services.models import Session
from services.storage.rows import account_from
from services.storage.schema import accounts as ACCOUNTS
from services.storage.schema import sessions as SESSIONS

Now = Callable[[], float]
T = TypeVar("T")


@dataclass
class _Grant:
    session: Session
    """The engine's session this token stands for."""
    issued: float
    used: float


class TokenStore:
    """Bearer token → engine session, with an idle and an absolute expiry."""

    def __init__(self, idle_seconds: float, absolute_seconds: float, now: Now = time.time) -> None:
        self._idle = idle_seconds
        self._absolute = absolute_seconds
        self._now = now
        self._grants: dict[str, _Grant] = {}
        self._last_sweep = now()

    async def issue(self, session: Session) -> str:
        """A new token for the engine's ``session``."""
        token = secrets.token_urlsafe(32)
        moment = self._now()
        self._grants[token] = _Grant(session, moment, moment)
        return token

    async def resolve(self, token: str) -> tuple[Session | None, Session | None]:
        """``(session, ended)``: the live session of ``token`` (and the use is
        noted), or ``(None, engine session that just expired)`` / ``(None, None)``
        for a token that is unknown."""
        grant = self._grants.get(token)
        if grant is None:
            return None, None
        moment = self._now()
        if self._expired(grant, moment):
            del self._grants[token]
            return None, grant.session
        grant.used = moment
        return grant.session, None

    async def revoke(self, token: str) -> Session | None:
        """End ``token``; the engine session it stood for, if it was live."""
        grant = self._grants.pop(token, None)
        return grant.session if grant else None

    async def sweep(self, every_seconds: float = 60.0) -> list[Session]:
        """Forget expired tokens (at most once per ``every_seconds``); the
        engine sessions that ended with them."""
        moment = self._now()
        if moment - self._last_sweep < every_seconds:
            return []
        self._last_sweep = moment
        ended = [t for t, g in self._grants.items() if self._expired(g, moment)]
        return [self._grants.pop(t).session for t in ended]

    def __len__(self) -> int:
        return len(self._grants)

    def _expired(self, grant: _Grant, moment: float) -> bool:
        return moment - grant.used >= self._idle or moment - grant.issued >= self._absolute


class DatabaseTokens:
    """``TokenStore``'s answers from the ``sessions`` table, for a server on a
    database: the token is the engine session's own (the table keeps its
    SHA-256, never the token), so any server of the region resolves it, and
    it outlives a restart. ``issued`` and ``used`` are written in the
    servers' clock; ``used`` at most every ``touch_seconds``, so a busy
    patron does not cost a write per request. The queries run on at most
    ``THREADS`` threads of its own: token checks that wait for a slow
    database hold neither the event loop nor the engine's threads."""

    THREADS = 4

    def __init__(self, database: str, idle_seconds: float, absolute_seconds: float,
                 now: Now = time.time, touch_seconds: float = 15.0) -> None:
        from services.storage.database import create_engine

        self._engine = create_engine(database, serializable=False)
        self._idle = idle_seconds
        self._absolute = absolute_seconds
        self._now = now
        self._touch = touch_seconds
        self._last_sweep = now()
        self._threads = ThreadPoolExecutor(self.THREADS, thread_name_prefix="mana-tokens")

    async def _off_loop(self, call: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._threads, call, *args)

    async def issue(self, session: Session) -> str:
        return await self._off_loop(self._issue, session)

    async def resolve(self, token: str) -> tuple[Session | None, Session | None]:
        return await self._off_loop(self._resolve, token)

    async def revoke(self, token: str) -> Session | None:
        session, _ = await self.resolve(token)
        return session

    async def sweep(self, every_seconds: float = 60.0) -> list[Session]:
        """Forget the expired tokens of every server (at most once per
        ``every_seconds`` from this one); none is handed back, they are gone."""
        moment = self._now()
        if moment - self._last_sweep < every_seconds:
            return []
        self._last_sweep = moment
        await self._off_loop(self._sweep, moment)
        return []

    def _issue(self, session: Session) -> str:
        moment = self._now()
        with self._engine.begin() as db:
            mine = SESSIONS.c.token_hash == token_hash(session.token)
            db.execute(SESSIONS.update().where(mine).values(issued=moment, used=moment))
        return session.token

    def _resolve(self, token: str) -> tuple[Session | None, Session | None]:
        moment = self._now()
        with self._engine.begin() as db:
            row = db.execute(
                sa.select(SESSIONS.c.issued, SESSIONS.c.used, ACCOUNTS)
                .join(ACCOUNTS, ACCOUNTS.c.patron_id == SESSIONS.c.patron_id)
                .where(SESSIONS.c.token_hash == token_hash(token))).mappings().first()
            if row is None or row["issued"] is None:
                return None, None
            session = Session(token=token, patron=account_from(row).patron)
            if self._expired(row["issued"], row["used"], moment):
                db.execute(SESSIONS.delete().where(SESSIONS.c.token_hash == token_hash(token)))
                return None, session
            if moment - row["used"] >= self._touch:
                db.execute(SESSIONS.update().where(SESSIONS.c.token_hash == token_hash(token))
                           .values(used=moment))
        return session, None

    def _sweep(self, moment: float) -> None:
        c = SESSIONS.c
        with self._engine.begin() as db:
            db.execute(SESSIONS.delete().where(c.issued.is_not(None), sa.or_(
                c.used <= moment - self._idle, c.issued <= moment - self._absolute)))

    def __len__(self) -> int:
        with self._engine.connect() as db:
            return int(db.execute(sa.select(sa.func.count()).select_from(SESSIONS)
                                  .where(SESSIONS.c.issued.is_not(None))).scalar() or 0)

    def _expired(self, issued: float, used: float, moment: float) -> bool:
        return moment - used >= self._idle or moment - issued >= self._absolute

    def close(self) -> None:
        self._threads.shutdown(wait=True)
        self._engine.dispose()


class LoginThrottle:
    """Failed logins, counted per (client, account), per client and per account
    in a sliding window; it refuses a client, and only slows an account.

    - A client past ``per_account`` failures on one account, or ``per_client``
      on any, is refused (``refusal``: ``TooManyAttempts`` with the seconds
      until it may try again) for that account or for all. The account's
      owner elsewhere is not: nobody can lock anyone out.
    - Failures on an account from all clients together make every attempt on
      it wait (``delay``, ``rules.login_delay``), whoever makes it.

    An account is its identifier as typed (folded), known or not, so no answer
    says whether it exists. An attempt counts as failed from the moment it
    starts (``attempt``) until it succeeds, so a burst of parallel guesses is
    counted as it arrives. Every count ends with the window, and at most
    ``max_entries`` keys are kept (the longest untouched go first): what
    callers send cannot make it grow without bound.
    """

    def __init__(
        self,
        window_seconds: float,
        per_client: int,
        per_account: int,
        *,
        delay_max: float = 10.0,
        max_entries: int = 50_000,
        now: Now = time.time,
    ) -> None:
        self._window = window_seconds
        self._limits = {"pair": per_account, "client": per_client, "account": per_account}
        self._kept = {"pair": per_account, "client": per_client, "account": per_account + 40}
        self._delay_max = delay_max
        self._max_entries = max_entries
        self._now = now
        self._failures: OrderedDict[tuple[str, ...], list[float]] = OrderedDict()
        self._last_sweep = now()

    def refusal(self, client: str, account: str | None = None) -> TooManyAttempts | None:
        """``TooManyAttempts`` (with its wait) when ``client`` may not try now,
        for ``account`` or for any; else None."""
        keys = [("client", client)]
        if account is not None:
            keys.insert(0, ("pair", client, _norm(account)))
        waits = [w for w in (self._wait(key) for key in keys) if w is not None]
        if not waits:
            return None
        return TooManyAttempts(seconds=math.ceil(max(waits)))

    def blocked(self, client: str, account: str | None = None) -> bool:
        """Whether ``client`` is over a limit (for ``account``, when given)."""
        return self.refusal(client, account) is not None

    def delay(self, account: str) -> float:
        """Seconds an attempt on ``account`` waits before it is checked."""
        failures = len(self._recent(("account", _norm(account))))
        return rules.login_delay(failures, self._limits["account"], self._delay_max)

    def attempt(self, client: str, account: str | None = None) -> float:
        """Count an attempt as failed now; its moment, for ``succeeded``/``void``."""
        moment = self._now()
        self._sweep(moment)
        for key in self._keys(client, account):
            times = self._failures.pop(key, [])
            times.append(moment)
            self._failures[key] = times[-self._kept[key[0]]:]
        while len(self._failures) > self._max_entries:
            self._failures.popitem(last=False)
        return moment

    def failed(self, client: str, account: str | None = None) -> None:
        """A failure that was not counted by ``attempt``."""
        self.attempt(client, account)

    def succeeded(self, client: str, account: str, moment: float) -> None:
        """The right password: the account's counts end (here and from every
        client); the client keeps its other failures."""
        name = _norm(account)
        self._failures.pop(("pair", client, name), None)
        self._failures.pop(("account", name), None)
        self._take_back(("client", client), moment)

    def void(self, client: str, account: str | None, moment: float) -> None:
        """The attempt of ``moment`` was not a guess (the engine failed): not counted."""
        for key in self._keys(client, account):
            self._take_back(key, moment)

    def __len__(self) -> int:
        return len(self._failures)

    def _keys(self, client: str, account: str | None) -> list[tuple[str, ...]]:
        keys: list[tuple[str, ...]] = [("client", client)]
        if account is not None:
            name = _norm(account)
            keys += [("pair", client, name), ("account", name)]
        return keys

    def _take_back(self, key: tuple[str, ...], moment: float) -> None:
        times = self._failures.get(key)
        if times and moment in times:
            times.remove(moment)
            if not times:
                del self._failures[key]

    def _recent(self, key: tuple[str, ...]) -> list[float]:
        times = self._failures.get(key)
        if not times:
            return []
        horizon = self._now() - self._window
        if times[0] <= horizon:
            times[:] = [t for t in times if t > horizon]
        return times

    def _wait(self, key: tuple[str, ...]) -> float | None:
        """Seconds until ``key`` is under its limit again; None if it is now."""
        times = self._recent(key)
        limit = self._limits[key[0]]
        if len(times) < limit:
            return None
        return max(1.0, times[len(times) - limit] + self._window - self._now())

    def _sweep(self, moment: float) -> None:
        if moment - self._last_sweep < self._window:
            return
        self._last_sweep = moment
        horizon = moment - self._window
        for key in [k for k, t in self._failures.items() if not t or t[-1] <= horizon]:
            del self._failures[key]


def _norm(account: str) -> str:
    return account.strip().casefold()
