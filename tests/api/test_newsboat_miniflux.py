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

from newsriver.service import subscriptions
from newsriver.service.accounts import get_user
from tests.api.newsboat import (
    DEFAULT_FEEDS,
    Entries,
    NewsboatRun,
    NewsriverServer,
    check_read_state_round_trip,
    newsboat_binary,
    run_newsboat,
    running_newsriver,
    server_entries,
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NewsriverServer]:
    newsboat_binary()
    with running_newsriver(tmp_path_factory.mktemp("newsriver")) as running:
        yield running


def our_entries(server: NewsriverServer) -> Entries:
    """Entry id -> (feed id, title, link, read) for every entry of the user."""
    return {
        str(entry.id): (entry.feed_id, entry.title, entry.link, entry.read)
        for entry in server_entries(server)
    }


def their_entries(run: NewsboatRun) -> Entries:
    # newsboat names a Miniflux feed by its id, and an article by the entry's id.
    return {
        row["guid"]: (int(row["feedurl"]), row["title"], row["url"], not row["unread"])
        for row in run.items()
    }


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
    check_read_state_round_trip(
        server, tmp_path / "newsboat", server.miniflux_config(), our_entries, their_entries
    )


def test_a_wrong_api_password_leaves_newsboat_without_articles(
    server: NewsriverServer, tmp_path: Path
) -> None:
    # Refused, newsboat finds no feed and gives up (exit 1) with an empty cache.
    for number, password in enumerate(["not-the-password", server.password]):
        config = server.miniflux_config().replace(server.api_password, password)
        with pytest.raises(AssertionError, match="exited 1"):
            run_newsboat(newsboat_binary(), tmp_path / f"newsboat-{number}", config)
    assert server.log().count('/v1/feeds HTTP/1.1" 401') == 2
