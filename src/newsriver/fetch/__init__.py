"""Fetching feeds over HTTP: network only, no parsing, no database.

`Fetcher.fetch(FetchRequest)` returns a `FetchResult` (a 2xx body) or `NotModified` (a
304), or raises `newsriver.errors.FetchError`. Conditional GET, content decoding,
redirects (permanent moves reported), size and time limits, per-host politeness and the
private-address guard all live here; see docs/decisions/0006-fetching.md.

The fetcher itself (`Fetcher`, `FetcherConfig`, `DEFAULT_USER_AGENT`) is loaded on first
use (PEP 562): parse worker processes receive `FetchResult`s and never fetch, and aiohttp
with the settings the guard reads were 0.4 s of every worker pool's start.
"""

from typing import TYPE_CHECKING

from newsriver.fetch.addresses import is_public_address
from newsriver.fetch.headers import FEED_ACCEPT
from newsriver.fetch.results import FetchRequest, FetchResult, NotModified

if TYPE_CHECKING:
    from newsriver.fetch.fetcher import DEFAULT_USER_AGENT, Fetcher, FetcherConfig

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

_LOADED_ON_FIRST_USE = frozenset({"DEFAULT_USER_AGENT", "Fetcher", "FetcherConfig"})


def __getattr__(name: str) -> object:
    if name in _LOADED_ON_FIRST_USE:
        from newsriver.fetch import fetcher

        return getattr(fetcher, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
