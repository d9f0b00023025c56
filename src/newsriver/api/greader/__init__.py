"""The Google Reader API, as FreshRSS and its clients speak it, at `/api/greader` and
`/api/greader.php`. See docs/api/greader.md.

One route table per concern (account, streams, the Atom stream, state changes,
subscriptions, tags), each handler parsing its parameters, calling `service`, and
serialising; protocol.py holds the error shapes and the parameter reading they share.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute
from starlette.responses import Response

from newsriver.api.greader import (
    routes_account,
    routes_atom,
    routes_state,
    routes_streams,
    routes_subscriptions,
    routes_tags,
)
from newsriver.api.greader.protocol import GReaderRoute, text

# FreshRSS serves the API from greader.php; clients set up for it keep working.
PREFIXES = ("/api/greader", "/api/greader.php")

_unknown = APIRouter(route_class=GReaderRoute)


@_unknown.api_route("/{rest:path}", methods=["GET", "POST", "PUT", "DELETE", "PATCH"])
def unknown(rest: str) -> Response:
    """Any other path or method under the API: a plain 404, not the web UI's page, or a
    405 naming the methods the path takes (a GET of `edit-tag`, which only takes POST)."""
    path = "/" + rest
    allowed = {
        method
        for router in _ROUTERS
        for route in router.routes
        if isinstance(route, APIRoute) and route.path_regex.match(path)
        for method in route.methods or ()
    }
    if allowed:
        headers = {"Allow": ", ".join(sorted(allowed))}
        return text("Method not allowed\n", status=405, headers=headers)
    return text("Not found\n", status=404)


_ROUTERS = (
    routes_account.router,
    routes_streams.router,
    routes_atom.router,
    routes_state.router,
    routes_subscriptions.router,
    routes_tags.router,
)


def include_greader(app: FastAPI) -> None:
    """Add the Google Reader routes to `app`, under both prefixes."""
    for prefix in PREFIXES:
        for router in (*_ROUTERS, _unknown):
            app.include_router(router, prefix=prefix, include_in_schema=False)
