"""The reservation life cycle as a state machine, over every adapter.

Patrons order and cancel, staff confirm, reject, check out and check in, and
the clock moves on by days so that holds expire. After every step the whole
region is read back through the protocol and checked:

- a copy is never held (requested or ready) for two patrons at once;
- the queue positions of each copy are 1…n, contiguous;
- a copy with a queue is never left on the shelf, and no hold outlives its date;
- an expired hold passes to the next reader, or the copy returns to the shelf;
- the copy's status agrees with its reservations and loans;
- no reservation is lost: each one ever made is still reported to its patron
  (active, or ended within 30 days) or was seen ending.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar

from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from services.errors import NotAuthenticated, Refused
from services.models import CopyStatus, Loan, Reservation, ReservationState, Session
from services.protocol import LibraryService
from tests.services.adapters import ADAPTERS, MakeService
from tests.services.fixtures import (
    BARCODE_LIBRARY,
    BARCODE_RECORD,
    PATRONS,
    STAFF_OF,
    build_region,
    new_clock,
    password,
)

READERS = ["anna", "boris", "cilda", "dainis", "eva"]
BARCODES = [
    "A-0001",
    "A-0003",
    "A-0009",
    "A-0010",
    "A-0011",
    "A-0012",
    "K-0001",
    "K-0003",
    "K-0004",
    "S-0003",
]
HOLDING = (ReservationState.REQUESTED, ReservationState.READY)
ENDED = (
    ReservationState.COLLECTED,
    ReservationState.EXPIRED,
    ReservationState.CANCELLED,
    ReservationState.REJECTED,
)
T = TypeVar("T")
LIMITS = {lib.id: lib.rules.reservation_limit for lib in build_region().libraries}


@dataclass
class Snapshot:
    """The region as the protocol reports it after one step."""

    today: date
    reservations: dict[int, tuple[str, Reservation]] = field(default_factory=dict)
    loans: dict[str, Loan] = field(default_factory=dict)
    """Current loans by barcode."""
    status: dict[str, CopyStatus] = field(default_factory=dict)

    def on(self, barcode: str) -> list[Reservation]:
        return [r for _, r in self.reservations.values() if r.barcode == barcode]

    def holders(self, barcode: str) -> list[Reservation]:
        return [r for r in self.on(barcode) if r.state in HOLDING]

    def queue(self, barcode: str) -> list[Reservation]:
        return sorted(
            (r for r in self.on(barcode) if r.state == ReservationState.QUEUED),
            key=lambda r: r.position,
        )


def lifecycle_machine(make_service: MakeService) -> type[RuleBasedStateMachine]:
    class Lifecycle(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.loop = asyncio.new_event_loop()
            self.clock = new_clock()
            self.context = make_service(build_region(), self.clock)
            self.service: LibraryService = self.run(self.context.__aenter__())
            self.sessions: dict[str, Session] = {}
            self.owner: dict[int, str] = {}
            """Every reservation ever seen or made, and whose it is."""
            self.seen_ended: dict[int, ReservationState] = {}
            self.previous: Snapshot | None = None
            self.current = self.snapshot()
            for rid, (user, _) in self.current.reservations.items():
                self.owner[rid] = user

        def teardown(self) -> None:
            try:
                self.run(self.context.__aexit__(None, None, None))
            finally:
                self.loop.close()

        # ------------------------------------------------------------ helpers

        def run(self, coro: Coroutine[Any, Any, T]) -> T:
            return self.loop.run_until_complete(coro)

        def call(self, user: str, method: Callable[..., Coroutine[Any, Any, T]], *args: Any) -> T:
            """``method(session, *args)`` as ``user``, logging in again if the session ended."""
            for attempt in range(2):
                if user not in self.sessions or attempt:
                    self.sessions[user] = self.run(self.service.login(user, password(user)))
                try:
                    return self.run(method(self.sessions[user], *args))
                except NotAuthenticated:
                    if attempt:
                        raise
            raise AssertionError("unreachable")

        def snapshot(self) -> Snapshot:
            snap = Snapshot(today=self.clock.now().date())
            for user in READERS:
                for view in self.call(user, self.service.reservations):
                    r = view.reservation
                    assert r.id not in snap.reservations, f"reservation {r.id} listed twice"
                    assert r.patron_id == PATRONS[user].id
                    snap.reservations[r.id] = (user, r)
                for view in self.call(user, self.service.loans):
                    assert view.loan.returned is None
                    assert view.loan.barcode not in snap.loans, "a copy lent twice"
                    snap.loans[view.loan.barcode] = view.loan
            for record_id in sorted({BARCODE_RECORD[b] for b in BARCODES}):
                page = self.run(self.service.copies(record_id, 0, 200))
                for copy in page.items:
                    snap.status[copy.item.barcode] = copy.item.status
            return snap

        # -------------------------------------------------------------- rules

        @rule(user=st.sampled_from(READERS), barcode=st.sampled_from(BARCODES))
        def order(self, user: str, barcode: str) -> None:
            self._order(user, barcode)

        @rule(user=st.sampled_from(READERS), pick=st.integers(0, 20))
        def join_queue(self, user: str, pick: int) -> None:
            """Order a copy someone else has (on loan, or held): the busy path."""
            snap = self.current
            busy = [b for b in BARCODES if snap.holders(b) or b in snap.loans]
            if busy:
                self._order(user, busy[pick % len(busy)])

        def _order(self, user: str, barcode: str) -> None:
            # The clock has not moved since the last snapshot: it is still true.
            snap = self.current
            queue = snap.queue(barcode)
            free = not snap.holders(barcode) and barcode not in snap.loans and not queue
            try:
                view = self.call(user, self.service.order, barcode)
            except Refused as refused:
                event(f"order refused: {refused.refusal.code}")
                return
            r = view.reservation
            event(f"order: {r.state}")
            self.owner[r.id] = user
            if free:
                assert r.state == ReservationState.REQUESTED, (barcode, r.state)
            else:
                assert (r.state, r.position) == (ReservationState.QUEUED, len(queue) + 1)

        @rule(user=st.sampled_from(READERS), pick=st.integers(0, 20))
        def cancel(self, user: str, pick: int) -> None:
            active = sorted(
                r.id for u, r in self.current.reservations.values() if u == user and r.state.active
            )
            if not active:
                return
            view = self.call(user, self.service.cancel_reservation, active[pick % len(active)])
            assert view.reservation.state == ReservationState.CANCELLED

        @rule(
            library=st.sampled_from(sorted(STAFF_OF)),
            pick=st.integers(0, 20),
            confirm=st.booleans(),
        )
        def process(self, library: str, pick: int, confirm: bool) -> None:
            staff = STAFF_OF[library]
            waiting = sorted(
                v.reservation.id for v in self.call(staff, self.service.staff_reservations)
            )
            if not waiting:
                return
            rid = waiting[pick % len(waiting)]
            if confirm:
                view = self.call(staff, self.service.confirm_reservation, rid)
                assert view.reservation.state == ReservationState.READY
            else:
                view = self.call(staff, self.service.reject_reservation, rid, "Nav pieejams")
                assert view.reservation.state == ReservationState.REJECTED

        @rule(user=st.sampled_from(READERS), barcode=st.sampled_from(BARCODES))
        def check_out(self, user: str, barcode: str) -> None:
            staff = STAFF_OF[BARCODE_LIBRARY[barcode]]
            try:
                view = self.call(staff, self.service.check_out, PATRONS[user].card_number, barcode)
            except Refused as refused:
                event(f"check-out refused: {refused.refusal.code}")
                return
            event("check-out")
            assert view.loan.patron_id == PATRONS[user].id
            assert view.loan.barcode == barcode

        @rule(barcode=st.sampled_from(BARCODES))
        def check_in(self, barcode: str) -> None:
            if barcode not in self.current.loans:
                return
            staff = STAFF_OF[BARCODE_LIBRARY[barcode]]
            result = self.call(staff, self.service.check_in, barcode)
            assert result.loan is not None and result.loan.barcode == barcode
            assert result.loan.returned == self.clock.now().date()
            event("check-in to the next reader" if result.next_reservation else "check-in to shelf")

        @rule(days=st.integers(1, 12), hours=st.integers(0, 23))
        def time_passes(self, days: int, hours: int) -> None:
            self.clock.advance(days=days, hours=hours)

        @rule()
        def expire(self) -> None:
            for view in self.run(self.service.expire_holds()):
                assert view.reservation.state == ReservationState.EXPIRED

        # --------------------------------------------------------- invariants

        @invariant()
        def region_is_consistent(self) -> None:
            self.previous, self.current = self.current, self.snapshot()
            snap, prev = self.current, self.previous
            for rid, (user, r) in snap.reservations.items():
                self.owner.setdefault(rid, user)
                assert self.owner[rid] == user
                if rid in self.seen_ended:
                    assert r.state == self.seen_ended[rid], f"{rid} came back to life"
                if r.state in ENDED:
                    self.seen_ended[rid] = r.state
            self._no_reservation_lost(snap)
            per_library: dict[tuple[str, str], int] = defaultdict(int)
            for user, r in snap.reservations.values():
                if r.state.active:
                    per_library[(user, r.library_id)] += 1
            for (user, lib), n in per_library.items():
                assert n <= LIMITS[lib], (user, lib, n)
            for barcode in BARCODES:
                self._copy_is_consistent(snap, barcode)
            if prev is not None:
                self._expired_holds_passed_on(prev, snap)

        def _no_reservation_lost(self, snap: Snapshot) -> None:
            for rid, user in self.owner.items():
                assert rid in snap.reservations or rid in self.seen_ended, (
                    f"reservation {rid} of {user} vanished without being seen to end"
                )

        def _copy_is_consistent(self, snap: Snapshot, barcode: str) -> None:
            holders = snap.holders(barcode)
            queue = snap.queue(barcode)
            assert len(holders) <= 1, f"{barcode} held for two: {holders}"
            assert [r.position for r in queue] == list(range(1, len(queue) + 1)), (
                f"{barcode} queue positions {[r.position for r in queue]}"
            )
            for r in snap.on(barcode):
                if r.state != ReservationState.QUEUED:
                    assert r.position == 0
            status = snap.status[barcode]
            loan = snap.loans.get(barcode)
            if loan is not None:
                assert status == CopyStatus.ON_LOAN, (barcode, status)
                assert not holders, f"{barcode} on loan and held"
            elif holders:
                (holder,) = holders
                want = (
                    CopyStatus.ON_HOLD
                    if holder.state == ReservationState.READY
                    else CopyStatus.RESERVED
                )
                assert status == want, (barcode, status, holder.state)
            else:
                assert status == CopyStatus.AVAILABLE, (barcode, status)
                assert not queue, f"{barcode} is on the shelf while {len(queue)} wait"
            for r in holders:
                if r.state == ReservationState.READY:
                    assert r.held_until is not None and r.held_until >= snap.today, (
                        f"hold {r.id} outlived {r.held_until} (today {snap.today})"
                    )

        def _expired_holds_passed_on(self, prev: Snapshot, snap: Snapshot) -> None:
            for rid, (_, before) in prev.reservations.items():
                now = snap.reservations.get(rid)
                if before.state != ReservationState.READY or now is None:
                    continue
                if now[1].state != ReservationState.EXPIRED:
                    continue
                assert snap.today > before.held_until  # type: ignore[operator]
                waiting = prev.queue(before.barcode)
                event("hold expired, passed on" if waiting else "hold expired, to the shelf")
                if waiting:
                    nxt = snap.reservations[waiting[0].id][1]
                    assert nxt.state != ReservationState.QUEUED, (
                        f"hold {rid} expired but {nxt.id} still waits at {nxt.position}"
                    )
                else:
                    assert snap.status[before.barcode] in (
                        CopyStatus.AVAILABLE,
                        CopyStatus.RESERVED,
                        CopyStatus.ON_LOAN,
                    ), f"expired hold {rid} left {before.barcode} {snap.status[before.barcode]}"

    return Lifecycle


EXAMPLES = {"memory": 20}
"""Examples per adapter; one over the network (a server per example) runs fewer."""


def machine_settings(adapter: str) -> settings:
    return settings(
        max_examples=EXAMPLES.get(adapter, 8),
        stateful_step_count=30,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )


for _name, _make in ADAPTERS.items():
    _machine = lifecycle_machine(_make)
    _machine.TestCase.settings = machine_settings(_name)
    globals()[f"TestLifecycle_{_name}"] = _machine.TestCase
