"""The Fever API's route table: one endpoint, at Fever's, FreshRSS's and Fluent Reader's
paths, taking GET and POST alike.

Parse (params.py) → authenticate (auth.py) → the service (answer.py) → JSON. Fever
answers in JSON with HTTP 200, a refused key included (`{"api_version": 3, "auth": 0}`,
as Fever, FreshRSS and Miniflux do); only a request that cannot be read at all (a
broken form body) gets a 400, still with Fever's JSON.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from newsriver.api.fever import serialise
from newsriver.api.fever.answer import answer
from newsriver.api.fever.auth import authenticate
from newsriver.api.fever.params import FeverCall, parse_call
from newsriver.errors import NotFoundError
from newsriver.store.database import Database

PATHS = ("/api/fever", "/api/fever/", "/api/fever.php")


class FeverRoute(APIRoute):
    """A route answering what goes wrong in Fever's JSON rather than with the web UI's
    error pages: a request that cannot be read is a 400, never a 500."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def fever_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except (RequestValidationError, ValueError, NotFoundError):
                return JSONResponse(serialise.refused(), status_code=400)
            except HTTPException as e:
                return JSONResponse(serialise.refused(), status_code=e.status_code)

        return fever_handler


router = APIRouter(route_class=FeverRoute)


@dataclass(frozen=True, slots=True)
class FeverRequest:
    # Only ever from the POSTed form, as Fever specifies: never from the query string,
    # which ends up in access logs.
    api_key: str
    call: FeverCall


async def fever_request(request: Request) -> FeverRequest:
    """The call's arguments, from the query string and the form (the form wins)."""
    values = dict(request.query_params.items())
    form = await request.form()
    fields = {key: value for key, value in form.items() if not isinstance(value, UploadFile)}
    values.update(fields)
    return FeverRequest(api_key=fields.get("api_key", ""), call=parse_call(values))


def fever(request: Request, incoming: Annotated[FeverRequest, Depends(fever_request)]) -> Response:
    auth = authenticate(request, incoming.api_key)
    if auth.user is None:
        headers = {"Retry-After": str(math.ceil(auth.retry_after))} if auth.retry_after else None
        return JSONResponse(serialise.refused(), headers=headers)
    database: Database = request.app.state.database
    return JSONResponse(answer(database, auth.user.id, incoming.call))


for path in PATHS:
    router.add_api_route(path, fever, methods=["GET", "POST"], include_in_schema=False)
