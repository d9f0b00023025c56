"""The REST API, compatible with Miniflux's v1, at `/v1`. See docs/api/rest.md.

It is an application of its own mounted at `/v1`: it publishes its own OpenAPI
description (`/v1/openapi.json`, while the main application publishes none), and its
own error handlers answer every `/v1` request, unknown paths included, in Miniflux's
`{"error_message": …}`. It shares the main application's state (database, settings,
login throttle), which the main application's lifespan fills.
"""

from __future__ import annotations

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware

from newsriver import __version__
from newsriver.api.rest import categories, entries, feeds, misc
from newsriver.api.rest.errors import install_error_handlers
from newsriver.api.rest.models import ErrorOut

PREFIX = "/v1"
_ERRORS: dict[int | str, dict[str, object]] = {
    400: {"model": ErrorOut, "description": "Bad input"},
    401: {"model": ErrorOut, "description": "No valid credentials"},
    404: {"model": ErrorOut, "description": "Not found (or not the user's)"},
}


def rest_application(parent: FastAPI) -> FastAPI:
    """The `/v1` application, sharing `parent`'s state."""
    api = FastAPI(
        title="newsriver REST API (Miniflux v1-compatible)",
        version=__version__,
        description="The subset of Miniflux's v1 API that newsriver serves; "
        "see docs/api/rest.md for the differences.",
        openapi_url="/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    api.state = parent.state
    install_error_handlers(api)
    for module in (misc, feeds, categories, entries):
        api.include_router(module.router, responses=_ERRORS)
    # Web clients call the API from their own origin, as Miniflux lets them. Safe for
    # any origin: credentials travel in headers the page sets, never in cookies.
    api.add_middleware(
        CORSMiddleware,
        allow_origins=["*"],
        allow_methods=["GET", "POST", "PUT", "DELETE", "OPTIONS"],
        allow_headers=["X-Auth-Token", "Authorization", "Content-Type", "Accept"],
        max_age=3600,
    )
    return api


def include_rest(app: FastAPI) -> None:
    """Add the REST routes (and `/v1/openapi.json`) to `app`."""
    api = rest_application(app)
    app.mount(PREFIX, api)
    # Clients that join a base URL ending in "/" with "/v1/…" ask for "//v1/…" (newsboat
    # does, given "http://host/"); Miniflux's router accepts that path (it redirects to
    # the clean one), so the same application answers it here, without a round trip.
    app.mount("/" + PREFIX, api)
