"""``SecretInput``: an ``Input`` whose password can never leave the field.

Textual's ``Input`` copies its selection to the clipboard on Ctrl+C and cuts
it on Ctrl+X, a password field too (and the app's clipboard reaches the
terminal's clipboard through OSC 52). With ``password=True`` this field
copies nothing, cuts nothing, and offers nothing to a screen-wide text
selection. Pasting into it still works.
"""

from __future__ import annotations

from textual.selection import Selection
from textual.widgets import Input


class SecretInput(Input):
    """An ``Input`` that never copies or cuts while ``password`` is set."""

    def action_copy(self) -> None:
        if self.password:
            return  # handled: the key does nothing here, nor anywhere up the chain
        super().action_copy()

    def action_cut(self) -> None:
        if self.password:
            return
        super().action_cut()

    @property
    def allow_select(self) -> bool:
        return not self.password and super().allow_select

    def get_selection(self, selection: Selection) -> tuple[str, str] | None:
        if self.password:
            return None
        return super().get_selection(selection)
