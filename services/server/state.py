"""What one running server holds besides its engine: tokens, throttle, records."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from fastapi import Request
from fastapi.security import HTTPAuthorizationCredentials

from services.errors import NotAuthenticated
from services.models import Session
from services.protocol import LibraryService
from services.server.auth import LoginThrottle, TokenStore
from services.server.idempotency import IdempotencyStore
from services.server.settings import ServerSettings

log = logging.getLogger("mana.server")


@dataclass
class ServerState:
    engine: LibraryService
    settings: ServerSettings
    now: Callable[[], float] = time.time
    tokens: TokenStore = field(init=False)
    throttle: LoginThrottle = field(init=False)
    idempotency: IdempotencyStore = field(init=False)

    def __post_init__(self) -> None:
        s = self.settings
        self.tokens = TokenStore(s.token_idle_minutes * 60, s.token_absolute_hours * 3600, self.now)
        self.throttle = LoginThrottle(
            s.login_window_seconds, s.login_failures_per_address, s.login_failures_per_account,
            self.now,
        )
        self.idempotency = IdempotencyStore(s.database, s.idempotency_hours * 3600, self.now)

    async def session(self, credentials: HTTPAuthorizationCredentials | None) -> Session:
        """The engine session of the request's bearer token; ``NotAuthenticated``
        for a missing, unknown, expired or revoked one."""
        for ended in self.tokens.sweep():
            await self._end(ended)
        if credentials is None or credentials.scheme.lower() != "bearer":
            raise NotAuthenticated()
        session, ended = self.tokens.resolve(credentials.credentials)
        if ended is not None:
            await self._end(ended)
        if session is None:
            raise NotAuthenticated()
        return session

    async def _end(self, session: Session) -> None:
        try:
            await self.engine.logout(session)
        except Exception:  # the engine session may already be gone
            log.debug("engine logout of an expired token failed", exc_info=True)


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"
