"""What the fetcher sends, and how it reads 2xx, 304 and error responses from a real server."""

from __future__ import annotations

import asyncio
import gzip
import zlib
from datetime import timedelta

import brotli  # type: ignore[import-untyped]
import pytest
from aiohttp import web

from newsriver.errors import FetchError
from newsriver.fetch import FEED_ACCEPT, FetchRequest, FetchResult, NotModified
from tests.fetch.servers import body, fetcher, raw_server, serve, status

FEED = b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>'


def test_200_with_body_and_headers() -> None:
    async def scenario() -> None:
        handler = body(
            FEED,
            Content_Type="application/rss+xml; charset=utf-8",
            ETag='"v1"',
            Last_Modified="Wed, 01 May 2024 10:00:00 GMT",
            Cache_Control="public, max-age=900",
        )
        async with serve({"/feed": handler}) as server, fetcher() as fetch:
            result = await fetch.fetch(FetchRequest(server.url("/feed")))
        assert isinstance(result, FetchResult)
        assert result.url == result.final_url == server.url("/feed")
        assert result.permanent_url is None
        assert result.status == 200
        assert result.body == FEED
        assert result.content_type == "application/rss+xml; charset=utf-8"
        assert result.etag == '"v1"'
        assert result.last_modified == "Wed, 01 May 2024 10:00:00 GMT"
        assert result.max_age == timedelta(minutes=15)
        assert result.duration_ms >= 0

    asyncio.run(scenario())


def test_request_headers() -> None:
    async def scenario() -> None:
        async with serve({"/feed": body(FEED)}) as server, fetcher(user_agent="ua/1") as fetch:
            await fetch.fetch(FetchRequest(server.url("/feed")))
            await fetch.fetch(FetchRequest(server.url("/feed")), accept="text/html")
        first, second = (seen.headers for seen in server.seen)
        assert first["User-Agent"] == "ua/1"
        assert first["Accept-Encoding"] == "gzip, deflate, br"
        assert first["Accept"] == FEED_ACCEPT
        assert "If-None-Match" not in first
        assert "If-Modified-Since" not in first
        assert second["Accept"] == "text/html"

    asyncio.run(scenario())


def test_default_user_agent_is_sent() -> None:
    async def scenario() -> None:
        async with serve({"/feed": body(FEED)}) as server, fetcher() as fetch:
            await fetch.fetch(FetchRequest(server.url("/feed")))
        assert server.seen[0].headers["User-Agent"].startswith("newsriver/")

    asyncio.run(scenario())


def test_etag_then_304() -> None:
    async def handle(request: web.Request) -> web.StreamResponse:
        if request.headers.get("If-None-Match") == '"v1"':
            return web.Response(status=304, headers={"ETag": '"v1"', "Cache-Control": "max-age=60"})
        return web.Response(body=FEED, headers={"ETag": '"v1"'})

    async def scenario() -> None:
        async with serve({"/feed": handle}) as server, fetcher() as fetch:
            first = await fetch.fetch(FetchRequest(server.url("/feed")))
            assert isinstance(first, FetchResult)
            second = await fetch.fetch(FetchRequest(server.url("/feed"), etag=first.etag))
        assert isinstance(second, NotModified)
        assert second.url == second.final_url == server.url("/feed")
        assert second.permanent_url is None
        assert second.etag == '"v1"'
        assert second.last_modified is None
        assert second.max_age == timedelta(seconds=60)
        assert server.seen[1].headers["If-None-Match"] == '"v1"'

    asyncio.run(scenario())


def test_last_modified_then_304_keeps_the_request_validators() -> None:
    stamp = "Wed, 01 May 2024 10:00:00 GMT"

    async def handle(request: web.Request) -> web.StreamResponse:
        if request.headers.get("If-Modified-Since") == stamp:
            return web.Response(status=304)
        return web.Response(body=FEED, headers={"Last-Modified": stamp})

    async def scenario() -> None:
        async with serve({"/feed": handle}) as server, fetcher() as fetch:
            first = await fetch.fetch(FetchRequest(server.url("/feed")))
            assert isinstance(first, FetchResult)
            request = FetchRequest(server.url("/feed"), etag='"old"', last_modified=stamp)
            second = await fetch.fetch(request)
        assert isinstance(second, NotModified)
        # The 304 sent no validators: the ones we hold stay valid.
        assert second.etag == '"old"'
        assert second.last_modified == stamp
        assert second.max_age is None
        assert server.seen[1].headers["If-Modified-Since"] == stamp

    asyncio.run(scenario())


@pytest.mark.parametrize(
    ("coding", "encoded"),
    [
        ("gzip", gzip.compress(FEED)),
        ("deflate", zlib.compress(FEED)),  # RFC 9110 §8.4.1.2: the zlib format
        ("br", brotli.compress(FEED)),
    ],
)
def test_content_codings_are_decoded(coding: str, encoded: bytes) -> None:
    async def scenario() -> None:
        handler = body(encoded, Content_Encoding=coding, Content_Type="application/rss+xml")
        async with serve({"/feed": handler}) as server, fetcher() as fetch:
            result = await fetch.fetch(FetchRequest(server.url("/feed")))
        assert isinstance(result, FetchResult)
        assert result.body == FEED

    asyncio.run(scenario())


def test_corrupt_gzip_is_a_connection_error() -> None:
    async def scenario() -> None:
        handler = body(b"\x1f\x8b\x08\x00not gzip at all" * 10, Content_Encoding="gzip")
        async with serve({"/feed": handler}) as server, fetcher() as fetch:
            with pytest.raises(FetchError) as caught:
                await fetch.fetch(FetchRequest(server.url("/feed")))
        assert caught.value.kind == "connection"
        assert caught.value.reason.startswith("response body could not be decoded")

    asyncio.run(scenario())


def test_410_is_gone() -> None:
    async def scenario() -> None:
        async with serve({"/feed": status(410)}) as server, fetcher() as fetch:
            with pytest.raises(FetchError) as caught:
                await fetch.fetch(FetchRequest(server.url("/feed")))
        assert caught.value.kind == "gone"
        assert caught.value.status == 410
        assert caught.value.url == server.url("/feed")

    asyncio.run(scenario())


@pytest.mark.parametrize("code", [404, 500])
def test_other_errors_are_http(code: int) -> None:
    async def scenario() -> None:
        async with serve({"/feed": status(code, Retry_After="60")}) as server, fetcher() as fetch:
            with pytest.raises(FetchError) as caught:
                await fetch.fetch(FetchRequest(server.url("/feed")))
        error = caught.value
        assert (error.kind, error.status, error.reason) == ("http", code, f"HTTP {code}")
        assert str(error) == f"{server.url('/feed')}: HTTP {code}"
        # Retry-After is only meaningful on 429 and 503.
        assert error.retry_after is None

    asyncio.run(scenario())


@pytest.mark.parametrize(
    ("code", "headers", "expected"),
    [
        (429, {"Retry-After": "120"}, timedelta(seconds=120)),
        (503, {"Retry-After": "7"}, timedelta(seconds=7)),
        (
            429,
            {
                "Retry-After": "Sun, 06 Nov 1994 08:51:07 GMT",
                "Date": "Sun, 06 Nov 1994 08:49:37 GMT",
            },
            timedelta(seconds=90),
        ),
        (
            503,
            {
                "Retry-After": "Sun, 06 Nov 1994 09:49:37 GMT",
                "Date": "Sun, 06 Nov 1994 08:49:37 GMT",
            },
            timedelta(hours=1),
        ),
        (503, {}, None),
    ],
)
def test_retry_after(code: int, headers: dict[str, str], expected: timedelta | None) -> None:
    async def handle(request: web.Request) -> web.StreamResponse:
        return web.Response(status=code, headers=headers)

    async def scenario() -> None:
        async with serve({"/feed": handle}) as server, fetcher() as fetch:
            with pytest.raises(FetchError) as caught:
                await fetch.fetch(FetchRequest(server.url("/feed")))
        assert (caught.value.kind, caught.value.status) == ("http", code)
        assert caught.value.retry_after == expected

    asyncio.run(scenario())


def test_cookies_are_not_kept_between_fetches() -> None:
    async def handle(request: web.Request) -> web.StreamResponse:
        response = web.Response(body=FEED)
        response.set_cookie("session", "abc")
        return response

    async def scenario() -> None:
        async with serve({"/feed": handle}) as server, fetcher() as fetch:
            await fetch.fetch(FetchRequest(server.url("/feed")))
            await fetch.fetch(FetchRequest(server.url("/feed")))
        assert "Cookie" not in server.seen[1].headers

    asyncio.run(scenario())


def test_proxies_from_the_environment_are_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    # A proxy that does not exist: the fetch only succeeds if it is not used.
    for name in ("HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)

    async def scenario() -> None:
        async with serve({"/feed": body(FEED)}) as server, fetcher() as fetch:
            result = await fetch.fetch(FetchRequest(server.url("/feed")))
        assert isinstance(result, FetchResult)

    asyncio.run(scenario())


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.com/feed",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "/relative/feed",
        "http:///no-host",
        "http://example.com:99999/",
        "http://xn--a.com/",
        "",
    ],
)
def test_invalid_urls(url: str) -> None:
    async def scenario() -> None:
        async with fetcher() as fetch:
            with pytest.raises(FetchError) as caught:
                await fetch.fetch(FetchRequest(url))
        assert caught.value.kind == "invalid_url"
        assert caught.value.url == url
        assert "\n" not in str(caught.value)

    asyncio.run(scenario())


def test_connection_refused() -> None:
    async def scenario() -> None:
        async with serve({}) as server:
            url = server.url("/feed")
        # The server is gone: nothing listens on its port any more.
        async with fetcher() as fetch:
            with pytest.raises(FetchError) as caught:
                await fetch.fetch(FetchRequest(url))
        assert caught.value.kind == "connection"
        assert caught.value.reason == "host refused the connection"

    asyncio.run(scenario())


def test_unresolvable_host() -> None:
    async def scenario() -> None:
        async with fetcher() as fetch:
            with pytest.raises(FetchError) as caught:
                await fetch.fetch(FetchRequest("http://no-such-host.invalid/feed"))
        assert caught.value.kind == "dns"

    asyncio.run(scenario())


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        (b"", "server closed the connection"),
        (b"garbage\r\n\r\n", "malformed HTTP response: Bad status line"),
        (
            b"HTTP/1.1 200 OK\r\nX-Long: " + b"a" * 20000 + b"\r\n\r\n",
            "malformed HTTP response: Got more than 8190 bytes",
        ),
        (
            b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort",
            "connection lost while reading the response body",
        ),
        (
            b"HTTP/1.1 200 OK\r\nContent-Encoding: compress\r\nContent-Length: 5\r\n\r\nabcde",
            "unsupported Content-Encoding compress",
        ),
        (
            b"HTTP/1.1 200 OK\r\nContent-Encoding: zstd\r\nContent-Length: 5\r\n\r\nabcde",
            "response body could not be decoded",
        ),
    ],
)
def test_broken_responses_are_connection_errors(reply: bytes, reason: str) -> None:
    async def scenario() -> None:
        async with raw_server(reply) as url, fetcher() as fetch:
            with pytest.raises(FetchError) as caught:
                await fetch.fetch(FetchRequest(url))
        assert caught.value.kind == "connection"
        assert caught.value.reason.startswith(reason)
        assert len(caught.value.reason) <= 100

    asyncio.run(scenario())
