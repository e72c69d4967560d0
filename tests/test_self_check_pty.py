"""Izsniegt sev (issue 15) in a real pseudo-terminal (pexpect + pyte): ``mana``
with a settings file that makes it a self-check terminal of the demo's
central library. A patron logs in, opens "Izsniegt sev", a scanner sends two
codes in one write (one lendable, one held for another reader), returns the
first, and ends with the receipt; logging out leaves nothing of it."""

from __future__ import annotations

import sys
from pathlib import Path

from services.memory import MemoryService
from services.models import ReservationState
from tests.pty_terminal import Terminal
from tests.screens.desk_helpers import copies_of, lendable
from tui.i18n import format_date

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "demo1234"


async def test_the_self_check_journey_on_mana(tmp_path: Path) -> None:
    demo = MemoryService()  # the same demo region as the child's: the same day
    (copy,) = await copies_of(demo, "aizk", lendable)
    liga = await demo.login("liga", PASSWORD)
    held = next(v.reservation.barcode for v in await demo.reservations(liga)
                if v.reservation.state == ReservationState.READY)
    anna = await demo.login("anna", PASSWORD)
    due = format_date((await demo.self_check_out(anna, "aizk", copy.item.barcode)).loan.due)

    settings = tmp_path / "kiosk.toml"
    settings.write_text('[kiosk]\nlibrary = "aizk"\nself_check = true\n', encoding="utf-8")
    term = Terminal([sys.executable, "-m", "tui.cli", "--config", str(settings)],
                    columns=80, lines=24, cwd=str(tmp_path),
                    env={"MANA_CONFIG": "", "PYTHONPATH": str(ROOT)})
    try:
        term.wait_for("Atrasts", timeout=30)
        term.send("\x1bOR")  # F3: Mana bibliotēka → login
        term.wait_for("Pieslēgšanās")
        term.wait_for("Lietotājvārds")
        term.send(f"anna\r{PASSWORD}\r")
        term.wait_for("Anna Bērziņa", timeout=30)
        term.wait_for("Izsniegt sev")
        term.send("i")
        term.wait_for("Grāmatas svītrkods")
        term.send(f"{copy.item.barcode}\r{held}\r")  # a scanner: both codes in one write
        term.wait_for(f"Nav izsniegts {held}", timeout=30)
        term.wait_for(f"termiņš {due}")
        term.send("\x1b[18~")  # F7: Nodot
        term.wait_for("Nodot ·")
        term.send(f"{copy.item.barcode}\r")
        term.wait_for("Nodots", timeout=30)
        term.send("\x1b")  # Esc: the receipt
        term.wait_for("Kvīts")
        term.wait_for("Izsniegts (1)")
        term.wait_for("Nodots (1)")
        term.send("\x1b[21~")  # F10: log out
        term.wait_for("Nav pieslēdzies", timeout=30)
        term.wait_gone("Kvīts")
        assert copy.item.barcode not in term.text()
    finally:
        term.close()
