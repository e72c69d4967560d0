"""Outside text shown as data: never markup, never terminal control.

Anything that came from the catalog, a person or a server (titles, names,
notes, error text) goes through ``clean`` before it is shown, and is shown as
``Content`` (which Textual does not parse as markup), or through
``Content.from_markup("… $value …", value=…)`` when mixed with our own style.
"""

from __future__ import annotations

import re

from textual.content import Content

# C0 controls but tab and newline, DEL, C1 controls, and bidi/invisible format
# controls that can reorder or hide text.
_CONTROL = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb]"
)


def clean(text: object, *, newlines: bool = True) -> str:
    """``text`` as a string without control characters.

    With ``newlines=False`` tabs and newlines become spaces (for one-line cells).
    """
    value = _CONTROL.sub("", str(text))
    if not newlines:
        value = value.replace("\t", " ").replace("\r", " ").replace("\n", " ")
    return value


def plain(text: object, *, newlines: bool = True) -> Content:
    """``text`` cleaned and wrapped as ``Content``: shown exactly as written."""
    return Content(clean(text, newlines=newlines))
