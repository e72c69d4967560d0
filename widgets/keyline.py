"""The help line: the keys that work on this screen, in the patron's language.

Like Textual's ``Footer``, but each binding's ``description`` is an i18n key,
so the line follows the language switch.
"""

from __future__ import annotations

from textual.content import Content
from textual.screen import Screen
from textual.widgets import Static

from tui.i18n import tr


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

    def refresh_keys(self) -> None:
        language = getattr(self.app, "language", "lv")
        seen: set[str] = set()
        parts: list[Content] = []
        for _node, binding, enabled, _tooltip in self.screen.active_bindings.values():
            if not binding.show or not enabled or binding.action in seen:
                continue
            seen.add(binding.action)
            key = self.app.get_key_display(binding)
            parts.append(
                Content.from_markup(
                    "[b $accent]$key[/] $text", key=key, text=tr(binding.description, language)
                )
            )
        self.update(Content("  ").join(parts))
