"""Feed icons, served from the database: the reader's browser never asks the
publisher's site (which would tell it who reads it, and when)."""

from __future__ import annotations

from functools import cache
from typing import Annotated

from fastapi import APIRouter, Depends
from starlette.requests import Request
from starlette.responses import Response

from newsriver.service.icons import feed_icon
from newsriver.web.ui.deps import Viewer, csrf_protect, database, reader
from newsriver.web.ui.templating import STATIC

router = APIRouter(dependencies=[Depends(csrf_protect)])

# An icon is an image, never a document: even opened on its own (an SVG could carry a
# script), nothing in it may run, load or be framed.
_ICON_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; sandbox",
    "Content-Disposition": "inline",
}


@cache
def _placeholder() -> bytes:
    return (STATIC / "feed.svg").read_bytes()


@router.get("/feeds/{feed_id}/icon")
def icon(
    feed_id: int,
    request: Request,
    viewer: Annotated[Viewer, Depends(reader)],
) -> Response:
    stored = feed_icon(database(request), viewer.id, feed_id)
    if stored is None:
        # None found yet: the generic icon, briefly cached so a found one shows soon.
        return Response(
            _placeholder(),
            media_type="image/svg+xml",
            headers=_ICON_HEADERS | {"Cache-Control": "private, max-age=3600"},
        )
    return Response(
        stored.data,
        media_type=stored.content_type,
        headers=_ICON_HEADERS | {"Cache-Control": "private, max-age=86400"},
    )
