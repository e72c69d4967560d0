"""Benchmark: the catalog search in the database at 100,000 records and more.

Run: ``uv run python bench/search.py [N ...] [--postgresql URL]``. Fills an
SQLite file (and, with ``--postgresql``, an empty PostgreSQL database) with N
records, then prints the fill time and, per kind of query (one word
common/rare, two words, prefix, ISBN, each also with the library and
"available now" filters), the median and p99 in milliseconds of one page
(``services.storage.search.search``), next to the floor measured in the same
run: a pure-Python linear scan over pre-folded text for the same queries.
The machine is shared and noisy, so read the ratio rather than the absolute
time.

Records come from the demo generator (``services.demo.build_region``); if it
is not importable, a synthetic generator here makes records of the same shape.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from services.models import Record, SearchQuery  # noqa: E402
from services.storage.search import query_words, record_words  # noqa: E402

_fields = record_words

QUERIES_PER_KIND = 200
def load_region(n: int):  # type: ignore[no-untyped-def]
    from services.demo import build_region

    return build_region(date(2026, 11, 16), records=n)


def make_queries(records: list[Record], rng: random.Random) -> dict[str, list[str]]:
    freq: Counter[str] = Counter()
    for record in records:
        freq.update(set(_fields(record)[1]))
    alpha = [w for w in freq if w.isalpha() and len(w) >= 3]
    by_count = sorted(alpha, key=freq.__getitem__, reverse=True)
    common = by_count[:200]
    rare = [w for w in alpha if freq[w] <= 3]
    sample = rng.sample(records, QUERIES_PER_KIND)
    two = []
    for record in sample:
        title_words = [w for w in _fields(record)[0] if len(w) >= 3] or [record.title]
        author = _fields(record.model_copy(update={"title": ""}))[1][:1] or [""]
        two.append(f"{rng.choice(title_words)} {author[0]}")
    return {
        "one word, common": [rng.choice(common) for _ in range(QUERIES_PER_KIND)],
        "one word, rare": [rng.choice(rare) for _ in range(QUERIES_PER_KIND)],
        "two words": two,
        "two common words": [
            f"{rng.choice(common)} {rng.choice(common)}" for _ in range(QUERIES_PER_KIND)
        ],
        "prefix (3 letters)": [rng.choice(by_count[:2000])[:3] for _ in range(QUERIES_PER_KIND)],
        "prefix (1 letter)": [rng.choice("abdegkmprstv") for _ in range(QUERIES_PER_KIND)],
        "ISBN": [r.isbn for r in sample if r.isbn] or ["978"],
    }


def timed(run: Callable[[str], object], queries: list[str]) -> list[float]:
    times = []
    for query in queries:
        start = time.perf_counter()
        run(query)
        times.append((time.perf_counter() - start) * 1000)
    return times


def p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[-1]


def filled(target: str, region) -> tuple[object, float]:  # type: ignore[no-untyped-def]
    from services.engine.hashing import CHEAP_HASHER
    from services.storage import fill_region, open_database

    database = open_database(target)
    start = time.perf_counter()
    fill_region(database, region, CHEAP_HASHER, source="bench")
    return database, time.perf_counter() - start


def bench(n: int, postgresql: str | None) -> None:
    import tempfile

    rng = random.Random(7)
    start = time.perf_counter()
    region = load_region(n)
    records = region.records
    print(f"\n== {n:,} records, {len(region.copies):,} copies "
          f"(generated in {time.perf_counter() - start:.1f} s)")
    scan_texts = [" " + " ".join(_fields(r)[1]) for r in records]
    queries = make_queries(records, rng)
    library = region.libraries[0].id

    def scan(query: str) -> list[int]:
        needles = [" " + w for w in query_words(query)]
        if len(needles) == 1:
            (a,) = needles
            return [i for i, t in enumerate(scan_texts) if a in t]
        a, b, *more = needles
        found = [i for i, t in enumerate(scan_texts) if a in t and b in t]
        return [i for i in found if all(x in scan_texts[i] for x in more)]

    floors = {kind: statistics.median(timed(scan, qs[:50])) for kind, qs in queries.items()}
    folder = tempfile.TemporaryDirectory(prefix="mana-bench-")
    targets = [("SQLite", f"{folder.name}/mana.db")]
    if postgresql:
        targets.append(("PostgreSQL", postgresql))
    for name, target in targets:
        from services.storage.search import search

        database, took = filled(target, region)
        print(f"-- {name}: filled in {took:.1f} s ({n / took:,.0f} records/s)")
        header = ("kind", "p50", "p99", "filtered p50", "p99", "scan p50", "ratio")
        print("{:<20} {:>8} {:>8} {:>13} {:>8} {:>9} {:>7}".format(*header))
        with database.engine.connect() as db:  # type: ignore[attr-defined]
            for kind, qs in queries.items():
                plain = timed(lambda q: search(db, SearchQuery(text=q)), qs)
                filtered = timed(lambda q: search(db, SearchQuery(
                    text=q, library_id=library, available_now=True)), qs)
                m = statistics.median(plain)
                print(f"{kind:<20} {m:>8.2f} {p99(plain):>8.2f} "
                      f"{statistics.median(filtered):>13.2f} {p99(filtered):>8.2f}"
                      f" {floors[kind]:>9.2f} {floors[kind] / m:>6.1f}x")
        database.close()  # type: ignore[attr-defined]
    folder.cleanup()


def main() -> None:
    args = sys.argv[1:]
    postgresql = None
    if "--postgresql" in args:
        at = args.index("--postgresql")
        postgresql = args[at + 1]
        del args[at:at + 2]
    sizes = [int(a) for a in args] or [100_000]
    print("Times in ms of one page of 20; 'scan' is the floor: a linear scan of "
          "pre-folded text (Python).")
    for n in sizes:
        bench(n, postgresql)


if __name__ == "__main__":
    main()
