"""``tui.key_order.OrderedKeys`` on a bare app: keys in one read take turns,
and a handler that takes long does not freeze the keyboard."""

from __future__ import annotations

import asyncio
import time

from textual import events, on
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Input

from tui.key_order import KEY_TURN_LIMIT, OrderedKeys


class Form(Screen[None]):
    """Enter in the first field moves on to the second, after ``pause`` seconds."""

    def __init__(self, pause: float) -> None:
        super().__init__()
        self.pause = pause

    def compose(self) -> ComposeResult:
        yield Input(id="first")
        yield Input(id="second")

    @on(Input.Submitted, "#first")
    async def _next(self) -> None:
        await asyncio.sleep(self.pause)
        self.query_one("#second", Input).focus()


class TwoFields(OrderedKeys):
    def __init__(self, pause: float = 0.0) -> None:
        super().__init__()
        self.pause = pause

    def on_mount(self) -> None:
        self.push_screen(Form(self.pause))


def post(app: OrderedKeys, *keys: tuple[str, str | None]) -> None:
    for key, char in keys:
        event = events.Key(key, char)
        event.set_sender(app)
        app.post_message(event)


async def test_the_keys_after_enter_wait_for_the_focus_to_move() -> None:
    app = TwoFields()
    async with app.run_test() as pilot:
        await pilot.pause()
        post(app, ("a", "a"), ("enter", "\r"), ("b", "b"), ("backspace", "\x7f"), ("c", "c"))
        await pilot.pause(0.3)
        assert app.screen.query_one("#first", Input).value == "a"
        assert app.screen.query_one("#second", Input).value == "c"


async def test_a_slow_handler_holds_the_next_key_only_so_long() -> None:
    app = TwoFields(pause=3 * KEY_TURN_LIMIT)
    async with app.run_test() as pilot:
        await pilot.pause()
        first = app.screen.query_one("#first", Input)
        start = time.monotonic()
        post(app, ("enter", "\r"), ("x", "x"))
        while not first.value:
            await asyncio.sleep(0.05)  # not pilot.pause(): it waits for the busy screen
            assert time.monotonic() - start < 2.5 * KEY_TURN_LIMIT
        assert first.value == "x"  # released to the field, the focus has not moved yet
