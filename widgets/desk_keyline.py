"""The desk's help line: the keys of the current tab, then the keys that work
everywhere (F2, F5, F6, F10).

Like ``KeyLine`` (the descriptions are i18n keys, the line follows the
language), but when everything does not fit on one line the line breaks
between the two groups, and within a group only between keys, never inside
one: at 80 columns a tab's own keys never push "F10 Iziet" off the screen.
"""

from __future__ import annotations

from rich.cells import cell_len
from textual.app import App
from textual.content import Content

from widgets.keyline import SEPARATOR, KeyLine


class DeskKeyLine(KeyLine):
    DEFAULT_CSS = """
    DeskKeyLine { height: auto; max-height: 3; }
    """

    def _groups(self) -> tuple[list[Content], list[Content]]:
        """(this screen's keys, the app's keys), each as "key description"."""
        own: list[Content] = []
        everywhere: list[Content] = []
        for part in self.key_parts():
            (everywhere if isinstance(part.node, App) else own).append(part.content)
        return own, sorted(everywhere, key=_f_key_order)

    def refresh_keys(self) -> None:
        own, everywhere = self._groups()
        width = self.line_width
        lines = _wrap(own + everywhere, width)
        if len(lines) > 1 and own and everywhere:
            lines = _wrap(own, width) + _wrap(everywhere, width)
        self.update(Content("\n").join(Content(SEPARATOR).join(line) for line in lines))


def _f_key_order(part: Content) -> tuple[int, str]:
    """F2, F5, F6, F10: in the order of the keyboard."""
    key = part.plain.split(" ", 1)[0].casefold()
    number = key[1:] if key.startswith("f") else ""
    return (int(number), key) if number.isdigit() else (99, key)


def _wrap(parts: list[Content], width: int) -> list[list[Content]]:
    lines: list[list[Content]] = [[]]
    used = 0
    for part in parts:
        size = cell_len(part.plain)
        if lines[-1] and used + len(SEPARATOR) + size > width:
            lines.append([])
            used = 0
        used += (len(SEPARATOR) if lines[-1] else 0) + size
        lines[-1].append(part)
    return lines
