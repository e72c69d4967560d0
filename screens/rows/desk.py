"""What the desk's tables show for each reservation, renewal, free request,
check-out, check-in and patron: columns, cells and detail lines, in the
librarian's language. Pure functions of the service's views: the screens ask
the service and show; these only put the answers into words (cells are
cleaned and shown as plain text by ``FitTable``)."""

from __future__ import annotations

from collections.abc import Mapping

from services.models import (
    CheckInResult,
    FreeRequestState,
    FreeRequestView,
    LoanView,
    Patron,
    PatronAccount,
    RenewalState,
    ReservationView,
)
from tui.i18n import format_date, format_datetime, texts, tr
from screens.rows.account import NO_VALUE, loan_overdue, reservation_state
from widgets.fit_table import Column

texts(
    {
        "desk.blocked": ("Bloķēts: {reason}", "Blocked: {reason}"),
        "desk.not_blocked": ("Nav bloķēts.", "Not blocked."),
        "desk.col.patron": ("Lasītājs", "Patron"),
        "desk.col.card": ("Karte", "Card"),
        "desk.col.barcode": ("Svītrkods", "Barcode"),
        "desk.col.requested": ("Pieteikts", "Requested"),
        "desk.col.renewals": ("Pagarināts", "Renewed"),
        "desk.col.collection": ("Fonds", "Collection"),
        "desk.col.submitted": ("Iesniegts", "Submitted"),
        "desk.col.name": ("Vārds, uzvārds", "Name"),
        "desk.col.home": ("Bibliotēka", "Library"),
        "desk.col.username": ("Lietotājvārds", "Username"),
        "desk.col.hold_for": ("Rezervēts", "Hold for"),
        "desk.col.checked_out": ("Izsniegts", "Borrowed"),
        "desk.col.renewal": ("Pagarinājums", "Renewal"),
        "desk.state.waiting": ("Gaida", "Waiting"),
        "desk.state.new": ("Jauns", "New"),
        "desk.state.busy": ("Apstrādā…", "Processing…"),
        "desk.renewals.count": ("{count}×", "{count}×"),
        "desk.detail.patron": (
            "{name} · karte {card} · {email}",
            "{name} · card {card} · {email}",
        ),
        "desk.detail.requested": ("Pieteikts {when}", "Requested {when}"),
        "desk.detail.due": ("Termiņš {date}", "Due {date}"),
        "desk.detail.renewed": ("pagarināts {count}×", "renewed {count}×"),
        "desk.detail.request": (
            "Izdošanas gads: {year} · {collection} · iesniegts {when}",
            "Year: {year} · {collection} · submitted {when}",
        ),
        "desk.detail.info": ("Papildinformācija: {info}", "Additional information: {info}"),
        "desk.detail.note": ("Piezīme: {note}", "Note: {note}"),
        "desk.hold_for": (
            "{name} (karte {card}), līdz {date}", "{name} (card {card}), until {date}"
        ),
    }
)

_REQUEST_STATES = {
    FreeRequestState.SENT: "account.freq.sent",
    FreeRequestState.ACCEPTED: "account.freq.accepted",
    FreeRequestState.FULFILLED: "account.freq.fulfilled",
    FreeRequestState.REJECTED: "account.freq.rejected",
}


def _patron(patron: Patron | None) -> tuple[str, str]:
    return (patron.name, patron.card_number) if patron else (NO_VALUE, NO_VALUE)


def _by(title: str, authors: list[str]) -> str:
    """ "Author — Title"; an author given as a dash or any mark is left out."""
    named = [a for a in authors if any(ch.isalnum() for ch in a)]
    return f"{'; '.join(named)} — {title}" if named else title


def blocks(account: PatronAccount, language: str) -> str:
    """What the service says blocks the patron, a line each, or that nothing does."""
    if not account.blocks:
        return tr("desk.not_blocked", language)
    return "\n".join(
        tr("desk.blocked", language, reason=block.text(language)) for block in account.blocks
    )


def patron_line(patron: Patron | None, language: str) -> str:
    if patron is None:
        return NO_VALUE
    return tr(
        "desk.detail.patron", language,
        name=patron.name, card=patron.card_number, email=patron.email or NO_VALUE,
    )


# ----------------------------------------------------------------- the queues


def reservation_columns(language: str) -> list[Column]:
    return [
        Column("patron", tr("desk.col.patron", language), flex=True, min_width=12),
        Column("card", tr("desk.col.card", language), optional=True),
        Column("title", tr("account.col.title", language), flex=True, min_width=14),
        Column("barcode", tr("desk.col.barcode", language)),
        Column("requested", tr("desk.col.requested", language)),
        Column("state", tr("account.col.state", language)),
    ]


def reservation_row(view: ReservationView, language: str, busy: bool) -> list[str]:
    name, card = _patron(view.patron)
    r = view.reservation
    state = tr("desk.state.busy" if busy else "desk.state.waiting", language)
    return [name, card, view.title, r.barcode, format_date(r.created), state]


def reservation_detail(view: ReservationView, language: str) -> str:
    r = view.reservation
    return "\n".join(
        [
            patron_line(view.patron, language),
            f"{_by(view.title, view.authors)} · {r.barcode} · "
            + tr("desk.detail.requested", language, when=format_datetime(r.created)),
        ]
    )


def renewals(count: int, language: str) -> str:
    """How many times a loan was renewed: "2×", a dash for none."""
    return tr("desk.renewals.count", language, count=count) if count else NO_VALUE


def renewal_columns(language: str) -> list[Column]:
    return [
        Column("patron", tr("desk.col.patron", language), flex=True, min_width=12),
        Column("card", tr("desk.col.card", language), optional=True),
        Column("title", tr("account.col.title", language), flex=True, min_width=14),
        Column("barcode", tr("desk.col.barcode", language)),
        Column("due", tr("account.col.due", language)),
        Column("renewals", tr("desk.col.renewals", language), optional=True),
        Column("state", tr("account.col.state", language)),
    ]


def renewal_row(view: LoanView, language: str, busy: bool) -> list[str]:
    name, card = _patron(view.patron)
    loan = view.loan
    if busy:
        state = tr("desk.state.busy", language)
    elif loan.renewal == RenewalState.PENDING:
        state = tr("desk.state.waiting", language)
    else:
        state = NO_VALUE
    return [
        name, card, view.title, loan.barcode, format_date(loan.due),
        renewals(loan.renewals, language), state,
    ]


def renewal_detail(view: LoanView, language: str) -> str:
    loan = view.loan
    due = tr("desk.detail.due", language, date=format_date(loan.due))
    if loan.renewals:
        due += " · " + tr("desk.detail.renewed", language, count=loan.renewals)
    return "\n".join(
        [
            patron_line(view.patron, language),
            f"{_by(view.title, view.authors)} · {loan.barcode} · {due}",
        ]
    )


def request_columns(language: str) -> list[Column]:
    return [
        Column("patron", tr("desk.col.patron", language), flex=True, min_width=12),
        Column("card", tr("desk.col.card", language), optional=True),
        Column("title", tr("account.col.title", language), flex=True, min_width=14),
        Column("author", tr("account.col.author", language), flex=True, min_width=8,
               optional=True),
        Column("review_by", tr("account.col.review_by", language)),
        Column("state", tr("account.col.state", language)),
    ]


def request_state(view: FreeRequestView, language: str) -> str:
    return tr(_REQUEST_STATES.get(view.request.state, "account.freq.sent"), language)


def queued_request_state(view: FreeRequestView, language: str) -> str:
    """In the desk's queue: "Jauns" (sent, not reviewed yet) or "Pieņemts"."""
    if view.request.state == FreeRequestState.SENT:
        return tr("desk.state.new", language)
    return request_state(view, language)


def request_row(view: FreeRequestView, language: str, busy: bool) -> list[str]:
    name, card = _patron(view.patron)
    r = view.request
    state = tr("desk.state.busy", language) if busy else queued_request_state(view, language)
    return [name, card, r.title, r.author or NO_VALUE, format_datetime(r.review_by), state]


def request_detail(view: FreeRequestView, language: str) -> str:
    r = view.request
    collection = view.collection_en if language == "en" else view.collection_lv
    lines = [
        patron_line(view.patron, language),
        f"{_by(r.title, [r.author])} · "
        + tr(
            "desk.detail.request", language,
            year=r.year or NO_VALUE, collection=collection or NO_VALUE,
            when=format_datetime(r.submitted),
        ),
    ]
    if r.info:
        lines.append(tr("desk.detail.info", language, info=r.info))
    if r.note:
        lines.append(tr("desk.detail.note", language, note=r.note))
    return "\n".join(lines)


# ------------------------------------------------------ check-out and check-in


def lent_columns(language: str) -> list[Column]:
    return [
        Column("title", tr("account.col.title", language), flex=True, min_width=14),
        Column("barcode", tr("desk.col.barcode", language)),
        Column("due", tr("account.col.due", language)),
    ]


def lent_row(view: LoanView, language: str) -> list[str]:
    return [view.title, view.loan.barcode, format_date(view.loan.due)]


def loan_columns(language: str) -> list[Column]:
    return [
        Column("title", tr("account.col.title", language), flex=True, min_width=14),
        Column("barcode", tr("desk.col.barcode", language)),
        Column("due", tr("account.col.due", language)),
        Column("overdue", tr("account.col.overdue", language), flex=True, min_width=13),
        # Left out at 80 columns rather than cut ("Neapstrādāts pagarinājums").
        Column("renewal", tr("desk.col.renewal", language), flex=True, min_width=24,
               optional=True),
    ]


def loan_row(view: LoanView, language: str) -> list[str]:
    loan = view.loan
    if loan.renewal == RenewalState.PENDING:
        renewal = tr("account.loans.pending", language)
    else:
        renewal = renewals(loan.renewals, language)
    return [
        view.title, loan.barcode, format_date(loan.due), loan_overdue(view, language), renewal,
    ]


def hold_for(result: CheckInResult, language: str) -> str:
    """ "Name (karte …), līdz DD.MM.GGGG" for a copy that goes to the hold shelf."""
    if result.next_reservation is None:
        return ""
    name, card = _patron(result.hold_for)
    held = result.next_reservation.reservation.held_until
    return tr("desk.hold_for", language, name=name, card=card, date=format_date(held) or NO_VALUE)


def checkin_columns(language: str) -> list[Column]:
    return [
        Column("title", tr("account.col.title", language), flex=True, min_width=12),
        Column("barcode", tr("desk.col.barcode", language)),
        Column("patron", tr("desk.col.patron", language), flex=True, min_width=10,
               optional=True),
        Column("hold", tr("desk.col.hold_for", language), flex=True, min_width=14),
    ]


def checkin_row(result: CheckInResult, returned_by: Patron | None, language: str) -> list[str]:
    who = returned_by.name if returned_by else NO_VALUE
    return [result.title, result.barcode, who, hold_for(result, language) or NO_VALUE]


# ----------------------------------------------------------------- patrons


def patron_columns(language: str) -> list[Column]:
    return [
        Column("name", tr("desk.col.name", language), flex=True, min_width=14),
        Column("card", tr("desk.col.card", language)),
        Column("username", tr("desk.col.username", language), flex=True, min_width=8,
               optional=True),
        Column("home", tr("desk.col.home", language), flex=True, min_width=10),
    ]


def patron_row(patron: Patron, language: str, libraries: Mapping[str, str]) -> list[str]:
    return [
        patron.name, patron.card_number, patron.username,
        libraries.get(patron.home_library, patron.home_library),
    ]


def account_reservation_columns(language: str) -> list[Column]:
    return [
        Column("title", tr("account.col.title", language), flex=True, min_width=14),
        Column("barcode", tr("desk.col.barcode", language), optional=True),
        Column("state", tr("account.col.state", language), flex=True, min_width=20),
        Column("held_until", tr("account.col.held_until", language)),
    ]


def account_reservation_row(view: ReservationView, language: str) -> list[str]:
    r = view.reservation
    return [
        view.title, r.barcode, reservation_state(view, language),
        format_date(r.held_until) or NO_VALUE,
    ]


def account_request_columns(language: str) -> list[Column]:
    return [
        Column("title", tr("account.col.title", language), flex=True, min_width=14),
        Column("author", tr("account.col.author", language), flex=True, min_width=8,
               optional=True),
        Column("submitted", tr("desk.col.submitted", language)),
        Column("state", tr("account.col.state", language), flex=True, min_width=10),
    ]


def account_request_row(view: FreeRequestView, language: str) -> list[str]:
    r = view.request
    return [r.title, r.author or NO_VALUE, format_date(r.submitted), request_state(view, language)]


def account_loan_detail(view: LoanView, language: str) -> str:
    loan = view.loan
    state = (
        tr("account.loans.pending", language)
        if loan.renewal == RenewalState.PENDING
        else renewals(loan.renewals, language)
    )
    second = [tr("desk.detail.due", language, date=format_date(loan.due))]
    if loan.renewal == RenewalState.PENDING:
        second.append(state)
    elif loan.renewals:
        second.append(tr("desk.detail.renewed", language, count=loan.renewals))
    if view.overdue_days > 0:
        second.append(f"{tr('account.col.overdue', language)}: {loan_overdue(view, language)}")
    return "\n".join([f"{_by(view.title, view.authors)} · {loan.barcode}", " · ".join(second)])


def account_reservation_detail(view: ReservationView, language: str) -> str:
    r = view.reservation
    return "\n".join(
        [f"{_by(view.title, view.authors)} · {r.barcode}", reservation_state(view, language)]
    )


def account_request_detail(view: FreeRequestView, language: str) -> str:
    return "\n".join(request_detail(view, language).split("\n")[1:])
