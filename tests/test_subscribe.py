"""Subscribing to a URL (`service.subscribe`, `newsriver subscribe`) against a real
local HTTP server: feeds, shared feeds, pages that announce feeds, and refusals."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from newsriver.cli import app
from newsriver.clock import utcnow
from newsriver.errors import FetchError, NotAFeedError
from newsriver.fetch import FetcherConfig
from newsriver.service.subscribe import FeedChoices, Subscribed, subscribe_url
from newsriver.settings import parse_private_networks
from newsriver.store import accounts, schema
from newsriver.store.database import Database, open_database
from newsriver.store.entries import EntryQuery, list_entries
from tests.store import sqlite_url
from tests.support.feed_server import FeedServer, Item

PAGE = """<!doctype html><html><head><title>A site</title>{links}</head>
<body><p>Hello.</p></body></html>"""


def link(url: str, title: str) -> str:
    return f'<link rel="alternate" type="application/rss+xml" title="{title}" href="{url}">'


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with FeedServer() as server:
        yield server


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    database = open_database(sqlite_url(tmp_path))
    with database.write() as connection:
        for name in ("alice", "bob"):
            accounts.add_user(connection, name, password_hash="x", is_admin=False, now=utcnow())
    try:
        yield database
    finally:
        database.close()


def subscribe(
    database: Database, server: FeedServer, user: str, url: str, *, allow: bool = True
) -> Subscribed | FeedChoices:
    allowlist = parse_private_networks(server.endpoint if allow else "")
    config = FetcherConfig(allowlist=allowlist)
    return asyncio.run(subscribe_url(database, config, user, url, category="News"))


def unread(database: Database, user: str) -> int:
    with database.read() as connection:
        user_id = accounts.get_user(connection, user).id
        return len(list_entries(connection, user_id, EntryQuery(unread_only=True)))


def test_a_feed_url_is_fetched_once_and_its_entries_stored_at_once(
    database: Database, server: FeedServer
) -> None:
    url = server.feed("/feed.xml", [Item("b", "Second"), Item("a", "First")], title="Blog")

    outcome = subscribe(database, server, "alice", url)

    assert isinstance(outcome, Subscribed)
    assert outcome == Subscribed(outcome.feed_id, url, "Blog", new_feed=True)
    assert server.hits("/feed.xml") == 1
    assert unread(database, "alice") == 2
    with database.read() as connection:
        category = connection.scalar(
            select(schema.categories.c.name).join(
                schema.subscriptions,
                schema.subscriptions.c.category_id == schema.categories.c.id,
            )
        )
    assert category == "News"


def test_a_url_another_user_reads_is_shared_without_a_request(
    database: Database, server: FeedServer
) -> None:
    url = server.feed("/feed.xml", [Item("a", "First")])
    first = subscribe(database, server, "alice", url)

    second = subscribe(database, server, "bob", url)

    assert isinstance(first, Subscribed)
    assert isinstance(second, Subscribed)
    assert (second.feed_id, second.new_feed) == (first.feed_id, False)
    assert server.hits("/feed.xml") == 1
    assert unread(database, "bob") == 1
    with database.read() as connection:
        assert connection.scalar(select(func.count()).select_from(schema.feeds)) == 1


def test_a_page_announcing_one_feed_subscribes_to_it(
    database: Database, server: FeedServer
) -> None:
    feed = server.feed("/blog/rss", [Item("a", "First")], title="The blog")
    page = server.page("/blog/", PAGE.format(links=link("/blog/rss", "The blog")))

    outcome = subscribe(database, server, "alice", page)

    assert isinstance(outcome, Subscribed)
    assert (outcome.url, outcome.title) == (feed, "The blog")
    assert unread(database, "alice") == 1


def test_a_page_announcing_several_feeds_offers_them(
    database: Database, server: FeedServer
) -> None:
    links = link("/posts.xml", "Posts") + link("/comments.xml", "Comments")
    page = server.page("/", PAGE.format(links=links))

    outcome = subscribe(database, server, "alice", page)

    assert isinstance(outcome, FeedChoices)
    assert [(c.url, c.title) for c in outcome.candidates[:2]] == [
        (server.url("/posts.xml"), "Posts"),
        (server.url("/comments.xml"), "Comments"),
    ]
    with database.read() as connection:
        assert connection.scalar(select(func.count()).select_from(schema.subscriptions)) == 0


def test_a_page_naming_a_page_is_not_followed_further(
    database: Database, server: FeedServer
) -> None:
    server.page("/other/", PAGE.format(links=link("/", "Loop")))
    page = server.page("/", PAGE.format(links=link("/other/", "Not a feed")))

    with pytest.raises(NotAFeedError, match="not a feed"):
        subscribe(database, server, "alice", page)


def test_a_page_without_feeds_is_refused_plainly(database: Database, server: FeedServer) -> None:
    page = server.page("/", "<p>Parked domain</p>")

    with pytest.raises(NotAFeedError, match="names no feed"):
        subscribe(database, server, "alice", page)
    # The usual feed paths were tried (and all answered 404).
    assert server.hits("/feed") == 1


def test_an_unannounced_feed_at_a_usual_path_is_found(
    database: Database, server: FeedServer
) -> None:
    feed = server.feed("/index.xml", [Item("a", "First")], title="Hugo site")
    page = server.page("/", "<p>No link element here.</p>")

    outcome = subscribe(database, server, "alice", page)

    assert isinstance(outcome, Subscribed)
    assert (outcome.url, outcome.title) == (feed, "Hugo site")


def test_a_private_address_is_refused_without_a_request(
    database: Database, server: FeedServer
) -> None:
    url = server.feed("/feed.xml", [Item("a", "First")])

    with pytest.raises(FetchError, match="private") as caught:
        subscribe(database, server, "alice", url, allow=False)

    assert caught.value.kind == "private_address"
    assert server.hits() == 0


def test_the_command_line_lists_choices_and_subscribes(tmp_path: Path, server: FeedServer) -> None:
    env = {"NEWSRIVER_DATA_DIR": str(tmp_path), "NEWSRIVER_ALLOW_PRIVATE_NETWORKS": server.endpoint}
    runner = CliRunner()
    added = runner.invoke(app, ["user", "add", "carol", "--password-stdin"], "password1\n", env=env)
    assert added.exit_code == 0, added.stderr
    server.feed("/posts.xml", [Item("a", "First")], title="Posts")
    links = link("/posts.xml", "Posts") + link("/comments.xml", "Comments")
    page = server.page("/", PAGE.format(links=links))

    offered = runner.invoke(app, ["subscribe", page, "--user", "carol"], env=env)
    chosen = runner.invoke(app, ["subscribe", server.url("/posts.xml"), "--user", "carol"], env=env)
    refused = runner.invoke(app, ["subscribe", server.url("/nothing"), "--user", "carol"], env=env)

    assert offered.exit_code == 1
    assert offered.stdout.splitlines()[0] == f"{server.url('/posts.xml')}\tPosts"
    assert "naming" in offered.stderr
    assert chosen.exit_code == 0, chosen.stderr
    assert chosen.stdout == f"carol subscribed to Posts <{server.url('/posts.xml')}>\n"
    assert refused.exit_code == 1
    assert refused.stderr.count("\n") == 1
    assert "404" in refused.stderr
