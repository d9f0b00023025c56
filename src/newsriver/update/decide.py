"""Deciding what a freshly parsed feed changes in the store. Pure: no I/O, no clock.

`decide_entries` compares the entries of a `ParsedFeed` with the `KnownEntry`
fingerprints the store holds for the feed and sorts them into new, changed (edited by the
publisher) and unchanged; `feed_metadata` turns the feed-level fields into the record the
store refreshes. The moment of the update is always passed in as `now`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from newsriver.models import ParsedEntry, ParsedFeed
from newsriver.store.records import EntryWrite, FeedMetadata, KnownEntry, entry_write

__all__ = [
    "FUTURE_TOLERANCE",
    "EntryDecisions",
    "decide_entries",
    "entry_hash",
    "feed_metadata",
    "sort_time",
]

# Publishers date entries slightly ahead (wrong time zones, scheduled posts); beyond this,
# the date is not believed and the entry sorts at the moment it was first seen, so that a
# post dated next year does not sit on top of the stream for a year.
FUTURE_TOLERANCE = timedelta(days=1)

# 16 bytes: 32 hex characters, collision-free in practice for one feed's entries.
_HASH_BYTES = 16


@dataclass(frozen=True, slots=True)
class EntryDecisions:
    """What one parsed document changes among a feed's entries."""

    # Entries never seen before, oldest first (by sort_at), so that the integer ids the
    # store assigns on insertion grow with time.
    new: tuple[EntryWrite, ...]
    # Entries the publisher edited, in document order; entry_id is the row to update.
    changed: tuple[EntryWrite, ...]
    # Entries already stored with the same content, tombstones included (an id repeated
    # within the document counts once).
    unchanged: int


def entry_hash(entry: ParsedEntry) -> str:
    """Return a digest of the fields of `entry` that a publisher may edit.

    The same entry gives the same 32 hex characters in every process and on every run:
    the fields are fed to BLAKE2b in a fixed order, each text as its UTF-8 length and
    bytes (no `hash()`, no set order, nothing to escape). The id is not part of it: it
    is what the hash is stored under. Changing this encoding makes every stored entry
    look edited once.
    """
    digest = hashlib.blake2b(digest_size=_HASH_BYTES)
    for part in (entry.title, entry.link):
        digest.update(_encoded(part))
    digest.update(b"%d*" % len(entry.authors))
    for person in entry.authors:
        for part in (person.name, person.email, person.uri):
            digest.update(_encoded(part))
    for part in (_iso(entry.published), _iso(entry.updated), entry.summary, entry.content):
        digest.update(_encoded(part))
    digest.update(b"%d*" % len(entry.categories))
    for category in entry.categories:
        digest.update(_encoded(category))
    digest.update(b"%d*" % len(entry.enclosures))
    for enclosure in entry.enclosures:
        length = None if enclosure.length is None else str(enclosure.length)
        for part in (enclosure.url, enclosure.type, length):
            digest.update(_encoded(part))
    for part in (entry.thumbnail, entry.comments):
        digest.update(_encoded(part))
    return digest.hexdigest()


def _encoded(text: str | None) -> bytes:
    """`text` as an unambiguous piece of the hashed stream: "-" for None, else "len:bytes"."""
    if text is None:
        return b"-"
    # surrogatepass: lone surrogates (rare, but feeds are hostile) must not raise.
    data = text.encode("utf-8", "surrogatepass")
    return b"%d:%s" % (len(data), data)


def decide_entries(
    parsed: ParsedFeed, known: Mapping[str, KnownEntry], now: datetime
) -> EntryDecisions:
    """Sort the entries of `parsed` into new, changed and unchanged against `known`.

    `known` maps `ParsedEntry.id` to what the store has for this feed. An id seen again
    in the same document is ignored after its first occurrence (feeds repeat items). A
    tombstone (a known entry whose row was purged) is counted as unchanged, never
    re-inserted nor updated: a purged entry must not come back as unread. Search text
    is only computed for new and changed entries. Does not look at other feeds.
    """
    _check_aware(now)
    seen: set[str] = set()
    new: list[tuple[int, EntryWrite]] = []
    changed: list[EntryWrite] = []
    unchanged = 0
    for position, entry in enumerate(parsed.entries):
        if entry.id in seen:
            continue
        seen.add(entry.id)
        stored = known.get(entry.id)
        if stored is not None and stored.entry_id is None:
            unchanged += 1
            continue
        digest = entry_hash(entry)
        if stored is None:
            new.append((position, _write(entry, digest, now, entry_id=None)))
        elif stored.content_hash != digest:
            changed.append(_write(entry, digest, now, entry_id=stored.entry_id))
        else:
            unchanged += 1
    # Feeds list newest first: for equal dates, the later in the document is the older.
    new.sort(key=lambda item: (item[1].sort_at, -item[0]))
    return EntryDecisions(
        new=tuple(write for _, write in new), changed=tuple(changed), unchanged=unchanged
    )


def sort_time(entry: ParsedEntry, now: datetime) -> datetime:
    """Return when `entry` sorts in the stream: published, else updated, else `now`.

    A date more than FUTURE_TOLERANCE after `now` is not believed and gives `now`.
    Always aware UTC.
    """
    _check_aware(now)
    now = now.astimezone(UTC)
    dated = entry.published or entry.updated
    if dated is None:
        return now
    dated = _as_utc(dated)
    return now if dated > now + FUTURE_TOLERANCE else dated


def feed_metadata(parsed: ParsedFeed) -> FeedMetadata:
    """Return the feed-level fields of `parsed` as the store keeps them.

    The description stays sanitised HTML; of several WebSub hubs, the first is kept.
    """
    return FeedMetadata(
        title=parsed.title,
        site_url=parsed.link,
        description=parsed.description,
        language=parsed.language,
        icon_url=parsed.icon,
        logo_url=parsed.logo,
        hub_url=parsed.hubs[0] if parsed.hubs else None,
        self_url=parsed.self_link,
        ttl_minutes=parsed.ttl,
        skip_hours=parsed.skip_hours,
        skip_days=parsed.skip_days,
    )


def _write(entry: ParsedEntry, digest: str, now: datetime, *, entry_id: int | None) -> EntryWrite:
    return entry_write(entry, content_hash=digest, sort_at=sort_time(entry, now), entry_id=entry_id)


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else _as_utc(moment).isoformat()


def _as_utc(moment: datetime) -> datetime:
    # The parser only produces aware UTC; a naive value can only mean UTC.
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _check_aware(now: datetime) -> None:
    assert now.utcoffset() is not None, f"now must be timezone-aware, got {now!r}"
