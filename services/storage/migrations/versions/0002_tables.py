"""The region in tables an administrator can read: one column per field.

Version 0001 kept each entity as the model's JSON in a ``data`` column. This
step renames those tables (``json_<name>``), creates the new ones, copies
every row across (a recovery code still in clear is hashed on the way) and
drops the old tables, in one transaction: a file of Mana 0.1 comes out with
nothing lost, or is left as it was. ``server_meta`` and ``idempotency``
(which Mana 0.1 created by themselves) are created when missing; the
idempotency records gain ``seq``, the order they were written in. The
failed-login list and lock of 0.1 go: no rule reads them any more
(docs/rules.md, Accounts).

Revision ID: 0002
Revises: 0001
"""

# ruff: noqa: E501 (the table definitions as Alembic writes them)

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"

MOMENT = sa.DateTime(timezone=True).with_variant(sa.String(26), "sqlite")
"""``schema.Moment`` as stored: ``timestamptz``, or a fixed-width UTC text."""

OLD = ("region_info", "libraries", "records", "copies", "accounts", "loans", "reservations",
       "free_requests", "messages")

RULES = {"loan_days": 30, "renewal_days": 14, "renewal_limit": 2, "pickup_days": 10,
         "fine_per_day": "0.10", "fine_grace_days": 0, "fine_cap": "5.00",
         "reservation_limit": 5, "reminder_days": 3}
"""The rules of a library whose JSON left them out (0.1's defaults)."""

BATCH = 5000


def upgrade() -> None:
    bind = op.get_bind()
    for name in OLD:
        op.rename_table(name, f"json_{name}")
    new = _create_tables()
    inspector = sa.inspect(bind)
    if not inspector.has_table("server_meta"):
        op.create_table(
            'server_meta',
            sa.Column('name', sa.String(length=64), nullable=False),
            sa.Column('value', sa.LargeBinary(), nullable=False),
            sa.PrimaryKeyConstraint('name', name=op.f('pk_server_meta'))
        )
    old_records = inspector.has_table("idempotency")
    if old_records:
        op.rename_table("idempotency", "json_idempotency")
        op.drop_index("idempotency_created", table_name="json_idempotency")
    op.create_table(
        'idempotency',
        sa.Column('seq', sa.Integer(), autoincrement=True, nullable=False, comment='The order of writing: a caller\'s oldest records go first.'),
        sa.Column('principal', sa.String(length=128), nullable=False),
        sa.Column('key', sa.String(length=255), nullable=False),
        sa.Column('fingerprint', sa.String(length=64), nullable=False),
        sa.Column('status', sa.Integer(), nullable=False),
        sa.Column('content_type', sa.Text(), nullable=False),
        sa.Column('body', sa.LargeBinary(), nullable=False),
        sa.Column('created', sa.Float(), nullable=False, comment="Seconds since the epoch, as the server's clock counts them."),
        sa.PrimaryKeyConstraint('seq', name=op.f('pk_idempotency')),
        sa.UniqueConstraint('principal', 'key', name=op.f('uq_idempotency_principal_key'))
    )
    op.create_index('idempotency_created', 'idempotency', ['created'], unique=False)
    if old_records:  # 0.1's records, in the order they were written
        op.execute("INSERT INTO idempotency (principal, key, fingerprint, status, content_type,"
                   " body, created) SELECT principal, key, fingerprint, status, content_type,"
                   " body, created FROM json_idempotency ORDER BY rowid")
        op.drop_table("json_idempotency")

    for name, convert in CONVERT.items():
        rows = bind.execute(sa.text(f"SELECT * FROM json_{name}")).mappings()
        for batch in _batches(rows):
            children: dict[str, list[dict[str, Any]]] = {}
            values = [convert(dict(row), children, bind.dialect.name) for row in batch]
            if values:
                bind.execute(new[name].insert(), values)
            for child, child_rows in children.items():
                if child_rows:
                    bind.execute(new[child].insert(), child_rows)
    for name in OLD:
        op.drop_table(f"json_{name}")


def _batches(rows: Any) -> Iterator[list[Any]]:
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH:
            yield batch
            batch = []
    yield batch


def _moment(text: str | None, dialect: str) -> Any:
    if not text:
        return None
    moment = datetime.fromisoformat(text).astimezone(UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f") if dialect == "sqlite" else moment


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _hashed(code: str | None) -> str | None:
    """A recovery code as 0.2 keeps it (salted SHA-256); one in clear is hashed."""
    if code is None or code.startswith("sha256$"):
        return code
    salt = secrets.token_bytes(16)
    return f"sha256${salt.hex()}${hashlib.sha256(salt + code.encode()).hexdigest()}"


def _region_info(row: dict[str, Any], children: dict, dialect: str) -> dict[str, Any]:
    return row


def _library(row: dict[str, Any], children: dict, dialect: str) -> dict[str, Any]:
    data = json.loads(row["data"])
    contacts = data.get("contacts", {})
    rules = {**RULES, **data.get("rules", {})}
    children.setdefault("collections", []).extend(
        {"library_id": data["id"], "code": c["code"], "position": i, "name_lv": c["name_lv"],
         "name_en": c["name_en"], "reading_room": bool(c.get("reading_room", False))}
        for i, c in enumerate(data.get("collections", []))
    )
    return {
        "id": data["id"], "name": data["name"], "short_name": data["short_name"],
        "address": contacts.get("address", ""), "phone": contacts.get("phone", ""),
        "email": contacts.get("email", ""), "hours": contacts.get("hours", ""),
        "website": contacts.get("website", ""),
        **{key: rules[key] for key in RULES},
    }


def _record(row: dict[str, Any], children: dict, dialect: str) -> dict[str, Any]:
    data = json.loads(row["data"])
    children.setdefault("record_authors", []).extend(
        {"record_id": data["id"], "position": i, "name": name}
        for i, name in enumerate(data.get("authors", []))
    )
    children.setdefault("record_subjects", []).extend(
        {"record_id": data["id"], "position": i, "subject": subject}
        for i, subject in enumerate(data.get("subjects", []))
    )
    return {
        "id": data["id"], "title": data["title"], "year": data.get("year"),
        "publisher": data.get("publisher", ""), "isbn": data.get("isbn", ""),
        "language": data.get("language", "lv"), "material_type": data.get("material_type", "book"),
        "description": data.get("description", ""), "source": data.get("source", ""),
    }


def _copy(row: dict[str, Any], children: dict, dialect: str) -> dict[str, Any]:
    data = json.loads(row["data"])
    return {"barcode": data["barcode"], "record_id": data["record_id"],
            "library_id": data["library_id"], "collection": data["collection"],
            "shelf_mark": data["shelf_mark"], "status": data.get("status", "available")}


def _account(row: dict[str, Any], children: dict, dialect: str) -> dict[str, Any]:
    patron = json.loads(row["patron"])
    login = json.loads(row["login"])
    return {
        "patron_id": patron["id"], "username": patron["username"],
        "card_number": patron["card_number"], "name": patron["name"], "email": patron["email"],
        "home_library": patron["home_library"], "language": patron.get("language", "lv"),
        "staff_library": patron.get("staff_library"), "password_hash": row["password_hash"],
        "reset_code": _hashed(login.get("reset_code")),
        "reset_expires": _moment(login.get("reset_expires"), dialect),
        "reset_tries": int(login.get("reset_tries", 0)),
    }


def _loan(row: dict[str, Any], children: dict, dialect: str) -> dict[str, Any]:
    data = json.loads(row["data"])
    return {
        "id": data["id"], "patron_id": data["patron_id"], "barcode": data["barcode"],
        "record_id": data["record_id"], "library_id": data["library_id"],
        "checked_out": _day(data["checked_out"]), "due": _day(data["due"]),
        "renewals": data.get("renewals", 0), "renewal": data.get("renewal", "none"),
        "returned": _day(data.get("returned")),
        "last_renewal_note": data.get("last_renewal_note", ""),
        "reminded": _day(data.get("reminded")),
    }


def _reservation(row: dict[str, Any], children: dict, dialect: str) -> dict[str, Any]:
    data = json.loads(row["data"])
    return {
        "id": data["id"], "patron_id": data["patron_id"], "barcode": data["barcode"],
        "record_id": data["record_id"], "library_id": data["library_id"],
        "state": data["state"], "created": _moment(data["created"], dialect),
        "position": data.get("position", 0), "confirmed": _day(data.get("confirmed")),
        "held_until": _day(data.get("held_until")), "note": data.get("note", ""),
        "ended": _day(row["ended"]),
    }


def _free_request(row: dict[str, Any], children: dict, dialect: str) -> dict[str, Any]:
    data = json.loads(row["data"])
    return {
        "id": data["id"], "patron_id": data["patron_id"], "author": data["author"],
        "title": data["title"], "year": data["year"], "info": data["info"],
        "library_id": data["library_id"], "collection": data["collection"],
        "state": data["state"], "submitted": _moment(data["submitted"], dialect),
        "review_by": _moment(data["review_by"], dialect), "note": data.get("note", ""),
    }


def _message(row: dict[str, Any], children: dict, dialect: str) -> dict[str, Any]:
    data = json.loads(row["data"])
    return {
        "id": data["id"], "kind": data["kind"], "recipient": data["to"],
        "sender": data["sender"], "subject": data["subject"], "body": data["body"],
        "language": data.get("language", "lv"), "created": _moment(data["created"], dialect),
        "sent": _moment(data.get("sent"), dialect), "attempts": data.get("attempts", 0),
        "next_attempt": _moment(data.get("next_attempt"), dialect),
        "error": data.get("error", ""), "given_up": bool(data.get("given_up", False)),
    }


CONVERT = {
    "region_info": _region_info,
    "libraries": _library,
    "records": _record,
    "copies": _copy,
    "accounts": _account,
    "loans": _loan,
    "reservations": _reservation,
    "free_requests": _free_request,
    "messages": _message,
}
"""Old table → its row in the new shape, in an order the foreign keys allow."""


def _create_tables() -> dict[str, sa.Table]:
    accounts = op.create_table(
        'accounts',
        sa.Column('patron_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('username', sa.Text(), nullable=False),
        sa.Column('card_number', sa.String(length=64), nullable=False),
        sa.Column('name', sa.Text(), nullable=False),
        sa.Column('email', sa.Text(), nullable=False),
        sa.Column('home_library', sa.String(length=64), nullable=False),
        sa.Column('language', sa.String(length=8), nullable=False),
        sa.Column('staff_library', sa.String(length=64), nullable=True, comment='The library a staff member works at; empty for a patron.'),
        sa.Column('password_hash', sa.Text(), nullable=False, comment='argon2id; a clear password is never written.'),
        sa.Column('reset_code', sa.Text(), nullable=True, comment="A pending recovery code's salted SHA-256 (never the code itself)."),
        sa.Column('reset_expires', MOMENT, nullable=True),
        sa.Column('reset_tries', sa.Integer(), server_default='0', nullable=False),
        sa.PrimaryKeyConstraint('patron_id', name=op.f('pk_accounts')),
        sa.UniqueConstraint('card_number', name=op.f('uq_accounts_card_number'))
    )
    libraries = op.create_table(
        'libraries',
        sa.Column('id', sa.String(length=64), nullable=False),
        sa.Column('name', sa.Text(), nullable=False),
        sa.Column('short_name', sa.Text(), nullable=False),
        sa.Column('address', sa.Text(), nullable=False),
        sa.Column('phone', sa.Text(), nullable=False),
        sa.Column('email', sa.Text(), nullable=False),
        sa.Column('hours', sa.Text(), server_default='', nullable=False),
        sa.Column('website', sa.Text(), server_default='', nullable=False),
        sa.Column('loan_days', sa.Integer(), nullable=False),
        sa.Column('renewal_days', sa.Integer(), nullable=False),
        sa.Column('renewal_limit', sa.Integer(), nullable=False),
        sa.Column('pickup_days', sa.Integer(), nullable=False),
        sa.Column('fine_per_day', sa.Numeric(precision=8, scale=2), nullable=False),
        sa.Column('fine_grace_days', sa.Integer(), nullable=False),
        sa.Column('fine_cap', sa.Numeric(precision=8, scale=2), nullable=False),
        sa.Column('reservation_limit', sa.Integer(), nullable=False),
        sa.Column('reminder_days', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_libraries'))
    )
    messages = op.create_table(
        'messages',
        sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('recipient', sa.Text(), nullable=False),
        sa.Column('sender', sa.Text(), nullable=False),
        sa.Column('subject', sa.Text(), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('language', sa.String(length=8), nullable=False),
        sa.Column('created', MOMENT, nullable=False),
        sa.Column('sent', MOMENT, nullable=True),
        sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
        sa.Column('next_attempt', MOMENT, nullable=True),
        sa.Column('error', sa.Text(), server_default='', nullable=False),
        sa.Column('given_up', sa.Boolean(), server_default='0', nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_messages'))
    )
    records = op.create_table(
        'records',
        sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('title', sa.Text(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=True),
        sa.Column('publisher', sa.Text(), server_default='', nullable=False),
        sa.Column('isbn', sa.Text(), server_default='', nullable=False),
        sa.Column('language', sa.String(length=16), nullable=False),
        sa.Column('material_type', sa.String(length=32), nullable=False),
        sa.Column('description', sa.Text(), server_default='', nullable=False),
        sa.Column('source', sa.Text(), server_default='', nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_records'))
    )
    op.create_index(op.f('ix_records_material_type'), 'records', ['material_type'], unique=False)
    region_info = op.create_table(
        'region_info',
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('value', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_region_info'))
    )
    collections = op.create_table(
        'collections',
        sa.Column('library_id', sa.String(length=64), nullable=False),
        sa.Column('code', sa.String(length=64), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False, comment='The order the library lists its collections in.'),
        sa.Column('name_lv', sa.Text(), nullable=False),
        sa.Column('name_en', sa.Text(), nullable=False),
        sa.Column('reading_room', sa.Boolean(), server_default='0', nullable=False),
        sa.ForeignKeyConstraint(['library_id'], ['libraries.id'], name=op.f('fk_collections_library_id_libraries')),
        sa.PrimaryKeyConstraint('library_id', 'code', name=op.f('pk_collections'))
    )
    copies = op.create_table(
        'copies',
        sa.Column('barcode', sa.String(length=64), nullable=False),
        sa.Column('record_id', sa.Integer(), nullable=False),
        sa.Column('library_id', sa.String(length=64), nullable=False),
        sa.Column('collection', sa.String(length=64), nullable=False),
        sa.Column('shelf_mark', sa.Text(), nullable=False),
        sa.Column('status', sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(['library_id'], ['libraries.id'], name=op.f('fk_copies_library_id_libraries')),
        sa.ForeignKeyConstraint(['record_id'], ['records.id'], name=op.f('fk_copies_record_id_records')),
        sa.PrimaryKeyConstraint('barcode', name=op.f('pk_copies'))
    )
    op.create_index(op.f('ix_copies_library_id_record_id'), 'copies', ['library_id', 'record_id'], unique=False)
    op.create_index(op.f('ix_copies_record_id'), 'copies', ['record_id'], unique=False)
    free_requests = op.create_table(
        'free_requests',
        sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('patron_id', sa.Integer(), nullable=False),
        sa.Column('author', sa.Text(), nullable=False),
        sa.Column('title', sa.Text(), nullable=False),
        sa.Column('year', sa.Text(), nullable=False),
        sa.Column('info', sa.Text(), nullable=False),
        sa.Column('library_id', sa.String(length=64), nullable=False),
        sa.Column('collection', sa.String(length=64), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('submitted', MOMENT, nullable=False),
        sa.Column('review_by', MOMENT, nullable=False),
        sa.Column('note', sa.Text(), server_default='', nullable=False),
        sa.ForeignKeyConstraint(['patron_id'], ['accounts.patron_id'], name=op.f('fk_free_requests_patron_id_accounts')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_free_requests'))
    )
    op.create_index(op.f('ix_free_requests_library_id_state'), 'free_requests', ['library_id', 'state'], unique=False)
    op.create_index(op.f('ix_free_requests_patron_id'), 'free_requests', ['patron_id'], unique=False)
    record_authors = op.create_table(
        'record_authors',
        sa.Column('record_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('name', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['record_id'], ['records.id'], name=op.f('fk_record_authors_record_id_records'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('record_id', 'position', name=op.f('pk_record_authors'))
    )
    record_subjects = op.create_table(
        'record_subjects',
        sa.Column('record_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('subject', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['record_id'], ['records.id'], name=op.f('fk_record_subjects_record_id_records'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('record_id', 'position', name=op.f('pk_record_subjects'))
    )
    loans = op.create_table(
        'loans',
        sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('patron_id', sa.Integer(), nullable=False),
        sa.Column('barcode', sa.String(length=64), nullable=False),
        sa.Column('record_id', sa.Integer(), nullable=False),
        sa.Column('library_id', sa.String(length=64), nullable=False),
        sa.Column('checked_out', sa.Date(), nullable=False),
        sa.Column('due', sa.Date(), nullable=False),
        sa.Column('renewals', sa.Integer(), server_default='0', nullable=False),
        sa.Column('renewal', sa.String(length=16), server_default='none', nullable=False, comment='A renewal request: none, or pending (waiting for a librarian, R12).'),
        sa.Column('returned', sa.Date(), nullable=True),
        sa.Column('last_renewal_note', sa.Text(), server_default='', nullable=False),
        sa.Column('reminded', sa.Date(), nullable=True, comment='The due date the patron was last reminded of (R13).'),
        sa.ForeignKeyConstraint(['barcode'], ['copies.barcode'], name=op.f('fk_loans_barcode_copies')),
        sa.ForeignKeyConstraint(['patron_id'], ['accounts.patron_id'], name=op.f('fk_loans_patron_id_accounts')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_loans'))
    )
    op.create_index(op.f('ix_loans_barcode'), 'loans', ['barcode'], unique=False)
    op.create_index(op.f('ix_loans_patron_id'), 'loans', ['patron_id'], unique=False)
    reservations = op.create_table(
        'reservations',
        sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('patron_id', sa.Integer(), nullable=False),
        sa.Column('barcode', sa.String(length=64), nullable=False),
        sa.Column('record_id', sa.Integer(), nullable=False),
        sa.Column('library_id', sa.String(length=64), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('created', MOMENT, nullable=False),
        sa.Column('position', sa.Integer(), server_default='0', nullable=False, comment="The place in the copy's queue (1…n) while queued, else 0."),
        sa.Column('confirmed', sa.Date(), nullable=True),
        sa.Column('held_until', sa.Date(), nullable=True),
        sa.Column('note', sa.Text(), server_default='', nullable=False),
        sa.Column('ended', sa.Date(), nullable=True, comment="The day it stopped being active (R7's recent ones count from it)."),
        sa.ForeignKeyConstraint(['barcode'], ['copies.barcode'], name=op.f('fk_reservations_barcode_copies')),
        sa.ForeignKeyConstraint(['patron_id'], ['accounts.patron_id'], name=op.f('fk_reservations_patron_id_accounts')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_reservations'))
    )
    op.create_index(op.f('ix_reservations_barcode_state'), 'reservations', ['barcode', 'state'], unique=False)
    op.create_index(op.f('ix_reservations_patron_id'), 'reservations', ['patron_id'], unique=False)
    return {
        'accounts': accounts,
        'libraries': libraries,
        'messages': messages,
        'records': records,
        'region_info': region_info,
        'collections': collections,
        'copies': copies,
        'free_requests': free_requests,
        'record_authors': record_authors,
        'record_subjects': record_subjects,
        'loans': loans,
        'reservations': reservations,
    }
