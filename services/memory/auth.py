"""Logging in, out and password recovery (R5) for the in-memory adapter."""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime

from services import messages, rules
from services.errors import InvalidCode, InvalidCredentials, TooManyAttempts
from services.memory.base import MemoryBase
from services.models import MessageKind, Session
from services.store import AccountState, Store


def find_account(store: Store, identifier: str) -> AccountState | None:
    """By username (case-insensitive) or card number (exact)."""
    key = identifier.strip()
    patron_id = store.by_username.get(key.casefold())
    if patron_id is None:
        patron_id = store.by_card.get(key)
    return store.accounts.get(patron_id) if patron_id is not None else None


class AuthMixin(MemoryBase):
    async def login(self, identifier: str, password: str) -> Session:
        from services.memory.hashing import check, dummy_check, in_background  # not at start-up

        async with self._begin() as (store, now):
            account = find_account(store, identifier)
            if account is not None and account.locked_until and now < account.locked_until:
                raise TooManyAttempts()
            stored_hash = account.password_hash if account else None
            clear = account.password if account else None
        if account is None:
            await in_background(dummy_check, self._hasher, password)
            raise InvalidCredentials()
        matches, new_hash = await in_background(
            check, self._hasher, stored_hash, clear, password
        )
        async with self._locked() as store:
            now = self._clock.now()
            if not matches:
                self._failed(account, now)
                store.account_changed(account)
                raise InvalidCredentials()
            if new_hash and account.password_hash is None and account.password == clear:
                account.password_hash, account.password = new_hash, None
                store.account_changed(account)
            if account.failures or account.locked_until is not None:
                store.account_changed(account)
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
            store.account_changed(account)
            patron = account.patron
            minutes = int(rules.RESET_CODE_VALID.total_seconds() // 60)
            text = messages.password_code(patron.language, patron.name, code, minutes)
            store.send(patron.id, MessageKind.PASSWORD_CODE, text, now)

    async def reset_password(self, identifier: str, code: str, new_password: str) -> None:
        from services.memory.hashing import in_background  # not at start-up

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
                store.account_changed(account)
                if account.reset_tries >= rules.RESET_CODE_TRIES:
                    account.reset_code = None
                raise InvalidCode()
            rules.validate_password(new_password)
            account.password_hash = await in_background(self._hasher.hash, new_password)
            store.account_changed(account)
            account.password = None
            account.reset_code = account.reset_expires = None
            account.failures.clear()
            account.locked_until = None
            patron_id = account.patron.id
            for token in [t for t, p in self._sessions.items() if p == patron_id]:
                del self._sessions[token]
