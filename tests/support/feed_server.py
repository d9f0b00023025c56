"""A real HTTP server on 127.0.0.1 that serves feeds to tests, from a thread.

It runs in a thread of its own (not on an event loop), so the same server works for a
test that awaits `refresh_feeds`, a CLI invoked in-process, and a `newsriver` child
process. Responses are set per exact path and may be changed while it runs: a feed's
items are edited by calling `feed()` again. Feeds carry an ETag derived from their
bytes and answer a matching If-None-Match with 304 (RFC 9110 §13.1.2).

    with FeedServer() as server:
        url = server.feed("/a.xml", [Item("a-1", "First")])
        server.status("/broken.xml", 500)
        server.redirect("/old.xml", server.url("/a.xml"), status=301)
        ...
        assert server.hits("/a.xml") == 1

The server counts the TCP connections it accepted as well as the requests it answered,
so a test can show that nothing at all reached it.
"""

from __future__ import annotations

import hashlib
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

RSS_TYPE = "application/rss+xml; charset=utf-8"


@dataclass(frozen=True, slots=True)
class Item:
    """One entry of a served RSS feed."""

    guid: str
    title: str
    # HTML; escaped into <description>.
    body: str = "<p>Some text.</p>"
    published: datetime | None = None
    link: str | None = None
    categories: tuple[str, ...] = ()
    # An audio enclosure's URL (served as audio/mpeg, 1234 bytes long).
    enclosure: str | None = None


def rss(items: Sequence[Item], *, title: str = "Test feed") -> bytes:
    """An RSS 2.0 document listing `items` in the order given (feeds list newest first)."""
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>',
        f"<title>{escape(title)}</title><link>https://example.org/</link>",
    ]
    for item in items:
        parts.append(f"<item><guid>{escape(item.guid)}</guid><title>{escape(item.title)}</title>")
        if item.link is not None:
            parts.append(f"<link>{escape(item.link)}</link>")
        if item.published is not None:
            parts.append(
                f"<pubDate>{format_datetime(item.published.astimezone(UTC), True)}</pubDate>"
            )
        parts.extend(f"<category>{escape(tag)}</category>" for tag in item.categories)
        if item.enclosure is not None:
            parts.append(
                f'<enclosure url="{escape(item.enclosure)}" type="audio/mpeg" length="1234"/>'
            )
        parts.append(f"<description>{escape(item.body)}</description></item>")
    parts.append("</channel></rss>\n")
    return "".join(parts).encode()


@dataclass(frozen=True, slots=True)
class Response:
    """What one path answers. With an `etag`, a matching If-None-Match gets a 304."""

    status: int = 200
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    etag: str | None = None


class FeedServer:
    """Serves the `Response` set for each exact path (404 for any other) on 127.0.0.1.

    `delay` (seconds) is slept before every answer, to make a refresh take a while.
    Safe to configure from any thread while it serves.
    """

    def __init__(self, *, delay: float = 0.0) -> None:
        self.delay = delay
        self._lock = threading.Lock()
        self._routes: dict[str, Response] = {}
        # (path, status) of every request answered, in order.
        self._answered: list[tuple[str, int]] = []
        self._connections = 0
        self._http = _HTTPServer(self)
        self.port: int = self._http.server_address[1]
        self._thread = threading.Thread(
            target=self._http.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def __enter__(self) -> FeedServer:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._http.shutdown()
        self._http.server_close()
        self._thread.join()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    @property
    def endpoint(self) -> str:
        """This server as a `NEWSRIVER_ALLOW_PRIVATE_NETWORKS` address:port entry."""
        return f"127.0.0.1:{self.port}"

    def set(self, path: str, response: Response) -> str:
        """Make `path` answer `response` from now on; returns its URL."""
        with self._lock:
            self._routes[path] = response
        return self.url(path)

    def feed(self, path: str, items: Sequence[Item], *, title: str = "Test feed") -> str:
        """Serve an RSS feed of `items` at `path` (replacing what was there), with an ETag."""
        body = rss(items, title=title)
        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        return self.set(path, Response(body=body, headers={"Content-Type": RSS_TYPE}, etag=etag))

    def page(self, path: str, html: str) -> str:
        """Serve an HTML page at `path` (what a parked domain or a login wall sends)."""
        headers = {"Content-Type": "text/html; charset=utf-8"}
        return self.set(path, Response(body=html.encode(), headers=headers))

    def status(self, path: str, code: int) -> str:
        """Answer `path` with a bare status code."""
        return self.set(path, Response(status=code, body=f"HTTP {code}\n".encode()))

    def redirect(self, path: str, location: str, *, status: int = 301) -> str:
        return self.set(path, Response(status=status, headers={"Location": location}))

    def hits(self, path: str | None = None) -> int:
        """Requests answered, for `path` or in all."""
        with self._lock:
            return sum(1 for seen, _ in self._answered if path is None or seen == path)

    def statuses(self, path: str) -> list[int]:
        """The status of every answer given for `path`, in order."""
        with self._lock:
            return [status for seen, status in self._answered if seen == path]

    @property
    def connections(self) -> int:
        """TCP connections accepted so far."""
        with self._lock:
            return self._connections

    def _count_connection(self) -> None:
        with self._lock:
            self._connections += 1

    def _answer(self, path: str, if_none_match: str | None) -> Response:
        with self._lock:
            response = self._routes.get(path, Response(status=404, body=b"not found\n"))
            etag = response.etag
            if etag is not None and if_none_match is not None:
                tags = [tag.strip() for tag in if_none_match.split(",")]
                if etag in tags or "*" in tags:
                    response = Response(status=304, etag=etag)
            self._answered.append((path, response.status))
        return response


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    # aiohttp opens several connections at once; the default backlog of 5 would make
    # some of them wait for a SYN retry.
    request_queue_size = 128

    def __init__(self, owner: FeedServer) -> None:
        self.owner = owner
        super().__init__(("127.0.0.1", 0), _Handler)

    def verify_request(self, request: Any, client_address: Any) -> bool:
        self.owner._count_connection()
        return True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hangs up (a fetch that gave up on an error status, a killed
        # refresh) resets its connections: normal here, and not worth a traceback.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    # Keep-alive, as real feed servers do (every answer carries a Content-Length).
    protocol_version = "HTTP/1.1"
    # An idle kept-alive connection is closed after this many seconds.
    timeout = 5

    server: _HTTPServer

    def do_GET(self) -> None:
        owner = self.server.owner
        if owner.delay:
            time.sleep(owner.delay)
        path = self.path.split("?", 1)[0]
        response = owner._answer(path, self.headers.get("If-None-Match"))
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        if response.etag is not None:
            self.send_header("ETag", response.etag)
        # A 304 has no body and no Content-Length of its own (RFC 9110 §15.4.5).
        if response.status != 304:
            self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if response.status != 304:
            self.wfile.write(response.body)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: tests look at `FeedServer.hits` and `statuses` instead."""
