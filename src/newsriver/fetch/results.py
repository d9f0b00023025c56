"""What goes into a fetch and what comes out of it (failures are `newsriver.errors.FetchError`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True, slots=True)
class FetchRequest:
    """A feed URL and the validators stored from its last successful fetch."""

    url: str
    # Sent as If-None-Match (RFC 9110 §13.1.2), exactly as the server gave it.
    etag: str | None = None
    # Sent as If-Modified-Since (RFC 9110 §13.1.3), exactly as the server gave it.
    last_modified: str | None = None


@dataclass(frozen=True, slots=True)
class FetchResult:
    """A successful (2xx) response with its body."""

    # The URL requested, as given in the FetchRequest.
    url: str
    # Where the body came from, after redirects; `url` when there were none.
    final_url: str
    # Where the feed now lives when every redirect hop was permanent (301 or 308, RFC 9110
    # §15.4.2 and §15.4.9), so the subscription can be moved; None otherwise.
    permanent_url: str | None
    status: int
    # Content codings removed; never more than the fetcher's max_body_bytes.
    body: bytes
    # The whole Content-Type value, charset parameter included, for encoding detection.
    content_type: str | None
    etag: str | None
    last_modified: str | None
    # Cache-Control max-age (RFC 9111 §5.2.2.1); None when absent, no-store or no-cache.
    max_age: timedelta | None
    # From the first request sent to the end of the body, all hops included.
    duration_ms: int


@dataclass(frozen=True, slots=True)
class NotModified:
    """A 304 answer to a conditional GET: the stored copy is still current."""

    url: str
    final_url: str
    permanent_url: str | None
    # The validators to keep: those the 304 sent (RFC 9110 §15.4.5 lets it update
    # them), else the ones the request carried.
    etag: str | None
    last_modified: str | None
    max_age: timedelta | None
    duration_ms: int
