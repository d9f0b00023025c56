"""Web benchmark: newsriver's reading pages under load, beside FreshRSS's figures.

Run with `make bench` (its last step) or `.venv/bin/python bench/web.py [--duration 3]
[--backend both] [--skip-million]`. See bench/README.md for what each printed figure means.
This prints figures; it is not a test and never fails on a missed target. It exits 1 when
a step fails: a command, the server, or a page that does not hold what it should.

Two databases per backend, each served by `newsriver serve --no-scheduler` in a process
of its own:

- farm: one user subscribed to the feeds of `../shared/bench/feedfarm.py` (1,000 feeds,
  35,404 entries at --seed 1), stored and indexed by `newsriver refresh --all`, all unread;
- million: the same user with 1,000,000 entries written straight into the tables, 2% of
  them unread (mostly the newest), then indexed for search by `store.search.index_pending`.

The requests come from an aiohttp client in this process, signed in as a browser is, over
keep-alive connections, at concurrency 1 and 16: the main stream's first page in the
normal view (20 articles with their content), with every entry and with unread ones only,
and a search for one word that a few percent of the entries contain.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import json
import os
import random
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import psycopg
from sqlalchemy import Engine, create_engine, text

from newsriver.web.auth.sessions import COOKIE_NAME

# `bench.refresh` (the feed farm, running the CLI, throwaway PostgreSQL databases) is
# importable when the repository is on the path, as it is for mypy and ruff.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.refresh import (
    USER,
    BenchError,
    Finished,
    checked,
    database,
    farm_running,
    free_port,
    machine,
    newsriver_env,
    run_measured,
    sqlite_bytes,
    summary,
    versions,
)

BENCH = Path(__file__).resolve().parent
CACHE = BENCH / ".cache"
MIGRATIONS = BENCH.parent / "src" / "newsriver" / "store" / "migrations" / "versions"
PASSWORD = "bench-password"
PG_SERVER = "postgres@127.0.0.1:5432"
BACKENDS = {"sqlite": ("sqlite",), "postgresql": ("postgresql",), "both": ("sqlite", "postgresql")}
PAGE_SIZE = 20
CONCURRENCIES = (1, 16)
SERVER_START_SECONDS = 60.0
# Indexing for search runs this long before its rate decides whether to go on.
INDEX_PROBE_SECONDS = 30.0
# Seconds allowed to index the generated entries: the SQLite database is made once and
# kept, a PostgreSQL one is made again on every run.
INDEX_BUDGET = {"sqlite": 600.0, "postgresql": 180.0}
MIB = 1 << 20

# FreshRSS on the same 35,000 farm entries, as measured by the author (FreshRSS
# needs PHP, which this machine does not have): the main stream's first page at
# concurrency 1 (p50) and 16 (requests/s), and a search at concurrency 1 (p50).
FRESHRSS_PAGE_P50_MS = 124.0
FRESHRSS_PAGE_RATE = 15.0
FRESHRSS_SEARCH_P50_MS = 173.0
# The targets for newsriver.
TARGET_PAGE_P50_MS = 25.0
TARGET_PAGE_RATE = 75.0
TARGET_SEARCH_P50_MS = 30.0
TARGET_MILLION_PAGE_P50_MS = 50.0

# The farm draws its words uniformly from 210, so each of them is in 80% of the entries
# or more. The tokens found in a few percent are the numbers of the command lines in its
# paragraph pool (`$ cache --index=522`): at --seed 1, "522" is in 3.0% of the entries.
FARM_SEARCH_WORD = "522"

# The sizes the figures are for: the farm's feeds, the generated entries.
FARM_FEEDS = 1000
MILLION = 1_000_000
# The generated database: one user, 1,000 feeds in 10 categories (like the farm's OPML).
MILLION_FEEDS = 1000
MILLION_CATEGORIES = 10
MILLION_DAYS = 730
# Unread: every entry of the newest 1.5%, and 0.5% of the others, scattered.
MILLION_UNREAD_NEWEST = 0.015
MILLION_UNREAD_OLDER = 0.005
MILLION_STARRED = 0.002
# The search word is in the text of this share of the entries, and nowhere else.
MILLION_SEARCH_SHARE = 0.03
MILLION_SEARCH_WORD = "aurora"
MILLION_SEED = 7
MILLION_BATCH = 20_000
# Bump when the generated data changes, so that cached databases are made again.
GENERATOR_VERSION = 2
# The vocabulary of generated titles and paragraphs (MILLION_SEARCH_WORD is not in it).
WORDS = """
    river feed reader article update morning evening city council report market
    energy climate policy school health water bridge station train airport garden
    season festival museum library theatre concert album film series episode review
    league match player coach stadium goal record price budget bank rate loan
    housing rent project plan study research data model system network server
    software release version bug patch security privacy device phone camera battery
    screen laptop engine motor car bike road traffic weather storm rain snow wind
    forest mountain valley coast island harbour village farm harvest bread cheese
    coffee kitchen recipe dinner bakery street square north south east west old new
    small large early late first last open close public private local national global
    said says will would could should might found shows brings makes takes gives
    after before during while since until about against between through under over
    people family children students workers voters readers writers artists builders
    week month year decade century today yesterday tomorrow spring summer autumn winter
    """
VOCABULARY = tuple(WORDS.split())
NAMES = ("Ada", "Ben", "Chloe", "Dan", "Eve", "Farid", "Greta", "Hugo", "Ines", "Jon")
SURNAMES = ("Abbott", "Brandt", "Costa", "Dietz", "Evans", "Fischer", "Gomez", "Haas")


@dataclass(frozen=True, slots=True)
class Served:
    """A database ready to be served: where it is, and what it holds."""

    # "farm, sqlite", "million, postgresql"…
    label: str
    kind: str
    backend: str
    env: dict[str, str]
    # An SQLAlchemy URL of the same database, for this script's own checks.
    url: str
    entries: int
    unread: int
    # None when search is not measured on this database (its index was left unfinished).
    search_word: str | None
    matches: int
    # How the data came to be, for the report ("refresh --all: 10.5 s", "cached"…).
    origin: str
    # Whether the targets are set for this size (--n 1000, --million 1000000).
    judged: bool
    # The SQLite files with their -wal, or pg_database_size.
    size_bytes: int


@dataclass(frozen=True, slots=True)
class Scenario:
    """One kind of request, and the entries its page must show."""

    name: str
    path: str
    unread_only: bool
    search: str | None


@dataclass(frozen=True, slots=True)
class Measurement:
    database: str
    scenario: str
    concurrency: int
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    # The server process's CPU time (user + system) per request.
    server_cpu_ms: float
    # The medians of the app's own `Server-Timing` figures (ms) by name: newsriver's
    # pages send `db`, `render` and `total`. Empty when it sends none.
    server_timing: dict[str, float]
    body_kib: float
    load: float

    @property
    def rate(self) -> float:
        return self.requests / self.seconds


@dataclass(frozen=True, slots=True)
class Server:
    base_url: str
    pid: int


# --- the databases -------------------------------------------------------------------


def cli(env: dict[str, str], *arguments: str, stdin: str | None = None) -> Finished:
    what = " ".join(("python -m newsriver", *arguments))
    command = [sys.executable, "-m", "newsriver", *arguments]
    return checked(run_measured(command, env=env, stdin=stdin), what)


def sqlalchemy_url(data_dir: Path, url: str | None) -> str:
    return url if url is not None else f"sqlite:///{(data_dir / 'newsriver.db').as_posix()}"


@contextlib.contextmanager
def farm_database(backend: str, n: int, work: Path, pg_server: str) -> Iterator[Served]:
    """The farm's feeds stored and indexed by `newsriver refresh --all`; the farm is
    stopped before the database is served (the server runs no scheduler)."""
    data_dir = work / f"farm-{backend}"
    data_dir.mkdir()
    epoch = (int(time.time()) // 86400 - 1) * 86400
    with database(backend, data_dir, pg_server) as store:
        env = newsriver_env(data_dir, store.url)
        with farm_running(n, free_port(), epoch, work) as farm:
            cli(env, "db", "upgrade")
            cli(env, "user", "add", USER, "--password-stdin", stdin=f"{PASSWORD}\n")
            cli(env, "import", str(farm.opml), "--user", USER)
            what = "python -m newsriver refresh --all --json"
            refreshed = summary(cli(env, "refresh", "--all", "--json"), what)
        stored = int(refreshed["new_entries"])
        if stored != farm.items or refreshed["failed"]:
            raise BenchError(
                f"refresh stored {stored} of the farm's {farm.items} items: {refreshed}"
            )
        url = sqlalchemy_url(data_dir, store.url)
        if backend == "postgresql":
            vacuum_analyze(url)
        entries, unread, matches = counts(url, FARM_SEARCH_WORD)
        origin = f"refresh --all of {n} farm feeds: {refreshed['seconds']:.1f} s"
        yield Served(
            label=f"farm, {backend}",
            kind="farm",
            backend=backend,
            env=env,
            url=url,
            entries=entries,
            unread=unread,
            search_word=FARM_SEARCH_WORD,
            matches=matches,
            origin=origin,
            judged=n == FARM_FEEDS,
            size_bytes=store.size(),
        )


def vacuum_analyze(url: str) -> None:
    """What autovacuum would have done by the time anyone reads: fresh statistics and
    a visibility map, so that plans and index-only scans are those of a settled database."""
    with psycopg.connect(psycopg_url(url), autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE")


def psycopg_url(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def counts(url: str, word: str | None) -> tuple[int, int, int]:
    """The user's entries, unread entries, and entries matching `word`."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            values: dict[str, str] = {"name": USER}
            mine = "SELECT count(*) FROM entry_states WHERE user_id ="
            mine += " (SELECT id FROM users WHERE name = :name)"

            def count(query: str, more: dict[str, str] | None = None) -> int:
                return int(connection.execute(text(query), values | (more or {})).scalar_one())

            entries, unread = count(mine), count(f"{mine} AND NOT read")
            matches = 0
            if word is not None:
                query = f"{mine} AND entry_id IN ({matching_sql(engine)})"
                matches = count(query, match(engine, word))
            return entries, unread, matches
    finally:
        engine.dispose()


def matching_sql(engine: Engine) -> str:
    """The ids of the entries whose indexed text holds the word `:word` / `:match`."""
    if engine.dialect.name == "sqlite":
        return "SELECT rowid FROM entry_search WHERE entry_search MATCH :match"
    return "SELECT entry_id FROM entry_search WHERE document @@ phraseto_tsquery('simple', :word)"


def match(engine: Engine, word: str) -> dict[str, str]:
    if engine.dialect.name == "sqlite":
        return {"match": '"' + word.replace('"', '""') + '"'}
    return {"word": word}


@contextlib.contextmanager
def million_database(
    backend: str, entries: int, work: Path, pg_server: str, *, fresh: bool, index_budget: float
) -> Iterator[Served]:
    """A user with `entries` generated entries. On SQLite the database is kept in
    bench/.cache and reused while the generator and the migrations are unchanged."""
    label = f"{entries // 1000}k" if entries < MILLION else f"{entries / 1e6:g}M"
    if backend == "sqlite":
        folder = CACHE / f"web-million-{entries}-{million_key(entries)}"
        made = folder / "made.json"
        if fresh or not made.exists():
            # Older versions of this database are of no use any more, and take gigabytes.
            for stale in CACHE.glob(f"web-million-{entries}-*"):
                shutil.rmtree(stale, ignore_errors=True)
            folder.mkdir(parents=True)
            origin = make_million(newsriver_env(folder, None), folder, entries, index_budget)
            made.write_text(json.dumps(origin))
        else:
            origin = json.loads(made.read_text()) | {"cached": str(folder)}
        env, url = newsriver_env(folder, None), sqlalchemy_url(folder, None)
        yield served_million(backend, label, env, url, origin, sqlite_bytes(folder, "*.db"))
        return
    data_dir = work / f"million-{backend}"
    data_dir.mkdir()
    with database(backend, data_dir, pg_server) as store:
        env = newsriver_env(data_dir, store.url)
        origin = make_million(env, data_dir, entries, index_budget)
        url = sqlalchemy_url(data_dir, store.url)
        yield served_million(backend, label, env, url, origin, store.size())


def million_key(entries: int) -> str:
    """What a cached database depends on: the generator's version and the migrations."""
    digest = hashlib.sha256(f"{GENERATOR_VERSION}:{entries}".encode())
    for path in sorted(MIGRATIONS.glob("*.py")):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:12]


def served_million(
    backend: str, label: str, env: dict[str, str], url: str, origin: dict[str, Any], size: int
) -> Served:
    word = MILLION_SEARCH_WORD if origin["indexed"] else None
    entries, unread, matches = counts(url, word)
    parts = [f"generated in {origin['generated_s']:.0f} s"]
    if origin["indexed"]:
        parts.append(f"indexed in {origin['index_s']:.0f} s")
    else:
        parts.append(
            f"search left out: {origin['index_done']} of {entries} entries indexed in"
            f" {origin['index_s']:.0f} s, all would take {origin['index_projected_s']:.0f} s"
            f" (--index-budget {origin['index_budget_s']:g})"
        )
    if "cached" in origin:
        parts.append(f"cached in {origin['cached']}")
    return Served(
        label=f"{label}, {backend}",
        kind="million",
        backend=backend,
        env=env,
        url=url,
        entries=entries,
        unread=unread,
        search_word=word,
        matches=matches,
        origin="; ".join(parts),
        judged=entries == MILLION,
        size_bytes=size,
    )


def make_million(
    env: dict[str, str], data_dir: Path, entries: int, budget: float
) -> dict[str, Any]:
    """Create the schema and the user through the CLI, generate the entries, index them."""
    cli(env, "db", "upgrade")
    cli(env, "user", "add", USER, "--password-stdin", stdin=f"{PASSWORD}\n")
    url = sqlalchemy_url(data_dir, env.get("NEWSRIVER_DATABASE_URL"))
    print(f"   generating {entries} entries ...", flush=True)
    start = time.perf_counter()
    if url.startswith("sqlite"):
        write_sqlite(data_dir / "newsriver.db", entries)
    else:
        write_postgresql(psycopg_url(url), entries)
    generated = time.perf_counter() - start
    print(f"   generated in {generated:.1f} s; indexing for search ...", flush=True)
    threads = 1 if url.startswith("sqlite") else 2
    child = [sys.executable, str(Path(__file__).resolve()), "_index", url, str(budget)]
    child.append(str(threads))
    indexed = json.loads(checked(run_measured(child, env=env), "bench/web.py _index").stdout)
    if url.startswith("postgresql"):
        vacuum_analyze(url)
    print(f"   indexed {indexed['done']} entries in {indexed['seconds']:.1f} s", flush=True)
    return {
        "generated_s": generated,
        "indexed": indexed["left"] == 0,
        "index_s": indexed["seconds"],
        "index_done": indexed["done"],
        "index_projected_s": indexed["projected"],
        "index_budget_s": budget,
    }


def index_child(argv: Sequence[str]) -> int:
    """In a child process: index the queued entries, unless that would take longer than
    the budget. Once INDEX_PROBE_SECONDS have gone by, the rate so far decides: a queue
    that would not be done in time is left, and search is not measured on it. Prints
    `{"done", "left", "seconds", "projected"}`. PostgreSQL takes several indexers at once.
    """
    from newsriver.store.database import open_database
    from newsriver.store.search import index_pending

    url, budget, threads = argv[0], float(argv[1]), int(argv[2])
    store = open_database(url, upgrade=False)
    try:
        with store.read() as connection:
            queued = connection.execute(text("SELECT count(*) FROM search_queue")).scalar_one()
        start = time.perf_counter()
        done = [0]
        lock = threading.Lock()

        def projected() -> float:
            elapsed = time.perf_counter() - start
            return elapsed * queued / done[0] if done[0] else 0.0

        def indexer() -> None:
            while time.perf_counter() - start < INDEX_PROBE_SECONDS or projected() <= budget:
                with store.write() as connection:
                    batch = index_pending(connection)
                if batch == 0:
                    return
                with lock:
                    done[0] += batch

        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(lambda _: indexer(), range(threads)))
        seconds = time.perf_counter() - start
        with store.read() as connection:
            left = connection.execute(text("SELECT count(*) FROM search_queue")).scalar_one()
    finally:
        store.close()
    outcome = {"done": done[0], "left": left, "seconds": seconds, "projected": projected()}
    print(json.dumps(outcome))
    return 0


# --- generating entries --------------------------------------------------------------


class Writer:
    """Random but reproducible entries: titles of 5-10 words, 1-5 KB of HTML paragraphs."""

    def __init__(self, seed: int) -> None:
        self.random = random.Random(seed)
        self.pool = [self.paragraph() for _ in range(3000)]
        self.with_word = [self.paragraph(MILLION_SEARCH_WORD) for _ in range(100)]
        self.authors = [f"{first} {last}" for first in NAMES for last in SURNAMES]

    def words(self, low: int, high: int) -> str:
        return " ".join(self.random.choices(VOCABULARY, k=self.random.randint(low, high)))

    def sentence(self) -> str:
        return self.words(6, 18).capitalize() + "."

    def paragraph(self, word: str | None = None) -> str:
        sentences = [self.sentence() for _ in range(self.random.randint(1, 6))]
        if word is not None:
            where = self.random.randrange(len(sentences) + 1)
            sentences.insert(where, f"The {word} {self.words(3, 8)}.")
        body = " ".join(sentences)
        kind = self.random.random()
        if kind < 0.1:
            items = "".join(
                f"<li>{self.words(3, 8)}</li>" for _ in range(self.random.randint(2, 5))
            )
            return f"<p>{body}</p><ul>{items}</ul>"
        if kind < 0.2:
            return f"<blockquote><p>{body}</p></blockquote>"
        if kind < 0.5:
            page = f"{self.random.choice(VOCABULARY)}/{self.random.randint(1, 9999)}"
            link = f"https://example.org/{page}"
            return f'<p><a href="{link}">{self.words(2, 4)}</a> {body}</p>'
        if kind < 0.6:
            return f"<p><strong>{self.words(2, 4)}</strong> {body}</p>"
        return f"<p>{body}</p>"

    def title(self) -> str:
        return self.words(5, 10).capitalize()

    def content(self) -> str:
        """An entry's HTML: paragraphs of the pool, and the search word in a few."""
        target = self.random.randint(1000, 5000)
        parts: list[str] = []
        size = 0
        while size < target:
            part = self.pool[self.random.randrange(len(self.pool))]
            parts.append(part)
            size += len(part)
        if self.random.random() < MILLION_SEARCH_SHARE:
            word = self.with_word[self.random.randrange(len(self.with_word))]
            parts.insert(self.random.randrange(len(parts) + 1), word)
        return "".join(parts)


EntryRow = tuple[int, int, str, str, str, str, str, str, object, object, object]
StateRow = tuple[int, int, int, bool, bool]
ENTRY_COLUMNS = (
    "id, feed_id, key, content_hash, title, link, author, content, published, sort_at,"
    " first_seen_at"
)
STATE_COLUMNS = "user_id, entry_id, feed_id, read, starred"


def generated(
    entries: int, user_id: int, stamp: Callable[[datetime], object]
) -> Iterator[tuple[list[EntryRow], list[StateRow]]]:
    """Entries in batches, oldest first, so that ids grow with `sort_at` as they do when
    feeds are refreshed; with the user's state of each (read, unless new or unlucky)."""
    writer = Writer(MILLION_SEED)
    draw = writer.random
    now = datetime.now(UTC).replace(microsecond=0)
    first = now - timedelta(days=MILLION_DAYS)
    step = (now - first) / entries
    newest = int(entries * (1 - MILLION_UNREAD_NEWEST))
    older_unread = MILLION_UNREAD_OLDER / (1 - MILLION_UNREAD_NEWEST)
    rows: list[EntryRow] = []
    states: list[StateRow] = []
    for number in range(1, entries + 1):
        feed_id = draw.randrange(MILLION_FEEDS) + 1
        at = stamp(first + step * number)
        content = writer.content()
        rows.append(
            (number, feed_id, f"urn:million:{number}", f"{number:064x}", writer.title(),
             f"https://million.example/{feed_id}/{number}", draw.choice(writer.authors),
             content, at, at, at)
        )  # fmt: skip
        unread = number > newest or draw.random() < older_unread
        states.append((user_id, number, feed_id, not unread, draw.random() < MILLION_STARRED))
        if len(rows) == MILLION_BATCH:
            yield rows, states
            rows, states = [], []
    if rows:
        yield rows, states


def catalogue(
    user_id: int, stamp: Callable[[datetime], object]
) -> list[tuple[str, str, Sequence[tuple[object, ...]]]]:
    """The user's feeds, categories and subscriptions, as (table, columns, rows); feed
    `i` is in category `i` mod 10, as in the farm's OPML."""
    now = datetime.now(UTC)
    created, later = stamp(now), stamp(now + timedelta(days=3650))
    feeds = [
        (f, f"https://million.example/feed/{f}.xml", f"Million feed {f}",
         f"https://million.example/{f}/", created, later)
        for f in range(1, MILLION_FEEDS + 1)
    ]  # fmt: skip
    categories = [(g + 1, user_id, f"Category {g}", g) for g in range(MILLION_CATEGORIES)]
    subscriptions = [
        (f, user_id, f, (f - 1) % MILLION_CATEGORIES + 1, f, created)
        for f in range(1, MILLION_FEEDS + 1)
    ]
    return [
        ("feeds", "id, url, title, site_url, created_at, next_check_at", feeds),
        ("categories", "id, user_id, name, position", categories),
        ("subscriptions", "id, user_id, feed_id, category_id, position, created_at", subscriptions),
    ]


def sqlite_time(moment: datetime) -> str:
    """SQLAlchemy's storage format for DateTime on SQLite, naive UTC (schema.UtcDateTime)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def write_sqlite(path: Path, entries: int) -> None:
    """Feeds, categories, subscriptions, entries, states, and the search queue.

    Without a journal and without syncing, for this one-off load only: the file is
    thrown away if the load does not finish. WAL, newsriver's mode, is restored after.
    """
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        for pragma in ("journal_mode = OFF", "synchronous = OFF", "cache_size = -1000000"):
            connection.execute(f"PRAGMA {pragma}")
        user_id = connection.execute("SELECT id FROM users WHERE name = ?", (USER,)).fetchone()[0]
        connection.execute("BEGIN")
        for table, columns, records in catalogue(user_id, sqlite_time):
            marks = ", ".join("?" * len(records[0]))
            connection.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", records)
        insert_entries = f"INSERT INTO entries ({ENTRY_COLUMNS}) VALUES ({', '.join('?' * 11)})"
        insert_states = f"INSERT INTO entry_states ({STATE_COLUMNS}) VALUES (?, ?, ?, ?, ?)"
        for rows, states in generated(entries, user_id, sqlite_time):
            connection.executemany(insert_entries, rows)
            connection.executemany(insert_states, states)
        connection.execute("INSERT INTO search_queue (entry_id) SELECT id FROM entries")
        connection.execute("COMMIT")
        connection.execute("PRAGMA journal_mode = WAL")
    finally:
        connection.close()


def write_postgresql(url: str, entries: int) -> None:
    """The same rows as `write_sqlite`, through COPY, then the sequences moved past them."""
    with psycopg.connect(url) as connection:
        row = connection.execute("SELECT id FROM users WHERE name = %s", (USER,)).fetchone()
        assert row is not None, f"no user {USER}"
        user_id = int(row[0])
        with connection.cursor() as cursor:
            for table, columns, records in catalogue(user_id, lambda moment: moment):
                marks = ", ".join(["%s"] * len(records[0]))
                cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", records)
            for rows, states in generated(entries, user_id, lambda moment: moment):
                with cursor.copy(f"COPY entries ({ENTRY_COLUMNS}) FROM STDIN") as copy:
                    for entry in rows:
                        copy.write_row(entry)
                with cursor.copy(f"COPY entry_states ({STATE_COLUMNS}) FROM STDIN") as copy:
                    for state in states:
                        copy.write_row(state)
            cursor.execute("INSERT INTO search_queue (entry_id) SELECT id FROM entries")
            for table in ("feeds", "categories", "subscriptions", "entries"):
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                    f" (SELECT max(id) FROM {table}))"
                )


# --- the server ----------------------------------------------------------------------


@contextlib.contextmanager
def server_running(served: Served, work: Path, workers: int = 1) -> Iterator[Server]:
    """`newsriver serve --no-scheduler --workers N` on a free port, until leaving."""
    port = free_port()
    log = work / f"serve-{served.kind}-{served.backend}.log"
    command = [sys.executable, "-m", "newsriver", "serve", "--no-scheduler", "--port", str(port)]
    command += ["--workers", str(workers)]
    with log.open("wb") as sink:
        process = subprocess.Popen(command, env=served.env, stdout=sink, stderr=subprocess.STDOUT)
    try:
        base_url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + SERVER_START_SECONDS
        while True:
            if process.poll() is not None:
                tail = log.read_text(errors="replace").strip().splitlines()[-5:]
                said = "\n".join(f"    {line}" for line in tail) or "    (nothing)"
                raise BenchError(f"newsriver serve exited with code {process.returncode}:\n{said}")
            with contextlib.suppress(OSError):
                urllib.request.urlopen(f"{base_url}/healthz", timeout=1).close()
                break
            if time.monotonic() > deadline:
                raise BenchError(f"newsriver serve did not answer /healthz on {base_url}")
            time.sleep(0.1)
        yield Server(base_url, process.pid)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


async def sign_in(session: aiohttp.ClientSession, base_url: str) -> None:
    """As a browser does: the form (a session cookie and its CSRF token), then the post."""
    async with session.get(f"{base_url}/login", allow_redirects=False) as response:
        form = await response.text()
        if response.status != 200:
            raise BenchError(f"GET /login answered {response.status}, not 200")
    found = CSRF_FIELD.search(form)
    if found is None:
        raise BenchError("GET /login: no csrf_token field in the form")
    fields = {"name": USER, "password": PASSWORD, "csrf_token": found[1], "next": "/"}
    async with session.post(f"{base_url}/login", data=fields, allow_redirects=False) as response:
        if response.status != 303:
            raise BenchError(f"POST /login answered {response.status}, not 303")
    if not any(cookie.key == COOKIE_NAME for cookie in session.cookie_jar):
        raise BenchError(f"POST /login set no {COOKIE_NAME} cookie")


# --- the pages -----------------------------------------------------------------------


ARTICLE = re.compile(rb"<article\b")
# reading/entry.html: `<article class="entry …" id="entry-N" data-entry-id="N" …>`.
ENTRY_ID = re.compile(rb'<article\b[^>]*\bdata-entry-id="(\d+)"')


def scenarios(served: Served) -> list[Scenario]:
    pages = [
        Scenario("page, all", "/?view=normal&show=all", False, None),
        Scenario("page, unread", "/?view=normal&show=unread", True, None),
    ]
    if served.search_word is not None:
        path = f"/?view=normal&show=all&q={served.search_word}"
        pages.append(Scenario(f"search {served.search_word!r}", path, False, served.search_word))
    return pages


def expected_entries(url: str, scenario: Scenario) -> list[tuple[int, str]]:
    """The ids and content of the entries the scenario's first page must show."""
    engine = create_engine(url)
    try:
        where = ["s.user_id = (SELECT id FROM users WHERE name = :name)"]
        values: dict[str, str] = {"name": USER}
        if scenario.unread_only:
            where.append("NOT s.read")
        if scenario.search is not None:
            where.append(f"s.entry_id IN ({matching_sql(engine)})")
            values |= match(engine, scenario.search)
        query = (
            # What the page shows: the content, else the summary (an RSS description).
            "SELECT e.id, COALESCE(NULLIF(e.content, ''), e.summary, '')"
            " FROM entry_states s JOIN entries e ON e.id = s.entry_id"
            f" WHERE {' AND '.join(where)} ORDER BY s.entry_id DESC LIMIT {PAGE_SIZE}"
        )
        with engine.connect() as connection:
            return [(int(row[0]), str(row[1])) for row in connection.execute(text(query), values)]
    finally:
        engine.dispose()


def check_page(body: bytes, expected: Sequence[tuple[int, str]], scenario: Scenario) -> None:
    """The page holds the scenario's 20 newest entries in order, each with its content
    whole (the normal view carries it in a `<template>`, unrendered until opened)."""
    articles = len(ARTICLE.findall(body))
    if len(expected) < PAGE_SIZE:
        raise BenchError(f"{scenario.name}: the database has only {len(expected)} such entries")
    if articles != PAGE_SIZE:
        raise BenchError(f"GET {scenario.path}: {articles} <article> elements, not {PAGE_SIZE}")
    shown = [int(found) for found in ENTRY_ID.findall(body)]
    wanted = [entry_id for entry_id, _ in expected]
    if shown != wanted:
        raise BenchError(
            f"GET {scenario.path}: articles {shown[:4]}... where the database's newest are"
            f" {wanted[:4]}... (the entry ids of <article data-entry-id=...>)"
        )
    missing = [entry_id for entry_id, content in expected if content.encode() not in body]
    if missing:
        raise BenchError(
            f"GET {scenario.path}: the content of {len(missing)} of the {PAGE_SIZE} newest"
            f" entries is not in the page (ids {missing[:5]})"
        )


# --- load ----------------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """User + system CPU time so far of a process, its threads, and the processes it
    started that still run (the web workers of `serve --workers N`)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    own = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return own + sum(cpu_seconds(child) for child in child_pids(pid))


def child_pids(pid: int) -> list[int]:
    """The running processes whose parent is `pid` (from /proc)."""
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError):
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                if int(stat[1]) == pid:
                    children.append(int(entry.name))
    return children


SERVER_TIMING = re.compile(r"([\w-]+)\s*;[^,]*?\bdur=([0-9.]+)")


def server_timing(header: str | None) -> dict[str, float]:
    """The named durations (ms) of a Server-Timing header (W3C Server Timing)."""
    return {name: float(value) for name, value in SERVER_TIMING.findall(header or "")}


async def load(
    session: aiohttp.ClientSession,
    url: str,
    concurrency: int,
    seconds: float,
    check: Callable[[int, bytes], None],
) -> tuple[list[float], dict[str, list[float]], int, float]:
    """`concurrency` clients asking for `url` back to back for `seconds`.

    Returns each request's seconds, the Server-Timing figures (ms) seen by name, the
    bytes of the last body, and the time from the start to the last answer.
    """
    latencies: list[float] = []
    timings: dict[str, list[float]] = {}
    sizes = [0]
    start = time.perf_counter()
    end = start + seconds

    async def client() -> None:
        while (began := time.perf_counter()) < end:
            async with session.get(url, allow_redirects=False) as response:
                body = await response.read()
                header = response.headers.get("Server-Timing")
            latencies.append(time.perf_counter() - began)
            check(response.status, body)
            for name, value in server_timing(header).items():
                timings.setdefault(name, []).append(value)
            sizes[0] = len(body)

    await asyncio.gather(*(client() for _ in range(concurrency)))
    return latencies, timings, sizes[0], time.perf_counter() - start


def percentile(values: Sequence[float], share: int) -> float:
    if len(values) < 2:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[share - 1]


async def measure_server(
    served: Served, server: Server, duration: float, warmup: float
) -> list[Measurement]:
    jar = aiohttp.CookieJar(unsafe=True)  # cookies from 127.0.0.1 (an IP address) too
    connector = aiohttp.TCPConnector(limit=max(CONCURRENCIES))
    async with aiohttp.ClientSession(cookie_jar=jar, connector=connector) as session:
        await sign_in(session, server.base_url)
        results = []
        for scenario in scenarios(served):
            url = server.base_url + scenario.path
            expected = expected_entries(served.url, scenario)
            async with session.get(url, allow_redirects=False) as response:
                body = await response.read()
                if response.status != 200:
                    raise BenchError(f"GET {scenario.path} answered {response.status}, not 200")
            check_page(body, expected, scenario)

            def check(status: int, body: bytes, scenario: Scenario = scenario) -> None:
                articles = len(ARTICLE.findall(body))
                if status != 200 or articles != PAGE_SIZE:
                    raise BenchError(
                        f"GET {scenario.path} answered {status} with {articles} articles"
                        " during the run"
                    )

            for concurrency in CONCURRENCIES:
                await load(session, url, concurrency, warmup, check)
                load_average = os.getloadavg()[0]
                cpu = cpu_seconds(server.pid)
                latencies, timings, size, elapsed = await load(
                    session, url, concurrency, duration, check
                )
                cpu = cpu_seconds(server.pid) - cpu
                measurement = Measurement(
                    database=served.label,
                    scenario=scenario.name,
                    concurrency=concurrency,
                    requests=len(latencies),
                    seconds=elapsed,
                    p50_ms=percentile(latencies, 50) * 1000,
                    p99_ms=percentile(latencies, 99) * 1000,
                    server_cpu_ms=cpu * 1000 / len(latencies),
                    server_timing={
                        name: statistics.median(values) for name, values in timings.items()
                    },
                    body_kib=size / 1024,
                    load=load_average,
                )
                print(f"   {row(measurement)}", flush=True)
                results.append(measurement)
        return results


# --- report --------------------------------------------------------------------------

TIMINGS = ("total", "db", "render")
HEADER = (
    f"{'database':<16} {'request':<16} {'conc':>4} {'requests':>8} {'p50 ms':>7}"
    f" {'p99 ms':>7} {'req/s':>7} {'CPU ms':>7} {'app':>6} {'db':>6} {'render':>6}"
    f" {'KiB':>5} {'load':>5}"
)


def row(m: Measurement) -> str:
    timings = [m.server_timing.get(name) for name in TIMINGS]
    app = " ".join("     -" if value is None else f"{value:6.1f}" for value in timings)
    return (
        f"{m.database:<16} {m.scenario:<16} {m.concurrency:>4} {m.requests:>8}"
        f" {m.p50_ms:7.1f} {m.p99_ms:7.1f} {m.rate:7.1f} {m.server_cpu_ms:7.1f}"
        f" {app} {m.body_kib:5.0f} {m.load:5.1f}"
    )


def describe(served: Served) -> str:
    search = (
        f"search word {served.search_word!r} in {served.matches} entries"
        f" ({100 * served.matches / served.entries:.1f}%)"
        if served.search_word is not None
        else "search not measured"
    )
    return (
        f"{served.label}: {served.entries} entries, {served.unread} unread"
        f" ({100 * served.unread / served.entries:.1f}%), {search};"
        f" {served.size_bytes / MIB:.0f} MiB; {served.origin}"
    )


def report_targets(results: Sequence[Measurement], databases: Sequence[Served]) -> None:
    """Each judged figure beside FreshRSS's and the issue's target. FreshRSS's figures
    and the first three targets are for the farm's entries; the last is for the page
    with 1,000,000 entries."""
    print("\n== against FreshRSS (the issue's figures, on the same 35,000 entries) and targets")
    print("   speed-up: FreshRSS's p50 / newsriver's, or newsriver's requests/s / FreshRSS's")
    print(
        f"   {'database':<16} {'figure':<28} {'newsriver':>9} {'FreshRSS':>8} {'speed-up':>8}"
        f"  {'target':<9} verdict"
    )
    found = {(m.database, m.scenario, m.concurrency): m for m in results}
    for served in databases:
        for scenario in scenarios(served):
            single = found.get((served.label, scenario.name, 1))
            crowd = found.get((served.label, scenario.name, max(CONCURRENCIES)))
            if single is None or crowd is None:
                continue
            for figure, ours, peer, sense, target in judged_figures(
                served, scenario, single, crowd
            ):
                met = ours <= target if sense == "<=" else ours >= target
                ratio, freshrss = "-", "-"
                if peer is not None:
                    ratio = f"{peer / ours if sense == '<=' else ours / peer:.2f}x"
                    freshrss = f"{peer:g}"
                name = f"{scenario.name}, {figure}"
                size = f"--n {FARM_FEEDS}" if served.kind == "farm" else f"--million {MILLION}"
                verdict = ("PASS" if met else "MISS") if served.judged else f"not judged ({size})"
                print(
                    f"   {served.label:<16} {name:<28} {ours:9.1f} {freshrss:>8} {ratio:>8}"
                    f"  {sense} {target:<6g} {verdict}"
                )


def judged_figures(
    served: Served, scenario: Scenario, single: Measurement, crowd: Measurement
) -> list[tuple[str, float, float | None, str, float]]:
    """(figure, newsriver's value, FreshRSS's or None, "<=" or ">=", target) to print."""
    p50, rate = "p50 ms @1", f"req/s @{crowd.concurrency}"
    if served.kind == "million":
        if scenario.search is None:
            return [(p50, single.p50_ms, None, "<=", TARGET_MILLION_PAGE_P50_MS)]
        return []
    if scenario.search is not None:
        return [(p50, single.p50_ms, FRESHRSS_SEARCH_P50_MS, "<=", TARGET_SEARCH_P50_MS)]
    return [
        (p50, single.p50_ms, FRESHRSS_PAGE_P50_MS, "<=", TARGET_PAGE_P50_MS),
        (rate, crowd.rate, FRESHRSS_PAGE_RATE, ">=", TARGET_PAGE_RATE),
    ]


# --- main ----------------------------------------------------------------------------


def add_server_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of a benchmark that serves the farm (this one and bench/api.py)."""
    add = parser.add_argument
    add("--n", type=int, default=FARM_FEEDS, help=f"feeds in the farm (default {FARM_FEEDS})")
    add("--backend", choices=tuple(BACKENDS), default="sqlite", help="newsriver's database")
    add("--duration", type=float, default=20.0, help="seconds per measurement (default 20)")
    add(
        "--workers",
        type=int,
        default=1,
        help="web processes of `newsriver serve` (default 1; one per core uses them all)",
    )
    add("--pg-server", default=PG_SERVER, help=f"user@host:port of PostgreSQL ({PG_SERVER})")


def parse_arguments(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    add_server_arguments(parser)
    add = parser.add_argument
    add("--skip-million", action="store_true", help="measure the farm's entries only")
    add("--million", type=int, default=MILLION, help=f"generated entries (default {MILLION})")
    add("--fresh-million", action="store_true", help="generate again, even if cached")
    add(
        "--index-budget",
        type=float,
        help="seconds allowed to index the generated entries, or search is not measured"
        " on them (default: 600 on SQLite, whose database is kept; 180 on PostgreSQL)",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str]) -> int:
    if argv[:1] == ["_index"]:
        return index_child(argv[1:])
    arguments = parse_arguments(argv)
    backends = BACKENDS[arguments.backend]
    print(f"machine: {machine()}")
    print(f"versions: {versions(backends, arguments.pg_server)}")
    warmup = min(2.0, arguments.duration / 4)
    print(f"server: newsriver serve --workers {arguments.workers}")
    print(
        f"each measurement: {arguments.duration:g} s after a {warmup:g} s warm-up, concurrency"
        f" {' and '.join(map(str, CONCURRENCIES))}; CPU ms: the server's CPU time per request;"
        " app, db, render: p50 of the page's own Server-Timing (total, queries, template)"
    )
    started = time.perf_counter()
    results: list[Measurement] = []
    databases: list[Served] = []
    try:
        with tempfile.TemporaryDirectory(prefix="newsriver-bench-web-") as scratch:
            work = Path(scratch)
            for backend in backends:
                for title, make in makers(arguments, backend, work):
                    print(f"\n{title} ... (load {os.getloadavg()[0]:.1f})", flush=True)
                    with make() as served:
                        print(f"   {describe(served)}")
                        print(f"   {HEADER}")
                        databases.append(served)
                        with server_running(served, work, arguments.workers) as server:
                            results += asyncio.run(
                                measure_server(served, server, arguments.duration, warmup)
                            )
    except BenchError as error:
        print(f"web.py: {error}", file=sys.stderr)
        return 1
    report_targets(results, databases)
    print(f"\nweb.py took {time.perf_counter() - started:.0f} s")
    return 0


def makers(
    arguments: argparse.Namespace, backend: str, work: Path
) -> list[tuple[str, Callable[[], contextlib.AbstractContextManager[Served]]]]:
    """The databases to measure on `backend`, each made when its turn comes."""
    found: list[tuple[str, Callable[[], contextlib.AbstractContextManager[Served]]]] = [
        (
            f"farm of {arguments.n} feeds on {backend}",
            lambda: farm_database(backend, arguments.n, work, arguments.pg_server),
        )
    ]
    if not arguments.skip_million:
        found.append(
            (
                f"{arguments.million} generated entries on {backend}",
                lambda: million_database(
                    backend,
                    arguments.million,
                    work,
                    arguments.pg_server,
                    fresh=arguments.fresh_million,
                    index_budget=arguments.index_budget or INDEX_BUDGET[backend],
                ),
            )
        )
    return found


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
