"""Helpers for the Pilot tests of the account side: what the patron sees on
the terminal, logging in by keyboard, and waiting for the service's answers."""

from __future__ import annotations

import io
import re

from rich.console import Console
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import DataTable


def screen_text(app: App) -> str:
    """The text on the terminal right now, as the patron reads it (dialogs included)."""
    width, height = app.size
    console = Console(
        width=width,
        height=height,
        file=io.StringIO(),
        force_terminal=True,
        color_system="truecolor",
        record=True,
        legacy_windows=False,
        safe_box=False,
    )
    update = app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    console.print(update)
    return console.export_text()


async def settle(pilot: Pilot) -> None:
    """Wait until every worker has answered and the screen has caught up."""
    for _ in range(3):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


async def type_text(pilot: Pilot, text: str) -> None:
    for char in text:
        await pilot.press(char if char != " " else "space")


async def log_in(pilot: Pilot, identifier: str, password: str) -> None:
    """On the login dialog: type both fields and press Enter, then wait."""
    await type_text(pilot, identifier)
    await pilot.press("enter")
    await type_text(pilot, password)
    await pilot.press("enter")
    await settle(pilot)


def table_rows(table: DataTable) -> list[list[str]]:
    """Each row of ``table`` as the plain text of its cells."""
    rows = []
    for index in range(table.row_count):
        rows.append([getattr(cell, "plain", str(cell)) for cell in table.get_row_at(index)])
    return rows


def static_text(screen, selector: str) -> str:
    """The plain text a ``Static`` shows now."""
    from textual.widgets import Static

    return screen.query_one(selector, Static).render().plain


_FRAME = re.compile("[\u2500-\u259f]")


def flat_text(app: App) -> str:
    """The screen's text with frames removed and whitespace squeezed, so that a
    sentence wrapped over several lines of a dialog reads as one."""
    return " ".join(_FRAME.sub(" ", screen_text(app)).split())
