"""How often anonymous callers may make the server do something that costs
others (a recovery code, an e-mail): counts per key in a sliding window.

``RateLimit.hit(key)`` counts one request and answers None, or, over the
limit, the seconds until the oldest counted request leaves the window (the
request is then not counted). What it keeps is bounded whatever callers send:
keys are 16-byte hashes of the folded text, expired keys are dropped as they
expire, and at most ``max_keys`` are kept (the longest untouched goes first).
Times come from an injected ``now()`` (seconds) so tests can move them.
``list_limit`` is the answer to a list over its limit, in words a patron
understands, saying how long to wait.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections import deque
from collections.abc import Callable

from services.errors import TooManyAttempts

Now = Callable[[], float]

MAX_KEYS = 10_000
HOUR = 3600.0


def limit_key(text: str) -> bytes:
    """A bounded key for ``text`` (an address, an identifier, an e-mail)."""
    folded = text.strip().casefold().encode("utf-8", "surrogatepass")
    return hashlib.sha256(folded).digest()[:16]


class RateLimit:
    """At most ``limit`` requests per key within ``window_seconds``."""

    def __init__(
        self, limit: int, window_seconds: float, now: Now = time.time, max_keys: int = MAX_KEYS
    ) -> None:
        self.limit = limit
        self.window = window_seconds
        self._now = now
        self._max_keys = max_keys
        self._times: dict[bytes, deque[float]] = {}
        """Request times by key, in the order keys were last counted."""

    def wait(self, text: str) -> float | None:
        """Seconds ``text`` must wait before it may go on, or None; counts nothing."""
        moment = self._now()
        self._forget(moment)
        times = self._recent(limit_key(text), moment)
        if times is not None and len(times) >= self.limit:
            return max(1.0, math.ceil(times[0] + self.window - moment))
        return None

    def hit(self, text: str) -> float | None:
        """Count a request of ``text``: None, or the seconds to wait (not counted)."""
        wait = self.wait(text)
        if wait is not None:
            return wait
        key = limit_key(text)
        times = self._times.pop(key, None) or deque()
        times.append(self._now())
        self._times[key] = times
        while len(self._times) > self._max_keys:
            del self._times[next(iter(self._times))]
        return None

    def __len__(self) -> int:
        return len(self._times)

    def _recent(self, key: bytes, moment: float) -> deque[float] | None:
        times = self._times.get(key)
        if times is None:
            return None
        while times and times[0] <= moment - self.window:
            times.popleft()
        return times

    def _forget(self, moment: float) -> None:
        """Drop keys whose last request left the window (they sit at the front)."""
        while self._times:
            oldest = next(iter(self._times))
            times = self._times[oldest]
            if times and times[-1] > moment - self.window:
                return
            del self._times[oldest]


def _singular(count: int) -> bool:
    """Latvian takes the singular after 1, 21, 31 … (not 11)."""
    return count % 10 == 1 and count % 100 != 11


def list_limit(limit: int, wait_seconds: float, *, per_recipient: bool) -> TooManyAttempts:
    """The answer to a list (R4) over its hourly limit, saying how long to wait."""
    mins = max(1, math.ceil(wait_seconds / 60))
    lists_lv = "sarakstu" if _singular(limit) else "sarakstus"
    lists_en = "list" if limit == 1 else "lists"
    wait_lv = f"{mins} minūtes" if _singular(mins) else f"{mins} minūtēm"
    wait_en = f"{mins} minute" if mins == 1 else f"{mins} minutes"
    if per_recipient:
        lv = f"Uz vienu e-pasta adresi stundā var nosūtīt ne vairāk kā {limit} {lists_lv}."
        en = f"At most {limit} {lists_en} an hour can be sent to one e-mail address."
    else:
        lv = f"No vienas ierīces stundā var nosūtīt ne vairāk kā {limit} {lists_lv}."
        en = f"At most {limit} {lists_en} an hour can be sent from one device."
    return TooManyAttempts(
        f"{lv} Lūdzu, mēģiniet vēlreiz pēc {wait_lv}.",
        f"{en} Please try again in {wait_en}.",
        seconds=math.ceil(wait_seconds),
    )
