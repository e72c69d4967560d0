"""MARC21 for Mana: reading records into the region (``mapping``, ``profile``,
``importer``: ``mana import``) and showing them (``view``: the MARC view).
pymarc reads and writes the formats; nothing here parses ISO 2709 by hand."""
