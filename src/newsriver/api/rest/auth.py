"""Who is asking: an `X-Auth-Token` API key (made and revoked in the web settings), or
HTTP Basic with the user's name and API password (not the login password), as Miniflux
accepts them. A key, when sent, is the only credential looked at.

Failures are counted by the web UI's `LoginThrottle`: Basic per name and per address,
unknown keys per address (under a name of their own; a valid key is never refused).
They are logged with the name and address, never the password or key. Past the limit:
429 with Retry-After.
"""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader, HTTPBasic, HTTPBasicCredentials

from newsriver.api.rest.errors import UNAUTHORIZED, ApiError
from newsriver.service.accounts import authenticate_api_token
from newsriver.store.accounts import User
from newsriver.store.database import Database
from newsriver.web.auth.api_credentials import check_api_password
from newsriver.web.auth.throttle import LoginThrottle

log = logging.getLogger(__name__)

# Declared for the OpenAPI description; both are optional, one of them is required.
_api_key = APIKeyHeader(name="X-Auth-Token", auto_error=False, scheme_name="api_key")
_basic = HTTPBasic(auto_error=False, scheme_name="basic", realm="newsriver")
_CHALLENGE = {"WWW-Authenticate": 'Basic realm="newsriver"'}


def database(request: Request) -> Database:
    found: Database = request.app.state.database
    return found


def _refuse() -> ApiError:
    return ApiError(401, UNAUTHORIZED, headers=_CHALLENGE)


def _throttled(throttle: LoginThrottle, name: str, address: str) -> None:
    wait = throttle.retry_after(name, address)
    if wait > 0:
        log.warning("rest login throttled", extra={"user_name": name, "client_address": address})
        raise ApiError(
            429,
            "too many failed attempts: try again later",
            headers={"Retry-After": str(max(1, round(wait)))},
        )


def current_user(
    request: Request,
    token: Annotated[str | None, Security(_api_key)],
    basic: Annotated[HTTPBasicCredentials | None, Security(_basic)],
) -> User:
    """A dependency: the active user the request's credentials belong to; 401 without
    valid ones. Sync on purpose: Argon2 runs on FastAPI's thread pool."""
    throttle: LoginThrottle = request.app.state.login_throttle
    address = request.client.host if request.client else "?"
    if token:
        user = authenticate_api_token(database(request), token)
        if user is not None:
            return user
        # Keys are 256 random bits: nothing to guess. Counting failures only tells a
        # client stuck with a revoked key to back off, and never refuses a valid key.
        name = f"x-auth-token@{address}"
        _throttled(throttle, name, address)
        throttle.failed(name, address)
        log.warning("rest api key refused", extra={"client_address": address})
        raise _refuse()
    if basic is None or not basic.username or not basic.password:
        raise _refuse()
    name = basic.username
    _throttled(throttle, name, address)
    user = check_api_password(database(request), name, basic.password)
    if user is None:
        throttle.failed(name, address)
        log.warning("rest login failed", extra={"user_name": name, "client_address": address})
        raise _refuse()
    throttle.succeeded(name)
    return user


CurrentUser = Annotated[User, Depends(current_user)]
Db = Annotated[Database, Depends(database)]
