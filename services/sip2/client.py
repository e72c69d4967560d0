"""An async SIP2 client: one terminal's connection to a library system's SIP
server (Koha, Evergreen, Sierra … or ``mana serve``'s listener).

It logs in (93) on connecting; numbers every message (AY) and checks every
answer's checksum, asking for it again (97) up to ``resends`` times; sends a
message again when the server asks (96); and after a dropped connection
connects and logs in once more and repeats the message (a server that
forgot the login closes the connection). Whatever still fails, and every
timeout, is ``ServiceUnavailable`` with its usual sentence.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl

from services.errors import ServiceUnavailable
from services.sip2.codec import (
    MAX_MESSAGE_BYTES,
    Codec,
    FrameTooLong,
    Message,
    ParseError,
    message,
    read_frame,
)
from services.sip2.messages import PROTOCOL_VERSION

log = logging.getLogger("mana.sip2")


class _Dropped(Exception):
    """The connection ended, or cannot be used any more."""


class Sip2Client:
    """A SIP2 connection that comes back by itself. One message at a time."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        login: str,
        password: str,
        location: str = "",
        delimiter: str = "|",
        charset: str = "utf-8",
        tls: ssl.SSLContext | None = None,
        timeout: float = 10.0,
        resends: int = 3,
        max_bytes: int = MAX_MESSAGE_BYTES,
    ) -> None:
        self.host, self.port = host, port
        self.login, self.password, self.location = login, password, location
        self.codec = Codec(delimiter, charset, max_bytes)
        self.tls = tls
        self.timeout = timeout
        self.resends = resends
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._sequence = 0
        self._lock = asyncio.Lock()

    async def request(self, msg: Message) -> Message:
        """The server's answer to ``msg``. Raises ``ServiceUnavailable``."""
        async with self._lock:
            for attempt in range(2):
                try:
                    if self._writer is None:
                        await self._open()
                    return await self._exchange(msg)
                except _Dropped as error:
                    await self._drop()
                    if attempt:
                        log.warning("SIP2 %s:%d: %s", self.host, self.port, error)
                        raise ServiceUnavailable() from None
                except (TimeoutError, OSError) as error:
                    await self._drop()
                    log.warning("SIP2 %s:%d: %s", self.host, self.port,
                                error or type(error).__name__)
                    raise ServiceUnavailable() from None
            raise AssertionError("unreachable")

    async def status(self) -> Message:
        """The server's status (98); ``ServiceUnavailable`` when it says it is offline."""
        answer = await self.request(message("99", {
            "status_code": "0", "max_print_width": "040", "protocol_version": PROTOCOL_VERSION}))
        if answer.command != "98" or answer.fixed.get("online_status") != "Y":
            raise ServiceUnavailable()
        return answer

    async def close(self) -> None:
        async with self._lock:
            await self._drop()

    # ------------------------------------------------------------------ inside

    async def _open(self) -> None:
        try:
            self._reader, self._writer = await asyncio.wait_for(asyncio.open_connection(
                self.host, self.port, ssl=self.tls, limit=self.codec.max_bytes + 2),
                self.timeout)
        except (OSError, ssl.SSLError) as error:
            raise _Dropped(f"cannot connect: {error}") from None
        answer = await self._exchange(message(
            "93", {"uid_algorithm": "0", "pwd_algorithm": "0"},
            [("CN", self.login), ("CO", self.password), ("CP", self.location or None)]))
        if answer.command != "94" or answer.fixed.get("ok") != "1":
            await self._drop()
            log.error("SIP2 %s:%d refused the terminal's login %r", self.host, self.port,
                      self.login)
            raise ServiceUnavailable()

    async def _exchange(self, msg: Message) -> Message:
        """Send ``msg`` and read its answer, with 97/96 resends."""
        assert self._reader is not None
        sequence = self._sequence
        self._sequence = (self._sequence + 1) % 10
        frame = self.codec.encode(msg, sequence)
        await self._write(frame)
        for _ in range(self.resends + 1):
            try:
                raw = await asyncio.wait_for(read_frame(self._reader, self.codec.max_bytes),
                                             self.timeout)
            except (asyncio.IncompleteReadError, ConnectionError) as error:
                raise _Dropped(f"connection dropped: {type(error).__name__}") from None
            except FrameTooLong:
                raise _Dropped("an answer longer than allowed") from None
            try:
                decoded = self.codec.decode(raw)
            except ParseError as error:
                log.info("SIP2 %s:%d: unreadable answer (%s); asking again",
                         self.host, self.port, error.reason)
                await self._write(self.codec.encode(message("97")))
                continue
            answer = decoded.message
            if answer.command == "96":
                await self._write(frame)
                continue
            if decoded.sequence is not None and decoded.sequence != sequence:
                continue  # a late answer to an earlier message
            return answer
        raise _Dropped(f"no readable answer after {self.resends} resends")

    async def _write(self, frame: bytes) -> None:
        assert self._writer is not None
        try:
            self._writer.write(frame)
            await asyncio.wait_for(self._writer.drain(), self.timeout)
        except ConnectionError as error:
            raise _Dropped(f"cannot send: {type(error).__name__}") from None

    async def _drop(self) -> None:
        writer, self._reader, self._writer = self._writer, None, None
        if writer is not None:
            writer.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(writer.wait_closed(), 1)
