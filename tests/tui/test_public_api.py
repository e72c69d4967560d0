"""The kiosk hardening uses Textual's public API only: no private member of
Textual's ``App`` (``_parse_action``, ``_clipboard`` …) is read, called or set
in ``tui/hardened.py``, so a Textual upgrade cannot quietly reopen a way out."""

from __future__ import annotations

import re
from pathlib import Path

from textual.app import App

import tui.hardened

_MEMBER = re.compile(r"\.(_[A-Za-z]\w*)")


def test_the_hardening_uses_no_private_member_of_textual() -> None:
    source = Path(tui.hardened.__file__).read_text(encoding="utf-8")
    textual_app = App()
    private = sorted(
        name for name in set(_MEMBER.findall(source))
        if not name.startswith("__") and hasattr(textual_app, name)
    )
    assert private == []
