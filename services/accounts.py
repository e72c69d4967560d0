"""A patron's login data and the recovery codes' hashes (R5).

``AccountState`` is an account as the engine reads and writes it: the
patron, the argon2id hash, a pending recovery code's hash, its expiry and
the wrong tries. A recovery code is kept as salted SHA-256 (``hash_reset_code``),
never as itself.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

from services.models import Patron

CODE_HASH = "sha256"
"""The prefix of a kept recovery code: ``sha256$<salt hex>$<digest hex>``."""


def hash_reset_code(code: str) -> str:
    """A recovery code as it is kept: salted SHA-256, never the code itself.

    A fast hash is enough here: the code lives 30 minutes and a wrong guess
    counts against ``RESET_CODE_TRIES``; what it stops is the code being read
    from the database file, its backups or a row dump."""
    salt = secrets.token_bytes(16)
    digest = hashlib.sha256(salt + code.encode()).hexdigest()
    return f"{CODE_HASH}${salt.hex()}${digest}"


def reset_code_matches(kept: str, code: str) -> bool:
    """Whether ``code`` is the one ``kept`` (``hash_reset_code``) stands for,
    compared in constant time."""
    try:
        scheme, salt_hex, digest = kept.split("$")
        salt = bytes.fromhex(salt_hex)
    except ValueError:
        return False
    given = hashlib.sha256(salt + code.encode("utf-8", "surrogatepass")).hexdigest()
    return scheme == CODE_HASH and hmac.compare_digest(given, digest)


def is_hashed_code(kept: str) -> bool:
    return kept.startswith(f"{CODE_HASH}$")


@dataclass
class AccountState:
    """A patron's login data; ``password`` is the clear text of a region not
    yet written (the demo's), else None: the database has only
    ``password_hash``. ``reset_code`` is the pending recovery code's hash
    (``hash_reset_code``)."""

    patron: Patron
    password: str | None
    password_hash: str | None = None
    reset_code: str | None = None
    reset_expires: datetime | None = None
    reset_tries: int = 0
