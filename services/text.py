"""Text helpers shared by the rules, the search index and the messages.

``fold`` makes text comparable regardless of case and diacritics
(``grāmata`` → ``gramata``), ``words`` splits folded text into the tokens the
catalog index stores, ``clean`` strips the control characters that must never
reach a terminal, ``storable`` and ``has_controls`` tell whether a text that
came from outside can be kept at all (the server's boundary checks them), and
``format_date``/``format_money`` write values the way a Latvian patron reads them.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from decimal import Decimal
from functools import lru_cache

_WORD = re.compile(r"\w+")
_ISBN = re.compile(r"\d[\d-]{8,}[\dx]")
# C0 controls, DEL, C1 controls, and the invisible format characters that can
# reorder or hide text (bidi marks and isolates, line/paragraph separators …).
_FORMAT = "\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb"
_CONTROLS = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_FORMAT}]")
_CONTROLS_AND_NEWLINES = re.compile(f"[\x00-\x1f\x7f-\x9f{_FORMAT}]")
# Half of a UTF-16 pair without its other half: Python holds it, UTF-8 cannot.
_SURROGATES = re.compile("[\ud800-\udfff]")
_LINE_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f]")
_TEXT_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


@lru_cache(maxsize=1)
def _combining() -> dict[int, None]:
    """Every combining mark of the BMP (accents, cedillas …), for ``str.translate``."""
    return {code: None for code in range(0x10000) if unicodedata.combining(chr(code))}


def fold(text: str) -> str:
    """Casefold and drop diacritics: ``Ķēniņš`` → ``kenins``."""
    folded = text.casefold()
    if folded.isascii():
        return folded
    return unicodedata.normalize("NFKD", folded).translate(_combining())


def words(text: str) -> list[str]:
    """The folded word tokens of ``text``.

    An ISBN-like run of digits and hyphens (``978-9934-0-1234-5``) also gives
    one token with the hyphens removed (``9789934012345``), so an ISBN can be
    found as typed with or without hyphens.
    """
    folded = fold(text)
    tokens = _WORD.findall(folded)
    if "-" in folded:
        for match in _ISBN.findall(folded):
            if "-" in match:
                tokens.append(match.replace("-", ""))
    return tokens


def clean(text: str, *, keep_newlines: bool = False) -> str:
    """``text`` without C0/C1 control characters, DEL and bidi controls.

    Tabs and newlines are kept only with ``keep_newlines`` (multi-line fields).
    """
    pattern = _CONTROLS if keep_newlines else _CONTROLS_AND_NEWLINES
    return pattern.sub("", text)


def storable(text: str) -> bool:
    """Whether ``text`` can be written as UTF-8 (the database, JSON, e-mail):
    false for an unpaired surrogate such as the JSON string ``"a\\ud800"``."""
    return text.isascii() or _SURROGATES.search(text) is None


def has_controls(text: str, *, multiline: bool = False) -> bool:
    """Whether ``text`` holds a C0/C1 control character or DEL (NUL, ESC …);
    tab, newline and carriage return count as text with ``multiline``."""
    pattern = _TEXT_CONTROLS if multiline else _LINE_CONTROLS
    return pattern.search(text) is not None


def format_date(d: date) -> str:
    """``DD.MM.GGGG``, the way dates are shown to a patron (R15)."""
    return f"{d.day:02d}.{d.month:02d}.{d.year:04d}"


def format_money(amount: Decimal, language: str = "lv") -> str:
    """``0,30 €`` in Latvian, ``€0.30`` in English."""
    text = f"{amount:.2f}"
    if language == "en":
        return f"€{text}"
    return f"{text.replace('.', ',')} €"
