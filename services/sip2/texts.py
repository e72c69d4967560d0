"""The sentences the SIP2 listener puts on a self-check machine's screen (AF)
beyond the rules' refusals, in Latvian and English."""

from __future__ import annotations

from services.text import format_date

TEXTS: dict[str, tuple[str, str]] = {
    "checked_out": ("Izsniegts: {title}. Nododiet līdz {due}.",
                    "Checked out: {title}. Due back {due}."),
    "checked_in": ("Paldies! Nodots: {title}.", "Thank you! Returned: {title}."),
    "not_on_loan": ("{title}: šis eksemplārs nebija izsniegts.",
                    "{title}: this copy was not on loan."),
    "hold_shelf": ("Eksemplārs ir rezervēts citam lasītājam: atstājiet to bibliotekāram.",
                   "This copy is reserved for another reader: please leave it with the staff."),
    "other_library": ("Šis eksemplārs pieder citai bibliotēkai; to var izsniegt un pieņemt "
                      "tikai tur.",
                      "This copy belongs to another library; it is checked out and returned "
                      "there only."),
    "no_desk": ("Šajā terminālī izsniegt un pieņemt nevar. Lūdzu, vērsieties pie bibliotekāra.",
                "This terminal cannot check items out or in. Please ask the staff."),
    "unknown_item": ("Eksemplārs ar šo svītrkodu nav atrasts.",
                     "No copy with this barcode was found."),
    "not_yours": ("Šis eksemplārs nav izsniegts jums.", "This copy is not on loan to you."),
    "no_hold": ("Jums nav aktīvas rezervācijas uz šo eksemplāru.",
                "You have no active reservation for this copy."),
    "barcode_needed": ("Norādiet eksemplāra svītrkodu.", "Please give the copy's barcode."),
    "pin_needed": ("Lūdzu, ievadiet savu paroli (PIN).", "Please enter your password (PIN)."),
    "hold_change": ("Rezervāciju mainīt nevar: atceliet to un pasūtiet vēlreiz.",
                    "A reservation cannot be changed: cancel it and order again."),
    "renewal_requested": ("Pagarinājuma pieprasījums nosūtīts: bibliotekārs to izskatīs. "
                          "Līdz tam nododiet līdz {due}.",
                          "Your renewal request was sent: a librarian will decide on it. "
                          "Until then it is due back {due}."),
    "renewed": ("Pagarināts līdz {due}.", "Renewed until {due}."),
    "renewals_requested": ("Nosūtīti pagarinājuma pieprasījumi: {count}. Bibliotekārs tos "
                           "izskatīs.",
                           "Renewal requests sent: {count}. A librarian will decide on them."),
    "ordered": ("Pasūtīts: {title}. Bibliotēka apstiprinās rezervāciju.",
                "Ordered: {title}. The library will confirm the reservation."),
    "queued": ("Jūs esat rindā uz {title}: {position}. vietā.",
               "You are in the queue for {title}: number {position}."),
    "ready": ("{title} gaida jūs rezervāciju plauktā līdz {date}.",
              "{title} waits for you on the hold shelf until {date}."),
    "cancelled": ("Rezervācija atcelta: {title}.", "Reservation cancelled: {title}."),
    "no_payments": ("Maksājumus pieņem bibliotēkā.", "Payments are taken at the library desk."),
    "fine": ("Kavējuma nauda: {amount} €.", "Overdue fine: €{amount}."),
}


def say(key: str, language: str, **values: object) -> str:
    """The sentence ``key`` in ``language`` ("en", else Latvian), with dates
    given as ``date`` objects written DD.MM.GGGG."""
    lv, en = TEXTS[key]
    shown = {k: format_date(v) if hasattr(v, "isoformat") else v for k, v in values.items()}
    return (en if language == "en" else lv).format(**shown)
