"""What an imported record brings, on the record screen, and its MARC view
(issue 14, "What the patron sees"): every field under its label in Latvian
and, after F6, in English; nothing for a field the record lacks; data shown
as written; all of it reachable by keyboard at 80×24 and laid out beside the
copies on a large terminal; M opens the MARC fields, which scroll, load
again on their own when the service was away, and close with Esc or M."""

from __future__ import annotations

import asyncio
import socket

from screens.dialogs.marc import MarcDialog
from screens.record import RecordScreen
from services.clock import FakeClock
from services.memory import MemoryService
from services.models import Link
from services.region import RegionData
from tests.screens.catalog_helpers import flat, open_record, screen_text, settle, static_text
from tests.screens.remote_helpers import client, reserved_port, serve_on, wait_until
from tests.screens.remote_helpers import settle as settle_failed
from tests.services import fixtures
from tui.app import KioskApp
from tui.config import KioskConfig
from widgets.copy_table import CopyTable
from widgets.record_view import RecordView

ARTICLE = 4
"""The test region's article ("Ēnu spēles", in "Rīgas Laiks"), given every field."""

FULL = {
    "responsibility": "Dace Ābele ; fotogrāfijas: Ivars Kalns",
    "edition": "Otrais, papildinātais izdevums",
    "physical": "12 lpp. : fotogrāfijas ; 30 cm",
    "series": ["Teātra piezīmes", "Rīgas Laika bibliotēka"],
    "notes": [
        "Raksts balstīts uz intervijām ar Jaunā Rīgas teātra aktieriem 2019. gada sezonā.",
        "Iepriekš publicēts saīsināti.",
        "Bibliogrāfija: 11. lpp.",
    ],
    "contents": "Ievads -- Ēnu teātris Rīgā -- Aktieri un lelles -- Pēcvārds",
    "description": "Par ēnu teātra atdzimšanu Latvijā un tā skatītājiem.",
    "subjects": ["teātris", "ēnu teātris", "lelles"],
    "links": [
        Link(url="https://www.example.lv/raksti/enu-speles", label="Pilns teksts"),
        Link(url="https://arhivs.example.lv/ir/2020/3"),
    ],
}

LATVIAN = [
    "Atbildības ziņas: Dace Ābele ; fotogrāfijas: Ivars Kalns",
    "Izdevums: Otrais, papildinātais izdevums",
    "Ietverts: Rīgas Laiks, 2020, Nr. 3",
    "Fiziskais apraksts: 12 lpp. : fotogrāfijas ; 30 cm",
    "Sērija: Teātra piezīmes; Rīgas Laika bibliotēka",
    "Tēmas: teātris; ēnu teātris; lelles",
    "Piezīmes: Raksts balstīts", "Iepriekš publicēts saīsināti.",
    "Saturs: Ievads Ēnu teātris Rīgā Aktieri un lelles Pēcvārds",
    "Anotācija: Par ēnu teātra atdzimšanu",
    "Saites: Pilns teksts — https://www.example.lv/raksti/enu-speles "
    "https://arhivs.example.lv/ir/2020/3",
]
ENGLISH = [
    "Responsibility: Dace Ābele", "Edition: Otrais", "In: Rīgas Laiks, 2020, Nr. 3",
    "Physical description: 12 lpp.", "Series: Teātra piezīmes", "Subjects: teātris",
    "Notes: Raksts balstīts", "Contents: Ievads Ēnu teātris Rīgā", "Summary: Par ēnu teātra",
    "Links: Pilns teksts — https://www.example.lv/raksti/enu-speles",
]

HOSTILE_NOTES = ["[b]bold[/b] [/] [@click=app.quit]quit[/]", "[link=https://evil.example]x[/link]"]


def service_with(clock: FakeClock, **fields: object) -> MemoryService:
    """The test region with the article given ``fields``."""
    region = fixtures.build_region()
    region.records = [
        record.model_copy(update=fields) if record.id == ARTICLE else record
        for record in region.records
    ]
    return MemoryService(region=RegionData.model_validate(region.model_dump()),
                         clock=clock)


def kiosk(service: object) -> KioskApp:
    app = KioskApp(service=service, config=KioskConfig.model_validate({"kiosk": {}}))
    app.RETRY_DELAYS = (0.05, 0.1, 0.2, 0.4)
    return app


def fields_text(app: KioskApp) -> str:
    return flat(static_text(app, "#record-fields"))


async def test_every_field_of_an_import_has_its_label_in_both_languages(clock) -> None:
    async with kiosk(service_with(clock, **FULL)).run_test(size=(120, 40)) as pilot:
        await open_record(pilot, ARTICLE)
        text = fields_text(pilot.app)
        for line in LATVIAN:
            assert line in text, line
        assert "<" not in text and "[" not in text, "links are text, not markup"
        await pilot.press("f6")
        await settle(pilot)
        text = fields_text(pilot.app)
        for line in ENGLISH:
            assert line in text, line
        assert "Ietverts" not in text and "Piezīmes" not in text
        await pilot.press("f6")
        await settle(pilot)
        assert "Ietverts: Rīgas Laiks" in fields_text(pilot.app)


async def test_a_field_the_record_lacks_is_not_shown(make_app) -> None:
    async with make_app().run_test(size=(120, 40)) as pilot:
        await open_record(pilot, 2)  # "Raudupiete": no edition, series, notes, links …
        text = fields_text(pilot.app)
        assert "Autori: Blaumanis, Rūdolfs" in text
        for label in ("Atbildības ziņas", "Izdevums", "Fiziskais apraksts", "Sērija",
                      "Piezīmes", "Saturs", "Saites", "Ietverts"):
            assert f"{label}:" not in text, label


async def test_the_demo_region_shows_what_an_import_brings(make_app) -> None:
    """``uv run mana``: "Mērnieku laiki" has an edition, a series, notes and a link."""
    async with make_app().run_test(size=(120, 40)) as pilot:
        await open_record(pilot, 1)
        text = fields_text(pilot.app)
        for line in ("Izdevums: 3. izdevums", "Sērija: Latviešu romāna klasika",
                     "Fiziskais apraksts: 423 lpp.", "Piezīmes: Pirmizdevums: 1879.",
                     "Saturs: Priekšvārds", "https://gramatas.example.lv/mernieku-laiki"):
            assert line in text, line


async def test_markup_in_the_notes_shows_as_written(clock) -> None:
    service = service_with(clock, notes=HOSTILE_NOTES,
                           links=[Link(url="https://a.example/[/]", label="[@click=app.quit]L[/]")])
    async with kiosk(service).run_test(size=(120, 40)) as pilot:
        app = pilot.app
        await open_record(pilot, ARTICLE)
        text = fields_text(app)
        for note in HOSTILE_NOTES:
            assert note in text
        assert "[@click=app.quit]L[/] — https://a.example/[/]" in text
        view = app.screen.query_one("#record-fields")
        for y in range(view.region.y, view.region.bottom):
            await pilot.click(offset=(view.region.x + 20, y))
        assert app.is_running and isinstance(app.screen, RecordScreen)
        await pilot.press("m")
        await settle(pilot)
        shown = flat(screen_text(app))
        assert f"500 $a {HOSTILE_NOTES[0]}" in shown


async def test_at_80x24_the_whole_record_is_reached_by_keyboard(clock) -> None:
    async with kiosk(service_with(clock, **FULL)).run_test(size=(80, 24)) as pilot:
        app = pilot.app
        await open_record(pilot, ARTICLE)
        last = "https://arhivs.example.lv/ir/2020/3"
        assert last not in screen_text(app), "a long record does not fit at once"
        assert isinstance(app.screen.focused, CopyTable)
        await pilot.press("shift+tab")
        view = app.screen.query_one(RecordView)
        assert app.screen.focused is view
        for _ in range(40):
            await pilot.press("down")
        await pilot.pause()
        assert view.scroll_y == view.max_scroll_y > 0
        assert last in screen_text(app)
        await pilot.press("home")
        await pilot.pause()
        assert "Ēnu spēles" in screen_text(app)
        # The copies below stay in sight, every row of them.
        table = app.screen.query_one(CopyTable)
        assert table.region.height >= table.row_count + 1


async def test_a_few_copies_leave_their_room_to_the_description(clock) -> None:
    async with kiosk(service_with(clock, **FULL)).run_test(size=(80, 24)) as pilot:
        await open_record(pilot, ARTICLE)
        view = pilot.app.screen.query_one(RecordView)
        assert view.region.height > 24 * 45 // 100


async def test_on_a_large_terminal_the_description_sits_beside_the_copies(clock) -> None:
    async with kiosk(service_with(clock, **FULL)).run_test(size=(200, 60)) as pilot:
        app = pilot.app
        await open_record(pilot, ARTICLE)
        view = app.screen.query_one(RecordView)
        table = app.screen.query_one(CopyTable)
        assert view.region.right <= table.region.x
        assert view.region.y <= table.region.y
        assert view.max_scroll_y == 0, "all of it at once"
        assert "https://arhivs.example.lv/ir/2020/3" in screen_text(app)


async def test_m_opens_the_marc_view_which_scrolls_and_closes(clock) -> None:
    async with kiosk(service_with(clock, **FULL)).run_test(size=(80, 24)) as pilot:
        app = pilot.app
        await open_record(pilot, ARTICLE)
        await pilot.press("m")
        await settle(pilot)
        assert isinstance(app.screen, MarcDialog)
        shown = flat(screen_text(app))
        assert "MARC skats" in shown and "Ēnu spēles" in shown
        assert "245 00 $a Ēnu spēles $c Dace Ābele ; fotogrāfijas: Ivars Kalns" in shown
        assert "001 4" in shown and "LDR" in shown
        box = app.screen.query_one("#marc-scroll")
        assert app.screen.focused is box and box.max_scroll_y > 0
        assert "856 40 $u https://arhivs.example.lv/ir/2020/3" not in shown
        await pilot.press("end")
        await pilot.pause()
        assert box.scroll_y == box.max_scroll_y
        assert "856 40 $u https://arhivs.example.lv/ir/2020/3" in flat(screen_text(app))
        await pilot.press("f6")
        await pilot.pause()
        assert "MARC view" in flat(screen_text(app))
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, RecordScreen)
        await pilot.press("m")
        await settle(pilot)
        assert isinstance(app.screen, MarcDialog)
        await pilot.press("m")
        await pilot.pause()
        assert isinstance(app.screen, RecordScreen)


async def test_the_marc_view_loads_again_when_the_service_is_back(clock) -> None:
    sock, url = reserved_port()
    port = sock.getsockname()[1]
    server = serve_on(sock, service_with(clock, **FULL))
    service = client(url)
    try:
        async with kiosk(service).run_test(size=(80, 24)) as pilot:
            app = pilot.app
            await open_record(pilot, ARTICLE)
            await asyncio.to_thread(server.stop)
            await pilot.press("m")
            await settle_failed(pilot)
            assert isinstance(app.screen, MarcDialog)
            await wait_until(pilot, lambda: app.offline, "the kiosk noticed the service is down")
            shown = flat(screen_text(app))
            assert "Bibliotēkas serviss nav sasniedzams" in shown
            assert "245" not in shown
            again = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
            again.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            again.bind(("127.0.0.1", port))
            server = serve_on(again, service_with(clock, **FULL))
            await wait_until(pilot, lambda: "245 00 $a Ēnu spēles" in flat(screen_text(app)),
                             "the MARC view loaded on its own")
            assert not app.offline
    finally:
        await service.aclose()
        await asyncio.to_thread(server.stop)
