"""``SruCatalogue``: the catalogue part of the contract from a library's SRU server.

What SRU gives and what it does not:

- **Search.** The patron's words are CQL (``cql.cql_query``), a page is
  ``startRecord``/``maximumRecords`` (at most ``page_size`` records), and the
  records come as MARCXML, mapped as ``mana import`` maps them. Ranking,
  and where the words match, is the server's. SRU has no standard way to
  filter by holding library or material type, nor to count per filter
  choice: the material type filter is not applied (each hit shows its
  type), a library that is not one of the source's finds nothing, one of
  them finds everything, and ``counts`` is None (the filter lists show no
  numbers). Nothing of an SRU catalogue can be ordered through Mana, so
  "available now" finds nothing. Empty text asks for ``cql.allRecords=1``;
  a server that refuses it lists nothing until words are typed.
- **Record ids.** SRU records have none, so each record the patron has seen
  gets an int id within this catalogue, by its identity (003 + 001, or its
  place in the search when it has no 001). The latest ``remember`` records
  are kept; an id no longer kept (or never given) is ``NotFound``.
- **Copies** come from the record's holdings fields (952 or 852/876, as the
  import profile says), each with its status; none of them can be ordered
  through Mana, so each offers CONTACT with the library's contacts. A record
  without holdings has no copies: the record screen says to ask the library.
- **Failures.** A diagnostic becomes a sentence (``diagnostics``); a server
  that cannot be reached, answers late or answers garbage is
  ``ServiceUnavailable`` with the sentence for that.
"""

from __future__ import annotations

import asyncio
import copy as copying
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Self

import httpx
import pymarc

from services.errors import NotFound, ServiceUnavailable
from services.marc.mapping import Holding, MappingError, map_record
from services.marc.profile import DEFAULT_PROFILE, ImportProfile
from services.marc.view import marc_view
from services.models import (
    Copy,
    CopyOffer,
    CopyStatus,
    CopyView,
    Library,
    MarcView,
    OfferKind,
    Page,
    Record,
    Refusal,
    SearchHit,
    SearchPage,
    SearchQuery,
)
from services.protocol import CatalogueService
from services.sru import diagnostics as diag
from services.sru.cql import ALL_RECORDS, cql_query
from services.sru.response import Answer, Garbled, Item, parse

VERSIONS = ("1.1", "1.2", "2.0")
MAX_ANSWER_BYTES = 16 * 1024 * 1024
"""A longer answer is not read: no page of records is this large."""

UNREADABLE_TITLE = "[Ieraksts nav nolasāms · The record cannot be read]"
"""The title of a record the server gave that Mana cannot show: it keeps
its place in the page, and its description says why."""

_FORGOTTEN = NotFound(
    "Šis ieraksts vairs nav atmiņā. Lūdzu, meklējiet to vēlreiz.",
    "This record is no longer remembered. Please search for it again.",
)
_NO_MARC = NotFound(
    "Katalogs šo ierakstu nedeva MARC formātā.",
    "The catalogue did not give this record as MARC.",
)
_STATUS_TEXT = {
    CopyStatus.AVAILABLE: ("Plauktā.", "On the shelf."),
    CopyStatus.RESERVED: ("Rezervēts.", "Reserved."),
    CopyStatus.ON_HOLD: ("Rezervēto plauktā.", "On the hold shelf."),
    CopyStatus.ON_LOAN: ("Izsniegts.", "On loan."),
    CopyStatus.IN_TRANSIT: ("Ceļā uz bibliotēku.", "In transit."),
    CopyStatus.IN_REPAIR: ("Bojāts vai remontā.", "Damaged or in repair."),
    CopyStatus.PROCESSING: ("Tiek apstrādāts.", "Being processed."),
    CopyStatus.LOST: ("Pazudis.", "Lost."),
    CopyStatus.NOT_FOR_LOAN: ("Izmantojams tikai bibliotēkā.", "For use in the library only."),
}


@dataclass(frozen=True)
class _Seen:
    """A record the patron has seen: as mapped, its holdings and its MARC."""

    record: Record
    holdings: tuple[Holding, ...] = ()
    marc: pymarc.Record | None = None


class SruCatalogue(CatalogueService):
    """The catalogue at an SRU server's ``url`` (its database: ``database``,
    a path below it, or already in ``url``), held by ``libraries``."""

    def __init__(
        self,
        url: str,
        libraries: Sequence[Library],
        *,
        database: str = "",
        version: str = "1.2",
        timeout: float = 10.0,
        page_size: int = 50,
        record_schema: str = "marcxml",
        prefix: bool = False,
        profile: ImportProfile = DEFAULT_PROFILE,
        remember: int = 10_000,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        """``page_size``: the most records asked for at once (the server's
        own limit may be lower); ``prefix``: words also match longer words
        (``word*``, if the server supports it); ``profile``: which holdings
        field and which library and location codes (``services.marc.profile``);
        ``remember``: how many records seen keep their ids."""
        if not libraries:
            raise ValueError("an SRU catalogue needs at least one library")
        if version not in VERSIONS:
            raise ValueError(f"SRU version {version!r}: should be one of {', '.join(VERSIONS)}")
        self._libraries = list(libraries)
        self._by_id = {library.id: library for library in self._libraries}
        self._version = version
        self._timeout = timeout
        self._page_size = page_size
        self._schema = record_schema
        self._prefix = prefix
        self._profile = profile
        self._remember = remember
        address = url.rstrip("/") + ("/" + database.strip("/") if database else "")
        self._client = httpx.AsyncClient(timeout=httpx.Timeout(timeout), transport=transport)
        self._address = address
        self._seen: OrderedDict[int, _Seen] = OrderedDict()
        self._ids: dict[tuple[str, ...], int] = {}
        self._next_id = 1

    async def aclose(self) -> None:
        await self._client.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # ------------------------------------------------------------ catalogue

    async def libraries(self) -> list[Library]:
        return list(self._libraries)

    async def search(self, query: SearchQuery) -> SearchPage:
        if query.available_now or (
            query.library_id is not None and query.library_id not in self._by_id
        ):
            return SearchPage(items=[], offset=query.offset, total=0)
        cql = cql_query(query.text, prefix=self._prefix)
        limit = min(query.limit, self._page_size)
        answer = await self._search(cql, query.offset + 1, limit)
        if answer.diagnostics:
            first = answer.diagnostics[0]
            if first.number == diag.OUT_OF_RANGE:
                return SearchPage(items=[], offset=query.offset, total=answer.total)
            if cql == ALL_RECORDS:
                return SearchPage(items=[], offset=query.offset, total=0)
            raise diag.error_for(first)
        broken = [item.diagnostic for item in answer.items if item.diagnostic is not None]
        if answer.items and len(broken) == len(answer.items) and broken[0].uri != "marcxml":
            raise diag.error_for(broken[0])  # no record at all: the schema, the server
        hits = [self._hit(self._remembered(cql, item)) for item in answer.items]
        return SearchPage(items=hits, offset=query.offset, total=answer.total)

    async def record(self, record_id: int) -> Record:
        return self._get(record_id).record

    async def copies(self, record_id: int, offset: int = 0, limit: int = 50) -> Page[CopyView]:
        seen = self._get(record_id)
        views = self._copy_views(seen)
        return Page(items=views[offset:offset + limit], offset=offset, total=len(views))

    async def record_marc(self, record_id: int) -> MarcView:
        seen = self._get(record_id)
        if seen.marc is None:
            raise _NO_MARC
        return marc_view(seen.marc)

    # ------------------------------------------------------------- transport

    def _params(self, cql: str, start: int, maximum: int) -> dict[str, str | int]:
        params: dict[str, str | int] = {
            "version": self._version, "operation": "searchRetrieve", "query": cql,
            "startRecord": start, "maximumRecords": maximum, "recordSchema": self._schema,
        }
        params["recordXMLEscaping" if self._version == "2.0" else "recordPacking"] = "xml"
        return params

    async def _search(self, cql: str, start: int, maximum: int) -> Answer:
        """One searchRetrieve. Raises ``ServiceUnavailable``."""
        try:
            async with asyncio.timeout(self._timeout):
                status, body = await self._get_body(self._params(cql, start, maximum))
        except (httpx.ConnectError, httpx.ConnectTimeout) as e:
            raise ServiceUnavailable(*diag.UNREACHABLE) from e
        except (httpx.TimeoutException, TimeoutError) as e:
            raise ServiceUnavailable(*diag.SLOW) from e
        except (httpx.HTTPError, httpx.InvalidURL) as e:
            raise ServiceUnavailable(*diag.BAD_ANSWER) from e
        try:
            return parse(body)
        except Garbled as e:
            if status == 404:
                raise ServiceUnavailable(*diag.NO_DATABASE) from e
            raise ServiceUnavailable(*diag.BAD_ANSWER) from e

    async def _get_body(self, params: dict[str, str | int]) -> tuple[int, bytes]:
        """The answer's status and body, refused past ``MAX_ANSWER_BYTES``."""
        async with self._client.stream("GET", self._address, params=params) as response:
            body = bytearray()
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > MAX_ANSWER_BYTES:
                    raise httpx.DecodingError("the answer is too long")
            return response.status_code, bytes(body)

    # --------------------------------------------------------------- records

    def _get(self, record_id: int) -> _Seen:
        seen = self._seen.get(record_id)
        if seen is None:
            raise _FORGOTTEN
        self._seen.move_to_end(record_id)
        return seen

    def _remembered(self, cql: str, item: Item) -> _Seen:
        """The item as a record with its id (the same id for the same record)."""
        seen = self._read(item)
        identity = self._identity(item.marc) if item.marc is not None else ("", "")
        key = ("marc", *identity) if identity[1] else ("place", cql, str(item.position))
        record_id = self._ids.get(key)
        if record_id is None or record_id not in self._seen:
            record_id = self._next_id
            self._next_id += 1
            self._ids[key] = record_id
        seen = _Seen(seen.record.model_copy(update={"id": record_id}), seen.holdings, seen.marc)
        self._seen[record_id] = seen
        self._seen.move_to_end(record_id)
        while len(self._seen) > self._remember:
            self._seen.popitem(last=False)
        if len(self._ids) > 2 * self._remember:
            self._ids = {k: v for k, v in self._ids.items() if v in self._seen}
        return seen

    @staticmethod
    def _identity(marc: pymarc.Record) -> tuple[str, str]:
        """(003, 001) as the record has them; 001 empty when it has none."""
        def control(tag: str) -> str:
            field = marc.get(tag)
            return (field.data or "").strip() if field is not None else ""

        return control("003"), control("001")

    def _read(self, item: Item) -> _Seen:
        """The item mapped, or a placeholder saying why it cannot be."""
        if item.marc is None:
            lv, en = diag.record_problem(item.diagnostic or diag.Diagnostic(uri=""))
            return _Seen(_placeholder(f"{lv}\n{en}"))
        marc = item.marc
        if not self._identity(marc)[1]:  # mapping needs an identity: its place
            marc = copying.deepcopy(marc)
            marc.add_ordered_field(pymarc.Field(tag="001", data=f"sru-{item.position}"))
        try:
            mapped = map_record(marc, self._profile)
        except MappingError as e:
            return _Seen(_placeholder(f"MARC: {e}"), marc=item.marc)
        return _Seen(mapped.record, mapped.holdings, item.marc)

    @staticmethod
    def _hit(seen: _Seen) -> SearchHit:
        record = seen.record
        return SearchHit(id=record.id, title=record.title, authors=record.authors,
                         year=record.year, material_type=record.material_type,
                         copies=len(seen.holdings), available=0)

    # ---------------------------------------------------------------- copies

    def _library(self, code: str) -> Library:
        """The source's library a holding's code names, else its first one."""
        return self._by_id.get(self._profile.library(code)) or self._libraries[0]

    def _copy_views(self, seen: _Seen) -> list[CopyView]:
        views, barcodes = [], set()
        for n, holding in enumerate(seen.holdings, 1):
            library = self._library(holding.library_code)
            code = self._profile.collection(holding.location_code)
            collection = library.collection(code)
            barcode = holding.barcode
            if not barcode or barcode in barcodes:  # a row of the table needs its own key
                barcode = f"{seen.record.id}-{n}"
            barcodes.add(barcode)
            item = Copy(barcode=barcode, record_id=seen.record.id, library_id=library.id,
                        collection=code, shelf_mark=holding.shelf_mark, status=holding.status)
            views.append(CopyView(
                item=item, library_name=library.name,
                collection_lv=collection.name_lv if collection else code,
                collection_en=collection.name_en if collection else code,
                offer=CopyOffer(kind=OfferKind.CONTACT,
                                refusal=contact_library(library, holding.status))))
        views.sort(key=lambda v: (v.library_name, v.item.collection, v.item.shelf_mark))
        return views


def contact_library(library: Library, status: CopyStatus) -> Refusal:
    """Why a copy of an SRU catalogue is not ordered here: its status, and
    whom to ask."""
    lv_status, en_status = _STATUS_TEXT[status]
    contacts = library.contacts
    reach = ", ".join(part for part in (contacts.phone, contacts.email) if part) or contacts.address
    return Refusal(
        code="contact_library",
        lv=f"{lv_status} Caur Mana šo eksemplāru nevar pasūtīt. Sazinieties ar bibliotēku "
           f"„{library.name}”: {reach}.",
        en=f"{en_status} This copy cannot be ordered through Mana. Contact the library "
           f"\u201c{library.name}\u201d: {reach}.",
    )


def _placeholder(reason: str) -> Record:
    return Record(id=0, title=UNREADABLE_TITLE, description=reason)
