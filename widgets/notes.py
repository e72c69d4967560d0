"""One-line notes next to a form's fields (errors, notices) that take no room
while they have nothing to say."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static


def put(widget: Static, content: str | Content) -> None:
    """Show ``content`` in ``widget``; hide the widget while it is empty."""
    widget.update(content)
    text = content.plain if isinstance(content, Content) else content
    widget.display = bool(text)
