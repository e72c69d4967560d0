"""The circulation rules of Mana (``docs/rules.md``), as pure functions.

Every adapter applies these; nothing here does I/O or asks a clock: the
caller passes today/now, the library's ``LibraryRules`` and the facts the
rule needs. Refusals come from the factories below, each with a stable
``code`` and a sentence in Latvian and English.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import TYPE_CHECKING

from services.errors import InvalidInput
from services.models import (
    Collection,
    Copy,
    CopyOffer,
    CopyStatus,
    FreeRequestForm,
    Library,
    LibraryRules,
    Loan,
    OfferKind,
    Refusal,
    RenewalState,
    Verdict,
)
from services.text import clean, format_date  # noqa: F401  (format_date: part of the rules API)

if TYPE_CHECKING:
    import holidays

# Accounts (failed logins never lock an account: ``login_delay`` only slows it)
LOGIN_WINDOW = timedelta(minutes=15)
RESET_CODE_VALID = timedelta(minutes=30)
RESET_CODE_TRIES = 5
PASSWORD_MIN = 8
PASSWORD_MAX = 128

# Free requests
AUTHOR_MAX = 300
TITLE_MAX = 300
YEAR_MAX = 20
INFO_MAX = 2000
REVIEW_HOURS = 24

# Reservations listed after they ended
RECENT_DAYS = 30

# Lists (R4)
LIST_MAX = 200
EMAIL_MAX = 254
LISTS_WAITING_MAX = 1000
"""Lists waiting to be delivered at most: anyone may send one, so past this
the outbox takes no more until the mailer catches up (``lists_waiting``)."""

# --------------------------------------------------------------------------
# Refusals


def reading_room() -> Refusal:
    return Refusal(
        code="reading_room",
        lv="Šo eksemplāru var izmantot tikai lasītavā; to nevar pasūtīt.",
        en="This copy is for use in the reading room only; it cannot be ordered.",
    )


def not_orderable() -> Refusal:
    return Refusal(
        code="not_orderable",
        lv="Šo eksemplāru pašlaik nevar pasūtīt. Lūdzu, sazinieties ar bibliotēku.",
        en="This copy cannot be ordered right now. Please contact the library.",
    )


def already_reserved() -> Refusal:
    return Refusal(
        code="already_reserved",
        lv="Jums jau ir rezervācija uz šo eksemplāru.",
        en="You already have a reservation for this copy.",
    )


def own_loan() -> Refusal:
    return Refusal(
        code="own_loan",
        lv="Šis eksemplārs jau ir izsniegts jums.",
        en="This copy is already on loan to you.",
    )


def reservation_limit(limit: int) -> Refusal:
    return Refusal(
        code="reservation_limit",
        lv=f"Nevar pasūtīt: šajā bibliotēkā var būt ne vairāk kā {limit} aktīvas rezervācijas.",
        en=f"Cannot order: you may hold at most {limit} active reservations at this library.",
    )


def not_active() -> Refusal:
    return Refusal(
        code="not_active",
        lv="Šī rezervācija vairs nav aktīva, to nevar atcelt.",
        en="This reservation is no longer active and cannot be cancelled.",
    )


def renewal_pending() -> Refusal:
    return Refusal(
        code="renewal_pending",
        lv="Pagarinājuma pieprasījums jau ir nosūtīts un gaida bibliotekāra apstrādi.",
        en="A renewal request has already been sent and is waiting for a librarian.",
    )


def overdue(due: date) -> Refusal:
    since = format_date(overdue_since(due))
    return Refusal(
        code="overdue",
        lv=f"Nevar pagarināt: termiņš nokavēts kopš {since}",
        en=f"Cannot renew: overdue since {since}",
    )


def renewal_limit(limit: int) -> Refusal:
    return Refusal(
        code="renewal_limit",
        lv=f"Nevar pagarināt: izmantots pagarinājumu skaita ierobežojums ({limit}).",
        en=f"Cannot renew: the renewal limit ({limit}) has been reached.",
    )


def queue_waiting() -> Refusal:
    return Refusal(
        code="queue_waiting",
        lv="Nevar pagarināt: uz šo eksemplāru gaida citi lasītāji.",
        en="Cannot renew: other readers are waiting for this copy.",
    )


def overdue_block() -> Refusal:
    return Refusal(
        code="overdue_block",
        lv="Pasūtījumu nevar veikt, kamēr izsniegums ir nokavēts. "
        "Lūdzu, vispirms nododiet nokavēto izdevumu.",
        en="An order cannot be made while a loan is overdue. "
        "Please return the overdue item first.",
    )


def blocked_overdue() -> Refusal:
    return Refusal(
        code="blocked_overdue",
        lv="Nevar izsniegt: lasītājam ir nokavēts izsniegums.",
        en="Cannot check out: the reader has an overdue loan.",
    )


def held_for_other() -> Refusal:
    return Refusal(
        code="held_for_other",
        lv="Nevar izsniegt: eksemplārs ir rezervēts citam lasītājam.",
        en="Cannot check out: the copy is reserved for another reader.",
    )


def not_on_shelf() -> Refusal:
    return Refusal(
        code="not_on_shelf",
        lv="Nevar izsniegt: eksemplārs nav plauktā.",
        en="Cannot check out: the copy is not on the shelf.",
    )


# --------------------------------------------------------------------------
# Dates


def due_date(today: date, rules: LibraryRules) -> date:
    """The due date of a loan checked out today."""
    return today + timedelta(days=rules.loan_days)


def hold_until(today: date, rules: LibraryRules) -> date:
    """Until when a reservation confirmed today waits on the hold shelf (R6)."""
    return today + timedelta(days=rules.pickup_days)


def hold_expired(held_until: date, today: date) -> bool:
    """A hold expires the day after ``held_until``."""
    return today > held_until


def reminder_due(loan: Loan, rules: LibraryRules, today: date) -> bool:
    """R13: whether the patron is reminded of ``loan`` today: it is out, its
    due date is at most the library's ``reminder_days`` away and not passed,
    it was not lent today, and this due date was not reminded of before."""
    if loan.returned is not None or rules.reminder_days == 0 or loan.reminded == loan.due:
        return False
    return loan.checked_out < today <= loan.due <= today + timedelta(days=rules.reminder_days)


def overdue_since(due: date) -> date:
    return due + timedelta(days=1)


def overdue_days(due: date, today: date) -> int:
    """R11: whole days past the due date, 0 when not overdue."""
    return max(0, (today - due).days)


def is_overdue(loan: Loan, today: date) -> bool:
    return loan.returned is None and today > loan.due


def fine(days_overdue: int, rules: LibraryRules) -> Decimal:
    """R11: the library's fine for ``days_overdue``, capped and rounded to cents."""
    charged = max(0, days_overdue - rules.fine_grace_days)
    amount = min(rules.fine_cap, rules.fine_per_day * charged)
    return amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def expected_date(
    status: CopyStatus,
    rules: LibraryRules,
    today: date,
    waiting: int,
    due: date | None = None,
    held_until: date | None = None,
) -> date:
    """Around when the next reader gets a copy with ``waiting`` readers ahead (R3).

    On loan: ``max(due, today) + waiting × loan_days``. Held or reserved:
    the hold's end (or today + pickup days while unconfirmed) + the holder's
    loan + ``waiting × loan_days``. A queued reservation at position ``p``
    passes ``waiting = p − 1``.
    """
    loan = timedelta(days=rules.loan_days)
    if status == CopyStatus.ON_LOAN:
        return max(due or today, today) + waiting * loan
    start = held_until or hold_until(today, rules)
    return start + loan + waiting * loan


_QUEUEABLE = (CopyStatus.ON_LOAN, CopyStatus.RESERVED, CopyStatus.ON_HOLD, CopyStatus.AVAILABLE)


def copy_offer(
    copy: Copy,
    collection: Collection | None,
    rules: LibraryRules,
    today: date,
    queue_length: int = 0,
    due: date | None = None,
    held_until: date | None = None,
    held: bool = False,
) -> CopyOffer:
    """What a copy offers a patron (R3).

    ``queue_length`` is the number of queued reservations; ``due`` the current
    loan's due date; ``held_until`` the hold's date when the copy is on the
    hold shelf; ``held`` whether an active requested/ready reservation holds it.
    """
    status = copy.status
    if status == CopyStatus.NOT_FOR_LOAN or (
        collection is not None and collection.reading_room and status != CopyStatus.LOST
    ):
        return CopyOffer(kind=OfferKind.READING_ROOM)
    if status == CopyStatus.AVAILABLE and not held and queue_length == 0:
        return CopyOffer(kind=OfferKind.ORDER)
    if status in _QUEUEABLE:  # an available copy here is held or has a queue
        kind_status = status if status != CopyStatus.AVAILABLE else CopyStatus.RESERVED
        return CopyOffer(
            kind=OfferKind.QUEUE,
            due=due if status == CopyStatus.ON_LOAN else None,
            queue_length=queue_length,
            expected=expected_date(kind_status, rules, today, queue_length, due, held_until),
        )
    return CopyOffer(kind=OfferKind.CONTACT, refusal=not_orderable())


def other_library() -> Refusal:
    return Refusal(
        code="other_library",
        lv="Šis eksemplārs pieder citai bibliotēkai. Lūdzu, nododiet to bibliotekāram.",
        en="This copy belongs to another library. Please hand it to a librarian.",
    )


def self_check_in_off() -> Refusal:
    return Refusal(
        code="self_check_in_off",
        lv="Šajā bibliotēkā grāmatas nodod bibliotekāram. Lūdzu, nāciet pie letes.",
        en="At this library, books are returned to a librarian. Please come to the desk.",
    )


def not_on_loan() -> Refusal:
    return Refusal(
        code="not_on_loan",
        lv="Šis eksemplārs nav izsniegts, tāpēc to nevar nodot.",
        en="This copy is not on loan, so it cannot be returned.",
    )


def not_offered() -> Refusal:
    return Refusal(
        code="not_offered",
        lv="Šī bibliotēkas sistēma to nepiedāvā. Lūdzu, jautājiet bibliotekāram.",
        en="This library system does not offer that. Please ask a librarian.",
    )


# --------------------------------------------------------------------------
# Verdicts


def renewal_verdict(loan: Loan, rules: LibraryRules, today: date, queue_length: int) -> Verdict:
    """R12: whether "Pagarināt" is offered, checked in the documented order."""
    if loan.renewal == RenewalState.PENDING:
        return Verdict.no(renewal_pending())
    if today > loan.due:
        return Verdict.no(overdue(loan.due))
    if loan.renewals >= rules.renewal_limit:
        return Verdict.no(renewal_limit(rules.renewal_limit))
    if queue_length > 0:
        return Verdict.no(queue_waiting())
    return Verdict.yes()


def free_request_verdict(loans: Iterable[Loan], today: date) -> Verdict:
    """R9: "Veikt pasūtījumu" is not offered while any current loan is overdue."""
    if any(is_overdue(loan, today) for loan in loans):
        return Verdict.no(overdue_block())
    return Verdict.yes()


# --------------------------------------------------------------------------
# Validation


def _checked(field: str, value: str, limit: int, lv: str, en: str, multiline: bool = False) -> str:
    text = clean(value, keep_newlines=multiline).strip()
    if len(text) > limit:
        raise InvalidInput(
            field,
            f"{lv}: ne vairāk kā {limit} rakstzīmes.",
            f"{en}: at most {limit} characters.",
        )
    return text


def validate_free_request(
    form: FreeRequestForm, libraries: Mapping[str, Library]
) -> FreeRequestForm:
    """R8: the form cleaned of control characters and stripped, or ``InvalidInput``.

    Fields are checked in the order they appear on the form.
    """
    author = _checked("author", form.author, AUTHOR_MAX, "Autors", "Author")
    title = clean(form.title).strip()
    if not title:
        raise InvalidInput("title", "Lūdzu, ierakstiet nosaukumu.", "Please enter a title.")
    title = _checked("title", title, TITLE_MAX, "Nosaukums", "Title")
    year = _checked("year", form.year, YEAR_MAX, "Izdošanas gads", "Year")
    info = _checked(
        "info", form.info, INFO_MAX, "Papildinformācija", "Additional information", True
    )
    library = libraries.get(form.library_id)
    if library is None:
        raise InvalidInput(
            "library_id", "Lūdzu, izvēlieties bibliotēku.", "Please choose a library."
        )
    if library.collection(form.collection) is None:
        raise InvalidInput(
            "collection",
            "Lūdzu, izvēlieties šīs bibliotēkas fondu.",
            "Please choose a collection of this library.",
        )
    return FreeRequestForm(
        author=author,
        title=title,
        year=year,
        info=info,
        library_id=library.id,
        collection=form.collection,
    )


_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")


def lists_waiting() -> Refusal:
    return Refusal(
        code="lists_waiting",
        lv="Pašlaik tiek sūtīts ļoti daudz sarakstu. Lūdzu, mēģiniet vēlreiz pēc stundas "
        "vai sazinieties ar bibliotēku.",
        en="Very many lists are being sent right now. Please try again in an hour "
        "or contact the library.",
    )


def validate_email(email: str) -> str:
    """An e-mail address for a list (R4), stripped, or ``InvalidInput("email")``."""
    address = email.strip()
    if len(address) > EMAIL_MAX or clean(address) != address or not _EMAIL.fullmatch(address):
        raise InvalidInput(
            "email",
            "Lūdzu, ierakstiet derīgu e-pasta adresi.",
            "Please enter a valid e-mail address.",
        )
    return address


def validate_password(password: str) -> None:
    """A new password is 8–128 characters, or ``InvalidInput("password")``."""
    if len(password) < PASSWORD_MIN:
        raise InvalidInput(
            "password",
            f"Parolei jābūt vismaz {PASSWORD_MIN} rakstzīmes garai.",
            f"The password must be at least {PASSWORD_MIN} characters long.",
        )
    if len(password) > PASSWORD_MAX:
        raise InvalidInput(
            "password",
            f"Parole nedrīkst būt garāka par {PASSWORD_MAX} rakstzīmēm.",
            f"The password must be at most {PASSWORD_MAX} characters long.",
        )


def login_delay(failures: int, free: int, longest: float) -> float:
    """Seconds a login attempt on an account waits, whoever makes it, after
    ``failures`` recent failed logins on that username or card number from
    anywhere (known or not: the same for both): none for the first ``free``,
    then 1 s, doubling with each further failure, at most ``longest``.

    This is the only thing failures from many places do to an account: it is
    slowed, never refused, so nobody can lock its owner out. Refusing (429)
    is for one client that failed too often (``services.server.auth``)."""
    excess = failures - free
    if excess < 0 or longest <= 0:
        return 0.0
    return min(2.0 ** min(excess, 32), longest)


# --------------------------------------------------------------------------
# Review deadline (R10)


@lru_cache(maxsize=1)
def _latvian_holidays() -> holidays.HolidayBase:
    import holidays  # imported when first needed: it takes tens of ms (start-up)

    return holidays.country_holidays("LV")


@lru_cache(maxsize=4096)
def is_working_day(d: date) -> bool:
    """Monday–Friday and not a Latvian public holiday."""
    return d.weekday() < 5 and d not in _latvian_holidays()


def review_by(submitted: datetime, hours: int = REVIEW_HOURS) -> datetime:
    """The moment ``hours`` working hours after ``submitted`` (R10).

    Only time on working days counts: Friday 15:00 → Monday 15:00;
    Saturday 10:00 → Tuesday 00:00. Wall-clock time in ``submitted``'s zone.
    """
    remaining = timedelta(hours=hours)
    moment = submitted
    while True:
        day = moment.date()
        midnight = datetime.combine(day + timedelta(days=1), time(0), tzinfo=moment.tzinfo)
        if is_working_day(day):
            left_today = midnight.replace(tzinfo=None) - moment.replace(tzinfo=None)
            if remaining <= left_today:
                return moment + remaining
            remaining -= left_today
        moment = midnight
