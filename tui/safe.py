"""Outside text shown as data: never markup, never terminal control.

Anything that came from the catalog, a person or a server (titles, names,
notes, error text) goes through ``clean`` before it is shown, and is shown as
``Content`` (which Textual does not parse as markup), or through
``Content.from_markup("… $value …", value=…)`` when mixed with our own style.
"""

from __future__ import annotations

from textual.content import Content

from services.text import clean as strip_controls


def clean(text: object, *, newlines: bool = True) -> str:
    """``text`` as a string without control characters.

    With ``newlines=False`` tabs and newlines become spaces (for one-line cells).
    """
    value = strip_controls(str(text), keep_newlines=True)
    if not newlines:
        value = value.replace("\t", " ").replace("\n", " ")
    return value


def plain(text: object, *, newlines: bool = True) -> Content:
    """``text`` cleaned and wrapped as ``Content``: shown exactly as written."""
    return Content(clean(text, newlines=newlines))
