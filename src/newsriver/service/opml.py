"""OPML import and export for one user."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from newsriver.clock import utcnow
from newsriver.feeds.opml import OpmlFeed, read_opml, write_opml
from newsriver.store import accounts, subscriptions
from newsriver.store.database import Database


@dataclass(slots=True)
class ImportSummary:
    feeds: int = 0
    added: int = 0
    already_subscribed: int = 0
    # Outlines that could not be used, and repaired defects, as `read_opml` reports them.
    problems: list[str] = field(default_factory=list)


def import_opml(
    database: Database,
    user_name: str,
    data: bytes,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> ImportSummary:
    """Subscribe the user to every feed of an OPML document, with its category.

    Feeds are not fetched here (the next refresh does it); a URL another user already
    has is shared, not duplicated. Raises OpmlError when the file is not OPML at all.
    """
    document = read_opml(data)
    summary = ImportSummary(feeds=len(document.feeds), problems=list(document.problems))
    now = utcnow()
    with database.write() as connection:
        user = accounts.get_user(connection, user_name)
        categories: dict[str, int] = {}
        for done, item in enumerate(document.feeds, start=1):
            category_id = None
            if item.category:
                if item.category not in categories:
                    categories[item.category] = subscriptions.get_or_create_category(
                        connection, user.id, item.category
                    )
                category_id = categories[item.category]
            feed_id, _ = subscriptions.get_or_create_feed(connection, item.xml_url, now=now)
            _, created = subscriptions.subscribe(
                connection, user.id, feed_id, category_id=category_id, title=item.title, now=now
            )
            if created:
                summary.added += 1
            else:
                summary.already_subscribed += 1
            if progress is not None:
                progress(done, summary.feeds)
    return summary


def export_opml(database: Database, user_name: str) -> bytes:
    """The user's subscriptions as OPML 2.0, with categories as folders."""
    with database.read() as connection:
        user = accounts.get_user(connection, user_name)
        rows = subscriptions.list_subscriptions(connection, user.id)
    return write_opml(
        (
            OpmlFeed(xml_url=row.url, title=row.title, html_url=row.site_url, category=row.category)
            for row in rows
        ),
        title=f"{user.name}'s subscriptions in newsriver",
        created=utcnow(),
    )
