"""Keys that arrive in one read, as over a slow SSH link, in a paste, from
tmux or a barcode scanner: ``burst`` queues them all on the app at once, the
way the driver does with what one read brought (``Pilot.press`` instead waits
after every key until the app is idle, which hides any reordering)."""

from __future__ import annotations

import unicodedata

from textual import events
from textual.app import _character_to_key, _get_unicode_name_from_key
from textual.keys import REPLACED_KEYS
from textual.pilot import Pilot

from tests.screens.account_helpers import settle


def key_event(key: str) -> events.Key:
    """The ``Key`` event the driver makes for ``key`` (a character or a key name)."""
    if len(key) == 1 and not key.isalnum():
        key = _character_to_key(key)
    original = REPLACED_KEYS.get(key, key)
    try:
        char: str | None = unicodedata.lookup(_get_unicode_name_from_key(original))
    except KeyError:
        char = key if len(key) == 1 else None
    return events.Key(key, char)


NAMED = frozenset({"enter", "backspace", "tab", "escape", "delete", "left", "right",
                   "home", "end", "space", *(f"f{n}" for n in range(1, 13))})


def keys_of(*parts: str) -> list[str]:
    """``keys_of("anna", "enter", "ctrl+u")``: a key name stays one key, any
    other text is its characters."""
    keys: list[str] = []
    for part in parts:
        if part in NAMED or "+" in part[1:]:
            keys.append(part)
        else:
            keys.extend(part)
    return keys


async def burst(pilot: Pilot, *parts: str) -> None:
    """Queue every key of ``parts`` on the app in one go, then wait for the app."""
    app = pilot.app
    for key in keys_of(*parts):
        event = key_event(key)
        event.set_sender(app)
        app.post_message(event)
    await settle(pilot)
