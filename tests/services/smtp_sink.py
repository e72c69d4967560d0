"""A real SMTP server for the e-mail tests: aiosmtpd on a loopback port.

``SmtpSink(port)`` keeps every message it accepted (parsed, in ``mails``);
``refuse`` maps a recipient to the reply its RCPT gets (e.g. "550 5.1.1 …"
or "451 4.3.0 …"). It can be stopped and started again on the same port, to
play a mail server that is down for a while.
"""

from __future__ import annotations

import socket
import threading
import time
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Handler:
    def __init__(self, sink: SmtpSink) -> None:
        self.sink = sink

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        reply = self.sink.refuse.get(address)
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        mail = message_from_bytes(envelope.original_content or envelope.content,
                                  policy=policy.default)
        with self.sink.lock:
            self.sink.mails.append(mail)  # type: ignore[arg-type]
        return "250 Message accepted for delivery"


class SmtpSink:
    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.mails: list[EmailMessage] = []
        self.refuse: dict[str, str] = {}
        self.lock = threading.Lock()
        self._controller: Controller | None = None

    def start(self) -> SmtpSink:
        self._controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def to(self, address: str) -> list[EmailMessage]:
        with self.lock:
            return [m for m in self.mails if m["To"] == address]

    def wait_for(self, count: int, timeout: float = 15.0) -> list[EmailMessage]:
        """Wait until at least ``count`` messages arrived; all of them."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.mails) >= count:
                    return list(self.mails)
            time.sleep(0.05)
        with self.lock:
            raise AssertionError(f"expected {count} e-mail(s), got {len(self.mails)}")
