"""The patron's list (R4): collect records without logging in, see them,
remove one, open one, and send the list to an e-mail address."""

from __future__ import annotations

from textual.widgets import Input

from screens.lists import ListScreen
from screens.record import RecordScreen
from services.models import MessageKind, SearchQuery
from tests.screens.catalog_helpers import (
    open_record,
    screen_text,
    settle,
    static_text,
    table_rows,
    type_text,
)
from widgets.record_table import RecordTable


async def _first_records(service, count: int):
    page = await service.search(SearchQuery(limit=count))
    return [hit for hit in page.items]


async def _add_by_keyboard(pilot, record_id: int) -> None:
    await open_record(pilot, record_id)
    await pilot.press("s")  # "Pievienot sarakstam"
    await pilot.press("escape")
    await settle(pilot)


async def test_an_empty_list_says_how_to_fill_it(make_app):
    async with make_app().run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f4")
        await settle(pilot)
        assert isinstance(pilot.app.screen, ListScreen)
        assert static_text(pilot.app, "#list-title") == "Saraksts (0)"
        assert "Saraksts ir tukšs" in static_text(pilot.app, "#list-empty")
        assert not pilot.app.screen.query_one("#list-send").display
        keys = screen_text(pilot.app).splitlines()[-1]
        assert "Esc Atpakaļ" in keys
        assert "Skatīt" not in keys and "Izņemt no saraksta" not in keys


async def test_add_view_remove_and_open(make_app, service):
    first, second = await _first_records(service, 2)
    async with make_app().run_test(size=(80, 24)) as pilot:
        app = pilot.app
        await settle(pilot)
        await _add_by_keyboard(pilot, first.id)
        await _add_by_keyboard(pilot, second.id)
        await pilot.press("f4")
        await settle(pilot)
        table = app.screen.query_one(RecordTable)
        assert static_text(app, "#list-title") == "Saraksts (2)"
        assert [row[0] for row in table_rows(table)] == [first.title, second.title]
        # Enter opens the record under the cursor; Escape comes back to the list.
        await pilot.press("down", "enter")
        await settle(pilot)
        assert isinstance(app.screen, RecordScreen)
        assert app.screen.record_id == second.id
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ListScreen)
        # Delete removes the record under the cursor.
        app.screen.query_one(RecordTable).move_cursor(row=0)
        await pilot.press("delete")
        await pilot.pause()
        assert [row[0] for row in table_rows(table)] == [second.title]
        assert list(app.record_list) == [second.id]
        assert static_text(app, "#list-title") == "Saraksts (1)"


async def test_send_to_a_bad_address_shows_the_message_at_the_field(make_app, service):
    (record,) = await _first_records(service, 1)
    before = len(await service.outbox())
    async with make_app().run_test(size=(80, 24)) as pilot:
        app = pilot.app
        await settle(pilot)
        await _add_by_keyboard(pilot, record.id)
        await pilot.press("f4")
        await settle(pilot)
        await pilot.press("tab")
        assert app.screen.focused is app.screen.query_one("#list-email", Input)
        await type_text(pilot, "not-an-address")
        await pilot.press("enter")
        await settle(pilot)
        error = static_text(app, "#list-email-error")
        assert error  # the service's sentence, at the field
        assert any(error in n.message for n in app._notifications)
        assert static_text(app, "#list-sent") == ""
        assert len(await service.outbox()) == before
        # The message follows the language switch and goes away once the patron types.
        await pilot.press("f6")
        await pilot.pause()
        english = static_text(app, "#list-email-error")
        assert english and english != error
        await pilot.press("x")
        await pilot.pause()
        assert static_text(app, "#list-email-error") == ""


async def test_send_to_a_good_address_lands_in_the_outbox(make_app, service):
    first, second = await _first_records(service, 2)
    async with make_app().run_test(size=(80, 24)) as pilot:
        app = pilot.app
        await settle(pilot)
        await _add_by_keyboard(pilot, first.id)
        await _add_by_keyboard(pilot, second.id)
        await pilot.press("f4")
        await settle(pilot)
        await pilot.press("tab")
        await type_text(pilot, "lasitajs@example.com")
        await pilot.press("tab", "enter")  # the "Nosūtīt uz e-pastu" button
        await settle(pilot)
        assert static_text(app, "#list-sent") == "Saraksts nosūtīts uz lasitajs@example.com."
        assert static_text(app, "#list-email-error") == ""
        messages = [m for m in await service.outbox() if m.kind is MessageKind.LIST]
        assert messages and messages[-1].to == "lasitajs@example.com"
        assert first.title in messages[-1].body and second.title in messages[-1].body


async def test_language_switch_relabels_the_list(make_app, service):
    (record,) = await _first_records(service, 1)
    async with make_app().run_test(size=(80, 24)) as pilot:
        app = pilot.app
        await settle(pilot)
        await _add_by_keyboard(pilot, record.id)
        await pilot.press("f4")
        await settle(pilot)
        await pilot.press("f6")
        await settle(pilot)
        assert static_text(app, "#list-title") == "List (1)"
        assert app.screen.query_one("#list-email", Input).border_title == "E-mail address"
        assert str(app.screen.query_one("#list-send-button").label) == "Send to e-mail"


async def _list_ready_to_send(pilot, record_id: int, email: str) -> None:
    """The list of ``record_id`` on its screen, ``email`` typed in its field."""
    await settle(pilot)
    await _add_by_keyboard(pilot, record_id)
    await pilot.press("f4")
    await settle(pilot)
    await pilot.press("tab")
    await type_text(pilot, email)


async def test_fast_enters_send_the_list_once(make_app, service):
    """A kiosk's Enter repeats (issue 11: 7 e-mails in 4 s): one send at a time,
    and the same list to the same address only when the patron asks again."""
    (record,) = await _first_records(service, 1)

    async def lists() -> int:
        return sum(m.kind is MessageKind.LIST for m in await service.outbox())

    async with make_app().run_test(size=(80, 24)) as pilot:
        app = pilot.app
        await _list_ready_to_send(pilot, record.id, "lasitajs@example.com")
        await pilot.press("enter", "enter", "enter")
        await settle(pilot)
        assert await lists() == 1
        assert "nosūtīts uz lasitajs@example.com" in static_text(app, "#list-sent")
        for _ in range(3):  # Enter again, after it went: not sent again, and said why
            await pilot.press("enter")
            await settle(pilot)
        assert await lists() == 1
        assert "jau nosūtīts uz lasitajs@example.com" in static_text(app, "#list-sent")
        # Typing the address anew is asking again.
        await pilot.press("backspace")
        await type_text(pilot, "m")
        await pilot.press("enter")
        await settle(pilot)
        assert await lists() == 2


async def test_a_list_over_the_servers_limit_shows_its_sentence(remote_service):
    """Over the server's limit per recipient the patron reads why and how long
    to wait, at the e-mail field, in Latvian (and in English after F6)."""
    from tui.app import KioskApp
    from tui.config import KioskConfig

    for _ in range(3):  # the server's lists_per_recipient
        await remote_service.send_list([1], "lasitajs@example.com")
    (record,) = await _first_records(remote_service, 1)
    app = KioskApp(service=remote_service, config=KioskConfig.model_validate({}))
    async with app.run_test(size=(80, 24)) as pilot:
        await _list_ready_to_send(pilot, record.id, "lasitajs@example.com")
        await pilot.press("enter")
        await settle(pilot)
        error = static_text(app, "#list-email-error")
        assert "stundā var nosūtīt ne vairāk kā 3 sarakstus" in error
        assert "mēģiniet vēlreiz pēc" in error
        assert static_text(app, "#list-sent") == ""
        await pilot.press("f6")
        await pilot.pause()
        assert "At most 3 lists an hour" in static_text(app, "#list-email-error")
