"""Logging in, out and password recovery (R5) on the database.

A session is a row of ``sessions``: the SHA-256 of its token (the token is
the patron's, never stored) and the patron. Any server of the region knows
it, and it outlives a restart; logging out, or a new password, deletes it.
"""

from __future__ import annotations

import hashlib
import math
import secrets
from datetime import datetime

from services import messages, rules
from services.accounts import AccountState, hash_reset_code, reset_code_matches
from services.engine.base import SqlBase, token_hash
from services.engine.tx import Tx
from services.errors import InvalidCode, InvalidCredentials, TooManyAttempts
from services.models import MessageKind, Session
from services.storage import schema as s


class AuthPart(SqlBase):
    async def login(self, identifier: str, password: str) -> Session:
        """A session for the right password. Failures never lock the account
        (docs/rules.md, Accounts): who is guessing is for the server to judge
        (``services.server.auth``), and nothing about a failure is written
        down. An unknown user and a wrong password each cost one argon2
        check, so the time of the answer does not tell which it was."""
        from services.engine.hashing import check, dummy_check, in_background  # not at start-up

        account = await self._call(lambda tx: tx.find_account(identifier), answers=False)
        if account is None:
            await in_background(dummy_check, self._hasher, password)
            raise InvalidCredentials()
        matches, new_hash = await in_background(
            check, self._hasher, account.password_hash, account.password, password
        )
        if not matches:
            raise InvalidCredentials()
        token = secrets.token_urlsafe(32)

        def work(tx: Tx) -> Session:
            current = tx.account(account.patron.id)
            if current is None or current.password_hash != account.password_hash:
                raise InvalidCredentials()  # changed meanwhile (a reset)
            if new_hash:
                current.password_hash = new_hash
                tx.put_account(current)
            tx.db.execute(s.sessions.insert().values(
                token_hash=token_hash(token), patron_id=current.patron.id, created=tx.now))
            return Session(token=token, patron=current.patron)

        return await self._call(work)

    async def logout(self, session: Session) -> None:
        def work(tx: Tx) -> None:
            tx.db.execute(s.sessions.delete()
                          .where(s.sessions.c.token_hash == token_hash(session.token)))

        await self._call(work)

    async def request_password_reset(self, identifier: str) -> None:
        def work(tx: Tx) -> None:
            now = tx.now
            wait = note_reset_request(self._reset_requests, identifier, now)
            if wait is not None:
                raise TooManyAttempts(seconds=math.ceil(wait))
            account = tx.find_account(identifier)
            if account is None:
                return
            code = f"{secrets.randbelow(1_000_000):06d}"
            account.reset_code = hash_reset_code(code)  # the code itself goes only by e-mail
            account.reset_expires = now + rules.RESET_CODE_VALID
            account.reset_tries = 0
            tx.put_account(account)
            patron = account.patron
            minutes = int(rules.RESET_CODE_VALID.total_seconds() // 60)
            text = messages.password_code(patron.language, patron.name, code, minutes)
            tx.send(patron.id, MessageKind.PASSWORD_CODE, text, now)

        await self._call(work)

    async def reset_password(self, identifier: str, code: str, new_password: str) -> None:
        from services.engine.hashing import in_background  # not at start-up

        def checked(tx: Tx) -> AccountState:
            account = tx.find_account(identifier)
            if (
                account is None
                or account.reset_code is None
                or account.reset_expires is None
                or tx.now > account.reset_expires
                or account.reset_tries >= rules.RESET_CODE_TRIES
            ):
                raise InvalidCode()
            if not reset_code_matches(account.reset_code, code.strip()):
                account.reset_tries += 1
                if account.reset_tries >= rules.RESET_CODE_TRIES:
                    account.reset_code = None
                tx.put_account(account)  # the wrong try counts: kept, then refused
                raise InvalidCode()
            return account

        await self._call(checked, answers=False)  # a wrong code's refusal is the answer
        rules.validate_password(new_password)
        new_hash = await in_background(self._hasher.hash, new_password)

        def work(tx: Tx) -> None:
            current = checked(tx)  # once more: the code may have been used meanwhile
            current.password_hash = new_hash
            current.password = None
            current.reset_code = current.reset_expires = None
            tx.put_account(current)
            tx.db.execute(s.sessions.delete().where(s.sessions.c.patron_id == current.patron.id))

        await self._call(work)


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


def note_reset_request(
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
