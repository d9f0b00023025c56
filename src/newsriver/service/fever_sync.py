"""What a Fever client asks that the shared reading services do not answer as it needs:
its feeds with their fetch times, the icons in one go, items in Fever's id windows,
every unread or saved id, "mark read before my last sync", and "unread what I just read".

Fever names a few windows of items (ids above `since_id`, below `max_id`, given ids),
and moments rather than entry ids when marking feeds read; both become `EntryQuery`
filters and id bounds here, so the API handlers only parse and serialise.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from sqlalchemy import Connection

from newsriver.clock import utcnow
from newsriver.service import reading
from newsriver.service.reading import Stream
from newsriver.store import entries, icons, sidebar, sync_times
from newsriver.store.database import Database
from newsriver.store.entries import MAX_IDS, EntryDetails, EntryQuery
from newsriver.store.icons import StoredIcon
from newsriver.store.sidebar import SidebarCategory, SidebarFeed

# Fever's page of items: "50 additional items" per call, and at most 50 `with_ids`.
ITEMS_PER_CALL = 50
# The most feeds or groups an items request may filter by (FreshRSS's `feed_ids`,
# `group_ids`): each is one indexed query.
MAX_ITEM_FILTERS = 50
# The most ids `unread_item_ids` and `saved_item_ids` list: the newest ones. A client
# treats a cached item missing from the list as read (unsaved), so the cap is high; at
# 50,000 ids the answer is about 400 KB.
MAX_ITEM_IDS = 50_000
# What "recently read" covers when a client asks to unread it.
RECENTLY_READ = timedelta(hours=1)
# No upper bound on entry ids (the largest BIGINT).
_ANY_ID = 2**63 - 1


@dataclass(frozen=True, slots=True)
class FeverFeed:
    feed: SidebarFeed
    # None: never fetched yet.
    last_fetched_at: datetime | None


@dataclass(frozen=True, slots=True)
class FeverSubscriptions:
    # The user's categories (Fever's groups), in their order.
    categories: tuple[SidebarCategory, ...]
    feeds: tuple[FeverFeed, ...]


def subscriptions(database: Database, user_id: int) -> FeverSubscriptions:
    """The user's categories and feeds, with when each feed was last fetched."""
    with database.read() as connection:
        categories = sidebar.sidebar_categories(connection, user_id)
        feeds = sidebar.sidebar_feeds(connection, user_id)
        fetched = sync_times.feed_fetch_times(connection, user_id)
    return FeverSubscriptions(
        categories=tuple(categories),
        feeds=tuple(FeverFeed(feed, fetched.get(feed.feed_id)) for feed in feeds),
    )


def last_refreshed(database: Database, user_id: int) -> datetime | None:
    """When any of the user's feeds was last fetched (Fever's `last_refreshed_on_time`);
    None before the first fetch."""
    with database.read() as connection:
        return sync_times.last_fetch_time(connection, user_id)


def feed_icons(database: Database, user_id: int) -> dict[int, StoredIcon]:
    """The stored icon of each of the user's feeds that has one, by feed id, in one
    query (`service.icons.feed_icon` reads one feed's)."""
    with database.read() as connection:
        return icons.icons_of_user(connection, user_id)


@dataclass(frozen=True, slots=True)
class ItemWindow:
    """Which items one call returns (at most ITEMS_PER_CALL). `with_ids` wins; else
    `since_id` (ascending, below `max_id` too when both are given); else `max_id`
    (descending; 0 starts from the newest); else the oldest items, ascending."""

    since_id: int | None = None
    max_id: int | None = None
    with_ids: tuple[int, ...] | None = None
    # Only these feeds' or categories' items (both empty: every feed).
    feed_ids: tuple[int, ...] = field(default=())
    group_ids: tuple[int, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class ItemPage:
    items: tuple[EntryDetails, ...]
    # All the user's entries (Fever's `total_items`).
    total: int


def items(database: Database, user_id: int, window: ItemWindow) -> ItemPage:
    """One call's items, in the window's order. Another user's ids, feeds and groups
    select nothing."""
    query = _window_query(window)
    filters = [EntryQuery(feed_id=feed_id) for feed_id in window.feed_ids]
    filters += [EntryQuery(category_id=group_id) for group_id in window.group_ids]
    with database.read() as connection:
        if not filters:
            found = entries.list_entry_details(connection, user_id, query)
        else:
            found = _merged(connection, user_id, query, filters[:MAX_ITEM_FILTERS])
        total = entries.count_entries(connection, user_id, EntryQuery())
    return ItemPage(tuple(found), total)


def _window_query(window: ItemWindow) -> EntryQuery:
    if window.with_ids is not None:
        ids = tuple(dict.fromkeys(window.with_ids))[:ITEMS_PER_CALL]
        return EntryQuery(entry_ids=ids, order="oldest", limit=ITEMS_PER_CALL)
    if window.since_id is not None:
        return EntryQuery(
            id_above=window.since_id,
            id_below=window.max_id or None,
            order="oldest",
            limit=ITEMS_PER_CALL,
        )
    if window.max_id is not None:
        return EntryQuery(id_below=window.max_id or None, order="newest", limit=ITEMS_PER_CALL)
    return EntryQuery(order="oldest", limit=ITEMS_PER_CALL)


def _merged(
    connection: Connection, user_id: int, query: EntryQuery, filters: list[EntryQuery]
) -> list[EntryDetails]:
    """The first page of the window over several feeds or categories: each one's first
    page, merged in the window's order."""
    found: dict[int, EntryDetails] = {}
    for narrowed in filters:
        scoped = replace(query, feed_id=narrowed.feed_id, category_id=narrowed.category_id)
        page = entries.list_entry_details(connection, user_id, scoped)
        found.update((item.id, item) for item in page)
    ordered = sorted(found, reverse=query.order == "newest")
    return [found[entry_id] for entry_id in ordered[: query.limit]]


def item_ids(database: Database, user_id: int, *, saved: bool) -> list[int]:
    """The ids of the user's unread (or, with `saved`, starred) entries, ascending: the
    newest MAX_ITEM_IDS of them."""
    query = EntryQuery(unread_only=not saved, starred_only=saved, order="newest", limit=MAX_IDS)
    found: list[int] = []
    with database.read() as connection:
        while len(found) < MAX_ITEM_IDS:
            page = entries.list_entry_ids(connection, user_id, query)
            found += page
            if len(page) < MAX_IDS:
                break
            query = replace(query, after_id=page[-1])
    return sorted(found[:MAX_ITEM_IDS])


def mark_read_before(
    database: Database, user_id: int, stream: Stream, before: datetime | None
) -> int:
    """Mark read the stream's entries that had arrived by `before` (the client's last
    sync: entries it has not received stay unread); None: every entry. Returns how many
    changed. NotFoundError when the feed or category is not the user's."""
    up_to_id: int | None = _ANY_ID
    if before is not None:
        with database.read() as connection:
            up_to_id = sync_times.newest_entry_seen_by(connection, before)
    if up_to_id is None:
        # Nothing had arrived by then; still refuse another user's feed or category.
        up_to_id = 0
    return reading.mark_all_read(database, user_id, stream, up_to_id=up_to_id)


def unread_recently_read(database: Database, user_id: int) -> list[int]:
    """Mark unread again the entries the user read in the last RECENTLY_READ; returns
    their ids, ascending."""
    with database.write() as connection:
        return sync_times.unread_read_since(connection, user_id, utcnow() - RECENTLY_READ)
