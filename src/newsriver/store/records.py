"""The records that cross the store's boundary: what it returns and what it is asked to write.

They live here, at the bottom of the update flow, because `update/` (which decides) sits
above `store/` (which writes) and may import it, never the other way round. Each is a
frozen, slotted dataclass carrying plain data; none holds a connection.

The flow, with names by role: the store hands out a `FeedForUpdate` and the `KnownEntry`
fingerprints of a feed; `update.decide` compares them with a `ParsedFeed` and produces a
`FeedUpdate` of `EntryWrite`s; the store applies that in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from newsriver.models import ParsedEntry

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


@dataclass(frozen=True, slots=True)
class EntryWrite:
    """An entry to insert or to update in place, with what the store derives from it."""

    entry: ParsedEntry
    content_hash: str
    # The moment the stream sorts and groups this entry by (published, else first seen).
    sort_at: datetime
    # Set for a changed entry: the row to update. None for a new entry.
    entry_id: int | None = None


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
