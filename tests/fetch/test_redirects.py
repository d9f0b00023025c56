"""Redirects followed by hand: permanence, loops, hop limit, schemes, relative Locations."""

from __future__ import annotations

import asyncio
from itertools import pairwise

import pytest
from yarl import URL

from newsriver.errors import FetchError
from newsriver.fetch import FetchRequest, FetchResult, NotModified
from newsriver.fetch.redirects import RedirectChain, parse_target
from tests.fetch.servers import Handler, body, fetcher, redirect, serve, status

FEED = b"<rss version='2.0'><channel/></rss>"


def _chain(codes: list[int]) -> dict[str, Handler]:
    """/0 redirects to /1 with codes[0], … and the last one serves the feed."""
    routes: dict[str, Handler] = {
        f"/{i}": redirect(code, f"/{i + 1}") for i, code in enumerate(codes)
    }
    routes[f"/{len(codes)}"] = body(FEED)
    return routes


async def _fetch_chain(codes: list[int]) -> tuple[FetchResult | NotModified, str]:
    async with serve(_chain(codes)) as server, fetcher() as fetch:
        result = await fetch.fetch(FetchRequest(server.url("/0")))
        return result, server.url(f"/{len(codes)}")


@pytest.mark.parametrize("code", [302, 303, 307])
def test_temporary_redirect(code: int) -> None:
    result, final = asyncio.run(_fetch_chain([code]))
    assert isinstance(result, FetchResult)
    assert result.body == FEED
    assert result.final_url == final
    assert result.url.endswith("/0")
    assert result.permanent_url is None


@pytest.mark.parametrize("codes", [[301], [308], [301, 301, 308], [308, 301, 308, 301, 301]])
def test_permanent_chain(codes: list[int]) -> None:
    result, final = asyncio.run(_fetch_chain(codes))
    assert isinstance(result, FetchResult)
    assert result.final_url == result.permanent_url == final


@pytest.mark.parametrize("codes", [[301, 302], [302, 301], [308, 307, 308]])
def test_mixed_chain_is_not_permanent(codes: list[int]) -> None:
    result, final = asyncio.run(_fetch_chain(codes))
    assert isinstance(result, FetchResult)
    assert result.final_url == final
    assert result.permanent_url is None


def test_six_hops_are_too_many() -> None:
    async def scenario() -> None:
        async with serve(_chain([302] * 6)) as server, fetcher() as fetch:
            with pytest.raises(FetchError) as caught:
                await fetch.fetch(FetchRequest(server.url("/0")))
        assert caught.value.kind == "too_many_redirects"
        # Five hops were followed; the sixth Location was not.
        assert [seen.path for seen in server.seen] == [f"/{i}" for i in range(6)]

    asyncio.run(scenario())


def test_max_redirects_zero_refuses_any_redirect() -> None:
    async def scenario() -> None:
        async with serve(_chain([301])) as server, fetcher(max_redirects=0) as fetch:
            with pytest.raises(FetchError) as caught:
                await fetch.fetch(FetchRequest(server.url("/0")))
        assert caught.value.kind == "too_many_redirects"

    asyncio.run(scenario())


@pytest.mark.parametrize("loop", [["/a", "/a"], ["/a", "/b", "/a"], ["/a", "/b", "/c", "/b"]])
def test_loop(loop: list[str]) -> None:
    routes = {here: redirect(302, there) for here, there in pairwise(loop)}

    async def scenario() -> None:
        async with serve(routes) as server, fetcher() as fetch:
            with pytest.raises(FetchError) as caught:
                await fetch.fetch(FetchRequest(server.url(loop[0])))
        assert caught.value.kind == "redirect_loop"
        assert len(server.seen) == len(loop) - 1

    asyncio.run(scenario())


@pytest.mark.parametrize(
    "location", ["ftp://example.com/feed.xml", "file:///etc/passwd", "gopher://example.com/"]
)
def test_redirect_to_other_schemes_is_refused(location: str) -> None:
    async def scenario() -> None:
        async with serve({"/feed": redirect(301, location)}) as server, fetcher() as fetch:
            with pytest.raises(FetchError) as caught:
                await fetch.fetch(FetchRequest(server.url("/feed")))
        assert caught.value.kind == "invalid_url"
        assert caught.value.url == server.url("/feed")
        assert location in caught.value.reason

    asyncio.run(scenario())


def test_relative_locations_are_resolved() -> None:
    routes = {
        "/a/b/feed": redirect(301, "../c/feed?x=1"),
        "/a/c/feed": redirect(301, "/final"),
        "/final": body(FEED),
    }

    async def scenario() -> None:
        async with serve(routes) as server, fetcher() as fetch:
            result = await fetch.fetch(FetchRequest(server.url("/a/b/feed")))
        assert isinstance(result, FetchResult)
        assert [seen.path for seen in server.seen] == ["/a/b/feed", "/a/c/feed?x=1", "/final"]
        assert result.permanent_url == server.url("/final")

    asyncio.run(scenario())


def test_redirect_then_304() -> None:
    async def scenario() -> None:
        routes = {"/old": redirect(308, "/new"), "/new": status(304)}
        async with serve(routes) as server, fetcher() as fetch:
            result = await fetch.fetch(FetchRequest(server.url("/old"), etag='"e"'))
        assert isinstance(result, NotModified)
        assert result.permanent_url == result.final_url == server.url("/new")
        # The validators go with every hop.
        assert all(seen.headers["If-None-Match"] == '"e"' for seen in server.seen)

    asyncio.run(scenario())


def test_redirect_without_location() -> None:
    async def scenario() -> None:
        async with serve({"/feed": status(302)}) as server, fetcher() as fetch:
            with pytest.raises(FetchError) as caught:
                await fetch.fetch(FetchRequest(server.url("/feed")))
        assert (caught.value.kind, caught.value.status) == ("http", 302)

    asyncio.run(scenario())


def test_chain_bookkeeping() -> None:
    chain = RedirectChain(
        "http://a.example/feed#top", 5, parse_target("http://a.example/feed#top", requested="x")
    )
    assert chain.final_url == "http://a.example/feed#top"
    assert chain.permanent_url is None
    assert chain.follow(301, "https://b.example/feed#frag") == URL("https://b.example/feed")
    assert chain.permanent_url == chain.final_url == "https://b.example/feed"
    with pytest.raises(FetchError) as caught:
        chain.follow(301, "http://a.example/feed")
    assert caught.value.kind == "redirect_loop"
    assert caught.value.url == "http://a.example/feed#top"
