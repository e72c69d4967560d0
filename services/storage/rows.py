"""The models as rows of ``services.storage.schema``, and back.

Each ``*_row`` gives the column values of one model (a dict for
``insert().values``); each ``*_from`` builds the model from a row mapping
with ``model_construct``: the columns were checked when they were written,
and a region of a million records loads without validating every field
again. A login keeps only the argon2id hash; the clear password is never
written, nor a recovery code (only its salted hash,
``services.accounts.hash_reset_code``).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from services.accounts import AccountState
from services.models import (
    Collection,
    Contacts,
    Copy,
    CopyStatus,
    FreeRequest,
    FreeRequestState,
    Library,
    LibraryRules,
    Link,
    Loan,
    MaterialType,
    Message,
    MessageKind,
    Patron,
    Record,
    RenewalState,
    Reservation,
    ReservationState,
)

Row = Mapping[str, Any]

RULES = tuple(LibraryRules.model_fields)
"""The rule columns of ``libraries``, one per field of ``LibraryRules``."""


def library_row(library: Library, position: int = 0) -> dict[str, Any]:
    contacts = library.contacts
    return {
        "id": library.id, "name": library.name, "short_name": library.short_name,
        "position": position,
        "address": contacts.address, "phone": contacts.phone, "email": contacts.email,
        "hours": contacts.hours, "website": contacts.website,
        **{name: getattr(library.rules, name) for name in RULES},
    }


def collection_rows(library: Library) -> list[dict[str, Any]]:
    return [
        {"library_id": library.id, "code": c.code, "position": i, "name_lv": c.name_lv,
         "name_en": c.name_en, "reading_room": c.reading_room}
        for i, c in enumerate(library.collections)
    ]


def library_from(row: Row, collections: list[Row]) -> Library:
    return Library(
        id=row["id"], name=row["name"], short_name=row["short_name"],
        collections=[
            Collection(code=c["code"], name_lv=c["name_lv"], name_en=c["name_en"],
                       reading_room=bool(c["reading_room"]))
            for c in collections
        ],
        contacts=Contacts(address=row["address"], phone=row["phone"], email=row["email"],
                          hours=row["hours"], website=row["website"]),
        rules=LibraryRules(**{name: _rule(row[name]) for name in RULES}),
    )


def _rule(value: Any) -> Any:
    return Decimal(str(value)) if isinstance(value, float) else value


def record_row(record: Record) -> dict[str, Any]:
    return {
        "id": record.id, "title": record.title, "year": record.year,
        "publisher": record.publisher, "isbn": record.isbn, "language": record.language,
        "material_type": record.material_type.value, "description": record.description,
        "source": record.source, "responsibility": record.responsibility,
        "edition": record.edition, "physical": record.physical, "contents": record.contents,
    }


def author_rows(record: Record) -> list[dict[str, Any]]:
    return [{"record_id": record.id, "position": i, "name": name}
            for i, name in enumerate(record.authors)]


def subject_rows(record: Record) -> list[dict[str, Any]]:
    return [{"record_id": record.id, "position": i, "subject": subject}
            for i, subject in enumerate(record.subjects)]


def series_rows(record: Record) -> list[dict[str, Any]]:
    return [{"record_id": record.id, "position": i, "series": series}
            for i, series in enumerate(record.series)]


def note_rows(record: Record) -> list[dict[str, Any]]:
    return [{"record_id": record.id, "position": i, "note": note}
            for i, note in enumerate(record.notes)]


def link_rows(record: Record) -> list[dict[str, Any]]:
    return [{"record_id": record.id, "position": i, "url": link.url, "label": link.label}
            for i, link in enumerate(record.links)]


def record_from(row: Row, authors: list[str], subjects: list[str], series: list[str] = [],
                notes: list[str] = [], links: list[Link] = [], has_marc: bool = False,
                ) -> Record:
    return Record.model_construct(
        id=row["id"], title=row["title"], authors=authors, year=row["year"],
        publisher=row["publisher"], isbn=row["isbn"], language=row["language"],
        subjects=subjects, material_type=MaterialType(row["material_type"]),
        description=row["description"], source=row["source"],
        responsibility=row["responsibility"], edition=row["edition"],
        physical=row["physical"], series=series, notes=notes, contents=row["contents"],
        links=links, has_marc=has_marc,
    )


def copy_row(copy: Copy) -> dict[str, Any]:
    return {"barcode": copy.barcode, "record_id": copy.record_id,
            "library_id": copy.library_id, "collection": copy.collection,
            "shelf_mark": copy.shelf_mark, "status": copy.status.value}


def copy_from(row: Row) -> Copy:
    return Copy.model_construct(
        barcode=row["barcode"], record_id=row["record_id"], library_id=row["library_id"],
        collection=row["collection"], shelf_mark=row["shelf_mark"],
        status=CopyStatus(row["status"]),
    )


def account_row(account: AccountState) -> dict[str, Any]:
    """Raises ``ValueError`` for an account without a hash (never store clear text)."""
    if account.password_hash is None:
        raise ValueError(f"account {account.patron.id} has no password hash")
    patron = account.patron
    return {
        "patron_id": patron.id, "username": patron.username,
        "login_name": patron.username.casefold(), "card_number": patron.card_number,
        "name": patron.name, "email": patron.email,
        "home_library": patron.home_library, "language": patron.language,
        "staff_library": patron.staff_library, "password_hash": account.password_hash,
        "reset_code": account.reset_code, "reset_expires": account.reset_expires,
        "reset_tries": account.reset_tries,
    }


def account_from(row: Row) -> AccountState:
    patron = Patron.model_construct(
        id=row["patron_id"], username=row["username"], card_number=row["card_number"],
        name=row["name"], email=row["email"], home_library=row["home_library"],
        language=row["language"], staff_library=row["staff_library"],
    )
    return AccountState(
        patron=patron, password=None, password_hash=row["password_hash"],
        reset_code=row["reset_code"], reset_expires=row["reset_expires"],
        reset_tries=row["reset_tries"],
    )


def loan_row(loan: Loan) -> dict[str, Any]:
    return {
        "id": loan.id, "patron_id": loan.patron_id, "barcode": loan.barcode,
        "record_id": loan.record_id, "library_id": loan.library_id,
        "checked_out": loan.checked_out, "due": loan.due, "renewals": loan.renewals,
        "renewal": loan.renewal.value, "returned": loan.returned,
        "last_renewal_note": loan.last_renewal_note, "reminded": loan.reminded,
    }


def loan_from(row: Row) -> Loan:
    return Loan.model_construct(
        id=row["id"], patron_id=row["patron_id"], barcode=row["barcode"],
        record_id=row["record_id"], library_id=row["library_id"],
        checked_out=row["checked_out"], due=row["due"], renewals=row["renewals"],
        renewal=RenewalState(row["renewal"]), returned=row["returned"],
        last_renewal_note=row["last_renewal_note"], reminded=row["reminded"],
    )


def reservation_row(res: Reservation, ended: Any = None) -> dict[str, Any]:
    return {
        "id": res.id, "patron_id": res.patron_id, "barcode": res.barcode,
        "record_id": res.record_id, "library_id": res.library_id, "state": res.state.value,
        "created": res.created, "position": res.position, "confirmed": res.confirmed,
        "held_until": res.held_until, "note": res.note, "ended": ended,
    }


def reservation_from(row: Row) -> Reservation:
    return Reservation.model_construct(
        id=row["id"], patron_id=row["patron_id"], barcode=row["barcode"],
        record_id=row["record_id"], library_id=row["library_id"],
        state=ReservationState(row["state"]), created=row["created"],
        position=row["position"], confirmed=row["confirmed"], held_until=row["held_until"],
        note=row["note"],
    )


def request_row(request: FreeRequest) -> dict[str, Any]:
    return {
        "id": request.id, "patron_id": request.patron_id, "author": request.author,
        "title": request.title, "year": request.year, "info": request.info,
        "library_id": request.library_id, "collection": request.collection,
        "state": request.state.value, "submitted": request.submitted,
        "review_by": request.review_by, "note": request.note,
    }


def request_from(row: Row) -> FreeRequest:
    return FreeRequest.model_construct(
        id=row["id"], patron_id=row["patron_id"], author=row["author"], title=row["title"],
        year=row["year"], info=row["info"], library_id=row["library_id"],
        collection=row["collection"], state=FreeRequestState(row["state"]),
        submitted=row["submitted"], review_by=row["review_by"], note=row["note"],
    )


def message_row(message: Message) -> dict[str, Any]:
    return {
        "id": message.id, "kind": message.kind.value, "recipient": message.to,
        "sender": message.sender, "subject": message.subject, "body": message.body,
        "language": message.language, "created": message.created, "sent": message.sent,
        "attempts": message.attempts, "next_attempt": message.next_attempt,
        "error": message.error, "given_up": message.given_up,
    }


def message_from(row: Row) -> Message:
    return Message.model_construct(
        id=row["id"], kind=MessageKind(row["kind"]), to=row["recipient"],
        sender=row["sender"], subject=row["subject"], body=row["body"],
        language=row["language"], created=row["created"], sent=row["sent"],
        attempts=row["attempts"], next_attempt=row["next_attempt"], error=row["error"],
        given_up=bool(row["given_up"]),
    )
