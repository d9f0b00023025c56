"""Signed session cookies: web processes keep no session state of their own.

The session is a small JSON object signed with the secret key (itsdangerous), not
encrypted: it holds ids and a CSRF token, never anything secret from the user. The
cookie is HttpOnly and SameSite=Lax always, and Secure when the request came over
HTTPS (directly or, with uvicorn's proxy headers, through a proxy), so a reverse proxy
gets secure cookies without a setting. Starlette's own SessionMiddleware takes Secure
as a fixed option, hence this one.
"""

from __future__ import annotations

import json
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.datastructures import MutableHeaders
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

COOKIE_NAME = "newsriver_session"
# Sessions last 30 days from sign-in, like FreshRSS's "keep me logged in" default.
MAX_AGE_SECONDS = 30 * 24 * 3600


class SessionMiddleware:
    """Puts the session in `scope["session"]` (Starlette's `request.session`) and
    writes the cookie back when the session changed."""

    def __init__(self, app: ASGIApp, *, secret_key: str, max_age: int = MAX_AGE_SECONDS) -> None:
        self.app = app
        self.max_age = max_age
        self.serializer = URLSafeTimedSerializer(secret_key, salt="newsriver.session")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        cookie = HTTPConnection(scope).cookies.get(COOKIE_NAME)
        session = self._load(cookie)
        scope["session"] = session
        before = json.dumps(session, sort_keys=True)
        secure = scope.get("scheme") in ("https", "wss")

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                current: dict[str, Any] = scope["session"]
                if json.dumps(current, sort_keys=True) != before:
                    headers = MutableHeaders(scope=message)
                    headers.append("Set-Cookie", self._cookie(current, secure=secure))
            await send(message)

        await self.app(scope, receive, send_with_cookie)

    def _load(self, cookie: str | None) -> dict[str, Any]:
        if not cookie:
            return {}
        try:
            data = self.serializer.loads(cookie, max_age=self.max_age)
        except BadSignature:
            # Forged, expired, or signed with an older key: start afresh.
            return {}
        return data if isinstance(data, dict) else {}

    def _cookie(self, session: dict[str, Any], *, secure: bool) -> str:
        flags = "; Path=/; HttpOnly; SameSite=Lax" + ("; Secure" if secure else "")
        if not session:
            return f"{COOKIE_NAME}=; Max-Age=0{flags}"
        value = self.serializer.dumps(session)
        return f"{COOKIE_NAME}={value}; Max-Age={self.max_age}{flags}"
