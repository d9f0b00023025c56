"""Entries and subscriptions in the JSON shapes Google Reader clients read."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from newsriver.api.greader.catalogue import Catalogue
from newsriver.api.greader.ids import LONG_PREFIX
from newsriver.api.greader.streams import LABEL, READ, READING_LIST, STARRED
from newsriver.service.sync import EntryDetails, SyncItemRow
from newsriver.store.sidebar import SidebarFeed


def usec(moment: datetime) -> int:
    return int(moment.timestamp() * 1_000_000)


def entry_states(
    entry: EntryDetails, label_ids: tuple[int, ...], catalogue: Catalogue
) -> list[str]:
    """The stream ids an entry belongs to: states, its feed's category, its labels."""
    states = list(_states(entry.feed_id, entry.read, entry.starred, catalogue))
    states.extend(
        LABEL + catalogue.labels[label_id] for label_id in label_ids if label_id in catalogue.labels
    )
    return states


def items(rows: Iterable[SyncItemRow], catalogue: Catalogue) -> list[dict[str, object]]:
    """The entries as `stream/contents` lists them, in the order given.

    Built in one loop from the store's rows, with each feed's origin and each (feed,
    read, starred) list of categories made once and shared by its items: a page of
    1,000 items through `EntryDetails` and a function per item and per part took twice
    the time of its query.
    """
    origins: dict[int, dict[str, str]] = {}
    categories: dict[tuple[int, object, object], tuple[str, ...]] = {}
    found: list[dict[str, object]] = []
    for (
        entry_id,
        feed_id,
        title,
        link,
        author,
        body,
        published,
        updated,
        crawled,
        enclosures,
        read,
        starred,
        labels,
    ) in rows:
        states = categories.get((feed_id, read, starred))
        if states is None:
            states = categories[feed_id, read, starred] = _states(feed_id, read, starred, catalogue)
        if labels:
            states += tuple(LABEL + catalogue.labels[i] for i in labels if i in catalogue.labels)
        source = origins.get(feed_id)
        if source is None:
            source = origins[feed_id] = origin(feed_id, catalogue.feeds.get(feed_id))
        item: dict[str, object] = {
            # ids.long_id, written out: entry ids are positive, below 2**63.
            "id": f"{LONG_PREFIX}{entry_id:016x}",
            "crawlTimeMsec": str(crawled // 1000),
            "timestampUsec": str(crawled),
            "published": published,
            "updated": updated,
            "title": title,
            "categories": states,
            "origin": source,
            "summary": {"direction": "ltr", "content": body},
        }
        if link:
            item["canonical"] = [{"href": link}]
            item["alternate"] = [{"href": link, "type": "text/html"}]
        if author:
            item["author"] = author
        if enclosures:
            item["enclosure"] = [
                {
                    "href": e.get("url"),
                    "type": e.get("type") or "",
                    "length": str(e.get("length") or ""),
                }
                for e in enclosures
                if e.get("url")
            ]
        found.append(item)
    return found


def _states(feed_id: int, read: object, starred: object, catalogue: Catalogue) -> tuple[str, ...]:
    """The states and category of an entry of the feed, read or not, starred or not."""
    states = [READING_LIST]
    if read:
        states.append(READ)
    if starred:
        states.append(STARRED)
    feed = catalogue.feeds.get(feed_id)
    if feed is not None and feed.category_id is not None:
        states.append(LABEL + catalogue.categories[feed.category_id])
    return tuple(states)


def origin(feed_id: int, feed: SidebarFeed | None) -> dict[str, str]:
    return {
        "streamId": f"feed/{feed_id}",
        "title": feed.title if feed is not None else "",
        "htmlUrl": (feed.site_url or "") if feed is not None else "",
    }


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
