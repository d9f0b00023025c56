"""The ASGI application factory: the web side's composition root.

Only this module (and `cli`) wires concrete components together; the route table below
is the whole HTTP surface for now.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from html import escape

from fastapi import FastAPI
from fastapi.responses import HTMLResponse

from newsriver import __version__
from newsriver.service.refresh import run_worker
from newsriver.settings import Settings
from newsriver.store.database import open_database

_INDEX_HTML = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>newsriver</title>
</head>
<body>
<h1>newsriver {version}</h1>
<p>The web reader is not built yet. This server answers <a href="/healthz">/healthz</a>
and, in the background, fetches the feeds of its users as they fall due.</p>
<p>Users and subscriptions are managed from the command line for now:
<code>newsriver user add NAME</code>, <code>newsriver import FILE.opml --user NAME</code>,
<code>newsriver refresh</code>, <code>newsriver stats</code>; and
<code>newsriver parse FILE_OR_URL</code> prints a feed as one line of normalised JSON.</p>
</body>
</html>
"""


def create_app(settings: Settings, *, scheduler: bool = True) -> FastAPI:
    """Build the application for `settings`. Starts nothing until the server runs it.

    While it runs (FastAPI's lifespan), the database is open and migrated, and unless
    `scheduler` is False the background worker refreshes feeds as they fall due, as
    `newsriver worker` does. FastAPI's own `/docs` and `/openapi.json` are off: the REST
    API will publish its schema at `/v1/openapi.json`, and the root path space belongs to
    the web UI.
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        database = await asyncio.to_thread(open_database, settings.effective_database_url)
        app.state.database = database
        stop = asyncio.Event()
        worker = (
            asyncio.create_task(run_worker(database, settings, stop=stop)) if scheduler else None
        )
        try:
            yield
        finally:
            stop.set()
            if worker is not None:
                await worker
            database.close()

    app = FastAPI(
        title="newsriver",
        version=__version__,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        lifespan=lifespan,
    )
    # Handlers added later reach configuration through `request.app.state.settings`.
    app.state.settings = settings

    app.add_api_route("/healthz", healthz, methods=["GET"])
    app.add_api_route("/", index, methods=["GET"], response_class=HTMLResponse)
    return app


async def healthz() -> dict[str, str]:
    """Liveness for load balancers and `docker healthcheck`. Checks no dependency yet."""
    return {"status": "ok"}


async def index() -> HTMLResponse:
    """A placeholder home page that says plainly what is and is not there."""
    return HTMLResponse(_INDEX_HTML.format(version=escape(__version__)))
