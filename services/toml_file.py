"""Settings files in TOML, read once the same way for every kind of them
(the server's settings, an import profile): what cannot be read, and each
value a model refuses, as lines an administrator can act on."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from pydantic import ValidationError


class TomlFileError(ValueError):
    """The file cannot be read, or is not TOML; the message says which and why."""


def read_toml(path: Path) -> dict[str, Any]:
    """The TOML file ``path`` as a dict. Raises ``TomlFileError``."""
    try:
        with open(path, "rb") as file:
            return tomllib.load(file)
    except OSError as e:
        raise TomlFileError(f"{path}: cannot read: {e.strerror or e}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise TomlFileError(f"{path}: invalid TOML: {e}") from None


def problems(error: ValidationError, source: str, prefix: str = "",
             unknown: str = "unknown setting") -> str:
    """One line per refused value: ``source: prefix.key: problem``."""
    lines = []
    for item in error.errors():
        key = ".".join(str(part) for part in item["loc"])
        problem = unknown if item["type"] == "extra_forbidden" else item["msg"]
        lines.append(f"{source}: {prefix}{key}: {problem}")
    return "\n".join(lines)
