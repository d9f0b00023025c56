"""Parser benchmark: newsriver's `parse_feed` against feedparser and a bare lxml walk.

Run with `make bench` (or `.venv/bin/python bench/parse.py [--full] [--rounds N]`); add
`--profile` to profile our parser instead of timing it. See bench/README.md for what
each printed figure means. This prints figures; it is not a test and never fails on a
missed target.

Three contenders read every document of a corpus:

- ours: `parse_feed(body, url)`, then every field of the result is read, so any work
  deferred until access would be paid inside the timing;
- feedparser: `feedparser.parse` with its defaults (sanitising and relative-URL
  resolution on), then its fields are read likewise;
- lxml walk: the floor, i.e. what merely parsing the XML and visiting every node costs
  (for JSON Feed: `json.loads` and a walk of the result).

Timing is interleaved: in each round, every document is read by each contender in turn
(the one going first rotates), so that a slow spell of the machine hits all of them
alike. Each contender's seconds are summed per round and the median round is reported.

Corpora: `../shared/corpus/real` (real-world snapshots) and a synthetic sample made by
`../shared/bench/gen_feeds.py`, generated once into `bench/.cache/` and reused. The
correctness of titles on damaged feeds is measured by `bench/malformed.py`, run at the end
on a sample where every feed is damaged.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import gc
import hashlib
import io
import json
import pstats
import shutil
import statistics
import subprocess
import sys
import sysconfig
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import feedparser
from lxml import etree

from newsriver.errors import FeedParseError
from newsriver.feeds import parse_feed
from newsriver.models import ParsedEntry, ParsedFeed, Person

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
SHARED = REPO.parent / "shared"
REAL_CORPUS = SHARED / "corpus" / "real"
GENERATOR = SHARED / "bench" / "gen_feeds.py"
CACHE = BENCH / ".cache"
STDLIB = sysconfig.get_paths()["stdlib"] + "/"
# Keeps a default run near two minutes on a 2-core machine: feedparser reads ~3 MB/s,
# and this sample is ~70 MB. `--full` uses the generator's defaults (~930 MB).
SAMPLE_ARGS = ("--seed", "42", "--feeds", "150", "--json-feeds", "15")
FULL_ARGS = ("--seed", "42")
# Every feed damaged (40 of each of the generator's 9 kinds), with fewer items per feed
# than the defaults so that feedparser gets through it in seconds.
MALFORMED_ARGS = (
    *("--seed", "42", "--feeds", "360", "--json-feeds", "0", "--malformed-rate", "1.0"),
    *("--min-items", "5", "--max-items", "20"),
)
TARGET_SPEEDUP = 15.0
TARGET_FLOOR = 2.5
PROFILE_TOP = 25


@dataclass(frozen=True, slots=True)
class Document:
    """One feed file, read into memory before any timing starts."""

    name: str
    body: bytes
    is_json: bool


@dataclass(frozen=True, slots=True)
class Corpus:
    """A set of documents timed together, with how many rounds to run over it."""

    label: str
    origin: str
    documents: tuple[Document, ...]
    rounds: int

    @property
    def size(self) -> int:
        return sum(len(document.body) for document in self.documents)


@dataclass(frozen=True, slots=True)
class Contender:
    """A way of reading a document; `read` raises when the document defeats it."""

    name: str
    read: Callable[[Document], object]


@dataclass(slots=True)
class Timings:
    """Every round's seconds for one contender, and the documents it failed on."""

    seconds: list[float] = field(default_factory=list)
    failures: dict[str, str] = field(default_factory=dict)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)


# --- the contenders ------------------------------------------------------------------


def read_ours(document: Document) -> object:
    """Parse with newsriver and read every field of the result."""
    return touch_feed(parse_feed(document.body, f"https://bench.example/{document.name}"))


def touch_feed(feed: ParsedFeed) -> int:
    """Read every field, so that nothing computed on access escapes the timing."""
    fields: list[object] = [feed.url, feed.format, feed.title, feed.link, feed.description]
    fields += [feed.language, feed.icon, feed.logo, feed.updated, feed.hubs, feed.self_link]
    fields += [feed.ttl, feed.skip_hours, feed.skip_days, feed.recovered, feed.encoding]
    return len(fields) + touch_people(feed.authors) + sum(map(touch_entry, feed.entries))


def touch_entry(entry: ParsedEntry) -> int:
    fields: list[object] = [entry.id, entry.id_source, entry.title, entry.link, entry.author]
    fields += [entry.published, entry.updated, entry.summary, entry.content]
    fields += [entry.categories, entry.thumbnail, entry.comments]
    enclosures = [(e.url, e.type, e.length) for e in entry.enclosures]
    return len(fields) + len(enclosures) + touch_people(entry.authors)


def touch_people(people: tuple[Person, ...]) -> int:
    return len([(person.name, person.email, person.uri) for person in people])


# feedparser's names for what `touch_feed` and `touch_entry` read from ours.
FP_FEED_KEYS = (
    *("title", "link", "subtitle", "language", "icon", "image", "updated_parsed"),
    *("authors", "links", "ttl"),
)
FP_ENTRY_KEYS = (
    *("id", "title", "link", "author", "authors", "published_parsed", "updated_parsed"),
    *("summary", "content", "tags", "enclosures", "media_thumbnail", "comments"),
)


def read_feedparser(document: Document) -> object:
    """Parse with feedparser's defaults (sanitising, URL resolution) and read the fields.

    The body goes in as a file object: given bytes or a string, feedparser may take it
    for a path or URL.
    """
    result = feedparser.parse(io.BytesIO(document.body))
    touched = [result.get("feed", {}).get(key) for key in FP_FEED_KEYS]
    for entry in result.get("entries", []):
        touched.extend(entry.get(key) for key in FP_ENTRY_KEYS)
    return len(touched)


def read_floor(document: Document) -> object:
    """Parse and visit every node, doing nothing else: the cost no parser can avoid."""
    if document.is_json:
        return walk_json(json.loads(document.body))
    parser = etree.XMLParser(resolve_entities=False, no_network=True, recover=True)
    root = etree.fromstring(document.body, parser)
    if root is None:
        raise ValueError("lxml recovered nothing")
    return walk_xml(root)


def walk_xml(root: etree._Element) -> int:
    seen = 0
    for element in root.iter():
        node = (element.tag, element.text, element.tail)
        seen += len(node) + len(list(element.attrib.items()))
    return seen


def walk_json(value: object) -> int:
    """Visit every value of decoded JSON, without recursion (nesting is attacker-chosen)."""
    pending = [value]
    seen = 0
    while pending:
        item = pending.pop()
        seen += 1
        if isinstance(item, dict):
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return seen


CONTENDERS = (
    Contender("ours", read_ours),
    Contender("feedparser", read_feedparser),
    Contender("lxml walk", read_floor),
)


# --- corpora -------------------------------------------------------------------------


def load_documents(paths: Sequence[Path]) -> tuple[Document, ...]:
    documents = []
    for path in sorted(paths):
        body = path.read_bytes()
        start = body.removeprefix(b"\xef\xbb\xbf").lstrip()[:1]
        documents.append(Document(path.name, body, is_json=start in (b"{", b"[")))
    return tuple(documents)


def generated(arguments: Sequence[str]) -> Path:
    """The generator's output for `arguments`, made once and reused from the cache.

    Output is written to a scratch folder and renamed into place only when complete, so
    an interrupted run never leaves a half corpus to be reused. The cache is redone when
    the generator itself changes.
    """
    pairs = zip(arguments[::2], arguments[1::2], strict=True)
    name = "feeds-" + "-".join(flag.lstrip("-") + value for flag, value in pairs)
    target = CACHE / name
    stamp = hashlib.sha256(GENERATOR.read_bytes()).hexdigest()
    stamp_file = target / "generator.sha256"
    if stamp_file.is_file() and stamp_file.read_text() == stamp:
        return target
    scratch = CACHE / f".{name}.partial"
    shutil.rmtree(scratch, ignore_errors=True)
    shutil.rmtree(target, ignore_errors=True)
    print(f"generating {rel(target)} (once; reused later) ...", flush=True)
    command = [sys.executable, str(GENERATOR), str(scratch), *arguments]
    subprocess.run(command, check=True)
    (scratch / "generator.sha256").write_text(stamp)
    scratch.rename(target)
    return target


def rel(path: Path) -> str:
    """A path as the README writes it: relative to the repository root."""
    if path.is_relative_to(REPO):
        return path.relative_to(REPO).as_posix()
    return f"../{path.relative_to(REPO.parent).as_posix()}"


def real_corpus(rounds: int) -> Corpus:
    paths = [path for path in REAL_CORPUS.iterdir() if path.is_file()]
    return Corpus("real", rel(REAL_CORPUS), load_documents(paths), rounds)


def synthetic_corpus(arguments: Sequence[str], rounds: int) -> Corpus:
    folder = generated(arguments)
    documents = load_documents(list((folder / "feeds").iterdir()))
    origin = f"gen_feeds.py {' '.join(arguments)} -> {rel(folder)}"
    return Corpus("synthetic", origin, documents, rounds)


# --- timing and reporting ------------------------------------------------------------


def time_one(contender: Contender, document: Document, timings: Timings) -> float:
    """Seconds this contender takes on this document; a failure is noted, and timed too."""
    start = time.perf_counter()
    try:
        contender.read(document)
    except Exception as error:
        elapsed = time.perf_counter() - start
        timings.failures[document.name] = f"{type(error).__name__}: {error}"
        return elapsed
    return time.perf_counter() - start


def time_round(corpus: Corpus, round_number: int, timings: dict[str, Timings]) -> None:
    """One pass over the corpus, every contender reading each document in turn.

    Interleaving per document, rather than per corpus, means a busy spell of the machine
    (other jobs share its two cores) slows all contenders in proportion to their time,
    leaving the ratios intact. Who goes first rotates, so no one always inherits a warm
    cache or the previous reader's pending garbage.
    """
    spent = dict.fromkeys(timings, 0.0)
    gc.collect()
    for index, document in enumerate(corpus.documents):
        shift = (index + round_number) % len(CONTENDERS)
        for contender in CONTENDERS[shift:] + CONTENDERS[:shift]:
            spent[contender.name] += time_one(contender, document, timings[contender.name])
    for name, seconds in spent.items():
        timings[name].seconds.append(seconds)


def time_corpus(corpus: Corpus) -> dict[str, Timings]:
    timings = {contender.name: Timings() for contender in CONTENDERS}
    for round_number in range(corpus.rounds):
        time_round(corpus, round_number, timings)
    return timings


def report(corpus: Corpus, timings: dict[str, Timings]) -> None:
    megabytes = corpus.size / 1e6
    count = len(corpus.documents)
    print(f"\n== {corpus.label}: {count} files, {megabytes:.1f} MB ({corpus.origin})")
    print(f"   median of {corpus.rounds} interleaved rounds")
    header = f"{'parser':<11} {'seconds':>8} {'min-max':>15} {'feeds/s':>9} {'MB/s':>7}"
    print(f"   {header} {'errors':>6}")
    for name, result in timings.items():
        spread = f"{min(result.seconds):.2f}-{max(result.seconds):.2f}"
        rate = count / result.median
        speed = megabytes / result.median
        row = f"{name:<11} {result.median:8.3f} {spread:>15} {rate:9.1f} {speed:7.2f}"
        print(f"   {row} {len(result.failures):6d}")
    ours, theirs, floor = (timings[c.name].median for c in CONTENDERS)
    speedup, slowdown = theirs / ours, ours / floor
    fast, near = verdict(speedup >= TARGET_SPEEDUP), verdict(slowdown <= TARGET_FLOOR)
    print(f"   ours vs feedparser: {speedup:5.1f}x faster   target >= {TARGET_SPEEDUP:g}x   {fast}")
    print(f"   ours vs lxml walk:  {slowdown:5.2f}x its time target <= {TARGET_FLOOR:g}x  {near}")
    report_failures(timings)


def verdict(met: bool) -> str:
    return "met" if met else "MISSED"


def report_failures(timings: dict[str, Timings], shown: int = 3) -> None:
    for name, result in timings.items():
        for document, reason in list(result.failures.items())[:shown]:
            print(f"   error, {name}: {document}: {reason[:160]}")
        if len(result.failures) > shown:
            print(f"   error, {name}: ... and {len(result.failures) - shown} more")


# --- profiling -----------------------------------------------------------------------


# pstats' table: (file, line, function) -> (primitive calls, calls, own s, cumulative s, callers)
RawStats = dict[tuple[str, int, str], tuple[int, int, float, float, object]]


def profile(corpus: Corpus) -> None:
    """cProfile our parser over the corpus; print the functions that cost the most."""
    profiler = cProfile.Profile()
    profiler.enable()
    for document in corpus.documents:
        with contextlib.suppress(FeedParseError):
            read_ours(document)
    profiler.disable()
    stats = pstats.Stats(profiler)
    raw: RawStats = stats.stats  # type: ignore[attr-defined]
    total = sum(entry[2] for entry in raw.values())
    print(f"\n== profile of ours over {corpus.label} ({corpus.origin})")
    print(f"   total {total:.2f} s under cProfile; top {PROFILE_TOP} functions by own time")
    print(f"   {'tottime':>8} {'%':>5} {'cumtime':>8} {'calls':>9}  function")
    ranked = sorted(raw.items(), key=lambda item: item[1][2], reverse=True)
    for (filename, line, function), (_, calls, own, cumulative, _) in ranked[:PROFILE_TOP]:
        where = f"{short_path(filename)}:{line}({function})"
        print(f"   {own:8.3f} {100 * own / total:5.1f} {cumulative:8.3f} {calls:9d}  {where}")
    print_by_file(raw, total)


def print_by_file(raw: RawStats, total: float) -> None:
    """Own time summed per source file: which module to look at first.

    Built-in (C) functions have no file of their own, so their time goes to the file
    that called them: nh3's `clean` counts for sanitize.py, lxml's parsing for its caller.
    """
    per_file: defaultdict[str, float] = defaultdict(float)
    for (filename, _, _), (_, _, own, _, callers) in raw.items():
        if filename != "~" or not isinstance(callers, dict):
            per_file[short_path(filename)] += own
            continue
        for (caller_file, _, _), caller_stats in callers.items():
            per_file[short_path(caller_file)] += caller_stats[2]
    print("   own time per file, built-in calls counted for their caller (top 10):")
    for filename, own in sorted(per_file.items(), key=lambda item: item[1], reverse=True)[:10]:
        print(f"   {own:8.3f} {100 * own / total:5.1f}  {filename}")


def short_path(filename: str) -> str:
    """Paths inside the repository, site-packages or the standard library, shortened."""
    for marker, label in (("/site-packages/", ""), (f"{REPO}/", ""), (STDLIB, "stdlib/")):
        if marker in filename:
            return label + filename.split(marker, 1)[1]
    return filename


# --- main ----------------------------------------------------------------------------


def parse_arguments(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    add = parser.add_argument
    add("--full", action="store_true", help="the generator's full corpus (~930 MB, slow)")
    add("--rounds", type=int, help="rounds per corpus (default: 7 real, 3 synthetic)")
    add("--profile", action="store_true", help="only profile ours on the synthetic corpus")
    return parser.parse_args(argv)


def main(argv: Sequence[str]) -> int:
    arguments = parse_arguments(argv)
    sample = FULL_ARGS if arguments.full else SAMPLE_ARGS
    hint = "the generator's defaults" if arguments.full else "--full for the generator's defaults"
    print(f"synthetic sample: gen_feeds.py {' '.join(sample)} ({hint})")
    if arguments.profile:
        profile(synthetic_corpus(sample, rounds=1))
        return 0
    real = real_corpus(arguments.rounds or 7)
    report(real, time_corpus(real))
    synthetic = synthetic_corpus(sample, arguments.rounds or 3)
    report(synthetic, time_corpus(synthetic))
    return run_malformed(generated(MALFORMED_ARGS))


def run_malformed(folder: Path) -> int:
    """Titles on damaged feeds, by bench/malformed.py in its own process."""
    print(f"\n== malformed feeds: gen_feeds.py {' '.join(MALFORMED_ARGS)}", flush=True)
    command = [sys.executable, str(BENCH / "malformed.py"), str(folder)]
    return subprocess.run(command, check=False).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
