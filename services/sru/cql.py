"""The patron's words as a CQL query (the SRU ``query`` parameter).

Each word is one term, and the terms are AND-ed: every word must match, as
in Mana's own search (R1). A word that is not plain letters and digits, or
that CQL would read as an operator (``and``, ``or``, ``not``, ``prox``,
``sortby``), is quoted; inside quotes ``"`` and ``\\`` are escaped, and so are
CQL's masking characters (``*``, ``?``, ``^``), so that they are searched for
as typed and never widen the search. Control and format characters separate
words; unpaired surrogates (which UTF-8 cannot carry) are dropped. Where the
words match (title, author …) is the server's choice (``cql.serverChoice``).
"""

from __future__ import annotations

import re
import unicodedata

ALL_RECORDS = "cql.allRecords=1"
"""The CQL for "every record" (empty text: the whole catalogue); a server
that cannot list everything answers it with a diagnostic."""

_RESERVED = frozenset({"and", "or", "not", "prox", "sortby"})
_PLAIN = re.compile(r"\w+")
_ESCAPED = re.compile(r'([\\"*?^])')


def _separated(text: str) -> str:
    """``text`` with control and format characters as spaces, surrogates dropped."""
    out = []
    for char in text:
        category = unicodedata.category(char)
        if category == "Cs":
            continue
        out.append(" " if category in ("Cc", "Cf", "Zl", "Zp") else char)
    return "".join(out)


def words(text: str) -> list[str]:
    """The words the patron typed, NFC, in order."""
    return unicodedata.normalize("NFC", _separated(text)).split()


def term(word: str) -> str:
    """One word as a CQL search term, searched for as typed."""
    if _PLAIN.fullmatch(word) and word.casefold() not in _RESERVED:
        return word
    return '"' + _ESCAPED.sub(r"\\\1", word) + '"'


def cql_query(text: str, prefix: bool = False) -> str:
    """Every word of ``text`` AND-ed; ``ALL_RECORDS`` for none. With ``prefix``
    each word also matches longer words (right truncation, ``word*``), which
    not every server supports."""
    found = words(text)
    if not found:
        return ALL_RECORDS
    terms = [term(word) for word in found]
    if prefix:
        terms = [_truncated(t) for t in terms]
    return " and ".join(terms)


def _truncated(cql_term: str) -> str:
    if cql_term.endswith('"'):
        return cql_term[:-1] + '*"'
    return cql_term + "*"
