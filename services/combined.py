"""``CombinedService``: a region whose catalogue and accounts come from two sources.

The catalogue (``CatalogueService``, e.g. ``services.sru.SruCatalogue``) and
the accounts (the ``AccountService`` part of a ``LibraryService``, e.g.
``mana serve`` through ``services.remote.RemoteService``) are joined into
the one contract the app receives. Each method is forwarded to its part,
and the forwarding is made from the abstract methods of the two halves of
the contract, so a method added to either is forwarded without a line here.

What cannot simply be forwarded is written out:

- ``ready``: both parts are ready.
- ``send_list``: a list is mailed by the service whose records they are:
  the catalogue's, when it is a whole ``LibraryService`` (its accounts
  being elsewhere, e.g. SIP2); an SRU catalogue mails nothing, and the
  accounts' service would list its *own* records of those ids, so a list is
  then refused with a sentence (``InvalidInput`` on "records").
"""

from __future__ import annotations

import abc
import asyncio
import functools
from collections.abc import Callable
from typing import Any, TypeVar

from services.errors import InvalidInput
from services.models import Message
from services.protocol import AccountService, CatalogueService, LibraryService

C = TypeVar("C", bound=type)

LIST_REFUSED = (
    "Šī kataloga ierakstu sarakstu nevar nosūtīt pa e-pastu. Lūdzu, pierakstiet "
    "nosaukumus vai jautājiet bibliotēkā.",
    "A list of this catalogue's records cannot be sent by e-mail. Please write the "
    "titles down or ask at the library.",
)


def _forward(part: str, name: str, contract: type) -> Callable[..., Any]:
    """A method that calls ``name`` of the object in attribute ``part``."""
    declared = getattr(contract, name)

    @functools.wraps(declared)
    async def forwarded(self: Any, *args: Any, **kwargs: Any) -> Any:
        return await getattr(getattr(self, part), name)(*args, **kwargs)

    forwarded.__isabstractmethod__ = False  # type: ignore[attr-defined]
    return forwarded


def _forwarding(cls: C) -> C:
    """Give ``cls`` a forwarding method for every abstract method of the two
    halves of the contract that it does not write out itself."""
    for part, contract in (("catalogue", CatalogueService), ("accounts", AccountService)):
        for name in sorted(contract.__abstractmethods__):
            if name not in cls.__dict__:
                setattr(cls, name, _forward(part, name, contract))
    abc.update_abstractmethods(cls)
    return cls


@_forwarding
class CombinedService(LibraryService):
    """The catalogue of ``catalogue`` and the accounts of ``accounts``."""

    def __init__(self, catalogue: CatalogueService, accounts: AccountService) -> None:
        self.catalogue = catalogue
        self.accounts = accounts

    async def ready(self) -> bool:
        both = await asyncio.gather(self.catalogue.ready(), self.accounts.ready())
        return all(both)

    async def send_list(self, record_ids: list[int], email: str, language: str = "lv") -> Message:
        """By the catalogue's own service when it has one (a region's
        catalogue with a library system's accounts); else refused: the
        accounts' service would list its own records of these ids."""
        if isinstance(self.catalogue, AccountService):
            return await self.catalogue.send_list(record_ids, email, language)
        raise InvalidInput("records", *LIST_REFUSED)

    async def aclose(self) -> None:
        """Close both parts that hold connections (an HTTP client)."""
        for part in (self.catalogue, self.accounts):
            close = getattr(part, "aclose", None)
            if close is not None:
                await close()
