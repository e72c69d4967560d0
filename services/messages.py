"""The e-mails Mana sends (R13), in the patron's language (Latvian or English).

Each function answers ``(subject, body)``; the adapter wraps it in a
``Message`` with the addresses and the time. Dates are ``DD.MM.GGGG``.
"""

from __future__ import annotations

from datetime import date, datetime

from services.models import Record
from services.text import format_date

Text = tuple[str, str]

_SIGNATURE = {
    "lv": "\n\nAr cieņu,\n{library}\n\nŠī vēstule nosūtīta automātiski; lūdzu, neatbildiet uz to.",
    "en": "\n\nKind regards,\n{library}\n\n"
    "This message was sent automatically; please do not reply.",
}


def _en(language: str) -> bool:
    return language == "en"


def _sign(language: str, library: str) -> str:
    return _SIGNATURE["en" if _en(language) else "lv"].format(library=library)


def _item(title: str, authors: list[str]) -> str:
    return f"{'; '.join(authors)}. {title}" if authors else title


def password_code(language: str, name: str, code: str, minutes: int) -> Text:
    if _en(language):
        return (
            "Password recovery code",
            f"Hello, {name}!\n\nYour password recovery code is {code}. It is valid for "
            f"{minutes} minutes. If you did not ask for it, ignore this message."
            + _sign(language, "Mana bibliotēka"),
        )
    return (
        "Paroles atjaunošanas kods",
        f"Labdien, {name}!\n\nJūsu paroles atjaunošanas kods ir {code}. Tas derīgs "
        f"{minutes} minūtes. Ja to nepieprasījāt, neņemiet vērā šo vēstuli."
        + _sign(language, "Mana bibliotēka"),
    )


def reservation_received(
    language: str, name: str, title: str, authors: list[str], library: str, position: int
) -> Text:
    item = _item(title, authors)
    if _en(language):
        state = (
            f"You are in the queue at position {position}; the real date can differ, depending "
            "on whether the reader before you returns it on time."
            if position
            else "It is waiting for the library's confirmation; we will write when it is ready."
        )
        return (
            "Reservation received",
            f"Hello, {name}!\n\nWe have received your reservation: {item}.\n"
            f"Pickup at: {library}.\n{state}" + _sign(language, library),
        )
    state = (
        f"Jūs esat rindā {position}. vietā; faktiskais datums var atšķirties atkarībā no tā, "
        "vai iepriekšējais lasītājs to nodos laikā."
        if position
        else "Tā gaida bibliotēkas apstiprinājumu; mēs paziņosim, kad izdevums būs saņemams."
    )
    return (
        "Rezervācija saņemta",
        f"Labdien, {name}!\n\nJūsu rezervācija ir saņemta: {item}.\n"
        f"Saņemšanas vieta: {library}.\n{state}" + _sign(language, library),
    )


def reservation_ready(
    language: str, name: str, title: str, authors: list[str], library: str, until: date
) -> Text:
    item, deadline = _item(title, authors), format_date(until)
    if _en(language):
        return (
            f"Reservation ready for pickup until {deadline}",
            f"Hello, {name}!\n\nYour reservation is ready for pickup: {item}.\n"
            f"Please collect it at {library} by {deadline}. After that date it goes back "
            "to the shelf or to the next reader in the queue." + _sign(language, library),
        )
    return (
        f"Rezervācija saņemama līdz {deadline}",
        f"Labdien, {name}!\n\nJūsu rezervētais izdevums ir saņemams: {item}.\n"
        f"Saņemšanas vieta: {library}. Lūdzu, saņemiet to līdz {deadline}; pēc šī datuma "
        "tas atgriezīsies plauktā vai tiks nodots nākamajam lasītājam rindā."
        + _sign(language, library),
    )


def reservation_rejected(
    language: str, name: str, title: str, authors: list[str], library: str, reason: str
) -> Text:
    item = _item(title, authors)
    if _en(language):
        why = f"\nReason: {reason}" if reason else ""
        return (
            "Reservation rejected",
            f"Hello, {name}!\n\nThe library could not accept your reservation: {item}.{why}\n"
            "Please contact the library if you have questions." + _sign(language, library),
        )
    why = f"\nIemesls: {reason}" if reason else ""
    return (
        "Rezervācija noraidīta",
        f"Labdien, {name}!\n\nBibliotēka nevarēja pieņemt jūsu rezervāciju: {item}.{why}\n"
        "Jautājumu gadījumā sazinieties ar bibliotēku." + _sign(language, library),
    )


def reservation_expired(
    language: str, name: str, title: str, authors: list[str], library: str, until: date
) -> Text:
    item, deadline = _item(title, authors), format_date(until)
    if _en(language):
        return (
            "Reservation expired",
            f"Hello, {name}!\n\nYour reservation was held until {deadline} and has expired: "
            f"{item}." + _sign(language, library),
        )
    return (
        "Rezervācijas termiņš beidzies",
        f"Labdien, {name}!\n\nJūsu rezervācija tika turēta līdz {deadline}, un tās termiņš ir "
        f"beidzies: {item}." + _sign(language, library),
    )


def renewal_approved(
    language: str, name: str, title: str, authors: list[str], library: str, due: date
) -> Text:
    item, new_due = _item(title, authors), format_date(due)
    if _en(language):
        return (
            f"Loan renewed until {new_due}",
            f"Hello, {name}!\n\nYour loan has been renewed: {item}.\nNew due date: {new_due}."
            + _sign(language, library),
        )
    return (
        f"Izsniegums pagarināts līdz {new_due}",
        f"Labdien, {name}!\n\nJūsu izsniegums ir pagarināts: {item}.\nJaunais termiņš: {new_due}."
        + _sign(language, library),
    )


def renewal_denied(
    language: str, name: str, title: str, authors: list[str], library: str, due: date, reason: str
) -> Text:
    item, old_due = _item(title, authors), format_date(due)
    if _en(language):
        why = f"\nReason: {reason}" if reason else ""
        return (
            "Renewal not approved",
            f"Hello, {name}!\n\nThe library did not renew your loan: {item}.{why}\n"
            f"Please return it by {old_due}." + _sign(language, library),
        )
    why = f"\nIemesls: {reason}" if reason else ""
    return (
        "Pagarinājums nav apstiprināts",
        f"Labdien, {name}!\n\nBibliotēka nepagarināja jūsu izsniegumu: {item}.{why}\n"
        f"Lūdzu, nododiet to līdz {old_due}." + _sign(language, library),
    )


def due_reminder(
    language: str, name: str, title: str, authors: list[str], library: str, due: date
) -> Text:
    item, when = _item(title, authors), format_date(due)
    if _en(language):
        return (
            f"Due date reminder: {when}",
            f"Hello, {name}!\n\nPlease return or renew by {when}: {item}.\n"
            "You can ask to renew in Mana bibliotēka (Loans)." + _sign(language, library),
        )
    return (
        f"Atgādinājums: nodošanas termiņš {when}",
        f"Labdien, {name}!\n\nLūdzu, nododiet vai pagariniet līdz {when}: {item}.\n"
        "Pagarinājumu var pieprasīt sadaļā Mana bibliotēka (Izsniegumi)."
        + _sign(language, library),
    )


def receipt(language: str, name: str, library: str, lent: list[tuple[str, date]],
            returned: list[str]) -> Text:
    """A self-check receipt: each copy checked out with its due date, each returned."""
    en = _en(language)
    lines = [f"- {title}: {'due' if en else 'līdz'} {format_date(due)}" for title, due in lent]
    back = [f"- {title}" for title in returned]
    if en:
        body = f"Hello, {name}!\n\n"
        body += ("Checked out:\n" + "\n".join(lines) + "\n\n") if lines else ""
        body += ("Returned:\n" + "\n".join(back) + "\n\n") if back else ""
        return "Your receipt", body.rstrip("\n") + _sign(language, library)
    body = f"Labdien, {name}!\n\n"
    body += ("Izsniegts:\n" + "\n".join(lines) + "\n\n") if lines else ""
    body += ("Nodots:\n" + "\n".join(back) + "\n\n") if back else ""
    return "Jūsu kvīts", body.rstrip("\n") + _sign(language, library)


_FREE_REQUEST = {
    "received": (
        ("Brīvais pieprasījums saņemts", "Jūsu pieprasījums ir saņemts: {title}. "
         "Bibliotēka to izskatīs līdz {review}."),
        ("Free request received", "Your request has been received: {title}. "
         "The library will review it by {review}."),
    ),
    "accepted": (
        ("Brīvais pieprasījums pieņemts", "Bibliotēka ir pieņēmusi jūsu pieprasījumu: {title}."),
        ("Free request accepted", "The library has accepted your request: {title}."),
    ),
    "fulfilled": (
        ("Brīvais pieprasījums izpildīts", "Jūsu pieprasījums ir izpildīts: {title}."),
        ("Free request fulfilled", "Your request has been fulfilled: {title}."),
    ),
    "rejected": (
        ("Brīvais pieprasījums noraidīts",
         "Bibliotēka nevarēja izpildīt jūsu pieprasījumu: {title}."),
        ("Free request rejected", "The library could not fulfil your request: {title}."),
    ),
}


def free_request(
    language: str, event: str, name: str, title: str, library: str, note: str, review: datetime
) -> Text:
    """``event``: received, accepted, fulfilled or rejected."""
    lv, en = _FREE_REQUEST[event]
    subject, text = en if _en(language) else lv
    hello = "Hello" if _en(language) else "Labdien"
    body = text.format(title=title, review=f"{format_date(review.date())} {review:%H:%M}")
    if note:
        body += f"\n{'Note' if _en(language) else 'Piezīme'}: {note}"
    return subject, f"{hello}, {name}!\n\n{body}" + _sign(language, library)


def record_list(language: str, records: list[Record]) -> Text:
    """R4: the list of records a person collected."""
    lines = []
    for number, record in enumerate(records, 1):
        authors = "; ".join(record.authors)
        year = f" ({record.year})" if record.year else ""
        lines.append(f"{number}. {record.title}" + (f" / {authors}" if authors else "") + year)
    items = "\n".join(lines)
    if _en(language):
        return (
            f"Your list from the catalog ({len(records)})",
            f"Hello!\n\nHere is the list you collected in the catalog:\n\n{items}"
            + _sign(language, "Mana bibliotēka"),
        )
    return (
        f"Jūsu saraksts no kataloga ({len(records)})",
        f"Labdien!\n\nŠeit ir katalogā sastādītais saraksts:\n\n{items}"
        + _sign(language, "Mana bibliotēka"),
    )
