"""Self-service returns follow each library's setting (``LibraryRules.self_check_in``),
and the setting survives the database (a column of ``libraries``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.engine import SqlService
from services.engine.hashing import CHEAP_HASHER
from services.errors import Refused
from services.memory import MemoryService
from services.storage import fill_region, open_database
from tests.services.fixtures import AIZ, build_region, new_clock
from tests.services.support import login


def _no_returns_at_aiz():
    region = build_region()
    libraries = [
        lib.model_copy(update={"rules": lib.rules.model_copy(update={"self_check_in": False})})
        if lib.id == AIZ else lib
        for lib in region.libraries
    ]
    return region.model_copy(update={"libraries": libraries})


async def _refused_then_lent(service) -> None:
    anna = await login(service, "anna")
    await service.self_check_out(anna, AIZ, "A-0001")  # check-out stays open
    with pytest.raises(Refused) as caught:
        await service.self_check_in(anna, AIZ, "A-0001")
    assert caught.value.refusal.code == "self_check_in_off"
    assert "bibliotekāram" in caught.value.refusal.lv
    assert [v.loan.barcode for v in await service.loans(anna)] == ["A-0001"]


async def test_a_library_that_takes_no_returns_at_its_terminals_says_so() -> None:
    await _refused_then_lent(MemoryService(region=_no_returns_at_aiz(), clock=new_clock()))


async def test_the_setting_is_kept_in_the_database(tmp_path: Path) -> None:
    database = open_database(str(tmp_path / "mana.db"))
    try:
        fill_region(database, _no_returns_at_aiz(), CHEAP_HASHER)
        service = SqlService(database=database, clock=new_clock(), hasher=CHEAP_HASHER)
        assert not next(lib for lib in await service.libraries()
                        if lib.id == AIZ).rules.self_check_in
        await _refused_then_lent(service)
    finally:
        database.close()
