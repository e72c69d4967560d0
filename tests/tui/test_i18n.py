"""R15: every visible string exists in Latvian and English.

The source of every UI module is read: each key given as a literal to
``tr(``/``self.tr(``/``app.tr(`` and each ``Binding`` description must be
registered with both languages. Then the real app is shown in English and no
Latvian-only text of the registry may remain on screen.
"""

from __future__ import annotations

import ast
import importlib
import re
import string
from collections.abc import Iterator
from pathlib import Path

import pytest

from tui.i18n import format_money, registered, tr

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("tui", "screens", "widgets")
SKIP = {"tui/__main__.py"}  # runs the app when imported


def ui_modules() -> list[Path]:
    return [
        path
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        if str(path.relative_to(ROOT)) not in SKIP
    ]


def module_name(path: Path) -> str:
    relative = path.relative_to(ROOT).with_suffix("")
    return ".".join(relative.parts)


def import_all() -> None:
    for path in ui_modules():
        importlib.import_module(module_name(path))


TRANSLATING = {"tr", "Tr", "TrLabel", "TrButton"}
"""``tr`` and the widgets of widgets/label.py: their first argument is a key."""


def _is_tr(call: ast.Call) -> bool:
    func = call.func
    return (isinstance(func, ast.Name) and func.id in TRANSLATING) or (
        isinstance(func, ast.Attribute) and func.attr in TRANSLATING
    )


def _is_follow(call: ast.Call) -> bool:
    """``follow_language(widget, attribute, key, ...)`` of widgets/label.py."""
    func = call.func
    return (isinstance(func, ast.Name) and func.id == "follow_language") or (
        isinstance(func, ast.Attribute) and func.attr == "follow_language"
    )


def _label_keys(node: ast.AST) -> Iterator[tuple[str, bool]]:
    """The keys given to a label's ``key`` (``note.key = "a" if x else ""``),
    each with whether it is an f-string's literal beginning (a prefix)."""
    if isinstance(node, ast.Assign) and any(
        isinstance(t, ast.Attribute) and t.attr == "key" for t in node.targets
    ):
        parts: set[int] = set()
        for value in ast.walk(node.value):  # breadth first: an f-string before its parts
            if isinstance(value, ast.JoinedStr):
                parts.update(id(part) for part in value.values)
                first = value.values[0] if value.values else None
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    yield first.value, True
            elif isinstance(value, ast.Constant) and isinstance(value.value, str) and value.value:
                if id(value) not in parts:
                    yield value.value, False


def _is_binding(call: ast.Call) -> bool:
    func = call.func
    return (isinstance(func, ast.Name) and func.id == "Binding") or (
        isinstance(func, ast.Attribute) and func.attr == "Binding"
    )


def used_keys() -> Iterator[tuple[str, str, bool]]:
    """(where, key, is_prefix) for every i18n key the UI source names.

    A key built with an f-string (``tr(f"account.tab.{tab}")``) gives its
    literal beginning as a prefix that some registered key must start with.
    """
    for path in ui_modules():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            for key, is_prefix in _label_keys(node):
                line = node.lineno  # type: ignore[attr-defined]
                yield f"{path.relative_to(ROOT)}:{line}", key, is_prefix
            if not isinstance(node, ast.Call):
                continue
            where = f"{path.relative_to(ROOT)}:{node.lineno}"
            argument: ast.expr | None = None
            if _is_tr(node) and node.args:
                argument = node.args[0]
            elif _is_follow(node) and len(node.args) >= 3:
                argument = node.args[2]
            elif _is_binding(node):
                if len(node.args) >= 3:
                    argument = node.args[2]
                for keyword in node.keywords:
                    if keyword.arg == "description":
                        argument = keyword.value
            if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                if argument.value:
                    yield where, argument.value, False
            elif isinstance(argument, ast.JoinedStr) and argument.values:
                first = argument.values[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    yield where, first.value, True


def test_every_ui_module_imports() -> None:
    for path in ui_modules():
        importlib.import_module(module_name(path))


def test_the_source_scan_finds_keys() -> None:
    """The scan itself works: it sees the keys of this task's screens."""
    keys = {key for _where, key, _prefix in used_keys()}
    assert {"login.identifier", "account.key.renew", "key.back", "freq.send"} <= keys
    assert {"record.copies", "record.in_list", "contacts.failed"} <= keys  # Tr(...), .key = ...
    assert {"catalog.placeholder", "catalog.available"} <= keys  # follow_language(...)


def test_every_key_used_in_the_source_is_registered_in_both_languages() -> None:
    import_all()
    table = registered()
    missing = []
    for where, key, is_prefix in used_keys():
        if is_prefix:
            if not any(k.startswith(key) for k in table):
                missing.append(f"{where}: no key starts with {key!r}")
        elif key not in table:
            missing.append(f"{where}: {key!r}")
    assert not missing, "keys without a translation:\n" + "\n".join(missing)


def test_every_registered_text_has_both_languages_with_the_same_parameters() -> None:
    import_all()
    fields = string.Formatter()
    problems = []
    for key, (lv, en) in registered().items():
        if not lv.strip() or not en.strip():
            problems.append(f"{key}: empty text")
            continue
        lv_params = {name for _t, name, _f, _c in fields.parse(lv) if name}
        en_params = {name for _t, name, _f, _c in fields.parse(en) if name}
        if lv_params != en_params:
            problems.append(f"{key}: {sorted(lv_params)} vs {sorted(en_params)}")
    assert not problems, "\n".join(problems)


def test_money_and_dates_are_written_the_latvian_way() -> None:
    from decimal import Decimal

    assert format_money(Decimal("0.3"), "lv") == "0,30 €"
    assert tr("account.col.due", "lv") == "Termiņš"
    assert tr("account.col.due", "en") == "Due date"


# --------------------------------------------------------------------------
# Shown in English: no Latvian-only text left on screen

_PLACEHOLDER = re.compile(r"\{[^}]*\}")


def latvian_only_fragments() -> set[str]:
    """Pieces of Latvian texts (between parameters) that no English text contains."""
    import_all()
    table = registered()
    english = [en for _lv, en in table.values()]
    fragments: set[str] = set()
    for lv, en in table.values():
        if lv == en:
            continue
        for piece in _PLACEHOLDER.split(lv):
            piece = piece.strip(" .,:;·—–-()„”\"'")
            if len(piece) < 5 or any(piece in text for text in english):
                continue
            if " " not in piece and not piece[0].isupper():
                continue  # a lone lower-case word ("latviešu") is as likely to be data
            fragments.add(piece)
    return fragments


def leftover_latvian(text: str) -> list[str]:
    # Lines may wrap long sentences; compare each line with spaces squeezed.
    flat = " ".join(text.split())
    return sorted(
        piece
        for piece in latvian_only_fragments()
        if re.search(rf"(?<!\w){re.escape(piece)}(?!\w)", flat)
    )


@pytest.fixture
def english_app():
    """The real app on the demo region, in English, with the clock fixed."""
    from services.clock import FakeClock
    from services.memory import MemoryService
    from tests.screens.conftest import FIXED_NOW
    from tui.app import KioskApp
    from tui.config import KioskConfig

    service = MemoryService(clock=FakeClock(FIXED_NOW))
    config = KioskConfig.model_validate({"kiosk": {"language": "en"}})
    return KioskApp(service=service, config=config)


async def _visit(pilot, name: str, seen: dict[str, str]) -> None:
    from tests.screens.account_helpers import screen_text, settle

    await settle(pilot)
    seen[name] = screen_text(pilot.app)


async def test_screens_in_english_show_no_latvian_only_text(english_app) -> None:
    from screens.account import AccountScreen
    from screens.dialogs.login import LoginScreen
    from screens.dialogs.recovery import PasswordRecoveryScreen
    from screens.free_request import FreeRequestScreen
    from tests.screens.account_helpers import log_in, settle

    seen: dict[str, str] = {}
    async with english_app.run_test(size=(120, 40)) as pilot:
        app = pilot.app
        await _visit(pilot, "catalog", seen)
        await pilot.press("f2")
        await _visit(pilot, "contacts", seen)
        await pilot.press("escape")
        await pilot.press("f4")
        await _visit(pilot, "list", seen)
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("f3")
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)
        await _visit(pilot, "login", seen)
        await pilot.press("f7")
        await settle(pilot)
        assert isinstance(app.screen, PasswordRecoveryScreen)
        await _visit(pilot, "recovery", seen)
        await pilot.press("escape")
        await settle(pilot)
        await log_in(pilot, "liga", "demo1234")
        assert isinstance(app.screen, AccountScreen), "log in as the demo's busy patron"
        for number, tab in enumerate(("reserved", "requests", "loans", "history"), start=1):
            await pilot.press(str(number))
            await _visit(pilot, f"account/{tab}", seen)
        await pilot.press("1")
        await pilot.press("a")
        await _visit(pilot, "confirm", seen)
        await pilot.press("escape")
        await pilot.press("v")
        await settle(pilot)
        assert isinstance(app.screen, FreeRequestScreen)
        await _visit(pilot, "free request", seen)

    leftovers = {name: leftover_latvian(text) for name, text in seen.items()}
    leftovers = {name: found for name, found in leftovers.items() if found}
    assert not leftovers, f"Latvian text on English screens: {leftovers}"
    assert "My Library" in seen["account/loans"]
    assert "Loans" in seen["account/loans"]


async def test_the_check_would_see_latvian_text(english_app) -> None:
    """The detector itself: on the Latvian screens it finds Latvian text."""
    from tests.screens.account_helpers import log_in, screen_text, settle

    async with english_app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("f6")  # to Latvian
        await pilot.press("f3")
        await settle(pilot)
        login = leftover_latvian(screen_text(pilot.app))
        assert "Lietotājvārds" in login and "Paroles atjaunošana" in login
        await log_in(pilot, "liga", "demo1234")
        await pilot.press("3")
        await settle(pilot)
        account = leftover_latvian(screen_text(pilot.app))
        assert {"Rezervētie", "Izsniegumi", "Neapstrādāts pagarinājums"} <= set(account)
