"""Start-up: process start → the first interactive catalog screen.

Spawns the real ``mana`` in a pseudo-terminal (80×24) and polls the screen
every 10 ms until the catalog's search field shows; the same harness runs a
minimal Textual app (one Static) as the floor. Prints medians and the ratio.

    uv run python bench/startup.py [--runs 15]
"""

from __future__ import annotations

import argparse
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


def measure(argv: list[str], needle: str, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        term = Terminal(argv, cwd=str(ROOT), env={"MANA_CONFIG": ""})
        try:
            term.wait_for(needle, timeout=30)
            times.append(time.perf_counter() - start)
        finally:
            term.close()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as script:
        script.write(MINIMAL_APP)
    python = sys.executable
    # Interleave the two so that machine noise hits both alike.
    floor: list[float] = []
    mana: list[float] = []
    for _ in range(args.runs):
        floor += measure([python, script.name], "MINIMAL READY", 1)
        mana += measure([python, "-m", "tui.cli"], "Meklēt", 1)
    Path(script.name).unlink()
    f, m = statistics.median(floor), statistics.median(mana)
    print(f"runs: {args.runs} each, 80x24 pty, polled every 10 ms (cwd {ROOT.name})")
    print(
        f"minimal Textual app: median {f * 1000:.0f} ms  (min {min(floor) * 1000:.0f}, max {max(floor) * 1000:.0f})"
    )
    print(
        f"mana catalog screen: median {m * 1000:.0f} ms  (min {min(mana) * 1000:.0f}, max {max(mana) * 1000:.0f})"
    )
    print(f"ratio mana / minimal: {m / f:.2f}  (target <= 1.30)")


if __name__ == "__main__":
    main()
