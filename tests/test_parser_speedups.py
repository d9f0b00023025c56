"""The shortcuts taken for speed give the answers of the general code they bypass.

- rss.py reads the channel in one pass, collecting items and artwork on the way;
- draft.py skips calls for an entry's usual case (the feed's base, no content element);
- dates.py reads the fields of the common RFC 822 date through a lookup table.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from newsriver.feeds import parse_feed
from newsriver.feeds.dates import _parse_any, parse_date

FEED_URL = "https://example.org/feed.xml"
ITUNES = "http://www.itunes.com/dtds/podcast-1.0.dtd"
MEDIA = "http://search.yahoo.com/mrss/"


def _rss(channel: str, *, outside: str = "") -> bytes:
    return (
        f'<rss version="2.0" xmlns:itunes="{ITUNES}" xmlns:media="{MEDIA}">'
        f"<channel>{channel}</channel>{outside}</rss>"
    ).encode()


def test_items_and_channel_elements_interleaved_are_all_read() -> None:
    feed = parse_feed(
        _rss(
            "<item><title>one</title></item><title>Feed</title>"
            "<item><title>two</title></item><link>https://example.org/</link>"
            "<item><title>three</title></item>"
        ),
        FEED_URL,
    )
    assert feed.title == "Feed"
    assert feed.link == "https://example.org/"
    assert [entry.title for entry in feed.entries] == ["one", "two", "three"]


def test_fallback_logo_prefers_itunes_artwork_wherever_it_stands() -> None:
    feed = parse_feed(
        _rss(
            '<media:thumbnail url="https://example.org/thumb.png"/>'
            "<item><title>one</title></item>"
            '<itunes:image href="https://example.org/art.png"/>'
            '<itunes:image href="https://example.org/second.png"/>'
        ),
        FEED_URL,
    )
    assert feed.logo == "https://example.org/art.png"
    assert [entry.title for entry in feed.entries] == ["one"]


def test_rss_image_outranks_fallback_artwork() -> None:
    feed = parse_feed(
        _rss(
            '<itunes:image href="https://example.org/art.png"/>'
            "<image><url>https://example.org/logo.png</url></image>"
        ),
        FEED_URL,
    )
    assert feed.logo == "https://example.org/logo.png"


def test_items_beside_an_empty_channel_are_read() -> None:
    feed = parse_feed(
        _rss("<title>Feed</title>", outside="<item><title>x</title></item>"), FEED_URL
    )
    assert [entry.title for entry in feed.entries] == ["x"]


def test_rdf_items_beside_the_channel_are_read() -> None:
    body = (
        b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
        b' xmlns="http://purl.org/rss/1.0/">'
        b"<channel><title>Feed</title></channel>"
        b"<image><url>https://example.org/logo.png</url></image>"
        b"<item><title>a</title><link>https://example.org/a</link></item>"
        b"</rdf:RDF>"
    )
    feed = parse_feed(body, FEED_URL)
    assert feed.logo == "https://example.org/logo.png"
    assert [entry.link for entry in feed.entries] == ["https://example.org/a"]


def test_entry_base_other_than_the_feeds_is_still_applied() -> None:
    body = (
        b'<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://example.org/blog/">'
        b'<entry><link href="a"/><id>1</id></entry>'
        b'<entry xml:base="https://other.example/x/"><link href="b"/><id>2</id></entry>'
        b"</feed>"
    )
    feed = parse_feed(body, FEED_URL)
    assert [entry.link for entry in feed.entries] == [
        "https://example.org/blog/a",
        "https://other.example/x/b",
    ]


def test_content_absent_equal_or_different_from_the_summary() -> None:
    item = "<item><guid>{}</guid><description>&lt;p&gt;s&lt;/p&gt;</description>{}</item>"
    feed = parse_feed(
        _rss(
            item.format("1", "")
            + item.format("2", "<content:encoded>&lt;p&gt;s&lt;/p&gt;</content:encoded>")
            + item.format("3", "<content:encoded>&lt;p&gt;c&lt;/p&gt;</content:encoded>")
        ).replace(b"<rss ", b'<rss xmlns:content="http://purl.org/rss/1.0/modules/content/" '),
        FEED_URL,
    )
    assert [(e.summary, e.content) for e in feed.entries] == [
        ("<p>s</p>", None),
        ("<p>s</p>", "<p>s</p>"),
        ("<p>s</p>", "<p>c</p>"),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "Mon, 02 Jan 2006 15:04:05 GMT",
        "2 Jan 2006 00:00:00 UT",
        "Sun, 31 Dec 2023 23:59:59 +0130",
        "Tue, 09 Mar 1999 07:08:09 -0800",
        "Wed, 29 Feb 2024 12:00:00 PDT",
        "Thu, 31 Apr 2024 12:00:00 GMT",  # no such day: None either way
        "Fri, 01 Jan 2021 24:00:00 GMT",
        "Sat, 30 Jun 2012 23:59:60 Z",
    ],
)
def test_common_rfc822_dates_match_the_general_reader(text: str) -> None:
    try:
        general = _parse_any(text)
    except (ValueError, OverflowError):
        general = None
    assert parse_date(text) == general


def test_common_rfc822_date_value() -> None:
    assert parse_date("Mon, 2 Jan 2006 15:04:05 +0200") == datetime(
        2006, 1, 2, 13, 4, 5, tzinfo=UTC
    )
