"""Fever's JSON shapes, from the service's results.

Field names and types follow the Fever API as its clients read it: ids are JSON
integers, booleans are 0 or 1, times are Unix seconds, id lists are comma-separated
strings. Categories are Fever's groups; feeds without a category belong to no group
(clients list them under "All", Fever's Kindling).
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping
from datetime import datetime

from newsriver.service.fever_sync import FeverSubscriptions, ItemPage
from newsriver.store.entries import EntryDetails
from newsriver.store.icons import StoredIcon

API_VERSION = 3
Json = dict[str, object]


def refused() -> Json:
    """The answer to a call whose key is missing or wrong."""
    return {"api_version": API_VERSION, "auth": 0}


def accepted(last_refreshed: datetime | None) -> Json:
    """What every authenticated answer starts with."""
    return {
        "api_version": API_VERSION,
        "auth": 1,
        "last_refreshed_on_time": unix(last_refreshed),
    }


def unix(moment: datetime | None) -> int:
    """Unix seconds; 0 for "never"."""
    return 0 if moment is None else int(moment.timestamp())


def groups(subscriptions: FeverSubscriptions) -> list[Json]:
    return [{"id": category.id, "title": category.name} for category in subscriptions.categories]


def feeds_groups(subscriptions: FeverSubscriptions) -> list[Json]:
    """Each category's feed ids; empty categories and uncategorised feeds are left out."""
    members: dict[int, list[str]] = {}
    for item in subscriptions.feeds:
        if item.feed.category_id is not None:
            members.setdefault(item.feed.category_id, []).append(str(item.feed.feed_id))
    return [
        {"group_id": category.id, "feed_ids": ",".join(members[category.id])}
        for category in subscriptions.categories
        if category.id in members
    ]


def feeds(subscriptions: FeverSubscriptions) -> list[Json]:
    return [
        {
            "id": item.feed.feed_id,
            # A feed's icon has the feed's id (see `favicons`); clients show their own
            # when no favicon has it.
            "favicon_id": item.feed.feed_id,
            "title": item.feed.title,
            "url": item.feed.url,
            "site_url": item.feed.site_url or "",
            "is_spark": 0,
            "last_updated_on_time": unix(item.last_fetched_at),
        }
        for item in subscriptions.feeds
    ]


def favicons(icons: Mapping[int, StoredIcon]) -> list[Json]:
    """Icons as `data:` URL bodies ("image/png;base64,…"), with their feed's id."""
    return [
        {"id": feed_id, "data": f"{icon.content_type};base64,{_base64(icon.data)}"}
        for feed_id, icon in icons.items()
    ]


def _base64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def items(page: ItemPage) -> list[Json]:
    return [item(entry) for entry in page.items]


def item(entry: EntryDetails) -> Json:
    return {
        "id": entry.id,
        "feed_id": entry.feed_id,
        "title": entry.title or "",
        "author": entry.author or "",
        # Sanitised when stored (feeds/sanitize.py); the full text when the feed has one.
        "html": entry.content or entry.summary or "",
        "url": entry.link or "",
        "is_saved": int(entry.starred),
        "is_read": int(entry.read),
        # The article's date as readers show it (published, else first seen), as
        # FreshRSS and Miniflux send it.
        "created_on_time": unix(entry.sort_at),
    }


def id_list(ids: Iterable[int]) -> str:
    return ",".join(str(entry_id) for entry_id in ids)
