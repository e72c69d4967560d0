"""At "Izsniegšana": a blocked patron is told what blocks them and nothing
else; and the field that takes what is typed or scanned is framed apart from
the others, also back from the e-katalogs (F5, then Esc), where it keeps the
focus, so a librarian sees that 1–6 would go into it (issue 12)."""

from __future__ import annotations

import pytest

from screens.desk.screen import DeskScreen
from screens.desk.checkout import CheckoutPane
from tests.screens.account_helpers import flat_text, screen_text, settle
from tests.screens.desk_helpers import desk_app_factory, desk_login, scan, staff_session
from widgets.desk_scan import ScanInput

JANIS_CARD = "1000000002"
"""Jānis has an overdue loan: he is blocked."""
LIGA_CARD = "1000000003"

HEAVY = "┏┃┗"
"""The frame of the focused field (``tui/desk.tcss``); the others are drawn in ``tall``."""


@pytest.fixture
def make_desk_app(service):
    return desk_app_factory(service)


@pytest.mark.parametrize(
    ("language", "found"),
    [("lv", "Lasītājs atrasts"), ("en", "Patron found")],
)
async def test_a_blocked_patron_gets_the_block_sentence_only(
    make_desk_app, service, language: str, found: str
) -> None:
    staff = await staff_session(service)
    janis = (await service.find_patrons(staff, JANIS_CARD))[0]
    reason = (await service.patron_account(staff, janis.id)).blocks[0].text(language)
    async with make_desk_app(language=language).run_test(size=(80, 24)) as pilot:
        await desk_login(pilot)
        await pilot.press("4")
        await settle(pilot)
        await scan(pilot, JANIS_CARD)
        text = flat_text(pilot.app)
        assert reason in text
        assert found not in text
        # A patron who may borrow is still asked for the barcodes.
        await pilot.press("escape")
        await settle(pilot)
        await scan(pilot, LIGA_CARD)
        assert found in flat_text(pilot.app)


def frame_of(app, field: ScanInput) -> str:
    """The characters of the screen on the field's left edge."""
    lines = screen_text(app).splitlines()
    region = field.region
    return "".join(lines[y][region.x] for y in range(region.y, region.bottom))


async def test_after_the_catalog_the_focused_barcode_field_can_be_seen(make_desk_app) -> None:
    async with make_desk_app().run_test(size=(80, 24)) as pilot:
        app = pilot.app
        await desk_login(pilot)
        await pilot.press("4")
        await settle(pilot)
        await scan(pilot, LIGA_CARD)
        await pilot.press("f5")
        await settle(pilot)
        assert not isinstance(app.screen, DeskScreen)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, DeskScreen)
        pane = app.screen.query_one("#checkout", CheckoutPane)
        barcode = pane.query_one("#checkout-barcode", ScanInput)
        card = pane.query_one("#checkout-card", ScanInput)
        assert app.focused is barcode
        assert frame_of(app, barcode) == HEAVY
        assert frame_of(app, card) != HEAVY
        # The frame follows the focus.
        card.focus()
        await settle(pilot)
        assert frame_of(app, card) == HEAVY
        assert frame_of(app, barcode) != HEAVY
