"""Tests for the entry decisions: new, changed, unchanged, and what is derived for each."""

from __future__ import annotations

import dataclasses
import hashlib
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from newsriver.feeds import parse_feed
from newsriver.models import Enclosure, ParsedEntry, ParsedFeed, Person
from newsriver.store.records import EntryWrite, KnownEntry
from newsriver.update.decide import (
    FUTURE_TOLERANCE,
    EntryDecisions,
    decide_entries,
    entry_hash,
    feed_metadata,
    sort_time,
)

NOW = datetime(2024, 5, 6, 12, 0, tzinfo=UTC)
FEED_URL = "https://blog.example.org/feed.xml"


def rss(*items: str, channel: str = "") -> bytes:
    """An RSS 2.0 document with the given <item> bodies, newest first as feeds list them."""
    body = "".join(f"<item>{item}</item>" for item in items)
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Example</title><link>https://blog.example.org/</link>{channel}{body}"
        "</channel></rss>"
    ).encode()


def item(guid: str, title: str, day: int | None = None, body: str = "<p>Body</p>") -> str:
    date = f"<pubDate>{day:02d} May 2024 09:00:00 GMT</pubDate>" if day is not None else ""
    escaped = body.replace("&", "&amp;").replace("<", "&lt;")
    return f"<guid>{guid}</guid><title>{title}</title>{date}<description>{escaped}</description>"


THREE_ITEMS = rss(item("c", "Third", 5), item("b", "Second", 4), item("a", "First", 3))


def known_from(decisions: EntryDecisions, first_id: int = 1) -> dict[str, KnownEntry]:
    """What the store would hold after inserting `decisions.new` in order."""
    return {
        write.key: KnownEntry(entry_id=first_id + number, content_hash=write.content_hash)
        for number, write in enumerate(decisions.new)
    }


def ids(writes: tuple[EntryWrite, ...]) -> list[str]:
    return [write.key for write in writes]


FULL_ENTRY = ParsedEntry(
    id="urn:x:1",
    id_source="guid",
    title="Title",
    link="https://blog.example.org/1",
    authors=(Person(name="Ann", email="ann@example.org", uri="https://ann.example.org/"),),
    published=datetime(2024, 5, 1, 8, 0, tzinfo=UTC),
    updated=datetime(2024, 5, 2, 8, 0, tzinfo=UTC),
    summary="<p>Summary</p>",
    content="<p>Content</p>",
    categories=("news", "tech"),
    enclosures=(Enclosure(url="https://cdn.example.org/a.mp3", type="audio/mpeg", length=10),),
    thumbnail="https://cdn.example.org/t.jpg",
    comments="https://blog.example.org/1#comments",
)

# One edit of every field a publisher may change.
EDITED: dict[str, ParsedEntry] = {
    "title": dataclasses.replace(FULL_ENTRY, title="Title (updated)"),
    "link": dataclasses.replace(FULL_ENTRY, link="https://blog.example.org/1-renamed"),
    "authors": dataclasses.replace(FULL_ENTRY, authors=(Person(name="Bob"),)),
    "published": dataclasses.replace(FULL_ENTRY, published=datetime(2024, 5, 1, 8, 1, tzinfo=UTC)),
    "updated": dataclasses.replace(FULL_ENTRY, updated=datetime(2024, 5, 3, 8, 0, tzinfo=UTC)),
    "summary": dataclasses.replace(FULL_ENTRY, summary="<p>Summary, fixed</p>"),
    "content": dataclasses.replace(FULL_ENTRY, content="<p>Content, fixed</p>"),
    "categories": dataclasses.replace(FULL_ENTRY, categories=("tech", "news")),
    "enclosures": dataclasses.replace(
        FULL_ENTRY,
        enclosures=(Enclosure(url="https://cdn.example.org/a.mp3", type="audio/mpeg", length=11),),
    ),
    "thumbnail": dataclasses.replace(FULL_ENTRY, thumbnail="https://cdn.example.org/t2.jpg"),
    "comments": dataclasses.replace(FULL_ENTRY, comments=None),
}


# --- entry_hash ---------------------------------------------------------------------------


def test_entry_hash_is_32_hex_characters() -> None:
    digest = entry_hash(FULL_ENTRY)
    assert len(digest) == 32
    assert int(digest, 16) >= 0


def test_entry_hash_is_pinned() -> None:
    # Changing the serialisation marks every stored entry as edited once: do it knowingly.
    # title, link, 0 authors, published, updated, summary, content, 0 categories,
    # 0 enclosures, thumbnail, comments; then one title of 3 UTF-8 bytes.
    empty = hashlib.blake2b(b"--0*----0*0*--", digest_size=16).hexdigest()
    assert entry_hash(ParsedEntry(id="x", id_source="guid")) == empty
    titled = hashlib.blake2b(b"3:\xc3\xa9t-0*----0*0*--", digest_size=16).hexdigest()
    assert entry_hash(ParsedEntry(id="x", id_source="guid", title="ét")) == titled
    assert entry_hash(FULL_ENTRY) == "7611637e1569575d212eb02adbe2da09"


@pytest.mark.parametrize("field", sorted(EDITED))
def test_entry_hash_changes_with_every_editable_field(field: str) -> None:
    assert getattr(EDITED[field], field) != getattr(FULL_ENTRY, field)
    assert entry_hash(EDITED[field]) != entry_hash(FULL_ENTRY)


def test_every_field_but_the_id_is_covered_by_the_edits() -> None:
    fields = {field.name for field in dataclasses.fields(ParsedEntry)}
    assert set(EDITED) == fields - {"id", "id_source"}


def test_entry_hash_ignores_the_id() -> None:
    moved = dataclasses.replace(FULL_ENTRY, id="https://blog.example.org/1", id_source="link")
    assert entry_hash(moved) == entry_hash(FULL_ENTRY)


def test_entry_hash_keeps_field_boundaries_and_none_apart_from_empty() -> None:
    base = ParsedEntry(id="x", id_source="guid")
    digests = {
        entry_hash(dataclasses.replace(base, title="ab")),
        entry_hash(dataclasses.replace(base, title="a", link="b")),
        entry_hash(dataclasses.replace(base, title="")),
        entry_hash(base),
        entry_hash(dataclasses.replace(base, summary="ab")),
        entry_hash(dataclasses.replace(base, categories=("a", "b"))),
        entry_hash(dataclasses.replace(base, categories=("a,b",))),
    }
    assert len(digests) == 7


def test_entry_hash_sees_the_instant_not_the_zone() -> None:
    paris = timezone(timedelta(hours=2))
    local = dataclasses.replace(FULL_ENTRY, published=datetime(2024, 5, 1, 10, 0, tzinfo=paris))
    assert entry_hash(local) == entry_hash(FULL_ENTRY)


def test_entry_hash_survives_lone_surrogates_and_any_text() -> None:
    odd = dataclasses.replace(FULL_ENTRY, title="\ud800 broken", content="emoji 🎉 \x00 nul")
    assert len(entry_hash(odd)) == 32


def test_entry_hash_is_identical_for_two_parses_of_the_same_bytes() -> None:
    first = parse_feed(THREE_ITEMS, FEED_URL)
    second = parse_feed(THREE_ITEMS, FEED_URL)
    assert [entry_hash(e) for e in first.entries] == [entry_hash(e) for e in second.entries]


def test_entry_hash_is_identical_across_processes() -> None:
    # hash() of str differs between processes; the digest must not depend on it.
    script = (
        "from newsriver.feeds import parse_feed\n"
        "from newsriver.update.decide import entry_hash\n"
        f"feed = parse_feed({THREE_ITEMS!r}, {FEED_URL!r})\n"
        "print(' '.join(entry_hash(e) for e in feed.entries))\n"
    )
    outputs = set()
    for seed in ("1", "2"):
        environment = {**os.environ, "PYTHONHASHSEED": seed}
        run = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, env=environment
        )
        assert run.returncode == 0, run.stderr
        outputs.add(run.stdout)
    here = " ".join(entry_hash(e) for e in parse_feed(THREE_ITEMS, FEED_URL).entries)
    assert outputs == {here + "\n"}


@given(st.text(), st.text(), st.lists(st.text(), max_size=4))
def test_entry_hash_is_a_function_of_the_fields(title: str, summary: str, tags: list[str]) -> None:
    entry = ParsedEntry(id="x", id_source="guid", title=title, summary=summary)
    same = ParsedEntry(id="y", id_source="hash", title=title, summary=summary)
    assert entry_hash(dataclasses.replace(entry, categories=tuple(tags))) == entry_hash(
        dataclasses.replace(same, categories=tuple(tags))
    )


# --- decide_entries: new, changed, unchanged ----------------------------------------------


def test_everything_is_new_for_an_empty_store() -> None:
    decisions = decide_entries(parse_feed(THREE_ITEMS, FEED_URL), {}, NOW)
    assert ids(decisions.new) == ["a", "b", "c"]
    assert decisions.changed == ()
    assert decisions.unchanged == 0
    assert all(write.entry_id is None for write in decisions.new)


def test_the_same_document_again_changes_nothing() -> None:
    parsed = parse_feed(THREE_ITEMS, FEED_URL)
    known = known_from(decide_entries(parsed, {}, NOW))
    again = decide_entries(parse_feed(THREE_ITEMS, FEED_URL), known, NOW + timedelta(hours=1))
    assert again == EntryDecisions(new=(), changed=(), unchanged=3)


def test_an_edited_entry_is_changed_and_carries_its_row_id() -> None:
    known = known_from(decide_entries(parse_feed(THREE_ITEMS, FEED_URL), {}, NOW))
    edited = rss(
        item("d", "Fourth", 6),
        item("c", "Third", 5),
        item("b", "Second, corrected", 4),
        item("a", "First", 3),
    )
    parsed = parse_feed(edited, FEED_URL)
    decisions = decide_entries(parsed, known, NOW)
    assert ids(decisions.new) == ["d"]
    assert ids(decisions.changed) == ["b"]
    changed = decisions.changed[0]
    assert changed.entry_id == known["b"].entry_id
    assert changed.content_hash != known["b"].content_hash
    assert changed.content_hash == entry_hash(parsed.entries[2])
    assert changed.title == "Second, corrected"
    assert decisions.unchanged == 2


def test_changed_entries_keep_document_order() -> None:
    known = known_from(decide_entries(parse_feed(THREE_ITEMS, FEED_URL), {}, NOW))
    edited = rss(item("c", "Third!", 5), item("b", "Second", 4), item("a", "First!", 3))
    decisions = decide_entries(parse_feed(edited, FEED_URL), known, NOW)
    assert ids(decisions.changed) == ["c", "a"]


def test_a_tombstone_is_never_reinserted_nor_updated() -> None:
    known = {
        "a": KnownEntry(entry_id=None, content_hash="stale-hash"),
        "b": KnownEntry(entry_id=None, content_hash="stale-hash"),
    }
    decisions = decide_entries(parse_feed(THREE_ITEMS, FEED_URL), known, NOW)
    assert ids(decisions.new) == ["c"]
    assert decisions.changed == ()
    assert decisions.unchanged == 2


def test_a_repeated_id_keeps_its_first_occurrence_only() -> None:
    doubled = rss(
        item("b", "Second, first copy", 4),
        item("a", "First", 3),
        item("b", "Second, second copy", 4),
        item("a", "First", 3),
    )
    decisions = decide_entries(parse_feed(doubled, FEED_URL), {}, NOW)
    assert ids(decisions.new) == ["a", "b"]
    assert decisions.new[1].title == "Second, first copy"
    assert decisions.unchanged == 0

    known = known_from(decisions)
    again = decide_entries(parse_feed(doubled, FEED_URL), known, NOW)
    assert again == EntryDecisions(new=(), changed=(), unchanged=2)


def test_ids_without_guid_are_stable_between_parses() -> None:
    # Link-based and content-hash-based ids must give the same entries on every parse.
    document = rss(
        "<title>Linked</title><link>/posts/linked</link>",
        "<title>Bare</title><description>no link, no guid</description>",
    )
    parsed = parse_feed(document, FEED_URL)
    assert {entry.id_source for entry in parsed.entries} == {"link", "hash"}
    known = known_from(decide_entries(parsed, {}, NOW))
    again = decide_entries(parse_feed(document, FEED_URL), known, NOW)
    assert again == EntryDecisions(new=(), changed=(), unchanged=2)


def test_entries_of_other_formats_decide_the_same_way() -> None:
    atom = b"""<?xml version="1.0"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>A</title><id>urn:feed</id>
<updated>2024-05-05T10:00:00Z</updated>
<entry><id>urn:2</id><title>Two</title><updated>2024-05-05T10:00:00Z</updated>
<content type="html">&lt;p&gt;two&lt;/p&gt;</content></entry>
<entry><id>urn:1</id><title>One</title><updated>2024-05-04T10:00:00Z</updated>
<summary>one</summary></entry>
</feed>"""
    decisions = decide_entries(parse_feed(atom, FEED_URL), {}, NOW)
    assert ids(decisions.new) == ["urn:1", "urn:2"]
    assert decisions.new[0].sort_at == datetime(2024, 5, 4, 10, 0, tzinfo=UTC)
    assert decisions.new[1].content == "<p>two</p>"


def test_naive_now_is_refused() -> None:
    with pytest.raises(AssertionError, match="timezone-aware"):
        decide_entries(parse_feed(THREE_ITEMS, FEED_URL), {}, datetime(2024, 5, 6, 12, 0))


# --- ordering of new entries --------------------------------------------------------------


def test_new_entries_are_ordered_oldest_first_whatever_the_document_order() -> None:
    shuffled = rss(item("b", "B", 4), item("c", "C", 5), item("a", "A", 3))
    decisions = decide_entries(parse_feed(shuffled, FEED_URL), {}, NOW)
    assert ids(decisions.new) == ["a", "b", "c"]
    assert [w.sort_at.day for w in decisions.new] == [3, 4, 5]


def test_new_entries_with_equal_dates_are_in_reversed_document_order() -> None:
    # Feeds list newest first, so the last of equal dates was published first.
    same_day = rss(item("z", "Z", 4), item("y", "Y", 4), item("x", "X", 4), item("old", "O", 1))
    decisions = decide_entries(parse_feed(same_day, FEED_URL), {}, NOW)
    assert ids(decisions.new) == ["old", "x", "y", "z"]


def test_undated_entries_sort_at_now_after_dated_ones_in_reversed_document_order() -> None:
    mixed = rss(item("u1", "U1"), item("d", "D", 2), item("u2", "U2"))
    decisions = decide_entries(parse_feed(mixed, FEED_URL), {}, NOW)
    assert ids(decisions.new) == ["d", "u2", "u1"]
    assert [w.sort_at for w in decisions.new][1:] == [NOW, NOW]


# --- sort_at ------------------------------------------------------------------------------


def entry(
    *,
    title: str | None = None,
    published: datetime | None = None,
    updated: datetime | None = None,
    summary: str | None = None,
    content: str | None = None,
) -> ParsedEntry:
    return ParsedEntry(
        id="x",
        id_source="guid",
        title=title,
        published=published,
        updated=updated,
        summary=summary,
        content=content,
    )


def test_sort_at_is_published_else_updated_else_now() -> None:
    published = datetime(2024, 5, 1, tzinfo=UTC)
    updated = datetime(2024, 5, 2, tzinfo=UTC)
    assert sort_time(entry(published=published, updated=updated), NOW) == published
    assert sort_time(entry(updated=updated), NOW) == updated
    assert sort_time(entry(), NOW) == NOW


def test_future_dates_within_a_day_are_kept_and_beyond_are_clamped_to_now() -> None:
    soon = NOW + FUTURE_TOLERANCE
    assert sort_time(entry(published=soon), NOW) == soon
    assert sort_time(entry(published=soon + timedelta(seconds=1)), NOW) == NOW
    assert sort_time(entry(published=datetime(2030, 1, 1, tzinfo=UTC)), NOW) == NOW


def test_a_future_date_in_a_real_feed_is_clamped() -> None:
    document = rss(
        "<guid>f</guid><title>From the future</title>"
        "<pubDate>Wed, 01 Jan 2031 00:00:00 GMT</pubDate>",
        item("a", "A", 3),
    )
    decisions = decide_entries(parse_feed(document, FEED_URL), {}, NOW)
    assert ids(decisions.new) == ["a", "f"]
    assert decisions.new[1].sort_at == NOW
    # The entry itself keeps the date the publisher gave.
    assert decisions.new[1].published == datetime(2031, 1, 1, tzinfo=UTC)


def test_sort_at_is_aware_utc_whatever_the_zone_of_now() -> None:
    tokyo = timezone(timedelta(hours=9))
    local_now = NOW.astimezone(tokyo)
    result = sort_time(entry(), local_now)
    assert result == NOW
    assert result.utcoffset() == timedelta(0)
    naive = sort_time(entry(published=datetime(2024, 5, 1, 8, 0)), local_now)
    assert naive == datetime(2024, 5, 1, 8, 0, tzinfo=UTC)


# --- feed_metadata ------------------------------------------------------------------------


def test_feed_metadata_maps_a_real_feed() -> None:
    channel = (
        "<description>About &lt;b&gt;us&lt;/b&gt;</description><language>en-gb</language>"
        '<atom:link xmlns:atom="http://www.w3.org/2005/Atom" rel="hub"'
        ' href="https://hub.example.org/one"/>'
        '<atom:link xmlns:atom="http://www.w3.org/2005/Atom" rel="hub"'
        ' href="https://hub.example.org/two"/>'
        '<atom:link xmlns:atom="http://www.w3.org/2005/Atom" rel="self"'
        f' href="{FEED_URL}"/>'
        "<ttl>90</ttl><skipHours><hour>1</hour><hour>2</hour></skipHours>"
        "<skipDays><day>Sunday</day></skipDays>"
        "<image><url>https://blog.example.org/logo.png</url></image>"
    )
    parsed = parse_feed(rss(channel=channel), FEED_URL)
    metadata = feed_metadata(parsed)
    assert metadata.title == "Example"
    assert metadata.site_url == "https://blog.example.org/"
    assert metadata.description == parsed.description
    assert metadata.language == parsed.language
    assert metadata.hub_url == "https://hub.example.org/one"
    assert metadata.self_url == FEED_URL
    assert metadata.ttl_minutes == 90
    assert metadata.skip_hours == frozenset({1, 2})
    assert metadata.skip_days == frozenset({"Sunday"})
    assert (metadata.icon_url, metadata.logo_url) == (parsed.icon, parsed.logo)


def test_feed_metadata_of_a_bare_feed() -> None:
    metadata = feed_metadata(ParsedFeed(url=FEED_URL, format="json11"))
    assert metadata.title is None
    assert metadata.hub_url is None
    assert metadata.self_url is None
    assert metadata.ttl_minutes is None
    assert metadata.skip_hours == frozenset()
    assert metadata.skip_days == frozenset()
