"""End to end: the real ``mana`` command in a real pseudo-terminal (80×24).

One patron's visit, read off the screen as they see it (pyte plays the
program's output onto a virtual terminal): search, open a record, move through
its copies with the arrow keys, log in as the demo patron ``liga``, renew a
loan in Mana bibliotēka → Izsniegumi and see "Neapstrādāts pagarinājums" at
once, log out with F10 and find the catalog with nothing of hers left.

The app runs on the built-in demo region with the real clock, so dates differ
from day to day: the test looks for words, never dates. Every step waits for
the screen (with a timeout) instead of sleeping; a failure prints the screen.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.pty_terminal import Terminal

ROOT = Path(__file__).resolve().parent.parent
WORD = "Margarita"
"""A search word with a few results whose records have several copies."""
USERNAME, PASSWORD, NAME = "liga", "demo1234", "Līga Ozola"
"""The demo patron with a renewable loan (services/demo.py, README "Demo logins")."""


@pytest.fixture
def term() -> Iterator[Terminal]:
    terminal = Terminal(
        [sys.executable, "-m", "tui.cli"],
        columns=80,
        lines=24,
        cwd=str(ROOT),
        env={"MANA_CONFIG": ""},  # the built-in defaults: demo region, Latvian
    )
    try:
        yield terminal
    finally:
        terminal.close()


# ----------------------------------------------------------------- reading


def line_with(term: Terminal, *words: str, start: int = 0) -> int | None:
    """The first line at or below ``start`` that holds every one of ``words``."""
    for row, line in enumerate(term.lines()[start:], start):
        if all(word in line for word in words):
            return row
    return None


def block_below(term: Terminal, header: int) -> list[int]:
    """The lines right under ``header`` up to the first blank one: a table's rows."""
    lines = term.lines()
    rows = []
    for row in range(header + 1, len(lines) - 1):
        if not lines[row].strip():
            break
        rows.append(row)
    return rows


def results(term: Terminal) -> list[str] | None:
    """The catalog's result lines, once a search has answered."""
    if line_with(term, "Atrasts:") is None:
        return None
    header = line_with(term, "Nosaukums", "Pieejami")
    if header is None:
        return None
    return [term.lines()[row] for row in block_below(term, header)]


def highlighted(term: Terminal, rows: list[int], plain: set[str]) -> list[int]:
    """Which of a table's ``rows`` stand out from its ``plain`` backgrounds (the
    zebra stripes and the header): the row under the cursor."""
    return [row for row in rows if term.background(row) not in plain]


def key_line(term: Terminal) -> str:
    return term.lines()[-1]


# -------------------------------------------------------------------- test


def test_a_patron_searches_renews_a_loan_and_logs_out(term: Terminal) -> None:
    try:
        visit(term)
    except BaseException:
        print("The screen when the test stopped:\n" + term.text())
        raise


def visit(term: Terminal) -> None:
    # The catalog, nobody logged in.
    term.wait_for("Nav pieslēdzies")
    term.wait_for("Meklēt")
    term.wait_for("Atrasts:")

    # Search: type a word; the results become that word's.
    term.send(WORD)
    found = term.wait_until(
        lambda: (rows := results(term)) and all(WORD in row for row in rows) and rows,
        f"showing only results for {WORD!r}",
    )
    assert len(found) >= 1
    title = found[0].split("  ")[0].strip()
    assert WORD in title

    # Open the first result: Enter goes to the results, Enter again opens it.
    term.press("enter")
    term.wait_until(lambda: "Enter Skatīt" in key_line(term), "offering Enter Skatīt")
    term.press("enter")
    term.wait_until(lambda: title in term.lines()[1], "showing the record's title on top")
    # The copies' title says how many there are once they are in; the record's
    # description then takes the rows they leave free, so the place is read
    # when it has stopped moving.
    copies_title = term.wait_steady(lambda: line_with(term, "EKSEMPLĀRI", " no "),
                                    "showing the copies and how many there are", quiet=0.3)
    header = term.wait_until(
        lambda: line_with(term, "Bibliotēka", "Statuss", start=copies_title),
        "showing the copy list's columns",
    )
    copies = term.wait_until(
        lambda: (rows := block_below(term, header)) and len(rows) >= 3 and rows,
        "showing at least three copies",
    )

    # The first copy is highlighted; the arrow keys move the highlight.
    term.wait_until(lambda: "Enter Izvēlēties" in key_line(term), "offering Enter Izvēlēties")
    first, second, third = copies[:3]
    term.wait_steady(lambda: [term.background(row) for row in [header, *copies]], "the colours")
    plain = {term.background(header), term.background(second), term.background(third)}
    assert len(plain) == 3, "a header and two zebra stripes"
    assert highlighted(term, copies, plain) == [first]

    def highlight_on(row: int) -> bool:
        return highlighted(term, copies, plain) == [row]

    term.press("down")
    term.wait_until(lambda: highlight_on(second), "highlighting the second copy")
    term.press("down")
    term.wait_until(lambda: highlight_on(third), "highlighting the third copy")
    term.press("up")
    term.wait_until(lambda: highlight_on(second), "highlighting the second copy again")
    assert "EKSEMPLĀRI" in term.text(), "arrowing stays on the record"

    # Log in from anywhere with F3 (Mana bibliotēka asks to log in first).
    term.press("f3")
    term.wait_for("Pieslēgšanās Mana bibliotēka")
    term.wait_for("Lietotājvārds")
    term.send(USERNAME)
    term.wait_until(lambda: line_with(term, USERNAME) is not None, "showing the username typed")
    term.press("enter")
    term.send(PASSWORD)
    term.wait_for("•" * len(PASSWORD))
    assert PASSWORD not in term.text(), "the password is never shown"
    term.press("enter")
    term.wait_for(f"Pieslēdzies: {NAME}")
    term.wait_for("Rezervētie")
    assert "Izsniegumi" in term.text()

    # Mana bibliotēka → Izsniegumi: the arrow keys step through the tabs.
    term.press("right", "right")
    term.wait_for("Termiņš")
    term.wait_until(lambda: "P Pagarināt" in key_line(term), "offering P Pagarināt")
    term.wait_for("Nokavētās dienas")
    term.wait_until(
        lambda: line_with(term, "Pagarināt") is not None, "showing a loan that can be renewed"
    )

    # Move the highlight to a loan offering "Pagarināt" and renew it.
    loans_header = line_with(term, "Nosaukums", "Termiņš")
    assert loans_header is not None
    term.wait_steady(
        lambda: [term.background(row) for row in [loans_header, *block_below(term, loans_header)]],
        "the colours of the loans",
    )
    plain = {term.background(loans_header), *plain}

    def loan_highlighted() -> list[int]:
        return highlighted(term, block_below(term, loans_header), plain)

    renewable: int | None = None
    for _ in range(10):
        rows = term.wait_until(loan_highlighted, "highlighting a loan")
        assert len(rows) == 1, f"one loan highlighted, not rows {rows}"
        if "Pagarināt" in term.lines()[rows[0]]:
            renewable = rows[0]
            break
        term.press("down")
        term.wait_until(lambda before=rows: loan_highlighted() not in ([], before), "moving down")
    assert renewable is not None, "no loan offers Pagarināt"
    loan_title = re.split(r"\s{2,}", term.lines()[renewable].strip())[0]
    pending_before = term.text().count("Neapstrādāts pagarinājums")

    term.press("enter")
    term.wait_until(
        lambda: (
            (row := line_with(term, loan_title)) is not None
            and "Neapstrādāts pagarinājums" in term.lines()[row]
            and "Pagarināt" not in term.lines()[row]
        ),
        f"showing {loan_title!r} as Neapstrādāts pagarinājums",
    )
    assert term.text().count("Neapstrādāts pagarinājums") > pending_before

    # Log out: the catalog again, and nothing of the patron.
    term.press("f10")
    term.wait_for("Nav pieslēdzies")
    term.wait_for("vārds, nosaukums, autors, tēma vai ISBN")  # an empty search field
    term.wait_for("Atrasts:")
    screen = term.text()
    assert NAME not in screen and "Pieslēdzies" not in screen
    assert "Izsniegumi" not in screen and "Termiņš" not in screen
    assert WORD not in term.lines()[2], "the search field keeps no search of hers"
    assert "Iziet" not in key_line(term), "nothing to log out of"

    # Asking for Mana bibliotēka again starts from an empty login form.
    term.press("f3")
    term.wait_for("Pieslēgšanās Mana bibliotēka")
    term.wait_for("lietotājvārds vai lasītāja kartes numurs")  # the empty field's placeholder
    assert USERNAME not in term.text()
