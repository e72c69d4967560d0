"""The kiosk when the library service is down, stops, is slow or answers
garbage (issues 3 and 4): a banner in the patron's language, screens that
load again on their own, clear messages for actions, a loading indicator while
waiting, and keys that keep working. Always the real ``RemoteService`` over a
real loopback socket; the failures are real (refused connections, a stopped
server, an answer that has not come yet, bytes that are not the API).
"""

from __future__ import annotations

import asyncio
import socket

import pytest
from textual.widgets import Input, Select

from screens.account import AccountScreen
from screens.catalog import CatalogScreen
from screens.contacts import ContactsScreen
from screens.lists import ListScreen
from screens.dialogs.login import LoginScreen
from screens.dialogs.order import OrderDialog
from screens.record import RecordScreen
from services.demo_data import DEMO_PASSWORD
from services.memory import MemoryService
from services.models import OfferKind, SearchQuery
from services.remote import BAD_ANSWER, UNREACHABLE
from tests.screens.catalog_helpers import (
    find_copy,
    flat,
    move_to_copy,
    open_record,
    screen_text,
    static_text,
    table_rows,
    type_text,
)
from tests.screens.remote_helpers import (
    SlowEngine,
    client,
    garbage_server,
    notifications,
    reserved_port,
    serve_on,
    settle,
    shows_loading,
    wait_until,
)
from tests.services.server_harness import running_server
from tui.app import KioskApp
from widgets.copy_table import CopyTable
from widgets.fit_table import FitTable
from widgets.record_table import RecordTable
from widgets.record_view import RecordView

BANNER_LV = "Bibliotēkas serviss nav sasniedzams"
BANNER_EN = "The library service cannot be reached"


def kiosk(service) -> KioskApp:
    """The real app on ``service``, retrying after a short back-off."""
    app = KioskApp(service)
    app.RETRY_DELAYS = (0.05, 0.1, 0.2, 0.4)
    return app


def banner_shown(app: KioskApp) -> bool:
    return BANNER_LV in flat(screen_text(app)) or BANNER_EN in flat(screen_text(app))


def result_titles(app: KioskApp) -> list[str]:
    return [row[0] for row in table_rows(app.screen.query_one(RecordTable))]


async def test_down_at_start_then_the_catalog_recovers_on_its_own(clock) -> None:
    sock, url = reserved_port()
    service = client(url)
    server = None
    try:
        async with kiosk(service).run_test(size=(80, 24)) as pilot:
            app = pilot.app
            # It starts, on the catalog, with the banner in Latvian and one message.
            await wait_until(pilot, lambda: app.offline, "the kiosk noticed the service is down")
            await pilot.pause()
            assert isinstance(app.screen, CatalogScreen)
            assert BANNER_LV in flat(screen_text(app))
            assert notifications(app).count(UNREACHABLE[0]) == 1
            # Typing still works; the failing searches do not pile up messages.
            await type_text(pilot, "merniek")
            await settle(pilot)
            assert app.screen.query_one("#search", Input).value == "merniek"
            assert notifications(app).count(UNREACHABLE[0]) == 1
            # The banner follows the language.
            await pilot.press("f6")
            await pilot.pause()
            assert BANNER_EN in flat(screen_text(app))
            await pilot.press("f6")
            await pilot.pause()
            # Logging in cannot work now: a clear message, and the typed name stays.
            await pilot.press("f3")
            await settle(pilot)
            assert isinstance(app.screen, LoginScreen)
            await type_text(pilot, "anna")
            await pilot.press("enter")
            await type_text(pilot, DEMO_PASSWORD)
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, LoginScreen)
            assert app.session is None
            assert notifications(app).count(UNREACHABLE[0]) == 2
            assert app.screen.query_one("#identifier", Input).value == "anna"
            assert BANNER_LV in flat(screen_text(app))
            await pilot.press("escape")
            await settle(pilot)
            assert isinstance(app.screen, CatalogScreen)
            assert app.screen.query_one("#search", Input).value == "merniek"
            assert not result_titles(app)

            # The service comes up on that port: the catalog gets its answer by itself.
            server = serve_on(sock, MemoryService(clock=clock))
            await wait_until(pilot, lambda: not app.offline and result_titles(app),
                             "the catalog loaded again")
            await settle(pilot)
            assert "Mērnieku laiki" in result_titles(app)
            assert not banner_shown(app)
            libraries = app.screen.query_one("#library", Select)
            assert len(libraries._options) > 1  # the library filter got its libraries too
    finally:
        await service.aclose()
        if server is not None:
            await asyncio.to_thread(server.stop)
        else:
            sock.close()


async def test_a_server_that_stops_mid_session_and_comes_back(clock) -> None:
    sock, url = reserved_port()
    port = sock.getsockname()[1]
    server = serve_on(sock, MemoryService(clock=clock))
    service = client(url)
    try:
        record_id, title, index, view = await find_copy(service, OfferKind.ORDER)
        async with kiosk(service).run_test(size=(80, 24)) as pilot:
            app = pilot.app
            app.session = await service.login("anna", DEMO_PASSWORD)
            await open_record(pilot, record_id)
            assert isinstance(app.screen, RecordScreen)
            await move_to_copy(pilot, index)
            copies = table_rows(app.screen.query_one(CopyTable))
            assert not app.offline

            await asyncio.to_thread(server.stop)

            # Ordering: the dialog says it did not work and why.
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, OrderDialog)
            await pilot.press("enter")  # "Pasūtīt"
            await settle(pilot)
            text = flat(screen_text(app))
            assert "Nepasūtīja:" in text
            assert UNREACHABLE[0] in flat(static_text(app, "#dialog-result"))
            assert app.offline and BANNER_LV in text
            await pilot.press("enter")  # "Labi"
            await settle(pilot)
            # The open record stays as it was.
            assert isinstance(app.screen, RecordScreen)
            assert static_text(app, "#record-title") == title
            assert table_rows(app.screen.query_one(CopyTable)) == copies
            assert banner_shown(app)
            # Sending the list: the sentence at the field, the address kept.
            await pilot.press("s")
            await pilot.press("f4")
            await settle(pilot)
            assert isinstance(app.screen, ListScreen)
            await pilot.press("tab")
            await type_text(pilot, "anna@example.com")
            await pilot.press("enter")
            await settle(pilot)
            assert static_text(app, "#list-email-error") == UNREACHABLE[0]
            assert app.screen.query_one("#list-email", Input).value == "anna@example.com"
            # Mana bibliotēka: the tabs cannot load, the app goes on.
            await pilot.press("escape")
            await pilot.press("f3")
            await settle(pilot)
            assert isinstance(app.screen, AccountScreen)
            assert banner_shown(app)
            await pilot.press("escape")
            await settle(pilot)
            assert isinstance(app.screen, RecordScreen)
            assert static_text(app, "#record-title") == title

            # The service is back on its port: the record screen, which could
            # not refresh its copies, does so on its own and the banner goes.
            again = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
            again.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            again.bind(("127.0.0.1", port))
            server = serve_on(again, MemoryService(clock=clock))
            await wait_until(pilot, lambda: not app.offline, "the service answered again")
            await settle(pilot)
            assert not banner_shown(app)
            assert isinstance(app.screen, RecordScreen)
            assert static_text(app, "#record-title") == title
            assert len(table_rows(app.screen.query_one(CopyTable))) == len(copies)
    finally:
        await service.aclose()
        await asyncio.to_thread(server.stop)


async def test_slow_search_shows_loading_and_keys_still_work(clock) -> None:
    engine = SlowEngine(MemoryService(clock=clock), slow={"search"})
    with running_server(engine) as server:  # type: ignore[arg-type]
        service = client(server.url)
        try:
            async with kiosk(service).run_test(size=(80, 24)) as pilot:
                app = pilot.app
                results = app.screen.query_one(RecordTable)
                await wait_until(pilot, engine.asked.is_set, "the search reached the server")
                await wait_until(pilot, lambda: shows_loading(app, results),
                                 "a loading indicator over the results")
                # Meanwhile: typing, the language key, the contacts and back.
                await type_text(pilot, "merniek")
                assert app.screen.query_one("#search", Input).value == "merniek"
                await pilot.press("f6")
                await pilot.pause()
                assert app.language == "en"
                assert app.screen.query_one("#search", Input).border_title == "Search"
                await pilot.press("f2")
                await pilot.pause()
                assert isinstance(app.screen, ContactsScreen)
                await pilot.press("escape")
                await pilot.pause()
                assert isinstance(app.screen, CatalogScreen)
                assert shows_loading(app, results)
                assert not result_titles(app)
                # The answer comes: the results of what was typed, no indicator.
                engine.gate.set()
                await wait_until(pilot, lambda: "Mērnieku laiki" in result_titles(app),
                                 "the results arrived")
                await settle(pilot)
                assert not shows_loading(app, results)
                assert not app.offline
        finally:
            engine.gate.set()
            await service.aclose()


async def test_slow_record_shows_loading_and_escape_goes_back(clock) -> None:
    engine = SlowEngine(MemoryService(clock=clock), slow={"record", "copies"})
    with running_server(engine) as server:  # type: ignore[arg-type]
        service = client(server.url)
        try:
            hit = (await service.search(SearchQuery(text="Mērnieku laiki"))).items[0]
            async with kiosk(service).run_test(size=(80, 24)) as pilot:
                app = pilot.app
                await settle(pilot)
                app.screen.open_record(hit.id)
                await wait_until(pilot, engine.asked.is_set, "the record was asked for")
                screen = app.screen
                assert isinstance(screen, RecordScreen)
                await wait_until(
                    pilot,
                    lambda: shows_loading(app, screen.query_one(RecordView))
                    and shows_loading(app, screen.query_one(CopyTable)),
                    "loading indicators over the record and its copies",
                )
                await pilot.press("f6")
                await pilot.pause()
                assert app.language == "en"
                await pilot.press("escape")
                await pilot.pause()
                assert isinstance(app.screen, CatalogScreen)
                engine.gate.set()
                await settle(pilot)
                assert isinstance(app.screen, CatalogScreen)
                # Opened again, the record is there.
                app.screen.open_record(hit.id)
                await settle(pilot)
                assert static_text(app, "#record-title") == hit.title
                assert table_rows(app.screen.query_one(CopyTable))
        finally:
            engine.gate.set()
            await service.aclose()


async def test_slow_copies_take_the_focus_once_they_arrive(clock) -> None:
    engine = SlowEngine(MemoryService(clock=clock), slow={"copies"})
    with running_server(engine) as server:  # type: ignore[arg-type]
        service = client(server.url)
        try:
            page = await service.search(SearchQuery(limit=50))
            hit = next(h for h in page.items if h.copies >= 2)
            async with kiosk(service).run_test(size=(80, 24)) as pilot:
                app = pilot.app
                await settle(pilot)
                app.screen.open_record(hit.id)
                await wait_until(pilot, engine.asked.is_set, "the copies were asked for")
                screen = app.screen
                table = screen.query_one(CopyTable)
                await wait_until(pilot, lambda: shows_loading(app, table), "copies loading")
                await wait_until(pilot, lambda: static_text(app, "#record-title") == hit.title,
                                 "the description shown while the copies still load")
                engine.gate.set()
                await settle(pilot)
                assert screen.focused is table
                first = table.current
                await pilot.press("down")
                assert table.current is not None and table.current != first
        finally:
            engine.gate.set()
            await service.aclose()


async def test_slow_login_shows_loading_and_can_be_left(clock) -> None:
    engine = SlowEngine(MemoryService(clock=clock), slow={"login"})
    with running_server(engine) as server:  # type: ignore[arg-type]
        service = client(server.url)
        try:
            async with kiosk(service).run_test(size=(80, 24)) as pilot:
                app = pilot.app
                await settle(pilot)
                await pilot.press("f3")
                await settle(pilot)
                login = app.screen
                assert isinstance(login, LoginScreen)
                await type_text(pilot, "anna")
                await pilot.press("enter")
                await type_text(pilot, DEMO_PASSWORD)
                await pilot.press("enter")
                await wait_until(pilot, engine.asked.is_set, "the login reached the server")
                await wait_until(pilot, lambda: shows_loading(app, login.query_one("#login-box")),
                                 "a loading indicator over the login form")
                await pilot.press("escape")
                await pilot.pause()
                assert isinstance(app.screen, CatalogScreen)
                engine.gate.set()
                await settle(pilot)
                # Left before the answer came: nobody is logged in at this terminal.
                assert app.session is None
                assert isinstance(app.screen, CatalogScreen)
        finally:
            engine.gate.set()
            await service.aclose()


async def test_slow_account_tab_shows_loading_and_tabs_still_switch(clock) -> None:
    engine = SlowEngine(MemoryService(clock=clock), slow={"reservations"})
    with running_server(engine) as server:  # type: ignore[arg-type]
        service = client(server.url)
        try:
            async with kiosk(service).run_test(size=(80, 24)) as pilot:
                app = pilot.app
                await settle(pilot)
                app.session = await service.login("liga", DEMO_PASSWORD)
                await pilot.press("f3")
                await wait_until(pilot, engine.asked.is_set, "the reservations were asked for")
                screen = app.screen
                assert isinstance(screen, AccountScreen)
                reserved = screen.query_one("#reserved-table", FitTable)
                await wait_until(pilot, lambda: shows_loading(app, reserved),
                                 "a loading indicator over Rezervētie")
                await pilot.press("right", "right")
                await wait_until(pilot, lambda: screen.active_tab == "loans", "the loans tab")
                await wait_until(pilot, lambda: screen.query_one("#loans-table", FitTable)
                                 .row_count > 0, "the loans while reservations still wait")
                assert reserved.loading
                # The tab's list has the focus once it has loaded: arrows move in it.
                loans = screen.query_one("#loans-table", FitTable)
                await wait_until(pilot, lambda: screen.focused is loans, "the loans list focused")
                engine.gate.set()
                await settle(pilot)
                assert not reserved.loading
                assert reserved.row_count > 0
        finally:
            engine.gate.set()
            await service.aclose()


GARBAGE = {
    "html": (
        b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 17\r\n"
        b"Connection: close\r\n\r\n<html>oops</html>",
        BAD_ANSWER,
    ),
    "wrong json": (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 12\r\n"
        b"Connection: close\r\n\r\n{\"items\": 5}",
        BAD_ANSWER,
    ),
    "proxy error": (
        b"HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/html\r\nContent-Length: 11\r\n"
        b"Connection: close\r\n\r\nBad Gateway",
        BAD_ANSWER,
    ),
    "not http": (b"SSH-2.0-OpenSSH_9.6\r\n\x00\xff\x1b[2J", UNREACHABLE),
}


@pytest.mark.parametrize("kind", list(GARBAGE))
async def test_a_server_answering_garbage(kind: str) -> None:
    reply, sentence = GARBAGE[kind]
    async with garbage_server(reply) as url:
        service = client(url)
        try:
            async with kiosk(service).run_test(size=(80, 24)) as pilot:
                app = pilot.app
                await wait_until(pilot, lambda: app.offline, "the bad answers were noticed")
                await pilot.pause()
                assert sentence[0] in notifications(app)
                assert BANNER_LV in flat(screen_text(app))
                assert isinstance(app.screen, CatalogScreen)
                await type_text(pilot, "abc")
                await pilot.press("f6")
                await settle(pilot)
                assert app.screen.query_one("#search", Input).value == "abc"
                assert BANNER_EN in flat(screen_text(app))
                assert not result_titles(app)
        finally:
            await service.aclose()
