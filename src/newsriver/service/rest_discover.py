"""Finding the feeds at a URL without subscribing (the REST API's `POST /v1/discover`).

The URL is fetched through the guarded fetcher, so private, loopback and link-local
addresses are refused unless the admin allows them. A feed is its own answer; a web
page answers with the feeds it announces or links to, and when it names none, with
those of the usual paths (`/feed`, `/atom.xml`…) that really serve a feed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from newsriver.errors import FeedParseError, FetchError
from newsriver.feeds import parse_feed
from newsriver.feeds.discovery import DiscoveredFeed, discover_feeds
from newsriver.fetch import Fetcher, FetcherConfig, FetchRequest, FetchResult
from newsriver.models import FeedFormat
from newsriver.service.subscriptions import clean_url

FeedKind = Literal["rss", "atom", "json"]


@dataclass(frozen=True, slots=True)
class FoundFeed:
    url: str
    title: str
    kind: FeedKind


def _kind_of_format(format_: FeedFormat) -> FeedKind:
    if format_.startswith("atom"):
        return "atom"
    return "json" if format_.startswith("json") else "rss"


def _kind_of_type(mime_type: str | None, url: str) -> FeedKind:
    hint = f"{mime_type or ''} {url}".lower()
    if "atom" in hint:
        return "atom"
    return "json" if "json" in hint else "rss"


async def discover(fetcher_config: FetcherConfig, url: str) -> list[FoundFeed]:
    """The feeds at `url`, best first (empty when there are none). ValueError for a
    URL that is not http(s); FetchError when it cannot be fetched."""
    url = clean_url(url)
    async with Fetcher(fetcher_config) as fetcher:
        page = await fetcher.fetch(FetchRequest(url))
        assert isinstance(page, FetchResult), "a request without validators cannot get a 304"
        try:
            parsed = parse_feed(page.body, page.final_url, page.content_type)
        except FeedParseError:
            pass
        else:
            return [FoundFeed(url, parsed.title or url, _kind_of_format(parsed.format))]
        candidates = discover_feeds(page.body, page.final_url)
        found = [
            FoundFeed(item.url, item.title or item.url, _kind_of_type(item.type, item.url))
            for item in candidates
            if item.source != "guess"
        ]
        if found:
            return found
        return [
            feed
            for feed in [await _probe(fetcher, item) for item in candidates]
            if feed is not None
        ]


async def _probe(fetcher: Fetcher, guess: DiscoveredFeed) -> FoundFeed | None:
    """The guessed URL as a feed, if it serves one (guesses are few: asked in turn)."""
    try:
        result = await fetcher.fetch(FetchRequest(guess.url))
        assert isinstance(result, FetchResult)
        parsed = parse_feed(result.body, result.final_url, result.content_type)
    except (FetchError, FeedParseError):
        return None
    return FoundFeed(guess.url, parsed.title or guess.url, _kind_of_format(parsed.format))
