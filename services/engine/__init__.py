"""The engine: every rule and the orchestration of each call, on SQL.

``SqlService(region=None, clock=None, sender=..., database=None)`` serves
``services.protocol.LibraryService`` from a database (``services.storage``:
SQLite or PostgreSQL); with none it makes an in-memory SQLite database and
fills it with ``region``, or the demo region, on first use.
"""

from __future__ import annotations

from services.engine.auth import AuthPart
from services.engine.mail import MailPart
from services.engine.patron import PatronPart
from services.engine.self_check import SelfCheckPart
from services.engine.staff import StaffPart
from services.protocol import LibraryService


class SqlService(AuthPart, PatronPart, StaffPart, SelfCheckPart, MailPart, LibraryService):
    """Every method of ``services.protocol.LibraryService`` on the database,
    and the outbox as a delivery queue for the server's mailer (``MailPart``)."""

    mail_queue = True


__all__ = ["SqlService"]
