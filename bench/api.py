"""API benchmark: the sync APIs under load, beside FreshRSS's and Miniflux's figures.

Run with `make bench` (its last step) or `.venv/bin/python bench/api.py [--duration 3]
[--backend both]`. See bench/README.md for what each printed figure means. This prints
figures; it is not a test and never fails on a missed target. It exits 1 when a step
fails: a command, the server, or an answer that does not hold what it should.

The database is `bench/web.py`'s farm: one user subscribed to the 1,000 feeds of
`../shared/bench/feedfarm.py` (35,404 entries at --seed 1, all unread), stored by
`newsriver refresh --all`. The user gets an API password with Fever enabled (`newsriver
user api-password --fever`) and a REST API key, then `newsriver serve --no-scheduler`
serves it in a process of its own.

An aiohttp client in this process asks, over keep-alive connections, at concurrency 1
and 16, what sync clients ask most:

- Google Reader: the reading list's 1,000 newest items (`stream/contents`, as
  FreshRSS's figures were taken), and its 10,000 newest ids (`stream/items/ids`);
- Fever: `items` pages of 50 walked down with `max_id`, from the newest to the oldest,
  as Fluent Reader fetches articles (it stops at its fetch limit; here every client
  walks to the end, then starts again);
- REST: `/v1/entries?limit=100` (Miniflux's figure), skipped when `/v1` is not served.

Every distinct request is answered once, and checked against the database, before any
is timed: the entry ids, in order, and the totals the protocol sends.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import create_engine, text

from newsriver.service import accounts
from newsriver.store.database import open_database

# `bench.web` and `bench.refresh` (the farm's database, the server, the CPU figures) are
# importable when the repository is on the path, as it is for mypy and ruff.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.refresh import USER, BenchError, machine, versions
from bench.web import (
    BACKENDS,
    CONCURRENCIES,
    FARM_FEEDS,
    Measurement,
    Served,
    add_server_arguments,
    cli,
    cpu_seconds,
    farm_database,
    percentile,
    server_running,
)

API_PASSWORD = "bench-api-password"
GREADER = "/api/greader"
READING_LIST = "user/-/state/com.google/reading-list"
LONG_ID_PREFIX = "tag:google.com,2005:reader/item/"
FEVER = "/api/fever.php"
REST = "/v1"
# The page sizes asked for: Google Reader's largest, its ids listing's largest, Fever's
# only one, and the REST listing of Miniflux's figure.
CONTENTS_N = 1000
IDS_N = 10_000
FEVER_PAGE = 50
REST_LIMIT = 100
# Fluent Reader's first `max_id`: JavaScript's largest exact integer.
FLUENT_FIRST_MAX_ID = 2**53 - 1
MIB = 1 << 20
# The requests the issue gives figures for (see JUDGED).
CONTENTS = f"greader contents n={CONTENTS_N}"
ENTRIES = f"rest entries limit={REST_LIMIT}"

# Measured by the author on the same 35,000 farm entries (neither runs here:
# this machine has no PHP and no Go): FreshRSS's `stream/contents` n=1000 at concurrency 1 (p50)
# and 16 (requests/s), Miniflux's `/v1/entries?limit=100` at concurrency 1 (p50).
FRESHRSS_CONTENTS_P50_MS = 55.0
FRESHRSS_CONTENTS_RATE = 33.0
MINIFLUX_ENTRIES_P50_MS = 173.0
# The targets: 3x FreshRSS's requests/s, and a p50 for the REST listing.
TARGET_CONTENTS_RATE = 3 * FRESHRSS_CONTENTS_RATE
TARGET_ENTRIES_P50_MS = 30.0

Answer = Any  # parsed JSON, as read by each protocol's reader below


@dataclass(frozen=True, slots=True)
class Access:
    """What the three APIs' clients present: Google Reader's token is asked for at
    ClientLogin once the server runs, with the user's name and API password."""

    fever_key: str
    rest_token: str


@dataclass(frozen=True, slots=True)
class Probe:
    """One request, and what its answer must hold."""

    method: str
    path: str
    form: dict[str, str] | None
    # The entry ids the answer lists, in its order.
    ids: tuple[int, ...]
    # The total the protocol sends with them (Fever, REST), or None.
    total: int | None
    # Found once per listed entry in the answer's bytes: what is counted during the run,
    # where parsing every answer would take the client's CPU from the server's.
    marker: bytes


@dataclass(frozen=True, slots=True)
class Scenario:
    """One kind of request, made by every client in turn over its probes."""

    name: str
    headers: dict[str, str]
    probes: tuple[Probe, ...]
    # The listed entry ids and the total (None when the protocol sends none).
    read: Callable[[Answer], tuple[list[int], int | None]]
    # Whether the server may not serve it yet (then it is reported, not measured).
    optional: bool = False


@dataclass(slots=True)
class Run:
    """What `load` saw: each request's seconds, the bytes received, the time taken."""

    latencies: list[float] = field(default_factory=list)
    received: int = 0
    seconds: float = 0.0


# --- the database --------------------------------------------------------------------


def grant_api_access(served: Served) -> Access:
    """An API password with Fever through the CLI, as an administrator sets it, and a
    REST API key made in-process: users create theirs in the web settings, and the CLI
    has no counterpart. Fever's key is computed as its clients compute it."""
    stdin = f"{API_PASSWORD}\n"
    cli(served.env, "user", "api-password", USER, "--password-stdin", "--fever", stdin=stdin)
    store = open_database(served.url, upgrade=False)
    try:
        user = accounts.get_user(store, USER)
        rest_token = accounts.create_api_key(store, user.id, "bench/api.py").token
    finally:
        store.close()
    fever_key = hashlib.md5(f"{USER}:{API_PASSWORD}".encode()).hexdigest()
    return Access(fever_key=fever_key, rest_token=rest_token)


@dataclass(frozen=True)
class UserEntries:
    """The user's entry ids, ascending by id and by date (`sort_at`, then id): every
    listing measured is a slice of one of them."""

    by_id: list[int]
    by_date: list[int]


def entry_ids(url: str) -> UserEntries:
    engine = create_engine(url)
    query = (
        "SELECT entry_states.entry_id FROM entry_states"
        " JOIN entries ON entries.id = entry_states.entry_id"
        " WHERE user_id = (SELECT id FROM users WHERE name = :name) ORDER BY "
    )
    try:
        with engine.connect() as connection:
            by_id, by_date = (
                [int(row[0]) for row in connection.execute(text(query + order), {"name": USER})]
                for order in ("entries.id", "entries.sort_at, entries.id")
            )
    finally:
        engine.dispose()
    return UserEntries(by_id, by_date)


# --- the requests --------------------------------------------------------------------


def scenarios(access: Access, greader_token: str, ids: UserEntries) -> list[Scenario]:
    """The requests measured, each with the answers it must get from the user's `ids`."""
    newest = tuple(reversed(ids.by_id))
    greader = {"Authorization": f"GoogleLogin auth={greader_token}"}
    return [
        greader_contents(greader, newest),
        greader_ids(greader, newest),
        Scenario("fever items max_id", {}, fever_walk(access.fever_key, newest), read_fever),
        rest_entries({"X-Auth-Token": access.rest_token}, ids.by_date),
    ]


def greader_contents(headers: dict[str, str], newest: Sequence[int]) -> Scenario:
    """The reading list's newest items, as many as one call gives: FreshRSS's figure."""
    path = f"{GREADER}/reader/api/0/stream/contents/{READING_LIST}?n={CONTENTS_N}&output=json"
    marker = b'"id":"' + LONG_ID_PREFIX.encode()
    probe = Probe("GET", path, None, tuple(newest[:CONTENTS_N]), None, marker)
    return Scenario(CONTENTS, headers, (probe,), read_greader_items)


def greader_ids(headers: dict[str, str], newest: Sequence[int]) -> Scenario:
    """The reading list's newest ids, as many as one call gives: how clients such as
    Reeder learn what is unread before fetching the items they lack."""
    path = f"{GREADER}/reader/api/0/stream/items/ids?s={READING_LIST}&n={IDS_N}&output=json"
    probe = Probe("GET", path, None, tuple(newest[:IDS_N]), None, b'{"id":"')
    return Scenario(f"greader ids n={IDS_N}", headers, (probe,), read_greader_refs)


def rest_entries(headers: dict[str, str], by_date: Sequence[int]) -> Scenario:
    """Miniflux's figure: a page of 100 in the default order, by `published_at`
    ascending (the oldest first), with the total. Optional: `/v1` may not be served."""
    path = f"{REST}/entries?limit={REST_LIMIT}"
    probe = Probe("GET", path, None, tuple(by_date[:REST_LIMIT]), len(by_date), b'"comments_url":')
    return Scenario(ENTRIES, headers, (probe,), read_rest, optional=True)


def fever_walk(api_key: str, newest: Sequence[int]) -> tuple[Probe, ...]:
    """Fluent Reader's walk: `max_id` pages from the newest entry down, each next
    `max_id` the lowest id of the page before, until a page is short (then its fetch
    loop ends). The key goes in the form, as Fever requires."""
    probes = []
    max_id, start = FLUENT_FIRST_MAX_ID, 0
    while True:
        page = tuple(newest[start : start + FEVER_PAGE])
        path = f"{FEVER}?api&items&max_id={max_id}"
        probes.append(Probe("POST", path, {"api_key": api_key}, page, len(newest), b'"feed_id":'))
        if len(page) < FEVER_PAGE:
            return tuple(probes)
        max_id, start = page[-1], start + FEVER_PAGE


def read_greader_items(answer: Answer) -> tuple[list[int], int | None]:
    return [int(item["id"].removeprefix(LONG_ID_PREFIX), 16) for item in answer["items"]], None


def read_greader_refs(answer: Answer) -> tuple[list[int], int | None]:
    return [int(ref["id"]) for ref in answer["itemRefs"]], None


def read_fever(answer: Answer) -> tuple[list[int], int | None]:
    if answer.get("auth") != 1:
        raise ValueError(f"auth is {answer.get('auth')!r}, not 1: the key was refused")
    return [int(item["id"]) for item in answer["items"]], int(answer["total_items"])


def read_rest(answer: Answer) -> tuple[list[int], int | None]:
    return [int(entry["id"]) for entry in answer["entries"]], int(answer["total"])


def check_answer(scenario: Scenario, probe: Probe, status: int, body: bytes) -> None:
    """The answer lists the probe's entries, in order, with the right total; and the
    marker counted during the run is found once per entry."""
    asked = f"{probe.method} {probe.path}"
    if status != 200:
        raise BenchError(f"{asked} answered {status}, not 200: {body[:200]!r}")
    try:
        listed, total = scenario.read(json.loads(body))
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise BenchError(
            f"{asked}: not the protocol's answer ({error!r}): {body[:200]!r}"
        ) from error
    if listed != list(probe.ids):
        raise BenchError(
            f"{asked}: {len(listed)} entries {listed[:3]}... where the database has"
            f" {len(probe.ids)}: {list(probe.ids[:3])}..."
        )
    if total != probe.total:
        raise BenchError(f"{asked}: a total of {total}, where the database has {probe.total}")
    if body.count(probe.marker) != len(listed):
        raise BenchError(f"{asked}: {probe.marker!r} is not found once per entry")


def check_quickly(probe: Probe, status: int, body: bytes) -> None:
    found = body.count(probe.marker)
    if status != 200 or found != len(probe.ids):
        raise BenchError(
            f"{probe.method} {probe.path} answered {status} with {found} entries during the"
            f" run, not {len(probe.ids)}"
        )


# --- load ----------------------------------------------------------------------------


async def client_login(session: aiohttp.ClientSession, base_url: str) -> str:
    """The token of Google Reader's ClientLogin, from its text answer's `Auth=` line."""
    fields = {"Email": USER, "Passwd": API_PASSWORD}
    async with session.post(f"{base_url}{GREADER}/accounts/ClientLogin", data=fields) as response:
        said = await response.text()
        if response.status != 200:
            raise BenchError(f"ClientLogin answered {response.status}: {said[:200]!r}")
    for line in said.splitlines():
        if line.startswith("Auth="):
            return line.removeprefix("Auth=")
    raise BenchError(f"ClientLogin: no Auth= line in {said[:200]!r}")


async def ask(
    session: aiohttp.ClientSession, base_url: str, scenario: Scenario, probe: Probe
) -> tuple[int, bytes]:
    url = base_url + probe.path
    async with session.request(
        probe.method, url, data=probe.form, headers=scenario.headers, allow_redirects=False
    ) as response:
        return response.status, await response.read()


async def load(
    session: aiohttp.ClientSession,
    base_url: str,
    scenario: Scenario,
    concurrency: int,
    seconds: float,
) -> Run:
    """`concurrency` clients making the scenario's requests back to back for `seconds`,
    each going through its probes in turn from its own place (evenly spread), so that
    clients of a walk are at different depths."""
    run = Run()
    probes = scenario.probes
    start = time.perf_counter()
    end = start + seconds

    async def client(place: int) -> None:
        while (began := time.perf_counter()) < end:
            probe = probes[place % len(probes)]
            place += 1
            status, body = await ask(session, base_url, scenario, probe)
            run.latencies.append(time.perf_counter() - began)
            run.received += len(body)
            check_quickly(probe, status, body)

    spacing = len(probes) // concurrency
    await asyncio.gather(*(client(number * spacing) for number in range(concurrency)))
    run.seconds = time.perf_counter() - start
    return run


async def served_here(session: aiohttp.ClientSession, base_url: str, scenario: Scenario) -> bool:
    """Whether the server answers the scenario at all: an optional one answered 404 is
    not served (the REST API may not be there yet)."""
    if not scenario.optional:
        return True
    status, _ = await ask(session, base_url, scenario, scenario.probes[0])
    return status != 404


async def check_all(session: aiohttp.ClientSession, base_url: str, scenario: Scenario) -> float:
    """Every probe asked once, one after another, and checked; returns the seconds it
    took (for the Fever walk: a client's whole first sync)."""
    start = time.perf_counter()
    for probe in scenario.probes:
        status, body = await ask(session, base_url, scenario, probe)
        check_answer(scenario, probe, status, body)
    return time.perf_counter() - start


async def measure_server(
    served: Served, base_url: str, pid: int, access: Access, duration: float, warmup: float
) -> list[Measurement]:
    connector = aiohttp.TCPConnector(limit=max(CONCURRENCIES))
    async with aiohttp.ClientSession(connector=connector) as session:
        token = await client_login(session, base_url)
        results = []
        for scenario in scenarios(access, token, entry_ids(served.url)):
            if not await served_here(session, base_url, scenario):
                print(f"   {scenario.name}: not available (the server answers 404)", flush=True)
                continue
            seconds = await check_all(session, base_url, scenario)
            print(f"   {checked_line(scenario, seconds)}", flush=True)
            for concurrency in CONCURRENCIES:
                await load(session, base_url, scenario, concurrency, warmup)
                load_average = os.getloadavg()[0]
                cpu = cpu_seconds(pid)
                run = await load(session, base_url, scenario, concurrency, duration)
                cpu = cpu_seconds(pid) - cpu
                measurement = measured(served, scenario, concurrency, run, cpu, load_average)
                print(f"   {row(measurement)}", flush=True)
                results.append(measurement)
        return results


def measured(
    served: Served, scenario: Scenario, concurrency: int, run: Run, cpu: float, load: float
) -> Measurement:
    requests = len(run.latencies)
    return Measurement(
        database=served.label,
        scenario=scenario.name,
        concurrency=concurrency,
        requests=requests,
        seconds=run.seconds,
        p50_ms=percentile(run.latencies, 50) * 1000,
        p99_ms=percentile(run.latencies, 99) * 1000,
        server_cpu_ms=cpu * 1000 / requests,
        # The APIs send no Server-Timing header (the reading pages do).
        server_timing={},
        body_kib=run.received / requests / 1024,
        load=load,
    )


# --- report --------------------------------------------------------------------------

HEADER = (
    f"{'database':<16} {'request':<24} {'conc':>4} {'requests':>8} {'p50 ms':>7}"
    f" {'p99 ms':>7} {'req/s':>7} {'CPU ms':>7} {'KiB':>6} {'load':>5}"
)


def row(m: Measurement) -> str:
    return (
        f"{m.database:<16} {m.scenario:<24} {m.concurrency:>4} {m.requests:>8}"
        f" {m.p50_ms:7.1f} {m.p99_ms:7.1f} {m.rate:7.1f} {m.server_cpu_ms:7.1f}"
        f" {m.body_kib:6.0f} {m.load:5.1f}"
    )


def checked_line(scenario: Scenario, seconds: float) -> str:
    entries = sum(len(probe.ids) for probe in scenario.probes)
    asked = len(scenario.probes)
    what = (
        f"{asked} answers ({entries} entries)" if asked > 1 else f"the answer ({entries} entries)"
    )
    return f"{scenario.name}: {what} checked against the database in {seconds:.2f} s"


@dataclass(frozen=True, slots=True)
class Judged:
    """One of the issue's figures: a scenario's p50 at concurrency 1, or its requests/s
    at the highest concurrency, beside a peer's."""

    scenario: str
    # Requests/s (higher is better) rather than the p50 (lower is better).
    rate: bool
    peer: str
    peer_value: float
    # None: shown beside the peer's figure, with no target of its own.
    target: float | None

    @property
    def concurrency(self) -> int:
        return max(CONCURRENCIES) if self.rate else 1

    @property
    def figure(self) -> str:
        return f"req/s @{self.concurrency}" if self.rate else "p50 ms @1"


JUDGED = (
    Judged(CONTENTS, rate=False, peer="FreshRSS", peer_value=FRESHRSS_CONTENTS_P50_MS, target=None),
    Judged(
        CONTENTS,
        rate=True,
        peer="FreshRSS",
        peer_value=FRESHRSS_CONTENTS_RATE,
        target=TARGET_CONTENTS_RATE,
    ),
    Judged(
        ENTRIES,
        rate=False,
        peer="Miniflux",
        peer_value=MINIFLUX_ENTRIES_P50_MS,
        target=TARGET_ENTRIES_P50_MS,
    ),
)


def report_targets(results: Sequence[Measurement], databases: Sequence[Served]) -> None:
    """Each of the issue's figures beside ours, with PASS or MISS where it sets a target
    (judged on the farm of 1,000 feeds only, which the peers' figures are for)."""
    print("\n== against FreshRSS and Miniflux (the issue's figures, on the same farm) and targets")
    print("   speed-up: the peer's p50 / newsriver's, or newsriver's requests/s / the peer's")
    print(
        f"   {'database':<16} {'figure':<36} {'newsriver':>9} {'peer':>14} {'speed-up':>8}"
        f"  {'target':<9} verdict"
    )
    found = {(m.database, m.scenario, m.concurrency): m for m in results}
    for served in databases:
        for judged in JUDGED:
            name = f"{judged.scenario}, {judged.figure}"
            ours = found.get((served.label, judged.scenario, judged.concurrency))
            if ours is None:
                print(f"   {served.label:<16} {name:<36} {'not measured':>9}")
                continue
            print(f"   {served.label:<16} {name:<36} {judgement(judged, ours, served)}")


def judgement(judged: Judged, ours: Measurement, served: Served) -> str:
    value = ours.rate if judged.rate else ours.p50_ms
    ratio = value / judged.peer_value if judged.rate else judged.peer_value / value
    peer = f"{judged.peer} {judged.peer_value:g}"
    figures = f"{value:9.1f} {peer:>14} {ratio:7.2f}x"
    if judged.target is None:
        return f"{figures}  {'-':<9} (no target)"
    met = value >= judged.target if judged.rate else value <= judged.target
    sense = ">=" if judged.rate else "<="
    verdict = ("PASS" if met else "MISS") if served.judged else f"not judged (--n {FARM_FEEDS})"
    return f"{figures}  {sense} {judged.target:<6g} {verdict}"


# --- main ----------------------------------------------------------------------------


def parse_arguments(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    add_server_arguments(parser)
    return parser.parse_args(argv)


def main(argv: Sequence[str]) -> int:
    arguments = parse_arguments(argv)
    backends = BACKENDS[arguments.backend]
    print(f"machine: {machine()}")
    print(f"versions: {versions(backends, arguments.pg_server)}")
    print(f"server: newsriver serve --workers {arguments.workers}")
    warmup = min(2.0, arguments.duration / 4)
    print(
        f"each measurement: {arguments.duration:g} s after a {warmup:g} s warm-up, concurrency"
        f" {' and '.join(map(str, CONCURRENCIES))}; CPU ms: the server's CPU time per request;"
        " KiB: the mean answer"
    )
    started = time.perf_counter()
    results: list[Measurement] = []
    databases: list[Served] = []
    try:
        with tempfile.TemporaryDirectory(prefix="newsriver-bench-api-") as scratch:
            for backend in backends:
                load = os.getloadavg()[0]
                print(f"\nfarm of {arguments.n} feeds on {backend} ... (load {load:.1f})")
                served, found = measure_farm(arguments, backend, warmup, Path(scratch))
                databases.append(served)
                results += found
    except BenchError as error:
        print(f"api.py: {error}", file=sys.stderr)
        return 1
    report_targets(results, databases)
    print(f"\napi.py took {time.perf_counter() - started:.0f} s")
    return 0


def measure_farm(
    arguments: argparse.Namespace, backend: str, warmup: float, work: Path
) -> tuple[Served, list[Measurement]]:
    """The farm's database on `backend`, with API access granted, served and measured."""
    with farm_database(backend, arguments.n, work, arguments.pg_server) as served:
        print(f"   {about(served)}", flush=True)
        access = grant_api_access(served)
        with server_running(served, work, arguments.workers) as server:
            print(f"   {HEADER}")
            found = asyncio.run(
                measure_server(
                    served, server.base_url, server.pid, access, arguments.duration, warmup
                )
            )
    return served, found


def about(served: Served) -> str:
    return (
        f"{served.label}: {served.entries} entries, {served.unread} unread;"
        f" {served.size_bytes / MIB:.0f} MiB; {served.origin}"
    )


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
