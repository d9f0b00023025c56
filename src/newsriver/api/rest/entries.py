"""Entries: the listings (everything, a feed's, a category's) with Miniflux's filters,
one entry, status changes and the star toggle."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response

from newsriver.api.rest.auth import CurrentUser, Db
from newsriver.api.rest.convert import entry_out, feed_out, unknown_feed
from newsriver.api.rest.errors import JsonBodyRoute, bad_request
from newsriver.api.rest.models import MAX_ID, EntriesOut, EntriesUpdateIn, EntryOut, FeedOut
from newsriver.api.rest.params import EntryFilters, entry_filters
from newsriver.errors import NotFoundError
from newsriver.service import reading, rest_entries, subscriptions
from newsriver.service.rest_feeds import feed_summaries
from newsriver.store.entries import EntryDetails, EntryQuery

router = APIRouter(route_class=JsonBodyRoute, tags=["entries"])

PathId = Annotated[int, Path(ge=1, le=MAX_ID)]
Filters = Annotated[EntryFilters, Depends(entry_filters)]


def _check_filters(db: Db, user_id: int, filters: EntryFilters) -> None:
    """Miniflux's 400 for a `feed_id` or `category_id` that is not the user's."""
    try:
        if filters.feed_id is not None:
            subscriptions.get_subscription(db, user_id, filters.feed_id)
        if filters.category_id is not None:
            categories = subscriptions.list_categories(db, user_id)
            if all(category.id != filters.category_id for category in categories):
                raise NotFoundError(f"no category {filters.category_id}")
    except NotFoundError as e:
        kind = "feed" if "feed" in str(e) else "category"
        raise bad_request(f"invalid {kind} ID") from e


def _serialise(db: Db, user_id: int, found: tuple[EntryDetails, ...]) -> list[EntryOut]:
    feeds = feed_summaries(db, user_id, {entry.feed_id for entry in found}) if found else {}
    shown: dict[int, FeedOut] = {}
    for entry in found:
        if entry.feed_id not in shown:
            known = feeds.get(entry.feed_id)
            shown[entry.feed_id] = (
                feed_out(user_id, known) if known else unknown_feed(user_id, entry.feed_id)
            )
    return [entry_out(user_id, entry, shown[entry.feed_id]) for entry in found]


def _listing(db: Db, user_id: int, filters: EntryFilters, query: EntryQuery) -> EntriesOut:
    _check_filters(db, user_id, filters)
    page = rest_entries.entries_page(
        db, user_id, query, offset=filters.offset, by_date=filters.by_date
    )
    return EntriesOut(total=page.total, entries=_serialise(db, user_id, page.entries))


@router.get("/entries")
def list_entries(user: CurrentUser, db: Db, filters: Filters) -> EntriesOut:
    return _listing(db, user.id, filters, filters.query)


@router.get("/feeds/{feed_id}/entries")
def feed_entries(user: CurrentUser, db: Db, feed_id: PathId, filters: Filters) -> EntriesOut:
    subscriptions.get_subscription(db, user.id, feed_id)
    return _listing(db, user.id, filters, replace(filters.query, feed_id=feed_id))


@router.get("/categories/{category_id}/entries")
def category_entries(
    user: CurrentUser, db: Db, category_id: PathId, filters: Filters
) -> EntriesOut:
    if all(category.id != category_id for category in subscriptions.list_categories(db, user.id)):
        raise NotFoundError(f"no category {category_id}")
    return _listing(db, user.id, filters, replace(filters.query, category_id=category_id))


def _one(db: Db, user_id: int, entry_id: int, query: EntryQuery) -> EntryOut:
    entry = rest_entries.one_entry(db, user_id, entry_id, query)
    return _serialise(db, user_id, (entry,))[0]


@router.get("/entries/{entry_id}")
def get_entry(user: CurrentUser, db: Db, entry_id: PathId) -> EntryOut:
    return _one(db, user.id, entry_id, EntryQuery())


@router.get("/feeds/{feed_id}/entries/{entry_id}")
def get_feed_entry(user: CurrentUser, db: Db, feed_id: PathId, entry_id: PathId) -> EntryOut:
    return _one(db, user.id, entry_id, EntryQuery(feed_id=feed_id))


@router.get("/categories/{category_id}/entries/{entry_id}")
def get_category_entry(
    user: CurrentUser, db: Db, category_id: PathId, entry_id: PathId
) -> EntryOut:
    return _one(db, user.id, entry_id, EntryQuery(category_id=category_id))


@router.put("/entries", status_code=204, response_class=Response)
def update_entries(user: CurrentUser, db: Db, body: EntriesUpdateIn) -> Response:
    """Mark entries read or unread, and/or star or unstar them (at most 1,000 at a
    time). Ids that are not the user's are ignored, as if they did not exist."""
    if not body.entry_ids:
        raise bad_request("the list of entries cannot be empty")
    if body.status is None and body.starred is None:
        raise bad_request("either the status or the starred field must be specified")
    if body.status is not None:
        reading.mark_read(db, user.id, body.entry_ids, read=body.status == "read")
    if body.starred is not None:
        reading.star(db, user.id, body.entry_ids, starred=body.starred)
    return Response(status_code=204)


@router.put("/entries/{entry_id}/bookmark", status_code=204, response_class=Response)
@router.put("/entries/{entry_id}/star", status_code=204, response_class=Response)
def toggle_bookmark(user: CurrentUser, db: Db, entry_id: PathId) -> Response:
    rest_entries.toggle_star(db, user.id, entry_id)
    return Response(status_code=204)
