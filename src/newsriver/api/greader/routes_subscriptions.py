"""Subscriptions: list, edit, quickadd, OPML export and import."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from newsriver.api.greader import serialise, subscribing
from newsriver.api.greader.auth import CurrentViewer, ReadParams, Viewer, database
from newsriver.api.greader.catalogue import load_catalogue
from newsriver.api.greader.protocol import GReaderError, GReaderRoute, Params, json_response, text
from newsriver.api.greader.streams import feed_id_of, normalise
from newsriver.service import subscriptions
from newsriver.service.refresh import fetcher_config

router = APIRouter(route_class=GReaderRoute)
GET_POST = ["GET", "POST"]
PREFIX = "/reader/api/0/subscription"
# The largest OPML document `subscription/import` reads.
MAX_OPML = 10 * 1024 * 1024


@router.api_route(PREFIX + "/list", methods=GET_POST)
def subscription_list(request: Request, viewer: CurrentViewer) -> Response:
    catalogue = load_catalogue(database(request), viewer.id)
    return json_response(
        {"subscriptions": [serialise.subscription(f, catalogue) for f in catalogue.feeds.values()]}
    )


@router.post(PREFIX + "/edit")
async def subscription_edit(
    request: Request, viewer: CurrentViewer, params: ReadParams
) -> Response:
    """`ac=subscribe|unsubscribe|edit` on the subscriptions `s` (repeated), with `t`
    (title), `a` (category to move to) and `r` (category to leave)."""
    action = params.get("ac") or "edit"
    streams = params.all("s")
    if not streams:
        raise GReaderError(400, "Bad request: s is required")
    if action == "subscribe":
        for stream_id in streams:
            url = normalise(stream_id).removeprefix("feed/")
            feed_id, _ = await _subscribe(request, viewer, url, params.get("t"))
            await run_in_threadpool(_edit, request, viewer, params, f"feed/{feed_id}")
    elif action in ("unsubscribe", "edit"):
        for stream_id in streams:
            await run_in_threadpool(_edit, request, viewer, params, stream_id)
    else:
        raise GReaderError(400, "Bad request: ac must be subscribe, unsubscribe or edit")
    return text("OK")


def _edit(request: Request, viewer: Viewer, params: Params, stream_id: str) -> None:
    db = database(request)
    catalogue = load_catalogue(db, viewer.id)
    feed_id = feed_id_of(stream_id, catalogue)
    if params.get("ac") == "unsubscribe":
        subscriptions.unsubscribe(db, viewer.id, feed_id)
        return
    subscribing.edit(
        db,
        viewer.id,
        feed_id,
        catalogue,
        title=params.get("t"),
        added=params.all("a"),
        removed=params.all("r"),
    )


async def _subscribe(
    request: Request, viewer: Viewer, url: str, title: str | None
) -> tuple[int, str]:
    return await subscribing.subscribe(
        database(request),
        fetcher_config(request.app.state.settings),
        user_id=viewer.id,
        user_name=viewer.user.name,
        url=url,
        title=title,
    )


@router.post(PREFIX + "/quickadd")
async def quickadd(request: Request, viewer: CurrentViewer, params: ReadParams) -> Response:
    """Subscribe to `quickadd` (a feed's URL, a page naming one, or `feed/URL`)."""
    query = (params.get("quickadd") or "").strip()
    url = normalise(query).removeprefix("feed/")
    try:
        feed_id, title = await _subscribe(request, viewer, url, None)
    except ValueError as e:
        return json_response({"numResults": 0, "query": query, "error": str(e)})
    return json_response(
        {"numResults": 1, "query": query, "streamId": f"feed/{feed_id}", "streamName": title}
    )


@router.api_route(PREFIX + "/export", methods=GET_POST)
def export(request: Request, viewer: CurrentViewer) -> Response:
    body = subscriptions.export_opml(database(request), viewer.user.name)
    return Response(
        body,
        media_type="text/x-opml; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="subscriptions.opml"'},
    )


@router.post(PREFIX + "/import")
async def import_opml(request: Request, viewer: CurrentViewer) -> Response:
    """The request's body is an OPML document; its feeds are subscribed (fetched by the
    next refresh). Answers `OK`, or 400 when the body is not OPML."""
    body = await request.body()
    if len(body) > MAX_OPML:
        raise GReaderError(413, "Request too large")
    await run_in_threadpool(
        subscriptions.import_opml,
        database(request),
        user_id=viewer.id,
        user_name=viewer.user.name,
        data=body,
    )
    return text("OK")
