"""The ASGI application factory: the web side's composition root.

Only this module (and `cli`) wires concrete components together; the route table below
is the whole HTTP surface for now.
"""

from __future__ import annotations

from html import escape

from fastapi import FastAPI
from fastapi.responses import HTMLResponse

from newsriver import __version__
from newsriver.settings import Settings

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
and nothing else: it does not fetch or store feeds.</p>
<p>What exists today is the feed engine: <code>newsriver parse FILE</code> prints a feed
file (RSS, Atom, RDF or JSON Feed) as one line of normalised JSON.</p>
</body>
</html>
"""


def create_app(settings: Settings) -> FastAPI:
    """Build the application for `settings`. Starts nothing: the server runs it.

    FastAPI's own `/docs` and `/openapi.json` are off: the REST API will publish its
    schema at `/v1/openapi.json`, and the root path space belongs to the web UI.
    """
    app = FastAPI(
        title="newsriver",
        version=__version__,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
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
