"""Reading streams: `stream/contents`, `stream/items/ids` and `stream/items/contents`."""

from __future__ import annotations

from dataclasses import replace

from fastapi import APIRouter, Request
from starlette.responses import Response

from newsriver.api.greader import serialise
from newsriver.api.greader.auth import CurrentViewer, ReadParams, database
from newsriver.api.greader.catalogue import load_catalogue
from newsriver.api.greader.ids import parse_item_id, short_id, stored_ids
from newsriver.api.greader.paging import continuation, page_query
from newsriver.api.greader.protocol import GReaderError, GReaderRoute, json_response
from newsriver.api.greader.streams import READING_LIST, select
from newsriver.clock import utcnow
from newsriver.service import sync
from newsriver.service.sync import MAX_IDS, EntryQuery
from newsriver.store.entries import MAX_PAGE

router = APIRouter(route_class=GReaderRoute)
GET_POST = ["GET", "POST"]
PREFIX = "/reader/api/0/stream"


@router.api_route(PREFIX + "/contents", methods=GET_POST)
@router.api_route(PREFIX + "/contents/{stream_id:path}", methods=GET_POST)
def contents(
    request: Request, viewer: CurrentViewer, params: ReadParams, stream_id: str = ""
) -> Response:
    """A page of full items of a stream (named in the path, or by `s`), up to 1,000."""
    db = database(request)
    catalogue = load_catalogue(db, viewer.id)
    selection = select(stream_id or params.get("s") or READING_LIST, catalogue)
    page = page_query(selection.query, params, catalogue, max_n=MAX_PAGE)
    found = sync.list_items(db, viewer.id, page.query)
    answer: dict[str, object] = {
        "id": selection.stream_id,
        "title": selection.title,
        "direction": "ltr",
        "updated": int(utcnow().timestamp()),
        "items": serialise.items(found[: page.size], catalogue),
    }
    if len(found) > page.size:
        answer["continuation"] = continuation(found[page.size - 1][0])
    return json_response(answer)


@router.api_route(PREFIX + "/items/ids", methods=GET_POST)
def item_ids(request: Request, viewer: CurrentViewer, params: ReadParams) -> Response:
    """The ids alone (short form) of a stream's entries, up to 10,000 a page. A full
    page carries a continuation (the next page may be empty)."""
    db = database(request)
    catalogue = load_catalogue(db, viewer.id)
    selection = select(params.get("s") or READING_LIST, catalogue)
    page = page_query(selection.query, params, catalogue, max_n=MAX_IDS)
    found = sync.entry_ids(db, viewer.id, replace(page.query, limit=page.size))
    answer: dict[str, object] = {"itemRefs": [{"id": short_id(entry_id)} for entry_id in found]}
    if found and len(found) == page.size:
        answer["continuation"] = continuation(found[-1])
    return json_response(answer)


@router.api_route(PREFIX + "/items/contents", methods=GET_POST)
def item_contents(request: Request, viewer: CurrentViewer, params: ReadParams) -> Response:
    """Full items by id (repeated `i`, any id form), in the order asked; ids that are
    not the user's are left out."""
    asked = [parse_item_id(value) for value in params.all("i")]
    if len(asked) > MAX_PAGE:
        raise GReaderError(400, f"Bad request: at most {MAX_PAGE} items at a time")
    ids = stored_ids(asked)
    db = database(request)
    catalogue = load_catalogue(db, viewer.id)
    found = []
    if ids:
        found = sync.list_items(db, viewer.id, EntryQuery(entry_ids=tuple(ids), limit=len(ids)))
    by_id = {row[0]: row for row in found}
    ordered = [by_id[entry_id] for entry_id in ids if entry_id in by_id]
    return json_response(
        {
            "id": READING_LIST,
            "direction": "ltr",
            "updated": int(utcnow().timestamp()),
            "items": serialise.items(ordered, catalogue),
        }
    )
