"""The JSON line format of `newsriver parse`, from hand-built models (no parser involved)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

from newsriver.cli.feed_json import dumps_line, feed_to_json, format_datetime
from newsriver.models import Enclosure, ParsedEntry, ParsedFeed, Person

FEED_KEYS = {
    "url", "format", "title", "link", "description", "language", "icon", "logo", "updated",
    "authors", "hubs", "self_link", "ttl", "skip_hours", "skip_days", "recovered", "encoding",
    "entries",
}  # fmt: skip
ENTRY_KEYS = {
    "id", "title", "link", "author", "authors", "published", "updated", "summary", "content",
    "categories", "enclosures", "thumbnail", "comments",
}  # fmt: skip


def test_a_full_feed() -> None:
    entry = ParsedEntry(
        id="urn:x:1",
        id_source="guid",
        title="Ünïcode — title",
        link="https://example.org/1",
        authors=(Person(email="a@example.org"), Person(name="Bea", uri="https://b.example")),
        published=datetime(2003, 12, 13, 18, 30, 2, tzinfo=UTC),
        updated=datetime(2003, 12, 13, 20, 30, 2, tzinfo=timezone(timedelta(hours=2))),
        summary="<p>short</p>",
        content="<p>long</p>",
        categories=("b", "a"),
        enclosures=(Enclosure("https://example.org/a.mp3", "audio/mpeg", 1234),),
        thumbnail="https://example.org/t.png",
        comments="https://example.org/1#comments",
    )
    feed = ParsedFeed(
        url="feed.xml",
        format="rss20",
        title="A feed",
        authors=(Person(name="Ann"),),
        hubs=("https://hub.example/",),
        ttl=60,
        skip_hours=frozenset({23, 0, 5}),
        skip_days=frozenset({"Sunday", "Monday"}),
        entries=(entry,),
        recovered="undefined entity",
        encoding="windows-1252",
    )

    line = feed_to_json(feed)

    assert set(line) == FEED_KEYS
    assert line["format"] == "rss20"
    assert line["updated"] is None
    assert line["authors"] == [{"name": "Ann", "email": None, "uri": None}]
    assert line["hubs"] == ["https://hub.example/"]
    assert line["skip_hours"] == [0, 5, 23]
    assert line["skip_days"] == ["Monday", "Sunday"]
    assert line["recovered"] == "undefined entity"
    assert line["encoding"] == "windows-1252"
    entries = line["entries"]
    assert isinstance(entries, list)
    (got,) = entries
    assert isinstance(got, dict)
    assert set(got) == ENTRY_KEYS
    assert got["author"] == "a@example.org"
    assert got["authors"] == [
        {"name": None, "email": "a@example.org", "uri": None},
        {"name": "Bea", "email": None, "uri": "https://b.example"},
    ]
    assert got["published"] == "2003-12-13T18:30:02Z"
    assert got["updated"] == "2003-12-13T18:30:02Z"
    assert got["categories"] == ["b", "a"]
    assert got["enclosures"] == [
        {"url": "https://example.org/a.mp3", "type": "audio/mpeg", "length": 1234}
    ]


def test_an_empty_feed_has_every_key() -> None:
    line = feed_to_json(ParsedFeed(url="x", format="atom10"))
    assert set(line) == FEED_KEYS
    assert line["entries"] == []
    assert line["skip_hours"] == []


def test_one_line_with_non_ascii_kept() -> None:
    text = dumps_line(feed_to_json(ParsedFeed(url="x", format="json11", title="Zürich\nnews")))
    assert "\n" not in text
    assert "Zürich" in text
    assert json.loads(text)["title"] == "Zürich\nnews"


def test_datetimes() -> None:
    assert format_datetime(None) is None
    assert format_datetime(datetime(2024, 2, 29, 0, 0, tzinfo=UTC)) == "2024-02-29T00:00:00Z"
    minus_seven = timezone(timedelta(hours=-7))
    assert format_datetime(datetime(2017, 5, 17, 8, 2, 12, tzinfo=minus_seven)) == (
        "2017-05-17T15:02:12Z"
    )
    assert format_datetime(datetime(2020, 1, 1, 0, 0, 0, 500000, tzinfo=UTC)) == (
        "2020-01-01T00:00:00.500000Z"
    )
    # Naive datetimes break the models' contract; they are shown as UTC, not crashed on.
    assert format_datetime(datetime(2020, 1, 1, 12, 0)) == "2020-01-01T12:00:00Z"
