"""The public profiles, ``kiosk`` and ``ssh``: what must be true of the process
before the terminal library is even imported.

- ``scrub_environment()`` removes the environment variables that change how
  Textual (and Rich under it) behaves: drivers, devtools, logs, screenshots,
  automatic key presses, letting the terminal send signals. A kiosk is
  configured by ``kiosk.toml``, never by whatever environment it was started
  in (nor by what an SSH client asks to set).
- ``ignore_terminal_signals()`` makes the keys that a terminal turns into
  signals (Ctrl+C SIGINT, Ctrl+Z SIGTSTP, Ctrl+\\ SIGQUIT) harmless, even in
  the moments before Textual has put the terminal into raw mode.
- ``self_check_terminal()`` says whether the terminal offers self-check
  ("Izsniegt sev"): in a library's ``kiosk`` only, never over ``ssh``.

The in-app half (blocked actions, idle logout, the staff PIN) is
``tui.hardened.HardenedApp``. This module does not import textual: ``mana``
calls it before textual is imported (``tui/cli.py``).
"""

from __future__ import annotations

import os
import signal
from collections.abc import MutableMapping
from typing import Any, NamedTuple

HARDENED_PROFILES = frozenset({"kiosk", "ssh"})
"""Profiles in front of strangers: hardened the same way."""

ENV_PREFIXES = ("TEXTUAL",)
"""Every ``TEXTUAL*`` variable: ``TEXTUAL`` (devtools/debug features),
``TEXTUAL_DRIVER``, ``TEXTUAL_LOG``, ``TEXTUAL_DEBUG``, ``TEXTUAL_DEVTOOLS_*``,
``TEXTUAL_SCREENSHOT*``, ``TEXTUAL_PRESS``, ``TEXTUAL_SHOW_RETURN``,
``TEXTUAL_ALLOW_SIGNALS``, ``TEXTUAL_FPS``, ``TEXTUAL_ANIMATIONS``,
``TEXTUAL_THEME``, ``TEXTUAL_FILTERS``, ``TEXTUAL_COLOR_SYSTEM``,
``TEXTUAL_SPEEDUPS`` … (``textual/constants.py``, ``app.py``, ``geometry.py``,
``drivers/linux_driver.py``), including ones a later Textual adds."""

ENV_NAMES = frozenset(
    {
        # textual/constants.py: the escape-key delay.
        "ESCDELAY",
        # Rich's Console (Textual passes it a copy of the environment).
        "FORCE_COLOR",
        "NO_COLOR",
        "TTY_COMPATIBLE",
        "TTY_INTERACTIVE",
        "COLUMNS",
        "LINES",
        "JUPYTER_COLUMNS",
        "JUPYTER_LINES",
    }
)
"""Other variables the terminal library reads. ``TERM`` and ``COLORTERM``
stay: they describe the terminal itself, which Textual needs to talk to it."""

PYTHON_NAMES = frozenset({"PYTHONINSPECT"})
"""Python reads ``PYTHONINSPECT`` again when the program ends: set, it opens
an interactive prompt, a shell, on the kiosk's terminal."""

TERMINAL_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTSTP", "SIGQUIT") if hasattr(signal, name)
)
"""Signals a terminal sends for a key (Ctrl+C, Ctrl+Z, Ctrl+\\)."""


def is_hardened(profile: str) -> bool:
    """Whether ``profile`` puts the app in front of strangers (kiosk, ssh)."""
    return profile in HARDENED_PROFILES


class SelfCheckTerminal(NamedTuple):
    """A terminal that offers self-check (``self_check_terminal``)."""

    library: str
    """The library whose copies it lends and takes back."""
    returns: bool
    """Whether it takes returns (the library's rules decide as well)."""


def self_check_terminal(config: Any) -> SelfCheckTerminal | None:
    """Where this process offers "Izsniegt sev": a public terminal in a
    library (profile ``kiosk``) with ``library`` and ``self_check`` set.
    Never the ``ssh`` profile, whatever the file says: a patron at home must
    not mark books as lent by typing barcodes; nor the ``desk``, which lends
    at its own tab. ``config`` may be the preview (no such settings: None)."""
    kiosk = config.kiosk
    library = getattr(kiosk, "library", "")
    if kiosk.profile != "kiosk" or not library or not getattr(kiosk, "self_check", False):
        return None
    return SelfCheckTerminal(library, kiosk.self_check_in)


def is_library_variable(name: str) -> bool:
    """Whether the environment variable ``name`` changes the terminal library
    (or would open a Python prompt when the app ends)."""
    return name.startswith(ENV_PREFIXES) or name in ENV_NAMES or name in PYTHON_NAMES


def scrub_environment(environ: MutableMapping[str, str] | None = None) -> list[str]:
    """Remove the terminal library's variables from ``environ`` (``os.environ``
    by default); returns the names removed, sorted.

    Call it before textual is imported: Textual reads most of them once, at
    import (``textual.constants``).
    """
    env = os.environ if environ is None else environ
    removed = sorted(name for name in list(env) if is_library_variable(name))
    for name in removed:
        del env[name]
    return removed


class UnsafeInterpreter(Exception):
    """The interpreter would open a prompt when the app ends (``python -i``)."""


def harden_process() -> list[str]:
    """Everything a public profile needs before textual is imported: the
    environment scrubbed, the terminal's signals ignored. Returns the names
    of the variables removed. Raises ``UnsafeInterpreter`` under ``python -i``
    (or ``PYTHONINSPECT`` at start-up)."""
    import sys

    if sys.flags.inspect:
        raise UnsafeInterpreter(
            "mana: the kiosk and ssh profiles do not run under 'python -i' or "
            "PYTHONINSPECT (a Python prompt would open when the app ends)"
        )
    removed = scrub_environment()
    ignore_terminal_signals()
    return removed


def ignore_terminal_signals() -> None:
    """Ignore SIGINT, SIGTSTP and SIGQUIT (call from the main thread).

    Textual's driver turns off the terminal's signal keys (raw mode, no
    ISIG) while it runs, but not before it starts nor after it stops; and its
    Linux driver installs its own SIGTSTP handler, so the hardened driver
    calls this again once it exists.
    """
    for signum in TERMINAL_SIGNALS:
        signal.signal(signum, signal.SIG_IGN)
