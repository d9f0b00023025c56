"""From one fetch's outcome to the `FeedUpdate` the store applies. Pure, like `decide`.

`update_from_document` does the heavy part of a refresh (parsing, sanitising, hashing,
search text) and is what the pipeline runs in worker processes: its arguments and
result are plain picklable data, and it needs no connection, clock or network.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime, timedelta

from newsriver.errors import FeedParseError, FetchError
from newsriver.fetch import FetchResult, NotModified
from newsriver.store.records import FeedForUpdate, FeedUpdate, FetchRecord, KnownEntry
from newsriver.update.decide import decide_entries, feed_metadata
from newsriver.update.schedule import FetchFacts, posting_interval, schedule

# A permanent redirect must be seen on this many fetches in a row before the feed's URL
# changes: a misconfigured server that 301s for an hour must not move a feed for good.
REDIRECT_STABLE_AFTER = 3


def update_from_document(
    feed: FeedForUpdate,
    result: FetchResult,
    known: Mapping[str, KnownEntry],
    *,
    now: datetime,
    jitter: float,
) -> FeedUpdate:
    """Parse the fetched document, decide what is new or changed, and schedule."""
    # Imported here: this runs in parse workers, and the refresh's own process (which
    # imports this module for the other outcomes) then never loads lxml, nh3 and
    # feedparser.
    from newsriver.feeds import parse_feed

    try:
        parsed = parse_feed(result.body, result.final_url, result.content_type)
    except FeedParseError as e:
        return update_from_error(
            feed,
            e.reason,
            status=result.status,
            duration_ms=result.duration_ms,
            now=now,
            jitter=jitter,
            permanent_url=result.permanent_url,
        )
    decisions = decide_entries(parsed, known, now)
    dates = [entry.published or entry.updated for entry in parsed.entries]
    interval = posting_interval([d for d in dates if d is not None], now)
    interval_s = int(interval.total_seconds()) if interval is not None else feed.posting_interval_s
    metadata = feed_metadata(parsed)
    # The document's own hints, and a feed that just posted is no longer "silent".
    scheduled_feed = replace(
        feed,
        ttl_minutes=metadata.ttl_minutes,
        skip_hours=metadata.skip_hours,
        skip_days=metadata.skip_days,
        last_new_entry_at=now if decisions.new else feed.last_new_entry_at,
    )
    next_check = schedule(
        scheduled_feed,
        FetchFacts(succeeded=True, error_count=0, max_age=result.max_age),
        now=now,
        posting_interval_s=interval_s,
        jitter=jitter,
    )
    update = FeedUpdate(
        feed_id=feed.id,
        fetch=FetchRecord(
            at=now,
            outcome="ok",
            duration_ms=result.duration_ms,
            status=result.status,
            new_entries=len(decisions.new),
            changed_entries=len(decisions.changed),
        ),
        next_check=next_check,
        metadata=metadata,
        etag=result.etag,
        last_modified=result.last_modified,
        validators_changed=True,
        new_entries=decisions.new,
        changed_entries=decisions.changed,
        unchanged=decisions.unchanged,
        error_count=0,
        posting_interval_s=interval_s,
    )
    return _redirect(update, feed, result.permanent_url)


def update_from_not_modified(
    feed: FeedForUpdate, result: NotModified, *, now: datetime, jitter: float
) -> FeedUpdate:
    """A 304: nothing to parse; keep the metadata, refresh validators and the schedule."""
    next_check = schedule(
        feed,
        FetchFacts(succeeded=True, error_count=0, max_age=result.max_age),
        now=now,
        posting_interval_s=feed.posting_interval_s,
        jitter=jitter,
    )
    update = FeedUpdate(
        feed_id=feed.id,
        fetch=FetchRecord(
            at=now, outcome="not_modified", duration_ms=result.duration_ms, status=304
        ),
        next_check=next_check,
        etag=result.etag,
        last_modified=result.last_modified,
        validators_changed=(result.etag, result.last_modified) != (feed.etag, feed.last_modified),
        error_count=0,
    )
    return _redirect(update, feed, result.permanent_url)


def update_from_fetch_error(
    feed: FeedForUpdate, error: FetchError, *, duration_ms: int, now: datetime, jitter: float
) -> FeedUpdate:
    """The fetch failed: back off, and disable the feed when the server says it is gone."""
    return update_from_error(
        feed,
        error.reason,
        status=error.status,
        duration_ms=duration_ms,
        now=now,
        jitter=jitter,
        retry_after=error.retry_after,
        gone=error.kind == "gone",
    )


def update_from_error(
    feed: FeedForUpdate,
    reason: str,
    *,
    status: int | None,
    duration_ms: int,
    now: datetime,
    jitter: float,
    retry_after: timedelta | None = None,
    gone: bool = False,
    permanent_url: str | None = None,
) -> FeedUpdate:
    """Any failure (network, HTTP, unparseable document): stored entries stay untouched."""
    errors = feed.error_count + 1
    next_check = schedule(
        feed,
        FetchFacts(
            succeeded=False,
            error_count=errors,
            retry_after=retry_after,
            gone=gone,
        ),
        now=now,
        posting_interval_s=feed.posting_interval_s,
        jitter=jitter,
    )
    update = FeedUpdate(
        feed_id=feed.id,
        fetch=FetchRecord(
            at=now, outcome="error", duration_ms=duration_ms, status=status, error=reason
        ),
        next_check=next_check,
        error_count=errors,
        disable_reason=reason if gone else None,
    )
    return _redirect(update, feed, permanent_url)


def _redirect(update: FeedUpdate, feed: FeedForUpdate, permanent_url: str | None) -> FeedUpdate:
    """Count consecutive sightings of one permanent redirect; move the feed once stable."""
    if permanent_url is None or permanent_url == feed.url:
        return update
    count = feed.redirect_count + 1 if permanent_url == feed.redirect_url else 1
    move = permanent_url if count >= REDIRECT_STABLE_AFTER else None
    return replace(update, redirect_url=permanent_url, redirect_count=count, move_to_url=move)
