"""Issue 11: a patron whose terminal tried too often is told how long to
wait, in the kiosk's language, by the real server over HTTP."""

from __future__ import annotations

import pytest

from services.clock import FakeClock
from services.server.settings import ServerSettings
from tests.screens.account_helpers import flat_text, log_in, settle, type_text
from tests.screens.test_login import open_login
from tests.services.server_harness import remote_service

SETTINGS = ServerSettings(database=":memory:", login_failures_per_account=2)


@pytest.fixture
async def service(clock: FakeClock):
    """The kiosk's remote adapter in front of a server that refuses a
    terminal after two wrong passwords for one account."""
    from services.demo import build_region

    remote, stop = remote_service(build_region(clock.now().date()), clock, SETTINGS)
    try:
        yield remote
    finally:
        await stop()


@pytest.mark.parametrize(
    ("language", "sentence"),
    [
        ("lv", "Pārāk daudz mēģinājumu. Mēģiniet vēlreiz pēc 5 min."),
        ("en", "Too many attempts. Try again in 5 min."),
    ],
    ids=["lv", "en"],
)
async def test_the_login_screen_says_how_long_to_wait(make_app, language, sentence) -> None:
    async with make_app(language).run_test(size=(120, 40)) as pilot:
        await open_login(pilot)
        await log_in(pilot, "liga", "wrong-password")
        for secret in ("wrong-again", "demo1234"):  # the right one, too late
            await type_text(pilot, secret)
            await pilot.press("enter")
            await settle(pilot)
        assert pilot.app.session is None
        assert sentence in flat_text(pilot.app)
