"""The web reader: server-rendered pages (Jinja2), plain CSS and small JS modules.

One route table per area, each in its own module; `include_ui` mounts them all with
the static files and the error pages.
"""

from __future__ import annotations

from fastapi import FastAPI

from newsriver.web.ui import accounts, admin, icons, manage, preferences, reading, register
from newsriver.web.ui.errors import install_error_pages
from newsriver.web.ui.static_files import ImmutableStaticFiles
from newsriver.web.ui.templating import STATIC


def include_ui(app: FastAPI) -> None:
    for module in (accounts, icons, reading, manage, preferences, admin, register):
        app.include_router(module.router)
    app.mount("/static", ImmutableStaticFiles(directory=STATIC), name="static")
    install_error_pages(app)
