"""``OrderedKeys``: the app applies keys one after the other, each in full.

Over a slow SSH link, in a paste, from tmux or a barcode scanner, several
keys arrive in one read, and Textual's ``App`` forwards every one of them to
the focused widget at once. In an ``Input`` a printable key is applied right
there, but Enter, Backspace, Ctrl+U and the other keys the field binds are
bindings: they only run when the key has bubbled, widget by widget, back up
to the app (``App._on_key``) — after the printable keys queued behind them.
And what Enter leads to (``Input.Submitted`` moving the focus to the next
field, a submit worker starting) comes later still. Typing ``anna``, Enter,
``demo1234``, Enter at full speed left ``annademo1234`` in the username field
of the login dialog, in clear.

This mixin makes the keys (and pastes) take turns: one is released to the
focused widget, and the next only when the first is done — when the app, the
screen and every widget from the focused one up have processed all that the
key started (bindings, messages, focus moves). Every widget of the app gets
its keys in the order they came; no field needs anything of its own.
"""

from __future__ import annotations

import asyncio
from collections import deque

from textual import events
from textual.app import App, ScreenStackError, UnknownModeError
from textual.message_pump import MessagePump

KEY_TURN_LIMIT = 1.0
"""Seconds a key may take before the next one is released anyway (a handler
that awaits something slow must not freeze the keyboard)."""

QUIET_ROUNDS = 2
"""Rounds in a row that find nothing left to process on the key's path."""

Ordered = events.Key | events.Paste


class OrderedKeys(App[None]):
    """An ``App`` that hands keys and pastes to its widgets one at a time."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._keys_waiting: deque[Ordered] = deque()
        self._key_in_turn: Ordered | None = None
        self._taking_turns = False

    async def on_event(self, event: events.Event) -> None:
        if (
            isinstance(event, (events.Key, events.Paste))
            and not event.is_forwarded
            and event is not self._key_in_turn
        ):
            self._keys_waiting.append(event)
            if not self._taking_turns:
                self._taking_turns = True
                self.run_worker(self._take_turns(), group="key-order", exit_on_error=False)
            return
        await super().on_event(event)

    async def _take_turns(self) -> None:
        """Release the waiting keys one by one, each when the last is done."""
        try:
            while self._keys_waiting:
                event = self._keys_waiting.popleft()
                self._key_in_turn = event
                if not self.post_message(event):  # the app is closing
                    self._keys_waiting.clear()
                    break
                await self._key_done()
        finally:
            self._key_in_turn = None
            self._taking_turns = False

    async def _key_done(self) -> None:
        """Wait until the key in turn and all it started have been processed
        by every node on its path: the app, the screen, the focused widget and
        its ancestors (looked up again each round: the focus may have moved).
        A round asks each of them to call back once it has processed what it
        has been sent so far; the key is done after ``QUIET_ROUNDS`` rounds
        that found nothing new, or after ``KEY_TURN_LIMIT``."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + KEY_TURN_LIMIT
        quiet = 0
        while quiet < QUIET_ROUNDS:
            processed: list[asyncio.Event] = []
            for node in self._key_path():
                marker = asyncio.Event()
                if node.call_later(marker.set):
                    processed.append(marker)
            left = deadline - loop.time()
            if left <= 0:
                return
            waits = [asyncio.ensure_future(marker.wait()) for marker in processed]
            if waits:
                _done, pending = await asyncio.wait(waits, timeout=left)
                for wait in pending:
                    wait.cancel()
                if pending:
                    return
            busy = any(node.message_queue_size for node in self._key_path())
            quiet = 0 if busy else quiet + 1

    def _key_path(self) -> list[MessagePump]:
        """The app, the screen, and the focused widget with its ancestors."""
        try:
            start = self.focused or self.screen
        except (ScreenStackError, UnknownModeError):  # no screen yet, or no longer
            return [self]
        return [*start.ancestors_with_self]

