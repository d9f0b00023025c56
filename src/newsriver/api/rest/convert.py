"""From newsriver's records to the REST API's JSON models (Miniflux's shapes)."""

from __future__ import annotations

import hashlib
import math
import re
from datetime import UTC, datetime

from newsriver.api.rest.models import (
    CategoryOut,
    EnclosureOut,
    EntryOut,
    FeedIconRef,
    FeedOut,
)
from newsriver.service.rest_feeds import RestFeed
from newsriver.store.entries import EntryDetails

# Go's zero time, which Miniflux sends for a feed never checked.
NEVER = datetime(1, 1, 1, tzinfo=UTC)
UNCATEGORISED = "Uncategorised"
# Miniflux's default reading speed, in words per minute.
WORDS_PER_MINUTE = 265
_TAG = re.compile(r"<[^>]*>")
# Enclosure ids are derived from their entry's: entry id × this + position.
ENCLOSURES_PER_ENTRY = 1000


def when(moment: datetime | None) -> datetime:
    """A time to the second, in UTC (as Miniflux writes them); NEVER for none."""
    if moment is None:
        return NEVER
    return moment.astimezone(UTC).replace(microsecond=0)


def category_out(user_id: int, category_id: int | None, title: str | None) -> CategoryOut:
    """A category, or the default one (id 0, "Uncategorised") for feeds without one:
    Miniflux puts every feed in a category, and clients read `feed.category.id`."""
    if category_id is None:
        return CategoryOut(id=0, title=UNCATEGORISED, user_id=user_id)
    return CategoryOut(id=category_id, title=title or "", user_id=user_id)


def feed_out(user_id: int, feed: RestFeed) -> FeedOut:
    return FeedOut(
        id=feed.id,
        user_id=user_id,
        feed_url=feed.feed_url,
        site_url=feed.site_url or "",
        title=feed.title,
        checked_at=when(feed.checked_at),
        next_check_at=when(feed.next_check_at),
        parsing_error_message=feed.error or "",
        parsing_error_count=feed.error_count,
        disabled=feed.disabled,
        category=category_out(user_id, feed.category_id, feed.category_title),
        icon=FeedIconRef(feed_id=feed.id, icon_id=feed.id),
    )


def reading_time(html: str) -> int:
    """Minutes to read `html`'s text, rounded up, as Miniflux estimates them."""
    words = len(_TAG.sub(" ", html).split())
    return math.ceil(words / WORDS_PER_MINUTE) if words else 0


def _changed_at(entry: EntryDetails) -> datetime:
    """When the entry last changed for the user: edited, read or starred, else first seen
    (the time `changed_before`/`changed_after` filter on, in `store.entries._changed`)."""
    moments = [entry.first_seen_at, entry.updated, entry.read_at, entry.starred_at]
    return max(moment for moment in moments if moment is not None)


def _size(value: object) -> int:
    try:
        return max(0, int(str(value)))
    except ValueError:
        return 0


def entry_out(user_id: int, entry: EntryDetails, feed: FeedOut) -> EntryOut:
    content = entry.content or entry.summary or ""
    enclosures = [
        EnclosureOut(
            id=entry.id * ENCLOSURES_PER_ENTRY + position,
            user_id=user_id,
            entry_id=entry.id,
            url=str(item.get("url") or ""),
            mime_type=str(item.get("type") or ""),
            size=_size(item.get("length")),
        )
        for position, item in enumerate(entry.enclosures[: ENCLOSURES_PER_ENTRY - 1], start=1)
    ]
    return EntryOut(
        id=entry.id,
        user_id=user_id,
        feed_id=entry.feed_id,
        status="read" if entry.read else "unread",
        # Opaque and stable: what identifies the entry in its feed is newsriver's own.
        hash=hashlib.sha256(f"newsriver-entry:{entry.id}".encode()).hexdigest(),
        title=entry.title or "",
        url=entry.link or "",
        comments_url=entry.comments_url or "",
        published_at=when(entry.sort_at),
        created_at=when(entry.first_seen_at),
        changed_at=when(_changed_at(entry)),
        content=content,
        author=entry.author or "",
        starred=entry.starred,
        reading_time=reading_time(content),
        enclosures=enclosures,
        tags=list(entry.categories),
        feed=feed,
    )


def unknown_feed(user_id: int, feed_id: int) -> FeedOut:
    """The feed of an entry whose subscription went between two reads."""
    return feed_out(
        user_id,
        RestFeed(
            id=feed_id,
            title="",
            feed_url="",
            site_url=None,
            category_id=None,
            category_title=None,
        ),
    )
