"""Benchmark: ``mana serve`` under 50 kiosk terminals, and search at 1,000,000 records.

Run: ``uv run python bench/server.py [--duration S] [--terminals N] [--pace S]
[--records N] [--copies-per-record N] [--patrons N] [--queries N]
[--postgresql URL] [--servers N] [--keep-database NAME | --reuse-database NAME]``;
a country's union catalogue:
``--part 2 --postgresql postgresql://root@127.0.0.1/postgres --records 1000000
--copies-per-record 3 --patrons 200000``.

With ``--postgresql URL`` (a PostgreSQL server, e.g.
``postgresql://root@127.0.0.1/postgres``, where the bench may create and
drop databases of its own) the servers keep the region there instead of an
SQLite file; ``--servers 2`` then runs part 1 against
one server and against two on the same database (the terminals split
between them) and prints the ratio of their throughputs.

The real server runs as a subprocess (``python -m services.server``) on a
fresh demo database, pinned to core 0; this process, the load generator,
pins itself to core 1. The load generator is a raw asyncio HTTP/1.1
keep-alive client (one connection per terminal), a few microseconds of CPU
per request: httpx would spend 1.3–1.5 ms per request and measure itself
(``/work/shared/BENCH.md``).

Part 1 — on a fresh demo region, or with ``--reuse-database`` on the region
part 2 filled (at its size; the demo's patrons are in it) — each terminal
loops over what a kiosk does: search (one or two
words, or a prefix), open a record and its copies; in about one round of
five a patron logs in, lists loans, renews one, orders a copy, lists
reservations, sometimes cancels one, and logs out. Two runs:
``catalog only, saturated`` (no logins, no pause between requests: the most
the server answers), ``kiosk mix, paced`` (each terminal waits ``--pace``
seconds on average between requests, like a person) and ``kiosk mix,
saturated`` (no pause: bound by the argon2id password checks). Each is followed by the same terminals asking only
``GET /api/v1/health``, the ceiling of that server. Printed: requests per
second, and p50/p99 per kind of request and for reads and writes.

Part 2 — a database filled with ``--records`` records (1,000,000), about
``--copies-per-record`` copies each and ``--patrons`` generated patrons who
borrow and reserve some of them, streamed in parts by this process
(``services.demo.stream_region`` into ``fill_region_streaming``: the region
is never held in memory): the time and rate of the fill, then the time a
server takes from its start to its first answer on that database and its
RSS (nothing of the region is loaded), then search one query at a time:
median and p99 per kind of query (common and rare words, two words,
prefixes, a miss), each also with the library and "available now" filters,
next to ``/health`` asked the same way (the floor of one request); with
patrons, the desk at that size: a patron's login and loans, and a
librarian's patron search (``find_patrons``) by card number, its beginning,
username and name. The RSS is printed again after all that. Every account
of the filled region (the demo's too) has its password hashed with the
cheap argon2id parameters the tests use (``CHEAP_HASHER``), not the
server's: a login here measures the server, not argon2 (about 0.2 s of CPU
more per login with the server's parameters).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from services.demo import build_region, generated_patron, stream_region  # noqa: E402
from services.demo_data import DEMO_PASSWORD, READERS  # noqa: E402
from services.text import words  # noqa: E402

API = "/api/v1"
READS = ("search", "record", "copies", "loans", "reservations")
WRITES = ("order", "renew", "cancel")
PATRONS = [r.username for r in READERS] + ["anna", "liga", "emily", "janis"]


# ------------------------------------------------------------------ server


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    port: int
    log: Path

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()

    def said(self, pattern: str) -> str:
        found = re.search(pattern, self.log.read_text(errors="replace"))
        return found.group(1) if found else "?"


def start_server(database: Path | str, *flags: str, cpu: int | None, timeout: float = 900,
                 log: Path | None = None) -> Server:
    log = log or Path(database).with_suffix(".log")
    if os.environ.get("MANA_BENCH_LOGS"):  # keep the servers' logs there
        log = Path(os.environ["MANA_BENCH_LOGS"]) / log.name
    command = [sys.executable, "-m", "services.server", "--database", str(database),
               "--port", "0", *flags]
    with open(log, "wb") as out:
        process = subprocess.Popen(
            command, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            preexec_fn=(lambda: os.sched_setaffinity(0, {cpu})) if cpu is not None else None,
        )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = re.search(r"Uvicorn running on http://[\d.]+:(\d+)", log.read_text(errors="replace"))
        if found:
            return Server(process, int(found.group(1)), log)
        if process.poll() is not None:
            break
        time.sleep(0.1)
    process.kill()
    raise SystemExit(f"the server did not start:\n{log.read_text(errors='replace')}")


# ------------------------------------------------------------- raw client


class Connection:
    """One keep-alive HTTP/1.1 connection; requests one after another."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader
        self.writer: asyncio.StreamWriter

    IDLE = 4.0
    """uvicorn closes a keep-alive connection idle for 5 s: open a new one before."""

    async def open(self) -> Connection:
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        self.used = time.monotonic()
        return self

    async def request(self, method: str, path: str, body: object = None,
                      token: str | None = None, key: bool = False) -> tuple[int, bytes]:
        head = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1"]
        data = b""
        if body is not None:
            data = json.dumps(body).encode()
            head.append("Content-Type: application/json")
        if method == "POST":
            head.append(f"Content-Length: {len(data)}")
        if token:
            head.append(f"Authorization: Bearer {token}")
        if key:
            head.append(f"Idempotency-Key: {uuid.uuid4()}")
        if time.monotonic() - self.used > self.IDLE:
            self.close()
            await self.open()
        self.writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + data)
        header = await self.reader.readuntil(b"\r\n\r\n")
        status = int(header[9:12])
        length = 0
        for line in header.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.lower() == b"content-length":
                length = int(value)
        answer = await self.reader.readexactly(length) if length else b""
        self.used = time.monotonic()
        return status, answer

    def close(self) -> None:
        self.writer.close()


@dataclass
class Stats:
    times: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: Counter[int] = field(default_factory=Counter)
    count: int = 0


async def timed(stats: Stats, kind: str, conn: Connection, method: str, path: str,
                **kwargs: object) -> tuple[int, bytes]:
    started = time.perf_counter()
    status, body = await conn.request(method, path, **kwargs)  # type: ignore[arg-type]
    stats.times[kind].append(time.perf_counter() - started)
    stats.statuses[status] += 1
    stats.count += 1
    if status >= 500:
        raise SystemExit(f"{method} {path}: {status} {body[:200]!r}")
    return status, body


# -------------------------------------------------------------- terminals


def queries(rng: random.Random, vocabulary: list[str], titles: list[list[str]]) -> str:
    roll = rng.random()
    if roll < 0.5:
        return rng.choice(vocabulary)
    if roll < 0.8:
        title = rng.choice(titles)
        return " ".join(rng.sample(title, 2)) if len(title) > 1 else title[0]
    return rng.choice(vocabulary)[:3]


async def terminal(conn: Connection, stats: Stats, rng: random.Random, stop_at: float,
                   limit: int, pace: float, visits: float | None,
                   vocabulary: list[str], titles: list[list[str]]) -> None:
    """``visits``: the share of rounds with a patron visit; None: ``/health`` only."""
    async def ask(kind: str, method: str, path: str, **kwargs: object) -> tuple[int, bytes]:
        if pace:
            await asyncio.sleep(rng.expovariate(1 / pace))
        return await timed(stats, kind, conn, method, path, **kwargs)

    while time.monotonic() < stop_at and stats.count < limit:
        if visits is None:
            await ask("health", "GET", f"{API}/health")
            continue
        text = urllib.parse.quote(queries(rng, vocabulary, titles))
        _, body = await ask("search", "GET", f"{API}/search?text={text}&limit=20")
        hits = json.loads(body)["items"]
        offers: list[str] = []
        if hits:
            rid = rng.choice(hits)["id"]
            await ask("record", "GET", f"{API}/records/{rid}")
            _, body = await ask("copies", "GET", f"{API}/records/{rid}/copies")
            offers = [c["item"]["barcode"] for c in json.loads(body)["items"]
                      if c["offer"]["kind"] in ("order", "queue")]
        if rng.random() < visits:
            await patron_visit(ask, rng, offers)


async def patron_visit(ask, rng: random.Random, offers: list[str]) -> None:  # type: ignore[no-untyped-def]
    form = {"identifier": rng.choice(PATRONS), "password": DEMO_PASSWORD}
    status, body = await ask("login", "POST", f"{API}/login", body=form)
    if status != 200:
        return
    token = json.loads(body)["token"]
    _, body = await ask("loans", "GET", f"{API}/account/loans", token=token)
    renewable = [v["loan"]["id"] for v in json.loads(body) if v["renew"]["allowed"]]
    if renewable and rng.random() < 0.5:
        await ask("renew", "POST", f"{API}/account/loans/{rng.choice(renewable)}/renewal",
                  token=token, key=True)
    if offers and rng.random() < 0.5:
        await ask("order", "POST", f"{API}/account/orders", body={"barcode": rng.choice(offers)},
                  token=token, key=True)
    _, body = await ask("reservations", "GET", f"{API}/account/reservations", token=token)
    active = [v["reservation"]["id"] for v in json.loads(body) if v["cancel"]["allowed"]]
    if active and rng.random() < 0.4:
        await ask("cancel", "POST", f"{API}/account/reservations/{rng.choice(active)}/cancel",
                  token=token, key=True)
    await ask("logout", "POST", f"{API}/logout", token=token)


async def load(port: int | list[int], terminals: int, seconds: float, limit: int, pace: float,
               visits: float | None, vocabulary: list[str],
               titles: list[list[str]]) -> tuple[Stats, float]:
    ports = port if isinstance(port, list) else [port]
    conns = [await Connection(ports[n % len(ports)]).open() for n in range(terminals)]
    stats = Stats()
    started = time.monotonic()
    await asyncio.gather(*[
        terminal(c, stats, random.Random(n), started + seconds, limit, pace, visits,
                 vocabulary, titles)
        for n, c in enumerate(conns)
    ])
    elapsed = time.monotonic() - started
    for c in conns:
        c.close()
    return stats, elapsed


# ---------------------------------------------------------------- reports


def ms(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def report(title: str, stats: Stats, elapsed: float, ceiling: tuple[Stats, float]) -> None:
    print(f"\n{title}: {stats.count} requests in {elapsed:.1f} s = "
          f"{stats.count / elapsed:,.0f} req/s   statuses {dict(sorted(stats.statuses.items()))}")
    print(f"  {'kind':<14}{'n':>7}{'p50 ms':>9}{'p99 ms':>9}")
    groups = {"READS": READS, "WRITES": WRITES}
    for kind in [*READS, *WRITES, "login", "logout", *groups]:
        values = ([t for k in groups[kind] for t in stats.times[k]] if kind in groups
                  else stats.times[kind])
        if values:
            print(f"  {kind:<14}{len(values):>7}{ms(values, 0.5):>9.1f}{ms(values, 0.99):>9.1f}")
    health, seconds = ceiling
    values = health.times["health"]
    print(f"  {'health only':<14}{len(values):>7}{ms(values, 0.5):>9.1f}{ms(values, 0.99):>9.1f}"
          f"   ceiling {health.count / seconds:,.0f} req/s")


def vocabulary_of_demo() -> tuple[list[str], list[list[str]], Counter[str]]:
    region = build_region(date.today())
    titles = [words(r.title) for r in region.records]
    counts: Counter[str] = Counter(w for t in titles for w in set(t) if len(w) > 2)
    return sorted(counts), [t for t in titles if t], counts


# ----------------------------------------------------------------- part 1


def fresh_postgresql(admin_url: str, name: str) -> str:
    """A new, empty database ``name`` on the server of ``admin_url`` (dropped
    first if it was left over); its URL."""
    import sqlalchemy as sa

    url = sa.make_url(admin_url.replace("postgresql://", "postgresql+psycopg://", 1))
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with admin.connect() as db:
        db.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        db.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return postgresql_url(admin_url, name)


def postgresql_url(admin_url: str, name: str) -> str:
    """The URL of database ``name`` on the server of ``admin_url``."""
    import sqlalchemy as sa

    url = sa.make_url(admin_url).set(database=name)
    return url.render_as_string(hide_password=False)


async def part_one(args: argparse.Namespace, folder: Path, cpus: tuple[int | None, int | None]) -> None:
    database: Path | str
    if args.reuse_database:  # the region filled by part 2 (the demo's accounts are in it)
        name = args.reuse_database
        database = postgresql_url(args.postgresql, name) if args.postgresql else Path(name)
        first = start_server(database, cpu=cpus[0], log=folder / "terminals-1.log")
    else:
        database = (fresh_postgresql(args.postgresql, "mana_bench_terminals")
                    if args.postgresql else folder / "terminals.db")
        first = start_server(database, "--demo", cpu=cpus[0], log=folder / "terminals-1.log")
    servers = [first] + [
        start_server(database, cpu=cpus[0], log=folder / f"terminals-{n}.log")
        for n in range(2, args.servers + 1)
    ]
    throughput: dict[int, float] = {}
    try:
        vocabulary, titles, _ = vocabulary_of_demo()
        where = "PostgreSQL" if args.postgresql else "an SQLite file"
        print(f"Part 1: {args.terminals} terminals, {len(servers)} server(s) on {where}, "
              f"servers on core {cpus[0]}, load generator on core {cpus[1]} "
              f"({len(os.sched_getaffinity(0))} core(s) for it)")
        limit = 1_000_000
        for count in sorted({1, len(servers)}):
            ports = [s.port for s in servers[:count]]
            await load(ports, args.terminals, 2, limit, 0, 0.2, vocabulary, titles)  # warm-up
            runs = (
                ("catalog only, saturated (no pause, no logins)", 0.0, 0.0),
                (f"kiosk mix, paced ({args.pace} s between a terminal's requests)",
                 args.pace, 0.2),
                ("kiosk mix, saturated (no pause)", 0.0, 0.2),
            )
            for name, pace, visits in runs:
                mix = await load(ports, args.terminals, args.duration, limit, pace, visits,
                                 vocabulary, titles)
                health = await load(ports, args.terminals, args.duration / 2, limit, pace,
                                    None, vocabulary, titles)
                report(f"{name}, {count} server(s)", *mix, health)
                if visits and not pace:
                    throughput[count] = mix[0].count / mix[1]
        if len(throughput) == 2:
            print(f"\nkiosk mix, saturated: {max(throughput)} servers answer "
                  f"{throughput[max(throughput)] / throughput[1]:.2f}x what one does")
    finally:
        for server in servers:
            server.stop()


# ----------------------------------------------------------------- part 2


def search_queries(counts: Counter[str], titles: list[list[str]], n: int,
                   rng: random.Random) -> dict[str, list[str]]:
    # by count, then alphabetically: the same queries in every run (the order
    # of ties in ``most_common`` follows string hashing, which differs per process)
    ranked = [w for w, _ in sorted(counts.items(), key=lambda wc: (-wc[1], wc[0]))
              if w.isalpha()]
    common, rare = ranked[:40], ranked[-200:]
    pairs = [t for t in titles if len(t) > 1]
    return {
        "one word, common": [rng.choice(common) for _ in range(n)],
        "one word, rare": [rng.choice(rare) for _ in range(n)],
        "two words (a title's)": [" ".join(rng.sample(rng.choice(pairs), 2)) for _ in range(n)],
        "two words (any)": [f"{rng.choice(common)} {rng.choice(ranked[:400])}" for _ in range(n)],
        "prefix (3 letters)": [rng.choice(ranked[:400])[:3] for _ in range(n)],
        "prefix (1 letter)": [rng.choice("abdgklmprstvz") for _ in range(n)],
        "miss": [f"zqx{rng.randrange(10**6)}" for _ in range(n)],
    }


def fill(args: argparse.Namespace, database: Path | str) -> str:
    """Stream the large demo region into ``database``; what it took, as a sentence."""
    from services.engine.hashing import CHEAP_HASHER
    from services.storage import open_database
    from services.storage.region import fill_region_streaming

    counts: Counter[str] = Counter()
    opened = open_database(str(database))
    started = time.perf_counter()
    parts = stream_region(date.today(), args.records, copies_per_record=args.copies_per_record,
                          patrons=args.patrons)
    try:
        for part in fill_region_streaming(opened, parts, CHEAP_HASHER, source="demo"):
            before = counts["records"]
            for name in ("records", "copies", "accounts", "loans", "reservations"):
                counts[name] += len(getattr(part, name))
            if counts["records"] // 100_000 > before // 100_000:
                print(f"  … {counts['records']:,} records in "
                      f"{time.perf_counter() - started:.0f} s", flush=True)
    finally:
        opened.close()
    took = time.perf_counter() - started
    vacuumed = vacuum(database) if isinstance(database, str) else ""
    rows = sum(counts.values())
    return (f"filled {counts['records']:,} records, {counts['copies']:,} copies, "
            f"{counts['accounts']:,} accounts, {counts['loans']:,} loans and "
            f"{counts['reservations']:,} reservations in {took:.0f} s "
            f"({counts['records'] / took:,.0f} records/s, {rows / took:,.0f} of those rows/s, "
            f"search rows and name words aside; passwords hashed with CHEAP_HASHER){vacuumed}")


def vacuum(url: str) -> str:
    """``VACUUM ANALYZE`` of the filled database, what autovacuum would do
    after such a fill (it is off on some servers, this machine's among them):
    index-only scans need the visibility maps. What it took, as a clause."""
    import sqlalchemy as sa

    started = time.perf_counter()
    url = url.replace("postgresql://", "postgresql+psycopg://", 1)
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with engine.connect() as db:
        db.exec_driver_sql("VACUUM (ANALYZE)")
    engine.dispose()
    return f"; then VACUUM ANALYZE in {time.perf_counter() - started:.0f} s"


async def part_two(args: argparse.Namespace, folder: Path, cpus: tuple[int | None, int | None]) -> None:
    name = args.reuse_database or args.keep_database
    where = "PostgreSQL" if args.postgresql else "SQLite"
    database: Path | str
    if args.reuse_database:
        database = (postgresql_url(args.postgresql, name) if args.postgresql else Path(name))
        print(f"\nPart 2 on {where}: reusing {name}, filled before", flush=True)
    else:
        if args.postgresql:
            database = fresh_postgresql(args.postgresql, name or "mana_bench_million")
        else:
            database = Path(name) if name else folder / "million.db"
            database.unlink(missing_ok=True)
        print(f"\nPart 2 on {where}: filling {args.records:,} records …", flush=True)
        print(f"  {fill(args, database)}", flush=True)
    started = time.monotonic()
    server = start_server(database, cpu=cpus[0], log=folder / "million.log")
    conn = await Connection(server.port).open()
    await conn.request("GET", f"{API}/libraries")
    ready = time.monotonic() - started
    conn.close()
    try:
        print(f"  search on {args.records:,} records: a server's start to first answer "
              f"{ready:.1f} s, RSS {rss_mib(server.process.pid):,.0f} MiB", flush=True)
        _, titles, counts = vocabulary_of_demo()
        kinds = search_queries(counts, titles, args.queries, random.Random(7))
        conn = await Connection(server.port).open()
        for text in [q for qs in kinds.values() for q in qs[:10]]:  # warm-up
            await conn.request("GET", f"{API}/search?text={urllib.parse.quote(text)}&limit=20")
        print(f"  {'kind':<32}{'n':>5}{'median ms':>11}{'p99 ms':>9}{'hits (median)':>15}")
        every: list[float] = []
        filters = ("", "&library_id=aizk&available_now=true")
        for kind, texts in kinds.items():
            for extra in filters:
                times, totals = [], []
                for text in texts:
                    t = time.perf_counter()
                    _, body = await conn.request(
                        "GET", f"{API}/search?text={urllib.parse.quote(text)}&limit=20{extra}")
                    times.append(time.perf_counter() - t)
                    totals.append(json.loads(body)["total"])
                every += times
                name = kind + (", filtered" if extra else "")
                print(f"  {name:<32}{len(times):>5}{ms(times, 0.5):>11.1f}"
                      f"{ms(times, 0.99):>9.1f}{statistics.median(totals):>15,.0f}", flush=True)
        print(f"  {'all queries':<32}{len(every):>5}{ms(every, 0.5):>11.1f}"
              f"{ms(every, 0.99):>9.1f}")
        floor = await health_floor(conn)
        print(f"  {'health (floor)':<32}{len(floor):>5}{ms(floor, 0.5):>11.1f}"
              f"{ms(floor, 0.99):>9.1f}")
        if args.patrons:
            await desk(conn, args)
        conn.close()
        print(f"  RSS after all that: {rss_mib(server.process.pid):,.0f} MiB")
    finally:
        server.stop()
        if args.postgresql and not name:
            drop_postgresql(args.postgresql, "mana_bench_million")


async def health_floor(conn: Connection) -> list[float]:
    floor = []
    for _ in range(200):
        t = time.perf_counter()
        await conn.request("GET", f"{API}/health")
        floor.append(time.perf_counter() - t)
    return floor


async def desk(conn: Connection, args: argparse.Namespace) -> None:
    """A patron's visit and the librarian's patron search, at the region's size."""
    rng = random.Random(11)
    n = args.queries
    times: dict[str, list[float]] = defaultdict(list)
    hits: dict[str, list[int]] = defaultdict(list)

    async def ask(kind: str, method: str, path: str, **kwargs: object) -> object:
        t = time.perf_counter()
        status, body = await conn.request(method, path, **kwargs)  # type: ignore[arg-type]
        times[kind].append(time.perf_counter() - t)
        if status >= 300:
            raise SystemExit(f"{method} {path}: {status} {body[:200]!r}")
        return json.loads(body) if body else None

    for _ in range(n):
        who = generated_patron(1 + rng.randrange(args.patrons), rng)
        form = {"identifier": who.username, "password": DEMO_PASSWORD}
        token = (await ask("patron: login", "POST", f"{API}/login", body=form))["token"]
        loans = await ask("patron: loans", "GET", f"{API}/account/loans", token=token)
        hits["patron: loans"].append(len(loans))  # type: ignore[arg-type]
        await ask("patron: logout", "POST", f"{API}/logout", token=token)
    form = {"identifier": "staff-aizk", "password": DEMO_PASSWORD}
    token = (await ask("staff: login", "POST", f"{API}/login", body=form))["token"]
    names = [generated_patron(k, random.Random(k)).name.split() for k in range(1, 200)]
    kinds = {
        "card number (whole)": lambda: f"2{1 + rng.randrange(args.patrons):09d}",
        "card number (first 7)": lambda: f"2{1 + rng.randrange(args.patrons):09d}"[:7],
        "username": lambda: f"lasitajs{1 + rng.randrange(args.patrons):06d}",
        "given name and surname": lambda: " ".join(rng.choice(names)),
        "surname": lambda: rng.choice(names)[1],
        "surname, 3 letters": lambda: rng.choice(names)[1][:3],
        "miss": lambda: f"Zqx{rng.randrange(10**6)}",
    }
    for kind, text in kinds.items():
        for _ in range(n):
            found = await ask(f"find_patrons: {kind}", "GET",
                              f"{API}/staff/patrons?text={urllib.parse.quote(text())}",
                              token=token)
            hits[f"find_patrons: {kind}"].append(len(found))  # type: ignore[arg-type]
    print(f"\n  the desk on {args.patrons:,} generated patrons (CHEAP_HASHER passwords)")
    print(f"  {'kind':<40}{'n':>5}{'median ms':>11}{'p99 ms':>9}{'answers (median)':>18}")
    for kind, values in times.items():
        found = f"{statistics.median(hits[kind]):>18,.0f}" if hits[kind] else ""
        print(f"  {kind:<40}{len(values):>5}{ms(values, 0.5):>11.1f}{ms(values, 0.99):>9.1f}"
              f"{found}")


def drop_postgresql(admin_url: str, name: str) -> None:
    import sqlalchemy as sa

    url = sa.make_url(admin_url.replace("postgresql://", "postgresql+psycopg://", 1))
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with admin.connect() as db:
        db.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=20, help="seconds per run (part 1)")
    parser.add_argument("--terminals", type=int, default=50)
    parser.add_argument("--pace", type=float, default=1.0,
                        help="mean seconds between a terminal's requests in the paced run")
    parser.add_argument("--records", type=int, default=1_000_000, help="part 2's catalog size")
    parser.add_argument("--copies-per-record", type=float, metavar="N",
                        help="part 2: copies per generated record on average "
                        "(else 1.3, the demo's)")
    parser.add_argument("--patrons", type=int, default=0,
                        help="part 2: generated patrons, who borrow and reserve (and the desk's "
                        "figures at that size)")
    parser.add_argument("--part", choices=("1", "2", "all"), default="all")
    parser.add_argument("--queries", type=int, default=100, help="per kind of query (part 2)")
    parser.add_argument("--postgresql", metavar="URL",
                        help="a PostgreSQL server where the bench makes its databases "
                        "(else SQLite files)")
    parser.add_argument("--servers", type=int, default=1,
                        help="part 1 also against this many servers on one database "
                        "(with --postgresql)")
    parser.add_argument("--keep-database", metavar="NAME",
                        help="part 2: fill this database (PostgreSQL) or file (SQLite) and "
                        "keep it for --reuse-database")
    parser.add_argument("--reuse-database", metavar="NAME",
                        help="search a database kept by --keep-database, without filling "
                        "(the figures of the fill are not printed); part 1 then runs on it "
                        "too, at its size, instead of on a fresh demo region")
    args = parser.parse_args()
    cpus: tuple[int | None, int | None] = (None, None)
    if len(os.sched_getaffinity(0)) >= 2:
        server_cpu, client_cpu = sorted(os.sched_getaffinity(0))[:2]
        os.sched_setaffinity(0, {client_cpu})
        cpus = (server_cpu, client_cpu)
    with tempfile.TemporaryDirectory(prefix="mana-bench-") as folder:
        if args.part in ("1", "all"):
            asyncio.run(part_one(args, Path(folder), cpus))
        if args.part in ("2", "all"):
            asyncio.run(part_two(args, Path(folder), cpus))


if __name__ == "__main__":
    main()
