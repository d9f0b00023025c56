"""`ParsedFeed` as plain JSON values: the line format of `newsriver parse`.

This is an output format for people and scripts, so it is spelled out field by field
rather than derived from the dataclasses: adding a field to the model must not silently
change what the command prints. (`ParsedEntry.id_source` is left out on purpose.)
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import TypeAlias

from newsriver.models import Enclosure, ParsedEntry, ParsedFeed, Person

# Sequence and Mapping (covariant) so that e.g. a list[int] is accepted as a JSON array.
JSONValue: TypeAlias = (
    str | int | float | bool | Sequence["JSONValue"] | Mapping[str, "JSONValue"] | None
)
JSONObject: TypeAlias = dict[str, JSONValue]


def feed_to_json(feed: ParsedFeed) -> JSONObject:
    """The `newsriver parse` object for one feed; sets become sorted lists."""
    return {
        "url": feed.url,
        "format": feed.format,
        "title": feed.title,
        "link": feed.link,
        "description": feed.description,
        "language": feed.language,
        "icon": feed.icon,
        "logo": feed.logo,
        "updated": format_datetime(feed.updated),
        "authors": [person_to_json(p) for p in feed.authors],
        "hubs": list(feed.hubs),
        "self_link": feed.self_link,
        "ttl": feed.ttl,
        "skip_hours": sorted(feed.skip_hours),
        "skip_days": sorted(feed.skip_days),
        "recovered": feed.recovered,
        "encoding": feed.encoding,
        "entries": [entry_to_json(e) for e in feed.entries],
    }


def entry_to_json(entry: ParsedEntry) -> JSONObject:
    """One entry; `author` is the display string, `authors` the full list."""
    return {
        "id": entry.id,
        "title": entry.title,
        "link": entry.link,
        "author": entry.author,
        "authors": [person_to_json(p) for p in entry.authors],
        "published": format_datetime(entry.published),
        "updated": format_datetime(entry.updated),
        "summary": entry.summary,
        "content": entry.content,
        "categories": list(entry.categories),
        "enclosures": [enclosure_to_json(e) for e in entry.enclosures],
        "thumbnail": entry.thumbnail,
        "comments": entry.comments,
    }


def person_to_json(person: Person) -> JSONObject:
    return {"name": person.name, "email": person.email, "uri": person.uri}


def enclosure_to_json(enclosure: Enclosure) -> JSONObject:
    return {"url": enclosure.url, "type": enclosure.type, "length": enclosure.length}


def format_datetime(value: datetime | None) -> str | None:
    """ISO-8601 in UTC with a `Z` suffix: `2003-12-13T18:30:02Z`.

    Fractions of a second are kept when present. A naive datetime breaks the models'
    contract (all times are aware UTC); it is read as UTC rather than crashing a command
    whose job is to show what the parser produced.
    """
    if value is None:
        return None
    value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return value.isoformat().removesuffix("+00:00") + "Z"


def dumps_line(obj: JSONObject) -> str:
    """One line of JSON (no newline inside it), non-ASCII text kept as is."""
    return json.dumps(obj, ensure_ascii=False)
