"""The kiosk's start: the catalog is drawn before the settings are validated
and the service is built (``KioskApp.starting``, ``tui.settings_file``).

- What the first screen needs of the settings (profile, language) is read
  from the raw TOML and the flags; an invalid profile counts as the public
  terminal's, so the process is hardened whatever the file says.
- Until the service is there the results show that they are loading; what is
  typed meanwhile is searched for once it is, and F2 opens the contacts then.
- A bad value ends the app: the message (naming the file and the key) and
  exit status 2 come on the restored terminal, with no traceback. A file that
  is not TOML is reported before the terminal is touched.
"""

from __future__ import annotations

import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pexpect
import pytest
from textual.widgets import Input, Select, Static

from screens.catalog import CatalogScreen
from screens.contacts import ContactsScreen
from services.protocol import LibraryService
from tests.pty_terminal import Terminal
from tests.tui.kiosk_helpers import make_service, wait_until
from tui.app import KioskApp
from tui.config import ConfigError, KioskConfig
from tui.settings_file import ConfigPreview, KioskPreview, read_settings
from widgets.record_table import RecordTable

ROOT = Path(__file__).resolve().parents[2]

ALTERNATE_SCREEN_OFF = b"\x1b[?1049l"
"""What Textual writes when it gives the terminal back."""
CONTROL = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]")


# ------------------------------------------------------- the settings, read


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "kiosk.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_profile_and_language_come_from_the_file_and_the_flags(tmp_path: Path) -> None:
    path = write(tmp_path, '[kiosk]\nprofile = "ssh"\nlanguage = "en"\n')
    assert (read_settings(path).profile, read_settings(path).language) == ("ssh", "en")
    flags = read_settings(path, {"kiosk": {"profile": "desk", "language": "lv"}})
    assert (flags.profile, flags.language) == ("desk", "lv")
    assert read_settings(None).preview() == ConfigPreview(KioskPreview("kiosk", "lv"))


@pytest.mark.parametrize(
    "toml",
    ['[kiosk]\nprofile = "root"\n', "[kiosk]\nprofile = 1\n", 'kiosk = "desk"\n',
     '[kiosk]\nprofile = "Desk"\n'],
)
def test_a_profile_that_is_not_one_counts_as_the_public_terminal(
    tmp_path: Path, toml: str
) -> None:
    """Hardening comes before validation: anything but a valid "desk" is hardened."""
    assert read_settings(write(tmp_path, toml)).profile == "kiosk"


def test_the_preview_has_no_staff_pin_and_the_default_idle_times(tmp_path: Path) -> None:
    path = write(tmp_path, '[kiosk]\nidle_timeout = 30\nstaff_pin_hash = "$argon2id$x"\n')
    preview = read_settings(path).preview().kiosk
    defaults = KioskConfig().kiosk
    assert preview.staff_pin_hash == ""
    assert (preview.idle_timeout, preview.idle_countdown) == (
        defaults.idle_timeout,
        defaults.idle_countdown,
    )
    assert (preview.profile, preview.language) == (defaults.profile, defaults.language)


def test_the_catalog_is_drawn_without_pydantic() -> None:
    """The app and its first screen need no domain model: pydantic (a fifth
    of the start-up) comes with the service, after the first frame."""
    assert "pydantic" not in imported_by("tui.cli", "tui.app", "screens.catalog")


def imported_by(*modules: str) -> set[str]:
    """The top-level packages a fresh Python has loaded after importing ``modules``."""
    code = "import sys\n" + "".join(f"import {m}\n" for m in modules)
    code += "print(' '.join(sorted({name.split('.')[0] for name in sys.modules})))"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, timeout=60, check=True)
    return set(result.stdout.split())


# ------------------------------------------------ the app before its service


class Gate:
    """A start that waits until the test opens it (in the app's start thread)."""

    def __init__(self, config: KioskConfig | None = None,
                 error: Exception | None = None) -> None:
        self.service = make_service()
        self.config = config or KioskConfig()
        self.error = error
        self.opened = threading.Event()

    def __call__(self) -> tuple[LibraryService, KioskConfig]:
        if not self.opened.wait(20):
            raise TimeoutError("the test never opened the gate")
        if self.error is not None:
            raise self.error
        return self.service, self.config


@pytest.fixture
def gate() -> Iterator[Gate]:
    gate = Gate()
    yield gate
    gate.opened.set()  # never leave a start thread waiting


def starting(gate: Gate, **kiosk: object) -> KioskApp:
    return KioskApp.starting(ConfigPreview(KioskPreview(**kiosk)), gate)  # type: ignore[arg-type]


async def test_the_catalog_loads_once_the_service_is_there(gate: Gate) -> None:
    app = starting(gate)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, CatalogScreen), "on the catalog")
        table = app.screen.query_one(RecordTable)
        await wait_until(pilot, lambda: table.loading, "loading")
        assert not app.started
        assert str(app.screen.query_one("#summary", Static).render()) == "Notiek ielāde…"
        await pilot.press(*"Margarita")  # typed before the service is there
        assert app.screen.query_one("#search", Input).value == "Margarita"

        gate.opened.set()
        await wait_until(pilot, lambda: app.started and table.row_count > 0, "results")
        assert not table.loading
        assert all("Margarita" in str(table.get_row_at(r)[0]) for r in range(table.row_count))
        types = app.screen.query_one("#type", Select)
        assert len(types._options) > 1  # the material types came with the service


async def test_a_screen_key_before_the_service_takes_effect_once_it_is_there(
    gate: Gate,
) -> None:
    app = starting(gate)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, CatalogScreen), "on the catalog")
        await pilot.press("f2")
        await pilot.pause()
        assert isinstance(app.screen, CatalogScreen)
        gate.opened.set()
        await wait_until(pilot, lambda: isinstance(app.screen, ContactsScreen), "contacts")


async def test_the_real_settings_replace_the_preview(gate: Gate) -> None:
    gate.config = KioskConfig.model_validate(
        {"kiosk": {"idle_timeout": 30, "idle_countdown": 5, "language": "en"}}
    )
    app = starting(gate, language="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, CatalogScreen), "on the catalog")
        assert app.idle_timeout == 120.0
        gate.opened.set()
        await wait_until(pilot, lambda: app.started, "started")
        assert (app.idle_timeout, app.idle_countdown) == (30.0, 5.0)
        assert app.config is gate.config
        assert app.language == "en"


async def test_a_failed_start_ends_the_app_with_its_error() -> None:
    gate = Gate(error=ConfigError("kiosk.toml: kiosk.colour: unknown setting"))
    gate.opened.set()
    app = starting(gate)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: not app.is_running, "ended", timeout=10)
    assert isinstance(app.start_error, ConfigError)
    assert not app.started


# ------------------------------------------------------ the real command


def run_mana(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> Terminal:
    """``mana ARGS`` in a pseudo-terminal, until it ends."""
    term = Terminal([sys.executable, "-m", "tui.cli", *args], cwd=str(ROOT),
                    env={"MANA_CONFIG": "", **(env or {})})
    try:
        term.wait_until(lambda: not term.child.isalive(), "the end of mana", timeout=30)
        term.child.expect(pexpect.EOF, timeout=10)
        term.pump(0.05)
    finally:
        term.close()
    return term


def after_the_app(term: Terminal) -> str:
    """The text mana wrote after it gave the terminal back (the modes it
    switches off on the way out left out)."""
    raw = bytes(term.raw)
    end = raw.rfind(ALTERNATE_SCREEN_OFF)
    assert end >= 0, "the app never gave the terminal back"
    return CONTROL.sub(b"", raw[end:]).decode(errors="replace")


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('[service]\nkind = "sql"\n', "service.kind: Input should be 'memory' or 'remote'"),
        ("[kiosk]\ncolour = 1\n", "kiosk.colour: unknown setting"),
    ],
)
def test_a_bad_value_ends_mana_with_the_message_and_status_2(
    tmp_path: Path, toml: str, message: str
) -> None:
    path = write(tmp_path, toml)
    term = run_mana(tmp_path, env={"MANA_CONFIG": str(path)})
    assert term.child.exitstatus == 2, term.text()
    assert after_the_app(term).strip() == f"{path}: {message}"
    assert "Traceback" not in term.raw.decode(errors="replace")


def test_a_service_that_cannot_start_ends_mana_with_status_2(tmp_path: Path) -> None:
    term = run_mana(tmp_path, "--demo-records", "5")
    assert term.child.exitstatus == 2, term.text()
    assert "service.demo_records" in after_the_app(term)
    assert "Traceback" not in term.raw.decode(errors="replace")


def test_a_file_that_is_not_toml_stops_mana_before_the_terminal_is_touched(
    tmp_path: Path,
) -> None:
    path = write(tmp_path, "[kiosk\n")
    term = run_mana(tmp_path, "--config", str(path))
    assert term.child.exitstatus == 2
    assert b"\x1b" not in term.raw  # the app never started
    assert term.raw.decode().startswith(f"{path}: invalid TOML: ")
