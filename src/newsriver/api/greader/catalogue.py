"""The names a user's Google Reader streams are made of: their feeds, categories
(Google Reader "folders") and labels ("tags"), read once per request."""

from __future__ import annotations

from dataclasses import dataclass

from newsriver.service.reading import load_sidebar
from newsriver.store.database import Database
from newsriver.store.sidebar import SidebarFeed


@dataclass(frozen=True, slots=True)
class Catalogue:
    # The user's subscriptions by feed id, in the sidebar's order.
    feeds: dict[int, SidebarFeed]
    # Category and label names by id, in the sidebar's order.
    categories: dict[int, str]
    labels: dict[int, str]

    def category_named(self, name: str) -> int | None:
        return _named(self.categories, name)

    def label_named(self, name: str) -> int | None:
        return _named(self.labels, name)

    def feed_with_url(self, url: str) -> int | None:
        for feed in self.feeds.values():
            if feed.url == url:
                return feed.feed_id
        return None


def _named(names: dict[int, str], name: str) -> int | None:
    """The id of the exact name, else of the name in another case (categories and
    labels are unique regardless of case in newsriver)."""
    folded = None
    for item_id, item_name in names.items():
        if item_name == name:
            return item_id
        if folded is None and item_name.casefold() == name.casefold():
            folded = item_id
    return folded


def load_catalogue(database: Database, user_id: int) -> Catalogue:
    """The user's feeds, categories and labels (no counts: they cost most of a sidebar)."""
    sidebar = load_sidebar(database, user_id, with_counts=False)
    return Catalogue(
        feeds=sidebar.feeds(),
        categories={category.id: category.name for category in sidebar.categories},
        labels={label.id: label.name for label in sidebar.labels},
    )
