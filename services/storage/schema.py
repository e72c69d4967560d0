"""The region's tables, as an administrator reads them (SQLAlchemy Core).

One table per thing a librarian would ask about, one column per field: no
JSON. The same metadata serves SQLite and PostgreSQL; the migrations
(``services/storage/migrations``) create and change it, never
``metadata.create_all``. Names of states and kinds are the models' enum
values (``available``, ``on_loan``, ``queued`` …), kept as text so that a
query by hand reads like the rules.

Moments are stored in UTC (``Moment``) and read back in the region's time
zone, so a dump and a ``SELECT`` agree whichever server wrote them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    Sequence,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

from services.clock import RIGA

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
"""Constraint names fixed here, so a later migration can name what it alters."""

metadata = MetaData(naming_convention=NAMING)


class Moment(TypeDecorator[datetime]):
    """A timezone-aware moment: ``timestamptz`` on PostgreSQL; on SQLite, which
    has no time type, a fixed-width UTC text (``2026-12-04 16:35:05.082662``)
    that sorts and compares in SQL as the moments do. Read back in Riga
    time, as the engine's clock gives it."""

    impl = DateTime(timezone=True)
    cache_ok = True
    SQLITE_FORMAT = "%Y-%m-%d %H:%M:%S.%f"

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String(26))
        return dialect.type_descriptor(DateTime(timezone=True))

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"a moment without a time zone: {value!r}")
        value = value.astimezone(UTC)
        return value.strftime(self.SQLITE_FORMAT) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.strptime(value, self.SQLITE_FORMAT).replace(tzinfo=UTC)
        return value.astimezone(RIGA)


def _id(name: str = "id") -> Column:  # type: ignore[type-arg]
    return Column(name, Integer, primary_key=True, autoincrement=False)


region_info = Table(
    "region_info", metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)
"""The region's name, where it came from (``source``: demo, import …) and when."""

libraries = Table(
    "libraries", metadata,
    Column("id", String(64), primary_key=True),
    Column("name", Text, nullable=False),
    Column("short_name", Text, nullable=False),
    Column("position", Integer, nullable=False, server_default="0",
           comment="The library's place in the region's lists."),
    Column("address", Text, nullable=False),
    Column("phone", Text, nullable=False),
    Column("email", Text, nullable=False),
    Column("hours", Text, nullable=False, server_default=""),
    Column("website", Text, nullable=False, server_default=""),
    # The library's circulation rules (docs/rules.md), one column each.
    Column("loan_days", Integer, nullable=False),
    Column("renewal_days", Integer, nullable=False),
    Column("renewal_limit", Integer, nullable=False),
    Column("pickup_days", Integer, nullable=False),
    Column("fine_per_day", Numeric(8, 2), nullable=False),
    Column("fine_grace_days", Integer, nullable=False),
    Column("fine_cap", Numeric(8, 2), nullable=False),
    Column("reservation_limit", Integer, nullable=False),
    Column("reminder_days", Integer, nullable=False),
    Column("self_check_in", Boolean, nullable=False, server_default="1"),
)

collections = Table(
    "collections", metadata,
    Column("library_id", String(64), ForeignKey("libraries.id"), primary_key=True),
    Column("code", String(64), primary_key=True),
    Column("position", Integer, nullable=False,
           comment="The order the library lists its collections in."),
    Column("name_lv", Text, nullable=False),
    Column("name_en", Text, nullable=False),
    Column("reading_room", Boolean, nullable=False, server_default="0"),
)

records = Table(
    "records", metadata,
    _id(),
    Column("title", Text, nullable=False),
    Column("year", Integer),
    Column("publisher", Text, nullable=False, server_default=""),
    Column("isbn", Text, nullable=False, server_default=""),
    Column("language", String(16), nullable=False),
    Column("material_type", String(32), nullable=False),
    Column("description", Text, nullable=False, server_default=""),
    Column("source", Text, nullable=False, server_default=""),
    Column("responsibility", Text, nullable=False, server_default=""),
    Column("edition", Text, nullable=False, server_default=""),
    Column("physical", Text, nullable=False, server_default=""),
    Column("contents", Text, nullable=False, server_default=""),
    Column("control_number", String(64),
           comment="An imported record's MARC 001 (with control_source, its 003): "
                   "its identity for a later import. Empty for the region's own."),
    Column("control_source", String(64), nullable=False, server_default=""),
    Index(None, "material_type"),
    Index("records_control", "control_number", "control_source", unique=True),
)

record_authors = Table(
    "record_authors", metadata,
    Column("record_id", Integer, ForeignKey("records.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("name", Text, nullable=False),
)

record_subjects = Table(
    "record_subjects", metadata,
    Column("record_id", Integer, ForeignKey("records.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("subject", Text, nullable=False),
)

record_series = Table(
    "record_series", metadata,
    Column("record_id", Integer, ForeignKey("records.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("series", Text, nullable=False),
)

record_notes = Table(
    "record_notes", metadata,
    Column("record_id", Integer, ForeignKey("records.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("note", Text, nullable=False),
)

record_links = Table(
    "record_links", metadata,
    Column("record_id", Integer, ForeignKey("records.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("url", Text, nullable=False),
    Column("label", Text, nullable=False, server_default=""),
)

record_marc = Table(
    "record_marc", metadata,
    Column("record_id", Integer, ForeignKey("records.id", ondelete="CASCADE"), primary_key=True),
    Column("marcxml", Text, nullable=False,
           comment="The record as it was imported, as MARCXML (the MARC view)."),
)
"""An imported record's MARC, as it came (Koha keeps it so too)."""

records_ids = Sequence("records_id_seq", metadata=metadata)
"""PostgreSQL only (migration 0005): the ids ``mana import`` gives new records."""

copies = Table(
    "copies", metadata,
    Column("barcode", String(64), primary_key=True),
    Column("record_id", Integer, ForeignKey("records.id"), nullable=False),
    Column("library_id", String(64), ForeignKey("libraries.id"), nullable=False),
    Column("collection", String(64), nullable=False),
    Column("shelf_mark", Text, nullable=False),
    Column("status", String(32), nullable=False),
    Index(None, "record_id"),
    Index(None, "library_id", "record_id"),
    # the copies on the shelf, for "available now" without reading a row
    Index("copies_on_shelf", "record_id", "library_id", "barcode", "collection",
          sqlite_where=text("status = 'available'"), postgresql_where=text("status = 'available'")),
)

accounts = Table(
    "accounts", metadata,
    Column("patron_id", Integer, primary_key=True, autoincrement=False),
    Column("username", Text, nullable=False),
    Column("login_name", Text, nullable=False, server_default="",
           comment="The username case-folded, as a login matches it."),
    Column("card_number", String(64), nullable=False),
    Column("name", Text, nullable=False),
    Column("email", Text, nullable=False),
    Column("home_library", String(64), nullable=False),
    Column("language", String(8), nullable=False),
    Column("staff_library", String(64),
           comment="The library a staff member works at; empty for a patron."),
    Column("password_hash", Text, nullable=False,
           comment="argon2id; a clear password is never written."),
    Column("reset_code", Text,
           comment="A pending recovery code's salted SHA-256 (never the code itself)."),
    Column("reset_expires", Moment),
    Column("reset_tries", Integer, nullable=False, server_default="0"),
    UniqueConstraint("card_number"),
    Index(None, "login_name"),
)

WORD = Text().with_variant(Text(collation="C"), "postgresql")
"""A folded word, compared by code point on both dialects (SQLite's default;
PostgreSQL's ``C`` collation), so that a word's beginning is one range of
the index whatever the database's locale."""

patron_words = Table(
    "patron_words", metadata,
    Column("word", WORD, primary_key=True,
           comment="One folded word of the account's name (services.text.words)."),
    Column("patron_id", Integer, ForeignKey("accounts.patron_id", ondelete="CASCADE"),
           primary_key=True),
)
"""The desk's patron search by the beginning of a name's words (R14), from
an index: written with the account (a name is never changed afterwards)."""

loans = Table(
    "loans", metadata,
    _id(),
    Column("patron_id", Integer, ForeignKey("accounts.patron_id"), nullable=False),
    Column("barcode", String(64), ForeignKey("copies.barcode"), nullable=False),
    Column("record_id", Integer, nullable=False),
    Column("library_id", String(64), nullable=False),
    Column("checked_out", Date, nullable=False),
    Column("due", Date, nullable=False),
    Column("renewals", Integer, nullable=False, server_default="0"),
    Column("renewal", String(16), nullable=False, server_default="none",
           comment="A renewal request: none, or pending (waiting for a librarian, R12)."),
    Column("returned", Date),
    Column("last_renewal_note", Text, nullable=False, server_default=""),
    Column("reminded", Date, comment="The due date the patron was last reminded of (R13)."),
    Index(None, "patron_id"),
    Index(None, "barcode"),
    Index("loans_open_due", "due", sqlite_where=text("returned IS NULL"),
          postgresql_where=text("returned IS NULL")),
)

reservations = Table(
    "reservations", metadata,
    _id(),
    Column("patron_id", Integer, ForeignKey("accounts.patron_id"), nullable=False),
    Column("barcode", String(64), ForeignKey("copies.barcode"), nullable=False),
    Column("record_id", Integer, nullable=False),
    Column("library_id", String(64), nullable=False),
    Column("state", String(16), nullable=False),
    Column("created", Moment, nullable=False),
    Column("position", Integer, nullable=False, server_default="0",
           comment="The place in the copy's queue (1…n) while queued, else 0."),
    Column("confirmed", Date),
    Column("held_until", Date),
    Column("note", Text, nullable=False, server_default=""),
    Column("ended", Date,
           comment="The day it stopped being active (R7's recent ones count from it)."),
    Index(None, "patron_id"),
    Index(None, "barcode", "state"),
    Index("reservations_ready_until", "held_until", sqlite_where=text("state = 'ready'"),
          postgresql_where=text("state = 'ready'")),
)

free_requests = Table(
    "free_requests", metadata,
    _id(),
    Column("patron_id", Integer, ForeignKey("accounts.patron_id"), nullable=False),
    Column("author", Text, nullable=False),
    Column("title", Text, nullable=False),
    Column("year", Text, nullable=False),
    Column("info", Text, nullable=False),
    Column("library_id", String(64), nullable=False),
    Column("collection", String(64), nullable=False),
    Column("state", String(16), nullable=False),
    Column("submitted", Moment, nullable=False),
    Column("review_by", Moment, nullable=False),
    Column("note", Text, nullable=False, server_default=""),
    Index(None, "patron_id"),
    Index(None, "library_id", "state"),
)

messages = Table(
    "messages", metadata,
    _id(),
    Column("kind", String(32), nullable=False),
    Column("recipient", Text, nullable=False),
    Column("sender", Text, nullable=False),
    Column("subject", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("language", String(8), nullable=False),
    Column("created", Moment, nullable=False),
    Column("sent", Moment),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt", Moment),
    Column("error", Text, nullable=False, server_default=""),
    Column("given_up", Boolean, nullable=False, server_default="0"),
)
"""The outbox (R13): every e-mail, delivered or waiting."""

sessions = Table(
    "sessions", metadata,
    Column("token_hash", String(64), primary_key=True,
           comment="SHA-256 of the session token (the token itself is never stored)."),
    Column("patron_id", Integer, ForeignKey("accounts.patron_id", ondelete="CASCADE"),
           nullable=False),
    Column("created", Moment, nullable=False),
    Column("issued", Float,
           comment="When a server gave the token out, in seconds of the servers' clock."),
    Column("used", Float,
           comment="When a request last came with it (idle expiry), same clock."),
    Index(None, "patron_id"),
)
"""The engine's logins: a token from one server works on every other."""

server_meta = Table(
    "server_meta", metadata,
    Column("name", String(64), primary_key=True),
    Column("value", LargeBinary, nullable=False),
)
"""The servers' own secrets (the key of the idempotency fingerprints)."""

idempotency = Table(
    "idempotency", metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True,
           comment="The order of writing: a caller's oldest records go first."),
    Column("principal", String(128), nullable=False),
    Column("key", String(255), nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("status", Integer, nullable=False),
    Column("content_type", Text, nullable=False),
    Column("body", LargeBinary, nullable=False),
    Column("created", Float, nullable=False,
           comment="Seconds since the epoch, as the server's clock counts them."),
    UniqueConstraint("principal", "key"),
    Index("idempotency_created", "created"),
)
"""The first answers of writes sent with an ``Idempotency-Key``, for a repeat."""
