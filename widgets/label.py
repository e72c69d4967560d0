"""Labels that follow the language by themselves (R15).

``Tr(key, **params)`` shows ``tr(key, app.language, **params)`` as plain text
and watches the app's ``language`` itself, so a screen needs neither an empty
``Static`` to fill nor a ``relabel()`` line for it. ``label.set(count=3)``
changes the parameters, ``label.key = "..."`` the text (``""`` shows nothing).
``TrLabel`` and ``TrButton`` do the same for a ``Label`` and a ``Button``.

``follow_language(widget, "placeholder", key, **params)`` does the same for
an attribute that is not a widget's content (an ``Input``'s placeholder, a
``border_title``, a ``Checkbox`` or tab label, a ``Select``'s prompt).

``replace_options`` gives a ``Select`` new options (e.g. in the new language)
and keeps the patron's choice, showing it in the new words.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from textual.content import Content
from textual.reactive import reactive
from textual.visual import VisualType
from textual.widget import Widget
from textual.widgets import Button, Label, Select, Static
from textual.widgets.button import ButtonVariant

from tui.i18n import tr
from tui.safe import plain


class _Translated(Widget):
    """The part every translated widget shares: the key, its parameters and
    the watch on the app's language. ``_put(text)`` shows the text.

    It comes second among a widget's bases: Textual takes a widget's default
    style from its first base (``Static``, ``Label``, ``Button``)."""

    key: reactive[str] = reactive("", init=False)

    def _translated(self, key: str, upper: bool, params: dict[str, object]) -> None:
        self.set_reactive(_Translated.key, key)
        self.upper = upper
        self._params = params

    def on_mount(self) -> None:
        self.watch(self.app, "language", lambda _: self._show(), init=False)
        self._show()

    def set(self, **params: object) -> None:
        """Change some parameters and show the text again."""
        self._params.update(params)
        self._show()

    def watch_key(self) -> None:
        self._show()

    @property
    def text(self) -> str:
        """The text shown now (empty for the key "")."""
        text = tr(self.key, getattr(self.app, "language", "lv"), **self._params) if self.key else ""
        return text.upper() if self.upper else text

    def _show(self) -> None:
        self._put(plain(self.text))

    def _put(self, text: Content) -> None:
        raise NotImplementedError


class Tr(Static, _Translated):
    """A label whose text is the i18n ``key`` in the app's language.

    The text is never markup and has no control characters: a parameter that
    came from outside (a title) shows as typed.
    ``upper`` shows it in capitals (section headings such as "EKSEMPLĀRI").
    """

    def __init__(
        self,
        key: str,
        *,
        upper: bool = False,
        id: str | None = None,
        classes: str | None = None,
        **params: object,
    ) -> None:
        super().__init__(id=id, classes=classes, markup=False)
        self._translated(key, upper, params)

    def _put(self, text: Content) -> None:
        self.update(text)


class TrLabel(Label, _Translated):
    """``Tr`` as a ``Label`` (a form field's caption: as wide as its text)."""

    def __init__(
        self, key: str, *, id: str | None = None, classes: str | None = None, **params: object
    ) -> None:
        super().__init__(id=id, classes=classes, markup=False)
        self._translated(key, False, params)

    def _put(self, text: Content) -> None:
        self.update(text)


class TrButton(Button, _Translated):
    """A ``Button`` whose label is the i18n ``key`` in the app's language."""

    def __init__(
        self,
        key: str,
        *,
        variant: ButtonVariant = "default",
        id: str | None = None,
        classes: str | None = None,
        **params: object,
    ) -> None:
        super().__init__(variant=variant, id=id, classes=classes)
        self._translated(key, False, params)

    def _put(self, text: Content) -> None:
        self.label = text


def counted(text: str, count: int | None) -> str:
    """A tab's label with how many it holds: "Izsniegumi (3)" (``None``: no count)."""
    return text if count is None else f"{text} ({count})"


class Followed:
    """An attribute of a widget kept in the app's language (``follow_language``).

    ``set(**params)`` changes some parameters and sets the attribute again; a
    ``count`` parameter (``None``: none) is shown after the text, as ``counted``
    does (a tab's label)."""

    def __init__(self, widget: Widget, attribute: str, key: str, params: dict[str, object]):
        self.widget = widget
        self.attribute = attribute
        self.key = key
        self._params = params

    def set(self, **params: object) -> None:
        self._params.update(params)
        self.show()

    @property
    def text(self) -> str:
        language = getattr(self.widget.app, "language", "lv")
        count = self._params.get("count")
        return counted(tr(self.key, language, **self._params), count)  # type: ignore[arg-type]

    def show(self) -> None:
        setattr(self.widget, self.attribute, self.text)


def follow_language(widget: Widget, attribute: str, key: str, **params: object) -> Followed:
    """Set ``widget.<attribute>`` to the i18n ``key`` in the app's language, now
    and whenever the language changes. The watch belongs to ``widget``, so it
    ends with it; the texts are our own, never outside data."""
    followed = Followed(widget, attribute, key, params)
    followed.show()
    widget.watch(widget.app, "language", lambda _: followed.show(), init=False)
    return followed


def replace_options(select: Select[Any], options: Sequence[tuple[VisualType, Any]]) -> None:
    """Give ``select`` these options, keeping its choice when it is still one of
    them (``set_options`` alone resets it) and showing the choice in the new
    labels (Textual redraws the choice only when the value changes)."""
    value = select.value
    select.set_options(options)  # type: ignore[arg-type]
    if any(v == value for _, v in options):
        if select.value == value:
            select.mutate_reactive(Select.value)
        else:
            select.value = value
