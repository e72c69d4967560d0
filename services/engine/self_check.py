"""What a patron does at a library's self-service terminal (issue 15):
check copies out to themselves and return them, under the rules of the desk
(``staff.lend``, ``staff.take_back``), for the terminal's library only; and
what the engine offers (everything: ``Abilities``)."""

from __future__ import annotations

from services import rules
from services.engine.base import SqlBase
from services.engine.staff import lend, take_back
from services.engine.tx import Tx
from services.errors import NotFound, Refused
from services.models import Abilities, CheckInResult, Copy, LoanView, Session


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


def _here(tx: Tx, library_id: str, barcode: str) -> Copy:
    """The copy of ``barcode``, which must be the terminal's library's."""
    copy = tx.copy(barcode.strip())
    if copy is None:
        raise NotFound()
    if copy.library_id != library_id:
        raise Refused(rules.other_library())
    return copy
