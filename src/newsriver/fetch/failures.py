"""The seam: aiohttp's, asyncio's and the OS's exceptions turned into FetchError.

Everything above `newsriver.fetch` sees only `FetchError`, with a `kind` to act on and a
one-line reason a person can read in the feed's error column.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from datetime import timedelta
from typing import TypeVar

import aiohttp
from aiohttp.http_exceptions import ContentEncodingError

from newsriver.errors import FetchError
from newsriver.fetch.guard import PrivateAddressError

_E = TypeVar("_E", bound=BaseException)


def wrap_failure(url: str, error: BaseException, *, timeout: timedelta) -> FetchError:
    """The FetchError to raise for `error`, which interrupted fetching `url`.

    Call it with `raise wrap_failure(...) from error` so the original stays in the chain
    for debugging.
    """
    if isinstance(error, FetchError):
        return error
    refused = _find(error, PrivateAddressError)
    if refused is not None:
        return FetchError(
            url, refused.strerror or "private address refused", kind="private_address"
        )
    if isinstance(error, TimeoutError):  # aiohttp's ServerTimeoutError is one too
        return FetchError(url, f"timed out after {seconds(timeout)}", kind="timeout")
    if isinstance(error, aiohttp.ClientConnectorDNSError):
        return FetchError(url, f"could not resolve host {error.host}", kind="dns")
    if isinstance(error, aiohttp.ClientConnectorCertificateError):
        return FetchError(
            url, f"TLS certificate rejected: {error.certificate_error}", kind="connection"
        )
    if isinstance(error, aiohttp.ClientConnectorError):
        return FetchError(url, _connect_reason(error), kind="connection")
    if isinstance(error, aiohttp.ServerDisconnectedError):
        return FetchError(url, "server closed the connection", kind="connection")
    if _find(error, ContentEncodingError) is not None:
        # A corrupt body, or a coding we did not offer (RFC 9110 §8.4) and cannot decode.
        reason = "response body could not be decoded (bad or unsupported Content-Encoding)"
        return FetchError(url, reason, kind="connection")
    if isinstance(error, aiohttp.ClientPayloadError):
        return FetchError(url, "connection lost while reading the response body", kind="connection")
    if isinstance(error, aiohttp.InvalidURL):
        return FetchError(url, "not a valid URL", kind="invalid_url")
    if isinstance(error, aiohttp.ClientResponseError):
        # Raised for responses aiohttp cannot parse (bad status line, huge headers…).
        return FetchError(
            url, f"malformed HTTP response: {_gist(error.message)}", kind="connection"
        )
    if isinstance(error, OSError):
        return FetchError(url, f"network error: {error.strerror or error}", kind="connection")
    if isinstance(error, ValueError):  # yarl or aiohttp refusing a URL part
        return FetchError(url, "not a valid URL", kind="invalid_url")
    return FetchError(url, f"unexpected {type(error).__name__} while fetching", kind="connection")


def seconds(duration: timedelta) -> str:
    """`30 s`, `0.5 s`: a duration for a reason line."""
    return f"{duration.total_seconds():g} s"


def size(count: int) -> str:
    """`16 MiB`, `512 KiB`, `1000 bytes`: a byte count for a reason line."""
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if count >= scale and count % scale == 0:
            return f"{count // scale} {unit}"
    return f"{count} bytes"


def _gist(message: str, limit: int = 60) -> str:
    """The first line of an aiohttp message, cut short: it may quote the server's bytes."""
    first = message.strip().split("\n", 1)[0].strip().rstrip(":")
    return first if len(first) <= limit else first[: limit - 1] + "…"


def _connect_reason(error: aiohttp.ClientConnectorError) -> str:
    cause = error.os_error
    if isinstance(cause, ConnectionRefusedError):
        return "host refused the connection"
    if isinstance(cause, ssl.SSLError):
        return f"TLS handshake failed: {cause.reason or cause}"
    return f"could not connect: {cause.strerror or cause}"


def _find(error: BaseException, kind: type[_E]) -> _E | None:
    """The first exception of type `kind` in `error`'s cause/context chain, itself included."""
    for link in _chain(error):
        if isinstance(link, kind):
            return link
    return None


def _chain(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        if isinstance(current, aiohttp.ClientConnectorError) and current.os_error is not current:
            # aiohttp keeps the OSError as an attribute, not always as __cause__.
            yield current.os_error
        current = current.__cause__ or current.__context__
