"""Refresh benchmark: `newsriver refresh --all` against lemon24/reader, on a local feed farm.

Run with `make bench` (or `.venv/bin/python bench/refresh.py [--n 10000] [--backend both]`).
See bench/README.md for what each printed figure means. This prints figures; it is not a
test and never fails on a missed target. It exits 1 when a contender's command fails.

Each contender gets a fresh `../shared/bench/feedfarm.py` (same seed, epoch and port, so
the same bytes), subscribes to every feed of the farm's OPML listing, then refreshes
three times:

- cold: every feed fetched and every item stored for the first time;
- not modified: again at once, so that every feed answers 304 to the validators (ETag,
  Last-Modified) saved by the cold pass;
- advanced: after `/_admin/advance?frac=0.1&new=5`, about one feed in ten has 5 new items.

Every refresh is a process of its own, timed from outside (wall) and from inside (the
seconds it reports); its peak RSS comes from `os.wait4`. newsriver runs its CLI (`db
upgrade`, `user add`, `import`, `refresh --all --json`) on SQLite and/or PostgreSQL;
reader runs `make_reader`, `import_feeds` and `update_feeds_iter` in a child of this
script (`bench/refresh.py _reader ...`).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib.metadata
import json
import os
import platform
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import aiohttp
import psycopg
from psycopg import sql

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
FARM_SCRIPT = REPO.parent / "shared" / "bench" / "feedfarm.py"
# `--rotate-new 1`: one new item per advance step, so that `new=5` means 5 new items
# (with the farm's default of 2 per step, `new=5` reveals 6).
FARM_ARGS = ("--seed", "1", "--rotate-new", "1")
ADVANCE = {"frac": "0.1", "new": "5"}
ATOM_ENTRY = "{http://www.w3.org/2005/Atom}entry"
USER = "bench"
PG_SERVER = "postgres@127.0.0.1:5432"
BACKENDS = {"sqlite": ("sqlite",), "postgresql": ("postgresql",), "both": ("sqlite", "postgresql")}
PHASES = ("cold", "not modified", "advanced")
SUMMARY_KEYS = ("feeds", "ok", "not_modified", "failed", "new_entries", "seconds")
TARGET_FEEDS = 1000  # the two cold-refresh targets are set for this many feeds
TARGET_SPEEDUP = 10.0
TARGET_COLD_SECONDS = 8.0
TARGET_NOT_MODIFIED_RATE = 1000.0
TARGET_RSS_FEEDS = 10_000
TARGET_RSS_MIB = 300.0
FARM_START_SECONDS = 30.0
FETCH_CONCURRENCY = 16
MIB = 1 << 20


class BenchError(Exception):
    """A step failed: the message's first line says which, then what it printed."""


@dataclass(frozen=True, slots=True)
class Farm:
    """A running feed farm: where it answers, and what it serves."""

    base_url: str
    opml: Path
    feed_urls: tuple[str, ...]
    # Items in all feeds as first served, counted in the feeds' bodies before any refresh.
    items: int

    def admin(self, action: str, **query: str) -> dict[str, object]:
        url = f"{self.base_url}/_admin/{action}?{urlencode(query)}"
        with urllib.request.urlopen(url, timeout=30) as response:
            answer: dict[str, object] = json.loads(response.read())
        return answer


@dataclass(frozen=True, slots=True)
class Finished:
    """A child process that has ended, with what it printed and what it cost."""

    returncode: int
    stdout: str
    stderr: str
    wall: float
    # ru_maxrss from wait4: the peak resident set of the child, in KiB on Linux.
    rss_kib: int


@dataclass(frozen=True, slots=True)
class Refresh:
    """One refresh process: the summary it printed, and what was measured around it."""

    wall: float
    # The `seconds` of the summary: the refresh alone, without interpreter start-up.
    own: float
    rss_kib: int
    feeds: int
    ok: int
    not_modified: int
    failed: int
    new_entries: int
    # What the farm answered meanwhile: full bodies, and 304 Not Modified.
    served_full: int
    served_304: int


@dataclass(frozen=True, slots=True)
class Run:
    """One contender's three refreshes over its own farm."""

    label: str
    is_reader: bool
    refreshes: tuple[Refresh, Refresh, Refresh]
    database_bytes: int
    items_served: int
    # Feeds the farm advanced before the third refresh.
    advanced_feeds: int


# --- processes -----------------------------------------------------------------------


def run_measured(
    command: Sequence[str], *, env: dict[str, str] | None = None, stdin: str | None = None
) -> Finished:
    """Run `command` to its end; wall time and peak RSS are its own, not this process's.

    Output goes to temporary files rather than pipes, so nothing needs reading while the
    child runs, and `os.wait4` can reap it to get its resource usage.
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL if stdin is None else subprocess.PIPE,
            stdout=out,
            stderr=err,
            env=env,
        )
        if process.stdin is not None:
            with process.stdin:
                process.stdin.write((stdin or "").encode())
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Finished(
            returncode=process.returncode,
            stdout=out.read().decode(errors="replace"),
            stderr=err.read().decode(errors="replace"),
            wall=wall,
            rss_kib=usage.ru_maxrss,
        )


def checked(finished: Finished, what: str) -> Finished:
    """`finished`, or a `BenchError` naming `what` with the tail of its stderr."""
    if finished.returncode == 0:
        return finished
    tail = finished.stderr.strip().splitlines()[-8:] or ["(nothing on stderr)"]
    lines = "\n".join(f"    {line}" for line in tail)
    raise BenchError(f"`{what}` failed with exit code {finished.returncode}; it said:\n{lines}")


def summary(finished: Finished, what: str) -> dict[str, float]:
    """The one-line JSON summary a refresh printed last on stdout."""
    lines = [line for line in finished.stdout.splitlines() if line.startswith("{")]
    try:
        data = json.loads(lines[-1])
        return {key: float(data[key]) for key in SUMMARY_KEYS}
    except (IndexError, ValueError, KeyError, TypeError) as error:
        tail = finished.stdout.strip()[-300:] or "(nothing)"
        raise BenchError(f"`{what}` printed no JSON summary with {SUMMARY_KEYS}: {tail}") from error


# --- the feed farm -------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextlib.contextmanager
def farm_running(n: int, port: int, epoch: int, work: Path) -> Iterator[Farm]:
    """A fresh farm of `n` feeds on `port`, counted and warmed; stopped on leaving.

    Every farm gets the same seed, epoch and port, so each contender is served the same
    bytes: the farm cannot be rewound (`/_admin/reset` only zeroes its counters, and
    `advance` cannot be undone), so a contender never inherits another's farm.
    """
    command = [sys.executable, str(FARM_SCRIPT), *FARM_ARGS]
    command += ["--port", str(port), "--n", str(n), "--epoch", str(epoch)]
    log = work / "farm.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT)
    try:
        base_url = f"http://127.0.0.1:{port}"
        wait_until_up(process, base_url, log)
        yield prepared(base_url, work)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_until_up(process: subprocess.Popen[bytes], base_url: str, log: Path) -> None:
    deadline = time.monotonic() + FARM_START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            said = log.read_text(errors="replace").strip().splitlines()[-1:] or ["nothing"]
            raise BenchError(f"feedfarm.py exited with code {process.returncode}: {said[0]}")
        with contextlib.suppress(OSError):
            urllib.request.urlopen(f"{base_url}/_admin/stats", timeout=1).close()
            return
        time.sleep(0.05)
    raise BenchError(f"feedfarm.py did not answer on {base_url} within {FARM_START_SECONDS:g} s")


def prepared(base_url: str, work: Path) -> Farm:
    """Download the OPML listing, count the items of every feed, zero the counters.

    Counting fetches every feed once, which also makes the farm render and cache it: the
    farm renders lazily, at about 120 feeds/s, so an unwarmed farm would time itself
    rather than the first contender.
    """
    with urllib.request.urlopen(f"{base_url}/opml", timeout=30) as response:
        listing = response.read()
    opml = work / "farm.opml"
    opml.write_bytes(listing)
    feed_urls = tuple(
        url for outline in ElementTree.fromstring(listing).iter("outline")
        if (url := outline.get("xmlUrl"))
    )  # fmt: skip
    farm = Farm(base_url, opml, feed_urls, asyncio.run(count_items(feed_urls)))
    farm.admin("reset")
    return farm


async def count_items(feed_urls: Sequence[str]) -> int:
    """Items in all feeds: RSS `channel/item` and Atom `entry` elements, parsed."""
    limit = asyncio.Semaphore(FETCH_CONCURRENCY)

    async def count(session: aiohttp.ClientSession, url: str) -> int:
        async with limit, session.get(url) as response:
            response.raise_for_status()
            body = await response.read()
        root = ElementTree.fromstring(body)
        return len(root.findall("channel/item")) + len(root.findall(ATOM_ENTRY))

    async with aiohttp.ClientSession() as session:
        return sum(await asyncio.gather(*(count(session, url) for url in feed_urls)))


def served(farm: Farm) -> tuple[int, int]:
    """Full answers and 304s the farm gave since its counters were last reset."""
    stats = farm.admin("stats")
    full, not_modified = stats.get("feed_200"), stats.get("feed_304")
    assert isinstance(full, int), f"farm stats: {stats}"
    assert isinstance(not_modified, int), f"farm stats: {stats}"
    return full, not_modified


def advance(farm: Farm) -> int:
    """Give new items to a fraction of the feeds; return how many feeds got them."""
    advanced = farm.admin("advance", **ADVANCE).get("advanced")
    assert isinstance(advanced, int), f"farm advance answered {advanced!r}"
    return advanced


def refresh_phases(
    farm: Farm, refresh: Callable[[], tuple[Finished, dict[str, float]]]
) -> tuple[tuple[Refresh, Refresh, Refresh], int]:
    """The three refreshes of PHASES, and how many feeds were advanced before the last."""

    def one() -> Refresh:
        farm.admin("reset")
        finished, numbers = refresh()
        full, not_modified = served(farm)
        return Refresh(
            wall=finished.wall,
            own=numbers["seconds"],
            rss_kib=finished.rss_kib,
            feeds=int(numbers["feeds"]),
            ok=int(numbers["ok"]),
            not_modified=int(numbers["not_modified"]),
            failed=int(numbers["failed"]),
            new_entries=int(numbers["new_entries"]),
            served_full=full,
            served_304=not_modified,
        )

    cold, unchanged = one(), one()
    advanced_feeds = advance(farm)
    return (cold, unchanged, one()), advanced_feeds


# --- newsriver -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Database:
    """Where newsriver stores its data, and how big that is now."""

    url: str | None
    size: Callable[[], int]


@contextlib.contextmanager
def database(backend: str, data_dir: Path, pg_server: str) -> Iterator[Database]:
    """SQLite in `data_dir` (newsriver's default), or a fresh PostgreSQL database.

    The PostgreSQL database is dropped on leaving, also on errors.
    """
    if backend == "sqlite":
        yield Database(None, lambda: sqlite_bytes(data_dir, "*.db"))
        return
    name = f"newsriver_bench_{os.getpid()}"
    failure = f"cannot create database {name} on {pg_server}"
    try:
        admin = psycopg.connect(f"postgresql://{pg_server}/postgres", autocommit=True)
    except psycopg.Error as error:
        raise BenchError(f"{failure}: {one_line(error)}") from error
    with admin:
        drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        try:
            admin.execute(drop)
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        except psycopg.Error as error:
            raise BenchError(f"{failure}: {one_line(error)}") from error
        try:
            url = f"postgresql+psycopg://{pg_server}/{name}"
            yield Database(url, lambda: pg_bytes(admin, name))
        finally:
            admin.execute(drop)


def one_line(error: Exception) -> str:
    return " ".join(str(error).split())


def sqlite_bytes(folder: Path, pattern: str) -> int:
    """Bytes of the SQLite files matching `pattern` in `folder`, with their write-ahead logs."""
    files = [*folder.glob(pattern), *folder.glob(f"{pattern}-wal")]
    return sum(path.stat().st_size for path in files)


def pg_bytes(admin: psycopg.Connection[tuple[object, ...]], name: str) -> int:
    row = admin.execute("SELECT pg_database_size(%s)", (name,)).fetchone()
    assert row is not None, f"no pg_database_size for {name}"
    assert isinstance(row[0], int), f"pg_database_size: {row}"
    return row[0]


def newsriver_env(data_dir: Path, database_url: str | None) -> dict[str, str]:
    """This environment without the developer's NEWSRIVER_* settings, plus the bench's."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("NEWSRIVER_")}
    env["NEWSRIVER_DATA_DIR"] = str(data_dir)
    env["NEWSRIVER_ALLOW_PRIVATE_NETWORKS"] = "1"
    if database_url is not None:
        env["NEWSRIVER_DATABASE_URL"] = database_url
    return env


def run_newsriver(backend: str, farm: Farm, work: Path, pg_server: str) -> Run:
    data_dir = work / f"newsriver-{backend}"
    data_dir.mkdir()
    with database(backend, data_dir, pg_server) as store:
        env = newsriver_env(data_dir, store.url)

        def cli(*arguments: str, stdin: str | None = None) -> Finished:
            what = " ".join(("python -m newsriver", *arguments))
            command = [sys.executable, "-m", "newsriver", *arguments]
            return checked(run_measured(command, env=env, stdin=stdin), what)

        cli("db", "upgrade")
        cli("user", "add", USER, "--password-stdin", stdin="bench-password\n")
        cli("import", str(farm.opml), "--user", USER)
        sizes: list[int] = []

        def refresh() -> tuple[Finished, dict[str, float]]:
            finished = cli("refresh", "--all", "--json")
            if not sizes:
                sizes.append(store.size())
            return finished, summary(finished, "python -m newsriver refresh --all --json")

        refreshes, advanced_feeds = refresh_phases(farm, refresh)
    return Run(f"newsriver {backend}", False, refreshes, sizes[0], farm.items, advanced_feeds)


# --- reader --------------------------------------------------------------------------


def run_reader(workers: int, farm: Farm, work: Path) -> Run:
    """reader over the farm, each step in a child process so that its RSS is its own."""
    db = work / f"reader-{workers}.sqlite"
    child = [sys.executable, str(Path(__file__).resolve()), "_reader"]
    what = f"bench/refresh.py _reader ... (reader, workers={workers})"
    imported = checked(run_measured([*child, "import", str(db), str(farm.opml)]), what)
    if json.loads(imported.stdout) != {"feeds": len(farm.feed_urls)}:
        raise BenchError(f"reader imported {imported.stdout.strip()} of {farm.opml}")
    sizes: list[int] = []

    def refresh() -> tuple[Finished, dict[str, float]]:
        finished = checked(run_measured([*child, "update", str(db), str(workers)]), what)
        if not sizes:
            sizes.append(sqlite_bytes(db.parent, db.name))
        return finished, summary(finished, what)

    refreshes, advanced_feeds = refresh_phases(farm, refresh)
    label = f"reader, workers={workers}"
    return Run(label, True, refreshes, sizes[0], farm.items, advanced_feeds)


def reader_child(argv: Sequence[str]) -> int:
    """In a child process: `import DB OPML` subscribes, `update DB WORKERS` refreshes.

    `update` prints newsriver's summary shape. `scheduled=False` updates every feed, as
    `refresh --all` does: since reader 3.21 only feeds that are due are updated by default,
    and after the cold pass none is due for an hour.
    """
    provide_sgmllib()
    from reader import UpdateError, make_reader

    action, path, argument = argv
    reader = make_reader(path)
    try:
        if action == "import":
            with Path(argument).open("rb") as opml:
                reader.import_feeds(opml)
            print(json.dumps({"feeds": reader.get_feed_counts().total}))
            return 0
        counts = dict.fromkeys(SUMMARY_KEYS, 0.0)
        start = time.perf_counter()
        for result in reader.update_feeds_iter(scheduled=False, workers=int(argument)):
            counts["feeds"] += 1
            if isinstance(result.value, UpdateError):
                counts["failed"] += 1
            elif result.value is None:
                counts["not_modified"] += 1
            else:
                counts["ok"] += 1
                counts["new_entries"] += result.value.new
        counts["seconds"] = time.perf_counter() - start
        print(json.dumps(counts))
        return 0
    finally:
        reader.close()


def provide_sgmllib() -> None:
    """Let reader's vendored feedparser `import sgmllib` when sgmllib3k is absent.

    reader (3.26 at least) vendors a feedparser that imports `sgmllib`, and relies on
    the installed feedparser to pull in sgmllib3k, which provides it. Newer feedparsers
    (6.0.14 at least) depend on feedparser-sgmllib instead, a maintained copy of the
    same module under another name, so reader fails at import. Used this way, the copies
    differ in one place only: a malformed `<!` declaration in an item's HTML raises
    NameError instead of SGMLParseError. The farm's feeds have none.
    """
    try:
        importlib.import_module("sgmllib")
    except ModuleNotFoundError:
        sys.modules["sgmllib"] = importlib.import_module("feedparser_sgmllib")


# --- report --------------------------------------------------------------------------


def versions(backends: Sequence[str], pg_server: str) -> str:
    def version(package: str) -> str:
        try:
            return f"{package} {importlib.metadata.version(package)}"
        except importlib.metadata.PackageNotFoundError:
            return f"{package} (not installed)"

    names = [version(name) for name in ("newsriver", "reader", "feedparser", "aiohttp")]
    names.append(f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}")
    if "postgresql" in backends:
        try:
            with psycopg.connect(f"postgresql://{pg_server}/postgres") as connection:
                row = connection.execute("SHOW server_version").fetchone()
            server = f"PostgreSQL {row[0] if row else '?'}"
        except psycopg.Error:
            server = f"PostgreSQL unreachable at {pg_server}"
        names.append(f"{server} ({version('psycopg')})")
    return ", ".join(names)


def machine() -> str:
    model = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    cores = f"{os.cpu_count()} cores ({len(os.sched_getaffinity(0))} usable)"
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / (1 << 30)
    load = ", ".join(f"{figure:.1f}" for figure in os.getloadavg())
    return f"{cores}, {model}, {memory:.1f} GiB RAM, load {load}; {platform.platform()}"


def report(runs: Sequence[Run], n: int) -> None:
    print(f"\n== {n} feeds, {runs[0].items_served} items")
    print("   wall: seconds around the refresh process; own: the seconds it reported itself")
    print("   feeds/s and x faster (reader's wall / newsriver's wall) are computed on wall")
    if sum(run.is_reader for run in runs) > 1:
        print("   x faster compares with reader's fastest worker count in each phase")
    header = f"{'phase':<13} {'contender':<20} {'wall s':>7} {'own s':>7} {'feeds/s':>8}"
    print(f"   {header} {'x faster':>8} {'200/304':>11} {'new':>7} {'RSS MiB':>8}")
    for index, phase in enumerate(PHASES):
        fastest = best_reader(runs, index)
        for position, run in enumerate(runs):
            one = run.refreshes[index]
            name = phase if position == 0 else ""
            ratio = "-" if run.is_reader or fastest is None else f"{fastest.wall / one.wall:.1f}"
            figures = f"{one.wall:7.2f} {one.own:7.2f} {one.feeds / one.wall:8.0f} {ratio:>8}"
            answers = f"{one.served_full}/{one.served_304}"
            counts = f"{answers:>11} {one.new_entries:7d} {one.rss_kib / 1024:8.1f}"
            print(f"   {name:<13} {run.label:<20} {figures} {counts}")
    print("   database after the cold refresh (files with their -wal, or pg_database_size):")
    for run in runs:
        print(f"   {'':<13} {run.label:<20} {run.database_bytes / MIB:7.1f} MiB")
    report_targets(runs, n)
    report_checks(runs, n)


def best_reader(runs: Sequence[Run], index: int) -> Refresh | None:
    """reader's fastest refresh in this phase, over the worker counts tried."""
    refreshes = [run.refreshes[index] for run in runs if run.is_reader]
    return min(refreshes, key=lambda refresh: refresh.wall, default=None)


def report_targets(runs: Sequence[Run], n: int) -> None:
    """Each newsriver run against the issue's targets, judged on wall time.

    The two cold-refresh targets are set for 1,000 feeds and the RSS one for 10,000, so
    at other sizes they are printed but not judged.
    """
    print("\n== targets (judged on wall time)")
    print(f"   {'contender':<20} {'figure':<16} {'measured':>16}  {'target':<12} verdict")
    fastest_cold = best_reader(runs, 0)
    cold_size, rss_size = f"--n {TARGET_FEEDS}", f"--n {TARGET_RSS_FEEDS}"
    for run in runs:
        if run.is_reader:
            continue
        cold, unchanged = run.refreshes[0], run.refreshes[1]
        rows = []
        if fastest_cold is not None:
            speedup = fastest_cold.wall / cold.wall
            verdict = judged(n == TARGET_FEEDS, speedup >= TARGET_SPEEDUP, cold_size)
            target = f">= {TARGET_SPEEDUP:g}x"
            rows.append(("cold: x faster", f"{speedup:.1f}x", target, verdict))
        verdict = judged(n == TARGET_FEEDS, cold.wall <= TARGET_COLD_SECONDS, cold_size)
        target = f"<= {TARGET_COLD_SECONDS:g} s"
        rows.append(("cold: seconds", f"{cold.wall:.2f} s", target, verdict))
        rate, own_rate = unchanged.feeds / unchanged.wall, unchanged.feeds / unchanged.own
        verdict = judged(True, rate >= TARGET_NOT_MODIFIED_RATE, "")
        target = f">= {TARGET_NOT_MODIFIED_RATE:g}"
        rows.append(("all 304: feeds/s", f"{rate:.0f} (own {own_rate:.0f})", target, verdict))
        peak = max(refresh.rss_kib for refresh in run.refreshes) / 1024
        verdict = judged(n >= TARGET_RSS_FEEDS, peak <= TARGET_RSS_MIB, rss_size)
        rows.append(("peak RSS", f"{peak:.1f} MiB", f"<= {TARGET_RSS_MIB:g} MiB", verdict))
        for figure, measured, target, verdict in rows:
            print(f"   {run.label:<20} {figure:<16} {measured:>16}  {target:<12} {verdict}")
    if all(run.is_reader for run in runs):
        print("   (none judged: newsriver was not measured)")


def judged(applies: bool, met: bool, size: str) -> str:
    if not applies:
        return f"not judged: the target is for {size}"
    return "met" if met else "MISSED"


def report_checks(runs: Sequence[Run], n: int) -> None:
    """Whether each contender stored what the farm served, once, and asked conditionally."""
    print("\n== checks")
    items = sorted({run.items_served for run in runs})
    print(f"   every farm served the same items: {yes(len(items) == 1)} ({items})")
    new_items = int(ADVANCE["new"])
    for run in runs:
        cold, unchanged, advanced = run.refreshes
        stored_once = cold.new_entries == run.items_served and cold.failed == 0
        print(
            f"   {run.label}: entries stored once: {yes(stored_once)} ({cold.new_entries} new"
            f" entries in the cold refresh; the farm served {run.items_served} items)"
        )
        all_304 = unchanged.served_304 == n == unchanged.not_modified
        print(
            f"   {run.label}: all 304: {yes(all_304 and unchanged.new_entries == 0)}"
            f" ({unchanged.served_304} of {n} feeds answered 304, {unchanged.not_modified}"
            f" counted not modified, {unchanged.new_entries} new entries)"
        )
        wanted = run.advanced_feeds * new_items
        print(
            f"   {run.label}: advanced: {yes(advanced.new_entries == wanted)}"
            f" ({advanced.new_entries} new entries; {run.advanced_feeds} feeds got"
            f" {new_items} items each: {wanted})"
        )


def yes(condition: bool) -> str:
    return "yes" if condition else "no"


# --- main ----------------------------------------------------------------------------


def parse_arguments(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    add = parser.add_argument
    add("--n", type=int, default=TARGET_FEEDS, help=f"feeds in the farm (default {TARGET_FEEDS})")
    add("--backend", choices=tuple(BACKENDS), default="sqlite", help="newsriver's database")
    add("--skip-reader", action="store_true", help="do not measure reader")
    add("--skip-newsriver", action="store_true", help="measure reader alone")
    add(
        "--reader-workers",
        type=worker_counts,
        default=(1,),
        help="comma-separated `update_feeds(workers=...)` values to try (default 1)",
    )
    add("--pg-server", default=PG_SERVER, help=f"user@host:port of PostgreSQL ({PG_SERVER})")
    return parser.parse_args(argv)


def worker_counts(text: str) -> tuple[int, ...]:
    try:
        counts = tuple(int(part) for part in text.split(","))
    except ValueError:
        counts = ()
    if not counts or min(counts) < 1:
        raise argparse.ArgumentTypeError(f"expected positive integers like 1,4: {text!r}")
    return counts


def main(argv: Sequence[str]) -> int:
    if argv[:1] == ["_reader"]:
        return reader_child(argv[1:])
    arguments = parse_arguments(argv)
    backends = () if arguments.skip_newsriver else BACKENDS[arguments.backend]
    workers: tuple[int, ...] = () if arguments.skip_reader else arguments.reader_workers
    # The farm's own default epoch, fixed once, so that farms started later (past
    # midnight, say) still serve the same dates.
    epoch = (int(time.time()) // 86400 - 1) * 86400
    print(f"machine: {machine()}")
    print(f"versions: {versions(backends, arguments.pg_server)}")
    farm = f"{' '.join(FARM_ARGS)} --epoch {epoch} --n {arguments.n}"
    print(f"farm: ../shared/bench/feedfarm.py {farm}, one fresh farm per contender")
    print(f"advance: /_admin/advance?{urlencode(ADVANCE)} before the third refresh")
    try:
        runs = measure_all(arguments, backends, workers, epoch)
    except BenchError as error:
        print(f"refresh.py: {error}", file=sys.stderr)
        return 1
    if runs:
        report(runs, arguments.n)
    return 0


def measure_all(
    arguments: argparse.Namespace, backends: Sequence[str], workers: Sequence[int], epoch: int
) -> list[Run]:
    port = free_port()
    runs = []
    with tempfile.TemporaryDirectory(prefix="newsriver-bench-refresh-") as scratch:
        work = Path(scratch)
        for backend in backends:
            print(f"newsriver on {backend} ... (load {os.getloadavg()[0]:.1f})", flush=True)
            with farm_running(arguments.n, port, epoch, work) as farm:
                runs.append(run_newsriver(backend, farm, work, arguments.pg_server))
        for count in workers:
            print(f"reader with workers={count} ... (load {os.getloadavg()[0]:.1f})", flush=True)
            with farm_running(arguments.n, port, epoch, work) as farm:
                runs.append(run_reader(count, farm, work))
    return runs


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
