"""Password hashes (argon2id) for the in-memory adapter and the server.

The in-memory demo uses cheap parameters (``CHEAP_HASHER``) so that a kiosk
never stalls on a hash; the server passes argon2-cffi's defaults (about a
fifth of a second of CPU per login on this kind of machine). A check uses
the parameters written in the stored hash, whatever the hasher.

Hashes run in ``in_background``: two threads at a lower priority (nice 10 on
Linux, where niceness is per thread and libargon2's lane threads inherit
it), so that under load the event loop, which answers everything else, gets
the CPU first and a burst of logins slows only the logins.
"""

from __future__ import annotations

import asyncio
import hmac
import os
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from typing import TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1)
NICE = 10

T = TypeVar("T")
_pool: ThreadPoolExecutor | None = None


def _lower_priority() -> None:
    if sys.platform.startswith("linux"):
        try:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), NICE)
        except OSError:
            pass


async def in_background(func: Callable[..., T], *args: object) -> T:
    """``func(*args)`` in a low-priority hashing thread."""
    global _pool
    if _pool is None:
        _pool = ThreadPoolExecutor(2, thread_name_prefix="mana-hash", initializer=_lower_priority)
    return await asyncio.get_running_loop().run_in_executor(_pool, func, *args)


@lru_cache(maxsize=4)
def _dummy_hash(hasher: PasswordHasher) -> str:
    return hasher.hash("not a password of anyone")


def check(
    hasher: PasswordHasher, stored_hash: str | None, clear: str | None, password: str
) -> tuple[bool, str | None]:
    """(matches, a new hash to keep when the clear password was still unhashed)."""
    if stored_hash is None:
        if clear is None:
            return False, None
        matches = hmac.compare_digest(clear.encode(), password.encode())
        return matches, hasher.hash(password) if matches else None
    try:
        return hasher.verify(stored_hash, password), None
    except (VerificationError, InvalidHashError):
        return False, None


def dummy_check(hasher: PasswordHasher, password: str) -> None:
    """Spend the time of a real check, so an unknown user answers as slowly."""
    try:
        hasher.verify(_dummy_hash(hasher), password)
    except (VerificationError, InvalidHashError):
        pass


_dummy_hash(CHEAP_HASHER)
