"""Feed icons: discovery in pages, image sniffing, the worker's search, and serving
them only to a feed's subscribers."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import update

from newsriver.errors import NotFoundError
from newsriver.feeds.discovery import discover_icons, favicon_url, sniff_image
from newsriver.fetch import FetcherConfig
from newsriver.settings import parse_private_networks
from newsriver.store import schema
from newsriver.store.database import Database
from newsriver.store.icons import feeds_needing_icons, icon_for_user, save_icon
from newsriver.update.icons import refresh_icons
from tests.store import NOW, add_feed, add_user
from tests.support.feed_server import FeedServer, Response

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
ICO = b"\x00\x00\x01\x00" + b"\x01" * 40


def test_icons_announced_by_a_page_come_best_first_then_the_favicon() -> None:
    page = b"""<html><head><base href="https://example.org/blog/">
    <link rel="apple-touch-icon" href="/touch.png">
    <link rel="Shortcut  Icon" href="fav.ico">
    <link rel="icon" href="javascript:alert(1)">
    <link rel="stylesheet" href="/style.css">
    </head></html>"""
    assert discover_icons(page, "https://example.org/blog/post") == [
        "https://example.org/blog/fav.ico",
        "https://example.org/touch.png",
        "https://example.org/favicon.ico",
    ]
    assert discover_icons(b"", "https://example.org:8443/x") == [
        "https://example.org:8443/favicon.ico"
    ]
    assert favicon_url("ftp://example.org/") is None


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (PNG, "image/png"),
        (ICO, "image/x-icon"),
        (b"GIF89a...", "image/gif"),
        (b"\xff\xd8\xff\xe0....", "image/jpeg"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image/webp"),
        (b'  <?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>', "image/svg+xml"),
        (b"<html><body>Not found</body></html>", None),
        (b"", None),
    ],
)
def test_images_are_known_by_their_bytes(data: bytes, expected: str | None) -> None:
    assert sniff_image(data) == expected


def _fetched(database: Database, feed_id: int, site_url: str | None, icon_url: str | None) -> None:
    with database.write() as connection:
        connection.execute(
            update(schema.feeds)
            .where(schema.feeds.c.id == feed_id)
            .values(last_fetched_at=NOW, site_url=site_url, icon_url=icon_url)
        )


def test_the_worker_finds_icons_and_remembers_sites_without_one(database: Database) -> None:
    ann = add_user(database, "ann")
    with FeedServer() as server:
        server.page("/site/", '<html><head><link rel="icon" href="/img/icon.png"></head></html>')
        server.set("/img/icon.png", Response(body=PNG, headers={"Content-Type": "text/plain"}))
        server.set("/favicon.ico", Response(body=ICO))
        server.page("/notimage/", '<link rel="icon" href="/notimage/icon.png">')
        server.page("/notimage/icon.png", "<html>an error page served as 200</html>")
        announced = add_feed(database, server.url("/feeds/a.xml"), ann)
        own_icon = add_feed(database, server.url("/feeds/b.xml"), ann)
        fallback = add_feed(database, server.url("/feeds/c.xml"), ann)
        never_fetched = add_feed(database, server.url("/feeds/d.xml"), ann)
        _fetched(database, announced, server.url("/site/"), None)
        _fetched(database, own_icon, None, server.url("/img/icon.png"))
        _fetched(database, fallback, server.url("/notimage/"), None)
        config = FetcherConfig(allowlist=parse_private_networks(server.endpoint))

        found = asyncio.run(refresh_icons(database, config, now=NOW))

        assert found == 3
        with database.read() as connection:
            assert icon_for_user(connection, ann, announced) is not None
            icon = icon_for_user(connection, ann, announced)
            assert icon is not None
            assert (icon.content_type, icon.data) == ("image/png", PNG)
            own = icon_for_user(connection, ann, own_icon)
            assert own is not None
            assert own.content_type == "image/png"
            # The page's announced icon is an HTML page: the site's favicon.ico is next.
            last = icon_for_user(connection, ann, fallback)
            assert last is not None
            assert last.content_type == "image/x-icon"
            assert icon_for_user(connection, ann, never_fetched) is None
            # Nothing is looked for again until it is old.
            assert feeds_needing_icons(connection, now=NOW + timedelta(days=1), limit=10) == []
            stale = feeds_needing_icons(connection, now=NOW + timedelta(days=31), limit=10)
            assert {target.feed_id for target in stale} == {announced, own_icon, fallback}


def test_private_addresses_are_refused_for_icons_too(database: Database) -> None:
    ann = add_user(database, "ann")
    with FeedServer() as server:
        server.set("/favicon.ico", Response(body=ICO))
        feed_id = add_feed(database, server.url("/feed.xml"), ann)
        _fetched(database, feed_id, server.url("/"), None)
        config = FetcherConfig(allowlist=parse_private_networks(""))
        assert asyncio.run(refresh_icons(database, config, now=NOW)) == 0
        assert server.connections == 0
    with database.read() as connection:
        assert icon_for_user(connection, ann, feed_id) is None
        # Recorded as "none found": retried in a week, not at every round.
        assert feeds_needing_icons(connection, now=NOW + timedelta(days=1), limit=10) == []
        assert feeds_needing_icons(connection, now=NOW + timedelta(days=8), limit=10)


def test_an_icon_is_served_only_to_subscribers(database: Database) -> None:
    ann, bob = add_user(database, "ann"), add_user(database, "bob")
    feed_id = add_feed(database, "https://example.org/feed.xml", ann)
    with database.write() as connection:
        save_icon(connection, feed_id, content_type="image/png", data=PNG, source_url=None, now=NOW)
        # Saving again replaces; a feed deleted meanwhile is skipped without error.
        save_icon(connection, feed_id, content_type="image/png", data=PNG, source_url=None, now=NOW)
        save_icon(connection, 10**9, content_type="image/png", data=PNG, source_url=None, now=NOW)
    with database.read() as connection:
        icon = icon_for_user(connection, ann, feed_id)
        assert icon is not None
        assert icon.data == PNG
        with pytest.raises(NotFoundError):
            icon_for_user(connection, bob, feed_id)
