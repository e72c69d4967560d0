"""The help line: the keys that work on this screen, in the patron's language.

Like Textual's ``Footer``, but each binding's ``description`` is an i18n key,
so the line follows the language switch. The line always fits its width
(80 columns, in either language): when the keys do not all fit, the least
important ones give way to "F1 Vairāk" (more), whose dialog lists every key of the
screen (``screens.dialogs.keys_help``). The keys that never give way are
``ESSENTIAL``: contacts, the language, logging out and ending an SSH session.
The app's other keys (F3, F4) give way first, then the screen's moves
(``MOVES``: back, tabs, pages), then its own keys, the last bound first.
"""

from __future__ import annotations

from typing import NamedTuple

from rich.cells import cell_len
from textual import events
from textual.app import App
from textual.binding import Binding
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Static

from tui.i18n import texts, tr

texts({"key.close_list": ("Aizvērt sarakstu", "Close the list")})

TEXTUAL_KEYS = {"Dismiss menu": ("key.close_list", "Esc")}
"""Textual's own bindings that can show here (an open ``Select``'s list, whose
description is English text): description → (our i18n key, key display)."""

texts({"key.help": ("Vairāk", "More")})

ESSENTIAL = frozenset({"contacts", "toggle_language", "logout", "end_session"})
"""Actions whose key is on the line wherever it works: F2, F6, F10, and F12
"Beigt sesiju" over SSH."""

MOVES = frozenset({
    "back", "step_tab", "next_page", "previous_page", "next_copies", "previous_copies",
})
"""Actions that only move (back, tabs, pages): they give way before the
screen's own actions (the tabs and page ranges are on screen, Esc is the
terminal's usual way back)."""

HELP_ACTION = "keys_help"
"""The action of F1 (``KioskApp.action_keys_help``): its key shows only when
another key had to give way."""

SEPARATOR = "  "


class KeyPart(NamedTuple):
    """One key of the line: where its binding is, and "key description"."""

    node: object
    binding: Binding
    content: Content

    @property
    def rank(self) -> int:
        """0: never gives way; 1: the screen's own; 2: its moves; 3: the app's others."""
        action = _action_name(self.binding.action)
        if action in ESSENTIAL:
            return 0
        if isinstance(self.node, App):
            return 3
        return 2 if action in MOVES else 1


def _action_name(action: str) -> str:
    """``app.logout`` → ``logout``; ``tab('loans')`` → ``tab``."""
    return action.split("(", 1)[0].rpartition(".")[2]


class KeyLine(Static):
    DEFAULT_CSS = """
    KeyLine {
        dock: bottom;
        height: 1;
        background: $panel;
        color: $text-muted;
        padding: 0 1;
    }
    """

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        self.watch(self.app, "language", lambda _: self.refresh_keys(), init=False)
        self.refresh_keys()

    def _bindings_changed(self, screen: Screen) -> None:
        if self.is_attached and screen is self.screen:
            self.refresh_keys()

    def key_parts(self) -> list[KeyPart]:
        """The keys shown for this screen now (F1 aside), each once, in binding order."""
        language = getattr(self.app, "language", "lv")
        seen: set[str] = set()
        parts: list[KeyPart] = []
        for node, binding, enabled, _tooltip in self.screen.active_bindings.values():
            if not binding.show or not enabled or binding.action in seen:
                continue
            seen.add(binding.action)
            parts.append(KeyPart(node, binding, self._content(binding, language)))
        return parts

    def _content(self, binding: Binding, language: str) -> Content:
        description, key = TEXTUAL_KEYS.get(
            binding.description, (binding.description, self.app.get_key_display(binding))
        )
        return Content.from_markup(
            "[b $accent]$key[/] $text", key=key, text=tr(description, language)
        )

    def help_part(self) -> Content | None:
        """"F1 Vairāk", when F1 works on this screen."""
        for _node, binding, enabled, _tooltip in self.screen.active_bindings.values():
            if enabled and _action_name(binding.action) == HELP_ACTION:
                return self._content(binding, getattr(self.app, "language", "lv"))
        return None

    @property
    def line_width(self) -> int:
        """The columns the keys have (before the first layout: the terminal's)."""
        return max(self.content_region.width or self.app.size.width - 2, 10)

    def refresh_keys(self) -> None:
        parts = [part.content for part in fit(self.key_parts(), self.line_width, self.help_part())]
        self.update(Content(SEPARATOR).join(parts))

    def on_resize(self, event: events.Resize) -> None:
        self.refresh_keys()


def width_of(parts: list[Content]) -> int:
    """The columns ``parts`` take on one line."""
    return sum(cell_len(part.plain) for part in parts) + len(SEPARATOR) * max(len(parts) - 1, 0)


def fit(parts: list[KeyPart], width: int, help: Content | None) -> list[KeyPart]:
    """``parts`` in their order, as many as fit in ``width``, the most
    important first (by ``rank``, then as bound); ``help`` is added at the end
    when a key gave way. The essential keys always stay."""
    if width_of([p.content for p in parts]) <= width:
        return list(parts)
    reserved = [] if help is None else [help]
    by_importance = sorted(range(len(parts)), key=lambda i: (parts[i].rank, i))
    kept: set[int] = set()
    for index in by_importance:
        trial = [parts[i].content for i in sorted(kept | {index})] + reserved
        if parts[index].rank == 0 or width_of(trial) <= width:
            kept.add(index)
    shown = [parts[i] for i in sorted(kept)]
    if help is not None:
        shown.append(KeyPart(None, Binding("f1", HELP_ACTION), help))
    return shown
