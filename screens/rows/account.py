"""What the tabs of "Mana bibliotēka" show for each reservation, loan, free
request and returned loan: columns, cells and the detail line, in the
patron's language. Pure functions of the service's views: the screen asks
the service and shows; these only put the answers into words."""

from __future__ import annotations

from collections.abc import Mapping

from services.models import (
    FreeRequestState,
    FreeRequestView,
    HistoryEntry,
    LoanView,
    RenewalState,
    ReservationState,
    ReservationView,
)
from tui.i18n import format_date, format_datetime, format_money, texts, tr
from widgets.fit_table import Column

texts(
    {
        "account.col.library": ("Bibliotēka", "Library"),
        "account.col.title": ("Nosaukums", "Title"),
        "account.col.author": ("Autors", "Author"),
        "account.col.state": ("Stāvoklis", "State"),
        "account.col.held_until": ("Rezervēts līdz", "Held until"),
        "account.col.due": ("Termiņš", "Due date"),
        "account.col.overdue": ("Nokavētās dienas, soda nauda", "Overdue days, fine"),
        "account.col.status": ("Statuss", "Status"),
        "account.col.pickup": ("Bibliotēka / fonds", "Library / collection"),
        "account.col.review_by": ("Izskatīs līdz", "Reviewed by"),
        "account.col.checked_out": ("Izsniegts", "Borrowed"),
        "account.col.returned": ("Nodots", "Returned"),
        "account.res.requested": (
            "Gaida bibliotēkas apstiprinājumu",
            "Waiting for the library's confirmation",
        ),
        "account.res.ready": ("Gatavs saņemšanai līdz {date}", "Ready for pickup until {date}"),
        "account.res.queued": (
            "Rindā {position}. vietā, paredzams ap {date}",
            "In the queue at position {position}, expected around {date}",
        ),
        "account.res.queued_nodate": (
            "Rindā {position}. vietā",
            "In the queue at position {position}",
        ),
        "account.res.collected": ("Saņemts", "Collected"),
        "account.res.expired": (
            "Nav izņemts laikā; rezervācija beigusies",
            "Not collected in time; expired",
        ),
        "account.res.cancelled": ("Atcelts", "Cancelled"),
        "account.res.rejected": ("Noraidīts", "Rejected"),
        "account.res.rejected_note": ("Noraidīts: {note}", "Rejected: {note}"),
        "account.loans.renew": ("Pagarināt", "Renew"),
        "account.loans.pending": ("Neapstrādāts pagarinājums", "Renewal pending"),
        "account.loans.overdue": ("{days} d., {fine}", "{days} days, {fine}"),
        "account.loans.denied_note": ("Pagarinājums atteikts: {note}", "Renewal denied: {note}"),
        "account.freq.sent": ("Nosūtīts bibliotēkai", "Sent to the library"),
        "account.freq.accepted": ("Pieņemts", "Accepted"),
        "account.freq.fulfilled": ("Izpildīts", "Fulfilled"),
        "account.freq.rejected": ("Noraidīts", "Rejected"),
        "account.freq.review_by": ("Izskatīs līdz {when}", "To be reviewed by {when}"),
        "account.detail.info": ("Papildinformācija: {info}", "Additional information: {info}"),
        "account.detail.note": ("Bibliotēkas piezīme: {note}", "Library's note: {note}"),
        "account.detail.year": ("Izdošanas gads: {year}", "Year: {year}"),
    }
)

NO_VALUE = "—"

Names = Mapping[str, str]
"""A library's full name → its short name ("Aizkraukle"), for narrow columns."""

_NONE: Names = {}


# ----------------------------------------------------------------- reservations


def reservation_columns(language: str) -> list[Column]:
    return [
        Column(
            "library", tr("account.col.library", language), flex=True, min_width=10, optional=True
        ),
        Column("title", tr("account.col.title", language), flex=True, min_width=14),
        Column("state", tr("account.col.state", language), flex=True, min_width=39),
        Column("held_until", tr("account.col.held_until", language)),
    ]


def reservation_state(view: ReservationView, language: str) -> str:
    """R7: the reservation's state in words."""
    r = view.reservation
    match r.state:
        case ReservationState.REQUESTED:
            return tr("account.res.requested", language)
        case ReservationState.READY:
            return tr("account.res.ready", language, date=format_date(r.held_until))
        case ReservationState.QUEUED:
            if view.expected is None:
                return tr("account.res.queued_nodate", language, position=r.position)
            return tr(
                "account.res.queued", language, position=r.position, date=format_date(view.expected)
            )
        case ReservationState.COLLECTED:
            return tr("account.res.collected", language)
        case ReservationState.EXPIRED:
            return tr("account.res.expired", language)
        case ReservationState.CANCELLED:
            return tr("account.res.cancelled", language)
        case ReservationState.REJECTED:
            if r.note:
                return tr("account.res.rejected_note", language, note=r.note)
            return tr("account.res.rejected", language)
    return str(r.state)


def reservation_row(view: ReservationView, language: str, names: Names = _NONE) -> list[str]:
    r = view.reservation
    return [
        names.get(view.library_name, view.library_name),
        view.title,
        reservation_state(view, language),
        format_date(r.held_until) or NO_VALUE,
    ]


def reservation_detail(view: ReservationView, language: str) -> str:
    parts = [
        _title_line(view.title, view.authors),
        f"{view.library_name} · {reservation_state(view, language)}",
    ]
    return "\n".join(parts)


# ------------------------------------------------------------------------ loans


def loan_columns(language: str) -> list[Column]:
    return [
        Column("title", tr("account.col.title", language), flex=True, min_width=14),
        Column(
            "library", tr("account.col.library", language), flex=True, min_width=10, optional=True
        ),
        Column("due", tr("account.col.due", language)),
        Column("overdue", tr("account.col.overdue", language), flex=True, min_width=13),
        Column("status", tr("account.col.status", language), flex=True, min_width=25),
    ]


def loan_overdue(view: LoanView, language: str) -> str:
    """R11: "5 d., 0,50 €" for an overdue loan, a dash otherwise."""
    if view.overdue_days <= 0:
        return NO_VALUE
    return tr(
        "account.loans.overdue",
        language,
        days=view.overdue_days,
        fine=format_money(view.fine, language),
    )


def loan_status(view: LoanView, language: str) -> str:
    """R12: "Pagarināt", "Neapstrādāts pagarinājums" or why renewal is not offered."""
    if view.loan.renewal == RenewalState.PENDING:
        return tr("account.loans.pending", language)
    if view.renew.allowed:
        return tr("account.loans.renew", language)
    if view.renew.refusal is not None:
        return view.renew.refusal.text(language)
    return NO_VALUE


def loan_row(view: LoanView, language: str, names: Names = _NONE) -> list[str]:
    return [
        view.title,
        names.get(view.library_name, view.library_name),
        format_date(view.loan.due),
        loan_overdue(view, language),
        loan_status(view, language),
    ]


def loan_detail(view: LoanView, language: str) -> str:
    lines = [f"{_title_line(view.title, view.authors)} · {view.library_name}"]
    due = f"{tr('account.col.due', language)}: {format_date(view.loan.due)}"
    status = f"{due} · {loan_status(view, language)}"
    if view.overdue_days > 0:
        status += f" · {tr('account.col.overdue', language)}: {loan_overdue(view, language)}"
    lines.append(status)
    if view.loan.last_renewal_note and view.loan.renewal != RenewalState.PENDING:
        lines.append(tr("account.loans.denied_note", language, note=view.loan.last_renewal_note))
    return "\n".join(lines)


# ---------------------------------------------------------------- free requests

_REQUEST_STATES = {
    FreeRequestState.SENT: "account.freq.sent",
    FreeRequestState.ACCEPTED: "account.freq.accepted",
    FreeRequestState.FULFILLED: "account.freq.fulfilled",
    FreeRequestState.REJECTED: "account.freq.rejected",
}


def request_columns(language: str) -> list[Column]:
    return [
        Column("title", tr("account.col.title", language), flex=True, min_width=14),
        Column("author", tr("account.col.author", language), flex=True, min_width=8),
        Column(
            "pickup", tr("account.col.pickup", language), flex=True, min_width=14, optional=True
        ),
        Column("state", tr("account.col.state", language), flex=True, min_width=20),
        Column("review_by", tr("account.col.review_by", language)),
    ]


def request_row(view: FreeRequestView, language: str, names: Names = _NONE) -> list[str]:
    r = view.request
    return [
        r.title,
        r.author or NO_VALUE,
        _pickup(view, language, names.get(view.library_name, view.library_name)),
        tr(_REQUEST_STATES.get(r.state, "account.freq.sent"), language),
        format_datetime(r.review_by) if r.state == FreeRequestState.SENT else NO_VALUE,
    ]


def request_detail(view: FreeRequestView, language: str) -> str:
    r = view.request
    lines = [f"{_title_line(r.title, [r.author])} · {_pickup(view, language, view.library_name)}"]
    state = tr(_REQUEST_STATES.get(r.state, "account.freq.sent"), language)
    if r.state == FreeRequestState.SENT:
        state += " · " + tr("account.freq.review_by", language, when=format_datetime(r.review_by))
    if r.year:
        state += " · " + tr("account.detail.year", language, year=r.year)
    lines.append(state)
    if r.info:
        lines.append(tr("account.detail.info", language, info=r.info))
    if r.note:
        lines.append(tr("account.detail.note", language, note=r.note))
    return "\n".join(lines)


def _pickup(view: FreeRequestView, language: str, library: str) -> str:
    collection = view.collection_en if language == "en" else view.collection_lv
    return f"{library} / {collection}" if collection else library


# ---------------------------------------------------------------------- history


def history_columns(language: str) -> list[Column]:
    return [
        Column("title", tr("account.col.title", language), flex=True, min_width=14),
        Column("author", tr("account.col.author", language), flex=True, min_width=8),
        Column(
            "library", tr("account.col.library", language), flex=True, min_width=10, optional=True
        ),
        Column("checked_out", tr("account.col.checked_out", language)),
        Column("returned", tr("account.col.returned", language)),
    ]


def history_row(entry: HistoryEntry, language: str, names: Names = _NONE) -> list[str]:
    return [
        entry.title,
        "; ".join(entry.authors) or NO_VALUE,
        names.get(entry.library_name, entry.library_name),
        format_date(entry.loan.checked_out),
        format_date(entry.loan.returned),
    ]


def history_detail(entry: HistoryEntry, language: str) -> str:
    return f"{_title_line(entry.title, entry.authors)} · {entry.library_name}"


def _title_line(title: str, authors: list[str]) -> str:
    """ "Author — Title"; an author given as a dash or any mark is left out."""
    authors = [a for a in authors if any(ch.isalnum() for ch in a)]
    if authors:
        return f"{'; '.join(authors)} — {title}"
    return title
