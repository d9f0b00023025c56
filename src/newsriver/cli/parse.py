"""The work behind `newsriver parse`: one argument in, one JSON object out."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

from newsriver.cli.feed_json import JSONObject, feed_to_json
from newsriver.errors import FeedParseError, FetchError
from newsriver.feeds import parse_feed
from newsriver.fetch import Fetcher, FetcherConfig, FetchRequest, FetchResult


@dataclass(frozen=True, slots=True)
class ParseOutcome:
    """The line to print for one argument, and why it failed (None when it did not)."""

    line: JSONObject
    error: str | None = None


def is_url(arg: str) -> bool:
    return arg.lower().startswith(("http://", "https://"))


def parse_argument(arg: str, fetcher_config: FetcherConfig | None) -> ParseOutcome:
    """Read (or fetch) and parse the feed `arg`. Never raises: failures become error lines.

    A file's path is passed to the parser as the document's URL, so relative links in a
    feed without `xml:base` or a channel link stay relative instead of being resolved
    against a `file:` URL that no reader could open. A URL is fetched with the same
    fetcher as a refresh: the private-address guard applies.
    """
    content_type = None
    if is_url(arg):
        assert fetcher_config is not None, "URLs need a fetcher configuration"
        try:
            fetched = asyncio.run(_fetch(arg, fetcher_config))
        except FetchError as e:
            return _failed(arg, e.reason)
        body, url, content_type = fetched.body, fetched.final_url, fetched.content_type
    else:
        try:
            body = Path(arg).read_bytes()
        except OSError as e:
            return _failed(arg, f"cannot read the file: {e.strerror or e}")
        url = arg
    try:
        feed = parse_feed(body, url, content_type)
    except FeedParseError as e:
        return _failed(arg, e.reason)
    except Exception as e:
        # A parser bug must not cost the lines of the other arguments; say it is one.
        return _failed(arg, f"internal error in the parser (please report it): {e!r}")
    return ParseOutcome(feed_to_json(feed))


async def _fetch(url: str, config: FetcherConfig) -> FetchResult:
    async with Fetcher(config) as fetcher:
        result = await fetcher.fetch(FetchRequest(url))
    # No validators were sent, so a 304 can only come from a broken server.
    if not isinstance(result, FetchResult):
        raise FetchError(url, "the server answered 304 Not Modified to a plain GET", kind="http")
    return result


def _failed(arg: str, reason: str) -> ParseOutcome:
    return ParseOutcome({"url": arg, "error": reason}, reason)
