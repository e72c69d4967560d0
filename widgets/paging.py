"""Where a page sits in a larger result: "1–20 no 1234"."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui.i18n import texts, tr

if TYPE_CHECKING:
    from services.models import Page

texts(
    {
        "page.range": ("{first}–{last} no {total}", "{first}–{last} of {total}"),
        "page.range_more": ("{first}–{last} no vairāk nekā {total}",
                            "{first}–{last} of more than {total}"),
        "page.empty": ("0 no 0", "0 of 0"),
        "page.next": ("Nākamā", "Next"),
        "page.previous": ("Iepriekšējā", "Previous"),
    }
)


def range_text(page: Page, language: str) -> str:  # type: ignore[type-arg]
    """``1–20 no 1234`` for a page of 20 at offset 0 of 1234 (``0 no 0`` when
    empty; ``1–20 no vairāk nekā 1000`` for a search that counted no further)."""
    if not page.items:
        return tr("page.empty", language)
    return tr(
        "page.range_more" if getattr(page, "more", False) else "page.range",
        language,
        first=page.offset + 1,
        last=page.offset + len(page.items),
        total=page.total,
    )
