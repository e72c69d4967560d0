"""The SIP2 wire format: framing, checksums, sequence numbers, fields.

A frame ends with a carriage return (an LF after it is allowed and dropped).
With error detection, a message ends ``AY<digit>AZ<4 hex>``: the checksum is
the two's complement of the sum of every byte up to and including ``AZ``;
the resend requests (96, 97) carry ``AZ`` alone. Nothing a peer sends makes
the codec crash: a frame it cannot read raises ``ParseError`` with a reason,
and bytes the character set cannot decode become U+FFFD.
"""

from __future__ import annotations

import asyncio
import codecs
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from services.sip2.messages import CONTROL, PATTERNS

MAX_MESSAGE_BYTES = 4096
"""The longest frame read by default (SIP2 sets no limit; real ones stay
well under 2 KB)."""

MAX_VALUE_BYTES = 255
"""A variable field's value is cut to this many bytes when written."""

_TRAILER = re.compile(rb"(?:AY([0-9]))?AZ([0-9A-Fa-f]{4})$")


class ParseError(Exception):
    """A frame that cannot be read. ``reason`` is one of: ``checksum``,
    ``too_long``, ``empty``, ``unknown_command``, ``truncated``, ``fixed_field``
    (a fixed field whose value is not allowed there), ``malformed``."""

    def __init__(self, reason: str, detail: str = "", command: str = "") -> None:
        self.reason = reason
        self.command = command
        super().__init__(f"{reason}: {detail}" if detail else reason)


@dataclass(frozen=True)
class Message:
    """One SIP2 message: its command, fixed fields by name, and variable
    fields as (id, value) pairs in order (an id may repeat: AF, AU …)."""

    command: str
    fixed: Mapping[str, str] = field(default_factory=dict)
    fields: tuple[tuple[str, str], ...] = ()

    def get(self, field_id: str, default: str = "") -> str:
        """The first value of ``field_id``, or ``default``."""
        return next((v for k, v in self.fields if k == field_id), default)

    def all(self, field_id: str) -> list[str]:
        return [v for k, v in self.fields if k == field_id]

    def has(self, field_id: str) -> bool:
        return any(k == field_id for k, _ in self.fields)

    def flag(self, name: str) -> bool:
        """Whether the fixed field ``name`` says Y (or 1)."""
        return self.fixed.get(name, "") in ("Y", "1")


def message(command: str, fixed: Mapping[str, str] | None = None,
            fields: Iterable[tuple[str, str | None]] = ()) -> Message:
    """A message to send; variable fields whose value is None are left out."""
    return Message(command, dict(fixed or {}),
                   tuple((k, v) for k, v in fields if v is not None))


def checksum(data: bytes) -> str:
    """The four hex digits for ``data`` (everything up to and including AZ)."""
    return f"{(-sum(data)) & 0xFFFF:04X}"


@dataclass(frozen=True)
class Decoded:
    message: Message
    sequence: int | None
    """The AY digit, when the frame had one."""
    checked: bool
    """Whether the frame carried a checksum (which matched)."""


@dataclass(frozen=True)
class Codec:
    """How one connection writes and reads messages: its field delimiter,
    character set and the longest frame it reads."""

    delimiter: str = "|"
    charset: str = "utf-8"
    max_bytes: int = MAX_MESSAGE_BYTES

    def __post_init__(self) -> None:
        if len(self.delimiter) != 1 or not self.delimiter.isascii() or self.delimiter in "\r\n":
            raise ValueError(f"the field delimiter must be one ASCII character: "
                             f"{self.delimiter!r}")
        codecs.lookup(self.charset)  # LookupError for an unknown character set

    # ------------------------------------------------------------------ writing

    def encode(self, msg: Message, sequence: int | None = None, checked: bool = True) -> bytes:
        """The frame of ``msg`` with its CR. With ``checked``, the checksum
        (and ``AY<sequence>`` when given, for a message other than 96/97).
        A value is stripped of the delimiter and control characters and cut
        to ``MAX_VALUE_BYTES``; a wrong fixed field is a ``ValueError`` (a
        mistake of the caller, never of the peer)."""
        layout = PATTERNS.get(msg.command)
        if layout is None:
            raise ValueError(f"unknown SIP2 command {msg.command!r}")
        out = bytearray(msg.command.encode("ascii"))
        for name, width, pattern in layout:
            value = msg.fixed.get(name, "")
            if len(value) != width or not pattern.fullmatch(value):
                raise ValueError(f"{msg.command} {name}: {value!r} is not allowed")
            out += value.encode("ascii")
        delimiter = self.delimiter.encode("ascii")
        for field_id, value in msg.fields:
            if len(field_id) != 2 or not field_id.isascii():
                raise ValueError(f"bad field id {field_id!r}")
            out += field_id.encode("ascii") + self._value(value) + delimiter
        if checked:
            if sequence is not None and msg.command not in CONTROL:
                out += b"AY" + str(sequence % 10).encode("ascii")
            out += b"AZ"
            out += checksum(bytes(out)).encode("ascii")
        return bytes(out) + b"\r"

    def _value(self, value: str) -> bytes:
        text = "".join(" " if c == self.delimiter or ord(c) < 32 or ord(c) == 127 else c
                       for c in value)
        data = text.encode(self.charset, errors="replace")
        if len(data) > MAX_VALUE_BYTES:
            data = data[:MAX_VALUE_BYTES].decode(self.charset, errors="ignore").encode(
                self.charset, errors="replace")
        return data

    # ------------------------------------------------------------------ reading

    def decode(self, frame: bytes) -> Decoded:
        """The message of one frame (with or without its CR and a stray LF).
        Raises ``ParseError``."""
        data = frame.strip(b"\r\n")
        if len(data) > self.max_bytes:
            raise ParseError("too_long", f"{len(data)} bytes")
        if not data:
            raise ParseError("empty")
        sequence = None
        checked = False
        trailer = _TRAILER.search(data)
        if trailer is not None:
            end = trailer.start(2)
            if checksum(data[:end]) != trailer.group(2).upper().decode("ascii"):
                raise ParseError("checksum", command=_command(data))
            checked = True
            if trailer.group(1) is not None:
                sequence = int(trailer.group(1))
            data = data[:trailer.start()]
        command = _command(data)
        layout = PATTERNS.get(command)
        if layout is None:
            raise ParseError("unknown_command", repr(data[:2]), command)
        fixed: dict[str, str] = {}
        cursor = 2
        for name, width, pattern in layout:
            piece = data[cursor:cursor + width]
            if len(piece) < width:
                raise ParseError("truncated", name, command)
            text = piece.decode("ascii", errors="replace")
            if not pattern.fullmatch(text):
                raise ParseError("fixed_field", f"{name}={text!r}", command)
            fixed[name] = text
            cursor += width
        return Decoded(Message(command, fixed, self._fields(data[cursor:], command)),
                       sequence, checked)

    def _fields(self, data: bytes, command: str) -> tuple[tuple[str, str], ...]:
        """Variable fields; the last may lack its delimiter (many SCs leave it
        off before AY)."""
        fields = []
        for piece in data.split(self.delimiter.encode("ascii")):
            if not piece:
                continue
            if len(piece) < 2:
                raise ParseError("malformed", f"field {piece!r}", command)
            field_id = piece[:2].decode("ascii", errors="replace")
            if not field_id.isalnum():
                raise ParseError("malformed", f"field id {field_id!r}", command)
            fields.append((field_id, piece[2:].decode(self.charset, errors="replace")))
        return tuple(fields)


def _command(data: bytes) -> str:
    command = data[:2].decode("ascii", errors="replace")
    return command if command.isdigit() and len(command) == 2 else ""


class FrameTooLong(Exception):
    """More bytes came without a CR than a frame may hold."""


async def read_frame(reader: asyncio.StreamReader, max_bytes: int = MAX_MESSAGE_BYTES) -> bytes:
    """The next frame up to its CR (a leading LF, the rest of a CR LF, is
    dropped). Raises ``asyncio.IncompleteReadError`` when the peer closed
    (mid-frame or not) and ``FrameTooLong``. The reader's own limit must be
    above ``max_bytes``."""
    while True:
        try:
            frame = await reader.readuntil(b"\r")
        except asyncio.LimitOverrunError:
            raise FrameTooLong() from None
        frame = frame.lstrip(b"\n")
        if len(frame) > max_bytes + 1:
            raise FrameTooLong()
        if frame.strip(b"\r"):
            return frame
