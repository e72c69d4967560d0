"""The screens' mechanisms, each in one place (issue 12): a base handler
runs once per screen, the app alone notes whether the service answered, and
one declaration (``@loader``) makes a load that is retried when offline.
Also: screens ask the app through ``Host`` only, and the desk's panes post
messages up instead of looking at their screen.
"""

from __future__ import annotations

import ast
import asyncio
import importlib
import pkgutil
import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.app import App
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Static

import screens
from screens.base import Following, ManaDialog, ManaScreen
from screens.desk.pane import DeskPane
from services.demo_data import DEMO_PASSWORD
from services.errors import NotFound, ServiceUnavailable
from services.memory import MemoryService
from services.models import OfferKind
from tests.screens.catalog_helpers import find_copy, settle
from tui.app import KioskApp
from tui.config import KioskConfig
from tui.desk import DeskApp

SCREENS = Path(screens.__file__).parent
HERE = Path(__file__).parents[2]


class Flaky:
    """``service`` that cannot be reached while ``down``, as a real outage."""

    def __init__(self, service: MemoryService) -> None:
        self.service = service
        self.down = False

    def __getattr__(self, name: str) -> Any:
        method = getattr(self.service, name)

        async def call(*args: Any, **kwargs: Any) -> Any:
            if self.down:
                raise ServiceUnavailable()
            return await method(*args, **kwargs)

        return call


async def wait_until(pilot: Pilot, condition: Callable[[], bool], what: str) -> None:
    for _ in range(200):
        if condition():
            return
        await asyncio.sleep(0.02)
        await pilot.pause()
    raise AssertionError(f"timed out waiting for: {what}")


# ------------------------------------------------------ 1. base handlers once


def every_screen_class() -> list[type[Screen[Any]]]:
    """Every screen and dialog of ``screens/`` built on ``ManaScreen`` or ``ManaDialog``."""
    for module in pkgutil.walk_packages([str(SCREENS)], prefix="screens."):
        importlib.import_module(module.name)
    found: list[type[Screen[Any]]] = []
    todo: list[type[Any]] = [ManaScreen, ManaDialog]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            if sub.__module__.startswith("screens.") and sub not in found:
                found.append(sub)
            todo.append(sub)
    return found


BASES = (Following, DeskPane)
"""``Following`` holds the one ``on_mount`` of screens, dialogs and desk panes."""


@pytest.fixture
def mount_counts(monkeypatch: pytest.MonkeyPatch) -> Counter[tuple[type, int]]:
    """How often each base's ``on_mount`` ran, by (base, id of the node)."""
    counts: Counter[tuple[type, int]] = Counter()

    def counting(base: type, handler: Callable[[Any], None]) -> Callable[[Any], None]:
        def on_mount(self: Any) -> None:  # the handler's own signature: Textual reads it
            counts[(base, id(self))] += 1
            handler(self)

        return on_mount

    for base in BASES:
        monkeypatch.setattr(base, "on_mount", counting(base, base.__dict__["on_mount"]))
    return counts


async def test_each_base_on_mount_runs_once_for_every_screen_and_dialog(
    clock, mount_counts: Counter[tuple[type, int]]
) -> None:
    """Textual runs ``on_mount`` of every class along the MRO by itself: a
    ``super().on_mount()`` ran the base's twice (three times for the contact
    dialog), watching the language twice and thrice."""
    service = MemoryService(clock=clock)
    record_id, title, _, view = await find_copy(service, OfferKind.ORDER)
    staff = await service.login("staff-aizk", DEMO_PASSWORD)
    (patron, *_) = await service.find_patrons(staff, "1000000003")
    Build = Callable[[Any, App[Any]], Screen[Any]]  # (the class, the app) → a screen
    kiosk: dict[str, Build] = {
        "CatalogScreen": lambda cls, app: cls(),
        "RecordScreen": lambda cls, app: cls(record_id),
        "ListScreen": lambda cls, app: cls(),
        "ContactsScreen": lambda cls, app: cls(),
        "AccountScreen": lambda cls, app: cls(),
        "SelfCheckScreen": lambda cls, app: cls(),
        "FreeRequestScreen": lambda cls, app: cls(),
        "LoginScreen": lambda cls, app: cls(),
        "PasswordRecoveryScreen": lambda cls, app: cls(),
        "ConfirmDialog": lambda cls, app: cls("account.confirm_cancel", title=title),
        "CopyDialog": lambda cls, app: cls(title, view, None),
        "OrderDialog": lambda cls, app: cls(title, view, None),
        "ReadingRoomDialog": lambda cls, app: cls(title, view, None),
        "ContactDialog": lambda cls, app: cls(title, view, None),
        "KeysHelpDialog": lambda cls, app: cls(app.screen),
        "MarcDialog": lambda cls, app: cls(record_id, title),
    }
    desk: dict[str, Build] = {
        "DeskLoginScreen": lambda cls, app: cls(),
        "DeskScreen": lambda cls, app: cls(),
        "PatronAccountScreen": lambda cls, app: cls(patron),
        "ReasonDialog": lambda cls, app: cls("desk.reason.reject_reservation", title,
                                             required=True),
    }
    classes = every_screen_class()
    unknown = {c.__name__ for c in classes} - set(kiosk) - set(desk)
    assert not unknown, f"add a way to build {unknown} to this test"

    desk_app = DeskApp(service, KioskConfig.model_validate({"kiosk": {"profile": "desk"}}))
    for app, factories in ((KioskApp(service), kiosk), (desk_app, desk)):
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            if isinstance(app, DeskApp):
                app.session = staff
            else:
                app.session = await service.login("liga", DEMO_PASSWORD)
            for cls in classes:
                if cls.__name__ not in factories:
                    continue
                screen = factories[cls.__name__](cls, app)
                await app.push_screen(screen)
                await settle(pilot)
                assert mount_counts[(Following, id(screen))] == 1, cls.__name__
                for pane in screen.query(DeskPane):
                    assert mount_counts[(Following, id(pane))] == 1, type(pane).__name__
                    assert mount_counts[(DeskPane, id(pane))] == 1, type(pane).__name__
                app.pop_screen()
                await settle(pilot)


def lines_in_screens(pattern: str) -> list[str]:
    """``file:line`` of every line of ``screens/`` that matches ``pattern``."""
    matches = re.compile(pattern)
    return [
        f"{path.relative_to(SCREENS)}:{number}"
        for path in sorted(SCREENS.rglob("*.py"))
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if matches.search(line)
    ]


def test_no_handler_calls_its_base_by_hand() -> None:
    """``super().on_<event>()`` of a handler Textual dispatches along the MRO."""
    assert not lines_in_screens(r"super\(\)\.on_[a-z_]+\(")


# ------------------------------------------------- 2. the service is watched


class Probe(ManaScreen):
    """A screen that asks the service and says nothing about the answer."""

    def __init__(self, ask: Callable[[Any], Any]) -> None:
        super().__init__()
        self.ask = ask
        self.answer: object = None

    def compose(self):  # type: ignore[no-untyped-def]
        yield Static("probe")

    def on_mount(self) -> None:
        self.run_worker(self._ask(), exit_on_error=False)

    async def _ask(self) -> None:
        try:
            self.answer = await self.ask(self.service)
        except Exception as error:  # noqa: BLE001 - the probe keeps whatever came
            self.answer = error


def offline_kiosk(clock) -> tuple[KioskApp, Flaky]:  # type: ignore[no-untyped-def]
    flaky = Flaky(MemoryService(clock=clock))
    app = KioskApp(flaky)  # type: ignore[arg-type]
    app.RETRY_DELAYS = (60.0,)  # no screen retries by itself during the test
    return app, flaky


async def test_a_call_after_an_outage_clears_the_banner_without_screen_code(clock) -> None:
    app, flaky = offline_kiosk(clock)
    flaky.down = True
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.offline, "the catalog found the service down")
        flaky.down = False
        probe = Probe(lambda service: service.record(1))
        await app.push_screen(probe)
        await wait_until(pilot, lambda: probe.answer is not None, "the probe's answer")
        assert not app.offline


async def test_a_refusal_is_an_answer_too(clock) -> None:
    app, flaky = offline_kiosk(clock)
    flaky.down = True
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: app.offline, "the catalog found the service down")
        flaky.down = False
        probe = Probe(lambda service: service.record(999_999))
        await app.push_screen(probe)
        await wait_until(pilot, lambda: probe.answer is not None, "the probe's answer")
        assert isinstance(probe.answer, NotFound)
        assert not app.offline


async def test_an_unreachable_service_raises_the_banner_even_when_a_screen_says_nothing(
    clock,
) -> None:
    app, flaky = offline_kiosk(clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert not app.offline
        flaky.down = True
        probe = Probe(lambda service: service.record(1))
        await app.push_screen(probe)
        await wait_until(pilot, lambda: probe.answer is not None, "the probe's answer")
        assert isinstance(probe.answer, ServiceUnavailable)
        assert app.offline


def test_no_screen_reports_the_service_by_hand() -> None:
    found = [
        path.name
        for folder in ("screens", "widgets", "tui")
        for path in sorted((HERE / folder).rglob("*.py"))
        if re.search(r"\bservice_answered\(\)", path.read_text())
    ]
    assert not found


# ----------------------------------------------- 3. one declaration per load


def toy_screen() -> type[ManaScreen]:
    from screens.base import loader

    class Toy(ManaScreen):
        """Two loads: one retried with its last arguments, one its own way."""

        def __init__(self) -> None:
            super().__init__()
            self.records: list[int] = []
            self.failures: list[type[BaseException]] = []
            self.again_asked = 0

        def compose(self):  # type: ignore[no-untyped-def]
            yield Static("toy")

        def on_mount(self) -> None:
            self.show_record(1)

        @loader
        async def show_record(self, record_id: int) -> None:
            self.records.append((await self.service.record(record_id)).id)

        @show_record.failed
        def _record_failed(self, error: BaseException) -> None:
            self.failures.append(type(error))

        @loader
        async def show_copies(self) -> None:
            await self.service.copies(1)

        @show_copies.failed
        def _copies_failed(self, error: BaseException) -> None:
            self.failures.append(type(error))

        @show_copies.again
        def _copies_again(self) -> None:
            self.again_asked += 1

    return Toy


async def test_a_declared_load_is_retried_with_its_arguments(clock) -> None:
    app, flaky = offline_kiosk(clock)
    app.RETRY_DELAYS = (0.05,)
    flaky.down = True
    async with app.run_test(size=(80, 24)) as pilot:
        toy = toy_screen()()
        await app.push_screen(toy)
        await wait_until(pilot, lambda: toy.failures, "the load failed")
        assert toy.failures == [ServiceUnavailable]
        flaky.down = False
        await wait_until(pilot, lambda: toy.records == [1], "the load ran again by itself")
        assert not app.offline


async def test_a_declared_load_runs_again_at_once_when_the_service_is_back(clock) -> None:
    app, flaky = offline_kiosk(clock)  # retries would wait a minute
    flaky.down = True
    async with app.run_test(size=(80, 24)) as pilot:
        toy = toy_screen()()
        await app.push_screen(toy)
        toy.show_copies()
        await wait_until(pilot, lambda: len(toy.failures) == 2, "both loads failed")
        flaky.down = False
        await app.service.libraries()  # any call that gets through
        await wait_until(pilot, lambda: toy.records == [1], "the load ran again at once")
        assert toy.again_asked == 1  # ``@show_copies.again`` says how


async def test_a_refused_load_is_not_retried(clock) -> None:
    app, _ = offline_kiosk(clock)
    app.RETRY_DELAYS = (0.01,)
    async with app.run_test(size=(80, 24)) as pilot:
        toy = toy_screen()()
        await app.push_screen(toy)
        await settle(pilot)
        worker = toy.show_record(999_999)
        assert worker.group == "show_record"  # the declaration names the group
        await wait_until(pilot, lambda: toy.failures, "the load was refused")
        await asyncio.sleep(0.1)
        await settle(pilot)
        assert toy.failures == [NotFound]
        assert toy.records == [1]


def test_no_screen_keeps_group_names_by_hand() -> None:
    """No ``LOADS``, no ``reload(group)``, no ``worker.group ==`` chains."""
    assert not lines_in_screens(
        r"\bLOADS\b|def reload\(self, group|worker\.group ==|group in self\."
    )


# --------------------------------------------- the app's interface, messages


def test_screens_ask_the_app_through_host_only() -> None:
    """No module of ``screens/`` imports the app (``tui.app``, ``tui.desk``),
    not even for a type hint; and no pane looks at its screen's class."""
    for path in sorted(SCREENS.rglob("*.py")):
        source = path.read_text()
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.ImportFrom):
                assert node.module not in ("tui.app", "tui.desk"), path.name
            elif isinstance(node, ast.Import):
                assert not {a.name for a in node.names} & {"tui.app", "tui.desk"}, path.name
        assert "isinstance(self.screen" not in source, path.name
        assert "isinstance(screen, DeskScreen)" not in source, path.name
