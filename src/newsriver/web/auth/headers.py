"""Security headers on every response, the Content-Security-Policy first.

The policy allows scripts and styles from this site only (no inline script, no inline
style, no `eval`), images and media from anywhere (articles embed them), frames only
from the video hosts the sanitiser lets through, and no plugins, `<base>` or framing of
newsriver by other sites. Article HTML is sanitised already; the policy is the second
wall should a sanitiser bug ever let something through.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from newsriver.feeds.sanitize import EMBED_HOSTS


def content_security_policy() -> str:
    frames = " ".join(f"https://{host}" for host in sorted(EMBED_HOSTS))
    return "; ".join(
        (
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' https: http:",
            "media-src 'self' https: http:",
            f"frame-src {frames}",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.headers = {
            "Content-Security-Policy": content_security_policy(),
            "X-Content-Type-Options": "nosniff",
            # Images in articles must not tell their hosts which reader page showed them.
            "Referrer-Policy": "no-referrer",
            "X-Frame-Options": "DENY",
            "Cross-Origin-Opener-Policy": "same-origin",
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.headers.items():
                    if name not in headers:
                        headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)
