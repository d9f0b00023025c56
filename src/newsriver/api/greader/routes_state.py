"""Changing entries: `edit-tag` and `mark-all-as-read`. Both answer `OK`."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Request
from starlette.responses import Response

from newsriver.api.greader.auth import CurrentViewer, ReadParams, database
from newsriver.api.greader.catalogue import load_catalogue
from newsriver.api.greader.ids import parse_item_id, stored_ids
from newsriver.api.greader.protocol import GReaderError, GReaderRoute, text
from newsriver.api.greader.streams import select
from newsriver.api.greader.tagging import apply_tags
from newsriver.service import sync
from newsriver.service.greader_marks import mark_read_up_to
from newsriver.service.sync import EntryQuery
from newsriver.store.entries import MAX_PAGE

router = APIRouter(route_class=GReaderRoute)
PREFIX = "/reader/api/0"


@router.post(PREFIX + "/edit-tag")
def edit_tag(request: Request, viewer: CurrentViewer, params: ReadParams) -> Response:
    """Add (`a`) and remove (`r`) states and labels on the items `i` (see tagging.py)."""
    asked = [parse_item_id(value) for value in params.all("i")]
    if len(asked) > MAX_PAGE:
        raise GReaderError(400, f"Bad request: at most {MAX_PAGE} items at a time")
    apply_tags(
        database(request),
        viewer.id,
        stored_ids(asked),
        added=params.all("a"),
        removed=params.all("r"),
    )
    return text("OK")


@router.post(PREFIX + "/mark-all-as-read")
def mark_all_as_read(request: Request, viewer: CurrentViewer, params: ReadParams) -> Response:
    """Mark read the unread entries of stream `s` that the server has now; with `ts`
    (microseconds), only those dated (published, else first seen) before it."""
    stream_id = params.get("s")
    if not stream_id:
        raise GReaderError(400, "Bad request: s is required")
    db = database(request)
    selection = select(stream_id, load_catalogue(db, viewer.id))
    before = _before(params.integer("ts"))
    newest = sync.entry_ids(db, viewer.id, EntryQuery(limit=1))
    if newest:
        mark_read_up_to(db, viewer.id, selection.query, up_to_id=newest[0], before=before)
    return text("OK")


def _before(ts: int | None) -> datetime | None:
    if ts is None or ts <= 0:
        return None
    try:
        return datetime.fromtimestamp(ts / 1_000_000, UTC)
    except (OverflowError, OSError, ValueError):
        raise ValueError("ts is not a time in microseconds") from None
