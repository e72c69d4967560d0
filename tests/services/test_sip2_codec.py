"""The SIP2 codec against an independent implementation: pysip2 0.1.0 (PyPI,
typed msgspec models of every SIP2 2.00 message, its own codec). It is a dev
dependency for these tests only. Both ways, for every message type Mana
speaks: what Mana writes parses in pysip2 with the same values, and what
pysip2 writes parses in Mana."""

from __future__ import annotations

import asyncio
from typing import Any

import pysip2
import pytest

from services.sip2.codec import Codec, FrameTooLong, Message, ParseError, message, read_frame
from services.sip2.messages import (
    PatronFlag,
    Summary,
    parse_date,
    patron_flags,
    patron_status,
    sip_date,
    summary,
    summary_of,
)

DATE = "20261116    100000"
BLANK = " " * 18

# (Mana's command, fixed fields, variable fields, pysip2's model, its field values)
CASES: list[tuple[str, dict[str, str], list[tuple[str, str]], type, dict[str, Any]]] = [
    ("93", {"uid_algorithm": "0", "pwd_algorithm": "0"},
     [("CN", "kiosk-1"), ("CO", "slepens"), ("CP", "aiz")],
     pysip2.LoginRequest, {"uid_algorithm": "0", "pwd_algorithm": "0",
                           "login_user_id": "kiosk-1", "login_password": "slepens",
                           "location_code": "aiz"}),
    ("94", {"ok": "1"}, [], pysip2.LoginResponse, {"ok": "1"}),
    ("99", {"status_code": "0", "max_print_width": "040", "protocol_version": "2.00"}, [],
     pysip2.SCStatusRequest, {"status_code": "0", "max_print_width": "040",
                              "protocol_version": "2.00"}),
    ("98", {"online_status": "Y", "checkin_ok": "Y", "checkout_ok": "Y",
            "acs_renewal_policy": "Y", "status_update_ok": "N", "offline_ok": "N",
            "timeout_period": "300", "retries_allowed": "003", "date_time_sync": DATE,
            "protocol_version": "2.00"},
     [("AO", "aiz"), ("AM", "Aizkraukles centrālā bibliotēka"), ("BX", "NYYNYYYYYYNNNYYY")],
     pysip2.ACSStatusResponse, {"online_status": "Y", "timeout_period": "300",
                                "institution_id": "aiz",
                                "library_name": "Aizkraukles centrālā bibliotēka",
                                "supported_messages": "NYYNYYYYYYNNNYYY"}),
    ("63", {"language": "000", "transaction_date": DATE, "summary": summary(Summary.CHARGED)},
     [("AO", "aiz"), ("AA", "1000000003"), ("AD", "cilda-Parole1"), ("BP", "1"), ("BQ", "5")],
     pysip2.PatronInformationRequest, {"summary": "  Y       ", "patron_identifier": "1000000003",
                                       "patron_password": "cilda-Parole1", "start_item": "1",
                                       "end_item": "5"}),
    ("64", {"patron_status": patron_status({PatronFlag.CHARGE_DENIED,
                                            PatronFlag.TOO_MANY_OVERDUE}),
            "language": "000", "transaction_date": DATE, "hold_items_count": "0001",
            "overdue_items_count": "0001", "charged_items_count": "0002",
            "fine_items_count": "0001", "recall_items_count": "0000",
            "unavailable_holds_count": "0002"},
     [("AO", "aiz"), ("AA", "1000000002"), ("AE", "Boriss Bērziņš"), ("BL", "Y"),
      ("CQ", "Y"), ("BH", "EUR"), ("BV", "1.00"), ("AU", "A-0010"), ("AU", "A-0001"),
      ("AF", "Nevar izsniegt: lasītājam ir nokavēts izsniegums.")],
     pysip2.PatronInformationResponse, {
         "patron_status": "Y     Y       ", "charged_items_count": "0002",
         "personal_name": "Boriss Bērziņš", "fee_amount": "1.00",
         "charged_items": ("A-0010", "A-0001"),
         "screen_message": ("Nevar izsniegt: lasītājam ir nokavēts izsniegums.",)}),
    ("17", {"transaction_date": DATE}, [("AO", "aiz"), ("AB", "A-0009")],
     pysip2.ItemInformationRequest, {"item_identifier": "A-0009"}),
    ("18", {"circulation_status": "04", "security_marker": "00", "fee_type": "01",
            "transaction_date": DATE},
     [("CF", "1"), ("AH", "20261201    000000"), ("AB", "A-0009"), ("AJ", "Jūras stāsti")],
     pysip2.ItemInformationResponse, {"circulation_status": "04", "hold_queue_length": "1",
                                      "due_date": "20261201    000000",
                                      "title_identifier": "Jūras stāsti"}),
    ("29", {"third_party_allowed": "N", "no_block": "N", "transaction_date": DATE,
            "nb_due_date": DATE},
     [("AO", "aiz"), ("AA", "1000000003"), ("AD", "pin"), ("AB", "A-0009")],
     pysip2.RenewRequest, {"nb_due_date": DATE, "item_identifier": "A-0009"}),
    ("30", {"ok": "0", "renewal_ok": "N", "magnetic_media": "U", "desensitize": "U",
            "transaction_date": DATE},
     [("AO", "aiz"), ("AA", "1000000003"), ("AB", "A-0009"), ("AJ", "Jūras stāsti"),
      ("AH", "20261201    000000"), ("AF", "Pagarinājuma pieprasījums nosūtīts"),
      ("ZR", "pending")],
     pysip2.RenewResponse, {"ok": "0", "due_date": "20261201    000000",
                            "screen_message": ("Pagarinājuma pieprasījums nosūtīts",)}),
    ("65", {"transaction_date": DATE}, [("AO", "aiz"), ("AA", "1000000003"), ("AD", "pin")],
     pysip2.RenewAllRequest, {"patron_identifier": "1000000003", "patron_password": "pin"}),
    ("66", {"ok": "1", "renewed_count": "0001", "unrenewed_count": "0001",
            "transaction_date": DATE},
     [("AO", "aiz"), ("BM", "A-0009"), ("BN", "K-0004")],
     pysip2.RenewAllResponse, {"renewed_items": ("A-0009",), "unrenewed_items": ("K-0004",)}),
    ("15", {"hold_mode": "+", "transaction_date": DATE},
     [("AO", "aiz"), ("AA", "1000000001"), ("AD", "pin"), ("AB", "A-0003")],
     pysip2.HoldRequest, {"hold_mode": "+", "item_identifier": "A-0003"}),
    ("15", {"hold_mode": "-", "transaction_date": DATE},
     [("AO", "aiz"), ("AA", "1000000001"), ("AB", "A-0003")],
     pysip2.HoldRequest, {"hold_mode": "-"}),
    ("16", {"ok": "1", "available": "N", "transaction_date": DATE},
     [("BR", "1"), ("BS", "aiz"), ("AO", "aiz"), ("AA", "1000000001"), ("AB", "A-0010")],
     pysip2.HoldResponse, {"ok": "1", "queue_position": "1", "pickup_location": "aiz"}),
    ("11", {"sc_renewal_policy": "N", "no_block": "N", "transaction_date": DATE,
            "nb_due_date": DATE},
     [("AO", "aiz"), ("AA", "1000000001"), ("AB", "A-0001"), ("AC", ""), ("AD", "pin")],
     pysip2.CheckoutRequest, {"item_identifier": "A-0001", "terminal_password": "",
                              "patron_password": "pin"}),
    ("12", {"ok": "1", "renewal_ok": "N", "magnetic_media": "U", "desensitize": "Y",
            "transaction_date": DATE},
     [("AO", "aiz"), ("AA", "1000000001"), ("AB", "A-0001"), ("AJ", "Grāmata par Ķēniņu"),
      ("AH", "20261216    000000")],
     pysip2.CheckoutResponse, {"ok": "1", "desensitize": "Y",
                               "title_identifier": "Grāmata par Ķēniņu"}),
    ("09", {"no_block": "N", "transaction_date": DATE, "return_date": DATE},
     [("AP", "aiz"), ("AO", "aiz"), ("AB", "A-0009"), ("AC", "")],
     pysip2.CheckinRequest, {"current_location": "aiz", "return_date": DATE}),
    ("10", {"ok": "1", "resensitize": "N", "magnetic_media": "U", "alert": "Y",
            "transaction_date": DATE},
     [("AO", "aiz"), ("AB", "A-0010"), ("AQ", "aiz"), ("AJ", "Meža stāsti")],
     pysip2.CheckinResponse, {"alert": "Y", "permanent_location": "aiz"}),
    ("35", {"transaction_date": DATE}, [("AO", "aiz"), ("AA", "1000000001")],
     pysip2.EndPatronSessionRequest, {"patron_identifier": "1000000001"}),
    ("36", {"end_session": "Y", "transaction_date": DATE},
     [("AO", "aiz"), ("AA", "1000000001")],
     pysip2.EndSessionResponse, {"end_session": "Y"}),
    ("97", {}, [], pysip2.RequestACSResend, {}),
    ("96", {}, [], pysip2.RequestSCResend, {}),
]
IDS = [f"{c[0]}-{i}" for i, c in enumerate(CASES)]


@pytest.mark.parametrize(("command", "fixed", "fields", "model", "expected"), CASES, ids=IDS)
def test_what_mana_writes_parses_in_pysip2(
    command: str, fixed: dict[str, str], fields: list[tuple[str, str]], model: type,
    expected: dict[str, Any],
) -> None:
    frame = Codec().encode(message(command, fixed, fields), sequence=7)
    decoded = pysip2.decode_message(frame, encoding="utf-8")
    assert type(decoded.message) is model
    assert decoded.checksum is not None  # pysip2 verified it
    if command not in ("96", "97"):
        assert decoded.sequence_number == 7
    for name, value in expected.items():
        assert getattr(decoded.message, name) == value, name


@pytest.mark.parametrize(("command", "fixed", "fields", "model", "expected"), CASES, ids=IDS)
def test_what_pysip2_writes_parses_in_mana(
    command: str, fixed: dict[str, str], fields: list[tuple[str, str]], model: type,
    expected: dict[str, Any],
) -> None:
    built = pysip2.decode_message(Codec().encode(message(command, fixed, fields), 3),
                                  encoding="utf-8").message
    frame = pysip2.encode_message(built, sequence_number=4, checksum=True, encoding="utf-8")
    decoded = Codec().decode(frame)
    assert decoded.message.command == command
    assert decoded.sequence == (None if command in ("96", "97") else 4)
    assert decoded.checked
    assert dict(decoded.message.fixed) == fixed
    known = [(k, v) for k, v in fields if not k.startswith("Z")]  # pysip2 drops Mana's own
    assert sorted(decoded.message.fields) == sorted(known)


def test_the_checksum_is_the_twos_complement_of_the_byte_sum() -> None:
    frame = Codec().encode(message("94", {"ok": "1"}), sequence=0)
    body = frame[:-1]
    assert body[-6:-4] == b"AZ"
    assert (sum(body[:-4]) + int(body[-4:], 16)) & 0xFFFF == 0
    assert pysip2.verify_checksum(body)


def test_a_wrong_checksum_is_a_parse_error_with_its_reason() -> None:
    frame = bytearray(Codec().encode(message("94", {"ok": "1"}), sequence=1))
    frame[2] = ord("0")
    with pytest.raises(ParseError) as caught:
        Codec().decode(bytes(frame))
    assert caught.value.reason == "checksum"


@pytest.mark.parametrize(("frame", "reason"), [
    (b"\r", "empty"),
    (b"XX garbage\r", "unknown_command"),
    (b"6300020261116\r", "truncated"),
    (b"94X\r", "fixed_field"),
    (b"6300020261116    100000  Y       AOaiz|A|\r", "malformed"),
])
def test_unreadable_frames_say_why(frame: bytes, reason: str) -> None:
    with pytest.raises(ParseError) as caught:
        Codec().decode(frame)
    assert caught.value.reason == reason


def test_a_frame_over_the_limit_is_refused() -> None:
    with pytest.raises(ParseError) as caught:
        Codec(max_bytes=300).decode(b"17" + DATE.encode() + b"AB" + b"x" * 400 + b"|\r")
    assert caught.value.reason == "too_long"


def test_values_cannot_break_the_frame() -> None:
    codec = Codec()
    frame = codec.encode(message("94", {"ok": "1"}, [("AF", "a|b\rc\nd")]), sequence=2)
    assert frame.count(b"\r") == 1
    assert codec.decode(frame).message.get("AF") == "a b c d"
    long = codec.encode(message("94", {"ok": "1"}, [("AF", "ā" * 300)]))
    assert len(codec.decode(long).message.get("AF").encode()) <= 255


def test_a_configured_delimiter_and_charset() -> None:
    codec = Codec(delimiter="^", charset="cp850")
    frame = codec.encode(message("18", {"circulation_status": "03", "security_marker": "00",
                                        "fee_type": "01", "transaction_date": DATE},
                                 [("AB", "A-0001"), ("AJ", "Ärger über Öl")]), sequence=5)
    assert b"^" in frame and "Ärger".encode("cp850") in frame
    parsed = pysip2.decode_message(frame, encoding="cp850", field_delimiter="^")
    assert parsed.message.title_identifier == "Ärger über Öl"
    assert codec.decode(frame).message.get("AJ") == "Ärger über Öl"


def test_undecodable_bytes_never_crash() -> None:
    frame = Codec().encode(message("94", {"ok": "1"}, [("AF", "x")]), checked=False)
    broken = frame.replace(b"AFx", b"AF\xff\xfe")
    assert Codec().decode(broken).message.get("AF") == "\ufffd\ufffd"


def test_dates_flags_and_summaries() -> None:
    from datetime import date, datetime

    assert sip_date(date(2026, 12, 1)) == "20261201    000000"
    assert sip_date(None) == BLANK
    assert parse_date("20261116    101530") == datetime(2026, 11, 16, 10, 15, 30)
    assert parse_date("20261116   Z101530").tzinfo is not None  # type: ignore[union-attr]
    assert parse_date("not a date at all!") is None
    assert patron_flags("Y  Y          ") == {PatronFlag.CHARGE_DENIED, PatronFlag.HOLD_DENIED}
    assert summary_of(summary(Summary.UNAVAILABLE_HOLD)) == Summary.UNAVAILABLE_HOLD
    assert summary_of(" " * 10) is None


async def test_frames_are_read_up_to_cr_with_an_optional_lf() -> None:
    reader = asyncio.StreamReader(limit=600)
    reader.feed_data(b"9300CNa|COb|\r\n9300CNc|COd|\r")
    reader.feed_eof()
    first, second = await read_frame(reader), await read_frame(reader)
    assert Codec().decode(first).message.get("CN") == "a"
    assert Codec().decode(second).message.get("CN") == "c"
    with pytest.raises(asyncio.IncompleteReadError):
        await read_frame(reader)
    long = asyncio.StreamReader(limit=600)
    long.feed_data(b"9" * 2000 + b"\r")
    with pytest.raises(FrameTooLong):
        await read_frame(long, max_bytes=500)


def test_a_message_has_its_fields_in_order() -> None:
    parsed = Codec().decode(b"64              00020261116    100000000100000002000000000000"
                            b"AOaiz|AA1|AEx|AUA-1|AUA-2|\r").message
    assert isinstance(parsed, Message)
    assert parsed.all("AU") == ["A-1", "A-2"]
    assert parsed.get("AE") == "x" and not parsed.has("AS")
