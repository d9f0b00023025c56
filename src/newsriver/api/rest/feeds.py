"""Feeds: listing, subscribing, editing, unsubscribing, refreshing, counters, icons and
marking a feed read. A feed's id is newsriver's feed id; only the user's own
subscriptions are visible (another user's feed answers 404, like one that is not)."""

from __future__ import annotations

import asyncio
import base64
from dataclasses import replace
from typing import Annotated

from fastapi import APIRouter, Path, Request, Response

from newsriver.api.rest.auth import CurrentUser, Db
from newsriver.api.rest.convert import feed_out
from newsriver.api.rest.errors import NOT_FOUND, ApiError, JsonBodyRoute, bad_request
from newsriver.api.rest.models import (
    MAX_ID,
    CountersOut,
    FeedCreatedOut,
    FeedCreateIn,
    FeedOut,
    FeedUpdateIn,
    IconOut,
)
from newsriver.errors import NotFoundError
from newsriver.service import icons, reading, rest_feeds, subscriptions
from newsriver.service import refresh as refresh_service
from newsriver.service.rest_entries import ALL_ENTRIES
from newsriver.service.subscribe import FeedChoices
from newsriver.service.subscriptions import AlreadySubscribed
from newsriver.settings import Settings

router = APIRouter(route_class=JsonBodyRoute, tags=["feeds"])

PathId = Annotated[int, Path(ge=1, le=MAX_ID)]


def _settings(request: Request) -> Settings:
    found: Settings = request.app.state.settings
    return found


# Fixed paths first: "/feeds/counters" would otherwise be read as a feed id.


@router.get("/feeds/counters")
def counters(user: CurrentUser, db: Db) -> CountersOut:
    found = rest_feeds.counters(db, user.id)
    return CountersOut(reads=found.read, unreads=found.unread)


@router.put("/feeds/refresh", status_code=204, response_class=Response)
def refresh_all(user: CurrentUser, db: Db) -> Response:
    """Make every enabled feed due now; the scheduler fetches them (as Miniflux queues
    them for its workers and answers at once)."""
    rest_feeds.request_checks(db, user.id)
    return Response(status_code=204)


@router.get("/feeds")
def list_feeds(user: CurrentUser, db: Db) -> list[FeedOut]:
    return [feed_out(user.id, feed) for feed in rest_feeds.feeds_with_state(db, user.id)]


@router.post("/feeds", status_code=201)
def create_feed(request: Request, user: CurrentUser, db: Db, body: FeedCreateIn) -> FeedCreatedOut:
    """Subscribe to the feed at `feed_url` (fetched now, through the private-address
    guard). The URL must be a feed's: pages are not followed (`/v1/discover` finds
    their feeds). 400 when it is already subscribed, or for another user's category."""
    subscribing = subscriptions.add_subscription(
        db,
        refresh_service.fetcher_config(_settings(request)),
        user_id=user.id,
        user_name=user.name,
        url=body.feed_url,
        category_id=body.category_id or None,
        follow_page=False,
    )
    try:
        # Sync handler, on FastAPI's thread pool: the service reads the database
        # without awaiting, as the web UI's subscribe form runs it.
        added = asyncio.run(subscribing)
    except NotFoundError as e:
        raise bad_request("the category does not exist") from e
    if isinstance(added, AlreadySubscribed):
        raise bad_request("this feed already exists")
    assert not isinstance(added, FeedChoices), "pages are not followed"
    return FeedCreatedOut(feed_id=added.feed_id)


@router.get("/feeds/{feed_id}")
def get_feed(user: CurrentUser, db: Db, feed_id: PathId) -> FeedOut:
    return feed_out(user.id, rest_feeds.feed_with_state(db, user.id, feed_id))


@router.put("/feeds/{feed_id}", status_code=201)
def update_feed(user: CurrentUser, db: Db, feed_id: PathId, body: FeedUpdateIn) -> FeedOut:
    """Change the title, category (0: none) or URL; other Miniflux options are ignored.
    A new URL may move the subscription to another feed: the answer has its id."""
    current = subscriptions.get_subscription(db, user.id, feed_id)
    changed = current.settings
    if body.title is not None:
        changed = replace(changed, title=body.title)
    if body.category_id is not None:
        changed = replace(changed, category_id=body.category_id or None)
    if changed != current.settings:
        try:
            subscriptions.update_subscription(db, user.id, feed_id, changed)
        except NotFoundError as e:
            raise bad_request("the category does not exist") from e
    if body.feed_url is not None:
        feed_id = subscriptions.change_url(db, user.id, feed_id, body.feed_url)
    return feed_out(user.id, rest_feeds.feed_with_state(db, user.id, feed_id))


@router.delete("/feeds/{feed_id}", status_code=204, response_class=Response)
def delete_feed(user: CurrentUser, db: Db, feed_id: PathId) -> Response:
    subscriptions.unsubscribe(db, user.id, feed_id)
    return Response(status_code=204)


@router.put("/feeds/{feed_id}/refresh", status_code=204, response_class=Response)
def refresh_feed(request: Request, user: CurrentUser, db: Db, feed_id: PathId) -> Response:
    """Fetch the feed now and store what is new before answering, as Miniflux does.
    A fetch that fails is recorded on the feed (see its `parsing_error_message`)."""
    subscription = subscriptions.get_subscription(db, user.id, feed_id)
    feeds = refresh_service.select_feeds(
        db, user_name=user.name, feed_url=subscription.url, all_feeds=True
    )
    # On a thread of FastAPI's pool (a sync handler), as the web UI's refresh button.
    asyncio.run(refresh_service.refresh(db, _settings(request), feeds))
    return Response(status_code=204)


@router.put("/feeds/{feed_id}/mark-all-as-read", status_code=204, response_class=Response)
def mark_feed_read(user: CurrentUser, db: Db, feed_id: PathId) -> Response:
    stream = reading.Stream("feed", feed_id)
    reading.mark_all_read(db, user.id, stream, up_to_id=ALL_ENTRIES)
    return Response(status_code=204)


def _icon(db: Db, user_id: int, feed_id: int) -> IconOut:
    icon = icons.feed_icon(db, user_id, feed_id)
    if icon is None:
        raise ApiError(404, NOT_FOUND)
    data = base64.b64encode(icon.data).decode("ascii")
    return IconOut(
        id=feed_id, mime_type=icon.content_type, data=f"{icon.content_type};base64,{data}"
    )


@router.get("/feeds/{feed_id}/icon")
def feed_icon(user: CurrentUser, db: Db, feed_id: PathId) -> IconOut:
    return _icon(db, user.id, feed_id)


@router.get("/icons/{icon_id}")
def icon(user: CurrentUser, db: Db, icon_id: PathId) -> IconOut:
    """An icon by id: here an icon's id is its feed's (see `feed.icon.icon_id`)."""
    return _icon(db, user.id, icon_id)
