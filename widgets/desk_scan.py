"""``ScanInput``: a field for barcode scanners, which type a code and press Enter.

A scanner types fast: the next code's first characters can already be
waiting behind the Enter of the previous one. Textual's ``Input`` submits
when the Enter has travelled up to the app's bindings, after the field may
already have taken those next characters (two codes merged into one). This
field takes the Enter in turn with the characters: it hands the code over
(``Scanned``) and empties itself right there, so every code arrives whole and
none is lost, however fast they come, and while the service is still
answering the previous one.
"""

from __future__ import annotations

from textual import events
from textual.message import Message
from textual.widgets import Input

from tui.safe import clean


class ScanInput(Input):
    """An ``Input`` whose Enter posts ``Scanned(value)`` and clears the field at once."""

    class Scanned(Message):
        def __init__(self, input: ScanInput, value: str) -> None:
            super().__init__()
            self.input = input
            self.value = value

        @property
        def control(self) -> ScanInput:
            return self.input

    def _on_key(self, event: events.Key) -> None:
        # Input's own key handler runs after this one unless the Enter is taken here.
        if event.key != "enter":
            return
        event.stop()
        event.prevent_default()
        value = clean(self.value, newlines=False).strip()
        self.value = ""
        self.post_message(self.Scanned(self, value))
