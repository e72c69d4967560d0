"""``mana outbox`` and ``mana expire-holds`` on a real database, with and
without a running server."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from services.models import MessageKind
from services.remote import RemoteService
from services.server.admin import expire_holds_main, outbox_main
from tests.services.serve_process import ROOT, ServerProcess

DEMO_PASSWORD = "demo1234"


def mana(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tui", *args], cwd=ROOT, capture_output=True,
                          check=False, text=True, timeout=120, env={"PATH": "/usr/bin:/bin"})


@pytest.fixture(scope="module")
def demo_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo database after anna asked for a recovery code and sent a list
    whose title looks like markup and holds an escape sequence."""
    database = tmp_path_factory.mktemp("admin") / "mana.db"
    server = ServerProcess.start(database, "--demo")

    async def act() -> None:
        async with RemoteService(server.url, timeout=30) as client:
            await client.request_password_reset("anna")
            await client.send_list([1, 2], "lasitajs@example.lv", language="lv")

    try:
        asyncio.run(act())
    finally:
        server.stop()
    return database


def test_outbox_lists_the_messages_waiting(demo_database: Path, capsys) -> None:
    assert outbox_main(["--database", str(demo_database), "--waiting"]) == 0
    out = capsys.readouterr().out
    assert "password_code" in out and "Paroles atjaunošanas kods" in out
    assert "lasitajs@example.lv" in out and "Jūsu saraksts no kataloga (2)" in out
    assert "waiting" in out and "sent " not in out


def test_outbox_shows_one_message_whole(demo_database: Path, capsys) -> None:
    outbox_main(["--database", str(demo_database), "--last", "0"])
    listing = capsys.readouterr().out
    line = next(x for x in listing.splitlines() if "password_code" in x)
    message_id = line.split()[0]
    assert outbox_main(["--database", str(demo_database), "--show", message_id]) == 0
    whole = capsys.readouterr().out
    assert "Subject: Paroles atjaunošanas kods" in whole
    assert "Jūsu paroles atjaunošanas kods ir" in whole  # the body, with its code


def test_outbox_of_a_missing_database_says_so(tmp_path: Path, capsys) -> None:
    assert outbox_main(["--database", str(tmp_path / "nav.db")]) == 1
    assert "no such database" in capsys.readouterr().err


def test_outbox_unknown_message(demo_database: Path, capsys) -> None:
    assert outbox_main(["--database", str(demo_database), "--show", "999999"]) == 1
    assert "no message 999999" in capsys.readouterr().err


def test_outbox_strips_control_characters(tmp_path: Path, capsys) -> None:
    from datetime import datetime

    from services.clock import RIGA
    from services.models import Message
    from services.server.admin import outbox_lines, show

    message = Message(id=1, kind=MessageKind.LIST, to="a@b.lv", sender="noreply@x.lv",
                      subject="Saraksts\x1b[2J", body="Rinda 1\nRinda\x07 2",
                      language="lv", created=datetime(2026, 11, 16, 10, tzinfo=RIGA))
    text = "\n".join(outbox_lines([message])) + show(message)
    assert "\x1b" not in text and "\x07" not in text
    assert "Rinda 1\nRinda 2" in text


@pytest.fixture
def past_database(tmp_path: Path) -> Path:
    """The demo region as it was filled 30 days ago: its holds are past their date now."""
    from services.clock import FakeClock, SystemClock
    from services.server.durable import durable_engine

    database = tmp_path / "past.db"
    then = FakeClock(SystemClock().now() - timedelta(days=30))
    _, db = durable_engine(str(database), demo=True, clock=then)
    db.close()
    return database


def test_expire_holds_on_the_file(past_database: Path) -> None:
    done = mana("expire-holds", "--database", str(past_database))
    assert done.returncode == 0, done.stderr
    assert "Mazais princis" in done.stdout  # liga's hold, uncollected
    assert "hold" in done.stdout.splitlines()[-1] and "expired" in done.stdout
    again = mana("expire-holds", "--database", str(past_database))
    assert again.stdout.strip() == "No hold had expired."
    waiting = mana("outbox", "--database", str(past_database), "--waiting", "--last", "0")
    assert "reservation_expired" in waiting.stdout


def test_expire_holds_asks_the_server_that_holds_the_file(past_database: Path) -> None:
    server = ServerProcess.start(past_database)
    try:
        # The server's own job expired them when it started; the command
        # reaches the server (the file is locked) and finds nothing left.
        done = mana("expire-holds", "--database", str(past_database),
                    "--url", server.url)
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == "No hold had expired."
        # Without --url: the lock says a server has the file, the settings where.
        config = past_database.with_name("server.toml")
        config.write_text(f"[server]\nport = {server.port}\n", encoding="utf-8")
        by_lock = mana("expire-holds", "--config", str(config), "--database", str(past_database))
        assert by_lock.returncode == 0, by_lock.stderr
        assert by_lock.stdout.strip() == "No hold had expired."
    finally:
        server.stop()
    listing = mana("outbox", "--database", str(past_database), "--last", "0")
    assert "Mazais princis" in listing.stdout or "reservation_expired" in listing.stdout


def test_expire_holds_with_no_server_at_the_url(tmp_path: Path, capsys) -> None:
    assert expire_holds_main(["--database", str(tmp_path / "x.db"),
                              "--url", "http://127.0.0.1:9"]) == 1
    assert "did not do it" in capsys.readouterr().err
