"""What one running server holds besides its engine: tokens, throttle, records."""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from fastapi import Request
from fastapi.security import HTTPAuthorizationCredentials

from services.errors import InvalidCredentials, NotAuthenticated
from services.models import Session
from services.protocol import LibraryService
from services.server.auth import DatabaseTokens, LoginThrottle, TokenStore
from services.server.idempotency import IdempotencyStore
from services.server.settings import ServerSettings
from services.server.wire import CLIENT_HEADER

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

log = logging.getLogger("mana.server")


@dataclass
class ServerState:
    engine: LibraryService
    settings: ServerSettings
    now: Callable[[], float] = time.time
    tokens: TokenStore | DatabaseTokens = field(init=False)
    throttle: LoginThrottle = field(init=False)
    idempotency: IdempotencyStore = field(init=False)
    proxies: tuple[Network, ...] = field(init=False)
    """``[server] trusted_proxies``, parsed."""

    def __post_init__(self) -> None:
        s = self.settings
        database = getattr(self.engine, "database", None)
        if database is not None and database.target != ":memory:":
            self.tokens = DatabaseTokens(database.target, s.token_idle_minutes * 60,
                                         s.token_absolute_hours * 3600, self.now)
        else:
            self.tokens = TokenStore(s.token_idle_minutes * 60, s.token_absolute_hours * 3600,
                                     self.now)
        self.throttle = LoginThrottle(
            s.login_window_seconds, s.login_failures_per_client, s.login_failures_per_account,
            delay_max=s.login_delay_max_seconds, max_entries=s.login_throttle_entries,
            now=self.now,
        )
        self.proxies = tuple(ipaddress.ip_network(p.strip(), strict=False)
                             for p in s.trusted_proxies)
        self.idempotency = IdempotencyStore(s.database, s.idempotency_hours * 3600, self.now,
                                            per_principal=s.idempotency_records_per_caller)

    async def session(self, credentials: HTTPAuthorizationCredentials | None) -> Session:
        """The engine session of the request's bearer token; ``NotAuthenticated``
        for a missing, unknown, expired or revoked one."""
        for ended in await self.tokens.sweep():
            await self._end(ended)
        if credentials is None or credentials.scheme.lower() != "bearer":
            raise NotAuthenticated()
        session, ended = await self.tokens.resolve(credentials.credentials)
        if ended is not None:
            await self._end(ended)
        if session is None:
            raise NotAuthenticated()
        return session

    async def login(self, identifier: str, password: str, client: str) -> Session:
        """The engine's session for the right password, asked for by ``client``
        (``client_address``), as the throttle allows (``LoginThrottle``).

        A refused attempt (the client failed too often) is still checked like
        any other, after the same wait, and its result thrown away: a refusal
        takes as long as a wrong password, and says nothing of the account or
        the password. Raises ``InvalidCredentials``, ``TooManyAttempts``."""
        throttle = self.throttle
        refusal = throttle.refusal(client, identifier)
        wait = throttle.delay(identifier)
        moment = None if refusal is not None else throttle.attempt(client, identifier)
        try:
            if wait:
                await asyncio.sleep(wait)
            session = await self.engine.login(identifier, password)
        except InvalidCredentials:
            if refusal is not None:
                raise refusal from None
            raise
        except BaseException:
            if moment is not None:  # not a guess: the engine failed, or the caller left
                throttle.void(client, identifier, moment)
            raise
        if refusal is not None:
            await self._end(session)
            raise refusal
        assert moment is not None
        throttle.succeeded(client, identifier, moment)
        return session

    async def _end(self, session: Session) -> None:
        try:
            await self.engine.logout(session)
        except Exception:  # the engine session may already be gone
            log.debug("engine logout of an expired token failed", exc_info=True)


def client_address(request: Request) -> str:
    """Who is asking, for the limits: the TCP peer's address, or, when the peer
    is a trusted proxy, the client it names (``client_identity``)."""
    peer = request.client.host if request.client else "unknown"
    state: ServerState | None = getattr(request.app.state, "mana", None)
    if state is None or not state.proxies:
        return peer
    return client_identity(
        peer,
        request.headers.getlist("x-forwarded-for"),
        request.headers.get(CLIENT_HEADER),
        state.proxies,
    )


CLIENT_NAME = re.compile(r"[A-Za-z0-9._:@/-]{1,100}")
"""A terminal or connection name as the kiosk sends it (``CLIENT_HEADER``)."""


def client_identity(
    peer: str, forwarded_for: list[str], client: str | None, proxies: tuple[Network, ...]
) -> str:
    """The client behind ``peer``. Only a trusted peer's ``X-Forwarded-For``
    is read, from the right: each trusted hop passes the question one hop to
    the left, and the first untrusted address is the client (whatever it
    wrote further left is its own claim, and ignored). When every hop is
    trusted, the request began at a trusted machine (a kiosk, the SSH
    gateway), so its terminal's name (``X-Mana-Client``) is believed too:
    ``address/name``. Else the address alone."""
    if not _trusted(peer, proxies):
        return peer
    hops = [hop.strip() for value in forwarded_for for hop in value.split(",")]
    origin = peer
    for hop in reversed([h for h in hops if h]):
        origin = hop[:64]
        if not _trusted(hop, proxies):
            return origin
    if client and CLIENT_NAME.fullmatch(client):
        return f"{origin}/{client}"
    return origin


def _trusted(address: str, proxies: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in proxies)
