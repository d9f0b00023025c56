"""The records that cross the store's boundary: what it returns and what it is asked to write.

They live here, at the bottom of the update flow, because `update/` (which decides) sits
above `store/` (which writes) and may import it, never the other way round. Each is a
frozen, slotted dataclass (or, where it is pickled by the thousand, a named tuple)
carrying plain data; none holds a connection.

The flow, with names by role: the store hands out a `FeedForUpdate` and the `KnownEntry`
fingerprints of a feed; `update.decide` compares them with a `ParsedFeed` and produces a
`FeedUpdate` of `EntryWrite`s; the store applies that in one transaction.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, NamedTuple

from newsriver.models import ParsedEntry
from newsriver.store.search_text import text_of

FetchOutcome = Literal["ok", "not_modified", "error"]


@dataclass(frozen=True, slots=True)
class FeedForUpdate:
    """What the update pipeline needs to know about a stored feed before fetching it."""

    id: int
    url: str
    # Validators from the last 200, sent back as a conditional GET (RFC 9110 §13.1).
    etag: str | None
    last_modified: str | None
    # Consecutive failed fetches; drives the exponential back-off.
    error_count: int
    last_fetched_at: datetime | None
    # When a fetch last brought a new entry; None when never.
    last_new_entry_at: datetime | None
    # Publisher hints kept from the last successful parse.
    ttl_minutes: int | None
    skip_hours: frozenset[int]
    skip_days: frozenset[str]
    # The smallest refresh interval any subscriber asked for, in seconds; None: adaptive.
    interval_override_s: int | None
    # The publisher's typical time between entries, as last estimated; None: unknown.
    posting_interval_s: int | None = None
    # A permanent redirect seen on the last fetches, and how many times in a row.
    redirect_url: str | None = None
    redirect_count: int = 0


@dataclass(frozen=True, slots=True)
class KnownEntry:
    """The fingerprint of an entry the store already has (or purged) for a feed."""

    # None for a tombstone: the entry was purged and must not come back.
    entry_id: int | None
    # `update.decide`'s hash of the fields a publisher may edit.
    content_hash: str


class EntryWrite(NamedTuple):
    """An entry to insert or to update in place, in the form the store writes it.

    Plain values rather than the `ParsedEntry`: it is built in a parse worker process
    and unpickled in the refresh's process, whose single interpreter lock is the
    refresh's bottleneck, and a tuple of strings unpickles in C where nested dataclasses
    (the entry, its people and enclosures) each cost a Python call per field. The
    fields up to `sort_at` are `updates._ENTRY_COLUMNS`, in that order. Build it with
    `entry_write`.
    """

    key: str
    # `update.decide`'s hash of the fields a publisher may edit.
    content_hash: str
    title: str | None
    link: str | None
    author: str | None
    # JSON lists, as stored: [{"name", "email", "uri"}], ["term"], [{"url", "type", "length"}].
    authors: str
    summary: str | None
    content: str | None
    categories: str
    enclosures: str
    thumbnail: str | None
    comments_url: str | None
    published: datetime | None
    updated: datetime | None
    # The moment the stream sorts and groups this entry by (published, else first seen).
    sort_at: datetime
    # The words the search index gets (`search_text.text_of` of the content or summary).
    search_text: str
    # Set for a changed entry: the row to update. None for a new entry.
    entry_id: int | None = None


def entry_write(
    entry: ParsedEntry, *, content_hash: str, sort_at: datetime, entry_id: int | None = None
) -> EntryWrite:
    """`entry` as the store writes it."""
    return EntryWrite(
        entry.id,
        content_hash,
        entry.title,
        entry.link,
        entry.author,
        _json_list([{"name": p.name, "email": p.email, "uri": p.uri} for p in entry.authors]),
        entry.summary,
        entry.content,
        _json_list(list(entry.categories)),
        _json_list([{"url": x.url, "type": x.type, "length": x.length} for x in entry.enclosures]),
        entry.thumbnail,
        entry.comments,
        entry.published,
        entry.updated,
        sort_at,
        text_of(entry.content or entry.summary),
        entry_id,
    )


def _json_list(items: list[object]) -> str:
    return json.dumps(items, ensure_ascii=False) if items else "[]"


@dataclass(frozen=True, slots=True)
class FeedMetadata:
    """Feed-level fields refreshed from every successful parse."""

    title: str | None
    site_url: str | None
    description: str | None
    language: str | None
    icon_url: str | None
    logo_url: str | None
    hub_url: str | None
    self_url: str | None
    ttl_minutes: int | None
    skip_hours: frozenset[int]
    skip_days: frozenset[str]


@dataclass(frozen=True, slots=True)
class NextCheck:
    """When a feed is checked next, and the reason in words (the web UI shows it)."""

    at: datetime
    reason: str


@dataclass(frozen=True, slots=True)
class FetchRecord:
    """One line of a feed's fetch history, for the feed-health page."""

    at: datetime
    outcome: FetchOutcome
    duration_ms: int
    status: int | None = None
    error: str | None = None
    new_entries: int = 0
    changed_entries: int = 0


@dataclass(frozen=True, slots=True)
class FeedUpdate:
    """Everything one fetch of one feed changes, applied by the store in one transaction."""

    feed_id: int
    fetch: FetchRecord
    next_check: NextCheck
    # None when the fetch did not produce a document (304 or error): metadata is kept.
    metadata: FeedMetadata | None = None
    etag: str | None = None
    last_modified: str | None = None
    # True when etag/last_modified above replace the stored ones.
    validators_changed: bool = False
    new_entries: tuple[EntryWrite, ...] = ()
    changed_entries: tuple[EntryWrite, ...] = ()
    # Consecutive errors after this fetch (0 after a success).
    error_count: int = 0
    # The feed answered 410 Gone (or must otherwise stop being fetched); the reason.
    disable_reason: str | None = None
    # A permanent redirect: the new URL and how many fetches in a row have seen it.
    redirect_url: str | None = None
    redirect_count: int = 0
    # Set when the redirect has been stable long enough: the feed's URL becomes this.
    move_to_url: str | None = None
    # Entries already present in the store that this parse contained again, unchanged.
    unchanged: int = 0
    # The new estimate of the publisher's posting interval; None keeps the stored one.
    posting_interval_s: int | None = None
