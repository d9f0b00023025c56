"""The fetcher: one shared aiohttp session, one conditional GET per feed.

    fetch(request):
        url = the request's URL, if http(s)                  else invalid_url
        for each hop, at most max_redirects + 1:
            wait for a slot for the hop's host (and a global one)
            (the deadline starts with the first slot and covers every hop and the body)
            GET url, conditional on the request's validators, guard on every connection
            304 → NotModified;  301/302/303/307/308 → next hop (loops refused)
            410 → gone;  other non-2xx → http (with Retry-After on 429/503)
            2xx → read the decoded body in chunks, cut past max_body_bytes → FetchResult

Failures of every kind leave as `newsriver.errors.FetchError`.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta
from ipaddress import ip_address
from types import TracebackType

import aiohttp
from aiohttp.resolver import DefaultResolver
from yarl import URL

from newsriver.clock import utcnow
from newsriver.errors import FetchError
from newsriver.fetch.addresses import display_address
from newsriver.fetch.failures import size, wrap_failure
from newsriver.fetch.guard import AddressGuard, GuardedResolver, PrivateAddressError
from newsriver.fetch.headers import (
    ACCEPT_ENCODING,
    FEED_ACCEPT,
    cache_max_age,
    default_user_agent,
    retry_after,
)
from newsriver.fetch.limits import HostLimiter
from newsriver.fetch.redirects import REDIRECT_STATUSES, RedirectChain, parse_target
from newsriver.fetch.results import FetchRequest, FetchResult, NotModified
from newsriver.settings import PrivateNetworkAllowlist

DEFAULT_USER_AGENT = default_user_agent()
# RFC 9110 §10.2.3: the statuses whose Retry-After means "come back later".
_RETRY_AFTER_STATUSES = frozenset({429, 503})
_DEFAULT_PORTS = {"http": 80, "https": 443}
# The content codings aiohttp removes (those of ACCEPT_ENCODING), plus none at all.
_DECODED_CODINGS = frozenset({"identity", "gzip", "deflate", "br"})


@dataclass(frozen=True, slots=True)
class FetcherConfig:
    """How a Fetcher behaves; built once by a composition root from the settings."""

    # Which non-public addresses may be reached anyway (NEWSRIVER_ALLOW_PRIVATE_NETWORKS).
    allowlist: PrivateNetworkAllowlist
    user_agent: str = DEFAULT_USER_AGENT
    # Total deadline of one fetch: every redirect hop and the whole body. Waiting for a
    # free per-host slot before the first request does not count.
    timeout: timedelta = timedelta(seconds=30)
    # Cap on the body after content decoding, so a compression bomb cannot exhaust memory.
    max_body_bytes: int = 16 * 1024 * 1024
    max_redirects: int = 5
    # Requests in flight to one host name at once, and overall.
    per_host: int = 8
    total: int = 64

    def __post_init__(self) -> None:
        if self.timeout <= timedelta(0):
            raise ValueError(f"timeout must be positive, not {self.timeout}")
        if self.max_body_bytes < 1:
            raise ValueError(f"max_body_bytes must be positive, not {self.max_body_bytes}")
        if self.max_redirects < 0:
            raise ValueError(f"max_redirects cannot be negative, not {self.max_redirects}")
        if self.per_host < 1 or self.total < 1:
            raise ValueError(
                f"per_host and total must be at least 1 ({self.per_host}, {self.total})"
            )


class Fetcher:
    """Fetches feed URLs over one aiohttp session; use it as an async context manager.

    Keeps connections alive between fetches, but no cookies (each feed is fetched as if
    by a new client) and no proxy settings from the environment.
    """

    def __init__(self, config: FetcherConfig) -> None:
        self._config = config
        self._guard = AddressGuard(config.allowlist)
        self._limiter = HostLimiter(per_host=config.per_host, total=config.total)
        self._session: aiohttp.ClientSession | None = None
        self._resolver: GuardedResolver | None = None

    async def __aenter__(self) -> Fetcher:
        assert self._session is None, "a Fetcher is entered only once"
        self._resolver = GuardedResolver(self._guard, DefaultResolver())
        connector = aiohttp.TCPConnector(
            limit=self._config.total,
            limit_per_host=self._config.per_host,
            resolver=self._resolver,
            socket_factory=self._guard.socket_factory,
        )
        self._session = aiohttp.ClientSession(
            connector=connector,
            cookie_jar=aiohttp.DummyCookieJar(),
            trust_env=False,
            # No aiohttp timeouts: `fetch` enforces one deadline over all hops itself.
            timeout=aiohttp.ClientTimeout(),
            headers={"User-Agent": self._config.user_agent, "Accept-Encoding": ACCEPT_ENCODING},
        )
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        session, self._session = self._session, None
        resolver, self._resolver = self._resolver, None
        if session is not None:
            await session.close()
        # The connector does not close a resolver it was given.
        if resolver is not None:
            await resolver.close()

    async def fetch(
        self, request: FetchRequest, *, accept: str = FEED_ACCEPT
    ) -> FetchResult | NotModified:
        """GET `request.url` (conditionally, when it carries validators), following redirects.

        Returns the body for a 2xx, NotModified for a 304. Raises FetchError for anything
        else, including every network failure. Does not retry.
        """
        session = self._session
        assert session is not None, "use `async with Fetcher(config) as fetcher`"
        chain = RedirectChain(
            requested=request.url,
            max_redirects=self._config.max_redirects,
            current=parse_target(request.url, requested=request.url),
        )
        headers = _request_headers(request, accept)
        loop = asyncio.get_running_loop()
        started: float | None = None
        try:
            async with asyncio.timeout(None) as deadline:
                while True:
                    async with self._limiter.slot(_host_key(chain.current)):
                        if started is None:
                            started = loop.time()
                            deadline.reschedule(started + self._config.timeout.total_seconds())
                        outcome = await self._exchange(session, request, chain, headers, started)
                    if outcome is not None:
                        return outcome
        except FetchError:
            raise
        except Exception as e:
            # Expected: aiohttp.ClientError, TimeoutError, OSError, ValueError (yarl). Anything
            # else is an aiohttp bug met on hostile input, and one odd feed must not abort a
            # whole refresh; the original stays chained for the log.
            raise wrap_failure(request.url, e, timeout=self._config.timeout) from e

    async def _exchange(
        self,
        session: aiohttp.ClientSession,
        request: FetchRequest,
        chain: RedirectChain,
        headers: dict[str, str],
        started: float,
    ) -> FetchResult | NotModified | None:
        """One request of the chain; None when it redirected (`chain` then holds the next URL)."""
        url = chain.current
        # aiohttp does not call the resolver for IP literals: check those here.
        port = url.port if url.port is not None else _DEFAULT_PORTS[url.scheme]
        self._guard.check_literal_host(url.host or "", port)
        async with session.get(url, headers=headers, allow_redirects=False) as response:
            self._check_peer(response)
            status = response.status
            if status in REDIRECT_STATUSES:
                chain.follow(status, response.headers.get("Location"))
                return None
            if status == 304:
                return NotModified(
                    url=request.url,
                    final_url=chain.final_url,
                    permanent_url=chain.permanent_url,
                    etag=response.headers.get("ETag", request.etag),
                    last_modified=response.headers.get("Last-Modified", request.last_modified),
                    max_age=cache_max_age(response.headers.getall("Cache-Control", ())),
                    duration_ms=_elapsed_ms(started),
                )
            _raise_for_status(request.url, response)
            body = await self._read_body(request.url, response)
            return FetchResult(
                url=request.url,
                final_url=chain.final_url,
                permanent_url=chain.permanent_url,
                status=status,
                body=body,
                content_type=response.headers.get("Content-Type"),
                etag=response.headers.get("ETag"),
                last_modified=response.headers.get("Last-Modified"),
                max_age=cache_max_age(response.headers.getall("Cache-Control", ())),
                duration_ms=_elapsed_ms(started),
            )

    def _check_peer(self, response: aiohttp.ClientResponse) -> None:
        """Belt and braces: refuse to read from a peer the guard would not have allowed.

        The socket factory already vetted this address before connecting; this catches a
        future aiohttp connection path that bypasses it. The request has been sent by
        now, so it limits the damage rather than preventing it. A response whose
        connection is already released (an empty body) has no peer left to check.
        """
        connection = response.connection
        transport = connection.transport if connection is not None else None
        peer = transport.get_extra_info("peername") if transport is not None else None
        if not peer:
            return
        address = ip_address(peer[0])
        if not self._guard.permits(address, int(peer[1])):
            raise PrivateAddressError(display_address(address))

    async def _read_body(self, url: str, response: aiohttp.ClientResponse) -> bytes:
        """The decoded body, read chunk by chunk and abandoned as soon as it is too big.

        aiohttp decompresses incrementally with a bounded output per step (its
        `DeflateBuffer`), so a gzip bomb is never inflated further than we read.
        Abandoning the response closes its connection, so the server stops sending.
        """
        limit = self._config.max_body_bytes
        too_large = f"response larger than {size(limit)}"
        coding = response.headers.get("Content-Encoding", "identity").strip().lower() or "identity"
        if coding not in _DECODED_CODINGS:
            # aiohttp passes an unknown coding through untouched: the bytes are not the feed.
            raise FetchError(url, f"unsupported Content-Encoding {coding}", kind="connection")
        length = response.content_length
        if coding == "identity" and length is not None and length > limit:
            raise FetchError(url, too_large, kind="too_large")
        body = bytearray()
        async for chunk in response.content.iter_any():
            if len(body) + len(chunk) > limit:
                raise FetchError(url, too_large, kind="too_large")
            body += chunk
        return bytes(body)


def _raise_for_status(url: str, response: aiohttp.ClientResponse) -> None:
    """Raise FetchError unless `response` is a 2xx whose body is the whole resource."""
    status = response.status
    if 200 <= status < 300 and status != 206:
        return
    if status == 410:
        # RFC 9110 §15.5.11: gone for good; the subscriber should be told, not retried.
        raise FetchError(url, "HTTP 410: the feed is gone", kind="gone", status=status)
    if status == 206:
        # We never send Range, so a partial body would be parsed as a truncated feed.
        raise FetchError(
            url, "HTTP 206 partial content without a Range request", kind="http", status=status
        )
    delay = None
    if status in _RETRY_AFTER_STATUSES:
        delay = retry_after(
            response.headers.get("Retry-After"),
            response_date=response.headers.get("Date"),
            now=utcnow(),
        )
    raise FetchError(url, f"HTTP {status}", kind="http", status=status, retry_after=delay)


def _request_headers(request: FetchRequest, accept: str) -> dict[str, str]:
    """Accept plus the conditional-GET validators (RFC 9110 §13.1.2 and §13.1.3).

    A validator holding a line break cannot have come from a real response header and
    would be refused by aiohttp as a header-injection attempt, so it is not sent.
    """
    headers = {"Accept": accept}
    if request.etag and _is_field_value(request.etag):
        headers["If-None-Match"] = request.etag
    if request.last_modified and _is_field_value(request.last_modified):
        headers["If-Modified-Since"] = request.last_modified
    return headers


def _is_field_value(value: str) -> bool:
    return "\r" not in value and "\n" not in value and "\0" not in value


def _host_key(url: URL) -> str:
    """The politeness key: the host name, lower-cased, without a final dot."""
    return (url.raw_host or "").lower().rstrip(".")


def _elapsed_ms(started: float) -> int:
    return int((asyncio.get_running_loop().time() - started) * 1000)
