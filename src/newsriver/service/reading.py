"""Reading: the streams (main, favourites, a feed, a category, a label), the sidebar
that lists them with their unread counts, and the state changes a reader makes.

A stream is ordered by entry id (arrival), newest or oldest first, and read a page at a
time with a keyset cursor. A page remembers the newest entry id the user had when it
was read (`StreamPage.newest_id`): "mark all as read" stops there, so entries that
arrived since stay unread, and the new-articles check counts from there.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Literal

from sqlalchemy import Connection

from newsriver.clock import utcnow
from newsriver.service.sidebar_cache import StampedCache
from newsriver.store import counts, entries, labels, sidebar
from newsriver.store.database import Database
from newsriver.store.entries import MAX_PAGE, EntryQuery, EntryRow
from newsriver.store.labels import Label
from newsriver.store.sidebar import SidebarFeed

StreamKind = Literal["all", "starred", "feed", "category", "label"]
Order = Literal["newest", "oldest"]
# The longest search text taken: a few words or phrases, not a document.
MAX_SEARCH = 500


@dataclass(frozen=True, slots=True)
class Stream:
    """Which entries a page lists: everything ("all", the main stream), the starred ones
    (favourites), or one feed's, category's or label's (`id` names which)."""

    kind: StreamKind = "all"
    id: int | None = None

    def __post_init__(self) -> None:
        needs_id = self.kind in ("feed", "category", "label")
        if needs_id != (self.id is not None):
            raise ValueError(f"a {self.kind} stream {'needs' if needs_id else 'takes no'} id")


@dataclass(frozen=True, slots=True)
class PageRequest:
    stream: Stream = field(default_factory=Stream)
    unread_only: bool = True
    order: Order = "newest"
    # Plain words and "quoted phrases", all required; None or blank: no search.
    search: str | None = None
    # The `next_after` of the previous page; None for the first page.
    after: int | None = None
    limit: int = 20


@dataclass(frozen=True, slots=True)
class StreamPage:
    # The stream's name: "feed title", "category name", "label name"; "" for the main
    # stream and favourites, which the caller names.
    title: str
    entries: tuple[EntryRow, ...]
    # The ids of the user's labels on each entry; entries without any are absent.
    labels: dict[int, tuple[int, ...]]
    # The cursor of the next page; None when this page is the last.
    next_after: int | None
    # The newest entry id the user had when the page was read (0: none at all).
    newest_id: int


@dataclass(frozen=True, slots=True)
class FeedItem:
    feed: SidebarFeed
    unread: int


@dataclass(frozen=True, slots=True)
class CategoryItem:
    id: int
    name: str
    feeds: tuple[FeedItem, ...]
    unread: int


@dataclass(frozen=True, slots=True)
class Sidebar:
    """Everything the reading sidebar lists, in its order, with unread counts."""

    categories: tuple[CategoryItem, ...]
    # Feeds in the default category, shown after the categories.
    uncategorised: tuple[FeedItem, ...]
    labels: tuple[Label, ...]
    starred: int
    unread: int

    def feeds(self) -> dict[int, SidebarFeed]:
        """Every feed by id: what a page needs to show each entry's feed name and icon."""
        found = {item.feed.feed_id: item.feed for item in self.uncategorised}
        for category in self.categories:
            found.update((item.feed.feed_id, item.feed) for item in category.feeds)
        return found


@dataclass(frozen=True, slots=True)
class NewArticles:
    """What the periodic check tells an open page."""

    # The user's newest entry id now.
    newest_id: int
    # Unread entries that arrived after the page's `newest_id`.
    new_unread: int
    # All the user's unread entries (the tab title's count).
    unread: int


def stream(database: Database, user_id: int, request: PageRequest) -> StreamPage:
    """One page of a stream. NotFoundError when the stream's feed, category or label is
    not the user's; ValueError for a limit out of 1…1000. Marks nothing read."""
    if not 1 <= request.limit <= MAX_PAGE:
        raise ValueError(f"a page holds 1 to {MAX_PAGE} entries")
    query = replace(
        _entry_query(request.stream, request.search),
        unread_only=request.unread_only,
        order=request.order,
        after_id=request.after,
        # One more than asked: whether it comes tells if there is a next page.
        limit=request.limit + 1,
    )
    with database.read() as connection:
        title = _title(connection, user_id, request.stream)
        # Read before the page: an entry arriving in between is then newer than the
        # mark, and a later check reports it rather than losing it.
        newest_id = entries.newest_entry_id(connection, user_id) or 0
        rows = entries.list_entries(connection, user_id, query)
        page = rows[: request.limit]
        found = labels.labels_of(connection, user_id, [row.id for row in page])
    more = len(rows) > request.limit
    return StreamPage(
        title=title,
        entries=tuple(page),
        labels={entry_id: tuple(ids) for entry_id, ids in found.items()},
        next_after=page[-1].id if more else None,
        newest_id=newest_id,
    )


def _entry_query(stream: Stream, search: str | None) -> EntryQuery:
    search = " ".join((search or "").split())[:MAX_SEARCH] or None
    if stream.kind == "starred":
        return EntryQuery(starred_only=True, search=search)
    if stream.kind == "feed":
        return EntryQuery(feed_id=stream.id, search=search)
    if stream.kind == "category":
        return EntryQuery(category_id=stream.id, search=search)
    if stream.kind == "label":
        return EntryQuery(label_id=stream.id, search=search)
    return EntryQuery(search=search)


def _title(connection: Connection, user_id: int, stream: Stream) -> str:
    """The stream's name; NotFoundError when its feed, category or label is not the
    user's (another user's id looks exactly like one that does not exist)."""
    if stream.id is None:
        return ""
    if stream.kind == "feed":
        return sidebar.feed_title(connection, user_id, stream.id)
    if stream.kind == "category":
        return sidebar.category_name(connection, user_id, stream.id)
    return labels.label_name(connection, user_id, stream.id)


def load_sidebar(database: Database, user_id: int, *, with_counts: bool = True) -> Sidebar:
    """The user's categories (in their order, empty ones included) with their feeds,
    the uncategorised feeds, labels, and the unread and starred counts.

    The last one read is kept (see `sidebar_cache`) and served again while the
    database's stamp of it is unchanged. Without counts (every one 0, unless a kept
    sidebar with them is right anyway), for what needs only the names: the next
    articles of an infinite scroll, the sync APIs' feed titles; labels' counts cost a
    probe per labelled entry.
    """
    with database.read() as connection:
        # The stamp first: what is read after it is at least as new, so a sidebar is
        # never kept under a stamp newer than its contents.
        stamp = sidebar.sidebar_stamp(connection, user_id)
        kept = _SIDEBARS.get(database, user_id, stamp)
        if kept is None and not with_counts:
            kept = _NAMES.get(database, user_id, stamp)
        if kept is not None:
            return kept
        found = _read_sidebar(connection, user_id, with_counts=with_counts)
    (_SIDEBARS if with_counts else _NAMES).put(database, user_id, stamp, found)
    return found


# Sidebars read with their counts, and without.
_SIDEBARS: StampedCache[Sidebar] = StampedCache()
_NAMES: StampedCache[Sidebar] = StampedCache()


def _read_sidebar(connection: Connection, user_id: int, *, with_counts: bool) -> Sidebar:
    category_rows = sidebar.sidebar_categories(connection, user_id)
    feed_rows = sidebar.sidebar_feeds(connection, user_id)
    label_rows = labels.list_labels(connection, user_id, with_counts=with_counts)
    starred = counts.starred_count(connection, user_id) if with_counts else 0
    by_category: dict[int | None, list[FeedItem]] = {}
    for row in feed_rows:
        by_category.setdefault(row.category_id, []).append(
            FeedItem(row, row.unread if with_counts else 0)
        )
    category_items = tuple(
        CategoryItem(
            category.id,
            category.name,
            tuple(by_category.get(category.id, ())),
            sum(item.unread for item in by_category.get(category.id, ())),
        )
        for category in category_rows
    )
    return Sidebar(
        categories=category_items,
        uncategorised=tuple(by_category.get(None, ())),
        labels=tuple(label_rows),
        starred=starred,
        # Only subscribed feeds' entries have a state row, so this is every unread one.
        unread=sum(item.unread for items in by_category.values() for item in items),
    )


def _entry_ids(entry_ids: Sequence[int]) -> list[int]:
    """The ids as a list; ValueError for more than a page's worth or a non-positive id."""
    ids = list(dict.fromkeys(entry_ids))
    if len(ids) > MAX_PAGE:
        raise ValueError(f"at most {MAX_PAGE} entries at a time")
    if any(entry_id <= 0 for entry_id in ids):
        raise ValueError("entry ids are positive integers")
    return ids


def mark_read(database: Database, user_id: int, entry_ids: Sequence[int], *, read: bool) -> int:
    """Mark the user's entries read (or unread); ids that are not theirs are ignored.
    Returns how many changed."""
    ids = _entry_ids(entry_ids)
    if not ids:
        return 0
    with database.write() as connection:
        return entries.set_read(connection, user_id, ids, read=read, now=utcnow())


def star(database: Database, user_id: int, entry_ids: Sequence[int], *, starred: bool) -> int:
    """Star (or unstar) the user's entries; ids that are not theirs are ignored.
    Returns how many changed."""
    ids = _entry_ids(entry_ids)
    if not ids:
        return 0
    with database.write() as connection:
        return entries.set_starred(connection, user_id, ids, starred=starred, now=utcnow())


def mark_all_read(
    database: Database,
    user_id: int,
    stream: Stream,
    *,
    up_to_id: int,
    older_than: timedelta | None = None,
    search: str | None = None,
) -> int:
    """Mark read every unread entry of the stream (matching `search`, if given) up to
    entry `up_to_id` (the page's `newest_id`), and with `older_than` only those dated
    more than that long ago. Returns how many changed. NotFoundError when the stream's
    feed, category or label is not the user's."""
    if older_than is not None and older_than < timedelta(0):
        raise ValueError("older_than cannot be negative")
    now = utcnow()
    with database.write() as connection:
        _title(connection, user_id, stream)
        return entries.mark_all_read(
            connection,
            user_id,
            _entry_query(stream, search),
            up_to_id=up_to_id,
            before=None if older_than is None else now - older_than,
            now=now,
        )


def check_new(database: Database, user_id: int, since_id: int) -> NewArticles:
    """Whether unread entries arrived after a page that knew of entries up to
    `since_id`, and the user's unread total: cheap enough to ask every minute."""
    with database.read() as connection:
        newest = entries.newest_entry_id(connection, user_id) or 0
        new_unread = (
            entries.unread_count_above(connection, user_id, since_id) if newest > since_id else 0
        )
        unread = counts.unread_total(connection, user_id)
    return NewArticles(newest_id=newest, new_unread=new_unread, unread=unread)
