"""Fetching feeds over HTTP: network only, no parsing, no database.

`Fetcher.fetch(FetchRequest)` returns a `FetchResult` (a 2xx body) or `NotModified` (a
304), or raises `newsriver.errors.FetchError`. Conditional GET, content decoding,
redirects (permanent moves reported), size and time limits, per-host politeness and the
private-address guard all live here; see docs/decisions/0006-fetching.md.
"""

from newsriver.fetch.addresses import is_public_address
from newsriver.fetch.fetcher import DEFAULT_USER_AGENT, Fetcher, FetcherConfig
from newsriver.fetch.headers import FEED_ACCEPT
from newsriver.fetch.results import FetchRequest, FetchResult, NotModified

__all__ = [
    "DEFAULT_USER_AGENT",
    "FEED_ACCEPT",
    "FetchRequest",
    "FetchResult",
    "Fetcher",
    "FetcherConfig",
    "NotModified",
    "is_public_address",
]
