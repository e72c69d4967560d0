"""``[kiosk] monochrome``: the app draws without colour in every profile when
the setting asks for it, and in colour when it does not. The public profiles
scrub ``NO_COLOR`` from the environment (``tui.kiosk``), so the setting is the
operator's way to ask for monochrome."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from textual.filter import Monochrome, NoColor

from tests.screens.account_helpers import settle
from tests.tui.kiosk_helpers import make_app
from tui.settings_file import read_settings

_FILL = re.compile(r"fill=\"#([0-9a-fA-F]{6})\"")
_WINDOW = {"ff5f57", "febc2e", "28c840", "c5c8c6"}
"""The screenshot's own window frame (its three buttons, its title), not the app."""


def colours_drawn(svg: str) -> set[str]:
    """The colours of a screenshot (text and backgrounds) that are not a grey."""
    found = set()
    for hex_colour in _FILL.findall(svg):
        red, green, blue = (int(hex_colour[i:i + 2], 16) for i in (0, 2, 4))
        if not red == green == blue and hex_colour.casefold() not in _WINDOW:
            found.add(hex_colour)
    return found


@pytest.mark.parametrize("profile", ["kiosk", "ssh", "desk"])
@pytest.mark.parametrize("monochrome", [True, False])
async def test_the_setting_draws_the_app_without_colour(profile: str, monochrome: bool) -> None:
    app = make_app(profile=profile, monochrome=monochrome)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        filters = app.get_line_filters()
        colours = colours_drawn(app.export_screenshot())
    if monochrome:
        assert app.no_color
        assert any(isinstance(f, (Monochrome, NoColor)) for f in filters)
        assert not colours
    else:
        assert not app.no_color
        assert colours


def test_the_setting_holds_from_the_first_frame(tmp_path: Path) -> None:
    """``mana`` starts the app on the settings as read (``preview``) before it
    validates them: the colour is already gone on the first screen."""
    path = tmp_path / "kiosk.toml"
    path.write_text("[kiosk]\nmonochrome = true\n", encoding="utf-8")
    settings = read_settings(path)
    assert settings.preview().kiosk.monochrome is True
    assert settings.validate().kiosk.monochrome is True
    assert read_settings(None).preview().kiosk.monochrome is False
