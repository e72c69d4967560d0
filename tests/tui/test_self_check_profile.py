"""Where "Izsniegt sev" is offered (issue 15): at a library's public terminal
when its settings say so, and with ``uv run mana`` on the demo; never in the
``ssh`` profile (a patron at home must not mark books as lent by typing
barcodes), whatever the settings file says, nor at the desk."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.screens.account_helpers import flat_text, log_in, settle
from tui.cli import parse_args, settings_from_args, start
from tui.config import CONFIG_ENV
from tui.kiosk import SelfCheckTerminal, self_check_terminal

SELF_CHECK = '[kiosk]\nlibrary = "kokn"\nself_check = true\nself_check_in = false\n'


@pytest.fixture(autouse=True)
def _no_env_config(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(CONFIG_ENV, raising=False)


def started(*argv: str):
    """The settings ``mana`` runs with for ``argv`` (after its first frame)."""
    _, config = start(settings_from_args(parse_args(list(argv))))
    return config


def settings_file(tmp_path: Path, text: str) -> str:
    path = tmp_path / "kiosk.toml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_uv_run_mana_is_a_self_check_terminal_of_the_demo_profile() -> None:
    assert self_check_terminal(started()) == SelfCheckTerminal("aizk", True)


def test_a_library_terminal_offers_what_its_settings_say_profile(tmp_path: Path) -> None:
    config = started("--config", settings_file(tmp_path, SELF_CHECK))
    assert self_check_terminal(config) == SelfCheckTerminal("kokn", False)
    plain = started("--config", settings_file(tmp_path, '[kiosk]\nlibrary = "kokn"\n'))
    assert self_check_terminal(plain) is None  # a library set: self_check decides, off


@pytest.mark.parametrize("profile", ["ssh", "desk"])
def test_the_ssh_and_desk_profiles_never_offer_self_check(tmp_path: Path, profile: str) -> None:
    assert self_check_terminal(started("--profile", profile)) is None  # not the demo's either
    config = started("--config", settings_file(tmp_path, SELF_CHECK), "--profile", profile)
    assert config.kiosk.self_check  # the file asks for it …
    assert self_check_terminal(config) is None  # … and this profile refuses


async def test_over_ssh_the_account_screen_has_no_self_check_profile(tmp_path: Path) -> None:
    """The app as ``mana ssh`` starts it (``--profile ssh``) with a settings
    file that turns self-check on: no key, and "I" opens nothing."""
    from screens.account import AccountScreen
    from services.memory import MemoryService
    from tui.app import KioskApp

    config = started("--config", settings_file(tmp_path, SELF_CHECK), "--profile", "ssh")
    app = KioskApp(service=MemoryService(), config=config)
    assert app.self_check is None
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f3")
        await settle(pilot)
        await log_in(pilot, "anna", "demo1234")
        assert isinstance(app.screen, AccountScreen)
        await pilot.press("i")
        await settle(pilot)
        assert isinstance(app.screen, AccountScreen)
        assert "Izsniegt sev" not in flat_text(app)
