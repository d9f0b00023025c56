"""Categories: listing (with counts on request), creating, renaming, deleting, their
feeds, refreshing them and marking them read. Their entries are in `entries`.

Feeds without a category are shown in category 0, "Uncategorised" (Miniflux puts every
feed in a category); it is not listed here, and cannot be renamed or deleted.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from newsriver.api.rest.auth import CurrentUser, Db
from newsriver.api.rest.convert import feed_out
from newsriver.api.rest.errors import JsonBodyRoute
from newsriver.api.rest.models import (
    MAX_ID,
    CategoryCountsOut,
    CategoryIn,
    CategoryOut,
    CategoryUpdateIn,
    FeedOut,
)
from newsriver.errors import NotFoundError
from newsriver.service import reading, rest_feeds, subscriptions
from newsriver.service.rest_entries import ALL_ENTRIES
from newsriver.store.categories import Category

router = APIRouter(route_class=JsonBodyRoute, tags=["categories"])

PathId = Annotated[int, Path(ge=1, le=MAX_ID)]


def _out(user_id: int, category: Category) -> CategoryOut:
    return CategoryOut(id=category.id, title=category.name, user_id=user_id)


def _category(db: Db, user_id: int, category_id: int) -> Category:
    for category in subscriptions.list_categories(db, user_id):
        if category.id == category_id:
            return category
    raise NotFoundError(f"no category {category_id}")


@router.get("/categories", response_model=list[CategoryCountsOut] | list[CategoryOut])
def list_categories(
    user: CurrentUser, db: Db, counts: Annotated[bool, Query()] = False
) -> list[CategoryCountsOut] | list[CategoryOut]:
    """The user's categories in their order; with `counts=true`, each with its number
    of feeds and of unread entries."""
    found = subscriptions.list_categories(db, user.id)
    if not counts:
        return [_out(user.id, category) for category in found]
    unread = {item.id: item.unread for item in reading.load_sidebar(db, user.id).categories}
    return [
        CategoryCountsOut(
            **_out(user.id, category).model_dump(),
            feed_count=category.feed_count,
            total_unread=unread.get(category.id, 0),
        )
        for category in found
    ]


@router.post("/categories", status_code=201)
def create_category(user: CurrentUser, db: Db, body: CategoryIn) -> CategoryOut:
    """400 when the title is empty or already taken."""
    return _out(user.id, subscriptions.create_category(db, user.id, body.title))


@router.put("/categories/{category_id}", status_code=201)
def update_category(
    user: CurrentUser, db: Db, category_id: PathId, body: CategoryUpdateIn
) -> CategoryOut:
    """Rename the category (`hide_globally` is accepted and ignored)."""
    _category(db, user.id, category_id)
    if body.title is not None:
        subscriptions.rename_category(db, user.id, category_id, body.title)
    return _out(user.id, _category(db, user.id, category_id))


@router.delete("/categories/{category_id}", status_code=204, response_class=Response)
def delete_category(user: CurrentUser, db: Db, category_id: PathId) -> Response:
    """Delete the category; its feeds stay, uncategorised."""
    subscriptions.delete_category(db, user.id, category_id)
    return Response(status_code=204)


@router.get("/categories/{category_id}/feeds")
def category_feeds(user: CurrentUser, db: Db, category_id: PathId) -> list[FeedOut]:
    found = rest_feeds.feeds_with_state(db, user.id, category_id=category_id)
    return [feed_out(user.id, feed) for feed in found]


@router.put("/categories/{category_id}/refresh", status_code=204, response_class=Response)
def refresh_category(user: CurrentUser, db: Db, category_id: PathId) -> Response:
    """Make the category's enabled feeds due now, for the scheduler."""
    rest_feeds.request_checks(db, user.id, category_id=category_id)
    return Response(status_code=204)


@router.put("/categories/{category_id}/mark-all-as-read", status_code=204, response_class=Response)
def mark_category_read(user: CurrentUser, db: Db, category_id: PathId) -> Response:
    stream = reading.Stream("category", category_id)
    reading.mark_all_read(db, user.id, stream, up_to_id=ALL_ENTRIES)
    return Response(status_code=204)
