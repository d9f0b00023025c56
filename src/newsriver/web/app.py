"""The ASGI application factory: the web side's composition root.

Only this module (and `cli`) wires concrete components together; the route table below
is the whole HTTP surface for now.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from anyio import to_thread
from fastapi import FastAPI

from newsriver import __version__
from newsriver.api.fever import include_fever
from newsriver.api.greader import include_greader
from newsriver.api.rest import include_rest
from newsriver.service.refresh import run_worker
from newsriver.settings import Settings
from newsriver.store.database import open_database
from newsriver.web.auth.headers import SecurityHeadersMiddleware
from newsriver.web.auth.secret import secret_key
from newsriver.web.auth.sessions import SessionMiddleware
from newsriver.web.auth.throttle import LoginThrottle
from newsriver.web.ui import include_ui


def create_app(
    settings: Settings, *, scheduler: bool = True, freeze_startup_objects: bool = False
) -> FastAPI:
    """Build the application for `settings`. Starts nothing until the server runs it.

    While it runs (FastAPI's lifespan), the database is open and migrated, and unless
    `scheduler` is False the background worker refreshes feeds as they fall due, as
    `newsriver worker` does. FastAPI's own `/docs` and `/openapi.json` are off: the REST
    API will publish its schema at `/v1/openapi.json`, and the root path space belongs to
    the web UI.

    `freeze_startup_objects` is for a server process (`newsriver serve`): once started,
    everything alive (modules, the app, compiled statements: hundreds of thousands of
    objects) is moved out of the garbage collector's sight with `gc.freeze()`. A full
    collection otherwise walks all of them, and answers that build thousands of
    containers (a Google Reader page of 1,000 items) set one off every few requests.
    Not for tests, which build many apps in one process.
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Handlers are synchronous; their thread pool is this loop's default limiter.
        to_thread.current_default_thread_limiter().total_tokens = settings.web_threads
        database = await asyncio.to_thread(open_database, settings.effective_database_url)
        app.state.database = database
        app.state.login_throttle = LoginThrottle(database)
        if freeze_startup_objects:
            gc.collect()
            gc.freeze()
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
    # Handlers reach these through `request.app.state`.
    app.state.settings = settings
    app.state.secret_key = secret_key(settings)

    app.add_api_route("/healthz", healthz, methods=["GET"])
    include_greader(app)
    include_fever(app)
    include_rest(app)
    include_ui(app)
    # The last added runs first: headers wrap everything, sessions wrap the routes.
    app.add_middleware(SessionMiddleware, secret_key=app.state.secret_key)
    app.add_middleware(SecurityHeadersMiddleware)
    return app


async def healthz() -> dict[str, str]:
    """Liveness for load balancers and `docker healthcheck`. Checks no dependency yet."""
    return {"status": "ok"}
