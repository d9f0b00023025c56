"""Real HTTP servers on 127.0.0.1 (or ::1) for the fetcher's tests, and small helpers.

Each server counts the TCP connections it accepted as well as the requests it answered,
so a guard test can show that nothing at all reached it, not merely that no handler ran.
"""

from __future__ import annotations

import asyncio
import struct
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from multidict import CIMultiDict, CIMultiDictProxy

from newsriver.fetch import Fetcher, FetcherConfig
from newsriver.settings import parse_private_networks

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True, slots=True)
class SeenRequest:
    path: str
    headers: CIMultiDictProxy[str]


@dataclass(slots=True)
class Server:
    host: str
    port: int
    seen: list[SeenRequest] = field(default_factory=list)
    connections: int = 0

    def url(self, path: str = "/") -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}{path}"

    @property
    def endpoint(self) -> str:
        """This server as a `NEWSRIVER_ALLOW_PRIVATE_NETWORKS` host:port entry."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"


@asynccontextmanager
async def serve(routes: Mapping[str, Handler], *, host: str = "127.0.0.1") -> AsyncIterator[Server]:
    """Serve `routes` (exact paths; anything else is a 404) on an ephemeral port.

    Handlers are cancelled when their client goes away, so a handler that never answers
    ends with the fetch that gave up on it.
    """
    server = Server(host=host, port=0)

    async def dispatch(request: web.Request) -> web.StreamResponse:
        server.seen.append(
            SeenRequest(request.path_qs, CIMultiDictProxy(CIMultiDict(request.headers)))
        )
        handler = routes.get(request.path)
        if handler is None:
            return web.Response(status=404)
        return await handler(request)

    app = web.Application()
    app.router.add_route("GET", "/{tail:.*}", dispatch)
    runner = web.AppRunner(app, handler_cancellation=True, shutdown_timeout=1.0, access_log=None)
    await runner.setup()
    handler_factory = runner.server
    assert handler_factory is not None

    def accept() -> asyncio.Protocol:
        server.connections += 1
        return handler_factory()

    listener = await asyncio.get_running_loop().create_server(accept, host, 0)
    server.port = listener.sockets[0].getsockname()[1]
    try:
        yield server
    finally:
        listener.close()
        await runner.cleanup()
        await listener.wait_closed()


@asynccontextmanager
async def raw_server(reply: bytes) -> AsyncIterator[str]:
    """A TCP server that reads a request head, writes `reply` verbatim and hangs up.

    Yields the URL to fetch. For responses no HTTP server library would produce.
    """

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reader.readuntil(b"\r\n\r\n")
            writer.write(reply)
            await writer.drain()
        finally:
            writer.close()
            await writer.wait_closed()

    listener = await asyncio.start_server(handle, "127.0.0.1", 0)
    try:
        yield f"http://127.0.0.1:{listener.sockets[0].getsockname()[1]}/feed"
    finally:
        listener.close()
        await listener.wait_closed()


def config(*, allow: str = "1", **overrides: Any) -> FetcherConfig:
    """A FetcherConfig for tests: everything allowed unless `allow` says otherwise."""
    return FetcherConfig(allowlist=parse_private_networks(allow), **overrides)


@asynccontextmanager
async def fetcher(*, allow: str = "1", **overrides: Any) -> AsyncIterator[Fetcher]:
    async with Fetcher(config(allow=allow, **overrides)) as running:
        yield running


def body(content: bytes, **headers: str) -> Handler:
    """A handler answering 200 with `content` and the given headers (`_` for `-`)."""

    async def handle(request: web.Request) -> web.StreamResponse:
        return web.Response(body=content, headers=_headers(headers))

    return handle


def status(code: int, **headers: str) -> Handler:
    async def handle(request: web.Request) -> web.StreamResponse:
        return web.Response(status=code, headers=_headers(headers))

    return handle


def redirect(code: int, location: str) -> Handler:
    return status(code, Location=location)


def _headers(headers: Mapping[str, str]) -> dict[str, str]:
    return {name.replace("_", "-"): value for name, value in headers.items()}


# A gzip member header (RFC 1952 §2.3): deflate, no flags, no time, unknown OS.
_GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"


def gzip_zeros(decoded_size: int, *, block: int = 1 << 20) -> Iterator[bytes]:
    """A gzip stream of `decoded_size` zero bytes, produced lazily in ~1 KB pieces.

    One block of zeros is compressed once, ending in a full flush (which byte-aligns the
    output and resets the compressor), so the same compressed bytes can be repeated: a
    1 GiB bomb costs about a millisecond and a kilobyte to make.
    """
    assert decoded_size % block == 0, "decoded_size must be a whole number of blocks"
    compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    compressed_block = compressor.compress(bytes(block)) + compressor.flush(zlib.Z_FULL_FLUSH)
    yield _GZIP_HEADER
    for _ in range(decoded_size // block):
        yield compressed_block
    yield compressor.flush()
    crc = 0
    zeros = bytes(block)
    for _ in range(decoded_size // block):
        crc = zlib.crc32(zeros, crc)
    yield struct.pack("<II", crc, decoded_size & 0xFFFFFFFF)
