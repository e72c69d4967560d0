"""``mana serve``'s settings (the ``[server]`` table) and the command itself."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from services.server.cli import make_parser, settings_from_args
from services.server.settings import SettingsError, read_server_settings


def test_server_settings_come_from_the_server_table(tmp_path: Path) -> None:
    path = tmp_path / "mana.toml"
    path.write_text('[kiosk]\nlanguage = "en"\n\n[server]\nport = 9000\ntoken_idle_minutes = 5\n',
                    encoding="utf-8")
    settings = read_server_settings(path)
    assert settings.port == 9000 and settings.token_idle_minutes == 5
    assert settings.host == "127.0.0.1" and settings.max_body_bytes == 65536
    args = make_parser().parse_args(["--config", str(path), "--port", "9100", "--demo"])
    settings = settings_from_args(args)
    assert settings.port == 9100 and settings.expose_outbox  # flags win over the file


def test_a_bad_server_setting_names_the_file_and_the_key(tmp_path: Path) -> None:
    path = tmp_path / "mana.toml"
    path.write_text("[server]\nprot = 9000\ntoken_idle_minutes = -1\n", encoding="utf-8")
    with pytest.raises(SettingsError) as caught:
        read_server_settings(path)
    assert f"{path}: server.prot: unknown setting" in str(caught.value)
    assert f"{path}: server.token_idle_minutes:" in str(caught.value)


def test_mana_serve_runs_and_stops(tmp_path: Path) -> None:
    """The real command: ``python -m services.server`` (what ``mana serve`` runs)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    root = Path(__file__).resolve().parents[2]
    process = subprocess.Popen(
        [sys.executable, "-m", "services.server", "--port", str(port), "--demo",
         "--database", str(tmp_path / "mana.db")],
        cwd=root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/api/v1/libraries", timeout=5)
                break
            except httpx.TransportError:
                assert process.poll() is None, process.stdout.read().decode()  # type: ignore[union-attr]
                assert time.monotonic() < deadline, "mana serve did not start"
                time.sleep(0.1)
        assert answer.status_code == 200 and answer.json(), answer.text
        assert (tmp_path / "mana.db").exists()
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=15) == 0
