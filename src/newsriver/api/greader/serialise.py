"""Entries and subscriptions in the JSON shapes Google Reader clients read."""

from __future__ import annotations

from datetime import datetime

from newsriver.api.greader.catalogue import Catalogue
from newsriver.api.greader.ids import long_id
from newsriver.api.greader.streams import LABEL, READ, READING_LIST, STARRED
from newsriver.service.sync import EntryDetails, SyncEntries
from newsriver.store.sidebar import SidebarFeed


def usec(moment: datetime) -> int:
    return int(moment.timestamp() * 1_000_000)


def entry_states(
    entry: EntryDetails, label_ids: tuple[int, ...], catalogue: Catalogue
) -> list[str]:
    """The stream ids an entry belongs to: states, its feed's category, its labels."""
    states = [READING_LIST]
    if entry.read:
        states.append(READ)
    if entry.starred:
        states.append(STARRED)
    feed = catalogue.feeds.get(entry.feed_id)
    if feed is not None and feed.category_id is not None:
        states.append(LABEL + catalogue.categories[feed.category_id])
    states.extend(
        LABEL + catalogue.labels[label_id] for label_id in label_ids if label_id in catalogue.labels
    )
    return states


def item(
    entry: EntryDetails, label_ids: tuple[int, ...], catalogue: Catalogue
) -> dict[str, object]:
    """One entry as `stream/contents` lists it."""
    feed = catalogue.feeds.get(entry.feed_id)
    crawled = usec(entry.first_seen_at)
    published = entry.published or entry.sort_at
    found: dict[str, object] = {
        "id": long_id(entry.id),
        "crawlTimeMsec": str(crawled // 1000),
        "timestampUsec": str(crawled),
        "published": int(published.timestamp()),
        "updated": int((entry.updated or published).timestamp()),
        "title": entry.title or "",
        "categories": entry_states(entry, label_ids, catalogue),
        "origin": origin(entry.feed_id, feed),
        "summary": {"direction": "ltr", "content": entry.content or entry.summary or ""},
    }
    if entry.link:
        found["canonical"] = [{"href": entry.link}]
        found["alternate"] = [{"href": entry.link, "type": "text/html"}]
    if entry.author:
        found["author"] = entry.author
    if entry.enclosures:
        found["enclosure"] = [
            {
                "href": e.get("url"),
                "type": e.get("type") or "",
                "length": str(e.get("length") or ""),
            }
            for e in entry.enclosures
            if e.get("url")
        ]
    return found


def origin(feed_id: int, feed: SidebarFeed | None) -> dict[str, str]:
    return {
        "streamId": f"feed/{feed_id}",
        "title": feed.title if feed is not None else "",
        "htmlUrl": (feed.site_url or "") if feed is not None else "",
    }


def items(found: SyncEntries, catalogue: Catalogue) -> list[dict[str, object]]:
    return [item(entry, found.labels.get(entry.id, ()), catalogue) for entry in found.entries]


def subscription(feed: SidebarFeed, catalogue: Catalogue) -> dict[str, object]:
    """One subscription as `subscription/list` lists it."""
    categories = []
    if feed.category_id is not None:
        name = catalogue.categories[feed.category_id]
        categories.append({"id": LABEL + name, "label": name})
    return {
        "id": f"feed/{feed.feed_id}",
        "title": feed.title,
        "categories": categories,
        "url": feed.url,
        "htmlUrl": feed.site_url or "",
        "iconUrl": feed.icon_url or "",
    }
