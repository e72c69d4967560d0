"""Reading an SRU searchRetrieve answer (1.1, 1.2 and 2.0 alike).

The versions differ in namespace and a few element names (2.0 says
``recordXMLEscaping`` where 1.x says ``recordPacking``), so elements are
found by their local name. A record's data is a MARCXML record (inline XML,
or escaped as a string) or a surrogate diagnostic in its place. Anything
else (HTML, a truncated document, no ``numberOfRecords``) is ``Garbled``.
The standard library's expat parser refuses entity expansion attacks
(expat 2.4.1 and later); ``catalogue`` limits the size before it parses.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

import pymarc

from services.marc.view import from_marcxml
from services.sru.diagnostics import Diagnostic


class Garbled(ValueError):
    """The answer is not an SRU searchRetrieveResponse Mana can read."""


@dataclass(frozen=True)
class Item:
    """One record of the page at ``position`` (1-based, in the result):
    its MARC, or the diagnostic the server gave in its place."""

    position: int
    marc: pymarc.Record | None = None
    diagnostic: Diagnostic | None = None


@dataclass(frozen=True)
class Answer:
    total: int
    items: list[Item] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child(element: ET.Element, name: str) -> ET.Element | None:
    return next((c for c in element if _local(c.tag) == name), None)


def _text(element: ET.Element, name: str) -> str:
    found = _child(element, name)
    return (found.text or "").strip() if found is not None else ""


def _diagnostic(element: ET.Element) -> Diagnostic:
    return Diagnostic(uri=_text(element, "uri"), details=_text(element, "details"),
                      message=_text(element, "message"))


def parse(body: bytes) -> Answer:
    """The answer in ``body``. Raises ``Garbled``."""
    try:
        root = ET.fromstring(body)
    except ET.ParseError as e:
        raise Garbled(f"not XML: {e}") from None
    if _local(root.tag) != "searchRetrieveResponse":
        raise Garbled(f"not a searchRetrieveResponse but {_local(root.tag)!r}")
    listed = _child(root, "diagnostics")
    diagnostics = [_diagnostic(d) for d in (listed if listed is not None else [])
                   if _local(d.tag) == "diagnostic"]
    count = _text(root, "numberOfRecords")
    if not count.isdigit():
        if diagnostics:  # a failed search need not say how many it found
            return Answer(total=0, diagnostics=diagnostics)
        raise Garbled(f"numberOfRecords is {count!r}")
    records = _child(root, "records")
    items = [_item(r, n) for n, r in enumerate(records if records is not None else [], 1)
             if _local(r.tag) == "record"]
    return Answer(total=int(count), items=items, diagnostics=diagnostics)


def _item(record: ET.Element, default_position: int) -> Item:
    position = _text(record, "recordPosition")
    where = int(position) if position.isdigit() else default_position
    data = _child(record, "recordData")
    if data is None:
        raise Garbled(f"record {where} has no recordData")
    content = _content(data, where)
    if _local(content.tag) == "diagnostic":
        return Item(where, diagnostic=_diagnostic(content))
    try:
        marc = from_marcxml(ET.tostring(content, encoding="unicode"))
    except Exception as e:  # pymarc raises what its SAX handler meets  # noqa: BLE001
        return Item(where, diagnostic=Diagnostic(uri="marcxml", message=str(e)))
    return Item(where, marc=marc)


def _content(data: ET.Element, where: int) -> ET.Element:
    """The element a recordData holds: inline, or escaped as text."""
    inline = next(iter(data), None)
    if inline is not None:
        return inline
    try:
        return ET.fromstring((data.text or "").strip())
    except ET.ParseError as e:
        raise Garbled(f"record {where}: recordData is not XML: {e}") from None
