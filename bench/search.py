"""Benchmark: catalog search with ``CatalogIndex`` at 100,000 and 1,000,000 records.

Run: ``uv run python bench/search.py [N ...]``. Prints the index build time
and, per kind of query (one word common/rare, two words, prefix, ISBN), the
median and p95 in milliseconds, next to the floor measured in the same run:
a pure-Python linear scan over pre-folded text for the same queries. The
machine is shared and noisy, so read the ratio rather than the absolute time.

Records come from the demo generator (``services.demo.build_region``); if it
is not importable, a synthetic generator here makes records of the same shape.
"""

from __future__ import annotations

import gc
import random
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from itertools import accumulate
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from services.models import MaterialType, Record  # noqa: E402
from services.search import CatalogIndex, _fields, query_words  # noqa: E402

QUERIES_PER_KIND = 200
SYLLABLES = (
    "ka la ra ma sa ta va da ga ba pa na ja za ce dzi ķe ļa ņu ša ža "
    "ē ā ī ū o ie ei au ri lu mi ne si ti vi zi kr st pl gr br dr tr sk sp"
).split()


def synthetic_records(n: int, seed: int = 1) -> list[Record]:
    """Records shaped like a library catalog: Zipf-distributed title words."""
    rng = random.Random(seed)

    def word(lo: int, hi: int) -> str:
        return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(lo, hi)))

    vocabulary = list({word(2, 4) for _ in range(30_000)})
    cum_weights = list(accumulate(1 / (rank + 1) for rank in range(len(vocabulary))))
    surnames = [word(2, 4).capitalize() + "s" for _ in range(5_000)]
    first = [word(2, 3).capitalize() for _ in range(400)]
    subjects = [" ".join(rng.choices(vocabulary[:3000], k=rng.randint(1, 2))) for _ in range(600)]
    publishers = [word(2, 3).capitalize() + " izdevniecība" for _ in range(60)]
    records = []
    for rid in range(1, n + 1):
        chosen = rng.choices(vocabulary, cum_weights=cum_weights, k=rng.randint(2, 6))
        title = " ".join(chosen).capitalize()
        authors = [f"{rng.choice(surnames)}, {rng.choice(first)}" for _ in range(rng.randint(1, 2))]
        records.append(
            Record(
                id=rid,
                title=title,
                authors=authors,
                year=rng.randint(1950, 2026),
                publisher=rng.choice(publishers),
                isbn=f"978-9934-{rng.randint(0, 99):02d}-{rng.randint(0, 9999):04d}-"
                f"{rng.randint(0, 9)}",
                subjects=rng.sample(subjects, rng.randint(1, 3)),
                material_type=MaterialType.BOOK,
            )
        )
    return records


def load_records(n: int) -> tuple[list[Record], str]:
    try:
        from services.demo import build_region
    except ImportError:
        return synthetic_records(n), "synthetic (services.demo not available)"
    region = build_region(date(2026, 11, 16), records=n)
    return region.records, "services.demo.build_region"


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


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def bench(n: int) -> None:
    rng = random.Random(7)
    start = time.perf_counter()
    records, source = load_records(n)
    print(f"\n== {n:,} records ({source}; generated in {time.perf_counter() - start:.1f} s)")
    gc.collect()
    gc.freeze()
    start = time.perf_counter()
    index = CatalogIndex(records)
    built = time.perf_counter() - start
    print(f"CatalogIndex build: {built:.2f} s, {index.vocabulary_size:,} words")
    scan_texts = [" " + " ".join(_fields(r)[1]) for r in records]
    queries = make_queries(records, rng)

    def scan(query: str) -> list[int]:
        needles = [" " + w for w in query_words(query)]
        if len(needles) == 1:
            (a,) = needles
            return [i for i, t in enumerate(scan_texts) if a in t]
        a, b, *more = needles
        found = [i for i, t in enumerate(scan_texts) if a in t and b in t]
        return [i for i in found if all(x in scan_texts[i] for x in more)]

    header = ("kind", "index p50", "p95", "scan p50", "p95", "ratio", "hits p50")
    print("{:<20} {:>10} {:>8} {:>9} {:>8} {:>7} {:>9}".format(*header))
    for kind, qs in queries.items():
        hits = [index.search(q)[1] for q in qs]
        mine = timed(lambda q: index.search(q, 0, 20), qs)
        floor = timed(scan, qs[:50] if n > 200_000 else qs)
        m, f = statistics.median(mine), statistics.median(floor)
        print(
            f"{kind:<20} {m:>10.3f} {p95(mine):>8.3f} {f:>9.2f} {p95(floor):>8.2f}"
            f" {f / m:>6.0f}x {statistics.median(hits):>9.0f}"
        )
    deep = timed(lambda q: index.search(q, 1000, 20), queries["one word, common"])
    print(f"{'common, page 51':<20} {statistics.median(deep):>10.3f} {p95(deep):>8.3f}")
    gc.unfreeze()


def main() -> None:
    sizes = [int(a) for a in sys.argv[1:]] or [100_000, 1_000_000]
    print("Times in ms; 'scan' is the floor: a linear scan of pre-folded text.")
    for n in sizes:
        bench(n)


if __name__ == "__main__":
    main()
