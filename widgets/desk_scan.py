"""``ScanInput``: a field for barcode scanners, which type a code and press Enter.

A scanner types fast: the next code's first characters are often already
waiting behind the Enter of the previous one. The app applies keys one at a
time, each with all it leads to (``tui.key_order``), so the Enter of one code
is done before the next code's first character reaches any field. This field
hands the code over at Enter (``Scanned``) and empties itself for the next
one, while the service may still be answering the previous code.
"""

from __future__ import annotations

from textual.message import Message
from textual.widgets import Input

from tui.safe import clean


class ScanInput(Input):
    """An ``Input`` whose Enter posts ``Scanned(value)`` and empties the field."""

    class Scanned(Message):
        def __init__(self, input: ScanInput, value: str) -> None:
            super().__init__()
            self.input = input
            self.value = value

        @property
        def control(self) -> ScanInput:
            return self.input

    async def action_submit(self) -> None:
        value = clean(self.value, newlines=False).strip()
        self.value = ""
        self.post_message(self.Scanned(self, value))
