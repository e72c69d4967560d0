"""MARC language codes (ISO 639-2/B, as 008/35-37 and 041 carry them) and
Mana's (ISO 639-1, as ``Record.language`` and the UI's language names use
them). A MARC code without a two-letter one stays as it is."""

from __future__ import annotations

TO_MANA = {
    "lav": "lv", "eng": "en", "rus": "ru", "ger": "de", "lit": "lt", "est": "et",
    "fre": "fr", "pol": "pl", "fin": "fi", "swe": "sv", "nor": "no", "dan": "da",
    "ita": "it", "spa": "es", "por": "pt", "dut": "nl", "cze": "cs", "slo": "sk",
    "hun": "hu", "ukr": "uk", "bel": "be", "lat": "la", "gre": "el", "heb": "he",
    "ara": "ar", "chi": "zh", "jpn": "ja", "kor": "ko", "tur": "tr", "ice": "is",
}
TO_MARC = {mana: marc for marc, mana in TO_MANA.items()}


def mana_language(code: str) -> str:
    """``lav`` → ``lv``; an empty, blank or "und" code → ""."""
    code = code.strip().lower()
    if not code or code in ("und", "zxx", "mul", "|||"):
        return ""
    return TO_MANA.get(code, code)


def marc_language(code: str) -> str:
    """``lv`` → ``lav``; "" → ``und``."""
    return TO_MARC.get(code, code[:3] if len(code) == 3 else "und")
