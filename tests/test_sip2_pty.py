"""The kiosk over SIP2 in a real pseudo-terminal (issue 15): ``mana serve
--demo`` speaks SIP2 on a loopback port, and ``mana`` takes its catalogue
from that server over HTTP and its accounts from the SIP2 listener, as a
library's terminal would from its library system. A patron logs in with
card and PIN, checks a book out to themselves and returns it."""

from __future__ import annotations

import socket
import sys
from pathlib import Path

from argon2 import PasswordHasher

from services.memory import MemoryService
from tests.pty_terminal import Terminal
from tests.screens.desk_helpers import copies_of, lendable
from tests.services.serve_process import ServerProcess

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "demo1234"
TERMINAL_PASSWORD = "kioska-parole"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def test_the_kiosk_checks_out_and_in_over_sip2(tmp_path: Path) -> None:
    (copy,) = await copies_of(MemoryService(), "aizk", lendable)  # the server's demo, today
    sip2 = free_port()
    hashed = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(TERMINAL_PASSWORD)
    server_settings = tmp_path / "server.toml"
    server_settings.write_text(
        f'[server]\nmaintenance_key_file = "{tmp_path / "key"}"\n'
        f'[server.sip2]\nport = {sip2}\nhost = "127.0.0.1"\n'
        f'[[server.sip2.terminals]]\nlogin = "kiosks-aizk"\npassword_hash = "{hashed}"\n'
        'library = "aizk"\nstaff_account = "staff-aizk"\n', encoding="utf-8")
    server = ServerProcess.start(tmp_path / "mana.db", "--demo", "--config", str(server_settings))
    kiosk_settings = tmp_path / "kiosk.toml"
    kiosk_settings.write_text(
        '[kiosk]\nlibrary = "aizk"\nself_check = true\n'
        f'[service]\nkind = "remote"\nurl = "{server.url}"\n'
        f'[accounts]\nkind = "sip2"\nhost = "127.0.0.1"\nport = {sip2}\n'
        f'login = "kiosks-aizk"\npassword = "{TERMINAL_PASSWORD}"\ninstitution = "aizk"\n',
        encoding="utf-8")
    term = Terminal([sys.executable, "-m", "tui.cli", "--config", str(kiosk_settings)],
                    columns=80, lines=24, cwd=str(tmp_path),
                    env={"MANA_CONFIG": "", "PYTHONPATH": str(ROOT)})
    try:
        term.wait_for("Atrasts", timeout=30)
        term.send("\x1bOR")  # F3: Mana bibliotēka → login
        term.wait_for("Lietotājvārds")
        term.send(f"1000000001\r{PASSWORD}\r")  # anna's card and PIN, checked over SIP2
        term.wait_for("Anna Bērziņa", timeout=30)
        term.wait_for("Izsniegt sev")
        term.send("i")
        term.wait_for("Grāmatas svītrkods")
        term.send(f"{copy.item.barcode}\r")
        term.wait_for("termiņš", timeout=30)
        term.send("\x1b[18~")  # F7: Nodot
        term.wait_for("Nodot ·")
        term.send(f"{copy.item.barcode}\r")
        term.wait_for("Nodots", timeout=30)
        term.send("\x1b[21~")  # F10: log out
        term.wait_for("Nav pieslēdzies", timeout=30)
    finally:
        term.close()
        server.stop()
    assert "Traceback" not in server.output()
