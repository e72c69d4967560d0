"""The in-memory adapter: the embedded default, a realistic demo region, no setup.

``MemoryService(region=None, clock=None, sender=...)`` keeps the whole region
in this process and applies ``services.rules``; with no region it builds the
demo region (``services.demo.build_region``) on first use.
"""

from __future__ import annotations

from services.memory.auth import AuthMixin
from services.memory.mail import MailMixin
from services.memory.patron import PatronMixin
from services.memory.staff import StaffMixin
from services.protocol import LibraryService


class MemoryService(AuthMixin, PatronMixin, StaffMixin, MailMixin, LibraryService):
    """Every method of ``services.protocol.LibraryService``, in memory, and the
    outbox as a delivery queue for the server's mailer (``MailMixin``)."""

    mail_queue = True


__all__ = ["MemoryService"]
