"""A user's feeds as the REST API (Miniflux's shape) describes them: with their category
and, for the feed listings, how their fetching goes; per-feed counters; refreshing.

Entries embed their feed, so `feed_summaries` is the cheap listing (two indexed reads,
no fetch log) that every page of entries uses; `feeds_with_state` adds the fetch state
(the health overview's two queries) for `GET /v1/feeds`.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import datetime

from newsriver.clock import utcnow
from newsriver.errors import NotFoundError
from newsriver.service import reading
from newsriver.store import counts, health, sidebar, subscriptions
from newsriver.store.database import Database


@dataclass(frozen=True, slots=True)
class RestFeed:
    id: int
    # The user's title, else the feed's, else its URL.
    title: str
    feed_url: str
    site_url: str | None
    # None: the default category ("Uncategorised").
    category_id: int | None
    category_title: str | None
    # The fetch state; None and 0 in `feed_summaries`, which does not read it.
    checked_at: datetime | None = None
    next_check_at: datetime | None = None
    error: str | None = None
    error_count: int = 0
    disabled: bool = False


def feed_summaries(
    database: Database, user_id: int, only: Collection[int] | None = None
) -> dict[int, RestFeed]:
    """The user's feeds by id (those of `only`, if given), in the sidebar's order,
    without their fetch state. From the kept sidebar (`reading.load_sidebar`): a page
    of entries reads no feeds again to describe those of its entries."""
    found = reading.load_sidebar(database, user_id, with_counts=False)
    names = {category.id: category.name for category in found.categories}
    return {
        feed.feed_id: RestFeed(
            id=feed.feed_id,
            title=feed.title,
            feed_url=feed.url,
            site_url=feed.site_url,
            category_id=feed.category_id,
            category_title=None if feed.category_id is None else names.get(feed.category_id),
        )
        for feed in [
            *(item.feed for category in found.categories for item in category.feeds),
            *(item.feed for item in found.uncategorised),
        ]
        if only is None or feed.feed_id in only
    }


def feeds_with_state(
    database: Database, user_id: int, *, category_id: int | None = None
) -> list[RestFeed]:
    """The user's feeds (only those of `category_id`, when given) with their fetch
    state. NotFoundError when the category is not the user's."""
    with database.read() as connection:
        if category_id is not None:
            sidebar.category_name(connection, user_id, category_id)
        states = {
            row.feed_id: row for row in health.health_overview(connection, user_id, now=utcnow())
        }
    found = []
    for feed in feed_summaries(database, user_id).values():
        if category_id is not None and feed.category_id != category_id:
            continue
        state = states.get(feed.id)
        if state is not None:
            feed = replace(
                feed,
                checked_at=state.last_fetched_at,
                next_check_at=state.next_check_at,
                error=state.disabled_reason or state.last_error,
                error_count=state.error_count,
                disabled=state.disabled_reason is not None,
            )
        found.append(feed)
    return found


def feed_with_state(database: Database, user_id: int, feed_id: int) -> RestFeed:
    """One of the user's feeds with its fetch state; NotFoundError when not theirs."""
    with database.read() as connection:
        subscriptions.get_subscription(connection, user_id, feed_id)
    for feed in feeds_with_state(database, user_id):
        if feed.id == feed_id:
            return feed
    # Unsubscribed between the two reads.
    raise NotFoundError(f"no subscription to feed {feed_id}")


@dataclass(frozen=True, slots=True)
class Counters:
    # Per feed id; feeds with no such entries are absent.
    read: dict[int, int]
    unread: dict[int, int]


def counters(database: Database, user_id: int) -> Counters:
    """Read and unread entries per feed: the kept unread counts of the subscriptions,
    and one grouped count of the read state rows."""
    with database.read() as connection:
        return Counters(
            read=counts.read_per_feed(connection, user_id),
            unread=counts.unread_per_feed(connection, user_id),
        )


def request_checks(database: Database, user_id: int, *, category_id: int | None = None) -> int:
    """Make every enabled feed of the user (of the category, when given) due now, for
    the scheduler's next round; returns how many. NotFoundError for a category that is
    not the user's. Disabled feeds (410 Gone) stay disabled: re-enabling one is asked
    for one feed at a time."""
    now = utcnow()
    with database.write() as connection:
        if category_id is not None:
            sidebar.category_name(connection, user_id, category_id)
        feeds = [
            row
            for row in sidebar.sidebar_feeds(connection, user_id)
            if category_id is None or row.category_id == category_id
        ]
        disabled = {
            row.feed_id
            for row in subscriptions.list_subscriptions(connection, user_id)
            if row.disabled_reason is not None
        }
        due = [row.feed_id for row in feeds if row.feed_id not in disabled]
        for feed_id in due:
            health.request_check(connection, user_id, feed_id, now=now)
    return len(due)
