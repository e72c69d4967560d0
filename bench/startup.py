"""Start-up: process start → the first interactive catalog screen, and → its
first results.

Spawns the real ``mana`` (the in-memory demo) in a pseudo-terminal (80×24)
and polls the screen every 10 ms until the catalog's search field shows
("Meklēt") and until its results line does ("Atrasts: 1–14 no …", the
first search answered); the same harness runs a minimal Textual app (one
Static) as the floor. Prints medians and the ratios to the floor.

Two things would weigh on one side only, and are kept out for both:

- The time is when the output that put the text on the screen arrived, not
  when the virtual terminal (pyte, in Python) had finished playing it: pyte
  takes about 1 ms per kilobyte, a real terminal a small fraction of that,
  and the catalog's first frame is three times the size of the floor's.
- The project's modules are compiled to bytecode first, as an installed
  ``mana`` has them: with ``PYTHONDONTWRITEBYTECODE`` set, or after an edit,
  Python would compile them from source on every run, while the floor's
  Textual is compiled.

    uv run python bench/startup.py [--runs 15]
"""

from __future__ import annotations

import argparse
import compileall
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.pty_terminal import Terminal  # noqa: E402

MINIMAL_APP = """
from textual.app import App
from textual.widgets import Static

class Minimal(App):
    def compose(self):
        yield Static("MINIMAL READY")

Minimal().run()
"""


ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("tui", "screens", "widgets", "services")


class ArrivalTerminal(Terminal):
    """A ``Terminal`` that notes when each of ``needles`` first showed: the
    moment the output that put it there was read, before pyte played it."""

    def __init__(self, argv: list[str], needles: tuple[str, ...]) -> None:
        self.shown_at: dict[str, float] = {}
        self.needles = needles
        super().__init__(argv, cwd=str(ROOT), env={"MANA_CONFIG": ""})

    def _feed_whole_frames(self) -> None:
        arrived = time.perf_counter()
        super()._feed_whole_frames()
        text = self.text()
        for needle in self.needles:
            if needle not in self.shown_at and needle in text:
                self.shown_at[needle] = arrived


def time_to_show(argv: list[str], *needles: str) -> list[float]:
    """Seconds from spawning ``argv`` to the arrival of each of ``needles``."""
    start = time.perf_counter()
    term = ArrivalTerminal(argv, needles)
    try:
        term.wait_until(lambda: len(term.shown_at) == len(needles) or None,
                        f"showing {needles!r}", timeout=30)
        return [term.shown_at[needle] - start for needle in needles]
    finally:
        term.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    for package in PACKAGES:
        compileall.compile_dir(ROOT / package, quiet=1)
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as script:
        script.write(MINIMAL_APP)
    python = sys.executable
    # Interleave the two so that machine noise hits both alike.
    floor: list[float] = []
    mana: list[float] = []
    results: list[float] = []
    for _ in range(args.runs):
        floor += time_to_show([python, script.name], "MINIMAL READY")
        screen, found = time_to_show([python, "-m", "tui.cli"], "Meklēt", "Atrasts: 1–")
        mana.append(screen)
        results.append(found)
    Path(script.name).unlink()
    f = statistics.median(floor)
    print(f"runs: {args.runs} each, 80x24 pty, polled every 10 ms (cwd {ROOT.name})")
    for name, times in (("minimal Textual app", floor), ("mana catalog screen", mana),
                        ("mana first results", results)):
        print(f"{name + ':':<21}median {statistics.median(times) * 1000:.0f} ms  "
              f"(min {min(times) * 1000:.0f}, max {max(times) * 1000:.0f})")
    print(f"ratio mana / minimal: {statistics.median(mana) / f:.2f}  (target <= 1.30)")
    print(f"ratio first results / minimal: {statistics.median(results) / f:.2f}  "
          f"(target <= 1.50)")

if __name__ == "__main__":
    main()
