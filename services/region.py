"""A region's data as one value: what an adapter is filled with.

The demo generator (``services.demo``) builds one; the in-memory adapter and
the server's first start load one. Passwords are given in clear here and
hashed by whoever loads them.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from services.models import Copy, FreeRequest, Library, Loan, Patron, Record, Reservation


class Account(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    patron: Patron
    password: str


class RegionData(BaseModel):
    """Everything a region holds. Ids are unique within each list; every
    reference (record, library, collection, patron, barcode) resolves."""

    model_config = ConfigDict(extra="forbid")

    name: str = "Aizkraukles novads"
    libraries: list[Library]
    records: list[Record]
    copies: list[Copy]
    accounts: list[Account] = []
    loans: list[Loan] = []
    reservations: list[Reservation] = []
    free_requests: list[FreeRequest] = []
