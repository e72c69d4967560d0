"""The desk in a real pseudo-terminal (80×24): ``mana --profile desk``.

A librarian's visit, read off the screen (pyte plays the program's output
onto a virtual terminal): the staff login, the reservations queue with its
count, one reservation confirmed with the A key (the count goes down and the
status line says until when it is held), F10 back to the staff login, and
Ctrl+Q ends the program (the desk profile is not hardened).

The app runs on the built-in demo region with the real clock, so the test
reads the count and the dates off the screen instead of knowing them.
"""

from __future__ import annotations

import asyncio
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from services.clock import SystemClock
from services.memory import MemoryService
from tests.pty_terminal import Terminal
from tests.screens.desk_helpers import copies_of, lendable

ROOT = Path(__file__).resolve().parent.parent
USERNAME, PASSWORD, NAME = "staff-aizk", "demo1234", "Ilze Liepiņa"
"""Aizkraukle's librarian in the demo region (README "Demo logins")."""

LIGA_CARD = "1000000003"

COUNT = re.compile(r"Rezervācijas \((\d+)\)")


@pytest.fixture
def term() -> Iterator[Terminal]:
    terminal = Terminal(
        [sys.executable, "-m", "tui.cli", "--profile", "desk"],
        columns=80,
        lines=24,
        cwd=str(ROOT),
        env={"MANA_CONFIG": ""},  # the built-in defaults: demo region, Latvian
    )
    try:
        yield terminal
    finally:
        terminal.close()


def count(term: Terminal) -> int | None:
    found = COUNT.search(term.text())
    return int(found.group(1)) if found else None


def test_a_librarian_confirms_a_reservation_and_logs_out(term: Terminal) -> None:
    try:
        visit(term)
    except BaseException:
        print("The screen when the test stopped:\n" + term.text())
        raise


def visit(term: Terminal) -> None:
    term.wait_for("Bibliotekāra pieslēgšanās")
    term.wait_for("Nav pieslēdzies")
    term.send(USERNAME)
    term.wait_for(USERNAME)
    term.press("enter")
    term.send(PASSWORD)
    term.press("enter")

    term.wait_for(f"Pieslēdzies: {NAME}")
    before = term.wait_steady(lambda: count(term), "showing the reservations' count")
    assert before >= 1, "the demo's Aizkraukle has reservations waiting"
    lines = term.lines()
    header = next(
        row for row, line in enumerate(lines) if "Lasītājs" in line and "Svītrkods" in line
    )
    assert "Gaida" in lines[header + 1], "the first reservation waits for confirmation"

    term.send("a")
    term.wait_for("Apstiprināts:")
    after = term.wait_steady(lambda: count(term), "showing the new count")
    assert after == before - 1
    status = next(line for line in term.lines() if "Apstiprināts:" in line)
    assert re.search(r"līdz \d\d\.\d\d\.\d{4}", status), status

    term.press("f10")
    term.wait_for("Bibliotekāra pieslēgšanās")
    term.wait_for("Nav pieslēdzies")
    assert "Rezervācijas" not in term.text()

    term.send("\x11")  # Ctrl+Q: the desk is an ordinary program
    term.wait_until(lambda: not term.child.isalive() or None, "ending on Ctrl+Q", timeout=10)


def test_a_scanner_burst_lends_both_copies_to_the_patron(term: Terminal) -> None:
    """The card number, Enter, two barcodes, each with Enter, in one write (a
    scanner, read in one go): both copies go to that patron."""
    demo = MemoryService(clock=SystemClock())  # the same demo region as the program's
    first, second = asyncio.run(copies_of(demo, "aizk", lendable, count=2))
    try:
        term.wait_for("Bibliotekāra pieslēgšanās")
        term.wait_for("Nav pieslēdzies")
        term.send(USERNAME)
        term.wait_for(USERNAME)
        term.press("enter")
        term.send(PASSWORD)
        term.press("enter")
        term.wait_for(f"Pieslēdzies: {NAME}")
        term.send("4")
        term.wait_for("Lasītāja karte")
        term.send(f"{LIGA_CARD}\r{first.item.barcode}\r{second.item.barcode}\r")

        def both_lent() -> bool:
            assert "nav atrasts" not in term.text(), term.text()
            return "Izsniegts šajā reizē (2)" in term.text()

        term.wait_until(both_lent, "showing both copies lent", timeout=30)
        term.wait_until(lambda: (first.item.barcode in term.text()
                                 and second.item.barcode in term.text()) or None,
                        "showing both barcodes", timeout=10)
        assert "Līga Ozola" in term.text()
    except BaseException:
        print("The screen when the test stopped:\n" + term.text())
        raise
