"""An in-memory inverted index over catalog records (R1).

Every word of a record's title, authors, subjects, publisher, source and ISBN
is folded (case and diacritics ignored) and indexed. A query word matches
the *beginning* of an indexed word: the words it matches are a contiguous
range of the sorted vocabulary, found with ``bisect``. A record matches when
every query word matches one of its words (AND).

Records whose title matches at least one query word come first, then the
rest; each group in record-id order.

The plan for one query: the query word whose postings are fewest is
materialized as a set; every further word either intersects its postings or,
when the candidates are already few, is checked against each candidate's
folded text (``" " + word in text``, a word-start test). Filters come in as a
candidate set (``within``) and/or a predicate on record ids, applied to the
candidates only. Only the requested page is sorted when the result is large.
"""

from __future__ import annotations

import heapq
from bisect import bisect_left
from collections.abc import Callable, Collection, Iterable
from itertools import accumulate

from services.models import Record
from services.text import fold, words

_END = "\U0010ffff"


def _fields(record: Record) -> tuple[list[str], list[str]]:
    """(title words, all words) of ``record``."""
    title = words(record.title)
    rest = words(" ".join([*record.authors, *record.subjects, record.publisher, record.source]))
    if record.isbn:
        isbn = fold(record.isbn)
        rest += words(isbn)
        rest.append(isbn.replace("-", "").replace(" ", ""))
    return title, title + rest


def query_words(text: str) -> list[str]:
    """The distinct words of a query, dropping those implied by a longer one.

    ``kal kalns`` needs only ``kalns``: every record with a word starting
    with ``kalns`` has one starting with ``kal``.
    """
    unique = sorted(set(words(text)), key=len, reverse=True)
    kept: list[str] = []
    for word in unique:
        if not any(longer.startswith(word) for longer in kept):
            kept.append(word)
    return kept


class CatalogIndex:
    """Prefix search over records; answers record ids, one page at a time."""

    def __init__(self, records: Iterable[Record] = ()) -> None:
        all_postings: dict[str, list[int]] = {}
        title_postings: dict[str, list[int]] = {}
        texts: dict[int, str] = {}
        title_texts: dict[int, str] = {}
        initials: dict[str, list[int]] = {}
        title_initials: dict[str, list[int]] = {}
        for record in sorted(records, key=lambda r: r.id):
            rid = record.id
            title, every = _fields(record)
            for word in set(every):
                all_postings.setdefault(word, []).append(rid)
            for word in set(title):
                title_postings.setdefault(word, []).append(rid)
            for initial in {w[0] for w in every}:
                initials.setdefault(initial, []).append(rid)
            for initial in {w[0] for w in title}:
                title_initials.setdefault(initial, []).append(rid)
            texts[rid] = " " + " ".join(every)
            title_texts[rid] = " " + " ".join(title)
        self._vocab: list[str] = sorted(all_postings)
        self._postings: list[list[int]] = [all_postings[w] for w in self._vocab]
        self._title_postings: list[list[int]] = [title_postings.get(w, []) for w in self._vocab]
        self._cum: list[int] = [0, *accumulate(len(p) for p in self._postings)]
        self._texts = texts
        self._title_texts = title_texts
        self._ids: list[int] = sorted(texts)
        # One-letter prefixes match a large share of the catalog: their
        # postings are kept ready as sorted lists instead of being merged from
        # thousands of words at query time.
        self._initials = initials
        self._title_initials = title_initials

    def __len__(self) -> int:
        return len(self._ids)

    @property
    def vocabulary_size(self) -> int:
        return len(self._vocab)

    def search(
        self,
        text: str,
        offset: int = 0,
        limit: int = 20,
        within: Collection[int] | None = None,
        predicate: Callable[[int], bool] | None = None,
    ) -> tuple[list[int], int]:
        """One page of matching record ids and the total number of matches.

        ``within`` restricts the result to those record ids; ``predicate``
        keeps only the ids for which it is true. Empty ``text`` lists every
        record (filtered) in id order.
        """
        qwords = query_words(text)
        if not qwords:
            ids = self._ids if within is None else sorted(i for i in within if i in self._texts)
            if predicate is not None:
                ids = [i for i in ids if predicate(i)]
            return ids[offset : offset + limit], len(ids)

        ranges = []
        for word in qwords:
            lo = bisect_left(self._vocab, word)
            hi = bisect_left(self._vocab, word + _END, lo)
            if lo == hi:
                return [], 0
            ranges.append((self._cum[hi] - self._cum[lo], word, lo, hi))
        ranges.sort()

        if len(ranges) == 1 and within is None and predicate is None:
            _, word, lo, hi = ranges[0]
            if hi - lo == 1:
                return _walk(self._postings[lo], self._title_postings[lo], offset, limit)
            if len(word) == 1:
                every = self._initials.get(word, [])
                return _walk(every, self._title_initials.get(word, []), offset, limit)

        _, first, lo, hi = ranges[0]
        if within is not None and len(within) * 12 < ranges[0][0]:
            needle = " " + first
            texts = self._texts
            candidates = {i for i in within if needle in texts.get(i, "")}
        else:
            candidates = self._union(self._postings, lo, hi, first, self._initials)
            if within is not None:
                candidates.intersection_update(within)
        for size, word, lo, hi in ranges[1:]:
            if not candidates:
                break
            candidates = self._narrow(candidates, size, word, lo, hi)
        if predicate is not None and candidates:
            candidates = {i for i in candidates if predicate(i)}
        total = len(candidates)
        if not total or offset >= total:
            return [], total

        titled = self._title_matches(candidates, ranges)
        end = offset + limit
        page: list[int] = []
        if offset < len(titled):
            page = _smallest(titled, end)[offset:]
        if len(page) < limit:
            rest = candidates - titled
            skip = max(0, offset - len(titled))
            page += _smallest(rest, skip + limit - len(page))[skip:]
        return page, total

    # ------------------------------------------------------------------ helpers

    @staticmethod
    def _union(
        postings: list[list[int]],
        lo: int,
        hi: int,
        word: str = "",
        initials: dict[str, list[int]] | None = None,
    ) -> set[int]:
        if hi - lo == 1:
            return set(postings[lo])
        if len(word) == 1 and initials is not None:
            return set(initials.get(word, ()))
        return set().union(*postings[lo:hi])

    def _narrow(self, candidates: set[int], size: int, word: str, lo: int, hi: int) -> set[int]:
        """``candidates`` that also have a word starting with ``word``."""
        if len(candidates) * 12 < size:
            needle = " " + word
            texts = self._texts
            return {i for i in candidates if needle in texts[i]}
        if hi - lo == 1:
            return candidates.intersection(self._postings[lo])
        keep: set[int] = set()
        for posting in self._postings[lo:hi]:
            keep.update(candidates.intersection(posting))
        return keep

    def _title_matches(
        self, candidates: set[int], ranges: list[tuple[int, str, int, int]]
    ) -> set[int]:
        """The candidates whose title has a word starting with any query word."""
        title_size = sum(
            sum(len(p) for p in self._title_postings[lo:hi]) if hi - lo < 64 else size
            for size, _, lo, hi in ranges
        )
        if len(candidates) * 12 < title_size:
            needles = [" " + word for _, word, _, _ in ranges]
            texts = self._title_texts
            if len(needles) == 1:
                (needle,) = needles
                return {i for i in candidates if needle in texts[i]}
            return {i for i in candidates if any(n in texts[i] for n in needles)}
        titled: set[int] = set()
        for _, word, lo, hi in ranges:
            if hi - lo <= 16:  # few lists: intersect each, no set of a long list
                for posting in self._title_postings[lo:hi]:
                    if posting:
                        titled.update(candidates.intersection(posting))
            else:
                every = self._union(self._title_postings, lo, hi, word, self._title_initials)
                titled.update(candidates.intersection(every))
        return titled


def _walk(every: list[int], titled: list[int], offset: int, limit: int) -> tuple[list[int], int]:
    """One page of sorted ``every``, its sorted subset ``titled`` first."""
    page = titled[offset : offset + limit]
    skip = max(0, offset - len(titled))
    j, n = 0, len(titled)
    for rid in every:
        if len(page) >= limit:
            break
        while j < n and titled[j] < rid:
            j += 1
        if j < n and titled[j] == rid:
            continue
        if skip:
            skip -= 1
        else:
            page.append(rid)
    return page, len(every)


def _smallest(ids: set[int], n: int) -> list[int]:
    """The ``n`` smallest ids, sorted; a full sort only when that is cheaper."""
    if n <= 0:
        return []
    if n * 8 >= len(ids):
        return sorted(ids)[:n]
    return heapq.nsmallest(n, ids)
