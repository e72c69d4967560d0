"""Settings (kiosk.toml → KioskConfig) and the ``mana`` command line."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from pydantic import BaseModel

from services.models import SearchQuery
from services.protocol import LibraryService
from tui.cli import (
    StartError,
    build_config,
    build_service,
    main,
    parse_args,
    settings_from_args,
    start,
)
from tui.config import (
    CONFIG_ENV,
    ConfigError,
    KioskConfig,
    dump_defaults,
    load_config,
)

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _no_env_config(monkeypatch: pytest.MonkeyPatch) -> None:
    """A MANA_CONFIG of whoever runs the tests must not leak in."""
    monkeypatch.delenv(CONFIG_ENV, raising=False)


def write(tmp_path: Path, text: str, name: str = "kiosk.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# ------------------------------------------------------------------ defaults


def test_defaults() -> None:
    config = load_config(None)
    assert config.kiosk.language == "lv"
    assert config.kiosk.profile == "kiosk"
    assert config.kiosk.idle_timeout == 120
    assert config.kiosk.idle_countdown == 20
    assert config.kiosk.staff_pin_hash == ""
    assert config.service.kind == "memory"
    assert config.service.url == "http://127.0.0.1:8080"
    assert config.service.timeout == 10
    assert config.service.demo_records is None
    assert config.mail.sender == "noreply@kis.gov.lv"


def test_kiosk_toml_in_the_working_directory_is_not_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, '[kiosk]\nlanguage = "en"\n')
    monkeypatch.chdir(tmp_path)
    assert load_config(None) == KioskConfig()


def test_root_kiosk_toml_loads_to_exactly_the_defaults() -> None:
    assert load_config(ROOT / "kiosk.toml") == KioskConfig()


def test_root_kiosk_toml_documents_every_setting() -> None:
    text = (ROOT / "kiosk.toml").read_text(encoding="utf-8")

    def documented(table: str, model: type) -> None:
        assert f"[{table}]" in text
        for key, field in model.model_fields.items():
            if isinstance(field.annotation, type) and issubclass(field.annotation, BaseModel):
                documented(f"{table}.{key}", field.annotation)  # a table of its own
            else:
                assert f"{key} = " in text, f"{table}.{key} is not in kiosk.toml"

    for section_name, section_field in KioskConfig.model_fields.items():
        documented(section_name, section_field.annotation)  # type: ignore[arg-type]


def test_dump_defaults_round_trips(tmp_path: Path) -> None:
    parsed = tomllib.loads(dump_defaults())
    assert parsed["kiosk"]["language"] == "lv"
    assert load_config(write(tmp_path, dump_defaults())) == KioskConfig()


def test_a_partial_file_keeps_the_other_defaults(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, "[service]\ndemo_records = 50\n"))
    assert config.service.demo_records == 50
    assert config.service.kind == "memory"
    assert config.kiosk == KioskConfig().kiosk


# -------------------------------------------------------------------- errors


def test_unknown_key_is_rejected_by_name(tmp_path: Path) -> None:
    path = write(tmp_path, '[kiosk]\ncolour = "blue"\n')
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value) == f"{path}: kiosk.colour: unknown setting"


def test_unknown_section_is_rejected_by_name(tmp_path: Path) -> None:
    path = write(tmp_path, "[printer]\nname = 'x'\n")
    with pytest.raises(ConfigError, match=r"printer: unknown setting"):
        load_config(path)


def test_bad_value_names_the_key(tmp_path: Path) -> None:
    path = write(tmp_path, '[service]\nkind = "sql"\n')
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value) == f"{path}: service.kind: Input should be 'memory' or 'remote'"


@pytest.mark.parametrize(
    ("toml", "key"),
    [
        ("[kiosk]\nidle_timeout = 5\n", "kiosk.idle_timeout"),
        ("[kiosk]\nidle_timeout = 4000\n", "kiosk.idle_timeout"),
        ('[kiosk]\nidle_timeout = "120"\n', "kiosk.idle_timeout"),
        ("[kiosk]\nidle_timeout = 30\nidle_countdown = 30\n", "kiosk.idle_countdown"),
        ('[kiosk]\nlanguage = "de"\n', "kiosk.language"),
        ('[kiosk]\nstaff_pin_hash = "1234"\n', "kiosk.staff_pin_hash"),
        ('[service]\nurl = "library:8080"\n', "service.url"),
        ("[service]\ntimeout = 0\n", "service.timeout"),
        ("[service]\ndemo_records = 0\n", "service.demo_records"),
        ('[mail]\nsender = "noreply"\n', "mail.sender"),
        ('kiosk = "lv"\n', "kiosk"),
    ],
)
def test_each_bad_value_names_its_key(tmp_path: Path, toml: str, key: str) -> None:
    path = write(tmp_path, toml)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value).startswith(f"{path}: {key}: ")


def test_a_pin_in_clear_is_refused_and_a_hash_is_accepted(tmp_path: Path) -> None:
    from argon2 import PasswordHasher

    with pytest.raises(ConfigError, match="not the PIN itself"):
        load_config(write(tmp_path, '[kiosk]\nstaff_pin_hash = "1234"\n'))
    pin_hash = PasswordHasher().hash("1234")
    config = load_config(write(tmp_path, f'[kiosk]\nstaff_pin_hash = "{pin_hash}"\n'))
    assert PasswordHasher().verify(config.kiosk.staff_pin_hash, "1234")


def test_every_problem_is_reported_on_its_own_line(tmp_path: Path) -> None:
    path = write(tmp_path, '[kiosk]\ncolour = "x"\n[service]\nkind = "sql"\n')
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    lines = str(caught.value).splitlines()
    assert len(lines) == 2
    assert f"{path}: kiosk.colour: unknown setting" in lines
    assert any(line.startswith(f"{path}: service.kind: ") for line in lines)


def test_toml_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, '[kiosk]\nlanguage = "lv"\nprofile kiosk\n')
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: invalid TOML: ")
    assert "line 3" in message


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.toml"
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value) == f"{path}: file not found"


def test_a_directory_is_not_a_settings_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="is a directory"):
        load_config(tmp_path)


# --------------------------------------------------------------- MANA_CONFIG


def test_mana_config_names_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, '[kiosk]\nlanguage = "en"\n', name="elsewhere.toml")
    monkeypatch.setenv(CONFIG_ENV, str(path))
    assert load_config(None).kiosk.language == "en"


def test_explicit_path_wins_over_mana_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(CONFIG_ENV, str(write(tmp_path, '[kiosk]\nlanguage = "en"\n', "env.toml")))
    explicit = write(tmp_path, '[kiosk]\nprofile = "desk"\n', "explicit.toml")
    config = load_config(explicit)
    assert config.kiosk.profile == "desk"
    assert config.kiosk.language == "lv"


def test_mana_config_naming_a_missing_file_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(CONFIG_ENV, str(tmp_path / "gone.toml"))
    with pytest.raises(ConfigError, match="gone.toml: file not found"):
        load_config(None)


# ----------------------------------------------------------------- the CLI


def test_flags_override_the_file(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[kiosk]\nlanguage = "lv"\nprofile = "kiosk"\nidle_timeout = 60\n'
        "[service]\ndemo_records = 50\n",
    )
    config = build_config(
        ["--config", str(path), "--profile", "desk", "--lang", "en", "--demo-records", "1000"]
    )
    assert config.kiosk.profile == "desk"
    assert config.kiosk.language == "en"
    assert config.service.demo_records == 1000
    assert config.kiosk.idle_timeout == 60  # not overridden: from the file


def test_flags_override_mana_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CONFIG_ENV, str(write(tmp_path, '[kiosk]\nlanguage = "en"\n')))
    assert build_config([]).kiosk.language == "en"
    assert build_config(["--lang", "lv"]).kiosk.language == "lv"


def test_no_flags_no_file_is_the_defaults() -> None:
    assert build_config([]) == KioskConfig()


@pytest.mark.parametrize(
    "argv",
    [["--profile", "root"], ["--lang", "de"], ["--demo-records", "0"], ["--demo-records", "x"]],
)
def test_bad_flags_are_usage_errors(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        build_config(argv)
    assert caught.value.code == 2
    assert "usage: mana" in capsys.readouterr().err


def test_a_config_error_is_one_message_and_status_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """At the desk the settings are checked before the screen; the kiosk and
    ssh profiles check them after their first frame (tests/tui/test_startup.py)."""
    path = write(tmp_path, '[service]\nkind = "sql"\n')
    assert main(["--config", str(path), "--profile", "desk"]) == 2
    err = capsys.readouterr().err
    assert f"{path}: service.kind:" in err
    assert "Traceback" not in err


def test_an_unreadable_file_is_reported_before_any_profile_starts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "[kiosk\n")
    assert main(["--config", str(path)]) == 2
    assert capsys.readouterr().err.startswith(f"{path}: invalid TOML: ")
    assert main(["--config", str(tmp_path / "gone.toml")]) == 2
    assert capsys.readouterr().err.strip() == f"{tmp_path / 'gone.toml'}: file not found"


def test_the_start_validates_the_settings_and_names_the_file(tmp_path: Path) -> None:
    """What the kiosk runs after its first frame (``KioskApp.starting``)."""
    path = write(tmp_path, '[kiosk]\ncolour = "blue"\n')
    settings = settings_from_args(parse_args(["--config", str(path)]))
    with pytest.raises(ConfigError) as caught:
        start(settings)
    assert str(caught.value) == f"{path}: kiosk.colour: unknown setting"
    service, config = start(settings_from_args(parse_args(["--lang", "en"])))
    assert isinstance(service, LibraryService)
    assert config.kiosk.language == "en"


async def test_the_memory_service_holds_the_demo_region() -> None:
    service = build_service(build_config([]))
    assert isinstance(service, LibraryService)
    page = await service.search(SearchQuery(text=""))
    assert page.total >= 300
    assert len(await service.libraries()) > 1


async def test_demo_records_sets_the_size_of_the_demo_catalog() -> None:
    service = build_service(build_config(["--demo-records", "1000"]))
    assert (await service.search(SearchQuery(text=""))).total == 1000


def test_too_few_demo_records_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(StartError, match="service.demo_records"):
        build_service(build_config(["--demo-records", "5"]))
    assert main(["--demo-records", "5", "--profile", "desk"]) == 2
    err = capsys.readouterr().err
    assert "service.demo_records" in err and "Traceback" not in err


def test_remote_service_talks_to_the_configured_url(tmp_path: Path) -> None:
    from services.remote import RemoteService

    path = write(tmp_path, '[service]\nkind = "remote"\nurl = "http://10.0.0.7:9000"\n')
    service = build_service(load_config(path))
    assert isinstance(service, RemoteService)
    assert isinstance(service, LibraryService)


def test_a_server_table_is_shared_with_mana_serve(tmp_path: Path) -> None:
    from services.server.settings import read_server_settings

    path = write(tmp_path, '[kiosk]\nlanguage = "en"\n[server]\nport = 9000\n')
    assert load_config(path).kiosk.language == "en"
    assert read_server_settings(path).port == 9000
    bad = write(tmp_path, "[server]\nprot = 9000\n", name="bad.toml")
    with pytest.raises(ConfigError, match=r"server\.prot: unknown setting"):
        load_config(bad)


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if k != CONFIG_ENV}
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=full_env,
        capture_output=True, text=True, timeout=60,
    )


def test_mana_help_as_a_real_process() -> None:
    result = _run("-m", "tui", "--help")
    assert result.returncode == 0, result.stderr
    for flag in ("--config", "--profile", "--lang", "--demo-records", CONFIG_ENV):
        assert flag in result.stdout


def test_bad_config_as_a_real_process_prints_no_traceback(tmp_path: Path) -> None:
    """A file that is not TOML stops mana before the terminal is touched (a
    bad value, after the first frame: tests/tui/test_startup.py)."""
    path = write(tmp_path, "[kiosk]\ncolour = \n")
    result = _run("-m", "tui.cli", env={CONFIG_ENV: str(path)})
    assert result.returncode == 2
    assert result.stderr.startswith(f"{path}: invalid TOML: ")
    assert result.stderr.count("\n") == 1
    assert "\x1b" not in result.stderr + result.stdout


def test_mana_serve_is_dispatched_to_the_server_command() -> None:
    result = _run("-m", "tui", "serve", "--help")
    assert result.returncode == 0, result.stderr
    assert "mana serve" in result.stdout
    assert "--port" in result.stdout


def test_the_command_line_does_not_import_textual() -> None:
    """So that ``mana --help`` and settings errors answer at once."""
    result = _run("-c", "import sys, tui.cli; print('textual' in sys.modules)")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_reading_the_settings_does_not_import_pydantic(tmp_path: Path) -> None:
    """The kiosk validates its settings after its first frame: reading them
    (argv, the TOML, the profile and language) must not cost pydantic."""
    path = write(tmp_path, '[kiosk]\nlanguage = "en"\nprofile = "ssh"\n')
    result = _run(
        "-c",
        "import sys, tui.cli\n"
        f"s = tui.cli.settings_from_args(tui.cli.parse_args(['--config', {str(path)!r}]))\n"
        "print(s.profile, s.language, 'pydantic' in sys.modules)",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["ssh", "en", "False"]
