"""The SIP2 2.00 messages Mana speaks: each command's fixed-length fields, and
the vocabulary of their values (dates, flags, the patron status, the summary,
circulation statuses, languages).

A message is its two-digit command, then its fixed-length fields in the order
``LAYOUTS`` gives, then variable fields (a two-letter id, the value, the
field delimiter). The codec (``services.sip2.codec``) checks and builds them
from this table alone.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timezone
from enum import IntEnum

# --------------------------------------------------------------------------
# Fixed-length field values

YN = r"[YN]"
YNU = r"[YNU]"
OK = r"[01]"
DATE = r"[0-9]{8}[0-9A-Z ]{4}[0-9]{6}"
"""``YYYYMMDDZZZZHHMMSS``; ZZZZ is the time zone: four spaces for local time,
``   Z`` for UTC."""
DATE_OR_BLANK = rf"(?:{DATE}| {{18}})"
"""A date the SC may leave blank (``nb_due_date``, ``return_date``)."""


def digits(width: int) -> str:
    return rf"[0-9]{{{width}}}"


COUNT = r"(?:[0-9]{4}| {4})"
"""A count of four digits, or four spaces when unknown."""

FixedField = tuple[str, int, str]
"""(name, width, the pattern its value matches)."""


def _fixed(*fields: FixedField) -> tuple[FixedField, ...]:
    return fields


LAYOUTS: dict[str, tuple[FixedField, ...]] = {
    "93": _fixed(("uid_algorithm", 1, r"."), ("pwd_algorithm", 1, r".")),
    "94": _fixed(("ok", 1, OK)),
    "99": _fixed(("status_code", 1, r"[012]"), ("max_print_width", 3, digits(3)),
                 ("protocol_version", 4, r"[0-9]\.[0-9]{2}")),
    "98": _fixed(("online_status", 1, YN), ("checkin_ok", 1, YN), ("checkout_ok", 1, YN),
                 ("acs_renewal_policy", 1, YN), ("status_update_ok", 1, YN),
                 ("offline_ok", 1, YN), ("timeout_period", 3, digits(3)),
                 ("retries_allowed", 3, digits(3)), ("date_time_sync", 18, DATE),
                 ("protocol_version", 4, r"[0-9]\.[0-9]{2}")),
    "23": _fixed(("language", 3, digits(3)), ("transaction_date", 18, DATE)),
    "24": _fixed(("patron_status", 14, r"[YN ]{14}"), ("language", 3, digits(3)),
                 ("transaction_date", 18, DATE)),
    "63": _fixed(("language", 3, digits(3)), ("transaction_date", 18, DATE),
                 ("summary", 10, r"[YN ]{10}")),
    "64": _fixed(("patron_status", 14, r"[YN ]{14}"), ("language", 3, digits(3)),
                 ("transaction_date", 18, DATE), ("hold_items_count", 4, COUNT),
                 ("overdue_items_count", 4, COUNT), ("charged_items_count", 4, COUNT),
                 ("fine_items_count", 4, COUNT), ("recall_items_count", 4, COUNT),
                 ("unavailable_holds_count", 4, COUNT)),
    "17": _fixed(("transaction_date", 18, DATE)),
    "18": _fixed(("circulation_status", 2, digits(2)), ("security_marker", 2, digits(2)),
                 ("fee_type", 2, digits(2)), ("transaction_date", 18, DATE)),
    "29": _fixed(("third_party_allowed", 1, YN), ("no_block", 1, YN),
                 ("transaction_date", 18, DATE), ("nb_due_date", 18, DATE_OR_BLANK)),
    "30": _fixed(("ok", 1, OK), ("renewal_ok", 1, YN), ("magnetic_media", 1, YNU),
                 ("desensitize", 1, YNU), ("transaction_date", 18, DATE)),
    "65": _fixed(("transaction_date", 18, DATE)),
    "66": _fixed(("ok", 1, OK), ("renewed_count", 4, digits(4)),
                 ("unrenewed_count", 4, digits(4)), ("transaction_date", 18, DATE)),
    "15": _fixed(("hold_mode", 1, r"[-+*]"), ("transaction_date", 18, DATE)),
    "16": _fixed(("ok", 1, OK), ("available", 1, YN), ("transaction_date", 18, DATE)),
    "11": _fixed(("sc_renewal_policy", 1, YN), ("no_block", 1, YN),
                 ("transaction_date", 18, DATE), ("nb_due_date", 18, DATE_OR_BLANK)),
    "12": _fixed(("ok", 1, OK), ("renewal_ok", 1, YN), ("magnetic_media", 1, YNU),
                 ("desensitize", 1, YNU), ("transaction_date", 18, DATE)),
    "09": _fixed(("no_block", 1, YN), ("transaction_date", 18, DATE),
                 ("return_date", 18, DATE_OR_BLANK)),
    "10": _fixed(("ok", 1, OK), ("resensitize", 1, YN), ("magnetic_media", 1, YNU),
                 ("alert", 1, YN), ("transaction_date", 18, DATE)),
    "35": _fixed(("transaction_date", 18, DATE)),
    "36": _fixed(("end_session", 1, YN), ("transaction_date", 18, DATE)),
    "37": _fixed(("transaction_date", 18, DATE), ("fee_type", 2, digits(2)),
                 ("payment_type", 2, digits(2)), ("currency_type", 3, r"[A-Z ]{3}")),
    "38": _fixed(("payment_accepted", 1, YN), ("transaction_date", 18, DATE)),
    "97": _fixed(),
    "96": _fixed(),
}
"""Every command Mana reads or writes, with its fixed-length fields in order."""

PATTERNS = {command: [(name, width, re.compile(pattern)) for name, width, pattern in fields]
            for command, fields in LAYOUTS.items()}

CONTROL = {"96", "97"}
"""The resend requests: they carry a checksum but no sequence number."""

PROTOCOL_VERSION = "2.00"

# --------------------------------------------------------------------------
# Dates


def sip_date(moment: datetime | date | None) -> str:
    """``YYYYMMDDZZZZHHMMSS`` for ``moment``: local time (four spaces for the
    zone) for a timezone-aware or naive moment, midnight for a date, 18 spaces
    for none."""
    if moment is None:
        return " " * 18
    if not isinstance(moment, datetime):
        moment = datetime(moment.year, moment.month, moment.day)
    return f"{moment:%Y%m%d}    {moment:%H%M%S}"


def parse_date(text: str) -> datetime | None:
    """The moment of a SIP2 date, or None when blank or malformed. A UTC zone
    (``Z``) gives an aware moment; local time a naive one."""
    text = text.strip("\r\n")
    if len(text) != 18 or not text.strip():
        return None
    try:
        moment = datetime.strptime(text[:8] + text[12:], "%Y%m%d%H%M%S")
    except ValueError:
        return None
    return moment.replace(tzinfo=timezone.utc) if text[8:12].strip() == "Z" else moment


def parse_day(text: str) -> date | None:
    """The day of a SIP2 date (``AH`` due dates are often just ``YYYYMMDD``),
    or None."""
    moment = parse_date(text)
    if moment is not None:
        return moment.date()
    try:
        return datetime.strptime(text.strip()[:8], "%Y%m%d").date()
    except ValueError:
        return None


def yes_no(value: bool) -> str:
    return "Y" if value else "N"


# --------------------------------------------------------------------------
# The patron status and the summary


class PatronFlag(IntEnum):
    """The 14 positions of a patron status: Y when the patron is denied or over
    the limit, a space otherwise."""

    CHARGE_DENIED = 0
    RENEWAL_DENIED = 1
    RECALL_DENIED = 2
    HOLD_DENIED = 3
    CARD_LOST = 4
    TOO_MANY_CHARGED = 5
    TOO_MANY_OVERDUE = 6
    TOO_MANY_RENEWALS = 7
    TOO_MANY_CLAIMS = 8
    TOO_MANY_LOST = 9
    EXCESSIVE_FINES = 10
    EXCESSIVE_FEES = 11
    RECALL_OVERDUE = 12
    TOO_MANY_BILLED = 13


def patron_status(flags: set[PatronFlag]) -> str:
    return "".join("Y" if PatronFlag(i) in flags else " " for i in range(14))


def patron_flags(status: str) -> set[PatronFlag]:
    """The flags set in a patron status (Y; a space or N is not set)."""
    return {PatronFlag(i) for i, c in enumerate(status[:14]) if c == "Y"}


class Summary(IntEnum):
    """Which list a patron information request asks for (one Y of ten)."""

    HOLD = 0
    OVERDUE = 1
    CHARGED = 2
    FINE = 3
    RECALL = 4
    UNAVAILABLE_HOLD = 5


def summary(which: Summary | None) -> str:
    return "".join("Y" if which is not None and i == which else " " for i in range(10))


def summary_of(text: str) -> Summary | None:
    """The first list asked for, or None."""
    for i, c in enumerate(text[:6]):
        if c == "Y":
            return Summary(i)
    return None


# --------------------------------------------------------------------------
# Items and languages


class Circulation:
    """Circulation statuses of an item information answer (18)."""

    OTHER = "01"
    ON_ORDER = "02"
    AVAILABLE = "03"
    CHARGED = "04"
    IN_PROCESS = "06"
    RECALLED = "07"
    ON_HOLD_SHELF = "08"
    IN_TRANSIT = "10"
    LOST = "12"
    MISSING = "13"


LANGUAGE_UNKNOWN = "000"
LANGUAGE_ENGLISH = "001"
ENGLISH_CODES = {"001", "024"}
"""SIP2's English and United Kingdom English; SIP2 has no code for Latvian."""


def language_code(language: str) -> str:
    """A Mana language as SIP2 says it: English, or unknown (Latvian)."""
    return LANGUAGE_ENGLISH if language == "en" else LANGUAGE_UNKNOWN


def language_of(code: str, default: str = "lv") -> str:
    """The Mana language a SIP2 language code asks for: English for its two
    English codes, else ``default`` (the patron's own)."""
    return "en" if code in ENGLISH_CODES else default


SUPPORTED = "23", "11", "09", "01", "99", "97", "93", "63", "35", "37", "17", "19", "25", \
    "15", "29", "65"
"""The 16 positions of the ACS status's supported messages (BX), in order."""


def supported_messages(commands: set[str]) -> str:
    return "".join(yes_no(command in commands) for command in SUPPORTED)
