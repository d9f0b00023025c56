"""Damaged feeds: how many item titles ours and feedparser recover exactly.

Usage: .venv/bin/python bench/malformed.py CORPUS_DIR [--examples N]

CORPUS_DIR is output of `../shared/bench/gen_feeds.py`; `bench/parse.py` makes one where
every feed is damaged and runs this on it. The generator's `manifest.jsonl` holds, per
feed, the kind of damage done and the item titles it meant. A title counts as exact when
a parser returns that string, compared after collapsing runs of whitespace; each title
produced can match one expected title only. An exception other than `FeedParseError`
(our deliberate "this is not a feed") is counted as a crash.

Prints figures and exits 0 whatever they are: it measures, it does not judge.
"""

from __future__ import annotations

import argparse
import html
import io
import json
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import feedparser

from newsriver.errors import FeedParseError
from newsriver.feeds import parse_feed

TARGET_EXACT = 98.0
PARSERS = ("ours", "feedparser")
# The generator's `malform` writes text into the first item's title for two kinds; the
# document then says that text, so a faithful parser returns it. `bare_ampersand` looks
# for a literal "<title>", which only RSS items have (Atom titles carry type="text"): in
# Atom feeds its text lands before the root element and no title changes.
FIRST_TITLE_PREFIX = {
    ("bare_ampersand", "rss"): "Tom & Jerry ",
    ("html_entity", "rss"): "Caf\u00e9\u00a0News\u2014 ",  # Caf&eacute;&nbsp;News&mdash;
    ("html_entity", "atom"): "Caf\u00e9\u00a0News\u2014 ",
}


@dataclass(frozen=True, slots=True)
class Case:
    """One damaged feed and the item titles its document actually states."""

    path: Path
    kind: str
    # Titles paired with their item's link, the key for showing what a parser got instead.
    expected: tuple[tuple[str, str], ...]
    # How many expected titles survive whole in the bytes: the ceiling for a truncated
    # document, whose tail no parser can recover.
    in_document: int


@dataclass(frozen=True, slots=True)
class Reading:
    """What a parser made of a document: (link, title) per item, and any remark."""

    items: tuple[tuple[str | None, str | None], ...] = ()
    note: str | None = None
    crash: str | None = None
    refused: bool = False


@dataclass(frozen=True, slots=True)
class Miss:
    kind: str
    file: str
    expected: str
    got: str | None
    note: str | None


@dataclass(slots=True)
class Tally:
    """Counts for one parser on one kind of damage."""

    titles: int = 0
    exact: int = 0
    # Misses that differ from the expected title only by HTML tags which the document
    # carries as escaped text ("&lt;b&gt;"): a reading policy rather than lost text.
    tags_only: int = 0
    crashes: int = 0
    refusals: int = 0
    misses: list[Miss] = field(default_factory=list)

    def percent(self, *, tags_forgiven: bool = False) -> float:
        exact = self.exact + self.tags_only if tags_forgiven else self.exact
        return 100.0 * exact / self.titles if self.titles else 100.0


# --- the cases -----------------------------------------------------------------------


def load_cases(folder: Path) -> Iterator[Case]:
    """The damaged feeds listed in the generator's manifest, in its order."""
    with (folder / "manifest.jsonl").open(encoding="utf-8") as manifest:
        for line in manifest:
            record: dict[str, Any] = json.loads(line)
            if record.get("malformed"):
                yield make_case(folder, record)


def make_case(folder: Path, record: dict[str, Any]) -> Case:
    kind, path = str(record["malformed"]), folder / str(record["file"])
    prefix = FIRST_TITLE_PREFIX.get((kind, str(record["format"])), "")
    expected = [(str(item["title"]), str(item["link"])) for item in record["items"]]
    if expected and prefix:
        expected[0] = (prefix + expected[0][0], expected[0][1])
    titles = [str(item["title"]) for item in record["items"]]
    present = count_in_document(path.read_bytes(), titles, str(record["encoding"]))
    return Case(path, kind, tuple(expected), present)


def count_in_document(body: bytes, titles: Sequence[str], encoding: str) -> int:
    """How many titles appear whole, written as the generator writes them."""
    escaped = (html.escape(title, quote=False) for title in titles)
    return sum(1 for title in escaped if title.encode(encoding, "xmlcharrefreplace") in body)


# --- the parsers ---------------------------------------------------------------------


def read_ours(case: Case) -> Reading:
    try:
        feed = parse_feed(case.path.read_bytes(), f"https://bench.example/{case.path.name}")
    except FeedParseError as error:
        return Reading(note=error.reason, refused=True)
    except Exception as error:
        return Reading(crash=f"{type(error).__name__}: {error}")
    return Reading(tuple((e.link, e.title) for e in feed.entries), note=feed.recovered)


def read_feedparser(case: Case) -> Reading:
    """feedparser with its defaults, as in bench/parse.py; bytes go in as a file object."""
    try:
        result = feedparser.parse(io.BytesIO(case.path.read_bytes()))
    except Exception as error:
        return Reading(crash=f"{type(error).__name__}: {error}")
    items = tuple((optional(e.get("link")), optional(e.get("title"))) for e in result.entries)
    bozo = result.get("bozo_exception")
    return Reading(items, note=f"{type(bozo).__name__}: {bozo}" if bozo else None)


def optional(value: object) -> str | None:
    return value if isinstance(value, str) else None


READERS = {"ours": read_ours, "feedparser": read_feedparser}


# --- scoring -------------------------------------------------------------------------


TAG = re.compile(r"<[^<>]*>")


def collapse(text: str) -> str:
    return " ".join(text.split())


def score(case: Case, reading: Reading, tally: Tally) -> None:
    """Add this case to the tally; each produced title can satisfy one expected title."""
    tally.titles += len(case.expected)
    tally.crashes += reading.crash is not None
    tally.refusals += reading.refused
    available = Counter(collapse(title) for _, title in reading.items if title)
    by_link = {link: title for link, title in reading.items if link}
    for title, link in case.expected:
        wanted = collapse(title)
        if available[wanted] > 0:
            available[wanted] -= 1
            tally.exact += 1
            continue
        got = by_link.get(link)
        if got is not None and collapse(TAG.sub("", title)) == collapse(got):
            tally.tags_only += 1
        else:
            note = reading.crash or reading.note
            tally.misses.append(Miss(case.kind, case.path.name, title, got, note))


# --- report --------------------------------------------------------------------------


def report(cases: Sequence[Case], tallies: dict[str, dict[str, Tally]], examples: int) -> None:
    per_kind: defaultdict[str, list[Case]] = defaultdict(list)
    for case in cases:
        per_kind[case.kind].append(case)
    titles = sum(len(case.expected) for case in cases)
    print(f"   {len(cases)} damaged feeds, {titles} item titles; % exact after whitespace collapse")
    header = f"{'kind':<20} {'feeds':>5} {'titles':>6} {'in doc':>7}"
    print(f"   {header} {'ours':>7} {'ours~':>7} {'feedparser':>10} {'fp~':>7}")
    for kind, group in sorted(per_kind.items()):
        row_for(kind, group, {name: tallies[name][kind] for name in PARSERS})
    overall = {name: merged(tallies[name].values()) for name in PARSERS}
    row_for("overall", cases, overall)
    print("   in doc: titles present whole in the bytes (what a truncated file leaves);")
    print("   ~: also counting titles that differ only by tags the document escapes as text")
    report_exceptions(overall)
    report_target(overall, sum(case.in_document for case in cases))
    report_misses(tallies["ours"], examples)


def row_for(kind: str, cases: Sequence[Case], tallies: dict[str, Tally]) -> None:
    titles = sum(len(case.expected) for case in cases)
    ceiling = 100.0 * sum(case.in_document for case in cases) / titles if titles else 100.0
    row = f"{kind:<20} {len(cases):5d} {titles:6d} {ceiling:6.1f}%"
    ours, theirs = tallies["ours"], tallies["feedparser"]
    row += f" {ours.percent():6.1f}% {ours.percent(tags_forgiven=True):6.1f}%"
    row += f" {theirs.percent():9.1f}% {theirs.percent(tags_forgiven=True):6.1f}%"
    print(f"   {row}")


def merged(tallies: Iterable[Tally]) -> Tally:
    total = Tally()
    for tally in tallies:
        total.titles += tally.titles
        total.exact += tally.exact
        total.tags_only += tally.tags_only
        total.crashes += tally.crashes
        total.refusals += tally.refusals
        total.misses.extend(tally.misses)
    return total


def report_exceptions(overall: dict[str, Tally]) -> None:
    crashes = ", ".join(f"{name} {tally.crashes}" for name, tally in overall.items())
    print(f"   exceptions (any but FeedParseError): {crashes}")
    print(f"   FeedParseError (ours refused the document): {overall['ours'].refusals}")


def report_target(overall: dict[str, Tally], in_document: int) -> None:
    """The target on both bases: all titles meant, and only those the bytes still hold.

    A truncated file's tail is gone, which caps the first figure below 100% for any
    parser; the second says how much of what could be recovered was.
    """
    shares = []
    for name, tally in overall.items():
        exact = 100.0 * tally.exact / in_document if in_document else 100.0
        forgiven = 100.0 * (tally.exact + tally.tags_only) / in_document if in_document else 100.0
        shares.append(f"{name} {exact:.1f}% (~{forgiven:.1f}%)")
    print(f"   of the {in_document} titles present in the documents: {', '.join(shares)}")
    ours = overall["ours"]
    for basis, out_of in (("all titles", ours.titles), ("titles present", in_document)):
        met = 100.0 * ours.exact >= TARGET_EXACT * out_of and ours.crashes == 0
        print(f"   target ours >= {TARGET_EXACT:g}% exact of {basis}, no exception: {verdict(met)}")


def verdict(met: bool) -> str:
    return "met" if met else "MISSED"


def report_misses(per_kind: dict[str, Tally], examples: int) -> None:
    """A few titles ours got wrong, per kind: what the document says and what we said."""
    tags_only = sum(tally.tags_only for tally in per_kind.values())
    if tags_only:
        print(f"   ours dropped escaped tags from {tags_only} title(s) (not shown below)")
    for kind, tally in sorted(per_kind.items()):
        if not tally.misses:
            continue
        print(f"   ours missed {len(tally.misses)} other title(s) on {kind}, e.g.:")
        for miss in tally.misses[:examples]:
            print(f"     {miss.file}: expected {miss.expected!r}")
            print(f"     {' ' * len(miss.file)}  ours     {miss.got!r}")
            if miss.note:
                print(f"     {' ' * len(miss.file)}  note     {miss.note[:150]}")


# --- main ----------------------------------------------------------------------------


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0] if __doc__ else None)
    parser.add_argument("corpus", type=Path, help="a folder written by gen_feeds.py")
    parser.add_argument("--examples", type=int, default=3, help="misses shown per kind")
    arguments = parser.parse_args(argv)
    cases = list(load_cases(arguments.corpus))
    if not cases:
        print(f"   no damaged feed in {arguments.corpus}: use gen_feeds.py --malformed-rate")
        return 0
    tallies: dict[str, dict[str, Tally]] = {name: defaultdict(Tally) for name in PARSERS}
    for case in cases:
        for name in PARSERS:
            score(case, READERS[name](case), tallies[name][case.kind])
    report(cases, tallies, arguments.examples)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
