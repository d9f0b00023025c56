"""`reader/atom/<stream>`: a stream as an Atom feed (see atom.py), with `n`, `r`, `ot`,
`nt`, `xt`, `it` and `c` as for `stream/contents`.

FreshRSS answers this path with 400, which leaves newsboat's "feedhq" mode with
subscriptions but no articles.
"""

from __future__ import annotations

from dataclasses import replace

from fastapi import APIRouter, Request
from starlette.responses import Response

from newsriver.api.greader.atom import ATOM_TYPE, atom_stream
from newsriver.api.greader.auth import CurrentViewer, ReadParams, database
from newsriver.api.greader.catalogue import load_catalogue
from newsriver.api.greader.paging import continuation, page_query
from newsriver.api.greader.protocol import GReaderRoute
from newsriver.api.greader.streams import READING_LIST, select
from newsriver.clock import utcnow
from newsriver.service import sync
from newsriver.store.entries import MAX_PAGE

router = APIRouter(route_class=GReaderRoute)


@router.get("/reader/atom")
@router.get("/reader/atom/{stream_id:path}")
def atom(
    request: Request, viewer: CurrentViewer, params: ReadParams, stream_id: str = ""
) -> Response:
    db = database(request)
    catalogue = load_catalogue(db, viewer.id)
    selection = select(stream_id or READING_LIST, catalogue)
    page = page_query(selection.query, params, catalogue, max_n=MAX_PAGE)
    found = sync.list_entries(db, viewer.id, page.query)
    entries = found.entries[: page.size]
    more = continuation(entries[-1].id) if len(found.entries) > page.size else None
    body = atom_stream(
        selection, replace(found, entries=entries), catalogue, continuation=more, now=utcnow()
    )
    return Response(body, media_type=ATOM_TYPE)
