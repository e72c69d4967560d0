"""The settings file before it is validated: which file, its TOML, and the
little of it that the first screen needs.

Validating the settings (``tui.config``) imports pydantic, a fifth of the
kiosk's start-up. ``mana`` therefore reads the file here, with ``tomllib``,
before the first screen, and validates it only once the catalog is drawn
(``KioskApp.starting``). What cannot wait is taken from the raw TOML
(``Settings.profile``: hardening comes before textual is imported) or kept
on the safe side until the real settings are in (``ConfigPreview``).

A missing file or one that is not TOML is reported here, before the terminal
is touched; an unknown key or a bad value when the settings are validated.

This module imports neither pydantic nor textual.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, get_args

if TYPE_CHECKING:
    from tui.config import KioskConfig

CONFIG_ENV = "MANA_CONFIG"
"""The environment variable that names a settings file."""

Language = Literal["lv", "en"]
Profile = Literal["kiosk", "ssh", "desk"]

DEFAULT_LANGUAGE: Language = "lv"
DEFAULT_PROFILE: Profile = "kiosk"
DEFAULT_IDLE_TIMEOUT = 120
DEFAULT_IDLE_COUNTDOWN = 20


class ConfigError(Exception):
    """The settings could not be read. The message names the file and the key
    path, one problem per line, ready to show to whoever set up the kiosk."""


def settings_path(path: Path | None = None) -> Path | None:
    """The settings file to read: ``path``, else the one ``$MANA_CONFIG``
    names, else None (the built-in defaults)."""
    if path is not None:
        return path
    env = os.environ.get(CONFIG_ENV, "").strip()
    return Path(env) if env else None


def read_toml(path: Path) -> dict[str, Any]:
    """The parsed TOML of ``path``; ``ConfigError`` if it cannot be read or parsed."""
    import tomllib  # only when there is a file: the defaults need no parser

    try:
        with open(path, "rb") as file:
            return tomllib.load(file)
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a directory, not a settings file") from None
    except OSError as e:
        raise ConfigError(f"{path}: cannot read: {e.strerror or e}") from None
    except tomllib.TOMLDecodeError as e:
        # Python 3.11 puts "(at line L, column C)" in the message itself.
        raise ConfigError(f"{path}: invalid TOML: {e}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: invalid TOML: the file is not UTF-8 text") from None


# NamedTuples rather than dataclasses: these are made before the first screen,
# and a dataclass takes several times longer to define.


class KioskPreview(NamedTuple):
    """The ``[kiosk]`` settings the app runs with until the file is validated,
    in the shape of ``tui.config.KioskSection``: the profile and language the
    settings ask for, whether to draw without colour (from the first frame),
    and the defaults for the rest. The staff PIN hash is
    left empty, so F12 does nothing until the real settings are in."""

    profile: Profile = DEFAULT_PROFILE
    language: Language = DEFAULT_LANGUAGE
    idle_timeout: int = DEFAULT_IDLE_TIMEOUT
    idle_countdown: int = DEFAULT_IDLE_COUNTDOWN
    staff_pin_hash: str = ""
    monochrome: bool = False


class ConfigPreview(NamedTuple):
    """What ``KioskApp`` reads of its settings before they are validated, in
    the shape of ``tui.config.KioskConfig``."""

    kiosk: KioskPreview = KioskPreview()


class Settings(NamedTuple):
    """The settings as read, not yet validated: the TOML of ``path`` (None
    and empty for the defaults) and the command line's ``overrides`` on top,
    e.g. ``{"kiosk": {"language": "en"}}``."""

    path: Path | None
    data: dict[str, Any]
    overrides: dict[str, dict[str, Any]]

    @property
    def profile(self) -> Profile:
        """The profile asked for; the public terminal's when the value is not
        a profile (the settings are then refused when validated, and the
        process has been hardened in the meantime)."""
        value = self._kiosk_value("profile")
        return value if value in get_args(Profile) else DEFAULT_PROFILE

    @property
    def language(self) -> Language:
        """The language asked for; Latvian when the value is not a language."""
        value = self._kiosk_value("language")
        return value if value in get_args(Language) else DEFAULT_LANGUAGE

    def _kiosk_value(self, key: str) -> object:
        if key in self.overrides.get("kiosk", {}):
            return self.overrides["kiosk"][key]
        section = self.data.get("kiosk")
        return section.get(key) if isinstance(section, dict) else None

    def preview(self) -> ConfigPreview:
        """What the app runs with until ``validate()`` has answered."""
        return ConfigPreview(KioskPreview(
            profile=self.profile, language=self.language,
            monochrome=self._kiosk_value("monochrome") is True,
        ))

    def validate(self) -> KioskConfig:
        """The settings checked (this imports pydantic): the file's errors
        name the file, the overrides' name the command line. Raises
        ``ConfigError``."""
        from tui.config import KioskConfig, validate_config, with_overrides

        config = KioskConfig() if self.path is None else validate_config(self.data, str(self.path))
        return with_overrides(config, self.overrides) if self.overrides else config


def read_settings(
    path: Path | None = None, overrides: dict[str, dict[str, Any]] | None = None
) -> Settings:
    """The settings file ``path`` (else ``$MANA_CONFIG``'s, else none) read,
    with ``overrides`` on top. Raises ``ConfigError`` for a file that is
    missing, unreadable or not TOML."""
    path = settings_path(path)
    data = {} if path is None else read_toml(path)
    return Settings(path, data, overrides or {})
