"""How the REST API answers what went wrong: Miniflux's `{"error_message": "..."}` with
Miniflux's status codes (400 bad input, 401, 403, 404), never the web UI's pages.

The REST application is mounted on its own (see `__init__`), so these handlers are its
only ones: the web UI's error pages never see a `/v1` request, and the UI never sees
these.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Mapping
from typing import Any

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from newsriver.errors import ConflictError, FetchError, NotAFeedError, NotFoundError, OpmlError

# Miniflux's own wording for the errors that carry no detail.
UNAUTHORIZED = "access unauthorized"
FORBIDDEN = "access forbidden"
NOT_FOUND = "resource not found"


class ApiError(Exception):
    """An answer other than success, with the status and message to send."""

    def __init__(self, status: int, message: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers


def bad_request(message: str) -> ApiError:
    return ApiError(400, message)


def error_response(status: int, message: str, headers: Mapping[str, str] | None = None) -> Response:
    return JSONResponse({"error_message": message}, status_code=status, headers=headers)


class JsonBodyRoute(APIRoute):
    """Reads every request body as JSON whatever its Content-Type says, as Miniflux
    does: newsboat (and other curl-based clients) send JSON labelled
    `application/x-www-form-urlencoded`, curl's default for a request with a body."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def as_json(request: Request) -> Response:
            kind = request.headers.get("content-type", "")
            if request.method in ("POST", "PUT") and "json" not in kind:
                headers = [
                    (key, value)
                    for key, value in request.scope["headers"]
                    if key.lower() != b"content-type"
                ]
                headers.append((b"content-type", b"application/json"))
                request = Request({**request.scope, "headers": headers}, request.receive)
            return await handler(request)

        return as_json


async def _api_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return error_response(exc.status, exc.message, exc.headers)


async def _invalid(_request: Request, exc: Exception) -> Response:
    """A malformed id, parameter or body: Miniflux answers 400 for all of them."""
    assert isinstance(exc, RequestValidationError)
    problems = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error.get("loc", ()) if part != "body")
        problems.append(f"{where or 'body'}: {error.get('msg', 'invalid')}")
    return error_response(400, "invalid request: " + "; ".join(problems[:5]))


async def _http(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    message = NOT_FOUND if exc.status_code == 404 else str(exc.detail).lower()
    return error_response(exc.status_code, message, exc.headers)


async def _not_found(_request: Request, _exc: Exception) -> Response:
    # Another user's feed, category or entry looks exactly like one that does not exist.
    return error_response(404, NOT_FOUND)


async def _refused(_request: Request, exc: Exception) -> Response:
    """Input the service refused (ValueError, a taken name, a document that is not
    OPML, a URL that is not a feed): Miniflux's 400 with the reason."""
    return error_response(400, str(exc))


async def _fetch_failed(_request: Request, exc: Exception) -> Response:
    """The remote site could not be fetched or is not a feed. Miniflux says 500; this
    is the client's input, not our failure, so 400 with the reason."""
    assert isinstance(exc, FetchError | NotAFeedError)
    return error_response(400, f"{exc.url}: {exc.reason}")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(RequestValidationError, _invalid)
    app.add_exception_handler(HTTPException, _http)
    app.add_exception_handler(NotFoundError, _not_found)
    for refused in (ValueError, ConflictError, OpmlError):
        app.add_exception_handler(refused, _refused)
    for failed in (FetchError, NotAFeedError):
        app.add_exception_handler(failed, _fetch_failed)
