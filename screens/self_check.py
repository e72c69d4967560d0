"""Izsniegt sev (issue 15): at a library's terminal, a logged-in patron checks
books out to themselves by scanning their barcodes, and returns books
("Nodot") where the terminal and the library take returns.

The barcode field is the desk's (``widgets.desk_scan.ScanInput``): a
scanner's burst of codes is handed over one Enter at a time, in order, and
the codes are sent to the service one after the other while the field stays
open for the next. Each code gets a line: the title with its due date, or
the service's refusal in words (with a beep, as at the desk). Whether a copy
may be lent or taken back is the service's answer; whether returns are
offered here is what the service (``abilities``), the library's rules
(``LibraryRules.self_check_in``) and the terminal (``[kiosk]
self_check_in``) say together. Esc ends with the receipt on the screen.
Logging out (F10, or the idle logout) drops the screen with all of it.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static

from screens.base import ManaScreen, loader
from services.errors import ManaError, NotAuthenticated, ServiceUnavailable
from services.models import CheckInResult, LoanView, Session
from tui.i18n import format_date, texts, tr
from tui.safe import plain
from widgets.desk_scan import ScanInput
from widgets.keyline import KeyLine
from widgets.label import follow_language
from widgets.notes import put
from widgets.topbar import TopBar

texts(
    {
        "self_check.title.out": ("Izsniegt sev · {library}", "Check out to myself · {library}"),
        "self_check.title.in": ("Nodot · {library}", "Return · {library}"),
        "self_check.title.receipt": ("Kvīts · {library}", "Receipt · {library}"),
        "self_check.barcode": ("Grāmatas svītrkods", "The book's barcode"),
        "self_check.placeholder": ("skenējiet vai ierakstiet, Enter", "scan or type, Enter"),
        "self_check.start.out": (
            "Skenējiet to grāmatu svītrkodus, kuras ņemat līdzi.",
            "Scan the barcodes of the books you are taking.",
        ),
        "self_check.start.in": (
            "Skenējiet to grāmatu svītrkodus, kuras nododat.",
            "Scan the barcodes of the books you are returning.",
        ),
        "self_check.lent": ("{title} ({barcode}) — termiņš {date}",
                            "{title} ({barcode}) — due {date}"),
        "self_check.not_lent": ("Nav izsniegts {barcode}: {reason}",
                                "Not checked out {barcode}: {reason}"),
        "self_check.returned": ("{title} ({barcode}) — Nodots", "{title} ({barcode}) — Returned"),
        "self_check.set_aside": (
            "{title} ({barcode}) — Atstājiet šo grāmatu pie letes: to gaida cits lasītājs",
            "{title} ({barcode}) — Leave this book at the desk: another reader is waiting "
            "for it",
        ),
        "self_check.not_returned": ("Nav nodots {barcode}: {reason}",
                                    "Not returned {barcode}: {reason}"),
        "self_check.receipt.lent": ("Izsniegts ({count})", "Checked out ({count})"),
        "self_check.receipt.returned": ("Nodots ({count})", "Returned ({count})"),
        "self_check.receipt.nothing": ("Šajā reizē nekas nav izsniegts vai nodots.",
                                       "Nothing was checked out or returned this time."),
        "self_check.key.return": ("Nodot", "Return"),
        "self_check.key.check_out": ("Izsniegt sev", "Check out to myself"),
        "self_check.key.finish": ("Pabeigt", "Finish"),
        "self_check.key.email": ("Kvīti e-pastā", "E-mail the receipt"),
        "self_check.emailed": ("Kvīts nosūtīta uz {email}.", "The receipt was sent to {email}."),
    }
)


@dataclass(frozen=True)
class Scan:
    """One code and what came of it: a loan, a return, or a refusal."""

    barcode: str
    loan: LoanView | None = None
    returned: CheckInResult | None = None
    refusal: ManaError | None = None
    returning: bool = False

    def line(self, language: str) -> str:
        if self.loan is not None:
            return tr("self_check.lent", language, title=self.loan.title, barcode=self.barcode,
                      date=format_date(self.loan.loan.due))
        if self.returned is not None:
            key = "self_check.set_aside" if self.returned.set_aside else "self_check.returned"
            return tr(key, language, title=self.returned.title, barcode=self.barcode)
        key = "self_check.not_returned" if self.returning else "self_check.not_lent"
        reason = self.refusal.text(language) if self.refusal is not None else ""
        return tr(key, language, barcode=self.barcode, reason=reason)


class SelfCheckScreen(ManaScreen):
    """Scanning in, one line per copy, and the receipt at the end."""

    DEFAULT_CSS = """
    SelfCheckScreen #self-check-title { text-style: bold; padding: 0 1; }
    SelfCheckScreen #self-check-status { padding: 0 1; }
    SelfCheckScreen #self-check-status.-error { color: $error; text-style: bold; }
    SelfCheckScreen #self-check-scroll { height: 1fr; padding: 0 1; }
    """

    BINDINGS = [
        Binding("escape", "finish", "self_check.key.finish", key_display="Esc",
                id="self_check.finish"),
        Binding("escape", "back", "key.back", key_display="Esc", id="self_check.back"),
        Binding("f7", "mode('in')", "self_check.key.return", key_display="F7",
                id="self_check.return"),
        Binding("f7", "mode('out')", "self_check.key.check_out", key_display="F7",
                id="self_check.check_out"),
        Binding("ctrl+e", "email_receipt", "self_check.key.email", key_display="^E",
                id="self_check.email"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.mode = "out"
        """``out`` (Izsniegt sev), ``in`` (Nodot) or ``receipt`` (the end)."""
        self.scans: list[Scan] = []
        self.returns_offered = False
        """Whether the service, the library and the terminal all take returns here."""
        self.receipts_offered = False
        """Whether the service e-mails receipts (``abilities().receipts``)."""
        self._emailed = False
        self._library_name = ""
        self._pending: deque[tuple[str, str]] = deque()
        self._draining = False

    def compose(self) -> ComposeResult:
        yield TopBar()
        yield Static(id="self-check-title")
        yield ScanInput(id="self-check-barcode", max_length=60)
        yield Static(id="self-check-status")
        with VerticalScroll(id="self-check-scroll"):
            yield Static(id="self-check-list")
        yield KeyLine()

    def on_mount(self) -> None:
        field = self.query_one("#self-check-barcode", ScanInput)
        follow_language(field, "border_title", "self_check.barcode")
        follow_language(field, "placeholder", "self_check.placeholder")
        field.focus()
        self.relabel()
        self._load_terminal()

    @property
    def library(self) -> str:
        terminal = self.kiosk.self_check
        return terminal.library if terminal is not None else ""

    @loader
    async def _load_terminal(self) -> None:
        """The library's name, and whether returns are offered here."""
        abilities = await self.kiosk.abilities()
        library = next((lib for lib in await self.kiosk.libraries() if lib.id == self.library),
                       None)
        terminal = self.kiosk.self_check
        self._library_name = library.short_name if library is not None else self.library
        self.receipts_offered = abilities.receipts
        self.returns_offered = bool(abilities.self_check_in and terminal is not None
                                    and terminal.returns and library is not None
                                    and library.rules.self_check_in)
        self.relabel()
        self.refresh_bindings()

    # ------------------------------------------------------------- showing

    def relabel(self) -> None:
        language = self.language
        title = tr(f"self_check.title.{self.mode}", language, library=self._library_name)
        self.query_one("#self-check-title", Static).update(plain(title, newlines=False))
        self.query_one("#self-check-barcode", ScanInput).display = self.mode != "receipt"
        if self.mode == "receipt":
            self._show_status(None)
            self.query_one("#self-check-list", Static).update(plain(self.receipt(language)))
            return
        latest = self.scans[-1] if self.scans else None
        if latest is None:
            self._show_status(tr(f"self_check.start.{self.mode}", language))
        else:
            self._show_status(latest.line(language), error=latest.refusal is not None)
        lines = [scan.line(language) for scan in reversed(self.scans[:-1])]  # then the earlier
        self.query_one("#self-check-list", Static).update(plain("\n".join(lines)))

    def _show_status(self, text: str | None, *, error: bool = False) -> None:
        status = self.query_one("#self-check-status", Static)
        put(status, plain(text) if text else "")
        status.set_class(error, "-error")

    def receipt(self, language: str) -> str:
        """What was lent (with due dates) and what was returned this time."""
        lent = [scan for scan in self.scans if scan.loan is not None]
        returned = [scan for scan in self.scans if scan.returned is not None]
        if not lent and not returned:
            return tr("self_check.receipt.nothing", language)
        parts: list[str] = []
        if lent:
            parts.append(tr("self_check.receipt.lent", language, count=len(lent)))
            parts += [f"  {scan.line(language)}" for scan in lent]
        if returned:
            if parts:
                parts.append("")
            parts.append(tr("self_check.receipt.returned", language, count=len(returned)))
            parts += [f"  {scan.line(language)}" for scan in returned]
        return "\n".join(parts)

    # --------------------------------------------------------------- keys

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "finish":
            return self.mode != "receipt"
        if action == "back":
            return self.mode == "receipt"
        if action == "email_receipt":
            return self.mode == "receipt" and self.receipts_offered and not self._emailed \
                and any(scan.loan or scan.returned for scan in self.scans)
        if action == "mode":
            wanted = parameters[0] if parameters else ""
            if self.mode == "receipt" or wanted == self.mode:
                return False
            return wanted == "out" or self.returns_offered
        return True

    def action_mode(self, mode: str) -> None:
        if mode == "in" and not self.returns_offered:
            return
        self.mode = mode
        self.relabel()
        self.refresh_bindings()
        self.query_one("#self-check-barcode", ScanInput).focus()

    def action_finish(self) -> None:
        """Esc: no more codes; the receipt."""
        self.mode = "receipt"
        self._pending.clear()
        self.relabel()
        self.refresh_bindings()

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_email_receipt(self) -> None:
        session = self.kiosk.session
        if session is not None and self.check_action("email_receipt", ()):
            self._send_receipt(session)

    @work(group="self-check-receipt", exclusive=True, exit_on_error=False)
    async def _send_receipt(self, session: Session) -> None:
        """The receipt to the patron's e-mail address on file (the service's)."""
        lent = [scan.barcode for scan in self.scans if scan.loan is not None]
        returned = [scan.barcode for scan in self.scans if scan.returned is not None]
        try:
            message = await self.service.send_receipt(session, self.library, lent, returned)
        except NotAuthenticated:
            raise
        except ManaError as error:
            self._show_status(error.text(self.language), error=True)
            self.app.bell()
            return
        self._emailed = True
        self.refresh_bindings()
        self._show_status(tr("self_check.emailed", self.language, email=message.to))

    # -------------------------------------------------------------- codes

    @on(ScanInput.Scanned, "#self-check-barcode")
    def _scanned(self, event: ScanInput.Scanned) -> None:
        event.stop()
        session = self.kiosk.session
        if not event.value or session is None or self.mode == "receipt" \
                or self.kiosk.self_check is None:  # not a self-check terminal (ssh): nothing
            return
        self._pending.append((self.mode, event.value))
        if not self._draining:
            self._draining = True
            self._drain(session)

    @work(group="self-check", exit_on_error=False)
    async def _drain(self, session: Session) -> None:
        """Send the queued codes one after the other, in the order scanned."""
        try:
            while self._pending:
                mode, barcode = self._pending.popleft()
                await self._one(session, mode, barcode)
        finally:
            self._draining = False

    async def _one(self, session: Session, mode: str, barcode: str) -> None:
        try:
            if mode == "in":
                result = await self.service.self_check_in(session, self.library, barcode)
                scan = Scan(barcode, returned=result)
            else:
                loan = await self.service.self_check_out(session, self.library, barcode)
                scan = Scan(barcode, loan=loan)
        except NotAuthenticated:
            self._pending.clear()
            raise
        except ManaError as error:
            if isinstance(error, ServiceUnavailable):
                self.kiosk.report_error(error)
            scan = Scan(barcode, refusal=error, returning=mode == "in")
            self.app.bell()
        self.scans.append(scan)
        self.relabel()
