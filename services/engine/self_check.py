"""What a patron does at a library's self-service terminal (issue 15):
check copies out to themselves and return them, under the rules of the desk
(``staff.lend``, ``staff.take_back``), for the terminal's library only, and
have the receipt e-mailed; and what the engine offers (everything:
``Abilities``)."""

from __future__ import annotations

from services import messages, rules
from services.engine.base import SqlBase
from services.engine.staff import lend, take_back
from services.engine.tx import Tx
from services.errors import InvalidInput, NotFound, Refused
from services.models import (
    Abilities,
    CheckInResult,
    Copy,
    LoanView,
    Message,
    MessageKind,
    Session,
)


class SelfCheckPart(SqlBase):
    async def abilities(self) -> Abilities:
        return Abilities()

    async def self_check_out(self, session: Session, library_id: str, barcode: str) -> LoanView:
        def work(tx: Tx) -> LoanView:
            patron = self._patron(tx, session)
            return lend(tx, _here(tx, library_id, barcode), patron.id)

        return await self._call(work)

    async def self_check_in(self, session: Session, library_id: str,
                            barcode: str) -> CheckInResult:
        def work(tx: Tx) -> CheckInResult:
            self._patron(tx, session)
            copy = _here(tx, library_id, barcode)
            if not tx.rules_of(copy.library_id).self_check_in:
                raise Refused(rules.self_check_in_off())
            if tx.current_loan(copy.barcode) is None:
                raise Refused(rules.not_on_loan())
            done = take_back(tx, copy)
            return done.model_copy(update={  # who waits is the desk's to know
                "next_reservation": None, "hold_for": None,
                "set_aside": done.next_reservation is not None,
            })

        return await self._call(work)


    async def send_receipt(self, session: Session, library_id: str, lent: list[str],
                           returned: list[str]) -> Message:
        def work(tx: Tx) -> Message:
            patron = self._patron(tx, session)
            if not patron.email:
                raise InvalidInput("email", *NO_EMAIL)
            loans = {loan.barcode: loan for loan in tx.loans_of(patron.id)
                     if loan.returned is None}
            on_loan = [loans[b.strip()] for b in dict.fromkeys(lent) if b.strip() in loans]
            back = [copy for b in dict.fromkeys(returned) if (copy := tx.copy(b.strip()))]
            if not on_loan and not back:
                raise InvalidInput("lent", *NOTHING_TO_LIST)

            def title(record_id: int) -> str:
                record = tx.record(record_id)
                return record.title if record else ""

            text = messages.receipt(
                patron.language, patron.name, tx.library_name(library_id),
                [(title(loan.record_id), loan.due) for loan in on_loan],
                [title(copy.record_id) for copy in back])
            return tx.send(patron.id, MessageKind.RECEIPT, text, tx.now)

        return await self._call(work)


NO_EMAIL = ("Jūsu kontā nav e-pasta adreses. Lūdzu, jautājiet bibliotekāram.",
            "Your account has no e-mail address. Please ask a librarian.")
NOTHING_TO_LIST = ("Kvītī nav ko ierakstīt.", "There is nothing to put on the receipt.")


def _here(tx: Tx, library_id: str, barcode: str) -> Copy:
    """The copy of ``barcode``, which must be the terminal's library's."""
    copy = tx.copy(barcode.strip())
    if copy is None:
        raise NotFound()
    if copy.library_id != library_id:
        raise Refused(rules.other_library())
    return copy
