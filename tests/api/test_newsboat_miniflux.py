"""newsboat 2.21 in its "miniflux" mode (the REST API) against `newsriver serve`.

newsboat sends HTTP Basic with the user's name and API password, lists
`/v1/categories` and `/v1/feeds`, then reads each feed as
`/v1/feeds/<id>/entries?order=published_at&direction=desc`; it stores a feed under its
id and an entry under its id, read or unread as `status` says, and marks entries with
`PUT /v1/entries` (a JSON body labelled as a form, curl's default). What it stores in its
SQLite cache must be what newsriver has, and its unread count newsriver's.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from newsriver.service import reading, subscriptions, sync
from newsriver.service.accounts import get_user
from newsriver.service.sync import EntryQuery
from tests.api.newsboat import (
    DEFAULT_FEEDS,
    NewsboatRun,
    NewsriverServer,
    newsboat_binary,
    run_newsboat,
    running_newsriver,
)

Entries = dict[str, tuple[int, str | None, str | None, bool]]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NewsriverServer]:
    newsboat_binary()
    with running_newsriver(tmp_path_factory.mktemp("newsriver")) as running:
        yield running


def our_entries(server: NewsriverServer) -> Entries:
    """Entry id -> (feed id, title, link, read) for every entry of the user."""
    with server.database() as database:
        user = get_user(database, server.user)
        found = sync.list_entries(database, user.id, EntryQuery(limit=1000))
    return {
        str(entry.id): (entry.feed_id, entry.title, entry.link, entry.read)
        for entry in found.entries
    }


def their_entries(run: NewsboatRun) -> Entries:
    # newsboat names a Miniflux feed by its id, and an article by the entry's id.
    return {
        row["guid"]: (int(row["feedurl"]), row["title"], row["url"], not row["unread"])
        for row in run.items()
    }


def mark(server: NewsriverServer, titles: set[str], *, read: bool) -> None:
    with server.database() as database:
        user = get_user(database, server.user)
        found = sync.list_entries(database, user.id, EntryQuery(limit=1000))
        ids = [entry.id for entry in found.entries if entry.title in titles]
        assert len(ids) == len(titles)
        reading.mark_read(database, user.id, ids, read=read)


def test_newsboat_stores_every_article_with_our_unread_count(
    server: NewsriverServer, tmp_path: Path
) -> None:
    run = run_newsboat(newsboat_binary(), tmp_path / "newsboat", server.miniflux_config())
    served = sum(len(feed.items) for feed in DEFAULT_FEEDS)
    assert server.unread() == served
    assert run.unread() == served
    assert their_entries(run) == our_entries(server)
    # Its feeds are ours, by id (it keeps their titles as tags, not in its cache).
    with server.database() as database:
        user = get_user(database, server.user)
        ours = {str(row.feed_id) for row in subscriptions.list_subscriptions(database, user.id)}
    assert {row["rssurl"] for row in run.rows("rss_feed")} == ours
    assert len(ours) == len(DEFAULT_FEEDS)
    # It authenticated with HTTP Basic (the API password), and never failed to.
    log = server.log()
    assert '/v1/feeds HTTP/1.1" 200' in log
    assert "401" not in log


def test_the_server_url_may_end_without_a_slash(server: NewsriverServer, tmp_path: Path) -> None:
    # Given "http://host/", newsboat asks for "//v1/…"; given "http://host", for "/v1/…".
    config = server.miniflux_config().replace(f'"{server.url}/"', f'"{server.url}"')
    assert f'"{server.url}"' in config
    run = run_newsboat(newsboat_binary(), tmp_path / "newsboat", config)
    assert run.unread() == server.unread()
    assert their_entries(run) == our_entries(server)
    assert '"GET /v1/feeds HTTP/1.1" 200' in server.log()


def test_read_state_set_in_newsriver_reaches_newsboat_at_its_next_reload(
    server: NewsriverServer, tmp_path: Path
) -> None:
    binary, directory = newsboat_binary(), tmp_path / "newsboat"
    first = run_newsboat(binary, directory, server.miniflux_config())
    assert first.unread() == server.unread()
    chosen = {"Alpha story 0", "Beta story 2", "Gamma story 3"}
    mark(server, chosen, read=True)
    try:
        second = run_newsboat(binary, directory, server.miniflux_config())
        assert second.unread() == server.unread() == first.unread() - len(chosen)
        assert their_entries(second) == our_entries(server)
        read = {row["title"] for row in second.items() if not row["unread"]}
        assert read == chosen
        mark(server, {"Beta story 2"}, read=False)
        third = run_newsboat(binary, directory, server.miniflux_config())
        assert third.unread() == server.unread() == first.unread() - 2
        assert their_entries(third) == our_entries(server)
    finally:
        mark(server, chosen, read=False)


def test_a_wrong_api_password_leaves_newsboat_without_articles(
    server: NewsriverServer, tmp_path: Path
) -> None:
    # Refused, newsboat finds no feed and gives up (exit 1) with an empty cache.
    for number, password in enumerate(["not-the-password", server.password]):
        config = server.miniflux_config().replace(server.api_password, password)
        with pytest.raises(AssertionError, match="exited 1"):
            run_newsboat(newsboat_binary(), tmp_path / f"newsboat-{number}", config)
    assert server.log().count('/v1/feeds HTTP/1.1" 401') == 2
