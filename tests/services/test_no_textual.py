"""The service side never imports Textual: it runs in a server without a terminal."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROGRAM = """
import importlib, sys
for name in sys.argv[1:]:
    importlib.import_module(name)
loaded = sorted(n for n in sys.modules if n == "textual" or n.startswith("textual."))
assert not loaded, f"services imported textual: {loaded[:5]}"
print(len(sys.argv) - 1)
"""


def service_modules() -> list[str]:
    """Every module under ``services/`` (never a ``__main__``, which would run,
    nor the migration scripts, which only Alembic runs)."""
    names = []
    for path in sorted((ROOT / "services").rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if parts[-1] == "__main__" or "migrations" in parts:
            continue
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names.append(".".join(parts))
    return names


def test_services_do_not_import_textual() -> None:
    modules = service_modules()
    assert "services.protocol" in modules and "services.rules" in modules
    done = subprocess.run(
        [sys.executable, "-c", PROGRAM, *modules],
        check=False,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert int(done.stdout.strip()) == len(modules)
