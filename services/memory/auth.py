"""Logging in, out and password recovery (R5) for the in-memory adapter."""

from __future__ import annotations

import asyncio
import hmac
import secrets
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from services import messages, rules
from services.errors import InvalidCode, InvalidCredentials, TooManyAttempts
from services.memory.base import MemoryBase
from services.models import MessageKind, Session
from services.store import AccountState, Store

# Cheap parameters: this is the demo store, and hashing must not stall a kiosk.
HASHER = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1)
_DUMMY_HASH = HASHER.hash("not a password of anyone")


def _check(stored_hash: str | None, clear: str | None, password: str) -> tuple[bool, str | None]:
    """(matches, a new hash to keep when the clear password was still unhashed)."""
    if stored_hash is None:
        if clear is None:
            return False, None
        matches = hmac.compare_digest(clear.encode(), password.encode())
        return matches, HASHER.hash(password) if matches else None
    try:
        return HASHER.verify(stored_hash, password), None
    except (VerificationError, InvalidHashError):
        return False, None


def _dummy_check(password: str) -> None:
    """Spend the time of a real check, so an unknown user answers as slowly."""
    try:
        HASHER.verify(_DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        pass


def find_account(store: Store, identifier: str) -> AccountState | None:
    """By username (case-insensitive) or card number (exact)."""
    key = identifier.strip()
    patron_id = store.by_username.get(key.casefold())
    if patron_id is None:
        patron_id = store.by_card.get(key)
    return store.accounts.get(patron_id) if patron_id is not None else None


class AuthMixin(MemoryBase):
    async def login(self, identifier: str, password: str) -> Session:
        async with self._begin() as (store, now):
            account = find_account(store, identifier)
            if account is not None and account.locked_until and now < account.locked_until:
                raise TooManyAttempts()
            stored_hash = account.password_hash if account else None
            clear = account.password if account else None
        if account is None:
            await asyncio.to_thread(_dummy_check, password)
            raise InvalidCredentials()
        matches, new_hash = await asyncio.to_thread(_check, stored_hash, clear, password)
        async with self._lock:
            now = self._clock.now()
            if not matches:
                self._failed(account, now)
                raise InvalidCredentials()
            if new_hash and account.password_hash is None and account.password == clear:
                account.password_hash, account.password = new_hash, None
            account.failures.clear()
            account.locked_until = None
            token = secrets.token_urlsafe(32)
            self._sessions[token] = account.patron.id
            return Session(token=token, patron=account.patron)

    @staticmethod
    def _failed(account: AccountState, now: datetime) -> None:
        account.failures = [t for t in account.failures if now - t < rules.LOGIN_WINDOW]
        account.failures.append(now)
        if len(account.failures) >= rules.MAX_FAILED_LOGINS:
            account.locked_until = now + rules.LOCKOUT
            account.failures.clear()

    async def logout(self, session: Session) -> None:
        async with self._lock:
            self._sessions.pop(session.token, None)

    async def request_password_reset(self, identifier: str) -> None:
        async with self._begin() as (store, now):
            key = identifier.strip().casefold()
            recent = [t for t in self._reset_requests.get(key, []) if now - t < rules.LOGIN_WINDOW]
            if len(recent) >= rules.RESET_CODE_TRIES:
                self._reset_requests[key] = recent
                raise TooManyAttempts()
            self._reset_requests[key] = [*recent, now]
            account = find_account(store, identifier)
            if account is None:
                return
            code = f"{secrets.randbelow(1_000_000):06d}"
            account.reset_code = code
            account.reset_expires = now + rules.RESET_CODE_VALID
            account.reset_tries = 0
            patron = account.patron
            minutes = int(rules.RESET_CODE_VALID.total_seconds() // 60)
            text = messages.password_code(patron.language, patron.name, code, minutes)
            store.send(patron.id, MessageKind.PASSWORD_CODE, text, now)

    async def reset_password(self, identifier: str, code: str, new_password: str) -> None:
        async with self._begin() as (store, now):
            account = find_account(store, identifier)
            if (
                account is None
                or account.reset_code is None
                or account.reset_expires is None
                or now > account.reset_expires
                or account.reset_tries >= rules.RESET_CODE_TRIES
            ):
                raise InvalidCode()
            if not hmac.compare_digest(code.strip().encode(), account.reset_code.encode()):
                account.reset_tries += 1
                if account.reset_tries >= rules.RESET_CODE_TRIES:
                    account.reset_code = None
                raise InvalidCode()
            rules.validate_password(new_password)
            account.password_hash = await asyncio.to_thread(HASHER.hash, new_password)
            account.password = None
            account.reset_code = account.reset_expires = None
            account.failures.clear()
            account.locked_until = None
            patron_id = account.patron.id
            for token in [t for t, p in self._sessions.items() if p == patron_id]:
                del self._sessions[token]
