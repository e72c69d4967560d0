"""Logging in, out and password recovery (R5) for the in-memory adapter."""

from __future__ import annotations

import hashlib
import math
import secrets
from datetime import datetime

from services import messages, rules
from services.errors import InvalidCode, InvalidCredentials, TooManyAttempts
from services.memory.base import MemoryBase
from services.models import MessageKind, Session
from services.store import AccountState, Store, hash_reset_code, reset_code_matches


def find_account(store: Store, identifier: str) -> AccountState | None:
    """By username (case-insensitive) or card number (exact)."""
    key = identifier.strip()
    patron_id = store.by_username.get(key.casefold())
    if patron_id is None:
        patron_id = store.by_card.get(key)
    return store.accounts.get(patron_id) if patron_id is not None else None


class AuthMixin(MemoryBase):
    async def login(self, identifier: str, password: str) -> Session:
        """A session for the right password. Failures never lock the account
        (docs/rules.md, Accounts): who is guessing is for the server to judge
        (``services.server.auth``), and nothing about a failure is written down.
        An unknown user, a wrong password and a password kept in clear (the
        demo's, until its first login) each cost one argon2 check, so the time
        of the answer does not tell which it was."""
        from services.memory.hashing import check, dummy_check, in_background  # not at start-up

        async with self._begin() as (store, _now):
            account = find_account(store, identifier)
            stored_hash = account.password_hash if account else None
            clear = account.password if account else None
        if account is None:
            await in_background(dummy_check, self._hasher, password)
            raise InvalidCredentials()
        matches, new_hash = await in_background(
            check, self._hasher, stored_hash, clear, password
        )
        if not matches:
            if stored_hash is None:  # compared in clear, in no time: spend a check's
                await in_background(dummy_check, self._hasher, password)
            raise InvalidCredentials()
        async with self._locked() as store:
            if new_hash and account.password_hash is None and account.password == clear:
                account.password_hash, account.password = new_hash, None
                store.account_changed(account)
            if account.failures or account.locked_until is not None:
                # counts and locks written by earlier versions mean nothing now
                account.failures.clear()
                account.locked_until = None
                store.account_changed(account)
            token = secrets.token_urlsafe(32)
            self._sessions[token] = account.patron.id
            return Session(token=token, patron=account.patron)

    async def logout(self, session: Session) -> None:
        async with self._lock:
            self._sessions.pop(session.token, None)

    async def request_password_reset(self, identifier: str) -> None:
        async with self._begin() as (store, now):
            wait = _note_reset_request(self._reset_requests, identifier, now)
            if wait is not None:
                raise TooManyAttempts(seconds=math.ceil(wait))
            account = find_account(store, identifier)
            if account is None:
                return
            code = f"{secrets.randbelow(1_000_000):06d}"
            account.reset_code = hash_reset_code(code)  # the code itself goes only by e-mail
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
            if not reset_code_matches(account.reset_code, code.strip()):
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


RESET_KEYS_KEPT = 10_000
"""At most this many identifiers' recent recovery requests are remembered;
past it the longest untouched is forgotten first (the server's own limit
per client address stands in front of this one)."""


def reset_key(identifier: str) -> bytes:
    """What the recovery requests of ``identifier`` are counted under: a hash
    of its folded form, 16 bytes however long the identifier was (anyone may
    ask, for any identifier, existing or not)."""
    folded = identifier.strip().casefold().encode("utf-8", "surrogatepass")
    return hashlib.sha256(folded).digest()[:16]


def _note_reset_request(
    requests: dict[bytes, list[datetime]], identifier: str, now: datetime
) -> float | None:
    """Count a recovery request for ``identifier``: None when it may go on,
    else the seconds until it may. ``requests`` is kept in the order entries
    were last touched, so what expired is forgotten from its front, and it
    never holds more than ``RESET_KEYS_KEPT`` keys."""
    while requests:
        oldest = next(iter(requests))
        if now - requests[oldest][-1] < rules.LOGIN_WINDOW:
            break
        del requests[oldest]
    key = reset_key(identifier)
    recent = [t for t in requests.pop(key, []) if now - t < rules.LOGIN_WINDOW]
    if len(recent) >= rules.RESET_CODE_TRIES:
        requests[key] = recent
        return max(1.0, (rules.LOGIN_WINDOW - (now - recent[0])).total_seconds())
    requests[key] = [*recent, now]
    while len(requests) > RESET_KEYS_KEPT:
        del requests[next(iter(requests))]
    return None
