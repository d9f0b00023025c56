"""The filters of Miniflux's entry listings, read from the query string into an
`EntryQuery` and an offset.

`order=published_at` (Miniflux's default) lists by date: the published time, else the
time first seen, then the id. `order=id` and `order=created_at` (first seen, which grows
with the id) list by id; every other order Miniflux knows (`changed_at`, `title`,
`status`…) falls back to the id. `direction` is honoured for all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal

from fastapi import Query

from newsriver.api.rest.models import MAX_ID
from newsriver.service.reading import MAX_SEARCH
from newsriver.service.rest_entries import MAX_OFFSET
from newsriver.store.entries import MAX_PAGE, EntryQuery

Order = Literal[
    "id",
    "status",
    "changed_at",
    "published_at",
    "created_at",
    "category_title",
    "category_id",
    "title",
    "author",
]
# Unix times up to the end of year 9999, the last a datetime holds.
Unix = Annotated[int | None, Query(ge=0, le=253_402_300_799)]
EntryId = Annotated[int | None, Query(ge=0, le=MAX_ID)]


@dataclass(frozen=True, slots=True)
class EntryFilters:
    query: EntryQuery
    offset: int
    # Listed by date (`order=published_at`) rather than by id.
    by_date: bool
    # Narrowed to these by the query string (checked against the user's own).
    feed_id: int | None
    category_id: int | None


def _moment(stamp: int | None) -> datetime | None:
    # 0 means "not given", as in Miniflux.
    return datetime.fromtimestamp(stamp, UTC) if stamp else None


def entry_filters(
    status: Annotated[list[Literal["read", "unread"]] | None, Query()] = None,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
    limit: Annotated[int, Query(ge=0, le=MAX_PAGE, description="0: the most, 1000")] = 100,
    order: Order = "published_at",
    direction: Literal["asc", "desc"] = "asc",
    before: Unix = None,
    after: Unix = None,
    published_before: Unix = None,
    published_after: Unix = None,
    before_entry_id: EntryId = None,
    after_entry_id: EntryId = None,
    starred: Annotated[bool | None, Query()] = None,
    changed_before: Unix = None,
    changed_after: Unix = None,
    tags: Annotated[list[str] | None, Query(max_length=50)] = None,
    globally_visible: Annotated[bool | None, Query()] = None,
    search: Annotated[str | None, Query(max_length=10_000)] = None,
    # Named apart from the path's `feed_id` and `category_id` of the same listings.
    category_filter: Annotated[int | None, Query(alias="category_id", ge=0, le=MAX_ID)] = None,
    feed_filter: Annotated[int | None, Query(alias="feed_id", ge=0, le=MAX_ID)] = None,
) -> EntryFilters:
    """A dependency: the listing's filters. `changed_*` are on Miniflux's `changed_at`
    (the latest of first seen, edited, read and starred); `tags` must all be among the
    entry's categories. `globally_visible` selects everything: newsriver hides no feed
    or category from the global listing."""
    del globally_visible
    statuses = set(status or ())
    until = _moment(before or published_before)
    since = _moment(after or published_after)
    query = EntryQuery(
        feed_id=feed_filter or None,
        category_id=category_filter or None,
        unread_only=statuses == {"unread"},
        read_only=statuses == {"read"},
        starred_only=bool(starred),
        unstarred_only=starred is False,
        changed_after=_moment(changed_after),
        changed_before=_moment(changed_before),
        tags=tuple(dict.fromkeys(tag for tag in tags or () if tag)),
        search=" ".join((search or "").split())[:MAX_SEARCH] or None,
        id_above=after_entry_id or None,
        id_below=before_entry_id or None,
        # Miniflux's `after` is strictly after; `since` includes its instant.
        since=None if since is None else since + timedelta(microseconds=1),
        until=until,
        order="newest" if direction == "desc" else "oldest",
        limit=limit or MAX_PAGE,
    )
    return EntryFilters(
        query=query,
        offset=offset,
        by_date=order == "published_at",
        feed_id=query.feed_id,
        category_id=query.category_id,
    )
