"""How the Google Reader API talks: its parameters (query string and form body alike),
its answers (plain text or JSON) and its errors (plain text with the status code).

The web UI's exception handlers answer with HTML pages; Google Reader clients expect a
status and a short text body, so this API's routes use `GReaderRoute`, which turns every
expected failure into that shape before the app-wide handlers see it.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

import orjson
from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.responses import PlainTextResponse, Response

from newsriver.errors import ConflictError, NotFoundError, OpmlError

# Most form fields one request may carry (repeated `i` in `stream/items/contents` and
# `edit-tag`); more is refused rather than parsed.
MAX_FIELDS = 10_000
# The largest request body read (an OPML import is the largest a client sends).
MAX_BODY = 10 * 1024 * 1024


class GReaderError(Exception):
    """An answer other than 200: `status` and a one-line text body."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


class GReaderRoute(APIRoute):
    """A route whose failures are answered in the protocol's shape, never with a page."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                return await handler(request)
            except GReaderError as e:
                return text(f"{e.message}\n", status=e.status, headers=e.headers)
            except NotFoundError:
                return text("Not found\n", status=404)
            except (RequestValidationError, ValueError, ConflictError, OpmlError) as e:
                return text(f"Bad request: {_one_line(e)}\n", status=400)
            except HTTPException as e:
                return text(f"{e.detail}\n", status=e.status_code)

        return guarded


def _one_line(error: Exception) -> str:
    if isinstance(error, RequestValidationError):
        return "invalid parameters"
    return " ".join(str(error).split())[:200] or type(error).__name__


class Params:
    """The request's parameters: the query string, then the form body of a POST.

    Google Reader clients put the same parameters in either place (and FreshRSS reads
    both), so every handler reads them through this one view.
    """

    def __init__(self, request: Request, form: FormData | None) -> None:
        self._query = request.query_params
        self._form = form

    def get(self, name: str) -> str | None:
        """The first value of `name`, from the query string first; None when absent."""
        value = self._query.get(name)
        if value is None and self._form is not None:
            found = self._form.get(name)
            value = found if isinstance(found, str) else None
        return value

    def all(self, name: str) -> list[str]:
        """Every value of `name` (repeated fields), query string then form body."""
        values = list(self._query.getlist(name))
        if self._form is not None:
            values += [value for value in self._form.getlist(name) if isinstance(value, str)]
        return values

    def integer(self, name: str, default: int | None = None) -> int | None:
        """An integer parameter; ValueError when it is present but not a number."""
        raw = self.get(name)
        if raw is None or raw.strip() == "":
            return default
        raw = raw.strip()
        digits = raw[1:] if raw[:1] in "+-" else raw
        if not (digits.isascii() and digits.isdigit()) or len(digits) > 20:
            raise ValueError(f"{name} must be an integer")
        return int(raw)


async def read_params(request: Request) -> Params:
    """A dependency: the request's parameters, reading the form body of a POST."""
    form = None
    if request.method == "POST":
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > MAX_BODY:
            raise GReaderError(413, "Request too large")
        # Read (and kept) first: a handler may want the raw body after the form.
        if len(await request.body()) > MAX_BODY:
            raise GReaderError(413, "Request too large")
        try:
            form = await request.form(max_fields=MAX_FIELDS, max_files=0)
        except Exception as e:  # the multipart parser's errors are its own classes
            raise GReaderError(400, "Bad request: unreadable form body") from e
    return Params(request, form)


def text(body: str, *, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return PlainTextResponse(body, status_code=status, headers=headers)


def json_response(value: object) -> Response:
    """JSON, serialised once by orjson (FastAPI's encoder walks every value again, and
    the standard library's took a quarter of the time of a page of 1,000 items)."""
    return Response(orjson.dumps(value), media_type="application/json")
