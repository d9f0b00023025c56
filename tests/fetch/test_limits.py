"""Size, time and concurrency limits, against servers that misbehave on purpose."""

from __future__ import annotations

import asyncio
import time
import tracemalloc
import zlib
from datetime import timedelta

import pytest
from aiohttp import web

from newsriver.errors import FetchError
from newsriver.fetch import FetchRequest, FetchResult
from newsriver.fetch.limits import HostLimiter
from tests.fetch.servers import Handler, body, fetcher, gzip_zeros, redirect, serve

GiB = 1 << 30
MiB = 1 << 20


def test_gzip_zeros_helper_makes_valid_gzip() -> None:
    stream = b"".join(gzip_zeros(4 * MiB))
    assert zlib.decompress(stream, wbits=31) == bytes(4 * MiB)
    assert len(stream) < 8 * 1024


def _gzip_bomb(decoded_size: int) -> Handler:
    async def handle(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(
            headers={"Content-Encoding": "gzip", "Content-Type": "application/rss+xml"}
        )
        await response.prepare(request)
        pending: list[bytes] = []
        for piece in gzip_zeros(decoded_size):
            pending.append(piece)
            if len(pending) == 64:
                await response.write(b"".join(pending))
                pending.clear()
        await response.write(b"".join(pending))
        await response.write_eof()
        return response

    return handle


def test_gzip_bomb_is_cut_with_bounded_memory() -> None:
    async def scenario() -> FetchError:
        async with (
            serve({"/feed": _gzip_bomb(GiB)}) as server,
            fetcher(max_body_bytes=MiB) as fetch,
        ):
            with pytest.raises(FetchError) as caught:
                await fetch.fetch(FetchRequest(server.url("/feed")))
        return caught.value

    tracemalloc.start()
    try:
        error = asyncio.run(scenario())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert error.kind == "too_large"
    assert error.reason == "response larger than 1 MiB"
    # The cap, aiohttp's buffers and the test's own server: nowhere near 1 GiB.
    assert peak < 16 * MiB, f"peak traced memory {peak / MiB:.1f} MiB"


def test_body_at_the_cap_is_accepted_one_byte_more_is_not() -> None:
    async def scenario() -> None:
        routes = {"/exact": body(b"x" * 1000), "/over": body(b"x" * 1001)}
        async with serve(routes) as server, fetcher(max_body_bytes=1000) as fetch:
            result = await fetch.fetch(FetchRequest(server.url("/exact")))
            assert isinstance(result, FetchResult)
            assert len(result.body) == 1000
            with pytest.raises(FetchError) as caught:
                await fetch.fetch(FetchRequest(server.url("/over")))
        assert caught.value.kind == "too_large"
        assert caught.value.reason == "response larger than 1000 bytes"

    asyncio.run(scenario())


def test_chunked_body_without_length_is_cut() -> None:
    async def endless(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        await response.prepare(request)
        while True:
            await response.write(b"y" * 65536)

    async def scenario() -> None:
        async with serve({"/feed": endless}) as server, fetcher(max_body_bytes=MiB) as fetch:
            with pytest.raises(FetchError) as caught:
                await fetch.fetch(FetchRequest(server.url("/feed")))
        assert caught.value.kind == "too_large"

    asyncio.run(scenario())


def _never_answers(stop: asyncio.Event) -> Handler:
    async def handle(request: web.Request) -> web.StreamResponse:
        await stop.wait()
        return web.Response()

    return handle


async def _slow_drip(request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Type": "application/rss+xml"})
    await response.prepare(request)
    while True:
        await response.write(b"<")
        await asyncio.sleep(0.05)


async def _timed_fetch(routes: dict[str, Handler], path: str) -> tuple[FetchError, float]:
    async with serve(routes) as server, fetcher(timeout=timedelta(seconds=0.5)) as fetch:
        started = time.monotonic()
        with pytest.raises(FetchError) as caught:
            await fetch.fetch(FetchRequest(server.url(path)))
        return caught.value, time.monotonic() - started


def test_server_that_never_answers_times_out() -> None:
    async def scenario() -> tuple[FetchError, float]:
        stop = asyncio.Event()
        try:
            return await _timed_fetch({"/feed": _never_answers(stop)}, "/feed")
        finally:
            stop.set()

    error, elapsed = asyncio.run(scenario())
    assert (error.kind, error.reason) == ("timeout", "timed out after 0.5 s")
    assert 0.45 <= elapsed < 1.5


def test_slow_drip_times_out() -> None:
    error, elapsed = asyncio.run(_timed_fetch({"/feed": _slow_drip}, "/feed"))
    assert error.kind == "timeout"
    assert 0.45 <= elapsed < 1.5


def test_deadline_covers_all_redirect_hops() -> None:
    def slow_redirect(location: str) -> Handler:
        async def handle(request: web.Request) -> web.StreamResponse:
            await asyncio.sleep(0.2)
            return await redirect(302, location)(request)

        return handle

    routes = {f"/{i}": slow_redirect(f"/{i + 1}") for i in range(5)}
    routes["/5"] = body(b"<rss/>")
    error, elapsed = asyncio.run(_timed_fetch(routes, "/0"))
    # Each hop is well within 0.5 s; together they are not.
    assert error.kind == "timeout"
    assert elapsed < 1.5


def _counting(state: dict[str, int]) -> Handler:
    async def handle(request: web.Request) -> web.StreamResponse:
        state["now"] += 1
        state["max"] = max(state["max"], state["now"])
        try:
            await asyncio.sleep(0.02)
        finally:
            state["now"] -= 1
        return web.Response(body=b"<rss/>")

    return handle


def test_per_host_limit() -> None:
    state = {"now": 0, "max": 0}

    async def scenario() -> None:
        async with serve({"/feed": _counting(state)}) as server, fetcher(per_host=3) as fetch:
            results = await asyncio.gather(
                *(fetch.fetch(FetchRequest(server.url(f"/feed?n={n}"))) for n in range(50))
            )
        assert all(isinstance(result, FetchResult) for result in results)
        assert len(server.seen) == 50

    asyncio.run(scenario())
    assert state["max"] == 3


def test_total_limit_across_hosts() -> None:
    state = {"now": 0, "max": 0}

    async def scenario() -> None:
        async with serve({"/feed": _counting(state)}) as server:
            # 127.0.0.1 and localhost are two hosts for politeness, one server here.
            urls = [f"http://{host}:{server.port}/feed" for host in ("127.0.0.1", "localhost")]
            async with fetcher(per_host=8, total=2) as fetch:
                await asyncio.gather(*(fetch.fetch(FetchRequest(urls[n % 2])) for n in range(20)))

    asyncio.run(scenario())
    assert state["max"] == 2


def test_host_limiter_forgets_idle_hosts() -> None:
    async def scenario() -> None:
        limiter = HostLimiter(per_host=1, total=10)
        async with limiter.slot("a.example"), limiter.slot("b.example"):
            assert limiter.tracked_hosts() == 2
        assert limiter.tracked_hosts() == 0

    asyncio.run(scenario())
