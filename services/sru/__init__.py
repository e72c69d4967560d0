"""A catalogue over SRU: a library's own server (Koha, Evergreen, Aleph, the
union catalogue) searched with SRU 1.1, 1.2 or 2.0 (``catalogue.SruCatalogue``).

The patron's words become CQL (``cql``), the server's XML answer is read
(``response``) and its diagnostics become sentences (``diagnostics``);
records come as MARCXML and are mapped as ``mana import`` maps them
(``services.marc.mapping``).
"""

from services.sru.catalogue import SruCatalogue

__all__ = ["SruCatalogue"]
