"""The server's own bearer tokens and its guard against password guessing.

The engine's ``Session`` never leaves the server: a client gets an opaque
token (``secrets.token_urlsafe(32)``) that the server maps to that session.
A token ends when it has not been used for the idle time, at the absolute
lifetime after login, or at logout. Times come from an injected ``now()``
(seconds, wall clock by default) so tests can move them.
"""

from __future__ import annotations

import secrets
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from services.models import Session

Now = Callable[[], float]


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

    def issue(self, session: Session) -> str:
        """A new token for the engine's ``session``."""
        token = secrets.token_urlsafe(32)
        moment = self._now()
        self._grants[token] = _Grant(session, moment, moment)
        return token

    def resolve(self, token: str) -> tuple[Session | None, Session | None]:
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

    def revoke(self, token: str) -> Session | None:
        """End ``token``; the engine session it stood for, if it was live."""
        grant = self._grants.pop(token, None)
        return grant.session if grant else None

    def sweep(self, every_seconds: float = 60.0) -> list[Session]:
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


class LoginThrottle:
    """Counts failed logins per client address and per account in a sliding
    window; past either limit, further attempts wait (``TooManyAttempts``)."""

    def __init__(
        self, window_seconds: float, per_address: int, per_account: int, now: Now = time.time
    ) -> None:
        self._window = window_seconds
        self._limits = {"address": per_address, "account": per_account}
        self._now = now
        self._failures: dict[tuple[str, str], deque[float]] = {}
        self._last_sweep = now()

    def blocked(self, address: str, account: str | None = None) -> bool:
        """Whether the address (or the account, when given) is over its limit."""
        keys = [("address", address)] + ([("account", _norm(account))] if account else [])
        return any(self._count(key) >= self._limits[key[0]] for key in keys)

    def failed(self, address: str, account: str | None = None) -> None:
        moment = self._now()
        self._sweep(moment)
        self._failures.setdefault(("address", address), deque()).append(moment)
        if account:
            self._failures.setdefault(("account", _norm(account)), deque()).append(moment)

    def succeeded(self, account: str) -> None:
        """A correct password clears the account's count (not the address's)."""
        self._failures.pop(("account", _norm(account)), None)

    def _count(self, key: tuple[str, str]) -> int:
        times = self._failures.get(key)
        if not times:
            return 0
        horizon = self._now() - self._window
        while times and times[0] <= horizon:
            times.popleft()
        return len(times)

    def _sweep(self, moment: float) -> None:
        if moment - self._last_sweep < self._window:
            return
        self._last_sweep = moment
        horizon = moment - self._window
        for key in [k for k, t in self._failures.items() if not t or t[-1] <= horizon]:
            del self._failures[key]


def _norm(account: str) -> str:
    return account.strip().casefold()
