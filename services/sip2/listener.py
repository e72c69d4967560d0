"""The SIP2 listener of ``mana serve``: self-check machines use Mana's engine
as their library system, under the same rules as the HTTP API.

A connection starts with the terminal's login (93), checked against the
terminals of ``[server.sip2]`` (an argon2 hash each); anything else first
closes it. The terminal acts for its library: checkouts and checkins (11,
09) in the name of the staff member its settings name (``desk``), the
patron's own requests (63, 29, 65, 15, 35) with the patron's session, opened
with their card (AA) and PIN (AD: their Mana password) and kept for the
connection. Refusals are the rules' sentences in the patron's language (AF),
with Mana's own fields that other machines ignore: ``ZC`` the refusal's
code, ``ZR`` a renewal's state ("pending": waiting for a librarian).

A frame that cannot be read is answered 96 (send it again); one that is too
long, or a peer silent for ``idle_seconds``, closes the connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from services import rules
from services.clock import Clock, SystemClock
from services.errors import (
    Forbidden,
    InvalidCredentials,
    ManaError,
    NotAuthenticated,
    NotFound,
    Refused,
)
from services.models import (
    CopyStatus,
    Library,
    LoanView,
    RenewalState,
    ReservationState,
    ReservationView,
    Session,
)
from services.protocol import LibraryService
from services.server.settings import Sip2Settings, Sip2Terminal
from services.sip2 import desk
from services.sip2.codec import Codec, FrameTooLong, Message, ParseError, message, read_frame
from services.sip2.messages import (
    PROTOCOL_VERSION,
    Circulation,
    PatronFlag,
    Summary,
    language_code,
    language_of,
    patron_status,
    sip_date,
    summary_of,
    supported_messages,
    yes_no,
)
from services.sip2.texts import say

log = logging.getLogger("mana.sip2")

MAX_ITEMS = 50
"""Items listed in one patron information answer when the SC gives no range."""

GARBAGE_IN_A_ROW = 5
"""Unreadable frames in a row after which the connection is closed."""

LOGIN_TRIES = 3
"""Failed terminal logins on one connection before it is closed."""

PIN_FREE_FAILURES = 3
"""Wrong patron PINs on one connection answered at once; each further one waits
1 s, doubling, at most ``PIN_DELAY_MAX``."""
PIN_DELAY_MAX = 10.0

COMMANDS = {"93", "99", "97", "63", "23", "17", "29", "65", "15", "11", "09", "35", "37"}

CIRCULATION = {
    CopyStatus.AVAILABLE: Circulation.AVAILABLE,
    CopyStatus.RESERVED: Circulation.OTHER,
    CopyStatus.ON_HOLD: Circulation.ON_HOLD_SHELF,
    CopyStatus.ON_LOAN: Circulation.CHARGED,
    CopyStatus.IN_TRANSIT: Circulation.IN_TRANSIT,
    CopyStatus.IN_REPAIR: Circulation.OTHER,
    CopyStatus.PROCESSING: Circulation.IN_PROCESS,
    CopyStatus.LOST: Circulation.LOST,
    CopyStatus.NOT_FOR_LOAN: Circulation.OTHER,
}


def ssl_context(settings: Sip2Settings) -> ssl.SSLContext | None:
    """The server's TLS context from ``tls_cert``/``tls_key``, or None (plain TCP)."""
    if not settings.tls_cert:
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(settings.tls_cert, settings.tls_key or None)
    return context


class _NoStaff(Forbidden):
    """The terminal has no staff member to check out and in as."""


def money(amount: Decimal) -> str:
    return f"{amount:.2f}"


@dataclass
class _Patron:
    pin: bytes
    """SHA-256 of the PIN the session was opened with."""
    session: Session


@dataclass
class _Connection:
    codec: Codec
    terminal: Sip2Terminal | None = None
    last: bytes = b""
    """The last answer, for a request to resend (97)."""
    patrons: dict[str, _Patron] = field(default_factory=dict)
    failed_logins: int = 0
    failed_pins: int = 0

    @property
    def institution(self) -> str:
        assert self.terminal is not None
        return self.terminal.institution_id or self.terminal.library


class Sip2Listener:
    """An asyncio TCP (or TLS) server answering SIP2 from ``engine``."""

    def __init__(self, engine: LibraryService, settings: Sip2Settings, *,
                 clock: Clock | None = None, tls: ssl.SSLContext | None = None) -> None:
        self.engine = engine
        self.settings = settings
        self.clock = clock or SystemClock()
        self.tls = tls if tls is not None else ssl_context(settings)
        self._terminals = {t.login: t for t in settings.terminals}
        self._staff: dict[str, Session] = {}
        self._server: asyncio.Server | None = None
        self._active = 0
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> int:
        """Listen on ``settings.host``/``port``; returns the port (the one
        chosen when the settings say 0)."""
        if not self._terminals:
            log.warning("[server.sip2] has no terminals: every SIP2 login is refused")
        self._server = await asyncio.start_server(
            self._accept, self.settings.host, self.settings.port, ssl=self.tls,
            limit=self.settings.max_message_bytes + 2)
        port = self._server.sockets[0].getsockname()[1]
        log.info("SIP2 listener on %s:%d%s", self.settings.host, port,
                 " (TLS)" if self.tls else "")
        return int(port)

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            with contextlib.suppress(Exception):
                await self._server.wait_closed()
            self._server = None

    # ------------------------------------------------------------- connections

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self._active >= self.settings.max_connections:
            log.warning("SIP2: a connection over max_connections was closed")
            writer.close()
            return
        self._active += 1
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        connection = _Connection(Codec(self.settings.delimiter, self.settings.charset,
                                       self.settings.max_message_bytes))
        try:
            await self._converse(connection, reader, writer)
        except (ConnectionError, TimeoutError, asyncio.IncompleteReadError, ssl.SSLError):
            pass
        finally:
            self._active -= 1
            if task is not None:
                self._tasks.discard(task)
            await self._forget(connection)
            writer.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(writer.wait_closed(), 1)

    async def _converse(self, connection: _Connection, reader: asyncio.StreamReader,
                        writer: asyncio.StreamWriter) -> None:
        idle = self.settings.idle_seconds
        garbage = 0
        while True:
            try:
                frame = await asyncio.wait_for(
                    read_frame(reader, self.settings.max_message_bytes), idle)
            except FrameTooLong:
                log.info("SIP2: a message over %d bytes closed its connection",
                         self.settings.max_message_bytes)
                return
            try:
                decoded = connection.codec.decode(frame)
            except ParseError as error:
                if error.reason == "too_long":
                    return
                garbage += 1
                if garbage >= GARBAGE_IN_A_ROW:
                    log.info("SIP2: %d unreadable messages in a row; connection closed", garbage)
                    return
                await self._send(writer, connection.codec.encode(message("96")), idle)
                continue
            garbage = 0
            msg = decoded.message
            if msg.command == "97":
                await self._send(writer, connection.last or connection.codec.encode(
                    message("96")), idle)
                continue
            if connection.terminal is None and msg.command != "93":
                return  # not logged in: the SC logs in again on a new connection
            answer = await self._answer(connection, msg)
            if answer is None:
                return
            connection.last = connection.codec.encode(answer, decoded.sequence, decoded.checked)
            await self._send(writer, connection.last, idle)
            if msg.command == "93":
                if connection.terminal is None and connection.failed_logins >= LOGIN_TRIES:
                    return
                if connection.terminal is not None:
                    connection.codec = Codec(
                        connection.terminal.delimiter or self.settings.delimiter,
                        connection.terminal.charset or self.settings.charset,
                        self.settings.max_message_bytes)

    @staticmethod
    async def _send(writer: asyncio.StreamWriter, frame: bytes, idle: float) -> None:
        writer.write(frame)
        await asyncio.wait_for(writer.drain(), idle)

    async def _answer(self, connection: _Connection, msg: Message) -> Message | None:
        """The answer to ``msg``, or None to close the connection."""
        handler: Callable[[_Connection, Message], Awaitable[Message | None]] | None = {
            "93": self._login, "99": self._status, "63": self._patron_information,
            "23": self._patron_status, "17": self._item_information, "29": self._renew,
            "65": self._renew_all, "15": self._hold, "11": self._checkout,
            "09": self._checkin, "35": self._end_session, "37": self._fee_paid,
        }.get(msg.command)
        if handler is None:
            log.info("SIP2: command %s is not supported; connection closed", msg.command)
            return None
        try:
            return await handler(connection, msg)
        except ManaError as error:
            log.warning("SIP2: %s failed: %s", msg.command, error.en)
            return None
        except desk.NoDesk as error:
            log.error("SIP2: %s", error)
            return None

    async def _forget(self, connection: _Connection) -> None:
        """Log out the patrons the connection opened sessions for."""
        for patron in connection.patrons.values():
            with contextlib.suppress(ManaError):
                await self.engine.logout(patron.session)
        connection.patrons.clear()

    # ------------------------------------------------------------------ helpers

    def _now(self) -> str:
        return sip_date(self.clock.now())

    def _today(self) -> date:
        return self.clock.now().date()

    async def _library(self, connection: _Connection) -> Library | None:
        assert connection.terminal is not None
        wanted = connection.terminal.library
        return next((lib for lib in await self.engine.libraries() if lib.id == wanted), None)

    async def _session(self, connection: _Connection, msg: Message) -> Session:
        """The session of the patron of ``msg`` (AA, AD). Raises
        ``InvalidCredentials`` (also when AD is missing), ``TooManyAttempts``."""
        card = msg.get("AA").strip()
        pin = msg.get("AD")
        if not card or not msg.has("AD"):
            raise InvalidCredentials()
        digest = hashlib.sha256(pin.encode("utf-8", "surrogatepass")).digest()
        known = connection.patrons.get(card)
        if known is not None and hmac.compare_digest(known.pin, digest):
            return known.session
        try:
            session = await self.engine.login(card, pin)
        except InvalidCredentials:
            connection.failed_pins += 1
            excess = connection.failed_pins - PIN_FREE_FAILURES
            if excess >= 0:
                await asyncio.sleep(min(2.0 ** excess, PIN_DELAY_MAX))
            raise
        if known is not None:
            with contextlib.suppress(ManaError):
                await self.engine.logout(known.session)
        connection.patrons[card] = _Patron(digest, session)
        return session

    def _known_language(self, connection: _Connection, card: str) -> str:
        patron = connection.patrons.get(card.strip())
        return patron.session.patron.language if patron else "lv"

    async def _staff_session(self, connection: _Connection, renew: bool = False) -> Session:
        terminal = connection.terminal
        assert terminal is not None
        if not terminal.staff_account:
            raise _NoStaff()
        session = None if renew else self._staff.get(terminal.login)
        if session is None:
            try:
                session = await desk.staff_session(self.engine, terminal.staff_account,
                                                   terminal.library)
            except Forbidden:
                log.error("SIP2: terminal %s: staff_account %r is no staff member of %s",
                          terminal.login, terminal.staff_account, terminal.library)
                raise _NoStaff() from None
            self._staff[terminal.login] = session
        return session

    async def _as_staff(self, connection: _Connection,
                        work: Callable[[Session], Awaitable[object]]) -> object:
        """``work`` with the terminal's staff session, opened again once when
        it had ended."""
        try:
            return await work(await self._staff_session(connection))
        except NotAuthenticated:
            return await work(await self._staff_session(connection, renew=True))

    @staticmethod
    def _refusal_fields(error: ManaError, language: str) -> list[tuple[str, str | None]]:
        code = error.refusal.code if isinstance(error, Refused) else error.code
        return [("AF", error.text(language)), ("ZC", code)]

    # --------------------------------------------------------------- terminals

    async def _login(self, connection: _Connection, msg: Message) -> Message:
        from argon2 import PasswordHasher

        from services.engine.hashing import check, dummy_check, in_background

        hasher = PasswordHasher()
        terminal = self._terminals.get(msg.get("CN"))
        if terminal is None:
            await in_background(dummy_check, hasher, msg.get("CO"))
            matches = False
        else:
            matches, _ = await in_background(check, hasher, terminal.password_hash, None,
                                             msg.get("CO"))
        if matches:
            connection.terminal = terminal
            log.info("SIP2: terminal %s logged in", msg.get("CN"))
        else:
            connection.failed_logins += 1
            log.warning("SIP2: a terminal login as %r was refused", msg.get("CN")[:64])
            await asyncio.sleep(min(connection.failed_logins, 3))
        return message("94", {"ok": "1" if matches else "0"})

    async def _status(self, connection: _Connection, msg: Message) -> Message:
        library = await self._library(connection)
        return message("98", {
            "online_status": "Y", "checkin_ok": yes_no(bool(connection.terminal and
                                                           connection.terminal.staff_account)),
            "checkout_ok": yes_no(bool(connection.terminal and connection.terminal.staff_account)),
            "acs_renewal_policy": "Y", "status_update_ok": "N", "offline_ok": "N",
            "timeout_period": f"{min(999, int(self.settings.idle_seconds)):03d}",
            "retries_allowed": "003", "date_time_sync": self._now(),
            "protocol_version": PROTOCOL_VERSION,
        }, [
            ("AO", connection.institution),
            ("AM", library.name if library else None),
            ("BX", supported_messages(COMMANDS)),
            ("AN", connection.terminal.location if connection.terminal else None),
        ])

    # ----------------------------------------------------------------- patrons

    async def _patron_information(self, connection: _Connection, msg: Message) -> Message:
        return await self._patron_answer(connection, msg, "64")

    async def _patron_status(self, connection: _Connection, msg: Message) -> Message:
        return await self._patron_answer(connection, msg, "24")

    async def _patron_answer(self, connection: _Connection, msg: Message,
                             command: str) -> Message:
        """64 (with the lists) or 24 (the status alone) for the patron of ``msg``."""
        asked = msg.fixed.get("language", "000")
        card = msg.get("AA")
        try:
            session = await self._session(connection, msg)
        except ManaError as error:
            language = language_of(asked)
            fixed = {"patron_status": patron_status(set(PatronFlag)), "language": asked,
                     "transaction_date": self._now()}
            if command == "64":
                fixed |= {name: "0000" for name in (
                    "hold_items_count", "overdue_items_count", "charged_items_count",
                    "fine_items_count", "recall_items_count", "unavailable_holds_count")}
            return message(command, fixed, [
                ("AO", connection.institution), ("AA", card), ("AE", ""),
                ("BL", "N"), ("CQ", "N"), ("AF", error.text(language)),
                ("ZC", error.code)])
        patron = session.patron
        language = language_of(asked, patron.language)
        loans = await self.engine.loans(session)
        reservations = [r for r in await self.engine.reservations(session)
                        if r.reservation.state.active]
        library = await self._library(connection)
        overdue = [v for v in loans if v.overdue_days > 0]
        fined = [v for v in loans if v.fine > 0]
        ready = [r for r in reservations if r.reservation.state == ReservationState.READY]
        waiting = [r for r in reservations if r.reservation.state != ReservationState.READY]
        flags: set[PatronFlag] = set()
        screen: list[str] = []
        if overdue:
            flags |= {PatronFlag.CHARGE_DENIED, PatronFlag.TOO_MANY_OVERDUE}
            screen.append(rules.blocked_overdue().text(language))
        if loans and not any(v.renew.allowed for v in loans):
            flags.add(PatronFlag.RENEWAL_DENIED)
        if library is not None:
            here = [r for r in reservations if r.reservation.library_id == library.id]
            if len(here) >= library.rules.reservation_limit:
                flags.add(PatronFlag.HOLD_DENIED)
                screen.append(rules.reservation_limit(library.rules.reservation_limit)
                              .text(language))
        total = sum((v.fine for v in loans), Decimal("0"))
        if total:
            screen.append(say("fine", language, amount=money(total)))
        fixed = {"patron_status": patron_status(flags), "language": language_code(language),
                 "transaction_date": self._now()}
        fields: list[tuple[str, str | None]] = [
            ("AO", connection.institution), ("AA", patron.card_number), ("AE", patron.name)]
        if command == "64":
            fixed |= {
                "hold_items_count": f"{len(ready):04d}",
                "overdue_items_count": f"{len(overdue):04d}",
                "charged_items_count": f"{len(loans):04d}",
                "fine_items_count": f"{len(fined):04d}",
                "recall_items_count": "0000",
                "unavailable_holds_count": f"{len(waiting):04d}",
            }
            if library is not None:
                fields.append(("BZ", f"{min(9999, library.rules.reservation_limit):04d}"))
            fields += [("BL", "Y"), ("CQ", "Y"), ("BH", "EUR"), ("BV", money(total))]
            fields += self._items(msg, loans, overdue, fined, ready, waiting)
            fields.append(("BE", patron.email or None))
        else:
            fields += [("BL", "Y"), ("CQ", "Y"), ("BH", "EUR"), ("BV", money(total))]
        fields += [("AF", line) for line in screen]
        return message(command, fixed, fields)

    @staticmethod
    def _items(msg: Message, loans: list[LoanView], overdue: list[LoanView],
               fined: list[LoanView], ready: list[ReservationView],
               waiting: list[ReservationView]) -> list[tuple[str, str | None]]:
        """The list the summary asks for, within BP..BQ (1-based, inclusive)."""
        which = summary_of(msg.fixed.get("summary", ""))
        if which is None:
            return []
        lists: dict[Summary, tuple[str, list[str]]] = {
            Summary.HOLD: ("AS", [r.reservation.barcode for r in ready]),
            Summary.OVERDUE: ("AT", [v.loan.barcode for v in overdue]),
            Summary.CHARGED: ("AU", [v.loan.barcode for v in loans]),
            Summary.FINE: ("AV", [f"{v.loan.barcode} {money(v.fine)} {v.title}"
                                  for v in fined]),
            Summary.RECALL: ("BU", []),
            Summary.UNAVAILABLE_HOLD: ("CD", [r.reservation.barcode for r in waiting]),
        }
        field_id, values = lists[which]
        start = _number(msg.get("BP"), 1)
        end = _number(msg.get("BQ"), start + MAX_ITEMS - 1)
        end = min(end, start + MAX_ITEMS - 1)
        return [(field_id, value) for value in values[start - 1:end]]

    async def _end_session(self, connection: _Connection, msg: Message) -> Message:
        patron = connection.patrons.pop(msg.get("AA").strip(), None)
        if patron is not None:
            with contextlib.suppress(ManaError):
                await self.engine.logout(patron.session)
        return message("36", {"end_session": "Y", "transaction_date": self._now()},
                       [("AO", connection.institution), ("AA", msg.get("AA"))])

    async def _fee_paid(self, connection: _Connection, msg: Message) -> Message:
        language = self._known_language(connection, msg.get("AA"))
        return message("38", {"payment_accepted": "N", "transaction_date": self._now()},
                       [("AO", connection.institution), ("AA", msg.get("AA")),
                        ("AF", say("no_payments", language))])

    # ------------------------------------------------------------------- items

    async def _item_information(self, connection: _Connection, msg: Message) -> Message:
        barcode = msg.get("AB")
        found = await desk.item(self.engine, barcode)
        now = self._now()
        if found is None:
            return message("18", {"circulation_status": Circulation.OTHER,
                                  "security_marker": "00", "fee_type": "01",
                                  "transaction_date": now},
                           [("AB", barcode), ("AJ", ""), ("AF", say("unknown_item", "lv"))])
        copy = found.copy.item
        offer = found.copy.offer
        status = CIRCULATION[copy.status]
        if copy.status == CopyStatus.AVAILABLE and found.queue_length:
            status = Circulation.OTHER
        return message("18", {"circulation_status": status, "security_marker": "00",
                              "fee_type": "01", "transaction_date": now}, [
            ("CF", f"{found.queue_length}"),
            ("AH", sip_date(found.due) if found.due else None),
            ("CM", sip_date(found.held_until) if found.held_until else None),
            ("AB", copy.barcode), ("AJ", found.title), ("BG", found.copy.library_name),
            ("AQ", copy.library_id), ("AP", copy.library_id),
            ("AF", offer.refusal.text("lv") if offer.refusal else None),
            ("AF", rules.reading_room().text("lv") if offer.kind == "reading_room" else None),
        ])

    # ---------------------------------------------------------------- renewals

    async def _renew(self, connection: _Connection, msg: Message) -> Message:
        barcode = msg.get("AB")
        base = {"ok": "0", "renewal_ok": "N", "magnetic_media": "U", "desensitize": "U",
                "transaction_date": self._now()}
        head: list[tuple[str, str | None]] = [("AO", connection.institution),
                                              ("AA", msg.get("AA")), ("AB", barcode)]
        try:
            session = await self._session(connection, msg)
        except ManaError as error:
            language = self._known_language(connection, msg.get("AA"))
            return message("30", base, [*head, ("AJ", ""), ("AH", ""),
                                        *self._refusal_fields(error, language)])
        language = session.patron.language
        loan = next((v for v in await self.engine.loans(session)
                     if v.loan.barcode == barcode.strip()), None)
        if loan is None:
            return message("30", base, [*head, ("AJ", ""), ("AH", ""),
                                        ("AF", say("not_yours", language)),
                                        ("ZC", NotFound.code)])
        try:
            renewed = await self.engine.request_renewal(session, loan.loan.id)
        except (Refused, NotFound) as error:
            return message("30", base, [*head, ("AJ", loan.title),
                                        ("AH", sip_date(loan.loan.due)),
                                        *self._refusal_fields(error, language)])
        due = renewed.loan.due
        if renewed.loan.renewal == RenewalState.PENDING:
            return message("30", base, [*head, ("AJ", renewed.title), ("AH", sip_date(due)),
                                        ("AF", say("renewal_requested", language, due=due)),
                                        ("ZR", "pending")])
        return message("30", base | {"ok": "1", "renewal_ok": "Y"}, [
            *head, ("AJ", renewed.title), ("AH", sip_date(due)),
            ("AF", say("renewed", language, due=due)), ("ZR", "renewed")])

    async def _renew_all(self, connection: _Connection, msg: Message) -> Message:
        try:
            session = await self._session(connection, msg)
        except ManaError as error:
            language = self._known_language(connection, msg.get("AA"))
            return message("66", {"ok": "0", "renewed_count": "0000",
                                  "unrenewed_count": "0000", "transaction_date": self._now()},
                           [("AO", connection.institution),
                            *self._refusal_fields(error, language)])
        language = session.patron.language
        renewed: list[str] = []
        unrenewed: list[str] = []
        screen: list[str] = []
        pending = 0
        for view in await self.engine.loans(session):
            try:
                after = await self.engine.request_renewal(session, view.loan.id)
            except (Refused, NotFound) as error:
                unrenewed.append(view.loan.barcode)
                screen.append(f"{view.title}: {error.text(language)}")
                continue
            if after.loan.renewal == RenewalState.PENDING:
                pending += 1
                unrenewed.append(view.loan.barcode)
            else:
                renewed.append(view.loan.barcode)
        if pending:
            screen.insert(0, say("renewals_requested", language, count=pending))
        return message("66", {"ok": "1", "renewed_count": f"{len(renewed):04d}",
                              "unrenewed_count": f"{len(unrenewed):04d}",
                              "transaction_date": self._now()}, [
            ("AO", connection.institution), *[("BM", b) for b in renewed],
            *[("BN", b) for b in unrenewed], *[("AF", line) for line in screen]])

    # ------------------------------------------------------------------- holds

    async def _hold(self, connection: _Connection, msg: Message) -> Message:
        mode = msg.fixed["hold_mode"]
        barcode = msg.get("AB").strip()
        fail = {"ok": "0", "available": "N", "transaction_date": self._now()}
        head: list[tuple[str, str | None]] = [("AO", connection.institution),
                                              ("AA", msg.get("AA")), ("AB", barcode or None)]
        try:
            session = await self._session(connection, msg)
        except ManaError as error:
            language = self._known_language(connection, msg.get("AA"))
            return message("16", fail, [*head, *self._refusal_fields(error, language)])
        language = session.patron.language
        if mode == "*":
            return message("16", fail, [*head, ("AF", say("hold_change", language))])
        if not barcode:
            return message("16", fail, [*head, ("AF", say("barcode_needed", language))])
        if mode == "-":
            return await self._cancel_hold(session, fail, head, barcode)
        try:
            view = await self.engine.order(session, barcode)
        except (Refused, NotFound) as error:
            if isinstance(error, NotFound):
                return message("16", fail, [*head, ("AF", say("unknown_item", language)),
                                            ("ZC", error.code)])
            return message("16", fail, [*head, *self._refusal_fields(error, language)])
        res = view.reservation
        if res.state == ReservationState.QUEUED:
            said = say("queued", language, title=view.title, position=res.position)
        elif res.state == ReservationState.READY and res.held_until:
            said = say("ready", language, title=view.title, date=res.held_until)
        else:
            said = say("ordered", language, title=view.title)
        return message("16", {"ok": "1", "available": yes_no(res.state == ReservationState.READY),
                              "transaction_date": self._now()}, [
            ("BW", sip_date(res.held_until) if res.held_until else None),
            ("BR", str(res.position) if res.position else None),
            ("BS", res.library_id), *head, ("AJ", view.title), ("AF", said)])

    async def _cancel_hold(self, session: Session, fail: dict[str, str],
                           head: list[tuple[str, str | None]], barcode: str) -> Message:
        language = session.patron.language
        mine = next((r for r in await self.engine.reservations(session)
                     if r.reservation.barcode == barcode and r.reservation.state.active), None)
        if mine is None:
            return message("16", fail, [*head, ("AF", say("no_hold", language)),
                                        ("ZC", NotFound.code)])
        try:
            view = await self.engine.cancel_reservation(session, mine.reservation.id)
        except (Refused, NotFound) as error:
            return message("16", fail, [*head, *self._refusal_fields(error, language)])
        return message("16", {"ok": "1", "available": "N", "transaction_date": self._now()},
                       [*head, ("AJ", view.title),
                        ("AF", say("cancelled", language, title=view.title))])

    # ------------------------------------------------------------- circulation

    async def _checkout(self, connection: _Connection, msg: Message) -> Message:
        card = msg.get("AA").strip()
        barcode = msg.get("AB").strip()
        fail = {"ok": "0", "renewal_ok": "N", "magnetic_media": "U", "desensitize": "N",
                "transaction_date": self._now()}
        head: list[tuple[str, str | None]] = [("AO", connection.institution), ("AA", card),
                                              ("AB", barcode)]
        language = self._known_language(connection, card)
        try:
            if msg.has("AD"):
                language = (await self._session(connection, msg)).patron.language
            view = await self._as_staff(
                connection, lambda staff: self.engine.check_out(staff, card, barcode))
        except (Refused, NotFound, Forbidden, InvalidCredentials) as error:
            return message("12", fail, [*head, ("AJ", ""), ("AH", ""),
                                        *self._circulation_refusal(error, language)])
        assert isinstance(view, LoanView)
        due = view.loan.due
        return message("12", fail | {"ok": "1", "desensitize": "Y"}, [
            *head, ("AJ", view.title), ("AH", sip_date(due)),
            ("AF", say("checked_out", language, title=view.title, due=due))])

    async def _checkin(self, connection: _Connection, msg: Message) -> Message:
        from services.models import CheckInResult

        barcode = msg.get("AB").strip()
        fail = {"ok": "0", "resensitize": "N", "magnetic_media": "U", "alert": "N",
                "transaction_date": self._now()}
        assert connection.terminal is not None
        head: list[tuple[str, str | None]] = [("AO", connection.institution), ("AB", barcode),
                                              ("AQ", connection.terminal.library)]
        language = "lv"
        try:
            result = await self._as_staff(
                connection, lambda staff: self.engine.check_in(staff, barcode))
        except (Refused, NotFound, Forbidden) as error:
            return message("10", fail, [*head, *self._circulation_refusal(error, language)])
        assert isinstance(result, CheckInResult)
        held = result.next_reservation is not None
        screen = [say("checked_in" if result.loan else "not_on_loan", language,
                      title=result.title)]
        if held:
            screen.append(say("hold_shelf", language))
        return message("10", fail | {"ok": "1", "resensitize": yes_no(not held),
                                     "alert": yes_no(held)},
                       [*head, ("AJ", result.title), *[("AF", line) for line in screen]])

    def _circulation_refusal(self, error: ManaError,
                             language: str) -> list[tuple[str, str | None]]:
        """AF for a refused checkout or checkin: the rules' sentence, or why
        the terminal cannot (another library's copy, no staff account)."""
        if isinstance(error, NotFound):
            return [("AF", say("unknown_item", language)), ("ZC", error.code)]
        if isinstance(error, _NoStaff):
            return [("AF", say("no_desk", language)), ("ZC", error.code)]
        if isinstance(error, Forbidden):
            return [("AF", say("other_library", language)), ("ZC", error.code)]
        return self._refusal_fields(error, language)


def _number(text: str, default: int) -> int:
    text = text.strip()
    return max(1, int(text)) if text.isdigit() and len(text) < 6 else default
