"""The desk's three work queues (R14): reservations to confirm or reject,
renewals to approve or deny, free requests to accept, fulfil or reject.

Each is a ``QueuePane`` (``screens.desk.queue_pane``: the table, the keys acting
once on the highlighted row, the count); here is what each key asks the
service and how its answer is said.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.binding import Binding

from screens.desk.queue_pane import QueuePane
from services.models import (
    FreeRequestState,
    FreeRequestView,
    LoanView,
    ReservationView,
    Session,
)
from tui.i18n import format_date, texts, tr
from screens.rows import desk as rows
from widgets.fit_table import Column

texts(
    {
        "desk.key.confirm": ("Apstiprināt", "Confirm"),
        "desk.key.reject": ("Noraidīt", "Reject"),
        "desk.key.approve": ("Apstiprināt", "Approve"),
        "desk.key.deny": ("Atteikt", "Deny"),
        "desk.key.accept": ("Pieņemt", "Accept"),
        "desk.key.fulfil": ("Izpildīt", "Fulfil"),
        "desk.key.reload": ("Atjaunot", "Refresh"),
        "desk.empty.reservations": (
            "Nav neapstrādātu rezervāciju.",
            "No reservations are waiting for confirmation.",
        ),
        "desk.empty.renewals": (
            "Nav neapstrādātu pagarinājumu.",
            "No renewal requests are waiting.",
        ),
        "desk.empty.requests": (
            "Nav neapstrādātu brīvo pieprasījumu.",
            "No free requests are waiting.",
        ),
        "desk.done.confirmed": (
            "Apstiprināts: {title} — {name}, rezervēts plauktā līdz {date}",
            "Confirmed: {title} — {name}, on the hold shelf until {date}",
        ),
        "desk.done.rejected": ("Noraidīts: {title} — {name}", "Rejected: {title} — {name}"),
        "desk.done.approved": (
            "Pagarināts: {title} — {name}, jaunais termiņš {date}",
            "Renewed: {title} — {name}, new due date {date}",
        ),
        "desk.done.denied": (
            "Pagarinājums atteikts: {title} — {name}",
            "Renewal denied: {title} — {name}",
        ),
        "desk.done.accepted": ("Pieņemts: {title} — {name}", "Accepted: {title} — {name}"),
        "desk.done.fulfilled": ("Izpildīts: {title} — {name}", "Fulfilled: {title} — {name}"),
        "desk.done.request_rejected": (
            "Pieprasījums noraidīts: {title} — {name}",
            "Request rejected: {title} — {name}",
        ),
        "desk.reason.reject_reservation": ("Noraidīt rezervāciju", "Reject the reservation"),
        "desk.reason.deny_renewal": ("Atteikt pagarinājumu", "Deny the renewal"),
        "desk.reason.accept_request": ("Pieņemt brīvo pieprasījumu", "Accept the free request"),
        "desk.reason.fulfil_request": ("Izpildīt brīvo pieprasījumu", "Fulfil the free request"),
        "desk.reason.reject_request": ("Noraidīt brīvo pieprasījumu", "Reject the free request"),
    }
)

def _who(view: ReservationView | LoanView | FreeRequestView) -> str:
    return view.patron.name if view.patron is not None else "—"


# --------------------------------------------------------------- reservations


class ReservationsPane(QueuePane[ReservationView]):
    TAB = "reservations"
    EMPTY = "desk.empty.reservations"

    BINDINGS = [
        Binding("a", "confirm", "desk.key.confirm", key_display="A", id="desk.res.confirm"),
        Binding("n", "reject", "desk.key.reject", key_display="N", id="desk.res.reject"),
        Binding("r", "reload", "desk.key.reload", key_display="R", id="desk.res.reload"),
    ]

    def columns(self, language: str) -> list[Column]:
        return rows.reservation_columns(language)

    def row(self, view: ReservationView, language: str, busy: bool) -> list[str]:
        return rows.reservation_row(view, language, busy)

    def detail(self, view: ReservationView, language: str) -> str:
        return rows.reservation_detail(view, language)

    async def fetch(self, session: Session) -> list[ReservationView]:
        return await self.service.staff_reservations(session)

    @staticmethod
    def key_of(view: ReservationView) -> str:
        return str(view.reservation.id)

    def action_confirm(self) -> None:
        async def call(session: Session, view: ReservationView, _text: str) -> ReservationView:
            return await self.service.confirm_reservation(session, view.reservation.id)

        def done(view: ReservationView, answer: ReservationView) -> Callable[[str], str]:
            held = format_date(answer.reservation.held_until)
            return lambda lang: tr(
                "desk.done.confirmed", lang, title=view.title, name=_who(view), date=held
            )

        self.act(call, done)

    def action_reject(self) -> None:
        async def call(session: Session, view: ReservationView, text: str) -> ReservationView:
            return await self.service.reject_reservation(session, view.reservation.id, text)

        def done(view: ReservationView, _answer: ReservationView) -> Callable[[str], str]:
            return lambda lang: tr("desk.done.rejected", lang, title=view.title, name=_who(view))

        self.act(call, done, note="desk.reason.reject_reservation", required=True)


# ------------------------------------------------------------------- renewals


class RenewalsPane(QueuePane[LoanView]):
    TAB = "renewals"
    EMPTY = "desk.empty.renewals"

    BINDINGS = [
        Binding("a", "approve", "desk.key.approve", key_display="A", id="desk.ren.approve"),
        Binding("n", "deny", "desk.key.deny", key_display="N", id="desk.ren.deny"),
        Binding("r", "reload", "desk.key.reload", key_display="R", id="desk.ren.reload"),
    ]

    def columns(self, language: str) -> list[Column]:
        return rows.renewal_columns(language)

    def row(self, view: LoanView, language: str, busy: bool) -> list[str]:
        return rows.renewal_row(view, language, busy)

    def detail(self, view: LoanView, language: str) -> str:
        return rows.renewal_detail(view, language)

    async def fetch(self, session: Session) -> list[LoanView]:
        return await self.service.staff_renewals(session)

    @staticmethod
    def key_of(view: LoanView) -> str:
        return str(view.loan.id)

    def action_approve(self) -> None:
        async def call(session: Session, view: LoanView, _text: str) -> LoanView:
            return await self.service.approve_renewal(session, view.loan.id)

        def done(view: LoanView, answer: LoanView) -> Callable[[str], str]:
            due = format_date(answer.loan.due)
            return lambda lang: tr(
                "desk.done.approved", lang, title=view.title, name=_who(view), date=due
            )

        self.act(call, done)

    def action_deny(self) -> None:
        async def call(session: Session, view: LoanView, text: str) -> LoanView:
            return await self.service.deny_renewal(session, view.loan.id, text)

        def done(view: LoanView, _answer: LoanView) -> Callable[[str], str]:
            return lambda lang: tr("desk.done.denied", lang, title=view.title, name=_who(view))

        self.act(call, done, note="desk.reason.deny_renewal", required=True)


# -------------------------------------------------------------- free requests


class RequestsPane(QueuePane[FreeRequestView]):
    TAB = "requests"
    EMPTY = "desk.empty.requests"

    BINDINGS = [
        Binding("p", "accept", "desk.key.accept", key_display="P", id="desk.req.accept"),
        Binding("i", "fulfil", "desk.key.fulfil", key_display="I", id="desk.req.fulfil"),
        Binding("n", "reject", "desk.key.reject", key_display="N", id="desk.req.reject"),
        Binding("r", "reload", "desk.key.reload", key_display="R", id="desk.req.reload"),
    ]

    def columns(self, language: str) -> list[Column]:
        return rows.request_columns(language)

    def row(self, view: FreeRequestView, language: str, busy: bool) -> list[str]:
        return rows.request_row(view, language, busy)

    def detail(self, view: FreeRequestView, language: str) -> str:
        return rows.request_detail(view, language)

    async def fetch(self, session: Session) -> list[FreeRequestView]:
        return await self.service.staff_free_requests(session)

    @staticmethod
    def key_of(view: FreeRequestView) -> str:
        return str(view.request.id)

    def still_open(self, view: FreeRequestView) -> bool:
        return view.request.state in (FreeRequestState.SENT, FreeRequestState.ACCEPTED)

    def _done(self, key: str) -> Callable[[FreeRequestView, FreeRequestView], Callable[[str], str]]:
        def done(view: FreeRequestView, _answer: FreeRequestView) -> Callable[[str], str]:
            return lambda lang: tr(key, lang, title=view.request.title, name=_who(view))

        return done

    def action_accept(self) -> None:
        async def call(session: Session, view: FreeRequestView, text: str) -> FreeRequestView:
            return await self.service.accept_free_request(session, view.request.id, text)

        self.act(call, self._done("desk.done.accepted"), note="desk.reason.accept_request")

    def action_fulfil(self) -> None:
        async def call(session: Session, view: FreeRequestView, text: str) -> FreeRequestView:
            return await self.service.fulfil_free_request(session, view.request.id, text)

        self.act(call, self._done("desk.done.fulfilled"), note="desk.reason.fulfil_request")

    def action_reject(self) -> None:
        async def call(session: Session, view: FreeRequestView, text: str) -> FreeRequestView:
            return await self.service.reject_free_request(session, view.request.id, text)

        self.act(
            call, self._done("desk.done.request_rejected"),
            note="desk.reason.reject_request", required=True,
        )
