"""Reading: the streams (main, favourites, a feed, a category, a label), the global
view, and the changes a reader makes (read, star, labels, mark all as read, refresh).

Stream pages take `view=normal|reader`, `show=unread|all`, `order=newest|oldest`, `q=`
(words and "quoted phrases") and `after=` (the keyset cursor of the next page); with
`partial=1` they answer only the next articles, for infinite scroll. Missing options
come from the reader's preferences.

Every change is a form POST: the page's JavaScript sends it with `X-CSRF-Token` and gets
JSON; without JavaScript the browser posts the form and is sent back (303) to `next`.
Changes need a signed-in user: the anonymous reader of a published stream only reads.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Form, HTTPException, Query
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from newsriver.clock import utcnow
from newsriver.errors import ConflictError
from newsriver.service import labels as label_service
from newsriver.service import reading
from newsriver.service import refresh as refresh_service
from newsriver.service.reading import PageRequest, Stream
from newsriver.store.database import Database
from newsriver.web.ui.accounts import local_path
from newsriver.web.ui.days import zone_named
from newsriver.web.ui.deps import Viewer, csrf_protect, database, reader, settings, writer
from newsriver.web.ui.errors import wants_json
from newsriver.web.ui.stream_view import (
    Order,
    Show,
    entry_views,
    feed_rows,
    fragment_url,
    next_page_url,
    parse_stream_code,
    resolve_options,
    stream_code,
    stream_heading,
    stream_path,
    stream_url,
    unread_in,
)
from newsriver.web.ui.templating import flash, render, sentence

router = APIRouter(dependencies=[Depends(csrf_protect)])

Db = Annotated[Database, Depends(database)]
Reader = Annotated[Viewer, Depends(reader)]
Writer = Annotated[Viewer, Depends(writer)]
Ids = Annotated[list[int], Form(alias="id")]
NextPath = Annotated[str, Form(alias="next")]

OLDER_THAN = {"day": 1, "week": 7}


# --- Pages ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StreamParams:
    """A stream page's query string (None: the reader's preference)."""

    view: Literal["normal", "reader", "global"] | None
    show: Show | None
    order: Order | None
    search: str
    after: int | None
    # Only the next articles, for infinite scroll.
    partial: bool


def stream_params(
    view: Annotated[Literal["normal", "reader", "global"] | None, Query()] = None,
    show: Annotated[Show | None, Query()] = None,
    order: Annotated[Order | None, Query()] = None,
    q: Annotated[str, Query(max_length=500)] = "",
    after: Annotated[int | None, Query(ge=1, le=2**62)] = None,
    partial: Annotated[bool, Query()] = False,
) -> StreamParams:
    return StreamParams(view, show, order, q, after, partial)


Params = Annotated[StreamParams, Depends(stream_params)]


@router.get("/")
def main_stream(request: Request, viewer: Reader, db: Db, params: Params) -> Response:
    # The home page of a reader who prefers the global view (any option asks for a list).
    plain = params == StreamParams(None, None, None, "", None, False)
    if plain and viewer.preferences.view == "global":
        return _global_page(request, viewer, db)
    return _stream_page(request, viewer, db, Stream(), params)


@router.get("/favourites")
def favourites(request: Request, viewer: Reader, db: Db, params: Params) -> Response:
    return _stream_page(request, viewer, db, Stream("starred"), params)


@router.get("/feeds/{feed_id}")
def feed_stream(request: Request, viewer: Reader, db: Db, feed_id: int, params: Params) -> Response:
    return _stream_page(request, viewer, db, Stream("feed", feed_id), params)


@router.get("/categories/{category_id}")
def category_stream(
    request: Request, viewer: Reader, db: Db, category_id: int, params: Params
) -> Response:
    return _stream_page(request, viewer, db, Stream("category", category_id), params)


@router.get("/labels/{label_id}")
def label_stream(
    request: Request, viewer: Reader, db: Db, label_id: int, params: Params
) -> Response:
    return _stream_page(request, viewer, db, Stream("label", label_id), params)


@router.get("/global")
def global_view(request: Request, viewer: Reader, db: Db) -> Response:
    return _global_page(request, viewer, db)


def _stream_page(
    request: Request, viewer: Viewer, db: Database, stream: Stream, params: StreamParams
) -> Response:
    if params.view == "global":
        return RedirectResponse("/global", status_code=303)
    started = time.perf_counter()
    options = resolve_options(
        viewer.preferences,
        stream,
        view=params.view,
        show=params.show,
        order=params.order,
        search=params.search,
    )
    page = reading.stream(
        db,
        viewer.id,
        PageRequest(
            stream=stream,
            unread_only=options.show == "unread",
            order=options.order,
            search=options.search or None,
            after=params.after,
            limit=viewer.preferences.page_size,
        ),
    )
    side = reading.load_sidebar(db, viewer.id, with_counts=not params.partial)
    queried = time.perf_counter()
    zone = zone_named(viewer.preferences.timezone)
    more = page.next_after
    context = {
        "stream": stream,
        "options": options,
        "entries": entry_views(page, side, now=utcnow(), zone=zone),
        "next_url": None if more is None else next_page_url(stream, options, more),
        "fragment_url": None if more is None else fragment_url(stream, options, more),
        "labels": side.labels,
        # Where a form sends the browser back to without JavaScript: the stream's start.
        "next_path": stream_url(stream, options),
    }
    if params.partial:
        response = render(request, "reading/fragment.html", context)
    else:
        context |= {
            "sidebar": side,
            "heading": stream_heading(stream, page.title),
            "unread": unread_in(stream, side),
            "total_unread": side.unread,
            "newest_id": page.newest_id,
            "stream_code": stream_code(stream),
            "feed_rows": feed_rows,
            "stream_path": stream_path(stream),
            "url_with": lambda **changes: stream_url(stream, options, **changes),
            "continues": params.after is not None,
            "self_url": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
        }
        response = render(request, "reading/stream.html", context)
    _server_timing(response, started, queried)
    return response


def _global_page(request: Request, viewer: Viewer, db: Database) -> Response:
    started = time.perf_counter()
    side = reading.load_sidebar(db, viewer.id)
    queried = time.perf_counter()
    options = resolve_options(
        viewer.preferences, Stream(), view=None, show=None, order=None, search=""
    )
    context = {
        "sidebar": side,
        "stream": None,
        "options": options,
        "total_unread": side.unread,
        "heading": "Global view",
        "feed_rows": feed_rows,
    }
    response = render(request, "reading/global.html", context)
    _server_timing(response, started, queried)
    return response


def _server_timing(response: Response, started: float, queried: float) -> None:
    """How long the database and the template took (RFC-less but widely read by
    browsers' developer tools and by `bench/web.py`)."""
    done = time.perf_counter()
    response.headers["Server-Timing"] = (
        f"db;dur={(queried - started) * 1000:.1f}, "
        f"render;dur={(done - queried) * 1000:.1f}, "
        f"total;dur={(done - started) * 1000:.1f}"
    )


@router.get("/check-new")
def check_new(
    viewer: Reader, db: Db, since: Annotated[int, Query(ge=0, le=2**62)] = 0
) -> JSONResponse:
    """For an open page: whether unread articles arrived after the newest it knew of
    (`since`), and the unread total for the tab title."""
    found = reading.check_new(db, viewer.id, since)
    return JSONResponse(
        {"newest_id": found.newest_id, "new_unread": found.new_unread, "unread": found.unread},
        headers={"Cache-Control": "no-store"},
    )


# --- Changes ----------------------------------------------------------------------------


def _done(request: Request, next_path: str, payload: dict[str, object]) -> Response:
    """JSON for the page's JavaScript; a redirect back for a plain form."""
    if wants_json(request):
        return JSONResponse(payload)
    return RedirectResponse(local_path(next_path), status_code=303)


def _bad_request(error: ValueError) -> HTTPException:
    return HTTPException(400, str(error))


@router.post("/entries/mark")
def mark_entries(
    request: Request,
    viewer: Writer,
    db: Db,
    ids: Ids,
    action: Annotated[Literal["read", "unread", "star", "unstar"], Form()],
    next_path: NextPath = "/",
) -> Response:
    """Read/unread/star/unstar articles. Ids that are not the viewer's are ignored."""
    try:
        if action in ("read", "unread"):
            changed = reading.mark_read(db, viewer.id, ids, read=action == "read")
        else:
            changed = reading.star(db, viewer.id, ids, starred=action == "star")
    except ValueError as e:
        raise _bad_request(e) from None
    return _done(request, next_path, {"changed": changed})


@router.post("/entries/labels")
def label_entries(
    request: Request,
    viewer: Writer,
    db: Db,
    ids: Ids,
    action: Annotated[Literal["add", "remove"], Form()],
    label_id: Annotated[int | None, Form()] = None,
    name: Annotated[str, Form(max_length=1000)] = "",
    next_path: NextPath = "/",
) -> Response:
    """Put a label on articles or take it off; with `name` instead of `label_id`, a
    new label is created and put on them (the answer names it, for the page's menus)."""
    payload: dict[str, object]
    try:
        if label_id is None:
            if action != "add" or not name.strip():
                raise ValueError("name the label, or choose one")
            label_id = label_service.create_label(db, viewer.id, name, entry_ids=ids)
            payload = {"label": {"id": label_id, "name": label_service.clean_name(name)}}
        elif action == "add":
            payload = {"changed": label_service.label_entries(db, viewer.id, label_id, ids)}
        else:
            payload = {"changed": label_service.unlabel_entries(db, viewer.id, label_id, ids)}
    except ValueError as e:
        raise _bad_request(e) from None
    except ConflictError as e:
        raise HTTPException(409, str(e)) from None
    return _done(request, next_path, payload)


@router.post("/labels/{label_id}/rename")
def rename_label(
    request: Request,
    viewer: Writer,
    db: Db,
    label_id: int,
    name: Annotated[str, Form(max_length=1000)],
) -> Response:
    try:
        label_service.rename_label(db, viewer.id, label_id, name)
    except ValueError as e:
        raise _bad_request(e) from None
    except ConflictError as e:
        flash(request, sentence(e), "error")
    else:
        flash(request, "Label renamed.")
    return _done(request, f"/labels/{label_id}", {"id": label_id})


@router.post("/labels/{label_id}/delete")
def delete_label(request: Request, viewer: Writer, db: Db, label_id: int) -> Response:
    label_service.delete_label(db, viewer.id, label_id)
    flash(request, "Label deleted; its articles stay.")
    return _done(request, "/", {"id": label_id})


@router.post("/mark-all-read")
def mark_all_read(
    request: Request,
    viewer: Writer,
    db: Db,
    stream: Annotated[str, Form(max_length=40)],
    up_to: Annotated[int, Form(ge=0, le=2**62)],
    older_than: Annotated[Literal["", "day", "week"], Form()] = "",
    q: Annotated[str, Form(max_length=500)] = "",
    next_path: NextPath = "/",
) -> Response:
    """Mark read the stream's unread articles up to `up_to` (the newest the page knew
    of: later arrivals stay unread), optionally only those older than a day or week."""
    try:
        target = parse_stream_code(stream)
        days = OLDER_THAN.get(older_than)
        changed = reading.mark_all_read(
            db,
            viewer.id,
            target,
            up_to_id=up_to,
            older_than=None if days is None else timedelta(days=days),
            search=q or None,
        )
    except ValueError as e:
        raise _bad_request(e) from None
    if not wants_json(request):
        noun = "article" if changed == 1 else "articles"
        flash(request, f"Marked {changed} {noun} as read.", "info")
    return _done(request, next_path, {"changed": changed})


@router.post("/refresh")
def refresh(request: Request, viewer: Writer, db: Db, next_path: NextPath = "/") -> Response:
    """Fetch the viewer's feeds that are due now (the scheduler would soon), then show
    the page again. Feeds are never fetched sooner than their schedule allows here."""
    feeds = refresh_service.select_feeds(db, user_name=viewer.name, feed_url=None, all_feeds=False)
    summary = asyncio.run(refresh_service.refresh(db, settings(request), feeds))
    refresh_service.index_new_entries(db)
    if not wants_json(request):
        noun = "article" if summary.new_entries == 1 else "articles"
        flash(request, f"Checked {summary.feeds} feeds: {summary.new_entries} new {noun}.", "info")
    return _done(request, next_path, {"feeds": summary.feeds, "new_entries": summary.new_entries})
