"""Rendering pages: the Jinja2 environment, what every template may use, and flashes.

Autoescaping is on for every template. Article HTML is the one thing rendered as is
(`|safe`), and only ever the sanitised HTML stored by the feed engine.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path
from typing import Any, Literal

from fastapi.templating import Jinja2Templates
from starlette.requests import Request
from starlette.responses import HTMLResponse

from newsriver import __version__
from newsriver.service.preferences import Preferences
from newsriver.web.auth.csrf import csrf_token

PACKAGE = Path(__file__).parent
TEMPLATES = PACKAGE / "templates"
STATIC = PACKAGE / "static"

FlashKind = Literal["info", "success", "error"]
_FLASH_KEY = "flash"


@cache
def static_url(path: str) -> str:
    """`/static/<path>` with a digest of the file's content, so browsers may cache
    static files for a year (see `app.ImmutableStaticFiles`) and still get new ones."""
    file = (STATIC / path).resolve()
    if not file.is_relative_to(STATIC.resolve()) or not file.is_file():
        raise ValueError(f"no static file {path!r}")
    digest = hashlib.sha256(file.read_bytes()).hexdigest()[:12]
    return f"/static/{path}?v={digest}"


templates = Jinja2Templates(directory=TEMPLATES)
templates.env.globals["static_url"] = static_url
templates.env.globals["version"] = __version__
# Templates are rendered by many request threads at once; compiling each once is enough.
templates.env.auto_reload = False


def flash(request: Request, message: str, kind: FlashKind = "success") -> None:
    """Show `message` on the next page rendered for this session (after a redirect)."""
    pending = list(request.session.get(_FLASH_KEY, []))
    pending.append([kind, message])
    request.session[_FLASH_KEY] = pending[-5:]


def render(
    request: Request,
    name: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
) -> HTMLResponse:
    """Render template `name` with `context` and what every page uses: `viewer` (or
    None), `preferences`, `csrf_token`, and `flashes` (taken out of the session)."""
    viewer = getattr(request.state, "viewer", None)
    preferences = viewer.preferences if viewer is not None else Preferences()
    flashes = request.session.pop(_FLASH_KEY, None) or []
    full: dict[str, Any] = {
        "viewer": viewer,
        "preferences": preferences,
        "csrf_token": csrf_token(request),
        "flashes": flashes,
    }
    full.update(context or {})
    return templates.TemplateResponse(request, name, full, status_code=status_code)


def sentence(error: Exception) -> str:
    """An error's message as a sentence for a page: capitalised, with a full stop."""
    text = str(error).strip() or "That did not work"
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."
