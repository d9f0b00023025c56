"""The rest of the API: the current user, the version, OPML export and import, feed
discovery, and marking everything read."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Path, Request, Response

from newsriver import __version__
from newsriver.api.rest.auth import CurrentUser, Db
from newsriver.api.rest.errors import FORBIDDEN, NOT_FOUND, ApiError, JsonBodyRoute
from newsriver.api.rest.models import (
    MAX_ID,
    DiscoveredOut,
    DiscoverIn,
    MessageOut,
    UserOut,
    VersionOut,
)
from newsriver.service import reading, subscriptions
from newsriver.service.preferences import preferences_from_json
from newsriver.service.refresh import fetcher_config
from newsriver.service.rest_discover import discover
from newsriver.service.rest_entries import ALL_ENTRIES
from newsriver.service.viewers import find_viewer
from newsriver.settings import Settings

router = APIRouter(route_class=JsonBodyRoute, tags=["misc"])

# As the web UI's OPML upload: ten thousand feeds are about 2 MB.
MAX_OPML_BYTES = 5 * 1024 * 1024


@router.get("/me")
def me(user: CurrentUser, db: Db) -> UserOut:
    row = find_viewer(db, user.id)
    preferences = preferences_from_json(row.settings_json if row else "{}")
    return UserOut(
        id=user.id,
        username=user.name,
        is_admin=user.is_admin,
        theme=preferences.theme,
        language="en_US",
        timezone=preferences.timezone,
        entry_sorting_direction="desc" if preferences.order == "newest" else "asc",
        entry_sorting_order="published_at",
        entries_per_page=preferences.page_size,
        mark_read_on_view=preferences.mark_read_on_open,
    )


@router.get("/version")
def version(_user: CurrentUser) -> VersionOut:
    return VersionOut(version=__version__)


@router.get(
    "/export",
    response_class=Response,
    responses={200: {"content": {"text/xml": {}}, "description": "OPML 2.0"}},
)
def export_opml(user: CurrentUser, db: Db) -> Response:
    document = subscriptions.export_opml(db, user.name)
    return Response(document, media_type="text/xml; charset=utf-8")


@router.post(
    "/import",
    status_code=201,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"text/xml": {"schema": {"type": "string"}}},
        }
    },
)
async def import_opml(request: Request, user: CurrentUser, db: Db) -> MessageOut:
    """Subscribe to every feed of the OPML document in the body (fetched later, by the
    scheduler). 400 for a document that is not OPML; 413 past 5 MB."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_OPML_BYTES:
        raise ApiError(413, "the OPML document is larger than 5 MB")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_OPML_BYTES:
            raise ApiError(413, "the OPML document is larger than 5 MB")
    await asyncio.to_thread(
        subscriptions.import_opml, db, user_id=user.id, user_name=user.name, data=bytes(body)
    )
    return MessageOut(message="Feeds imported successfully")


@router.post("/discover")
def discover_feeds(request: Request, _user: CurrentUser, body: DiscoverIn) -> list[DiscoveredOut]:
    """The feeds at `url` (a feed, or a page that names feeds); 404 when there are none.
    Fetched through the private-address guard."""
    settings: Settings = request.app.state.settings
    # A sync handler, on FastAPI's thread pool, as `POST /v1/feeds`.
    found = asyncio.run(discover(fetcher_config(settings), body.url))
    if not found:
        raise ApiError(404, NOT_FOUND)
    return [DiscoveredOut(url=feed.url, title=feed.title, type=feed.kind) for feed in found]


@router.put("/users/{user_id}/mark-all-as-read", status_code=204, response_class=Response)
def mark_user_read(
    user: CurrentUser, db: Db, user_id: Annotated[int, Path(ge=1, le=MAX_ID)]
) -> Response:
    """Mark every entry of the user read: only for oneself (403 for any other id,
    existing or not, as Miniflux answers)."""
    if user_id != user.id:
        raise ApiError(403, FORBIDDEN)
    reading.mark_all_read(db, user.id, reading.Stream(), up_to_id=ALL_ENTRIES)
    return Response(status_code=204)
