"""Who is asking: ClientLogin, the `Authorization: GoogleLogin auth=…` header, and the
short write token (`T`) of `reader/api/0/token`.

The API password (not the login password) is checked by `check_api_password`; the token
ClientLogin hands out is `issue_api_token`'s, stateless and revoked when the API
password changes. Failed logins are counted by the web UI's `LoginThrottle`, per name
and per address, and logged with the name and address, never the password.

The write token exists because Google Reader required one on every write, against
cross-site requests riding on a browser's cookies. Here only the header authenticates (a
browser never adds it by itself), so `T` is optional; one that is sent must be right.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from newsriver.api.greader.protocol import GReaderError, Params, read_params
from newsriver.store.accounts import User
from newsriver.store.database import Database
from newsriver.web.auth.api_credentials import (
    check_api_password,
    issue_api_token,
    user_for_api_token,
)
from newsriver.web.auth.throttle import LoginThrottle

log = logging.getLogger(__name__)

_SCHEME = "googlelogin"
BAD_AUTHENTICATION = "Error=BadAuthentication"


@dataclass(frozen=True, slots=True)
class Viewer:
    """The authenticated user, and the token they authenticated with."""

    user: User
    token: str

    @property
    def id(self) -> int:
        return self.user.id


def database(request: Request) -> Database:
    found: Database = request.app.state.database
    return found


def client_login(request: Request, name: str, password: str) -> str:
    """The token for an API password login; GReaderError 401 (429 when throttled)."""
    throttle: LoginThrottle = request.app.state.login_throttle
    address = request.client.host if request.client else "?"
    wait = throttle.retry_after(name, address)
    if wait > 0:
        log.warning("greader login throttled", extra={"user_name": name, "address": address})
        headers = {"Retry-After": str(max(1, round(wait)))}
        raise GReaderError(429, BAD_AUTHENTICATION, headers)
    user = check_api_password(database(request), name, password) if name else None
    if user is None:
        throttle.failed(name, address)
        log.warning("greader login failed", extra={"user_name": name, "address": address})
        raise GReaderError(401, BAD_AUTHENTICATION)
    throttle.succeeded(name)
    return issue_api_token(database(request), request.app.state.secret_key, user.id)


def write_token(secret_key: str, token: str) -> str:
    """The `T` value for a session: derived from its token, so it needs no storage and
    dies with it."""
    mac = hmac.new(secret_key.encode(), f"greader-write:{token}".encode(), hashlib.sha256)
    return mac.hexdigest()[:40]


def current_viewer(request: Request, params: Annotated[Params, Depends(read_params)]) -> Viewer:
    """A dependency: the user of the `GoogleLogin` header; 401 without a valid one, and
    401 with `X-Reader-Google-Bad-Token` when a `T` is sent that is not theirs."""
    scheme, _, rest = request.headers.get("authorization", "").strip().partition(" ")
    key, _, token = rest.strip().partition("=")
    if scheme.lower() != _SCHEME or key.strip().lower() != "auth" or not token.strip():
        raise GReaderError(401, "Unauthorized")
    token = token.strip()
    secret_key: str = request.app.state.secret_key
    user = user_for_api_token(database(request), secret_key, token)
    if user is None:
        raise GReaderError(401, "Unauthorized")
    sent = params.get("T")
    if sent is not None and not hmac.compare_digest(
        sent.strip().encode(), write_token(secret_key, token).encode()
    ):
        raise GReaderError(401, "Unauthorized", {"X-Reader-Google-Bad-Token": "true"})
    return Viewer(user, token)


CurrentViewer = Annotated[Viewer, Depends(current_viewer)]
ReadParams = Annotated[Params, Depends(read_params)]
