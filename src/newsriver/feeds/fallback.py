"""The lenient path: feedparser, for documents too broken for our strict reader.

feedparser's loose parser recovers text that libxml2's recover mode silently drops
(an unclosed `</title>`, a truncated document). It is slow, so it runs only after
strict parsing and our textual repairs have both failed. It is always handed bytes
through `io.BytesIO`: given a string, feedparser would treat it as a path or URL and
read it, which must never happen with a publisher's data.
"""

from __future__ import annotations

import calendar
import io
import time
from datetime import UTC, datetime
from typing import Any

import feedparser

from newsriver.errors import FeedParseError
from newsriver.feeds.dates import parse_date
from newsriver.feeds.draft import EntryDraft, FeedDraft, Text
from newsriver.models import FeedFormat, Person

_FORMATS: dict[str, FeedFormat] = {
    "rss090": "rss090",
    "rss091n": "rss091",
    "rss091u": "rss091",
    "rss092": "rss092",
    "rss093": "rss092",
    "rss094": "rss092",
    "rss20": "rss20",
    "rss10": "rss10",
    "rss": "rss20",
    "atom01": "atom03",
    "atom02": "atom03",
    "atom03": "atom03",
    "atom10": "atom10",
    "atom": "atom10",
}


def read_with_feedparser(utf8: bytes, url: str) -> FeedDraft:
    """Fill a draft using feedparser; raise FeedParseError if it finds no feed either."""
    try:
        result = feedparser.parse(
            io.BytesIO(utf8),
            response_headers={
                "content-location": url,
                "content-type": "application/xml; charset=utf-8",
            },
            # We sanitise and resolve URLs ourselves, once, for every format.
            sanitize_html=False,
            resolve_relative_uris=False,
        )
    except Exception as error:  # feedparser's loose parser has its own crash bugs
        raise FeedParseError(url, f"not a feed, even read leniently ({error!r})") from error
    feed: dict[str, Any] = result.get("feed", {})
    entries: list[dict[str, Any]] = result.get("entries", [])
    version = result.get("version") or ""
    if not entries and not feed.get("title") and version not in _FORMATS:
        raise FeedParseError(url, "not a feed, even read leniently")
    draft = FeedDraft(url=url, format=_FORMATS.get(version, "rss20"))
    literal_titles = draft.format.startswith("rss")
    draft.title = _title(feed.get("title_detail"), literal=literal_titles)
    draft.link = feed.get("link")
    draft.description = _text(feed.get("subtitle_detail"))
    draft.language = feed.get("language")
    draft.updated = _date(feed, "updated")
    draft.authors = _people(feed)
    draft.logo = (feed.get("image") or {}).get("href") or feed.get("logo")
    draft.icon = feed.get("icon")
    for link in feed.get("links", []):
        rel, href = link.get("rel"), link.get("href")
        if rel == "hub" and href:
            draft.hubs.append(href)
        elif rel == "self" and href:
            draft.self_link = draft.self_link or href
    draft.entries = [_entry(entry, literal_titles=literal_titles) for entry in entries]
    return draft


def _entry(raw: dict[str, Any], *, literal_titles: bool) -> EntryDraft:
    entry = EntryDraft()
    entry.id = raw.get("id") or None
    entry.title = _title(raw.get("title_detail"), literal=literal_titles)
    entry.link = raw.get("link")
    entry.summary = _text(raw.get("summary_detail"))
    contents = raw.get("content") or []
    if contents:
        entry.content = _text(contents[0])
    entry.published = _date(raw, "published")
    entry.updated = _date(raw, "updated")
    entry.authors = _people(raw)
    entry.categories = [t.get("label") or t.get("term") for t in raw.get("tags", [])]
    entry.categories = [c for c in entry.categories if c]
    for enclosure in raw.get("enclosures", []):
        if enclosure.get("href"):
            entry.enclosures.append(
                (enclosure["href"], enclosure.get("type"), enclosure.get("length"))
            )
    thumbnails = raw.get("media_thumbnail") or []
    if thumbnails and thumbnails[0].get("url"):
        entry.thumbnail = thumbnails[0]["url"]
    entry.comments = raw.get("comments")
    return entry


def _title(detail: dict[str, Any] | None, *, literal: bool) -> Text | None:
    """RSS titles are literal text on the strict path too (see `rss._title_text`)."""
    text = _text(detail)
    return Text(text.value, "text") if text is not None and literal else text


def _text(detail: dict[str, Any] | None) -> Text | None:
    if not detail or detail.get("value") is None:
        return None
    is_html = "html" in (detail.get("type") or "")
    return Text(detail["value"], "html" if is_html else "text")


def _date(holder: dict[str, Any], key: str) -> datetime | None:
    """Prefer our own date reading of the raw string; feedparser's tuple as a fallback."""
    # dict.get: FeedParserDict.get("updated") falls back to "published" with a warning.
    raw = dict.get(holder, key)
    parsed = parse_date(raw) if isinstance(raw, str) else None
    if parsed is not None:
        return parsed
    struct: time.struct_time | None = dict.get(holder, key + "_parsed")
    if struct is None:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(struct), UTC)
    except (OverflowError, ValueError, OSError):
        return None  # a year outside what datetime holds: an unreadable date


def _people(holder: dict[str, Any]) -> list[Person]:
    people = []
    for author in holder.get("authors", []):
        name, email, uri = author.get("name"), author.get("email"), author.get("href")
        if name or email or uri:
            people.append(Person(name=name, email=email, uri=uri))
    return people
