"""Reading JSON Feed 1.0 and 1.1 (https://jsonfeed.org/version/1.1) into drafts.

JSON is typed loosely in the wild (numbers as strings, a single author object where
a list belongs), so every value is checked for its type before use and anything of the
wrong shape is ignored rather than trusted.
"""

from __future__ import annotations

import json
from typing import Any

from newsriver.errors import FeedParseError
from newsriver.feeds.dates import parse_date
from newsriver.feeds.draft import EntryDraft, FeedDraft, Text
from newsriver.models import Person


def read_json_feed(utf8: bytes, url: str) -> FeedDraft:
    """Fill a draft from a JSON Feed document; raise FeedParseError if it is not one."""
    try:
        # The C decoder raises RecursionError on absurd nesting instead of crashing.
        document = json.loads(utf8)
    except (ValueError, RecursionError) as error:
        raise FeedParseError(url, f"invalid JSON: {error}") from error
    if not isinstance(document, dict):
        raise FeedParseError(url, "JSON document is not an object")
    version = _str(document.get("version")) or ""
    if "jsonfeed.org" not in version and version not in ("1", "1.0", "1.1"):
        raise FeedParseError(url, "JSON document is not a JSON Feed (no version)")
    draft = FeedDraft(url=url, format="json10" if version.endswith(("/1", "1.0")) else "json11")
    draft.title = _text(document.get("title"))
    draft.link = _str(document.get("home_page_url"))
    draft.self_link = _str(document.get("feed_url"))
    draft.description = _text(document.get("description"))
    draft.language = _str(document.get("language"))
    draft.icon = _str(document.get("favicon"))
    draft.logo = _str(document.get("icon"))
    draft.authors = _authors(document)
    for hub in _list(document.get("hubs")):
        if isinstance(hub, dict):
            hub_url = _str(hub.get("url"))
            if hub_url:
                draft.hubs.append(hub_url)
    draft.entries = [_item(item) for item in _list(document.get("items")) if isinstance(item, dict)]
    return draft


def _item(item: dict[str, Any]) -> EntryDraft:
    entry = EntryDraft()
    raw_id = item.get("id")
    # The spec says strings, but integers are common; JSON true/false are not ids.
    if isinstance(raw_id, (str, int)) and not isinstance(raw_id, bool):
        entry.id = str(raw_id)
    entry.title = _text(item.get("title"))
    entry.link = _str(item.get("url")) or _str(item.get("external_url"))
    content_html = _str(item.get("content_html"))
    content_text = _str(item.get("content_text"))
    if content_html:
        entry.content = Text(content_html, "html")
    elif content_text:
        entry.content = Text(content_text, "text")
    summary = _str(item.get("summary"))
    if summary:
        entry.summary = Text(summary, "text")
    entry.published = parse_date(_str(item.get("date_published")))
    entry.updated = parse_date(_str(item.get("date_modified")))
    entry.authors = _authors(item)
    entry.categories = [t for t in _list(item.get("tags")) if isinstance(t, str)]
    entry.thumbnail = _str(item.get("image")) or _str(item.get("banner_image"))
    for attachment in _list(item.get("attachments")):
        if isinstance(attachment, dict):
            url = _str(attachment.get("url"))
            if url:
                size = attachment.get("size_in_bytes")
                length = str(size) if isinstance(size, (int, str)) else None
                entry.enclosures.append((url, _str(attachment.get("mime_type")), length))
    return entry


def _authors(holder: dict[str, Any]) -> list[Person]:
    """JSON Feed 1.1 `authors`, falling back to 1.0's single `author` object."""
    raw = holder.get("authors")
    candidates = _list(raw) if raw is not None else [holder.get("author")]
    people: list[Person] = []
    for candidate in candidates:
        if isinstance(candidate, dict):
            name, uri = _str(candidate.get("name")), _str(candidate.get("url"))
            if name or uri:
                people.append(Person(name=name, uri=uri))
        elif isinstance(candidate, str) and candidate.strip():
            people.append(Person(name=candidate.strip()))
    return people


def _str(value: object) -> str | None:
    # Lone surrogates (JSON may escape them: "\\ud800") and controls are left to
    # `finish_feed`, which cleans every reader's strings alike.
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return None


def _text(value: object) -> Text | None:
    text = _str(value)
    return Text(text, "text") if text else None


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []
