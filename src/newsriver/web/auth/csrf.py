"""Cross-site request forgery protection: a per-session token on every non-GET request.

The token is random, kept in the signed session, and must come back with each unsafe
request, in the `csrf_token` form field or the `X-CSRF-Token` header (JavaScript). A
cross-site page can make the browser send the cookie, but cannot read the token.
SameSite=Lax cookies are a second, independent defence.
"""

from __future__ import annotations

import hmac
import secrets

from starlette.requests import Request

SESSION_KEY = "csrf"
FIELD = "csrf_token"
HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class CsrfError(Exception):
    """An unsafe request came without the session's token (or with another one)."""


def csrf_token(request: Request) -> str:
    """The session's token, created on first use (so a login form can carry one)."""
    token = request.session.get(SESSION_KEY)
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        request.session[SESSION_KEY] = token
    return token


async def check_csrf(request: Request) -> None:
    """Raise CsrfError unless a safe method, or the right token came with the request.

    Reading the form here is free for the handler: Starlette keeps the parsed form on
    the request, and FastAPI's form parameters read that same object.
    """
    if request.method in SAFE_METHODS:
        return
    expected = request.session.get(SESSION_KEY)
    given = request.headers.get(HEADER)
    if given is None:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            value = (await request.form()).get(FIELD)
            given = value if isinstance(value, str) else None
    if not isinstance(expected, str) or not given or not hmac.compare_digest(expected, given):
        raise CsrfError("the form has expired or did not come from this site")
