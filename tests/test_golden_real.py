"""Golden tests over real-world feed snapshots: they parse, and the output is sound.

Every file of ``shared/corpus/real`` must parse without an exception (FeedParseError is
accepted only for the files listed in NOT_FEEDS), and the result must keep the
invariants every consumer relies on: UTC datetimes, absolute web URLs, non-empty entry
ids, unique where the publisher's own ids are.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from lxml import etree

from newsriver.errors import FeedParseError
from newsriver.feeds import parse_feed
from newsriver.models import ParsedEntry, ParsedFeed
from tests.support.gofeed_compare import CORPUS

REAL = CORPUS / "real"
FILES = sorted(path for path in REAL.iterdir() if path.is_file()) if REAL.is_dir() else []

# Files that are not feeds, with why: the only ones allowed to raise FeedParseError.
NOT_FEEDS: dict[str, str] = {
    "feed-rs__feed-rs_fixture_xml_xml_iso8859.xml": (
        "a character-encoding fixture: a bare <rdf> element in no namespace, not RDF/RSS"
    ),
}

_WEB = frozenset({"http", "https"})
# Where a person's address may be an email link rather than a web page.
_WEB_OR_MAIL = frozenset({"http", "https", "mailto"})


def _url_problems(where: str, url: str | None, schemes: frozenset[str] = _WEB) -> list[str]:
    if url is None:
        return []
    parts = urlsplit(url)
    if parts.scheme not in schemes or (parts.scheme in _WEB and not parts.netloc):
        return [f"{where}: {url!r} is not an absolute {'/'.join(sorted(schemes))} URL"]
    return []


def _time_problems(where: str, moment: datetime | None) -> list[str]:
    if moment is None or (moment.tzinfo is not None and moment.utcoffset() == timedelta(0)):
        return []
    return [f"{where}: {moment!r} is not UTC"]


def _entry_problems(where: str, entry: ParsedEntry) -> list[str]:
    found = _time_problems(f"{where}.published", entry.published)
    found += _time_problems(f"{where}.updated", entry.updated)
    found += _url_problems(f"{where}.link", entry.link)
    found += _url_problems(f"{where}.comments", entry.comments)
    found += _url_problems(f"{where}.thumbnail", entry.thumbnail)
    for enclosure in entry.enclosures:
        found += _url_problems(f"{where}.enclosure", enclosure.url)
    for person in entry.authors:
        found += _url_problems(f"{where}.author", person.uri, _WEB_OR_MAIL)
    if not entry.id.strip():
        found.append(f"{where}: empty id")
    return found


def feed_problems(feed: ParsedFeed) -> list[str]:
    """Every broken invariant, as text."""
    found = _time_problems("feed.updated", feed.updated)
    for name in ("link", "icon", "logo", "self_link"):
        found += _url_problems(f"feed.{name}", getattr(feed, name))
    for hub in feed.hubs:
        found += _url_problems("feed.hub", hub)
    for person in feed.authors:
        found += _url_problems("feed.author", person.uri, _WEB_OR_MAIL)
    for index, entry in enumerate(feed.entries):
        found += _entry_problems(f"entry {index}", entry)
    return found


def source_ids(body: bytes) -> list[str] | None:
    """The publisher's entry ids (RSS guid, Atom id, JSON Feed id), read independently of
    the parser under test; None unless every entry has one and they are all distinct."""
    if body.lstrip()[:1] in (b"{", b"["):
        items = json.loads(body).get("items") or []
        ids = [str(item.get("id", "")).strip() for item in items if isinstance(item, dict)]
    else:
        # The declared encoding decides here (our parser is handed UTF-8 it decoded itself).
        parser = etree.XMLParser(
            resolve_entities=False, no_network=True, load_dtd=False, recover=True
        )
        root = etree.fromstring(body, parser)
        if root is None:
            return None
        entries = [e for e in root.iter() if _local(e) in ("item", "entry")]
        ids = [_child_text(entry, ("guid", "id")) for entry in entries]
    if not ids or "" in ids or len(set(ids)) != len(ids):
        return None
    return ids


def _local(element: etree._Element) -> str:
    tag = element.tag
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _child_text(element: etree._Element, names: tuple[str, ...]) -> str:
    for child in element:
        if _local(child) in names:
            return "".join(str(text) for text in child.itertext()).strip()
    return ""


# Files that fail because of a known bug outside the readers; strict, so that a fix
# shows up as a failure asking to remove the entry.
KNOWN_BUGS: dict[str, str] = {}


def _params() -> list[object]:
    return [
        pytest.param(path, id=path.name, marks=pytest.mark.xfail(strict=True, reason=reason))
        if (reason := KNOWN_BUGS.get(path.name))
        else pytest.param(path, id=path.name)
        for path in FILES
    ]


@pytest.mark.parametrize("path", _params())
def test_real_feed_is_sound(path: Path) -> None:
    """The file parses (or is a listed non-feed) and keeps every invariant."""
    body = path.read_bytes()
    url = f"https://feeds.example/{path.name}"
    if path.name in NOT_FEEDS:
        with pytest.raises(FeedParseError):
            parse_feed(body, url)
        return
    feed = parse_feed(body, url)
    assert feed_problems(feed) == []
    expected_ids = source_ids(body)
    if expected_ids is not None:
        ids = [entry.id for entry in feed.entries]
        duplicates = [i for i, n in Counter(ids).items() if n > 1]
        assert not duplicates, f"entry ids repeat though the source's do not: {duplicates}"
        assert sorted(ids) == sorted(expected_ids)


def test_real_corpus_is_present(shared_corpus: Path) -> None:
    """The checks must not pass vacuously."""
    assert REAL.is_relative_to(shared_corpus)
    assert len(FILES) > 200, f"only {len(FILES)} files under {REAL}"
    assert set(NOT_FEEDS) <= {path.name for path in FILES}
