"""Labels follow the language by themselves (issue 12): the filter lists after
F6, the key line over an open list, and the wording patrons read."""

from __future__ import annotations

from textual.widgets import Select, Static

from screens.free_request import FreeRequestScreen
from tests.screens.account_helpers import log_in, settle
from tests.screens.catalog_helpers import screen_text
from widgets.contact_card import ContactCard
from widgets.fit_table import FitTable
from widgets.keyline import KeyLine

PASSWORD = "demo1234"


def option_texts(select: Select) -> list[str]:
    return [str(prompt) for prompt, _ in select._options]


def key_line(app) -> str:
    return str(app.screen.query_one(KeyLine).render())


async def test_f6_relabels_the_catalog_filters_and_keeps_the_choice(make_app) -> None:
    async with make_app().run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = pilot.app.screen
        kind = screen.query_one("#type", Select)
        kind.value = "book"
        await settle(pilot)
        assert "Grāmata" in screen_text(pilot.app)
        await pilot.press("f6")
        await settle(pilot)
        text = screen_text(pilot.app)
        assert "All libraries" in text and "Visas bibliotēkas" not in text
        assert "Book" in text and "Grāmata" not in text
        assert option_texts(screen.query_one("#library", Select))[0] == "All libraries"
        assert option_texts(kind)[0] == "All types"
        assert option_texts(kind)[1].startswith("Book (")  # with what it would find
        assert kind.value == "book"
        kind.value = ""
        await settle(pilot)
        await pilot.press("f6")
        await settle(pilot)
        text = screen_text(pilot.app)
        assert "Visi veidi" in text and "All types" not in text


async def test_f6_relabels_the_free_request_lists(make_app) -> None:
    async with make_app().run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("f3")
        await settle(pilot)
        await log_in(pilot, "liga", PASSWORD)
        await pilot.press("v")
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, FreeRequestScreen)
        library = screen.query_one("#freq-library", Select)
        collection = screen.query_one("#freq-collection", Select)
        chosen = (library.value, collection.value)
        lv_names = option_texts(collection)
        await pilot.press("f6")
        await settle(pilot)
        assert (library.value, collection.value) == chosen
        assert option_texts(collection) != lv_names
        assert str(collection.query_one("#label").render()) in option_texts(collection)


async def test_key_line_over_an_open_list_speaks_the_patrons_language(make_app) -> None:
    async with make_app().run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        pilot.app.screen.query_one("#library", Select).focus()
        await pilot.press("enter")
        await settle(pilot)
        line = key_line(pilot.app)
        assert "Dismiss" not in line and "Esc Aizvērt sarakstu" in line
        await pilot.press("f6")
        await settle(pilot)
        assert "Esc Close the list" in key_line(pilot.app)


async def open_loans(pilot, username: str) -> None:
    await settle(pilot)
    await pilot.press("f3")
    await settle(pilot)
    await log_in(pilot, username, PASSWORD)
    await pilot.press("3")
    await settle(pilot)


async def test_pending_renewal_reads_renewal_pending_in_english(make_app) -> None:
    async with make_app(language="en").run_test(size=(120, 40)) as pilot:
        await open_loans(pilot, "liga")
        text = screen_text(pilot.app)
        assert "Renewal pending" in text and "Unprocessed" not in text


async def test_renewal_help_only_on_a_loan_the_service_lets_renew(make_app, service) -> None:
    session = await service.login("liga", PASSWORD)
    views = {str(v.loan.id): v for v in await service.loans(session)}
    assert {v.renew.allowed for v in views.values()} == {True, False}
    async with make_app().run_test(size=(120, 40)) as pilot:
        await open_loans(pilot, "liga")
        screen = pilot.app.screen
        table = screen.query_one("#loans-table", FitTable)
        note = screen.query_one("#loans-note", Static)
        seen = set()
        for _ in range(table.row_count):
            key = table.selected_key
            shown = "P vai Enter" in str(note.render())
            assert shown == views[key].renew.allowed, key
            seen.add(shown)
            await pilot.press("down")
            await pilot.pause()
        assert seen == {True, False}


async def test_english_opening_hours_name_english_days(make_app) -> None:
    async with make_app(language="en").run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("f2")
        await settle(pilot)
        cards = " ".join(str(card.render()) for card in pilot.app.screen.query(ContactCard))
        assert "Mon–Fri 9.00–19.00, Sat 10.00–16.00" in cards
        assert "P.–Pk." not in cards and "pusdienas" not in cards
        await pilot.press("f6")
        await settle(pilot)
        cards = " ".join(str(card.render()) for card in pilot.app.screen.query(ContactCard))
        assert "P.–Pk. 9.00–19.00" in cards


async def test_a_tr_label_follows_the_language_and_its_parameters() -> None:
    """widgets/label.py: the text is the key's in the app's language, data in
    it is never markup nor control characters, and ``set`` changes a parameter."""
    from textual.app import App
    from textual.reactive import reactive

    import screens.account  # noqa: F401
    import screens.lists  # noqa: F401  (they register the texts used here)
    from widgets.label import Tr

    class Host(App[None]):
        language: reactive[str] = reactive("lv")

        def compose(self):
            yield Tr("account.confirm_cancel", id="question", title="[b]X[/b]\x1b[2J")
            yield Tr("list.title", id="count", count=1)

    async with Host().run_test() as pilot:
        question = pilot.app.query_one("#question", Tr)
        assert str(question.render()) == "Atcelt rezervāciju „[b]X[/b][2J”?"
        pilot.app.query_one("#count", Tr).set(count=3)
        pilot.app.language = "en"
        await pilot.pause()
        assert str(question.render()).startswith("Cancel the reservation")
        assert "3" in str(pilot.app.query_one("#count", Tr).render())
