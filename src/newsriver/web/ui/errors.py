"""How the web UI answers what went wrong: a redirect to sign in, or a plain page.

Requests made by the UI's own JavaScript (they send `X-CSRF-Token` or accept JSON) get
JSON with the same message instead of a page or a redirect.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from newsriver.errors import NotFoundError
from newsriver.web.auth.csrf import HEADER, CsrfError
from newsriver.web.ui.deps import (
    ForbiddenError,
    SignInRequiredError,
    session_viewer,
    setup_pending,
)
from newsriver.web.ui.templating import render


def wants_json(request: Request) -> bool:
    return HEADER in request.headers or "application/json" in request.headers.get("accept", "")


def _page(request: Request, status: int, title: str, message: str) -> Response:
    if wants_json(request):
        return JSONResponse({"error": message}, status_code=status)
    # Errors raised before any dependency ran (an unknown path) still show who is in.
    session_viewer(request)
    return render(request, "error.html", {"title": title, "message": message}, status_code=status)


async def _sign_in_required(request: Request, _exc: Exception) -> Response:
    if wants_json(request):
        return JSONResponse({"error": "sign in first"}, status_code=401)
    if setup_pending(request):
        return RedirectResponse("/setup", status_code=303)
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    login = "/login" if target == "/" else f"/login?next={quote(target, safe='')}"
    return RedirectResponse(login, status_code=303)


async def _forbidden(request: Request, exc: Exception) -> Response:
    return _page(request, 403, "Not allowed", str(exc) or "You may not do this.")


async def _csrf(request: Request, exc: Exception) -> Response:
    return _page(request, 403, "Form expired", f"{exc}. Reload the page and try again.")


async def _not_found(request: Request, exc: Exception) -> Response:
    return _page(request, 404, "Not found", "There is nothing here, or it is not yours.")


async def _http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        return await _not_found(request, exc)
    if exc.status_code in (400, 405, 413, 422) and not wants_json(request):
        return _page(request, exc.status_code, "Bad request", str(exc.detail))
    return JSONResponse({"error": exc.detail}, status_code=exc.status_code, headers=exc.headers)


async def _invalid(request: Request, exc: Exception) -> Response:
    """A malformed query or form (`?view=sideways`, `?after=abc`): FastAPI's own
    answer is JSON meant for API clients; people get a page that says so."""
    assert isinstance(exc, RequestValidationError)
    if wants_json(request):
        return JSONResponse({"error": "invalid request", "detail": exc.errors()}, status_code=422)
    problems = sorted({str(error.get("loc", ("?",))[-1]) for error in exc.errors()})
    message = "This address or form has a value newsriver cannot use: " + ", ".join(problems)
    return _page(request, 422, "Bad request", message + ".")


def install_error_pages(app: FastAPI) -> None:
    app.add_exception_handler(SignInRequiredError, _sign_in_required)
    app.add_exception_handler(ForbiddenError, _forbidden)
    app.add_exception_handler(CsrfError, _csrf)
    app.add_exception_handler(NotFoundError, _not_found)
    app.add_exception_handler(HTTPException, _http)
    app.add_exception_handler(RequestValidationError, _invalid)
