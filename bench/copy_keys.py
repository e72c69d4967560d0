"""Key latency in a copy list of 10,000 copies: mana's record screen against a
bare DataTable of the same 10,000 rows, in the same run.

    uv run python bench/copy_keys.py [--presses 400] [--pages 40] [--rounds 3]

What is measured (BENCH.md, "Key latency"):

- The region is the demo region plus generated copies, so that one record
  ("Meistars un Margarita") has exactly 10,000 copies across the ten
  libraries and their collections; mana runs on ``MemoryService`` with it.
- **mana**: the real ``KioskApp`` at 80×24 with that record's
  ``RecordScreen`` open. The screen asks the service for 50 copies at a time
  (``COPIES_PAGE``); Down and Up move within the page (Down on the page's last
  copy does nothing: PgDn turns the page). So the arrow figure is Down ×49
  then Up ×49 over the page's rows, repeated; the page figure is PgDn from
  page 1 onwards (a service call and 50 new rows) and PgUp back.
- **bare**: a ``DataTable`` (row cursor, zebra stripes, the same four columns
  and the same texts) filled with all 10,000 rows, alone on a screen at 80×24;
  the same Down/Up pattern over rows 0–49, and PgDn/PgUp (a page of rows).
- One key press: the key event is posted to the app the way the driver does
  (``app.post_message(events.Key(...))``, no Pilot pause); the clock stops at
  the first frame the app writes after the cursor (or the page) changed: a
  hook on ``App._display`` that also turns the frame into the terminal's
  bytes, as the real driver would (the app runs headless). The next key is
  sent after that frame plus 5 ms. CPU time per key is the process's CPU
  time over all presses divided by their number.
- Each app runs in its own process; the processes alternate ``--rounds``
  times, and the figures pool the rounds. Medians and p95 in milliseconds,
  and the ratio mana / bare (target <= 1.2 for the arrow keys).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

COPIES = 10_000
TITLE = "Meistars un Margarita"
SIZE = (80, 24)
PAUSE = 0.005
"""Seconds between the frame of one key and the next key."""


# --------------------------------------------------------------------- the data


def build_service() -> tuple[Any, int]:
    """``MemoryService`` on the demo region where one record has 10,000 copies."""
    from services.clock import RIGA, FakeClock
    from services.demo import build_region
    from services.memory import MemoryService
    from services.models import Copy, CopyStatus

    clock = FakeClock(datetime(2026, 11, 16, 10, 0, tzinfo=RIGA))
    region = build_region(clock.now().date())
    record = next(r for r in region.records if r.title == TITLE)
    own = [c for c in region.copies if c.record_id == record.id]
    extra: list[Copy] = []
    statuses = [CopyStatus.AVAILABLE] * 8 + [CopyStatus.IN_REPAIR, CopyStatus.PROCESSING]
    n = 0
    while len(own) + len(extra) < COPIES:
        library = region.libraries[n % len(region.libraries)]
        collection = library.collections[(n // len(region.libraries)) % len(library.collections)]
        extra.append(
            Copy(
                barcode=f"BENCH{n:07d}",
                record_id=record.id,
                library_id=library.id,
                collection=collection.code,
                shelf_mark=f"821.161.1-3 Bul {n // 7:04d}",
                status=statuses[n % len(statuses)],
            )
        )
        n += 1
    region = region.model_copy(update={"copies": [*region.copies, *extra]})
    return MemoryService(region=region, clock=clock), record.id


# ------------------------------------------------------------------- the apps


class Subject:
    """An app to measure: ``start()`` once it runs, ``table()``, ``state()``."""

    app: Any

    async def start(self, pilot: Any) -> None: ...

    def table(self) -> Any: ...

    def state(self) -> tuple[Any, ...]:
        table = self.table()
        return (table.row_count, table.cursor_row)


class Mana(Subject):
    """The kiosk with the record screen open on the record of 10,000 copies."""

    def __init__(self, service: Any, record_id: int) -> None:
        from screens.record import RecordScreen
        from tui.app import KioskApp
        from tui.config import KioskConfig

        self.app = KioskApp(service=service, config=KioskConfig())
        self.screen = RecordScreen(record_id)

    async def start(self, pilot: Any) -> None:
        await self.app.workers.wait_for_complete()
        await self.app.push_screen(self.screen)
        await wait_until(pilot, lambda: self.screen.copies_page is not None)

    def table(self) -> Any:
        from widgets.copy_table import CopyTable

        return self.screen.query_one(CopyTable)

    def state(self) -> tuple[Any, ...]:
        page = self.screen.copies_page
        return (page.offset if page else None, *super().state())


class Bare(Subject):
    """A bare DataTable with the same 10,000 rows and columns, alone on a screen."""

    def __init__(self, rows: list[tuple[str, str, str, str]]) -> None:
        from textual.app import App, ComposeResult
        from textual.widgets import DataTable

        from tui.i18n import tr

        headers = [
            tr(f"copies.{k}", "lv") for k in ("library", "collection", "shelf_mark", "offer")
        ]

        class BareApp(App[None]):
            CSS = "DataTable { height: 1fr; }"

            def compose(self) -> ComposeResult:
                table: DataTable[str] = DataTable(cursor_type="row", zebra_stripes=True)
                table.add_columns(*headers)
                table.add_rows(rows)
                yield table

        self.app = BareApp()

    async def start(self, pilot: Any) -> None:
        await wait_until(pilot, lambda: self.table().row_count == COPIES)

    def table(self) -> Any:
        from textual.widgets import DataTable

        return self.app.query_one(DataTable)


async def copy_rows(service: Any, record_id: int) -> list[tuple[str, str, str, str]]:
    """The record's copies as the copy list shows them, all 10,000."""
    from widgets.copy_table import offer_text

    page = await service.copies(record_id, 0, COPIES)
    assert len(page.items) == COPIES, len(page.items)
    return [
        (v.library_name, v.collection_name("lv"), v.item.shelf_mark, offer_text(v.offer, "lv"))
        for v in page.items
    ]


async def wait_until(pilot: Any, check: Callable[[], bool], timeout: float = 60) -> None:
    from textual.css.query import NoMatches

    start = time.perf_counter()
    while True:
        with contextlib.suppress(NoMatches):  # not composed yet
            if check():
                return
        if time.perf_counter() - start > timeout:
            raise TimeoutError("the app did not get ready")
        await pilot.pause(0.02)


# ---------------------------------------------------------------- measuring


class FrameClock:
    """Stops the clock at the first frame after the app's state changed."""

    def __init__(self, app: Any, state: Callable[[], Any]) -> None:
        self.app = app
        self.state = state
        self.before: Any = None
        self.waiting = False
        self.done = asyncio.Event()
        self.stopped = 0.0
        original = app._display

        def display(screen: Any, renderable: Any) -> None:
            original(screen, renderable)
            if renderable is None or app._batch_count:
                return
            render = getattr(renderable, "render_segments", None)
            if render is not None:
                render(app.console)  # the bytes a terminal would get
            if self.waiting and self.state() != self.before:
                self.stopped = time.perf_counter()
                self.waiting = False
                self.done.set()

        app._display = display

    async def press(self, key: str) -> float:
        """Post ``key`` as the driver does; seconds until its frame."""
        from textual import events

        self.before = self.state()
        self.done.clear()
        self.waiting = True
        start = time.perf_counter()
        self.app.post_message(events.Key(key, None))
        await asyncio.wait_for(self.done.wait(), timeout=30)
        await asyncio.sleep(PAUSE)
        return self.stopped - start


async def run_child(kind: str, presses: int, pages: int) -> dict[str, Any]:
    service, record_id = build_service()
    subject: Subject = (
        Mana(service, record_id) if kind == "mana" else Bare(await copy_rows(service, record_id))
    )
    app = subject.app
    async with app.run_test(size=SIZE, headless=True) as pilot:
        await subject.start(pilot)
        await app.workers.wait_for_complete()
        subject.table().focus()
        await pilot.pause(0.3)
        clock = FrameClock(app, subject.state)

        arrows: list[float] = []
        cpu_start = time.process_time()
        while len(arrows) < presses:
            for key in ["down"] * 49 + ["up"] * 49:
                arrows.append(await clock.press(key))
            assert subject.table().cursor_row == 0, "Up x49 came back to the first row"
        arrow_cpu = (time.process_time() - cpu_start) / len(arrows)
        arrows = arrows[:presses]

        paging: list[float] = []
        cpu_start = time.process_time()
        for key in ["pagedown"] * pages:
            paging.append(await clock.press(key))
        turned = subject.state()
        for key in ["pageup"] * pages:
            paging.append(await clock.press(key))
        # Every press did what it should: pages forward, then back to the start.
        if kind == "mana":
            assert turned[0] == pages * 50, f"PgDn x{pages} reached copy {turned[0]}"
            assert subject.state()[0] == 0, "PgUp came back to the first page"
        else:
            assert turned[-1] > pages, f"PgDn x{pages} reached row {turned[-1]}"
        assert subject.state()[-1] == 0, "PgUp came back to the first row"
        page_cpu = (time.process_time() - cpu_start) / len(paging)
    return {"arrows": arrows, "arrow_cpu": arrow_cpu, "paging": paging, "page_cpu": page_cpu}


# -------------------------------------------------------------------- report


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[18]


def line(name: str, values: list[float], cpu: float) -> str:
    return (
        f"  {name:<5} median {statistics.median(values) * 1000:6.1f} ms   "
        f"p95 {p95(values) * 1000:6.1f} ms   CPU/key {cpu * 1000:5.1f} ms   (n={len(values)})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--presses", type=int, default=400, help="arrow presses per round")
    parser.add_argument(
        "--pages", type=int, default=40, help="PgDn presses per round (then as many PgUp)"
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--child", choices=["mana", "bare"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(asyncio.run(run_child(args.child, args.presses, args.pages))))
        return

    pooled: dict[str, dict[str, list[float]]] = {
        k: {"arrows": [], "paging": [], "arrow_cpu": [], "page_cpu": []} for k in ("mana", "bare")
    }
    for _ in range(args.rounds):
        for kind in ("mana", "bare"):
            out = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--child",
                    kind,
                    "--presses",
                    str(args.presses),
                    "--pages",
                    str(args.pages),
                ],
                capture_output=True,
                text=True,
                cwd=ROOT,
                check=True,
            )
            result = json.loads(out.stdout.strip().splitlines()[-1])
            for key in ("arrows", "paging"):
                pooled[kind][key] += result[key]
            pooled[kind]["arrow_cpu"].append(result["arrow_cpu"])
            pooled[kind]["page_cpu"].append(result["page_cpu"])

    mana, bare = pooled["mana"], pooled["bare"]
    print(f"{COPIES:,} copies of one record, 80x24, headless, {args.rounds} rounds alternating")
    print("Down/Up within a page (mana: the record screen's page of 50; bare: rows 0-49 of 10,000)")
    print(line("mana", mana["arrows"], statistics.median(mana["arrow_cpu"])))
    print(line("bare", bare["arrows"], statistics.median(bare["arrow_cpu"])))
    ratio = statistics.median(mana["arrows"]) / statistics.median(bare["arrows"])
    cpu_ratio = statistics.median(mana["arrow_cpu"]) / statistics.median(bare["arrow_cpu"])
    print(
        f"  ratio mana / bare: median {ratio:.2f}  (target <= 1.20),  "
        f"p95 {p95(mana['arrows']) / p95(bare['arrows']):.2f},  CPU/key {cpu_ratio:.2f}"
    )
    print("PgDn/PgUp (mana: the next 50 copies from the service; bare: the cursor a screen on)")
    print(line("mana", mana["paging"], statistics.median(mana["page_cpu"])))
    print(line("bare", bare["paging"], statistics.median(bare["page_cpu"])))
    page_ratio = statistics.median(mana["paging"]) / statistics.median(bare["paging"])
    print(f"  ratio mana / bare: median {page_ratio:.2f}")


if __name__ == "__main__":
    main()
