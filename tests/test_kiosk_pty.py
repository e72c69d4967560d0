"""The kiosk profile in a real pseudo-terminal (pexpect + pyte).

- Every key that leaves or suspends a terminal program, and the signals a
  terminal sends, leave the app running and showing the catalog; nothing is
  written to the working directory, whatever ``TEXTUAL_*`` variables say.
- The staff PIN ends the app, only the right one.
- Idle logout: the previous patron's data is unreachable by any key.
- Hostile data: none of the escape sequences inside the data reaches the
  terminal's raw output, while the data itself is on the screen as text.

The ``desk`` profile is the contrast: there the environment and Ctrl+Q work.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Iterator
from pathlib import Path

import pexpect
import pytest
from argon2 import PasswordHasher

from tests.pty_terminal import Terminal
from tests.services import fixtures
from tests.tui.hostile import INJECTED_SEQUENCES

ROOT = Path(__file__).resolve().parent.parent
CATALOG = "Atrasts"
"""On the catalog once the first results are in ("Atrasts: 1–20 no …")."""

ESCAPE_KEYS = {
    "ctrl+c": "\x03", "ctrl+q": "\x11", "ctrl+z": "\x1a", "ctrl+\\": "\x1c", "ctrl+p": "\x10",
    "ctrl+d": "\x04", "ctrl+s": "\x13", "ctrl+x": "\x18", "escape": "\x1b",
    "f1": "\x1bOP", "f5": "\x1b[15~", "f7": "\x1b[18~", "f8": "\x1b[19~", "f9": "\x1b[20~",
    "f11": "\x1b[23~", "f12": "\x1b[24~", "alt+f4": "\x1b[1;3S", "ctrl+alt+del": "\x1b[3;7~",
}

TRAPS = {
    "TEXTUAL_DRIVER": "no_such_module:NoDriver",
    "TEXTUAL_SCREENSHOT": "1",
    "TEXTUAL_SCREENSHOT_FILENAME": "shot.svg",
    "TEXTUAL_LOG": "textual.log",
    "TEXTUAL_PRESS": "ctrl+q",
    "TEXTUAL_ALLOW_SIGNALS": "1",
    "TEXTUAL_SHOW_RETURN": "1",
    "TEXTUAL": "devtools,debug",
    "TEXTUAL_DEBUG": "1",
}
"""Environment that would end the app, write files or let Ctrl+C kill it."""


def spawn(tmp_path: Path, *args: str, env: dict[str, str] | None = None,
          columns: int = 80, lines: int = 24, module: str = "tui.cli") -> Terminal:
    full_env = {"MANA_CONFIG": "", "PYTHONPATH": str(ROOT), **(env or {})}
    return Terminal([sys.executable, "-m", module, *args], columns=columns, lines=lines,
                    cwd=str(tmp_path), env=full_env)


@pytest.fixture
def terminals() -> Iterator[list[Terminal]]:
    opened: list[Terminal] = []
    yield opened
    for term in opened:
        term.close()


def alive_on_catalog(term: Terminal) -> None:
    assert term.child.isalive(), f"the app ended:\n{term.text()}"
    term.wait_for("Meklēt")
    term.wait_for("Nav pieslēdzies")


def log_in(term: Terminal, identifier: str, password: str) -> None:
    """On the login dialog: type both fields, each once the screen shows it."""
    term.wait_for("Pieslēgšanās")
    term.send(identifier)
    term.wait_for(identifier)
    term.send("\r")
    term.pump(0.5)  # the focus moves to the password after the Enter
    term.send(password + "\r")


# ----------------------------------------------------------- no way out


def test_escape_keys_and_signals_leave_the_kiosk_running(tmp_path, terminals) -> None:
    term = spawn(tmp_path, "--profile", "kiosk", env=TRAPS)
    terminals.append(term)
    term.wait_for(CATALOG)
    for name, keys in ESCAPE_KEYS.items():
        for _ in range(3):
            term.send(keys)
        term.pump(0.2)
        assert term.child.isalive(), f"{name} ended the app:\n{term.text()}"
    term.send("\x1b")
    term.pump(0.3)
    for signum in (signal.SIGINT, signal.SIGQUIT, signal.SIGTSTP):
        os.kill(term.child.pid, signum)
        term.pump(0.2)
        assert term.child.isalive(), f"signal {signum} ended the app"
    # Still there, still answering: a search shows results.
    term.send("Margarita")
    term.wait_for("Margarita")
    alive_on_catalog(term)
    assert "Pieslēgšanās" not in term.text()  # no dialog left open
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # no screenshot, no log


def test_desk_profile_honours_the_environment(tmp_path, terminals) -> None:
    """The contrast: without the kiosk's scrubbing, TEXTUAL_DRIVER is used."""
    term = spawn(tmp_path, "--profile", "desk", env={"TEXTUAL_DRIVER": TRAPS["TEXTUAL_DRIVER"]})
    terminals.append(term)
    term.child.expect_exact(["no_such_module"], timeout=30)
    term.child.expect(pexpect.EOF, timeout=30)
    term.child.close()
    assert term.child.exitstatus != 0


def test_desk_profile_quits_on_ctrl_q(tmp_path, terminals) -> None:
    term = spawn(tmp_path, "--profile", "desk")
    terminals.append(term)
    term.wait_for("Bibliotekāra pieslēgšanās")  # the desk starts on the staff login
    term.send("\x11")
    term.child.expect(pexpect.EOF, timeout=20)


def test_staff_pin_is_the_only_way_out(tmp_path, terminals) -> None:
    config = tmp_path / "kiosk.toml"
    config.write_text(
        f'[kiosk]\nprofile = "kiosk"\nstaff_pin_hash = "{PasswordHasher().hash("2468")}"\n'
    )
    term = spawn(tmp_path, "--config", str(config))
    terminals.append(term)
    term.wait_for(CATALOG)
    term.send(ESCAPE_KEYS["f12"])
    term.wait_for("Darbinieka PIN")
    assert "2468" not in term.text()
    term.send("1357\r")
    term.wait_for("Nepareizs PIN.")
    assert term.child.isalive()
    term.send("2468")
    term.pump(0.2)
    assert "2468" not in term.text()  # shown as dots
    term.send("\r")
    term.child.expect(pexpect.EOF, timeout=30)
    term.child.close()
    assert term.child.exitstatus == 0


# ----------------------------------------------------------- idle logout


def test_idle_logout_leaves_nothing_reachable(tmp_path, terminals) -> None:
    term = spawn(tmp_path, "--idle", "2", "2", module="tests.kiosk_runner")
    terminals.append(term)
    term.wait_for(CATALOG)
    term.send("\x1bOR")  # F3: Mana bibliotēka → login
    log_in(term, "liga", "demo1234")
    term.wait_for("Līga Ozola", timeout=30)
    term.wait_for("Rezervētie")
    term.wait_for("Vai jūs vēl esat šeit?", timeout=30)
    term.wait_for("Nav pieslēdzies", timeout=30)
    term.wait_gone("Vai jūs vēl esat šeit?")
    assert "Līga" not in term.text()
    for keys in ("\x1b", "\x1b", "\x1b", "\x1b[D", "\x1b[C", "3", "\x1b[17~", "\x1b[17~"):
        term.send(keys)
        term.pump(0.2)
        assert "Līga" not in term.text() and "Rezervētie" not in term.text()
    term.send("\x1bOR")  # F3 asks for a login again
    term.wait_for("Pieslēgšanās")
    term.send("\x1b")
    term.wait_gone("Pieslēgšanās")
    term.send("\x1bOS")  # F4: the list is empty
    term.wait_for("Saraksts ir tukšs")
    term.send("\x1b")
    alive_on_catalog(term)


# ----------------------------------------------------------- hostile data


def test_no_escape_sequence_from_the_data_reaches_the_terminal(tmp_path, terminals) -> None:
    term = spawn(tmp_path, "--hostile", module="tests.kiosk_runner", columns=200, lines=50)
    terminals.append(term)
    term.wait_for(CATALOG)
    term.wait_for("[b]T")
    term.send("\x1b[B")  # down: to the results
    term.send("\r")  # open the first record
    term.wait_for("[@click=app.quit]x[/]")  # its title, shown as written
    term.send("\x1bOQ")  # F2: the libraries' names and contacts
    term.wait_for("[b]Adr")
    term.send("\x1b")
    term.wait_gone("[b]Adr")
    term.send("\x1bOR")  # F3: log in; the patron's name, loans, reservations, requests
    log_in(term, "cilda", fixtures.password("cilda"))
    term.wait_for("Pieslēdzies: [b]Vārds", timeout=30)
    for tab, shows in (("1", "[b]T"), ("2", "[b]FT"), ("3", "[b]T"), ("4", "[b]T")):
        term.send(tab)
        term.wait_for(shows)
        term.send("\x1b[B")
        term.pump(0.3)
    term.send("\x1b[21~")  # F10: log out
    term.wait_for("Nav pieslēdzies")
    term.send("\x1bOR")  # a refused login shows the server's sentence
    log_in(term, "hostile", "x")
    term.wait_for("[b]ERR")
    assert term.child.isalive()
    raw = bytes(term.raw)
    for sequence in INJECTED_SEQUENCES:
        assert sequence not in raw, f"{sequence!r} from the data reached the terminal"
    assert b"\x1b[2J\x1b]0;" not in raw


# ------------------------------------------------------- keys in one read


def test_a_login_typed_in_one_read_keeps_the_password_hidden(tmp_path, terminals) -> None:
    """``liga``, Enter, the password, Enter in a single write (a slow SSH link,
    a paste, tmux): the password goes to the password field, never on the screen."""
    term = spawn(tmp_path, "--profile", "kiosk")
    terminals.append(term)
    term.wait_for(CATALOG)
    term.send("\x1bOR")  # F3: Mana bibliotēka → login
    term.wait_for("Pieslēgšanās")
    term.wait_for("Lietotājvārds")
    term.send("liga\rdemo1234\r")  # one os.write: the app reads it in one go

    def logged_in() -> bool:
        assert "demo1234" not in term.text(), f"the password is visible:\n{term.text()}"
        return "Līga Ozola" in term.text()

    term.wait_until(logged_in, "logged in as Līga", timeout=30)
    assert b"demo1234" not in term.raw
