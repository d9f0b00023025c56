"""Subscribing a user to a URL: a feed's, or a site's whose page names its feeds.

A URL newsriver already fetches for someone is shared at once, without a request. A new
one is fetched once: if it is a feed, its entries are stored from that very response;
if it is a web page, the feeds it announces are offered (or, when it announces exactly
one, subscribed to).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from newsriver.clock import utcnow
from newsriver.errors import FeedParseError, FetchError, NotAFeedError
from newsriver.feeds import parse_feed
from newsriver.feeds.discovery import DiscoveredFeed, discover_feeds
from newsriver.fetch import Fetcher, FetcherConfig, FetchRequest, FetchResult
from newsriver.store import accounts, subscriptions
from newsriver.store.database import Database
from newsriver.store.updates import apply_update, feeds_for_update
from newsriver.update.outcomes import update_from_document


@dataclass(frozen=True, slots=True)
class Subscribed:
    """The user now reads this feed."""

    feed_id: int
    url: str
    title: str | None
    # False when the feed was already fetched for another user (nothing was requested).
    new_feed: bool


@dataclass(frozen=True, slots=True)
class FeedChoices:
    """The URL is a web page naming several feeds (or only guessed ones): pick one."""

    page_url: str
    candidates: tuple[DiscoveredFeed, ...]


async def subscribe_url(
    database: Database,
    fetcher_config: FetcherConfig,
    user_name: str,
    url: str,
    *,
    category: str | None = None,
    title: str | None = None,
    follow_page: bool = True,
) -> Subscribed | FeedChoices:
    """Subscribe `user_name` to the feed at `url`, or to the one feed its page announces
    (with `follow_page`; a page announcing a page is not followed further).

    Raises NotFoundError (no such user), FetchError (cannot be fetched: private address,
    refused, HTTP error…) or NotAFeedError (neither a feed nor a page naming one).
    """
    url = url.strip()
    known = _subscribe_known(database, user_name, url, category, title)
    if known is not None:
        return known
    async with Fetcher(fetcher_config) as fetcher:
        result = await fetcher.fetch(FetchRequest(url))
    assert isinstance(result, FetchResult), "a request without validators cannot get a 304"
    try:
        parse_feed(result.body, result.final_url, result.content_type)
    except FeedParseError as e:
        if not follow_page:
            raise NotAFeedError(url, "not a feed") from e
        return await _from_page(database, fetcher_config, user_name, result, category, title)
    return _subscribe_fetched(database, user_name, result, category, title)


def _subscribe_known(
    database: Database, user_name: str, url: str, category: str | None, title: str | None
) -> Subscribed | None:
    with database.write() as connection:
        user = accounts.get_user(connection, user_name)
        feed_id = subscriptions.find_feed(connection, url)
        if feed_id is None:
            return None
        category_id = (
            subscriptions.get_or_create_category(connection, user.id, category)
            if category
            else None
        )
        subscriptions.subscribe(
            connection, user.id, feed_id, category_id=category_id, title=title, now=utcnow()
        )
        return Subscribed(
            feed_id, url, subscriptions.feed_title(connection, feed_id), new_feed=False
        )


def _subscribe_fetched(
    database: Database,
    user_name: str,
    result: FetchResult,
    category: str | None,
    title: str | None,
) -> Subscribed:
    """Create the feed, subscribe, and store the document already in hand."""
    # A permanent redirect is where the feed lives now; a temporary one is not.
    url = result.permanent_url or result.url
    now = utcnow()
    with database.write() as connection:
        user = accounts.get_user(connection, user_name)
        feed_id, created = subscriptions.get_or_create_feed(connection, url, now=now)
        category_id = (
            subscriptions.get_or_create_category(connection, user.id, category)
            if category
            else None
        )
        subscriptions.subscribe(
            connection, user.id, feed_id, category_id=category_id, title=title, now=now
        )
        if created:
            (feed,) = feeds_for_update(connection, due_before=None, feed_ids=[feed_id])
            # Spreads next checks; not secret.
            jitter = random.random()  # noqa: S311
            apply_update(connection, update_from_document(feed, result, {}, now=now, jitter=jitter))
        return Subscribed(feed_id, url, subscriptions.feed_title(connection, feed_id), created)


async def _from_page(
    database: Database,
    fetcher_config: FetcherConfig,
    user_name: str,
    page: FetchResult,
    category: str | None,
    title: str | None,
) -> Subscribed | FeedChoices:
    candidates = tuple(discover_feeds(page.body, page.final_url))
    if all(candidate.source == "guess" for candidate in candidates):
        # Nobody announced these: only the ones that answer with a feed are offered.
        candidates = await _probe(fetcher_config, candidates)
    if not candidates:
        raise NotAFeedError(page.url, "not a feed, and the page names no feed")
    announced = [candidate for candidate in candidates if candidate.source != "anchor"]
    if len(announced) == 1:
        return await subscribe_url(
            database,
            fetcher_config,
            user_name,
            announced[0].url,
            category=category,
            title=title,
            follow_page=False,
        )
    return FeedChoices(page.final_url, candidates)


async def _probe(
    fetcher_config: FetcherConfig, guesses: tuple[DiscoveredFeed, ...]
) -> tuple[DiscoveredFeed, ...]:
    """The guessed URLs that serve a feed (they are few, and asked one at a time)."""
    found = []
    async with Fetcher(fetcher_config) as fetcher:
        for guess in guesses:
            try:
                result = await fetcher.fetch(FetchRequest(guess.url))
                assert isinstance(result, FetchResult)
                parse_feed(result.body, result.final_url, result.content_type)
            except (FetchError, FeedParseError):
                continue
            found.append(guess)
    return tuple(found)
