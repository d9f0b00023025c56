"""Tags (Google Reader's name for categories and labels alike): the list, renaming,
deleting ("disabling"), and the unread counts of every stream."""

from __future__ import annotations

from collections.abc import Iterable

from fastapi import APIRouter, Request
from starlette.responses import Response

from newsriver.api.greader.auth import CurrentViewer, ReadParams, database
from newsriver.api.greader.catalogue import load_catalogue
from newsriver.api.greader.protocol import GReaderError, GReaderRoute, json_response, text
from newsriver.api.greader.serialise import usec
from newsriver.api.greader.streams import LABEL, READING_LIST, STARRED, label_name
from newsriver.errors import NotFoundError
from newsriver.service import labels, reading, subscriptions, sync

router = APIRouter(route_class=GReaderRoute)
GET_POST = ["GET", "POST"]
PREFIX = "/reader/api/0"


@router.api_route(PREFIX + "/tag/list", methods=GET_POST)
def tag_list(request: Request, viewer: CurrentViewer) -> Response:
    """Starred, then categories (`folder`), then labels (`tag`); a label named like a
    category is listed once, as the folder (the stream id would be the same)."""
    catalogue = load_catalogue(database(request), viewer.id)
    tags: list[dict[str, str]] = [{"id": STARRED}]
    folders = {name.casefold() for name in catalogue.categories.values()}
    tags += [{"id": LABEL + name, "type": "folder"} for name in catalogue.categories.values()]
    tags += [
        {"id": LABEL + name, "type": "tag"}
        for name in catalogue.labels.values()
        if name.casefold() not in folders
    ]
    return json_response({"tags": tags})


@router.api_route(PREFIX + "/unread-count", methods=GET_POST)
def unread_count(request: Request, viewer: CurrentViewer) -> Response:
    """Unread counts per feed, category, label and in all, with each feed's and
    category's `newestItemTimestampUsec` (when a new entry last arrived) that clients
    compare with their last sync."""
    db = database(request)
    sidebar = reading.load_sidebar(db, viewer.id)
    newest = {
        feed_id: usec(moment) for feed_id, moment in sync.newest_entry_times(db, viewer.id).items()
    }

    def counted(stream_id: str, count: int, feeds: Iterable[int] = ()) -> dict[str, object]:
        found: dict[str, object] = {"id": stream_id, "count": count}
        times = [newest[feed_id] for feed_id in feeds if feed_id in newest]
        if times:
            found["newestItemTimestampUsec"] = str(max(times))
        return found

    counts: list[dict[str, object]] = []
    for category in sidebar.categories:
        ids = [item.feed.feed_id for item in category.feeds]
        counts += [
            counted(f"feed/{i.feed.feed_id}", i.unread, [i.feed.feed_id]) for i in category.feeds
        ]
        counts.append(counted(LABEL + category.name, category.unread, ids))
    counts += [
        counted(f"feed/{i.feed.feed_id}", i.unread, [i.feed.feed_id]) for i in sidebar.uncategorised
    ]
    counts += [counted(LABEL + label.name, label.unread) for label in sidebar.labels]
    counts.append(counted(READING_LIST, sidebar.unread, newest))
    return json_response({"max": sidebar.unread, "unreadcounts": counts})


@router.post(PREFIX + "/rename-tag")
def rename_tag(request: Request, viewer: CurrentViewer, params: ReadParams) -> Response:
    """Rename the category (else the label) `s` to `dest`."""
    old = label_name(_required(params.get("s") or params.get("t")))
    new = label_name(_required(params.get("dest")))
    db = database(request)
    catalogue = load_catalogue(db, viewer.id)
    category_id = catalogue.category_named(old)
    if category_id is not None:
        subscriptions.rename_category(db, viewer.id, category_id, new)
        return text("OK")
    label_id = catalogue.label_named(old)
    if label_id is None:
        raise NotFoundError("no such tag")
    labels.rename_label(db, viewer.id, label_id, new)
    return text("OK")


@router.post(PREFIX + "/disable-tag")
def disable_tag(request: Request, viewer: CurrentViewer, params: ReadParams) -> Response:
    """Delete the category `s` (its feeds move to the default category), else the label
    (its entries stay)."""
    name = label_name(_required(params.get("s") or params.get("t")))
    db = database(request)
    catalogue = load_catalogue(db, viewer.id)
    category_id = catalogue.category_named(name)
    if category_id is not None:
        subscriptions.delete_category(db, viewer.id, category_id)
        return text("OK")
    label_id = catalogue.label_named(name)
    if label_id is None:
        raise NotFoundError("no such tag")
    labels.delete_label(db, viewer.id, label_id)
    return text("OK")


def _required(value: str | None) -> str:
    if not value:
        raise GReaderError(400, "Bad request: s and dest are required")
    return value
