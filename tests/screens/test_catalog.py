"""The e-katalogs (R1): search without logging in, paging, filters, opening a
record, both languages — on the real app and the in-memory demo region."""

from __future__ import annotations

from textual.widgets import Checkbox, Input, Select

from screens.catalog import CatalogScreen
from screens.record import RecordScreen
from services.models import MaterialType, SearchQuery
from tests.screens.catalog_helpers import (
    column_labels,
    screen_text,
    settle,
    static_text,
    table_rows,
    type_text,
)
from widgets.record_table import RecordTable


async def test_empty_search_lists_the_whole_catalog(make_app, service):
    # At 80×24 the table shows 14 results at once: a page is a screenful.
    whole = await service.search(SearchQuery(limit=14))
    async with make_app().run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(pilot.app.screen, CatalogScreen)
        assert pilot.app.screen.page_size() == 14
        assert static_text(pilot.app, "#summary") == f"Atrasts: 1–14 no {whole.total}"
        rows = table_rows(pilot.app.screen.query_one(RecordTable))
        assert [row[0] for row in rows] == [hit.title for hit in whole.items]


async def test_search_without_diacritics_finds_a_latvian_title(make_app):
    async with make_app().run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await type_text(pilot, "mernieku laiki")
        await settle(pilot)
        titles = [row[0] for row in table_rows(pilot.app.screen.query_one(RecordTable))]
        assert titles and titles[0] == "Mērnieku laiki"
        assert static_text(pilot.app, "#summary").startswith("Atrasts: 1–")


async def test_nothing_found_says_so(make_app):
    async with make_app().run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await type_text(pilot, "zzqxqz")
        await settle(pilot)
        assert pilot.app.screen.query_one(RecordTable).row_count == 0
        assert "Nekas nav atrasts" in static_text(pilot.app, "#summary")


async def test_page_down_and_up_page_through_the_results(make_app, service):
    first = await service.search(SearchQuery(limit=30))
    second = await service.search(SearchQuery(offset=30, limit=30))
    async with make_app().run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert pilot.app.screen.page_size() == 30  # a larger terminal shows more
        await pilot.press("enter")  # from the search field to the results
        await pilot.press("pagedown")
        await settle(pilot)
        assert static_text(pilot.app, "#summary") == f"Atrasts: 31–60 no {first.total}"
        titles = [row[0] for row in table_rows(pilot.app.screen.query_one(RecordTable))]
        assert titles == [hit.title for hit in second.items]
        assert "PgUp Iepriekšējā" in screen_text(pilot.app)
        await pilot.press("pageup")
        await settle(pilot)
        assert static_text(pilot.app, "#summary") == f"Atrasts: 1–30 no {first.total}"


async def test_filters_narrow_the_results(make_app, service):
    libraries = await service.libraries()
    branch = libraries[1]
    expected = await service.search(
        SearchQuery(
            library_id=branch.id, material_type=MaterialType.BOOK, available_now=True, limit=30
        )
    )
    whole = await service.search(SearchQuery())
    assert expected.total < whole.total
    async with make_app().run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = pilot.app.screen
        # Library: Tab to the Select, open it, move down to the second library.
        await pilot.press("tab")
        assert screen.focused is screen.query_one("#library", Select)
        await pilot.press("enter", "down", "down", "enter")
        await settle(pilot)
        # Material type: "Grāmata" is the first after "Visi veidi".
        await pilot.press("tab", "enter", "down", "enter")
        await settle(pilot)
        # "Pieejams tagad".
        await pilot.press("tab", "space")
        await settle(pilot)
        assert screen.query_one("#available", Checkbox).value is True
        assert static_text(pilot.app, "#summary").endswith(f"no {expected.total}")
        rows = table_rows(screen.query_one(RecordTable))
        assert [row[0] for row in rows] == [hit.title for hit in expected.items]
        assert all(row[3] == "Grāmata" for row in rows)
        assert all(not row[4].startswith("0 ") for row in rows)


async def test_result_shows_title_author_year_type_and_copies(make_app, service):
    page = await service.search(SearchQuery(text="Mērnieku laiki"))
    hit = page.items[0]
    async with make_app().run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await type_text(pilot, "Mērnieku laiki")
        await settle(pilot)
        table = pilot.app.screen.query_one(RecordTable)
        assert column_labels(table) == ["Nosaukums", "Autors", "Gads", "Veids", "Pieejami"]
        assert table_rows(table)[0] == [
            hit.title,
            "; ".join(hit.authors),
            str(hit.year),
            "Grāmata",
            f"{hit.available} no {hit.copies}",
        ]


async def test_enter_on_a_result_opens_the_record(make_app):
    async with make_app().run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await type_text(pilot, "mernieku laiki")
        await pilot.press("enter")  # search now, then the results have the focus
        await settle(pilot)
        await pilot.press("enter")  # "Skatīt"
        await settle(pilot)
        assert isinstance(pilot.app.screen, RecordScreen)
        assert static_text(pilot.app, "#record-title") == "Mērnieku laiki"
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(pilot.app.screen, CatalogScreen)
        assert pilot.app.screen.query_one("#search", Input).value == "mernieku laiki"


async def test_language_switch_relabels_the_catalog(make_app, service):
    whole = await service.search(SearchQuery())
    async with make_app().run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = pilot.app.screen
        await pilot.press("f6")
        await settle(pilot)
        assert screen.query_one("#search", Input).border_title == "Search"
        assert static_text(pilot.app, "#summary") == f"Found: 1–14 of {whole.total}"
        table = screen.query_one(RecordTable)
        assert column_labels(table) == ["Title", "Author", "Year", "Type", "Available"]
        types = screen.query_one("#type", Select)
        assert [_name(prompt) for prompt, _ in types._options] == [
            "All types", "Book", "Article", "Audiobook", "Periodical",
        ]
        await pilot.press("f6")
        await settle(pilot)
        assert [_name(prompt) for prompt, _ in types._options] == [
            "Visi veidi", "Grāmata", "Raksts", "Audiogrāmata", "Periodika",
        ]
        assert column_labels(table)[0] == "Nosaukums"


def _name(prompt: object) -> str:
    """A filter choice without the count of what it would find."""
    return str(prompt).rsplit(" (", 1)[0]


async def test_the_filter_lists_say_what_each_choice_would_find(make_app, service):
    """R1: next to each library and material type, how many of the words'
    matches it would leave; the choice made does not change the others."""
    words = "dzej"
    found = await service.search(SearchQuery(text=words, counts=True))
    assert found.counts is not None and found.total > 1
    libraries = await service.libraries()
    async with make_app().run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await type_text(pilot, words)
        await settle(pilot)
        screen = pilot.app.screen
        shown = [str(prompt) for prompt, _ in screen.query_one("#library", Select)._options]
        assert shown[0] == "Visas bibliotēkas"
        assert shown[1:] == [f"{lib.name} ({found.counts.libraries.get(lib.id, 0)})"
                             for lib in libraries]
        kinds = [str(prompt) for prompt, _ in screen.query_one("#type", Select)._options]
        assert kinds[1] == f"Grāmata ({found.counts.material_types.get('book', 0)})"
        busiest = max(libraries, key=lambda lib: found.counts.libraries.get(lib.id, 0))
        screen.query_one("#library", Select).value = busiest.id
        await settle(pilot)
        again = [str(prompt) for prompt, _ in screen.query_one("#library", Select)._options]
        assert again == shown
        assert static_text(pilot.app, "#summary").endswith(
            f"no {found.counts.libraries[busiest.id]}")


async def test_a_search_past_the_count_limit_says_more_and_drops_stale_counts(
    make_app, monkeypatch
):
    """More matches than the service counts: the summary says "vairāk nekā"
    (in English "more than"), and the filter lists show no numbers rather
    than those of the search before."""
    import services.storage.search as storage_search

    async with make_app().run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await type_text(pilot, "dzej")
        await settle(pilot)
        screen = pilot.app.screen
        assert "(" in str(screen.query_one("#type", Select)._options[1][0])
        monkeypatch.setattr(storage_search, "COUNT_MAX", 3)
        await type_text(pilot, "a")
        await settle(pilot)
        assert static_text(pilot.app, "#summary") == "Atrasts: 1–3 no vairāk nekā 3"
        kinds = [str(prompt) for prompt, _ in screen.query_one("#type", Select)._options]
        assert kinds[1] == "Grāmata"
        await pilot.press("f6")
        await settle(pilot)
        assert static_text(pilot.app, "#summary") == "Found: 1–3 of more than 3"


INJECTED = ("[Dzejoļi]", "[/]", "[@click=app.quit]x[/]")


async def test_titles_that_look_like_markup_show_as_written(clock):
    """Catalog data is never markup: the titles show as written and do nothing."""
    from services.demo import build_region
    from services.memory import MemoryService
    from tests.screens.catalog_helpers import open_record, screen_text
    from tui.app import KioskApp

    region = build_region(clock.now().date())
    records = list(region.records)
    for index, title in enumerate(INJECTED):
        records[index] = records[index].model_copy(
            update={"title": title, "authors": ["[b]Autors[/b]"], "description": "[/]\x1b[31m"}
        )
    records[3] = records[3].model_copy(update={"title": "Virsraksts\x1b]0;hacked\x07 beigas"})
    region = region.model_copy(update={"records": records})
    service = MemoryService(region=region, clock=clock)
    ids = [record.id for record in records[:4]]
    async with KioskApp(service).run_test(size=(120, 40)) as pilot:
        app = pilot.app
        await settle(pilot)
        await type_text(pilot, "dzejoli")
        await settle(pilot)
        rows = table_rows(app.screen.query_one(RecordTable))
        assert ["[Dzejoļi]", "[b]Autors[/b]"] in [row[:2] for row in rows]
        await pilot.press("ctrl+u")
        await settle(pilot)
        for record_id, title in zip(ids, (*INJECTED, "Virsraksts]0;hacked beigas")):
            await open_record(pilot, record_id)
            assert static_text(app, "#record-title") == title
            assert title in screen_text(app)
            assert "\x1b" not in static_text(app, "#record-fields")
            await pilot.press("s")  # onto the list
            await pilot.click("#record-title")
            await pilot.press("escape")
            await settle(pilot)
            assert app.is_running
        await pilot.press("f4")
        await settle(pilot)
        titles = [row[0] for row in table_rows(app.screen.query_one(RecordTable))]
        assert titles == [*INJECTED, "Virsraksts]0;hacked beigas"]
        assert app.is_running and app.return_code is None


async def test_typing_on_the_results_goes_on_with_the_search(make_app):
    async with make_app().run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await type_text(pilot, "mernieku")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen.focused, RecordTable)
        await type_text(pilot, " laiki")
        await settle(pilot)
        search = pilot.app.screen.query_one("#search", Input)
        assert pilot.app.screen.focused is search
        assert search.value == "mernieku laiki"
        assert table_rows(pilot.app.screen.query_one(RecordTable))[0][0] == "Mērnieku laiki"
