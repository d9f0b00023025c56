"""Managing a user's subscriptions and categories, by user id, for the web UI.

The web layer knows the signed-in user's id and name: these use-cases take the id where
the store does, and the name where they build on `service.subscribe` and
`service.opml`, which look users up by name. Errors are `newsriver.errors` or
ValueError for bad input, with messages fit to show as they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from newsriver.clock import utcnow
from newsriver.errors import FetchError, NotAFeedError
from newsriver.fetch import FetcherConfig
from newsriver.service import opml
from newsriver.service.subscribe import FeedChoices, Subscribed, subscribe_url
from newsriver.store import categories, subscriptions
from newsriver.store.categories import Category
from newsriver.store.database import Database
from newsriver.store.subscriptions import Subscription, SubscriptionDetails, SubscriptionSettings

# Longer addresses are almost certainly not a feed's (and browsers' limits are near).
MAX_URL = 2048


@dataclass(frozen=True, slots=True)
class AlreadySubscribed:
    """The URL is a feed the user already reads; nothing was changed."""

    feed_id: int


@dataclass(frozen=True, slots=True)
class OpmlImport:
    summary: opml.ImportSummary
    # The subscriptions the import created, in the order of the user's list.
    added: tuple[Subscription, ...]


def clean_url(url: str) -> str:
    """The URL trimmed; ValueError unless it is an absolute http(s) URL with a host."""
    url = url.strip()
    try:
        parts = urlsplit(url)
        usable = parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:  # a malformed IPv6 literal or port
        usable = False
    if not usable or len(url) > MAX_URL or any(ch.isspace() for ch in url):
        raise ValueError("a feed address must be a full http:// or https:// URL")
    return url


async def add_subscription(
    database: Database,
    fetcher_config: FetcherConfig,
    *,
    user_id: int,
    user_name: str,
    url: str,
    category_id: int | None = None,
    title: str | None = None,
    follow_page: bool = True,
) -> Subscribed | FeedChoices | AlreadySubscribed:
    """Subscribe to the feed at `url`, or offer the feeds its page names.

    Raises ValueError (not an http(s) URL), NotFoundError (a category that is not the
    user's), FetchError or NotAFeedError (see `describe_subscribe_error`).
    """
    url = clean_url(url)
    title = " ".join((title or "").split()) or None
    with database.read() as connection:
        feed_id = subscriptions.find_feed(connection, url)
        if feed_id is not None and subscriptions.is_subscribed(connection, user_id, feed_id):
            return AlreadySubscribed(feed_id)
        category = (
            None
            if category_id is None
            else categories.get_category(connection, user_id, category_id).name
        )
    return await subscribe_url(
        database,
        fetcher_config,
        user_name,
        url,
        category=category,
        title=title,
        follow_page=follow_page,
    )


_FETCH_PROBLEMS = {
    "invalid_url": "That is not an address newsriver can fetch.",
    "private_address": "That address is on a private network, which this server is not "
    "allowed to reach.",
    "dns": "No such host: the name in that address does not exist.",
    "connection": "The host refused the connection or could not be reached.",
    "timeout": "The host took too long to answer.",
    "too_large": "The answer is too large to be a feed.",
    "too_many_redirects": "The address redirects too many times.",
    "redirect_loop": "The address redirects in a loop.",
    "gone": "The server says this feed is gone for good (HTTP 410).",
}


def describe_subscribe_error(error: FetchError | NotAFeedError) -> str:
    """One plain sentence saying why subscribing failed, for people, not logs."""
    if isinstance(error, NotAFeedError):
        if "names no feed" in error.reason:
            return "That address is not a feed, and its page does not name one."
        return "That address is not a feed."
    if error.kind == "http":
        status = f" (HTTP {error.status})" if error.status else ""
        return f"The server answered with an error{status}."
    return _FETCH_PROBLEMS[error.kind]


def list_subscriptions(database: Database, user_id: int) -> list[Subscription]:
    with database.read() as connection:
        return subscriptions.list_subscriptions(connection, user_id)


def get_subscription(database: Database, user_id: int, feed_id: int) -> SubscriptionDetails:
    """NotFoundError unless the user subscribes to the feed."""
    with database.read() as connection:
        return subscriptions.get_subscription(connection, user_id, feed_id)


def update_subscription(
    database: Database, user_id: int, feed_id: int, settings: SubscriptionSettings
) -> None:
    """Replace the subscription's settings; see `store.subscriptions.update_subscription`."""
    with database.write() as connection:
        subscriptions.update_subscription(connection, user_id, feed_id, settings, now=utcnow())


def change_url(database: Database, user_id: int, feed_id: int, url: str) -> int:
    """Point the subscription at `url`; returns the feed id it now has (it changes when
    the subscription moves to another feed). See `store.subscriptions.change_url`."""
    url = clean_url(url)
    with database.write() as connection:
        return subscriptions.change_url(connection, user_id, feed_id, url, now=utcnow())


def unsubscribe(database: Database, user_id: int, feed_id: int) -> None:
    with database.write() as connection:
        subscriptions.unsubscribe(connection, user_id, feed_id)


def list_categories(database: Database, user_id: int) -> list[Category]:
    with database.read() as connection:
        return categories.list_categories(connection, user_id)


def create_category(database: Database, user_id: int, name: str) -> Category:
    with database.write() as connection:
        return categories.create_category(connection, user_id, name)


def rename_category(database: Database, user_id: int, category_id: int, name: str) -> None:
    with database.write() as connection:
        categories.rename_category(connection, user_id, category_id, name)


def move_category(
    database: Database, user_id: int, category_id: int, direction: Literal["up", "down"]
) -> None:
    with database.write() as connection:
        categories.move_category(connection, user_id, category_id, direction)


def set_category_order(database: Database, user_id: int, category_ids: list[int]) -> None:
    with database.write() as connection:
        categories.set_category_order(connection, user_id, category_ids)


def delete_category(database: Database, user_id: int, category_id: int) -> None:
    """Delete the category; its feeds stay, in the default category."""
    with database.write() as connection:
        categories.delete_category(connection, user_id, category_id)


def import_opml(database: Database, *, user_id: int, user_name: str, data: bytes) -> OpmlImport:
    """Import an OPML document (see `service.opml.import_opml`) and say what was added.

    Raises OpmlError when the document is not OPML at all.
    """
    with database.read() as connection:
        before = {row.id for row in subscriptions.list_subscriptions(connection, user_id)}
    summary = opml.import_opml(database, user_name, data)
    with database.read() as connection:
        after = subscriptions.list_subscriptions(connection, user_id)
    return OpmlImport(summary, tuple(row for row in after if row.id not in before))


def export_opml(database: Database, user_name: str) -> bytes:
    return opml.export_opml(database, user_name)
